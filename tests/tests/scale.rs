//! An account of realistic size through the real binary: 10,000 roles, 500 of them with
//! AWSSupportAccess and 100 with a customer-managed policy of their own (half of them
//! `*:*`), audited with every report written. Each report must stay within a
//! size linear in the roles (per-resource detail stored once; texts capped) and the JUnit
//! report valid. Before, the OCSF report grew quadratically and 10k roles aborted at 5.4 GB
//! with no report. Timings and peak memory are measured by `scripts/bench-memory`, not here.

use std::time::Duration;

use cisrun_e2e::{
    assert_valid_junit, cisrun_against, policy_seed, read_json, regional_profile_yaml, run_within,
    seed, ControlCase,
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
    // Every 20th role carries AWSSupportAccess: 500 entities of the policy, each its own
    // evidence entry in every report. The roles four at a time; the attachments one at a
    // time, since moto can lose concurrent updates of one policy's attachments.
    futures::stream::iter(0..ROLES)
        .for_each_concurrent(4, |i| {
            let iam = &iam;
            async move { create_role(iam, &format!("role-{i:05}")).await }
        })
        .await;
    for i in (0..ROLES).step_by(20) {
        attach(&iam, &format!("role-{i:05}"), &support).await;
    }
    // 1.16: every 100th role has a policy of its own, `*:*` for every 200th.
    for i in (0..ROLES).step_by(100) {
        let document = if i % 200 == 0 {
            policy_seed::FULL_ADMIN
        } else {
            policy_seed::READ_BUCKETS
        };
        let arn = policy_seed::policy(&iam, &format!("policy-{i:05}"), document).await;
        attach(&iam, &format!("role-{i:05}"), &arn).await;
    }

    let profile = case.profile(&regional_profile_yaml(&[SUPPORT, ADMIN], &["us-east-1"]));
    let paths = case.report_paths();
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
    assert_eq!(run.code, 1, "1.16 fails: {run:?}");

    let report = read_json(&paths["json"]);
    let results = report["accounts"][0]["results"]
        .as_array()
        .expect("results");
    let result = |id: &str| {
        results
            .iter()
            .find(|r| r["control_id"] == id)
            .unwrap_or_else(|| panic!("the result of {id}"))
            .clone()
    };
    // The support role passes. (moto's ListEntitiesForPolicy stops early and says it is
    // complete, so only some of the 500 roles are listed: tests/MOTO.md.)
    let support_result = result(SUPPORT);
    assert_eq!(
        support_result["outcome"]["status"], "pass",
        "{support_result:#}"
    );
    // 1.16 names each of the 50 `*:*` policies once, every page of the 10k roles read.
    let admin = result(ADMIN);
    assert_eq!(admin["outcome"]["status"], "fail", "{admin:#}");
    let failing: Vec<&str> = admin["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["resource"].as_str())
        .collect();
    assert_eq!(failing.len(), 50, "{failing:?}");
    let distinct: std::collections::BTreeSet<&&str> = failing.iter().collect();
    assert_eq!(distinct.len(), 50, "each policy once: {failing:?}");

    // Linear bounds, per role: far above what each format needs per resource, far below
    // what a report that copied the list into every resource would take (10k × 10k).
    let size = |format: &str| std::fs::metadata(&paths[format]).map_or(0, |m| m.len());
    let per_role = |format: &str| size(format) / ROLES as u64;
    for (format, bound) in [("json", 200), ("ocsf", 800), ("html", 200)] {
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
    assert!(events.len() >= 50, "{} OCSF events", events.len());
}

/// Creates role `name`, retried as [`retried`] does; a retry that finds the role means
/// the first try created it.
async fn create_role(iam: &aws_sdk_iam::Client, name: &str) {
    let trust = seed::trust_policy(&format!("arn:aws:iam::{}:root", seed::ACCOUNT));
    retried(
        &format!("create role {name}"),
        Some("EntityAlreadyExists"),
        || async {
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(&trust)
                .send()
                .await
                .map(drop)
                .map_err(|e| format!("{e:?}"))
        },
    )
    .await;
}

/// Attaches `policy` to `role`, retried (attaching twice is harmless).
async fn attach(iam: &aws_sdk_iam::Client, role: &str, policy: &str) {
    retried(&format!("attach {policy} to {role}"), None, || async {
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(policy)
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("{e:?}"))
    })
    .await;
}

/// Runs `call` up to five times: moto's IAM is not thread-safe and now and then answers a
/// concurrent request with a 500, after or before doing it. On a retry, an error naming
/// `done_if` means an earlier try did it.
async fn retried<F, Fut>(what: &str, done_if: Option<&str>, call: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    for attempt in 1..=5 {
        match call().await {
            Ok(()) => return,
            Err(text) => {
                if attempt > 1 && done_if.is_some_and(|code| text.contains(code)) {
                    return;
                }
                assert!(attempt < 5, "{what}: {text}");
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
        }
    }
}
