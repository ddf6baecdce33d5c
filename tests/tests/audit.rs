//! `cisrun audit` end to end: the support-role control against moto.

use cisrun_e2e::{
    assert_valid_junit, read_json, results_by_control, run, seed, Fault, FaultProxy, Moto,
};

const CONTROL: &str = "aws-iam-support-role";

/// Audits the support-role control alone and returns (exit code, JSON report, stdout, JUnit).
fn audit(moto: &Moto, endpoint: Option<&str>) -> (i32, cisrun_e2e::Value, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("report.json"));
    let mut command = moto.cisrun();
    if let Some(endpoint) = endpoint {
        command.env("AWS_ENDPOINT_URL", endpoint);
    }
    let out = run(command
        .args([
            "audit",
            "--profile",
            moto.narrow_profile(&[CONTROL]).as_str(),
            "--junit",
        ])
        .arg(&junit)
        .arg("--json")
        .arg(&json));
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    (out.code, read_json(&json), out.stdout, xml)
}

fn support_result(report: &cisrun_e2e::Value) -> cisrun_e2e::Value {
    results_by_control(report, seed::ACCOUNT)
        .remove(CONTROL)
        .expect("support-role result")
}

#[tokio::test]
async fn passes_when_a_role_has_aws_support_access_and_names_every_role() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    for name in ["SupportA", "SupportB", "SupportC"] {
        seed::role(&iam, name).await;
        seed::attach_to_role(&iam, name, &seed::aws_policy("AWSSupportAccess")).await;
    }
    seed::role(&iam, "Unrelated").await;
    let (code, report, stdout, _) = audit(&moto, None);
    assert_eq!(code, 0, "{stdout}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "pass");
    assert_eq!(result["number"], "1.17");
    let resources: Vec<&str> = result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["resource"].as_str())
        .collect();
    assert_eq!(
        resources,
        ["role/SupportA", "role/SupportB", "role/SupportC"]
    );
    assert!(stdout.contains("PASS"), "{stdout}");
}

#[tokio::test]
async fn fails_when_no_role_has_the_policy() {
    let moto = Moto::start();
    seed::role(&moto.iam().await, "Unrelated").await;
    let (code, report, _, _) = audit(&moto, None);
    assert_eq!(code, 1);
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "fail");
    assert!(result["outcome"]["message"]
        .as_str()
        .expect("message")
        .contains("not attached to any IAM role"));
}

#[tokio::test]
async fn fails_and_says_so_when_attached_only_to_users_and_groups() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let arn = seed::aws_policy("AWSSupportAccess");
    seed::user_with_policy(&iam, "alice", &arn).await;
    seed::group_with_policy(&iam, "helpdesk", &arn).await;
    let (code, report, _, _) = audit(&moto, None);
    assert_eq!(code, 1);
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "fail");
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(message.contains("only to users or groups"), "{message}");
    let resources: Vec<&str> = result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["resource"].as_str())
        .collect();
    assert_eq!(resources, ["user/alice", "group/helpdesk"]);
}

#[tokio::test]
async fn a_customer_managed_policy_named_aws_support_access_does_not_count() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    let lookalike = seed::customer_policy(&iam, "AWSSupportAccess").await;
    assert!(lookalike.contains(":123456789012:policy/"), "{lookalike}");
    seed::role(&iam, "Impostor").await;
    seed::attach_to_role(&iam, "Impostor", &lookalike).await;
    let (code, report, _, _) = audit(&moto, None);
    assert_eq!(code, 1);
    assert_eq!(support_result(&report)["outcome"]["status"], "fail");
}

#[tokio::test]
async fn the_service_linked_support_policy_does_not_count() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::role(&iam, "LooksLikeSupport").await;
    seed::attach_to_role(
        &iam,
        "LooksLikeSupport",
        &seed::aws_policy("aws-service-role/AWSSupportServiceRolePolicy"),
    )
    .await;
    let (code, report, _, _) = audit(&moto, None);
    assert_eq!(code, 1);
    assert_eq!(support_result(&report)["outcome"]["status"], "fail");
}

#[tokio::test]
async fn makes_the_minimum_calls_and_never_scans_list_policies() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    let proxy = FaultProxy::start(moto.port);
    let (code, _, _, _) = audit(&moto, Some(&proxy.endpoint));
    assert_eq!(code, 0);
    assert_eq!(
        proxy.actions(),
        ["GetCallerIdentity", "ListEntitiesForPolicy"]
    );
}

#[tokio::test]
async fn access_denied_is_an_error_naming_the_missing_permission() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    proxy.inject(Fault::new(
        "ListEntitiesForPolicy",
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: iam:ListEntitiesForPolicy",
    ));
    let (code, report, stdout, xml) = audit(&moto, Some(&proxy.endpoint));
    assert_eq!(code, 1, "{stdout}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "error");
    assert_eq!(result["outcome"]["error"]["code"], "AccessDenied");
    assert_eq!(
        result["outcome"]["error"]["missing_permission"],
        "iam:ListEntitiesForPolicy"
    );
    assert!(xml.contains(r#"<error type="AccessDenied""#), "{xml}");
    assert!(stdout.contains("ERROR"), "{stdout}");
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_an_error() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    proxy.inject(Fault::new(
        "ListEntitiesForPolicy",
        400,
        "Throttling",
        "Rate exceeded",
    ));
    let (code, report, _, _) = audit(&moto, Some(&proxy.endpoint));
    assert_eq!(code, 1);
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "error");
    assert_eq!(result["outcome"]["error"]["code"], "Throttling");
    // The SDK's standard retry mode tried more than once before giving up.
    assert!(
        proxy.count("ListEntitiesForPolicy") > 1,
        "{:?}",
        proxy.actions()
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_error_not_a_verdict() {
    let moto = Moto::start();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("r.json"));
    let out = run(moto
        .cisrun()
        .env(
            "AWS_ENDPOINT_URL",
            format!("http://127.0.0.1:{closed_port}"),
        )
        .args([
            "audit",
            "--profile",
            moto.narrow_profile(&[CONTROL]).as_str(),
            "--junit",
        ])
        .arg(&junit)
        .arg("--json")
        .arg(&json))
    .expect_code(1);
    assert_valid_junit(&junit);
    let report = read_json(&json);
    let account = &report["accounts"][0];
    let result = &account["results"][0];
    assert_eq!(result["outcome"]["status"], "error", "{report:#}");
    assert_eq!(result["outcome"]["error"]["code"], "EndpointUnreachable");
    assert!(out.stdout.contains("ERROR"), "{}", out.stdout);
}

#[test]
fn missing_credentials_are_an_error_that_says_so() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("r.json");
    let out = run(moto
        .cisrun()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "audit",
            "--profile",
            moto.narrow_profile(&[CONTROL]).as_str(),
            "--json",
        ])
        .arg(&json))
    .expect_code(1);
    let report = read_json(&json);
    let result = &report["accounts"][0]["results"][0];
    assert_eq!(result["outcome"]["status"], "error", "{}", out.stdout);
    assert_eq!(result["outcome"]["error"]["code"], "NoCredentials");
    assert!(
        !out.stderr.contains('\u{1b}'),
        "no colour codes in logs: {}",
        out.stderr
    );
}

#[tokio::test]
async fn aws_max_attempts_bounds_the_retries() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(moto.port);
    proxy.inject(Fault::new(
        "ListEntitiesForPolicy",
        400,
        "Throttling",
        "Rate exceeded",
    ));
    let out = run(moto
        .cisrun()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_MAX_ATTEMPTS", "2")
        .args([
            "audit",
            "--profile",
            moto.narrow_profile(&[CONTROL]).as_str(),
        ]))
    .expect_code(1);
    assert!(out.stdout.contains("Throttling"), "{}", out.stdout);
    assert_eq!(
        proxy.count("ListEntitiesForPolicy"),
        2,
        "{:?}",
        proxy.actions()
    );
}
