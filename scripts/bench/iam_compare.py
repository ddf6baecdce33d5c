"""Helpers of scripts/bench-iam (plain Python 3, no dependencies).

  iam_compare.py checks REPORT.json COMPLIANCE.json
      The Prowler checks that COMPLIANCE.json (Prowler's cis_3.0_aws.json, cis_7.0_aws.json,
      ...: the requirement ids are the CIS numbers of that version) maps to the
      recommendations cisrun evaluated in REPORT.json (its `--json` report:
      every result that is not skipped as not implemented), one per line.

  iam_compare.py compare REPORT.json PROWLER.ocsf.json COMPLIANCE.json
      One row per recommendation that both tools cover: cisrun's verdict, Prowler's
      (pass if every finding of its mapped checks passed, fail if any failed, manual if
      they are all MANUAL, `no finding` if its checks reported nothing), the number of
      Prowler findings, then every disagreement. Markdown on stdout.

  iam_compare.py actions LOG FROM TO
      Per-action request counts from moto's `ACTION service:Action` lines (written by
      scripts/bench/moto_actions.py) between log lines FROM and TO, as `Action=N, ...`.
"""
import collections
import json
import sys


def number_key(number):
    return [int(p) if p.isdigit() else p for p in number.split(".")]


def cisrun_results(path):
    report = json.load(open(path))
    (account,) = report["accounts"]
    out = {}
    for result in account["results"]:
        outcome = result["outcome"]
        skip = (outcome.get("skip") or {}).get("kind")
        if skip == "not_implemented":
            continue
        verdict = outcome["status"]
        if verdict == "skipped" and skip == "manual":
            verdict = "manual"  # what Prowler calls its MANUAL status
        elif verdict == "skipped" and skip:
            verdict = f"skipped ({skip})"
        out[result["number"]] = (verdict, result["control_id"], outcome.get("message", ""))
    return out


def mapping(path):
    return {r["Id"]: r["Checks"] for r in json.load(open(path))["Requirements"]}


def checks(report, compliance):
    ours = cisrun_results(report)
    wanted = sorted({c for rid, cs in mapping(compliance).items() if rid in ours for c in cs})
    print("\n".join(wanted))


def prowler_verdict(findings):
    statuses = {f["status_code"] for f in findings}
    if not findings:
        return "no finding"
    if "FAIL" in statuses:
        return "fail"
    if statuses == {"PASS"}:
        return "pass"
    if statuses == {"MANUAL"}:
        return "manual"
    return "/".join(sorted(s.lower() for s in statuses))


def compare(report, ocsf, compliance):
    ours = cisrun_results(report)
    by_check = collections.defaultdict(list)
    for finding in json.load(open(ocsf)):
        by_check[finding["metadata"]["event_code"]].append(finding)
    rows, disagreements = [], []
    for rid, check_ids in sorted(mapping(compliance).items(), key=lambda kv: number_key(kv[0])):
        if rid not in ours or not check_ids:
            continue
        findings = [f for c in check_ids for f in by_check.get(c, [])]
        theirs = prowler_verdict(findings)
        verdict, control, message = ours[rid]
        fails = sum(f["status_code"] == "FAIL" for f in findings)
        same = verdict == theirs
        rows.append(f"| {rid} | `{control}` | {verdict} | {theirs} | {len(findings)} ({fails} FAIL) "
                    f"| {', '.join(f'`{c}`' for c in check_ids)} | {'' if same else '**differ**'} |")
        if not same:
            failing = [f["status_detail"] for f in findings if f["status_code"] == "FAIL"][:2]
            disagreements.append((rid, control, verdict, theirs, message, failing))
    version = json.load(open(compliance)).get("Version", "")
    print(f"| CIS {version} | cisrun control | cisrun | Prowler | Prowler findings | Prowler checks | |")
    print("|---|---|---|---|---:|---|---|")
    print("\n".join(rows))
    print()
    print(f"{len(disagreements)} disagreement(s):")
    for rid, control, verdict, theirs, message, failing in disagreements:
        print(f"- {rid} ({control}): cisrun {verdict} ({message}); Prowler {theirs}"
              + (f" (e.g. {' | '.join(failing)})" if failing else ""))


def actions(log, start, end):
    counts = collections.Counter()
    with open(log, errors="replace") as f:
        for n, line in enumerate(f, 1):
            if start < n <= end and line.startswith("ACTION "):
                counts[line.split()[1]] += 1
    print(", ".join(f"{a}={n}" for a, n in sorted(counts.items())))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "checks":
        checks(*args)
    elif cmd == "compare":
        compare(*args)
    elif cmd == "actions":
        actions(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit(f"unknown command {cmd}")
