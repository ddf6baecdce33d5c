//! Real access denials from moto's IAM policy enforcement (no injected faults): the error
//! is an *error* result naming the missing permission, never a pass or a fail.

use cisrun_e2e::{read_json, results_by_control, run, seed, write_profile, Moto};

#[tokio::test]
async fn an_auditor_without_list_entities_for_policy_gets_an_error_result() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let (key, secret) = seed::user_denied(&iam, "auditor", "iam:ListEntitiesForPolicy").await;
    moto.enforce_iam_policies();
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("r.json");
    let out = run(moto
        .cisrun()
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .args([
            "audit",
            "--profile",
            "cis-aws-foundations-v7.0.0-level1",
            "--json",
        ])
        .arg(&json))
    .expect_code(1);
    let report = read_json(&json);
    let result = &results_by_control(&report, seed::ACCOUNT)["aws-iam-support-role"];
    assert_eq!(result["outcome"]["status"], "error", "{}", out.stdout);
    assert_eq!(result["outcome"]["error"]["code"], "AccessDenied");
    assert_eq!(
        result["outcome"]["error"]["missing_permission"],
        "iam:ListEntitiesForPolicy"
    );
    assert_eq!(result["number"], "2.15");
}

#[tokio::test]
async fn a_remediator_denied_attach_role_policy_leaves_the_account_as_it_was() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let (key, secret) = seed::user_denied(&iam, "fixer", "iam:AttachRolePolicy").await;
    let roles_before: Vec<String> = iam
        .list_roles()
        .send()
        .await
        .expect("roles")
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .collect();
    moto.enforce_iam_policies();
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(
        dir.path(),
        "p.yaml",
        "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\nparameters:\n  aws-iam-support-role:\n    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:user/fixer\"]\n",
    );
    let json = dir.path().join("r.json");
    let out = run(moto
        .cisrun()
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .arg("remediate")
        .arg("--profile")
        .arg(&profile)
        .arg("--apply")
        .arg("--journal")
        .arg(dir.path().join("j.jsonl"))
        .arg("--json")
        .arg(&json))
    .expect_code(1);
    let report = read_json(&json);
    let result = &results_by_control(&report, seed::ACCOUNT)["aws-iam-support-role"];
    assert_eq!(
        result["outcome"]["error"]["code"], "AccessDenied",
        "{}",
        out.stdout
    );
    assert_eq!(
        result["outcome"]["error"]["missing_permission"],
        "iam:AttachRolePolicy"
    );
    // The role created before the denied step was deleted again.
    let fixer = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(&moto.sdk_config().await)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                key, secret, None, None, "fixer",
            ))
            .build(),
    );
    let roles_after: Vec<String> = fixer
        .list_roles()
        .send()
        .await
        .expect("roles")
        .roles()
        .iter()
        .map(|r| r.role_name().to_string())
        .collect();
    assert_eq!(roles_after, roles_before);
}
