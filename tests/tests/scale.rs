//! An account of realistic size through the real binary: 10,000 roles that all carry
//! AWSSupportAccess, audited with every report written. Each report must stay within a
//! size linear in the roles (per-resource detail stored once; texts capped) and the JUnit
//! report valid. Before, the OCSF report grew quadratically and 10k roles aborted at 5.4 GB
//! with no report. Timings and peak memory are measured by `scripts/bench-memory`, not here.

use std::collections::BTreeMap;
use std::time::Duration;

use cisrun_e2e::{
    assert_valid_junit, cisrun_against, read_json, regional_profile_yaml, run_within, seed,
    ControlCase,
};
use futures::StreamExt;

const SUPPORT: &str = "aws-iam-support-role";
const ADMIN: &str = "aws-iam-no-full-admin-policies";
const ROLES: usize = 10_000;

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_roles_give_every_report_within_a_linear_size() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    let support = seed::aws_policy("AWSSupportAccess");
    futures::stream::iter(0..ROLES)
        .for_each_concurrent(32, |i| {
            let (iam, support) = (&iam, &support);
            async move {
                let name = format!("role-{i:05}");
                seed::role(iam, &name).await;
                seed::attach_to_role(iam, &name, support).await;
            }
        })
        .await;

    let profile = case.profile(&regional_profile_yaml(&[SUPPORT, ADMIN], &["us-east-1"]));
    let paths: BTreeMap<&str, std::path::PathBuf> = [
        ("json", "audit.json"),
        ("junit", "audit.xml"),
        ("markdown", "audit.md"),
        ("html", "audit.html"),
        ("ocsf", "audit.ocsf.json"),
    ]
    .into_iter()
    .map(|(format, file)| (format, case.path(file)))
    .collect();
    let mut command = cisrun_against(&case.moto.endpoint, case.moto.home.path());
    command
        .current_dir(case.dir.path())
        .arg("audit")
        .arg("--profile")
        .arg(&profile);
    for (format, path) in &paths {
        command.arg(format!("--{format}")).arg(path);
    }
    let run = run_within(&mut command, Duration::from_secs(300));
    run.assert_no_panic();
    assert_eq!(run.code, 0, "{run:?}");

    // The JSON report has every role once, in the support role's evidence.
    let report = read_json(&paths["json"]);
    let results = report["accounts"][0]["results"]
        .as_array()
        .expect("results");
    let support_result = results
        .iter()
        .find(|r| r["control_id"] == SUPPORT)
        .expect("the support role's result");
    assert_eq!(support_result["outcome"]["status"], "pass");
    let evidence = support_result["outcome"]["evidence"]
        .as_array()
        .expect("evidence");
    assert_eq!(evidence.len(), ROLES, "one evidence entry per role");

    // Linear bounds, per role: far above what each format needs per resource, far below
    // what a report that copied the list into every resource would take (10k × 10k).
    let size = |format: &str| std::fs::metadata(&paths[format]).map_or(0, |m| m.len());
    let per_role = |format: &str| size(format) / ROLES as u64;
    for (format, bound) in [("json", 600), ("ocsf", 4_000), ("html", 1_000)] {
        assert!(
            per_role(format) < bound,
            "{format}: {} bytes for {ROLES} roles",
            size(format)
        );
    }
    // JUnit and Markdown list evidence within their budgets.
    assert!(size("junit") < 1_100_000, "junit: {} bytes", size("junit"));
    assert!(
        size("markdown") < 1_100_000,
        "markdown: {} bytes",
        size("markdown")
    );
    assert_valid_junit(&paths["junit"]);
    let ocsf = read_json(&paths["ocsf"]);
    let events = ocsf.as_array().expect("OCSF events");
    assert!(events.len() >= ROLES, "{} OCSF events", events.len());
}
