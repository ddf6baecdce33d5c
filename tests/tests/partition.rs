//! `--partition M/N` and `cisrun merge` end to end: partial runs of an Organization in moto,
//! merged, equal the single run.

use std::path::{Path, PathBuf};

use cisrun_e2e::org;
use cisrun_e2e::{assert_valid_junit, read_json, run, seed, write_profile, Moto, Value};

const PROFILE: &str =
    "name: org-level1\nbenchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n\
controls:\n  include: [aws-iam-support-role]\n\
targets:\n  source: organization\n  assume_role:\n    role: OrganizationAccountAccessRole\n";

/// An Organization of 13 accounts; every other one passes.
async fn organization(moto: &Moto) -> Vec<String> {
    let config = moto.sdk_config().await;
    let members = org::create(&config, "part", 12).await;
    for member in members.iter().step_by(2) {
        let iam = org::iam_in(&config, &member.id).await;
        iam.create_role()
            .role_name("Support")
            .assume_role_policy_document(seed::trust_policy("arn:aws:iam::123456789012:root"))
            .send()
            .await
            .expect("create role");
        seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    }
    let mut ids: Vec<String> = members.into_iter().map(|m| m.id).collect();
    ids.sort();
    ids
}

/// `cisrun audit` writing `<stem>.json` and `<stem>.xml` into `dir`.
fn audit(
    moto: &Moto,
    profile: &Path,
    dir: &Path,
    stem: &str,
    partition: Option<&str>,
) -> (PathBuf, PathBuf) {
    let (json, junit) = (
        dir.join(format!("{stem}.json")),
        dir.join(format!("{stem}.xml")),
    );
    let mut command = moto.cisrun();
    command.args(["audit", "--profile"]).arg(profile);
    if let Some(p) = partition {
        command.args(["--partition", p]);
    }
    let out = run(command.arg("--json").arg(&json).arg("--junit").arg(&junit));
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert_valid_junit(&junit);
    (json, junit)
}

/// A JSON report without what differs between runs: times and the partition.
fn comparable(mut report: Value) -> Value {
    let run = report["run"].as_object_mut().expect("run");
    for key in ["started_at", "duration_seconds", "partition"] {
        run.remove(key);
    }
    for account in report["accounts"].as_array_mut().expect("accounts") {
        for result in account["results"].as_array_mut().expect("results") {
            result
                .as_object_mut()
                .expect("result")
                .remove("duration_seconds");
        }
    }
    report
}

/// JUnit text without timestamps and durations.
fn comparable_junit(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("junit");
    let mut out = String::new();
    let mut rest = text.as_str();
    let next = |text: &str| {
        [" time=\"", " timestamp=\""]
            .iter()
            .filter_map(|key| text.find(key))
            .min()
    };
    while let Some(i) = next(rest) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let value_start = tail.find('"').expect("quote") + 1;
        let value_end = value_start + tail[value_start..].find('"').expect("closing quote");
        rest = &tail[value_end + 1..];
    }
    out.push_str(rest);
    out
}

fn ids_of(report: &Value) -> Vec<String> {
    report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn partitions_merged_equal_the_full_run() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let ids = organization(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "org.yaml", PROFILE);
    let (full_json, full_junit) = audit(&moto, &profile, dir.path(), "full", None);

    let mut parts = Vec::new();
    for m in 1..=3 {
        let (json, junit) = audit(
            &moto,
            &profile,
            dir.path(),
            &format!("part{m}"),
            Some(&format!("{m}/3")),
        );
        let report = read_json(&json);
        assert_eq!(report["run"]["partition"], format!("{m}/3"));
        // Sorted ids dealt round-robin: job m gets ids m-1, m-1+3, ...
        let want: Vec<String> = ids.iter().skip(m - 1).step_by(3).cloned().collect();
        assert_eq!(ids_of(&report), want, "partition {m}/3");
        parts.push((json, junit));
    }

    // JSON inputs: merged JSON and JUnit equal the full run's.
    let (merged_json, merged_junit) = (
        dir.path().join("merged.json"),
        dir.path().join("merged.xml"),
    );
    let out = run(moto
        .cisrun()
        .arg("merge")
        .args(parts.iter().rev().map(|(json, _)| json))
        .arg("--json")
        .arg(&merged_json)
        .arg("--junit")
        .arg(&merged_junit));
    assert_eq!(out.code, 1, "half the accounts fail: {out:?}");
    assert!(out.stdout.contains("13 account(s)"), "{}", out.stdout);
    assert_valid_junit(&merged_junit);
    let merged = read_json(&merged_json);
    assert!(merged["run"].get("partition").is_none());
    assert_eq!(comparable(merged), comparable(read_json(&full_json)));
    assert_eq!(
        comparable_junit(&merged_junit),
        comparable_junit(&full_junit)
    );

    // JUnit inputs: merged JUnit equals the full run's.
    let junit_only = dir.path().join("merged-from-junit.xml");
    let out = run(moto
        .cisrun()
        .arg("merge")
        .args(parts.iter().map(|(_, junit)| junit))
        .arg("--junit")
        .arg(&junit_only));
    assert_eq!(out.code, 1, "{out:?}");
    assert_valid_junit(&junit_only);
    assert_eq!(comparable_junit(&junit_only), comparable_junit(&full_junit));
}

#[tokio::test]
async fn merge_refuses_mismatched_or_overlapping_reports() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    organization(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "org.yaml", PROFILE);
    let other = write_profile(
        dir.path(),
        "other.yaml",
        &PROFILE
            .replace("name: org-level1", "name: org-v4")
            .replace("v3.0.0", "v4.0.1"),
    );
    let (p1, p1x) = audit(&moto, &profile, dir.path(), "p1", Some("1/2"));
    let (p2, p2x) = audit(&moto, &profile, dir.path(), "p2", Some("2/2"));
    let (o2, o2x) = audit(&moto, &other, dir.path(), "o2", Some("2/2"));
    let (q1, _) = audit(&moto, &profile, dir.path(), "q1", Some("1/3"));
    let out_json = dir.path().join("m.json");
    let merge = |inputs: &[&PathBuf]| {
        let mut command = moto.cisrun();
        command
            .arg("merge")
            .args(inputs)
            .arg("--json")
            .arg(&out_json);
        run(&mut command)
    };

    let out = merge(&[&p1, &o2]).expect_code(2);
    assert!(out.stderr.contains("different runs"), "{}", out.stderr);
    let out = merge(&[&p1, &p2, &p1]).expect_code(2);
    assert!(out.stderr.contains("1/2 is given twice"), "{}", out.stderr);
    let (full, _) = audit(&moto, &profile, dir.path(), "full", None);
    let out = merge(&[&p2, &full]).expect_code(2);
    assert!(out.stderr.contains("appears twice"), "{}", out.stderr);
    let out = merge(&[&p2, &q1]).expect_code(2);
    assert!(out.stderr.contains("different splits"), "{}", out.stderr);
    let out = merge(&[&p1, &p2x]).expect_code(2);
    assert!(out.stderr.contains("one kind"), "{}", out.stderr);
    assert!(!out_json.exists(), "nothing written on refusal");

    let junit = |inputs: &[&PathBuf]| {
        let mut command = moto.cisrun();
        command
            .arg("merge")
            .args(inputs)
            .arg("--junit")
            .arg(dir.path().join("m.xml"));
        run(&mut command)
    };
    let out = junit(&[&p1x, &o2x]).expect_code(2);
    assert!(out.stderr.contains("different profiles"), "{}", out.stderr);
    let out = junit(&[&p1x, &p1x]).expect_code(2);
    assert!(out.stderr.contains("appears twice"), "{}", out.stderr);
    let out = run(moto
        .cisrun()
        .args(["merge", "--json"])
        .arg(dir.path().join("x.json"))
        .arg(&p1x))
    .expect_code(2);
    assert!(
        out.stderr.contains("--json needs JSON inputs"),
        "{}",
        out.stderr
    );

    // A missing partition merges with a warning.
    let out = merge(&[&p1]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("2/2 missing"), "{}", out.stderr);
}

#[tokio::test]
async fn the_current_account_belongs_to_the_first_partition() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = moto.narrow_profile(&["aws-iam-support-role"]);
    let profile = profile.as_str();
    let mut outputs = Vec::new();
    for m in ["1/2", "2/2"] {
        let json = dir.path().join(format!("{}.json", m.replace('/', "-")));
        let out = run(moto
            .cisrun()
            .args(["audit", "--profile", profile, "--partition", m, "--json"])
            .arg(&json))
        .expect_code(0);
        assert!(out.stdout.contains("account(s)"), "{}", out.stdout);
        outputs.push(json);
    }
    assert_eq!(ids_of(&read_json(&outputs[0])), [seed::ACCOUNT]);
    assert!(ids_of(&read_json(&outputs[1])).is_empty());
    let merged = dir.path().join("merged.json");
    run(moto
        .cisrun()
        .arg("merge")
        .args(&outputs)
        .arg("--json")
        .arg(&merged))
    .expect_code(0);
    assert_eq!(ids_of(&read_json(&merged)), [seed::ACCOUNT]);
}
