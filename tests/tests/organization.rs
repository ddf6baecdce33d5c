//! Organization-wide audits end to end: the cisrun binary lists an Organization in moto,
//! assumes a role in every member account and audits each one.

use std::collections::BTreeMap;
use std::path::Path;

use cisrun_e2e::org::{self, Member};
use cisrun_e2e::{
    assert_valid_junit, read_json, results_by_control, run, seed, write_profile, Fault, FaultProxy,
    Moto, Value, SUPPORT_ROLE_ONLY,
};

const CONTROL: &str = "aws-iam-support-role";
const ROLE: &str = "OrganizationAccountAccessRole";

/// How a seeded account should come out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seeded {
    /// AWSSupportAccess on a role.
    Pass,
    /// AWSSupportAccess on a user only.
    UserOnly,
    /// Nothing attached.
    Nothing,
}

impl Seeded {
    fn of(index: usize) -> Seeded {
        match index % 3 {
            0 => Seeded::Pass,
            1 => Seeded::UserOnly,
            _ => Seeded::Nothing,
        }
    }
    fn status(self) -> &'static str {
        match self {
            Seeded::Pass => "pass",
            Seeded::UserOnly | Seeded::Nothing => "fail",
        }
    }
}

/// An Organization of `members` accounts plus the management account, with mixed compliance.
async fn organization(moto: &Moto, members: usize) -> Vec<(Member, Seeded)> {
    let config = moto.sdk_config().await;
    let accounts = org::create(&config, "acct", members).await;
    let policy = seed::aws_policy("AWSSupportAccess");
    let mut seeded = Vec::new();
    for (index, member) in accounts.into_iter().enumerate() {
        let kind = Seeded::of(index);
        let iam = org::iam_in(&config, &member.id).await;
        match kind {
            Seeded::Pass => {
                iam.create_role()
                    .role_name("Support")
                    .assume_role_policy_document(seed::trust_policy(&format!(
                        "arn:aws:iam::{}:root",
                        member.id
                    )))
                    .send()
                    .await
                    .expect("create role");
                seed::attach_to_role(&iam, "Support", &policy).await;
            }
            Seeded::UserOnly => seed::user_with_policy(&iam, "helpdesk", &policy).await,
            Seeded::Nothing => {}
        }
        seeded.push((member, kind));
    }
    seeded
}

fn org_profile(dir: &Path, extra: &str) -> std::path::PathBuf {
    write_profile(
        dir,
        "org.yaml",
        &format!(
            "name: org-level1\nbenchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n\
             {SUPPORT_ROLE_ONLY}targets:\n  source: organization\n  assume_role:\n    role: {ROLE}\n    session_name: cisrun-e2e\n{extra}"
        ),
    )
}

/// Runs `cisrun audit` with `profile` against `endpoint`; returns (exit code, JSON, JUnit text, stderr).
fn audit(moto: &Moto, endpoint: &str, profile: &Path) -> (i32, Value, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("report.json"));
    let out = run(moto
        .cisrun()
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["audit", "--concurrency", "8", "--profile"])
        .arg(profile)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json));
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    (out.code, read_json(&json), xml, out.stderr)
}

fn audited_ids(report: &Value) -> Vec<String> {
    report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a["account_id"].as_str().expect("id").to_string())
        .collect()
}

fn status_of(report: &Value, account: &str) -> String {
    results_by_control(report, account)[CONTROL]["outcome"]["status"]
        .as_str()
        .expect("status")
        .to_string()
}

#[tokio::test]
async fn an_organization_gets_the_right_verdict_per_account_and_one_suite_each() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let proxy = FaultProxy::start(moto.port);
    let mut seeded = organization(&moto, 29).await;
    // A closed account stays in ListAccounts as SUSPENDED and is not audited.
    let closed = seeded.pop().expect("an account to close").0;
    org::close(&moto.sdk_config().await, &closed.id).await;
    let dir = tempfile::tempdir().expect("temp dir");
    proxy.forget();
    let (code, report, xml, stderr) = audit(&moto, &proxy.endpoint, &org_profile(dir.path(), ""));
    assert_eq!(code, 1, "some accounts fail");

    let mut expected: Vec<String> = seeded.iter().map(|(m, _)| m.id.clone()).collect();
    expected.sort();
    assert_eq!(
        audited_ids(&report),
        expected,
        "every ACTIVE account, sorted, once"
    );
    let names: BTreeMap<&str, &str> = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["account_id"].as_str().expect("id"),
                a["account_name"].as_str().expect("name from ListAccounts"),
            )
        })
        .collect();
    for (member, kind) in &seeded {
        assert_eq!(
            status_of(&report, &member.id),
            kind.status(),
            "{member:?} seeded {kind:?}"
        );
        assert_eq!(names[member.id.as_str()], member.name);
        assert!(
            xml.contains(&format!(
                "<testsuite id=\"{}\" name=\"{} ({})\"",
                expected
                    .iter()
                    .position(|id| *id == member.id)
                    .expect("index"),
                member.id,
                member.name
            )),
            "one testsuite named after {member:?}"
        );
    }
    assert_eq!(xml.matches("<testsuite ").count(), seeded.len());
    // Messages name the support-role outcome of each kind.
    let user_only = seeded
        .iter()
        .find(|(_, k)| *k == Seeded::UserOnly)
        .expect("a user-only account");
    let message = results_by_control(&report, &user_only.0.id)[CONTROL]["outcome"]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(message.contains("only to users or groups"), "{message}");

    // Requests: one identity and one listing per run; per account one AssumeRole (none for
    // the management account, reached with the base credentials) and the control's one
    // ListEntitiesForPolicy.
    let accounts = seeded.len();
    assert_eq!(proxy.count("GetCallerIdentity"), 1, "{:?}", proxy.actions());
    assert_eq!(proxy.count("ListAccounts"), 1);
    assert_eq!(proxy.count("AssumeRole"), accounts - 1);
    assert_eq!(proxy.count("ListEntitiesForPolicy"), accounts);
    assert_eq!(proxy.actions().len(), 2 + (accounts - 1) + accounts);
    // Not a terminal: plain progress lines on stderr.
    assert!(
        stderr.contains(&format!("[{accounts}/{accounts}]")),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_denied_assume_role_gives_errors_for_that_account_only() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let proxy = FaultProxy::start(moto.port);
    let seeded = organization(&moto, 11).await;
    let (denied, denied_kind) = seeded[4].clone();
    assert_ne!(
        denied_kind,
        Seeded::Nothing,
        "pick an account that would not error"
    );
    proxy.inject(
        Fault::new(
            "AssumeRole",
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole",
        )
        .when_body_contains(&denied.id),
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, report, xml, stderr) = audit(&moto, &proxy.endpoint, &org_profile(dir.path(), ""));
    assert_eq!(code, 1);
    assert_eq!(audited_ids(&report).len(), seeded.len());
    for (member, kind) in &seeded {
        let result = &results_by_control(&report, &member.id)[CONTROL];
        if member.id == denied.id {
            assert_eq!(result["outcome"]["status"], "error", "{result:#}");
            let error = &result["outcome"]["error"];
            assert_eq!(error["code"], "AccessDenied", "{result:#}");
            assert_eq!(error["missing_permission"], "sts:AssumeRole");
            assert!(error["message"]
                .as_str()
                .expect("message")
                .contains("sts:AssumeRole failed"));
        } else {
            assert_eq!(result["outcome"]["status"], kind.status(), "{member:?}");
        }
    }
    assert_eq!(report_totals(&report, "error"), 1);
    assert!(
        xml.contains(&format!("name=\"{} ({})\"", denied.id, denied.name)),
        "the denied account still has its testsuite"
    );
    assert!(stderr.contains("cannot reach the account"), "{stderr}");
    // The denial is not retried into every control: one AssumeRole attempt for that account.
    let denied_attempts = proxy.count("AssumeRole") - (seeded.len() - 2);
    assert_eq!(denied_attempts, 1, "{:?}", proxy.actions());
}

fn report_totals(report: &Value, status: &str) -> usize {
    report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .flat_map(|a| a["results"].as_array().expect("results"))
        .filter(|r| r["outcome"]["status"] == status)
        .count()
}

#[tokio::test]
async fn explicit_accounts_exclusions_and_organizational_units() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    let config = moto.sdk_config().await;
    let seeded = organization(&moto, 8).await;
    let ids: Vec<&str> = seeded.iter().map(|(m, _)| m.id.as_str()).collect();
    let dir = tempfile::tempdir().expect("temp dir");

    // source: accounts — exactly the listed ids, minus exclusions; names are not looked up.
    let listed = write_profile(
        dir.path(),
        "listed.yaml",
        &format!(
            "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\ntargets:\n  source: accounts\n  \
             accounts: [\"{}\", \"{}\", \"{}\", \"{}\"]\n  exclude_accounts: [\"{}\"]\n  \
             assume_role:\n    role: \"arn:{{partition}}:iam::{{account_id}}:role/{ROLE}\"\n    external_id: cisrun-e2e\n",
            ids[3], ids[1], ids[0], ids[5], ids[5]
        ),
    );
    let (_, report, _, _) = audit(&moto, &moto.endpoint, &listed);
    let mut want = vec![ids[0].to_string(), ids[1].to_string(), ids[3].to_string()];
    want.sort();
    assert_eq!(audited_ids(&report), want);
    for (member, kind) in seeded.iter().filter(|(m, _)| want.contains(&m.id)) {
        assert_eq!(status_of(&report, &member.id), kind.status());
    }
    assert!(report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .all(|a| a.get("account_name").is_none()));

    // source: organization with `accounts` (only these) and exclusions.
    let only = org_profile(
        dir.path(),
        &format!(
            "  accounts: [\"{}\", \"{}\", \"{}\"]\n  exclude_accounts: [\"{}\"]\n",
            ids[2], ids[6], ids[7], ids[6]
        ),
    );
    let (_, report, _, _) = audit(&moto, &moto.endpoint, &only);
    let mut want = vec![ids[2].to_string(), ids[7].to_string()];
    want.sort();
    assert_eq!(audited_ids(&report), want);

    // organizational_units: only the accounts under the OU, nested OUs included.
    let ou = org::ou_with(&config, "audited", &[ids[1], ids[4]]).await;
    let nested = {
        let client = org::organizations(&config);
        let child = client
            .create_organizational_unit()
            .parent_id(&ou)
            .name("nested")
            .send()
            .await
            .expect("create nested OU")
            .organizational_unit
            .and_then(|o| o.id)
            .expect("nested OU id");
        let root = org::root_id(&config).await;
        client
            .move_account()
            .account_id(ids[8])
            .source_parent_id(&root)
            .destination_parent_id(&child)
            .send()
            .await
            .expect("move into nested OU");
        child
    };
    assert!(nested.starts_with("ou-"));
    let by_ou = org_profile(
        dir.path(),
        &format!(
            "  organizational_units: [\"{ou}\"]\n  exclude_accounts: [\"{}\"]\n",
            ids[4]
        ),
    );
    let (_, report, _, _) = audit(&moto, &moto.endpoint, &by_ou);
    let mut want = vec![ids[1].to_string(), ids[8].to_string()];
    want.sort();
    assert_eq!(audited_ids(&report), want);
    for id in &want {
        let name = report["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .find(|a| a["account_id"] == id.as_str())
            .and_then(|a| a["account_name"].as_str())
            .expect("OU listing gives names");
        assert!(name.starts_with("acct-"), "{name}");
    }
}

#[tokio::test]
async fn an_unknown_organizational_unit_stops_the_run() {
    let moto = Moto::start_fast(&["AWSSupportAccess"]);
    organization(&moto, 2).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = org_profile(
        dir.path(),
        "  organizational_units: [\"ou-zzzz-zzzzzzzz\"]\n",
    );
    let out = run(moto.cisrun().args(["audit", "--profile"]).arg(&profile)).expect_code(2);
    assert!(
        out.stderr
            .contains("cannot list the accounts of the AWS Organization"),
        "{}",
        out.stderr
    );
}
