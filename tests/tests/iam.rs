//! The IAM account controls (root, password policy, credential report) end to end against
//! moto, each run narrowed to the controls under test. What moto cannot produce (a root
//! row, aged credentials, MFA on the root user) is unit-tested beside each control.

use std::collections::BTreeMap;

use cisrun_e2e::{iam_seed, profile_yaml, read_json, results_by_control, run, seed, ControlCase};
use serde_json::Value;

/// A Level 2 v3.0.0 profile with only `controls`, and `parameters` (YAML lines indented by
/// two spaces, or empty).
fn profile(controls: &[&str], parameters: &str) -> String {
    profile_yaml("v3.0.0", controls, &[], parameters)
}

/// Audits `controls`; returns each control's result.
fn audit(case: &ControlCase, controls: &[&str], parameters: &str) -> BTreeMap<String, Value> {
    let results = case.audit(&profile(controls, parameters));
    for control in controls {
        assert!(results.contains_key(*control), "no result for {control}");
    }
    assert_eq!(results.len(), controls.len(), "{results:#?}");
    results
}

fn status(results: &BTreeMap<String, Value>, control: &str) -> String {
    results[control]["outcome"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn evidence(results: &BTreeMap<String, Value>, control: &str) -> Vec<(String, String)> {
    results[control]["outcome"]["evidence"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    (
                        e["resource"].as_str().unwrap_or_default().to_string(),
                        e["detail"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const LENGTH: &str = "aws-iam-password-min-length";
const REUSE: &str = "aws-iam-password-reuse";
const CONSOLE_MFA: &str = "aws-iam-user-console-mfa";
const INITIAL_KEYS: &str = "aws-iam-no-initial-access-keys";
const UNUSED: &str = "aws-iam-unused-credentials-45d";
const SINGLE_KEY: &str = "aws-iam-single-active-access-key";
const ROTATION: &str = "aws-iam-access-key-rotation-90d";
const REPORT_CONTROLS: [&str; 5] = [CONSOLE_MFA, INITIAL_KEYS, UNUSED, SINGLE_KEY, ROTATION];

#[tokio::test]
async fn root_controls_fail_where_moto_has_no_root_mfa_and_usage_is_an_error() {
    // moto: AccountMFAEnabled is always 0, and its credential report has no root row.
    let case = ControlCase::new();
    let results = audit(
        &case,
        &[
            "aws-iam-root-mfa",
            "aws-iam-root-hardware-mfa",
            "aws-iam-root-usage",
        ],
        "",
    );
    assert_eq!(status(&results, "aws-iam-root-mfa"), "fail");
    assert_eq!(
        evidence(&results, "aws-iam-root-mfa")[0].0,
        "arn:aws:iam::123456789012:root"
    );
    assert_eq!(status(&results, "aws-iam-root-hardware-mfa"), "fail");
    assert_eq!(status(&results, "aws-iam-root-usage"), "error");
    assert_eq!(
        results["aws-iam-root-usage"]["outcome"]["error"]["code"],
        "InvalidResponse"
    );
}

#[tokio::test]
async fn the_profile_version_reaches_the_root_mfa_rule() {
    // v7.0.0 passes a root user without a password; moto sends no AccountPasswordPresent,
    // so under v7.0.0 (and only there) the control cannot tell: an error, not v3.0.0's fail.
    let case = ControlCase::new();
    let profile = case.profile(
        "benchmark: cis-aws-foundations\nversion: v7.0.0\nlevel: 1\ncontrols:\n  include: [aws-iam-root-mfa]\n",
    );
    let json = case.dir.path().join("v7.json");
    case.cisrun(&[
        "audit",
        "--profile",
        profile.to_str().expect("utf-8"),
        "--json",
        json.to_str().expect("utf-8"),
    ])
    .expect_code(1);
    let results = results_by_control(&read_json(&json), seed::ACCOUNT);
    assert_eq!(status(&results, "aws-iam-root-mfa"), "error");
    let message = results["aws-iam-root-mfa"]["outcome"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("AccountPasswordPresent"), "{message}");
    let v3 = audit(&case, &["aws-iam-root-mfa"], "");
    assert_eq!(status(&v3, "aws-iam-root-mfa"), "fail");
}

#[tokio::test]
async fn password_policy_controls_fail_without_a_policy_and_follow_the_parameters() {
    let case = ControlCase::new();
    let results = audit(&case, &[LENGTH, REUSE], "");
    assert_eq!(status(&results, LENGTH), "fail");
    assert_eq!(status(&results, REUSE), "fail");

    let iam = case.moto.iam().await;
    iam_seed::password_policy(&iam, 14, Some(24)).await;
    let results = audit(&case, &[LENGTH, REUSE], "");
    assert_eq!(status(&results, LENGTH), "pass");
    assert_eq!(status(&results, REUSE), "pass");

    iam_seed::password_policy(&iam, 15, Some(10)).await;
    let results = audit(
        &case,
        &[LENGTH, REUSE],
        &format!("  {LENGTH}:\n    minimum_length: 16\n  {REUSE}:\n    reuse_prevention: 10\n"),
    );
    assert_eq!(status(&results, LENGTH), "fail");
    assert_eq!(status(&results, REUSE), "pass");
}

#[tokio::test]
async fn a_minimum_length_below_14_is_refused_before_any_request() {
    let case = ControlCase::new();
    let profile = case.profile(&profile(
        &[LENGTH],
        &format!("  {LENGTH}:\n    minimum_length: 8\n"),
    ));
    let out = case.cisrun(&["audit", "--profile", profile.to_str().expect("utf-8")]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("minimum_length"), "{}", out.stderr);
}

#[tokio::test]
async fn credential_report_controls_pass_on_clean_users() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    // A console user with MFA and no key; an API user with one fresh key.
    iam_seed::console_user(&iam, "alice").await;
    iam_seed::virtual_mfa(&iam, "alice").await;
    iam_seed::user(&iam, "builder").await;
    iam_seed::access_key(&iam, "builder").await;
    let results = audit(&case, &REPORT_CONTROLS, "");
    for control in REPORT_CONTROLS {
        assert_eq!(
            status(&results, control),
            "pass",
            "{control}: {:#}",
            results[control]
        );
    }
    assert_eq!(
        evidence(&results, CONSOLE_MFA),
        [(
            "arn:aws:iam::123456789012:user/alice".to_string(),
            "console password; MFA active".to_string()
        )]
    );
    // moto dates every report 2015: the outcome says the report predates the run.
    let notes = results[CONSOLE_MFA]["outcome"]["notes"].to_string();
    assert!(notes.contains("credential report was generated"), "{notes}");
}

#[tokio::test]
async fn credential_report_controls_fail_and_name_each_user() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    // A console user without MFA, with two active keys never used.
    iam_seed::console_user(&iam, "bob").await;
    iam_seed::access_key(&iam, "bob").await;
    iam_seed::access_key(&iam, "bob").await;
    // A compliant user, so the evidence names both.
    iam_seed::console_user(&iam, "alice").await;
    iam_seed::virtual_mfa(&iam, "alice").await;
    let results = audit(
        &case,
        &REPORT_CONTROLS,
        &format!("  {UNUSED}:\n    max_unused_days: 0\n  {ROTATION}:\n    max_key_age_days: 0\n"),
    );
    for control in REPORT_CONTROLS {
        assert_eq!(
            status(&results, control),
            "fail",
            "{control}: {:#}",
            results[control]
        );
    }
    let bob = "arn:aws:iam::123456789012:user/bob";
    let alice = "arn:aws:iam::123456789012:user/alice";
    let resources: Vec<String> = evidence(&results, CONSOLE_MFA)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert_eq!(resources, [alice, bob]);
    let message = results[SINGLE_KEY]["outcome"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("bob"), "{message}");
    let initial = evidence(&results, INITIAL_KEYS);
    assert_eq!(initial.len(), 2, "{initial:?}");
    assert!(initial
        .iter()
        .all(|(r, d)| r == bob && d.contains("never been used")));
    let message = results[UNUSED]["outcome"]["message"]
        .as_str()
        .unwrap_or_default();
    for part in [
        "alice (password)",
        "bob (password)",
        "bob (key 1)",
        "bob (key 2)",
    ] {
        assert!(message.contains(part), "{message}");
    }

    // Deactivating one key of bob's fixes the single-active-key control.
    let keys = iam
        .list_access_keys()
        .user_name("bob")
        .send()
        .await
        .expect("keys");
    let first = keys.access_key_metadata()[0]
        .access_key_id()
        .expect("key id")
        .to_string();
    iam_seed::set_key_status(&iam, "bob", &first, false).await;
    let results = audit(&case, &[SINGLE_KEY], "");
    assert_eq!(status(&results, SINGLE_KEY), "pass");
}

#[tokio::test]
async fn password_policy_fix_keeps_other_settings_and_rollback_restores_them_exactly() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    iam_seed::password_policy(&iam, 8, Some(5)).await;
    let before = iam_seed::password_policy_text(&iam).await;

    case.apply(&profile(&[LENGTH, REUSE], ""), &[])
        .expect_code(0);
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .expect("policy")
        .password_policy
        .expect("a policy");
    assert_eq!(policy.minimum_password_length(), Some(14));
    assert_eq!(policy.password_reuse_prevention(), Some(24));
    assert!(policy.require_symbols() && policy.require_numbers());
    assert!(policy.allow_users_to_change_password());
    assert!(!policy.require_uppercase_characters());
    assert_eq!(policy.max_password_age(), Some(90));
    let results = audit(&case, &[LENGTH, REUSE], "");
    assert_eq!(status(&results, LENGTH), "pass");
    assert_eq!(status(&results, REUSE), "pass");

    case.rollback().expect_code(0);
    assert_eq!(iam_seed::password_policy_text(&iam).await, before);
}

#[tokio::test]
async fn password_policy_fix_on_an_account_without_one_rolls_back_to_none() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    assert_eq!(iam_seed::password_policy_text(&iam).await, "none");
    case.apply(&profile(&[LENGTH], ""), &[]).expect_code(0);
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .expect("policy")
        .password_policy
        .expect("a policy");
    assert_eq!(policy.minimum_password_length(), Some(14));
    case.rollback().expect_code(0);
    assert_eq!(iam_seed::password_policy_text(&iam).await, "none");
}

#[tokio::test]
async fn key_deactivation_needs_unsafe_fixes_and_rolls_back() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    iam_seed::user(&iam, "ci").await;
    let key = iam_seed::access_key(&iam, "ci").await;
    iam_seed::user(&iam, "other").await;
    let other = iam_seed::access_key(&iam, "other").await;
    // moto cannot back-date keys: a 0-day limit makes every active key too old.
    let parameters = format!("  {ROTATION}:\n    max_key_age_days: 0\n");
    // Only `ci`'s key breaks the rule: `other`'s is inactive.
    iam_seed::set_key_status(&iam, "other", &other, false).await;

    let refused = case
        .apply(&profile(&[ROTATION], &parameters), &[])
        .expect_code(1);
    assert!(
        refused.stdout.contains("--unsafe-fixes"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stdout.contains(&key),
        "the plan names the key: {}",
        refused.stdout
    );
    assert_eq!(iam_seed::key_status(&iam, "ci", &key).await, "Active");
    // The refused run changed nothing; its journal (if it kept one) has nothing to undo.
    let _ = std::fs::remove_file(case.journal());

    let applied = case
        .apply(&profile(&[ROTATION], &parameters), &["--unsafe-fixes"])
        .expect_code(0);
    assert!(applied.stdout.contains(&key), "{}", applied.stdout);
    assert_eq!(iam_seed::key_status(&iam, "ci", &key).await, "Inactive");
    assert_eq!(
        iam_seed::key_status(&iam, "other", &other).await,
        "Inactive"
    );

    case.rollback().expect_code(0);
    assert_eq!(iam_seed::key_status(&iam, "ci", &key).await, "Active");
    assert_eq!(
        iam_seed::key_status(&iam, "other", &other).await,
        "Inactive",
        "rollback reactivates only the keys cisrun deactivated"
    );
}

#[tokio::test]
async fn the_report_is_read_once_for_all_controls_and_a_denial_names_the_action() {
    use cisrun_e2e::{Fault, FaultProxy};
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    iam_seed::console_user(&iam, "alice").await;
    let proxy = FaultProxy::start(case.moto.port);
    let profile = case.profile(&profile(&REPORT_CONTROLS, ""));
    let json = case.dir.path().join("proxied.json");
    let audit = |json: &std::path::Path| {
        let mut command = case.moto.cisrun();
        command.current_dir(case.dir.path());
        command.env("AWS_ENDPOINT_URL", &proxy.endpoint);
        let out = run(command.args([
            "audit",
            "--profile",
            profile.to_str().expect("utf-8"),
            "--json",
            json.to_str().expect("utf-8"),
        ]));
        assert!(out.code == 0 || out.code == 1, "{out:?}");
        results_by_control(&read_json(json), seed::ACCOUNT)
    };
    let results = audit(&json);
    assert_eq!(status(&results, CONSOLE_MFA), "fail");
    assert_eq!(
        proxy.count("GetCredentialReport"),
        1,
        "{:?}",
        proxy.actions()
    );

    proxy.forget();
    proxy.inject(Fault::new(
        "GetCredentialReport",
        403,
        "AccessDenied",
        "not authorized to perform iam:GetCredentialReport",
    ));
    let results = audit(&case.dir.path().join("denied.json"));
    for control in REPORT_CONTROLS {
        let outcome = &results[control]["outcome"];
        assert_eq!(outcome["status"], "error", "{control}: {outcome:#}");
        assert_eq!(
            outcome["error"]["missing_permission"], "iam:GetCredentialReport",
            "{control}: {outcome:#}"
        );
    }
    assert_eq!(
        proxy.count("GetCredentialReport"),
        1,
        "{:?}",
        proxy.actions()
    );
}
