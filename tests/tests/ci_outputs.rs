//! CI-facing outputs through the real binary against moto: baselines and `--fail-on`,
//! `cisrun diff`, `-` as standard output, the Markdown summary, OCSF findings validated by
//! py-ocsf-models, and the HTML report opened in headless Chromium.
//!
//! Profiles are narrowed to the support-role control so results do not move as controls
//! are added.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cisrun_e2e::{
    assert_valid_junit, ocsf_check, read_json, repo_root, run, run_within, seed, write_profile,
    Moto, Run, Value,
};

const PROFILE: &str = "name: ci-support\nbenchmark: cis-aws-foundations\nversion: v3.0.0\n\
level: 1\ncontrols:\n  include: [aws-iam-support-role]\n";
const CONTROL: &str = "aws-iam-support-role";

fn audit(moto: &Moto, profile: &Path, args: &[&str], paths: &[&Path]) -> Run {
    let mut command = moto.cisrun();
    command.args(["audit", "--profile"]).arg(profile);
    command.args(args);
    // Each path follows the option before it: args end with the option names.
    for path in paths {
        command.arg(path);
    }
    let out = run(&mut command);
    out.assert_no_panic();
    out
}

/// `audit --json <json>` with `extra` options.
fn audit_json(moto: &Moto, profile: &Path, json: &Path, extra: &[&str]) -> Run {
    let mut command = moto.cisrun();
    command
        .args(["audit", "--profile"])
        .arg(profile)
        .arg("--json")
        .arg(json)
        .args(extra);
    let out = run(&mut command);
    out.assert_no_panic();
    out
}

fn result(report: &Value) -> &Value {
    report["accounts"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["control_id"] == CONTROL)
        .expect("the support-role result")
}

/// A support role: the control passes.
async fn compliant(moto: &Moto) {
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
}

/// The policy on a user only: the control fails naming the user.
async fn break_it(moto: &Moto) {
    let iam = moto.iam().await;
    iam.detach_role_policy()
        .role_name("Support")
        .policy_arn(seed::aws_policy("AWSSupportAccess"))
        .send()
        .await
        .expect("detach");
    seed::user_with_policy(&iam, "alice", &seed::aws_policy("AWSSupportAccess")).await;
}

#[tokio::test]
async fn baseline_round_trip_labels_results_and_resources_and_drives_fail_on() {
    let moto = Moto::start();
    compliant(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    let base = dir.path().join("base.json");
    audit_json(&moto, &profile, &base, &[]).expect_code(0);
    assert!(
        read_json(&base).get("baseline").is_none(),
        "no baseline, no labels"
    );

    // Worse: the role loses the policy, a user gets it.
    break_it(&moto).await;
    let base_arg = base.to_str().expect("utf-8 path");
    let mut codes = Vec::new();
    for mode in ["all", "new", "failures", "none"] {
        let json = dir.path().join(format!("worse-{mode}.json"));
        let out = audit_json(
            &moto,
            &profile,
            &json,
            &["--baseline", base_arg, "--fail-on", mode],
        );
        codes.push((mode, out.code));
        let report = read_json(&json);
        let r = result(&report);
        assert_eq!(r["outcome"]["status"], "fail");
        assert_eq!(r["change"], "new", "{r:#}");
        let evidence = &r["outcome"]["evidence"];
        assert_eq!(evidence[0]["resource"], "user/alice");
        assert_eq!(evidence[0]["change"], "new");
        let c = &report["baseline"];
        assert_eq!(c["new_failures"], 1, "{c:#}");
        assert_eq!(c["results"]["new"], 1);
        // The role was the passing evidence; it is gone, but it was no finding.
        assert_eq!(c["resources"]["fixed"], 0);
        if mode == "all" {
            assert!(out.stdout.contains("[new]"), "{}", out.stdout);
            assert!(out.stdout.contains("1 new failure(s)"), "{}", out.stdout);
        }
    }
    assert_eq!(
        codes,
        [("all", 1), ("new", 1), ("failures", 1), ("none", 0)],
        "a new failure"
    );
    // Without --baseline, `new` counts every finding.
    let unlabelled = dir.path().join("worse-unlabelled.json");
    audit_json(&moto, &profile, &unlabelled, &["--fail-on", "new"]).expect_code(1);

    // The same failure again, against the failing run: unchanged.
    let worse = dir.path().join("worse-all.json");
    let worse_arg = worse.to_str().expect("utf-8 path");
    let mut codes = Vec::new();
    for mode in ["all", "new", "failures", "none"] {
        let json = dir.path().join(format!("again-{mode}.json"));
        let out = audit_json(
            &moto,
            &profile,
            &json,
            &["--baseline", worse_arg, "--fail-on", mode],
        );
        codes.push((mode, out.code));
        let report = read_json(&json);
        assert_eq!(result(&report)["change"], "unchanged");
        assert_eq!(
            result(&report)["outcome"]["evidence"][0]["change"],
            "unchanged"
        );
        assert_eq!(report["baseline"]["new_failures"], 0);
        if mode == "new" {
            assert!(
                out.stderr.contains("exit 0: --fail-on new"),
                "{}",
                out.stderr
            );
        }
    }
    assert_eq!(
        codes,
        [("all", 1), ("new", 0), ("failures", 1), ("none", 0)],
        "an unchanged failure fails only `all` and `failures`"
    );

    // Fixed: the role gets the policy back.
    let iam = moto.iam().await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    iam.detach_user_policy()
        .user_name("alice")
        .policy_arn(seed::aws_policy("AWSSupportAccess"))
        .send()
        .await
        .expect("detach from alice");
    let fixed = dir.path().join("fixed.json");
    let markdown = dir.path().join("fixed.md");
    let junit = dir.path().join("fixed.xml");
    let out = audit_json(
        &moto,
        &profile,
        &fixed,
        &[
            "--baseline",
            worse_arg,
            "--fail-on",
            "new",
            "--markdown",
            markdown.to_str().expect("utf-8"),
            "--junit",
            junit.to_str().expect("utf-8"),
        ],
    )
    .expect_code(0);
    // JUnit carries the label in the testcase's text (the schema has no testcase properties).
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(xml.contains("Baseline: fixed"), "{xml}");
    let report = read_json(&fixed);
    assert_eq!(result(&report)["change"], "fixed");
    let c = &report["baseline"];
    assert_eq!(c["results"]["fixed"], 1, "{c:#}");
    // alice's finding is gone from the evidence: listed as fixed.
    assert_eq!(c["resources"]["fixed"], 1, "{c:#}");
    assert_eq!(c["fixed"][0]["resource"], "user/alice");
    assert_eq!(c["fixed"][0]["was"], "fail");
    assert!(out.stdout.contains("FIXED"), "{}", out.stdout);
    let md = std::fs::read_to_string(&markdown).expect("markdown");
    assert!(md.contains("### Fixed since the baseline"), "{md}");
    assert!(md.contains("user/alice"), "{md}");
    // Nothing left to count, whatever the mode.
    for mode in ["all", "failures", "none"] {
        let json = dir.path().join(format!("fixed-{mode}.json"));
        audit_json(
            &moto,
            &profile,
            &json,
            &["--baseline", worse_arg, "--fail-on", mode],
        )
        .expect_code(0);
        assert_eq!(result(&read_json(&json))["change"], "fixed", "{mode}");
    }

    // An account missing from the baseline is all new.
    let mut other = read_json(&base);
    other["accounts"][0]["account_id"] = "999999999999".into();
    let other_path = dir.path().join("other-account.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let json = dir.path().join("vs-other.json");
    audit_json(
        &moto,
        &profile,
        &json,
        &["--baseline", other_path.to_str().expect("utf-8")],
    )
    .expect_code(0);
    let report = read_json(&json);
    assert_eq!(result(&report)["change"], "new");
    // The other account's pass is gone, but a pass is no finding: nothing fixed.
    assert_eq!(report["baseline"]["results"]["fixed"], 0);

    // diff gives the same comparison without running anything.
    let diffed = dir.path().join("diff.json");
    let out = run(moto
        .cisrun()
        .arg("diff")
        .arg(&base)
        .arg(&worse)
        .arg("--json")
        .arg(&diffed));
    assert_eq!(
        out.code, 1,
        "diff fails on new findings by default: {out:?}"
    );
    assert!(out.stdout.contains("[new]"), "{}", out.stdout);
    let d = read_json(&diffed);
    assert_eq!(d["baseline"], read_json(&worse)["baseline"]);
    assert_eq!(result(&d)["change"], "new");
    let out = run(moto.cisrun().arg("diff").arg(&worse).arg(&fixed));
    assert_eq!(out.code, 0, "nothing new: {out:?}");
    let out = run(moto
        .cisrun()
        .arg("diff")
        .arg(&worse)
        .arg(dir.path().join("again-all.json"))
        .args(["--fail-on", "all"]));
    assert_eq!(
        out.code, 1,
        "--fail-on all counts unchanged findings: {out:?}"
    );
}

#[tokio::test]
async fn a_baseline_that_cannot_be_used_stops_the_run_with_exit_2() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    let json = dir.path().join("out.json");

    let missing = dir.path().join("missing.json");
    let out = audit_json(
        &moto,
        &profile,
        &json,
        &["--baseline", missing.to_str().expect("utf-8")],
    )
    .expect_code(2);
    assert!(
        out.stderr.contains("--baseline: cannot read"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(!json.exists(), "nothing ran, nothing written");

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"a report\"}").expect("write");
    let out = audit_json(
        &moto,
        &profile,
        &json,
        &["--baseline", garbage.to_str().expect("utf-8")],
    )
    .expect_code(2);
    assert!(
        out.stderr.contains("is not a cisrun JSON report"),
        "{}",
        out.stderr
    );

    // A report of another benchmark version (and another profile).
    let good = dir.path().join("good.json");
    audit_json(&moto, &profile, &good, &[]).expect_code(1);
    let mut other = read_json(&good);
    other["run"]["version"] = "v4.0.1".into();
    let other_path = dir.path().join("v4.json");
    std::fs::write(&other_path, other.to_string()).expect("write");
    let out = audit_json(
        &moto,
        &profile,
        &json,
        &["--baseline", other_path.to_str().expect("utf-8")],
    )
    .expect_code(2);
    assert!(
        out.stderr.contains("v4.0.1") && out.stderr.contains("v3.0.0"),
        "{}",
        out.stderr
    );
    let out = run(moto.cisrun().arg("diff").arg(&other_path).arg(&good)).expect_code(2);
    assert!(out.stderr.contains("cannot use baseline"), "{}", out.stderr);
    assert!(!json.exists());
}

#[tokio::test]
async fn a_dash_is_standard_output_for_every_report_and_only_one_can_have_it() {
    let moto = Moto::start();
    compliant(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);

    let out = audit(&moto, &profile, &["--json", "-"], &[]).expect_code(0);
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is exactly the JSON");
    assert_eq!(result(&report)["outcome"]["status"], "pass");
    assert!(
        out.stderr.contains("1 account(s)"),
        "summary on stderr: {}",
        out.stderr
    );
    assert!(!dir.path().join("-").exists() && !Path::new("-").exists());

    let out = audit(&moto, &profile, &["--junit", "-"], &[]).expect_code(0);
    let junit = dir.path().join("stdout.xml");
    std::fs::write(&junit, &out.stdout).expect("write");
    assert_valid_junit(&junit);

    let out = audit(&moto, &profile, &["--markdown", "-"], &[]).expect_code(0);
    assert!(
        out.stdout.starts_with("## cisrun audit: ci-support"),
        "{}",
        out.stdout
    );
    let out = audit(&moto, &profile, &["--ocsf", "-"], &[]).expect_code(0);
    let events: Vec<Value> = serde_json::from_str(&out.stdout).expect("OCSF array");
    assert_eq!(events.len(), 1);
    let out = audit(&moto, &profile, &["--html", "-"], &[]).expect_code(0);
    assert!(out.stdout.starts_with("<!DOCTYPE html>"));

    // Two reports on stdout: refused before anything runs.
    let out = audit(&moto, &profile, &["--json", "-", "--markdown", "-"], &[]).expect_code(2);
    assert!(
        out.stderr
            .contains("--json and --markdown both ask for standard output"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());

    // remediate (plan) and merge too.
    let fixable = write_profile(
        dir.path(),
        "fix.yaml",
        &format!("{PROFILE}parameters:\n  aws-iam-support-role:\n    existing_role: Support\n"),
    );
    let out = run(moto
        .cisrun()
        .args(["remediate", "--profile"])
        .arg(&fixable)
        .args(["--markdown", "-"]))
    .expect_code(0);
    assert!(
        out.stdout.starts_with("## cisrun remediate"),
        "{}",
        out.stdout
    );
    let json = dir.path().join("r.json");
    audit_json(&moto, &profile, &json, &[]).expect_code(0);
    let out = run(moto.cisrun().arg("merge").arg(&json).args(["--json", "-"])).expect_code(0);
    let merged: Value = serde_json::from_str(&out.stdout).expect("merged JSON on stdout");
    assert_eq!(result(&merged)["outcome"]["status"], "pass");
    let out = run(moto
        .cisrun()
        .arg("merge")
        .arg(&json)
        .args(["--json", "-", "--ocsf", "-"]))
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--json and --ocsf both ask for standard output"),
        "{}",
        out.stderr
    );
    let out = run(moto
        .cisrun()
        .args(["remediate", "--profile"])
        .arg(&fixable)
        .args(["--junit", "-", "--html", "-", "--ocsf", "-"]))
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--junit and --html and --ocsf all ask for standard output"),
        "{}",
        out.stderr
    );
    // merge of JUnit inputs.
    let xml = dir.path().join("r.xml");
    audit(&moto, &profile, &["--junit"], &[&xml]).expect_code(0);
    let out = run(moto.cisrun().arg("merge").arg(&xml).args(["--junit", "-"])).expect_code(0);
    let merged_xml = dir.path().join("merged-stdout.xml");
    std::fs::write(&merged_xml, &out.stdout).expect("write");
    assert_valid_junit(&merged_xml);
    assert!(
        out.stderr.contains("cisrun merge: 1 account(s)"),
        "{}",
        out.stderr
    );
    // diff.
    let out = run(moto
        .cisrun()
        .arg("diff")
        .arg(&json)
        .arg(&json)
        .args(["--json", "-"]))
    .expect_code(0);
    let diffed: Value = serde_json::from_str(&out.stdout).expect("diff JSON on stdout");
    assert_eq!(result(&diffed)["change"], "unchanged", "{}", out.stdout);
    let out = run(moto.cisrun().arg("diff").arg(&json).arg(&json).args([
        "--markdown",
        "-",
        "--junit",
        "-",
    ]))
    .expect_code(2);
    assert!(
        out.stderr
            .contains("--junit and --markdown both ask for standard output"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("-").exists() && !Path::new("-").exists());
}

#[tokio::test]
async fn a_report_path_error_says_its_cause_once() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    for option in ["--json", "--junit", "--markdown", "--html", "--ocsf"] {
        let target = dir.path().join(format!("dir{option}"));
        std::fs::create_dir(&target).expect("mkdir");
        let out = audit(&moto, &profile, &[option], &[&target]).expect_code(2);
        let line = out.stderr.lines().last().unwrap_or_default();
        assert!(
            line.contains(&target.display().to_string()),
            "{option}: {line}"
        );
        assert_eq!(
            line.matches("Is a directory").count(),
            1,
            "{option}: {line}"
        );
    }
    // A baseline that cannot be read: the option, the path and the cause, once each.
    let folder = dir.path().join("dir--json");
    let out = audit(&moto, &profile, &["--baseline"], &[&folder]).expect_code(2);
    let line = out.stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with("error: --baseline: cannot read")
            && line.contains(&folder.display().to_string()),
        "{line}"
    );
    assert_eq!(line.matches("Is a directory").count(), 1, "{line}");
}

#[tokio::test]
async fn ocsf_findings_validate_with_a_real_ocsf_implementation() {
    let moto = Moto::start();
    compliant(&moto).await;
    break_it(&moto).await;
    // Two failing resources: alice and a group.
    let iam = moto.iam().await;
    seed::group_with_policy(&iam, "ops", &seed::aws_policy("AWSSupportAccess")).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    let base = dir.path().join("base.json");
    // The baseline: alice only (as if the group came later).
    audit_json(&moto, &profile, &base, &[]).expect_code(1);
    let mut b = read_json(&base);
    b["accounts"][0]["results"][0]["outcome"]["evidence"]
        .as_array_mut()
        .expect("evidence")
        .retain(|e| e["resource"] == "user/alice");
    std::fs::write(&base, b.to_string()).expect("write");

    let ocsf = dir.path().join("findings.ocsf.json");
    let out = audit(
        &moto,
        &profile,
        &["--baseline", base.to_str().expect("utf-8"), "--ocsf"],
        &[&ocsf],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let summary = ocsf_check(&ocsf);
    assert_eq!(summary["events"], 2, "{summary:#}");
    assert_eq!(summary["compliance_status"]["Fail"], 2);
    assert_eq!(summary["requirements"], serde_json::json!(["1.17", "1.17"]));
    assert_eq!(summary["levels"], serde_json::json!([1, 1]));
    assert_eq!(
        summary["accounts"],
        serde_json::json!([seed::ACCOUNT, seed::ACCOUNT])
    );
    let mut resources: Vec<String> = summary["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().unwrap_or_default().to_string())
        .collect();
    resources.sort();
    assert_eq!(resources, ["group/ops", "user/alice"]);
    assert_eq!(summary["changes"]["new"], 1, "{summary:#}");
    assert_eq!(summary["changes"]["unchanged"], 1, "{summary:#}");
}

/// Runs tests/ocsf_check.py (py-ocsf-models) on `path`; its JSON summary.
/// Where test artifacts (screenshots) are kept: target/test-artifacts.
fn artifacts() -> PathBuf {
    let dir = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact dir");
    dir
}

/// Headless Chromium on `url` with `args`; fails the test on console errors.
fn chromium(url: &str, args: &[&str]) -> Run {
    let profile = tempfile::tempdir().expect("chromium profile dir");
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url);
    let out = run_within(&mut command, Duration::from_secs(120));
    assert_eq!(out.code, 0, "chromium failed: {}", out.stderr);
    for line in out.stderr.lines() {
        assert!(
            !(line.contains("Uncaught") || line.contains("CONSOLE") && line.contains("rror")),
            "console error: {line}\n{}",
            out.stderr
        );
    }
    out
}

/// The `data-*` attribute `name` of the element with id `id` in a dumped DOM.
fn attribute(dom: &str, id: &str, name: &str) -> String {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let tag_start = dom[..at].rfind('<').unwrap_or(0);
    let tag_end = at + dom[at..].find('>').unwrap_or(0);
    let tag = &dom[tag_start..tag_end];
    let key = format!("{name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} on #{id}: {tag}"))
        + key.len();
    let len = tag[start..].find('"').unwrap_or(0);
    tag[start..start + len].to_string()
}

#[tokio::test]
async fn the_html_report_renders_in_headless_chromium_with_the_right_counts() {
    let moto = Moto::start();
    compliant(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Two controls, so the matrix has a pass and a fail.
    let profile = write_profile(
        dir.path(),
        "p.yaml",
        &PROFILE.replace(
            "[aws-iam-support-role]",
            "[aws-iam-support-role, aws-iam-root-access-key]",
        ),
    );
    let base = dir.path().join("base.json");
    audit_json(&moto, &profile, &base, &[]);
    break_it(&moto).await;
    let html = dir.path().join("report.html");
    let json = dir.path().join("report.json");
    let out = audit(
        &moto,
        &profile,
        &[
            "--baseline",
            base.to_str().expect("utf-8"),
            "--json",
            json.to_str().expect("utf-8"),
            "--html",
        ],
        &[&html],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = read_json(&json);
    let totals = |status: &str| {
        report["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .flat_map(|a| a["results"].as_array().expect("results"))
            .filter(|r| r["outcome"]["status"] == status)
            .count()
    };
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no network"
    );
    let url = format!("file://{}", html.display());

    let out = chromium(&url, &["--dump-dom"]);
    let dom = out.stdout;
    assert!(dom.contains("data-rendered=\"1\""), "the script ran: {dom}");
    for status in ["pass", "fail", "error", "skipped"] {
        assert_eq!(
            attribute(&dom, &format!("total-{status}"), "data-count"),
            totals(status).to_string(),
            "{status}"
        );
        assert_eq!(
            attribute(&dom, "shown", &format!("data-{status}")),
            totals(status).to_string(),
            "{status} cells shown"
        );
    }
    assert_eq!(attribute(&dom, "shown", "data-accounts"), "1");
    assert_eq!(totals("fail"), 1);
    assert!(dom.contains("1 new failure(s)"), "baseline line rendered");

    // Filtered to failures, the failing cell's evidence open (the URL fragment presets both).
    let control_column = {
        let d = cisrun_core_free_column(&report);
        d.to_string()
    };
    let filtered = format!("{url}#status=fail&cell=0,{control_column}");
    let out = chromium(&filtered, &["--dump-dom"]);
    let dom = out.stdout;
    assert_eq!(attribute(&dom, "shown", "data-pass"), "0");
    assert_eq!(attribute(&dom, "shown", "data-fail"), "1");
    assert!(
        dom.contains("id=\"detail-evidence\""),
        "evidence shown: {dom}"
    );
    assert!(dom.contains("user/alice"), "{dom}");

    let shot = artifacts().join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &filtered.replace("status=fail&", ""),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,720",
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 5_000, "a screenshot was kept at {}", shot.display());
}

/// The matrix column of the support-role control: recommendations in CIS-number order.
fn cisrun_core_free_column(report: &Value) -> usize {
    let mut numbers: Vec<(Vec<u32>, String)> = report["accounts"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let n = r["number"].as_str().unwrap_or_default();
            (
                n.split('.').map(|p| p.parse().unwrap_or(0)).collect(),
                r["control_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    numbers.sort();
    numbers
        .iter()
        .position(|(_, id)| id == CONTROL)
        .expect("support-role column")
}

#[tokio::test]
async fn the_html_report_of_a_thousand_accounts_opens_fast() {
    // Built from a real one-account report, multiplied: 1,000 accounts × the controls of a
    // full Level 2 profile would need AWS; the page's cost is its data, not its origin.
    let moto = Moto::start();
    compliant(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("one.json");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    audit_json(&moto, &profile, &json, &[]).expect_code(0);
    let mut report = read_json(&json);
    let template = report["accounts"][0]["results"][0].clone();
    let results: Vec<Value> = (0..60)
        .map(|c| {
            let mut r = template.clone();
            r["control_id"] = format!("ctl-{c}").into();
            r["number"] = format!("{}.{}", c / 20 + 1, c % 20 + 1).into();
            r["level"] = (c % 2 + 1).into();
            r["section"] = format!("{}", c / 20 + 1).into();
            if c % 4 == 0 {
                r["outcome"]["status"] = "fail".into();
            }
            r
        })
        .collect();
    report["accounts"] = (0..1000)
        .map(|a| serde_json::json!({"account_id": format!("{:012}", a + 1), "results": results}))
        .collect::<Vec<_>>()
        .into();
    let big = dir.path().join("big.json");
    std::fs::write(&big, report.to_string()).expect("write");
    let html = dir.path().join("big.html");
    let markdown = dir.path().join("big.md");
    run(moto
        .cisrun()
        .arg("merge")
        .arg(&big)
        .arg("--html")
        .arg(&html)
        .arg("--markdown")
        .arg(&markdown))
    .expect_code(1);
    let md_size = std::fs::metadata(&markdown).expect("markdown").len();
    assert!(md_size < 1024 * 1024, "markdown {md_size} bytes");
    let started = std::time::Instant::now();
    let out = chromium(&format!("file://{}", html.display()), &["--dump-dom"]);
    let elapsed = started.elapsed();
    let dom = out.stdout;
    let render_ms = {
        let key = "data-render-ms=\"";
        let start = dom.find(key).expect("render time") + key.len();
        dom[start..start + dom[start..].find('"').unwrap_or(0)].to_string()
    };
    assert_eq!(attribute(&dom, "shown", "data-accounts"), "1000");
    assert_eq!(attribute(&dom, "shown", "data-fail"), "15000");
    assert_eq!(attribute(&dom, "shown", "data-pass"), "45000");
    eprintln!(
        "1,000 × 60: HTML report {} bytes, loaded and dumped by headless Chromium in \
         {elapsed:?} (page rendered {render_ms} ms after navigation); Markdown summary \
         {md_size} bytes",
        std::fs::metadata(&html).expect("html").len()
    );
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    let shot = artifacts().join("html-report-1000-accounts.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &format!(
            "file://{}#status=fail,error&level=1&cell=0,0",
            html.display()
        ),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,720",
        ],
    );
    assert!(std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 5_000);
}

#[test]
fn errors_stay_visible_whatever_fail_on_says() {
    // Every AWS request is denied: the control errors.
    let offline = cisrun_e2e::Offline::new();
    let profile = offline.profile("p.yaml", PROFILE);
    let json = offline.path().join("errors.json");
    let audit = |extra: &[&str]| {
        let out = run(offline
            .cisrun()
            .args(["audit", "--profile"])
            .arg(&profile)
            .arg("--json")
            .arg(&json)
            .args(extra));
        out.assert_no_panic();
        out
    };
    let base = offline.path().join("base.json");
    run(offline
        .cisrun()
        .args(["audit", "--profile"])
        .arg(&profile)
        .arg("--json")
        .arg(&base))
    .expect_code(1);
    assert_eq!(result(&read_json(&base))["outcome"]["status"], "error");
    let base_arg = base.to_str().expect("utf-8");
    let mut codes = Vec::new();
    for mode in ["all", "failures", "none"] {
        let out = audit(&["--fail-on", mode]);
        codes.push((mode, out.code));
        assert!(
            out.stdout.contains("ERROR"),
            "errors stay in the summary: {}",
            out.stdout
        );
        assert_eq!(result(&read_json(&json))["outcome"]["status"], "error");
    }
    // Against a baseline that errored the same way: unchanged, so `new` passes...
    let out = audit(&["--baseline", base_arg, "--fail-on", "new"]);
    codes.push(("new vs errored", out.code));
    assert_eq!(result(&read_json(&json))["change"], "unchanged");
    // ...and against one where the control passed, the error is new and fails the run.
    let mut passed = read_json(&base);
    passed["accounts"][0]["results"][0]["outcome"] =
        serde_json::json!({"status": "pass", "message": "ok"});
    let passed_path = offline.path().join("passed.json");
    std::fs::write(&passed_path, passed.to_string()).expect("write");
    let out = audit(&[
        "--baseline",
        passed_path.to_str().expect("utf-8"),
        "--fail-on",
        "new",
    ]);
    codes.push(("new vs passed", out.code));
    let report = read_json(&json);
    assert_eq!(result(&report)["change"], "new");
    assert_eq!(report["baseline"]["new_errors"], 1);
    assert_eq!(
        codes,
        [
            ("all", 1),
            ("failures", 0),
            ("none", 0),
            ("new vs errored", 0),
            ("new vs passed", 1)
        ]
    );
}

#[tokio::test]
async fn a_remediation_plan_is_labelled_against_an_audit_baseline() {
    let moto = Moto::start();
    compliant(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(
        dir.path(),
        "fix.yaml",
        &format!("{PROFILE}parameters:\n  aws-iam-support-role:\n    existing_role: Support\n"),
    );
    let base = dir.path().join("base.json");
    audit_json(&moto, &profile, &base, &[]).expect_code(0);
    break_it(&moto).await;
    let failing = dir.path().join("failing.json");
    audit_json(&moto, &profile, &failing, &[]).expect_code(1);
    let plan = |baseline: &Path, fail_on: &str| {
        let json = dir.path().join(format!("plan-{fail_on}.json"));
        let out = run(moto
            .cisrun()
            .args(["remediate", "--profile"])
            .arg(&profile)
            .arg("--baseline")
            .arg(baseline)
            .args(["--fail-on", fail_on, "--json"])
            .arg(&json));
        out.assert_no_panic();
        (out.code, read_json(&json))
    };
    let (code, report) = plan(&base, "new");
    assert_eq!(code, 1, "the failure the plan fixes is new");
    assert_eq!(result(&report)["change"], "new");
    assert!(result(&report)["plan"]["steps"].is_array());
    let (code, report) = plan(&failing, "new");
    assert_eq!(code, 0, "already failing in the baseline");
    assert_eq!(result(&report)["change"], "unchanged");
    let (code, _) = plan(&failing, "all");
    assert_eq!(code, 1);
}

#[test]
fn diff_takes_its_baseline_as_old_and_refuses_another() {
    let offline = cisrun_e2e::Offline::new();
    let out = run(offline
        .cisrun()
        .args(["diff", "old.json", "new.json", "--baseline", "b.json"]))
    .expect_code(2);
    assert!(
        out.stderr.contains("--baseline has no place here"),
        "{}",
        out.stderr
    );
    let help = run(offline.cisrun().args(["diff", "--help"])).expect_code(0);
    assert!(!help.stdout.contains("--baseline <"), "{}", help.stdout);
    let help = run(offline.cisrun().args(["audit", "--help"])).expect_code(0);
    assert!(help.stdout.contains("--baseline <"), "{}", help.stdout);
}
