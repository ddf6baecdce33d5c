//! Remediation across an Organization: apply in every member account through the assumed
//! role, then roll back from the journal alone (which reaches the same accounts again).

use std::collections::BTreeMap;

use cisrun_e2e::org;
use cisrun_e2e::{read_json, run, seed, write_profile, Moto};

const CONTROL: &str = "aws-iam-support-role";

/// Role name -> attached policies, in one account.
async fn roles(iam: &aws_sdk_iam::Client) -> BTreeMap<String, Vec<String>> {
    let mut state = BTreeMap::new();
    let listed = iam
        .list_roles()
        .max_items(1000)
        .send()
        .await
        .expect("roles");
    for role in listed.roles() {
        let attached = iam
            .list_attached_role_policies()
            .role_name(role.role_name())
            .send()
            .await
            .expect("attached");
        let mut arns: Vec<String> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect();
        arns.sort();
        state.insert(role.role_name().to_string(), arns);
    }
    state
}

#[tokio::test]
async fn apply_in_every_member_account_then_roll_back_from_the_journal() {
    let moto = Moto::start();
    let config = moto.sdk_config().await;
    let members = org::create(&config, "acct", 3).await;
    // One member already compliant: it must be left alone.
    let compliant = &members[1].id;
    let iam = org::iam_in(&config, compliant).await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;

    let mut before = BTreeMap::new();
    for member in &members {
        before.insert(
            member.id.clone(),
            roles(&org::iam_in(&config, &member.id).await).await,
        );
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let profile = write_profile(
        dir.path(),
        "org.yaml",
        "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n\
         controls:\n  include: [aws-iam-support-role]\n\
         parameters:\n  aws-iam-support-role:\n    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:role/Responders\"]\n\
         targets:\n  source: organization\n  assume_role:\n    role: OrganizationAccountAccessRole\n",
    );
    let journal = dir.path().join("journal.jsonl");
    let json = dir.path().join("apply.json");
    let out = run(moto
        .cisrun()
        .arg("remediate")
        .arg("--profile")
        .arg(&profile)
        .arg("--apply")
        .arg("--journal")
        .arg(&journal)
        .arg("--json")
        .arg(&json))
    .expect_code(0);
    let report = read_json(&json);
    let accounts = report["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), members.len(), "{}", out.stdout);
    for account in accounts {
        let id = account["account_id"].as_str().expect("id");
        let result = &account["results"][0];
        assert_eq!(result["control_id"], CONTROL);
        assert_eq!(result["outcome"]["status"], "pass", "{account:#}");
        let steps = result["plan"]["steps"].as_array().expect("steps").len();
        assert_eq!(steps, if id == compliant { 0 } else { 2 }, "{id}");
    }
    for member in &members {
        let after = roles(&org::iam_in(&config, &member.id).await).await;
        if member.id == *compliant {
            assert_eq!(
                after, before[&member.id],
                "a compliant account is not touched"
            );
        } else {
            assert_eq!(
                after.get("cisrun-support"),
                Some(&vec!["arn:aws:iam::aws:policy/AWSSupportAccess".to_string()]),
                "account {}",
                member.id
            );
        }
    }

    let rollback = run(moto.cisrun().arg("rollback").arg("--journal").arg(&journal)).expect_code(0);
    assert!(
        rollback.stdout.contains(&format!(
            "rolled back {} change(s)",
            2 * (members.len() - 1)
        )),
        "{}",
        rollback.stdout
    );
    for member in &members {
        let after = roles(&org::iam_in(&config, &member.id).await).await;
        assert_eq!(after, before[&member.id], "account {} restored", member.id);
    }
}
