//! `cisrun permissions` under moto's IAM enforcement: an identity holding only the generated
//! policy audits, remediates and rolls back with no access error; without any one of the
//! audit's actions, the control that needs it reports an *error* naming that action.

use cisrun_e2e::seed::user_with_inline_policy;
use cisrun_e2e::{read_json, run, write_profile, Moto, Value};

const PROFILE: &str = "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n\
controls:\n  include: [aws-iam-support-role, aws-iam-root-access-key]\n\
parameters:\n  aws-iam-support-role:\n    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n";

fn actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .map(|a| a.as_str().expect("action").to_string())
        .collect()
}

fn without(policy: &Value, action: &str) -> Value {
    let mut policy = policy.clone();
    for statement in policy["Statement"].as_array_mut().expect("statements") {
        if let Some(list) = statement["Action"].as_array_mut() {
            list.retain(|a| a != action);
        }
    }
    policy
}

/// (exit code, every result of the account) of a run as `keys`.
fn audit_as(
    moto: &Moto,
    keys: &(String, String),
    profile: &std::path::Path,
    json: &std::path::Path,
) -> (i32, Vec<Value>) {
    let out = run(moto
        .cisrun()
        .env("AWS_ACCESS_KEY_ID", &keys.0)
        .env("AWS_SECRET_ACCESS_KEY", &keys.1)
        .arg("audit")
        .arg("--profile")
        .arg(profile)
        .arg("--json")
        .arg(json));
    out.assert_no_panic();
    let report = read_json(json);
    let results = report["accounts"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (out.code, results)
}

#[tokio::test]
async fn the_generated_policy_is_enough_and_every_action_in_it_is_needed() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(dir.path(), "p.yaml", PROFILE);
    let policy_of = |remediate: bool| {
        let mut command = moto.cisrun();
        command.arg("permissions").arg("--profile").arg(&profile);
        if remediate {
            command.arg("--remediate");
        }
        let out = run(&mut command).expect_code(0);
        serde_json::from_str::<Value>(&out.stdout).expect("a policy document")
    };
    let audit_policy = policy_of(false);
    let full_policy = policy_of(true);
    let audit_actions = actions(&audit_policy);
    assert_eq!(
        audit_actions,
        ["iam:GetAccountSummary", "iam:ListEntitiesForPolicy"]
    );
    assert!(actions(&full_policy).contains(&"iam:AttachRolePolicy".to_string()));

    // Every identity exists before moto starts enforcing.
    let fixer = user_with_inline_policy(&iam, "fixer", &full_policy.to_string()).await;
    let mut reduced = Vec::new();
    for (i, action) in audit_actions.iter().enumerate() {
        let policy = without(&audit_policy, action).to_string();
        let keys = user_with_inline_policy(&iam, &format!("without-{i}"), &policy).await;
        reduced.push((action.clone(), keys));
    }
    moto.enforce_iam_policies();

    // Audit, apply and roll back with exactly the generated policy: no access error.
    let json = dir.path().join("r.json");
    let (code, results) = audit_as(&moto, &fixer, &profile, &json);
    assert_eq!(
        code, 1,
        "the support role is missing: a failure, not an error"
    );
    for result in &results {
        assert_ne!(result["outcome"]["status"], "error", "{result:#}");
    }
    let journal = dir.path().join("journal.jsonl");
    let apply = run(moto
        .cisrun()
        .env("AWS_ACCESS_KEY_ID", &fixer.0)
        .env("AWS_SECRET_ACCESS_KEY", &fixer.1)
        .arg("remediate")
        .arg("--profile")
        .arg(&profile)
        .arg("--apply")
        .arg("--journal")
        .arg(&journal));
    assert_eq!(apply.code, 0, "{apply:?}");
    let rollback = run(moto
        .cisrun()
        .env("AWS_ACCESS_KEY_ID", &fixer.0)
        .env("AWS_SECRET_ACCESS_KEY", &fixer.1)
        .arg("rollback")
        .arg("--journal")
        .arg(&journal));
    assert_eq!(rollback.code, 0, "{rollback:?}");

    // Without any one action, the control that calls it is an error naming it.
    for (action, keys) in &reduced {
        let (code, results) = audit_as(&moto, keys, &profile, &json);
        assert_eq!(code, 1);
        let named: Vec<&Value> = results
            .iter()
            .filter(|r| r["outcome"]["error"]["missing_permission"] == action.as_str())
            .collect();
        assert!(!named.is_empty(), "no error names {action}: {results:#?}");
        for result in named {
            assert_eq!(result["outcome"]["status"], "error");
        }
    }
}
