//! Hostile answers through the real binary: a proxy in front of moto repeats page tokens,
//! issues fresh ones forever, cuts bodies short, streams a body that never ends, sends a
//! 20 MB error message or a policy document that cannot be read. Each ends as an *error*
//! naming the action, never a pass or a fail, within a time bound, and every report is
//! written and valid.

use std::time::Duration;

use cisrun_e2e::{
    assert_valid_junit, cisrun_against, policy_seed, read_json, regional_profile_yaml,
    results_by_control, run_within, seed, ControlCase, Fault, FaultProxy, Run, Value,
};

const ADMIN: &str = "aws-iam-no-full-admin-policies";
const SUPPORT: &str = "aws-iam-support-role";
const DENY_HTTP: &str = "aws-s3-deny-http";
const INSTANCE_ROLES: &str = "aws-ec2-instance-iam-roles";

/// Each listing the proxy can page, the control that reads it and the action it names.
const LISTINGS: [(&str, &str, &str); 4] = [
    (
        "GetAccountAuthorizationDetails",
        ADMIN,
        "iam:GetAccountAuthorizationDetails",
    ),
    (
        "ListEntitiesForPolicy",
        SUPPORT,
        "iam:ListEntitiesForPolicy",
    ),
    ("ListBuckets", DENY_HTTP, "s3:ListAllMyBuckets"),
    ("DescribeInstances", INSTANCE_ROLES, "ec2:DescribeInstances"),
];

/// How long one hostile run may take: far more than a healthy one needs, far less than a
/// listing that never ends would.
const RUN_LIMIT: Duration = Duration::from_secs(240);

/// One audit's reports, each checked: JUnit against the Jenkins schema, JSON and OCSF
/// parsed, Markdown and HTML free of raw markup from AWS.
struct Audited {
    run: Run,
    report: Value,
    junit_bytes: u64,
    markdown: String,
}

/// Audits `control` (in us-east-1 only, for a regional control) through `endpoint` with
/// every report written, within [`RUN_LIMIT`].
fn audit_everything(case: &ControlCase, endpoint: &str, control: &str, extra: &[&str]) -> Audited {
    let profile = case.profile(&regional_profile_yaml(&[control], &["us-east-1"]));
    let paths = case.report_paths();
    let mut command = cisrun_against(endpoint, case.moto.home.path());
    command
        .current_dir(case.dir.path())
        .arg("audit")
        .arg("--profile")
        .arg(&profile);
    for (format, path) in &paths {
        command.arg(format!("--{format}")).arg(path);
    }
    command.args(extra);
    let run = run_within(&mut command, RUN_LIMIT);
    run.assert_no_panic();
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    assert_valid_junit(&paths["junit"]);
    let report = read_json(&paths["json"]);
    let ocsf = read_json(&paths["ocsf"]);
    assert!(
        ocsf.as_array().is_some_and(|e| !e.is_empty()),
        "OCSF events"
    );
    let markdown = std::fs::read_to_string(&paths["markdown"]).expect("markdown");
    assert!(!markdown.contains("<img"), "{markdown}");
    let html = std::fs::read_to_string(&paths["html"]).expect("html");
    assert!(html.contains("id=\"cisrun-data\""), "an HTML report");
    let junit_bytes = std::fs::metadata(&paths["junit"]).map_or(0, |m| m.len());
    Audited {
        run,
        report,
        junit_bytes,
        markdown,
    }
}

/// The one result of `control` in `audited`.
fn result_of(audited: &Audited, control: &str) -> Value {
    results_by_control(&audited.report, seed::ACCOUNT)
        .remove(control)
        .unwrap_or_else(|| panic!("no {control} in {:#}", audited.report))
}

/// Asserts `result` is an error with `code` whose message names `action`.
fn assert_error_naming(result: &Value, code: &str, action: &str) {
    let outcome = &result["outcome"];
    assert_eq!(outcome["status"], "error", "{result:#}");
    assert_eq!(outcome["error"]["code"], code, "{result:#}");
    let message = outcome["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(action), "{action} not named: {message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_page_token_is_an_error_naming_the_listing() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    for (listing, control, action) in LISTINGS {
        proxy.clear();
        let fault = Fault::repeated_token(listing);
        proxy.inject(fault.clone());
        let audited = audit_everything(&case, &proxy.endpoint, control, &[]);
        assert_error_naming(&result_of(&audited, control), "RepeatedPageToken", action);
        // The first page, and the second that repeats its token: then cisrun stops.
        assert_eq!(fault.pages(), 2, "{listing}: {:?}", proxy.actions());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fresh_page_tokens_forever_stop_at_the_page_bound() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    for (listing, control, action) in LISTINGS {
        proxy.clear();
        let fault = Fault::fresh_tokens(listing);
        proxy.inject(fault.clone());
        let audited = audit_everything(&case, &proxy.endpoint, control, &["--max-pages", "25"]);
        assert_error_naming(&result_of(&audited, control), "TooManyPages", action);
        assert!(
            (25..=26).contains(&fault.pages()),
            "{listing}: {} pages",
            fault.pages()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_with_a_matching_length_is_an_error_naming_the_action() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    for (listing, control, action) in LISTINGS {
        proxy.clear();
        proxy.inject(Fault::truncated(listing));
        let audited = audit_everything(&case, &proxy.endpoint, control, &[]);
        let result = result_of(&audited, control);
        assert_error_naming(&result, "InvalidResponse", action);
        let message = result["outcome"]["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("cut short"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_never_ends_is_an_error_naming_the_action() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(Fault::endless("GetAccountAuthorizationDetails"));
    let audited = audit_everything(&case, &proxy.endpoint, ADMIN, &[]);
    let result = result_of(&audited, ADMIN);
    let outcome = &result["outcome"];
    assert_eq!(outcome["status"], "error", "{result:#}");
    let message = outcome["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("iam:GetAccountAuthorizationDetails"),
        "{message}"
    );
    // Stopped at the body size limit, or at the operation's timeout if reading 64 MiB took
    // longer: never read whole.
    assert!(
        message.contains("larger than 64 MiB") || outcome["error"]["code"] == "Timeout",
        "{result:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twenty_megabyte_error_message_gives_small_valid_reports_and_keeps_it_once() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    let huge = format!(
        "<img src=x onerror=alert(1)>{}",
        "A".repeat(20 * 1024 * 1024)
    );
    proxy.inject(Fault::new(
        "GetAccountAuthorizationDetails",
        400,
        "ValidationError",
        &huge.replace('<', "&lt;").replace('>', "&gt;"),
    ));
    let audited = audit_everything(&case, &proxy.endpoint, ADMIN, &[]);
    let result = result_of(&audited, ADMIN);
    assert_error_naming(
        &result,
        "ValidationError",
        "iam:GetAccountAuthorizationDetails",
    );
    let error = result["outcome"]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(error.ends_with(&huge), "the JSON report keeps it whole");
    let message = result["outcome"]["message"].as_str().unwrap_or_default();
    assert!(message.len() < 2_000, "{} bytes", message.len());
    assert!(
        message.contains("more characters; full text in the JSON report)"),
        "{message}"
    );
    assert!(
        audited.junit_bytes < 100_000,
        "{} bytes",
        audited.junit_bytes
    );
    assert!(
        audited.markdown.len() < 10_000,
        "{}",
        audited.markdown.len()
    );
    assert!(
        audited.run.stdout.len() < 10_000,
        "{} bytes printed",
        audited.run.stdout.len()
    );
}

/// `text` URL-encoded as IAM sends policy documents (every byte but unreserved ones).
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Moto's `GetAccountAuthorizationDetails` answer with the policy `arn`'s entry passed
/// through `edit` (from its `<Arn>` to the end of its version list).
fn edit_policy(body: &str, arn: &str, edit: &dyn Fn(&str) -> String) -> String {
    let Some(start) = body.find(&format!("<Arn>{arn}</Arn>")) else {
        return body.to_string();
    };
    let Some(length) = body[start..].find("</PolicyVersionList>") else {
        return body.to_string();
    };
    let end = start + length;
    format!(
        "{}{}{}",
        &body[..start],
        edit(&body[start..end]),
        &body[end..]
    )
}

/// The entry with its `<Document>` replaced by `document` (already encoded).
fn with_document(entry: &str, document: &str) -> String {
    match (entry.find("<Document>"), entry.find("</Document>")) {
        (Some(open), Some(close)) => {
            format!("{}<Document>{document}{}", &entry[..open], &entry[close..])
        }
        _ => entry.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_document_that_cannot_be_read_is_an_error_never_a_pass() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    let arn = policy_seed::policy(&iam, "Everything", policy_seed::FULL_ADMIN).await;
    seed::role(&iam, "BreakGlass").await;
    seed::attach_to_role(&iam, "BreakGlass", &arn).await;
    let proxy = FaultProxy::start(case.moto.port);
    // Read as moto sends it, the policy fails 1.16.
    let audited = audit_everything(&case, &proxy.endpoint, ADMIN, &[]);
    assert_eq!(result_of(&audited, ADMIN)["outcome"]["status"], "fail");

    let nested = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"X":{}{}}}}}]}}"#,
        "[".repeat(300),
        "]".repeat(300)
    );
    let broken: [(&str, String); 4] = [
        (
            "not JSON once URL-decoded",
            url_encoded(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*""#),
        ),
        (
            "a byte-order mark",
            format!("%EF%BB%BF{}", url_encoded(policy_seed::FULL_ADMIN)),
        ),
        ("nesting past the depth limit", url_encoded(&nested)),
        ("no default version", String::new()),
    ];
    for (why, document) in broken {
        proxy.clear();
        let target = arn.clone();
        proxy.inject(Fault::rewritten(
            "GetAccountAuthorizationDetails",
            move |body| {
                edit_policy(body, &target, &|entry| {
                    if document.is_empty() {
                        entry
                            .replace("<DefaultVersionId>v1</DefaultVersionId>", "")
                            .replace(
                                "<IsDefaultVersion>true</IsDefaultVersion>",
                                "<IsDefaultVersion>false</IsDefaultVersion>",
                            )
                    } else {
                        with_document(entry, &document)
                    }
                })
            },
        ));
        let audited = audit_everything(&case, &proxy.endpoint, ADMIN, &[]);
        let result = result_of(&audited, ADMIN);
        assert_eq!(result["outcome"]["status"], "error", "{why}: {result:#}");
        assert_eq!(
            result["outcome"]["error"]["code"], "InvalidPolicyDocument",
            "{why}: {result:#}"
        );
        let message = result["outcome"]["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains(&arn),
            "{why}: the policy is named: {message}"
        );
    }
}
