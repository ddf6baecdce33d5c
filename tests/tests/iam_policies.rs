//! The IAM policy and account controls end to end against moto: each run is a profile
//! narrowed to the controls under test.

use cisrun_e2e::{
    assert_valid_junit, policy_seed, read_json, results_by_control, run, seed, write_profile, Moto,
    Value,
};

/// Audits `controls` of `version` against `moto`; returns (exit code, JSON report, JUnit).
fn audit(moto: &Moto, version: &str, controls: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(
        dir.path(),
        "profile.yaml",
        &format!(
            "benchmark: cis-aws-foundations\nversion: {version}\nlevel: 2\ncontrols:\n  include: [{}]\n",
            controls.join(", ")
        ),
    );
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("report.json"));
    let out = run(moto
        .cisrun()
        .args(["audit", "--profile"])
        .arg(&profile)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json));
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    out.assert_no_panic();
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    (out.code, read_json(&json), xml)
}

/// The one result of `control` in a run narrowed to it.
fn result_of(moto: &Moto, version: &str, control: &str) -> (i32, Value) {
    let (code, report, _) = audit(moto, version, &[control]);
    let mut results = results_by_control(&report, seed::ACCOUNT);
    assert_eq!(results.len(), 1, "{report:#}");
    (code, results.remove(control).expect("result"))
}

fn status(result: &Value) -> &str {
    result["outcome"]["status"].as_str().unwrap_or_default()
}

fn evidence(result: &Value) -> Vec<(String, String)> {
    result["outcome"]["evidence"]
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

const GROUPS: &str = "aws-iam-permissions-via-groups";
const ADMIN: &str = "aws-iam-no-full-admin-policies";
const CLOUDSHELL: &str = "aws-iam-cloudshell-full-access-restricted";
const CERTIFICATES: &str = "aws-iam-expired-server-certificates";
const CONTACT: &str = "aws-account-security-contact";

#[tokio::test]
async fn users_with_their_own_policies_fail_and_are_listed() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::user_with_policy(&iam, "direct", &seed::aws_policy("ReadOnlyAccess")).await;
    policy_seed::user(&iam, "inline").await;
    policy_seed::inline_user_policy(&iam, "inline", "own", policy_seed::READ_BUCKETS).await;
    seed::group_with_policy(&iam, "readers", &seed::aws_policy("ReadOnlyAccess")).await;
    policy_seed::user(&iam, "grouped").await;
    policy_seed::add_to_group(&iam, "grouped", "readers").await;

    let (code, result) = result_of(&moto, "v7.0.0", GROUPS);
    assert_eq!(code, 1);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(result["number"], "2.13");
    assert_eq!(
        evidence(&result),
        [
            (
                "arn:aws:iam::123456789012:user/direct".to_string(),
                "attached managed policies: ReadOnlyAccess".to_string()
            ),
            (
                "arn:aws:iam::123456789012:user/inline".to_string(),
                "inline policies: own".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn users_who_get_permissions_only_from_groups_pass() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::group_with_policy(&iam, "readers", &seed::aws_policy("ReadOnlyAccess")).await;
    policy_seed::user(&iam, "grouped").await;
    policy_seed::add_to_group(&iam, "grouped", "readers").await;
    let (code, result) = result_of(&moto, "v3.0.0", GROUPS);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(status(&result), "pass");
    assert_eq!(result["number"], "1.15");
}

#[tokio::test]
async fn attached_full_admin_policies_fail_customer_and_aws_managed() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let custom = policy_seed::policy(&iam, "Everything", policy_seed::FULL_ADMIN).await;
    seed::group_with_policy(&iam, "admins", &custom).await;
    seed::role(&iam, "BreakGlass").await;
    seed::attach_to_role(&iam, "BreakGlass", &seed::aws_policy("AdministratorAccess")).await;

    let (code, result) = result_of(&moto, "v7.0.0", ADMIN);
    assert_eq!(code, 1);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(result["number"], "2.14");
    let found = evidence(&result);
    let resources: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        resources,
        [
            custom.as_str(),
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ]
    );
    assert!(
        found[0]
            .1
            .contains("arn:aws:iam::123456789012:group/admins"),
        "{found:?}"
    );
    assert!(
        found[1]
            .1
            .contains("arn:aws:iam::123456789012:role/BreakGlass"),
        "{found:?}"
    );
}

#[tokio::test]
async fn unattached_not_action_and_superseded_admin_policies_pass() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    // *:* but attached to nothing.
    policy_seed::policy(&iam, "Unused", policy_seed::FULL_ADMIN).await;
    // NotAction is not Action.
    let not_action =
        policy_seed::policy(&iam, "AllButNothing", policy_seed::NOT_ACTION_ADMIN).await;
    seed::group_with_policy(&iam, "g1", &not_action).await;
    // *:* only in v1; v2, the default, is narrow.
    let superseded = policy_seed::policy(&iam, "WasAdmin", policy_seed::FULL_ADMIN).await;
    policy_seed::new_default_version(&iam, &superseded, policy_seed::READ_BUCKETS).await;
    seed::group_with_policy(&iam, "g2", &superseded).await;

    let (code, result) = result_of(&moto, "v3.0.0", ADMIN);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(status(&result), "pass");
}

#[tokio::test]
async fn cloudshell_full_access_attached_to_anyone_fails_and_unattached_passes() {
    let moto = Moto::start();
    let (code, result) = result_of(&moto, "v7.0.0", CLOUDSHELL);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(status(&result), "pass");
    assert_eq!(result["number"], "2.20");

    let iam = moto.iam().await;
    seed::user_with_policy(&iam, "dev", &seed::aws_policy("AWSCloudShellFullAccess")).await;
    let (code, result) = result_of(&moto, "v7.0.0", CLOUDSHELL);
    assert_eq!(code, 1);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(evidence(&result)[0].0, "arn:aws:iam::123456789012:user/dev");
    // The benchmark marks it manual; the report says cisrun automated it.
    assert!(
        result
            .to_string()
            .contains("marks this recommendation manual"),
        "{result:#}"
    );
}

#[tokio::test]
async fn expired_server_certificates_fail_and_none_passes() {
    // moto gives every uploaded certificate the expiry 2012-05-08: only "expired" exists
    // there; the unit tests cover certificates that are still valid.
    let moto = Moto::start();
    let (code, result) = result_of(&moto, "v7.0.0", CERTIFICATES);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(status(&result), "pass");
    assert_eq!(result["number"], "2.17");

    let iam = moto.iam().await;
    let arn = policy_seed::server_certificate(&iam, "old-site").await;
    let (code, result) = result_of(&moto, "v7.0.0", CERTIFICATES);
    assert_eq!(code, 1);
    assert_eq!(status(&result), "fail", "{result:#}");
    let found = evidence(&result);
    assert_eq!(found[0].0, arn);
    assert!(found[0].1.starts_with("expired 2012-05-08"), "{found:?}");
}

#[tokio::test]
async fn the_security_contact_fails_until_one_is_registered() {
    // moto 5.2.5 emulates GetAlternateContact / PutAlternateContact.
    let moto = Moto::start();
    let (code, result) = result_of(&moto, "v7.0.0", CONTACT);
    assert_eq!(code, 1, "{result:#}");
    assert_eq!(status(&result), "fail");
    assert_eq!(result["number"], "2.3");

    policy_seed::security_contact(moto.port);
    let (code, result) = result_of(&moto, "v7.0.0", CONTACT);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(status(&result), "pass");
    assert!(
        evidence(&result)[0].1.contains("security@example.com"),
        "{result:#}"
    );
}

#[tokio::test]
async fn manual_controls_are_skipped_as_manual_in_json_and_junit() {
    let moto = Moto::start();
    let manual = [
        "aws-organizations-ou-structure",
        "aws-account-contact-details",
        "aws-iam-resource-policies-no-public-principal",
    ];
    let (code, report, xml) = audit(&moto, "v7.0.0", &manual);
    assert_eq!(code, 0, "{report:#}");
    let results = results_by_control(&report, seed::ACCOUNT);
    for control in manual {
        let result = &results[control];
        assert_eq!(status(result), "skipped", "{result:#}");
        assert_eq!(result["outcome"]["skip"]["kind"], "manual", "{result:#}");
    }
    assert_eq!(
        xml.matches(r#"<skipped type="manual""#).count(),
        manual.len(),
        "{xml}"
    );
}
