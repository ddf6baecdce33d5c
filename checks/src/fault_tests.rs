//! One test for every automated AWS control, so that no control needs its own copy: an
//! account whose every AWS answer is a denial, throttling, a body cut short, or a document of
//! the wrong shape gives each control an *error* that names an action it declares, never a
//! pass or a fail.

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_http_client::test_util::infallible_client_fn;
use cisrun_core::{Assessment, DynControl, Status};

use crate::account::AwsAccount;

/// How every request is answered.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Denied,
    Throttled,
    /// A 200 whose XML or JSON ends early.
    Truncated,
    /// A 200 with a whole document of the wrong shape.
    WrongShape,
}

const FAULTS: [Fault; 4] = [
    Fault::Denied,
    Fault::Throttled,
    Fault::Truncated,
    Fault::WrongShape,
];

fn answer(fault: Fault, json: bool) -> http::Response<String> {
    let (status, code, body) = match fault {
        Fault::Denied => (403, "AccessDenied", None),
        Fault::Throttled => (400, "Throttling", None),
        Fault::Truncated => (
            200,
            "",
            Some(if json {
                "{\"Items\": ["
            } else {
                "<Response><Items>"
            }),
        ),
        Fault::WrongShape => (
            200,
            "",
            Some(if json {
                "[1, 2, 3]"
            } else {
                "<Unexpected><Shape/></Unexpected>"
            }),
        ),
    };
    let body = body.map(str::to_string).unwrap_or_else(|| {
        if json {
            format!("{{\"__type\":\"{code}Exception\",\"message\":\"injected {code}\"}}")
        } else {
            format!(
                "<ErrorResponse><Error><Code>{code}</Code><Message>injected {code}</Message></Error></ErrorResponse>"
            )
        }
    });
    let content_type = if json {
        "application/x-amz-json-1.1"
    } else {
        "text/xml"
    };
    let mut response = http::Response::builder()
        .status(status)
        .header("content-type", content_type);
    if !code.is_empty() {
        response = response.header("x-amzn-errortype", format!("{code}Exception"));
    }
    response
        .body(body)
        .unwrap_or_else(|_| http::Response::new(String::new()))
}

/// An account in two regions whose every request gets `fault`, with no retry.
fn account(fault: Fault) -> AwsAccount {
    let client = infallible_client_fn(move |request: http::Request<_>| {
        let json = request.headers().contains_key("x-amz-target")
            || request
                .headers()
                .get("content-type")
                .is_some_and(|c| c.to_str().unwrap_or_default().contains("json"));
        answer(fault, json)
    });
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTEST", "secret", None, None, "tests",
        )))
        .http_client(client)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .build();
    AwsAccount::new(
        config,
        "123456789012".to_string(),
        "aws".to_string(),
        "arn:aws:iam::123456789012:root".to_string(),
    )
    .with_enabled_regions(&["us-east-1", "eu-west-1"])
}

fn automated_aws_controls() -> Vec<&'static dyn DynControl> {
    cisrun_core::registry::controls()
        .into_iter()
        .map(|r| r.control)
        .filter(|c| c.meta().assessment == Assessment::Automated)
        .filter(|c| c.target_type() == std::any::TypeId::of::<AwsAccount>())
        .collect()
}

#[tokio::test]
async fn every_automated_control_reports_a_bad_answer_as_an_error_naming_the_action() {
    let controls = automated_aws_controls();
    assert!(
        controls.len() > 20,
        "only {} controls found",
        controls.len()
    );
    let mut wrong = Vec::new();
    for fault in FAULTS {
        for control in &controls {
            let meta = control.meta();
            let parameters = match control.read_parameters(None) {
                Ok(parameters) => parameters,
                Err(message) => panic!("{}: default parameters: {message}", meta.id),
            };
            let account: Arc<AwsAccount> = Arc::new(account(fault));
            let outcome = control.audit(account.as_ref(), &parameters, "v3.0.0").await;
            let text = format!(
                "{} {}",
                outcome.message,
                outcome.error.as_ref().map_or("", |e| e.message.as_str())
            );
            let names_an_action = meta.permissions.iter().any(|a| text.contains(a));
            if outcome.status != Status::Error || !names_an_action {
                wrong.push(format!(
                    "{fault:?} {}: {} {}",
                    meta.id,
                    outcome.status.as_str(),
                    text
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
