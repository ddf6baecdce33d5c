//! `cisrun merge` gives the CI outputs (JSON, JUnit, Markdown, HTML, OCSF, baseline labels)
//! of partitioned runs exactly as one run does, against an Organization in moto.

use std::path::{Path, PathBuf};

use cisrun_e2e::{org, read_json, run, seed, write_profile, Moto, Value};

const PROFILE: &str = "name: org-ci\nbenchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n\
controls:\n  include: [aws-iam-support-role]\n\
targets:\n  source: organization\n  assume_role:\n    role: OrganizationAccountAccessRole\n";

async fn set_support(moto: &Moto, account: &str, attached: bool) {
    let config = moto.sdk_config().await;
    let iam = org::iam_in(&config, account).await;
    if attached {
        let _ = iam
            .create_role()
            .role_name("Support")
            .assume_role_policy_document(seed::trust_policy("arn:aws:iam::123456789012:root"))
            .send()
            .await;
        seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    } else {
        iam.detach_role_policy()
            .role_name("Support")
            .policy_arn(seed::aws_policy("AWSSupportAccess"))
            .send()
            .await
            .expect("detach");
    }
}

/// Every output of one run into `dir/<stem>.*`, with `extra` options.
fn audit(moto: &Moto, profile: &Path, dir: &Path, stem: &str, extra: &[&str]) -> PathBuf {
    let base = dir.join(stem);
    let mut command = moto.cisrun();
    command
        .args(["audit", "--profile"])
        .arg(profile)
        .args(extra);
    for (option, ext) in [
        ("--json", "json"),
        ("--junit", "xml"),
        ("--markdown", "md"),
        ("--html", "html"),
        ("--ocsf", "ocsf.json"),
    ] {
        command.arg(option).arg(base.with_extension(ext));
    }
    let out = run(&mut command);
    out.assert_no_panic();
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    base
}

/// The outputs without what differs between runs: times, durations and the partition.
fn comparable(base: &Path) -> Vec<String> {
    let mut json = read_json(&base.with_extension("json"));
    strip_run(&mut json["run"]);
    for account in json["accounts"].as_array_mut().expect("accounts") {
        for result in account["results"].as_array_mut().expect("results") {
            result
                .as_object_mut()
                .expect("result")
                .remove("duration_seconds");
        }
    }
    let html = std::fs::read_to_string(base.with_extension("html")).expect("html");
    let start = html.find("id=\"cisrun-data\">").expect("data") + "id=\"cisrun-data\">".len();
    let end = start + html[start..].find("</script>").expect("end of data");
    let mut data: Value = serde_json::from_str(&html[start..end]).expect("data JSON");
    strip_run(&mut data["run"]);
    let mut events: Value = serde_json::from_str(
        &std::fs::read_to_string(base.with_extension("ocsf.json")).expect("ocsf"),
    )
    .expect("OCSF JSON");
    for event in events.as_array_mut().expect("events") {
        let event = event.as_object_mut().expect("event");
        event.remove("time");
        event.remove("time_dt");
        event["finding_info"]
            .as_object_mut()
            .expect("finding_info")
            .remove("created_time");
    }
    let junit = std::fs::read_to_string(base.with_extension("xml")).expect("junit");
    let junit = ["time", "timestamp", "hostname"]
        .iter()
        .fold(junit, |xml, name| without_attribute(&xml, name));
    vec![
        serde_json::to_string_pretty(&json).expect("json"),
        std::fs::read_to_string(base.with_extension("md")).expect("markdown"),
        serde_json::to_string_pretty(&data).expect("html data"),
        serde_json::to_string_pretty(&events).expect("events"),
        junit,
    ]
}

/// `xml` with every ` name="..."` attribute removed.
fn without_attribute(xml: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&key) {
        out.push_str(&rest[..start]);
        let value = &rest[start + key.len()..];
        rest = value.find('"').map_or("", |end| &value[end + 1..]);
    }
    out.push_str(rest);
    out
}

fn strip_run(run: &mut Value) {
    let run = run.as_object_mut().expect("run");
    for key in ["started_at", "duration_seconds", "partition"] {
        run.remove(key);
    }
}

fn merge(moto: &Moto, parts: &[PathBuf], dir: &Path, stem: &str, extra: &[&str]) -> PathBuf {
    let base = dir.join(stem);
    let mut command = moto.cisrun();
    command.arg("merge");
    for part in parts {
        command.arg(part.with_extension("json"));
    }
    command.args(extra);
    for (option, ext) in [
        ("--json", "json"),
        ("--junit", "xml"),
        ("--markdown", "md"),
        ("--html", "html"),
        ("--ocsf", "ocsf.json"),
    ] {
        command.arg(option).arg(base.with_extension(ext));
    }
    let out = run(&mut command);
    out.assert_no_panic();
    assert_eq!(out.code, 1, "{out:?}");
    base
}

#[tokio::test]
async fn merged_partitions_give_the_outputs_of_one_run() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let config = moto.sdk_config().await;
    let members = org::create(&config, "ci", 5).await;
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    for id in ids.iter().skip(1).step_by(2) {
        set_support(&moto, id, true).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "org.yaml", PROFILE);
    let baseline = audit(&moto, &profile, dir.path(), "baseline", &[]);
    let baseline_json = baseline.with_extension("json");
    let baseline_arg = baseline_json.to_str().expect("utf-8");

    // One member fixed, one broken.
    set_support(&moto, ids[2], true).await;
    set_support(&moto, ids[1], false).await;

    let full = audit(
        &moto,
        &profile,
        dir.path(),
        "full",
        &["--baseline", baseline_arg],
    );
    let report = read_json(&full.with_extension("json"));
    assert_eq!(
        report["baseline"]["new_failures"], 1,
        "{:#}",
        report["baseline"]
    );
    assert_eq!(report["baseline"]["results"]["fixed"], 1);
    let want = comparable(&full);

    // Partitions without a baseline, merged with one.
    let parts: Vec<PathBuf> = (1..=3)
        .map(|m| {
            audit(
                &moto,
                &profile,
                dir.path(),
                &format!("part{m}"),
                &["--partition", &format!("{m}/3")],
            )
        })
        .collect();
    let merged = merge(
        &moto,
        &parts,
        dir.path(),
        "merged",
        &["--baseline", baseline_arg],
    );
    let got = comparable(&merged);
    for (i, name) in ["JSON", "Markdown", "HTML data", "OCSF", "JUnit"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            got[i], want[i],
            "{name} of merged partitions differs from the full run's"
        );
    }

    // Partitions each labelled against the baseline, merged as they are.
    let labelled: Vec<PathBuf> = (1..=3)
        .map(|m| {
            audit(
                &moto,
                &profile,
                dir.path(),
                &format!("labelled{m}"),
                &["--partition", &format!("{m}/3"), "--baseline", baseline_arg],
            )
        })
        .collect();
    let merged = merge(&moto, &labelled, dir.path(), "merged-labelled", &[]);
    let got = comparable(&merged);
    for (i, name) in ["JSON", "Markdown", "HTML data", "OCSF", "JUnit"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            got[i], want[i],
            "{name} of merged labelled partitions differs"
        );
    }

    // `--fail-on new` on the merge: the broken member is new.
    let out = run(moto
        .cisrun()
        .arg("merge")
        .args(labelled.iter().map(|p| p.with_extension("json")))
        .args(["--fail-on", "new"]));
    assert_eq!(out.code, 1, "{out:?}");
}
