//! The AWS plumbing every control shares: configuration, the per-account context, a
//! once-per-account cache of fetched data, and the one place SDK errors become outcomes.
//! Every listing goes through [`pages::read_pages`], and every response body through
//! [`response::ResponseGuard`].

pub mod pages;
pub mod response;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cisrun_core::{ErrorDetail, RemediationError};

/// How patient cisrun is with AWS. The defaults suit CI: bounded, with the SDK's standard
/// retry mode (which backs off on throttling).
#[derive(Debug, Clone, Copy)]
pub struct ClientSettings {
    pub max_attempts: u32,
    pub connect_timeout: Duration,
    pub operation_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        // AWS_MAX_ATTEMPTS is the SDKs' standard knob; cisrun's default is a little more
        // patient than the SDK's 3, since a CI audit would rather wait than report an error.
        let max_attempts = std::env::var("AWS_MAX_ATTEMPTS")
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(5);
        Self {
            max_attempts,
            connect_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(60),
        }
    }
}

/// Loads configuration the way the AWS CLI does: the standard credential chain,
/// `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`. IAM is global, so without a region
/// cisrun signs for `us-east-1`.
pub async fn load_config(settings: ClientSettings) -> SdkConfig {
    let region = RegionProviderChain::default_provider().or_else("us-east-1");
    aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(settings.connect_timeout)
                .operation_timeout(settings.operation_timeout)
                .build(),
        )
        .load()
        .await
}

/// Requests sent to AWS by this process, for `--stats` and the benchmark.
static REQUESTS_SENT: AtomicU64 = AtomicU64::new(0);

/// Counts a request sent by a client cisrun did not build (aws-config's providers).
pub(crate) fn count_request() {
    REQUESTS_SENT.fetch_add(1, Ordering::Relaxed);
}

/// Total requests (including retries) sent so far.
pub fn requests_sent() -> u64 {
    REQUESTS_SENT.load(Ordering::Relaxed)
}

/// A client of an AWS SDK crate built from `config`, with [`RequestCounter`] and
/// [`response::ResponseGuard`] attached: the one way cisrun makes clients, so
/// `requests_sent()` counts the whole run and no response is read unbounded or cut short.
/// `counted_client!(aws_sdk_iam, &config)`.
#[macro_export]
macro_rules! counted_client {
    ($sdk:ident, $config:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($config)
                .interceptor($crate::aws::RequestCounter)
                .interceptor($crate::aws::response::ResponseGuard::default())
                .build(),
        )
    };
}

/// Counts every attempt the SDK transmits.
#[derive(Debug)]
pub struct RequestCounter;

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "cisrun-request-counter"
    }
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        REQUESTS_SENT.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// An AWS call that did not succeed, after the SDK's retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// AWS's error code (`AccessDenied`, `Throttling`, ...) or cisrun's name for a
    /// transport failure (`EndpointUnreachable`, `Timeout`, ...).
    pub code: String,
    pub message: String,
    /// The IAM action the call needed, e.g. `iam:ListEntitiesForPolicy`.
    pub action: String,
    /// True when the error says the caller lacks permission for `action`.
    pub access_denied: bool,
}

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
];

impl AwsError {
    /// An answer of `action` that cannot be trusted (unreadable, or naming something of
    /// another shape): neither a pass nor a fail.
    pub fn invalid_response(action: &str, message: String) -> Self {
        Self {
            code: "InvalidResponse".to_string(),
            message,
            action: action.to_string(),
            access_denied: false,
        }
    }

    /// Maps any SDK error of a call that needed `action`.
    pub fn from_sdk<E>(action: &str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        Self::from_sdk_ref(action, &error)
    }

    /// [`AwsError::from_sdk`] for an error found inside another (e.g. a credentials error).
    pub fn from_sdk_ref<E>(action: &str, error: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let (code, message) = match error {
            SdkError::ServiceError(service) => {
                let err = service.err();
                let status = service.raw().status().as_u16();
                // A success the SDK could not parse (seen from emulators): say so, not "HTTP 200".
                if (200..300).contains(&status) && err.code().is_none() {
                    return Self::invalid_response(
                        action,
                        format!(
                            "the HTTP {status} response could not be read: {}",
                            error_chain(error)
                        ),
                    );
                }
                // Some endpoints (and emulators) send an error body the SDK cannot read;
                // the HTTP status still says what happened.
                let body = service
                    .raw()
                    .body()
                    .bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                let code = match (
                    err.code()
                        .map(str::to_string)
                        .or_else(|| xml_element(&body, "Code")),
                    status,
                ) {
                    (Some(code), _) => code.to_string(),
                    (None, 403) => "AccessDenied".to_string(),
                    (None, 429) => "Throttling".to_string(),
                    (None, status) => format!("HTTP{status}"),
                };
                let message = err
                    .message()
                    .map(str::to_string)
                    .or_else(|| xml_element(&body, "Message"))
                    .unwrap_or_else(|| format!("HTTP {status}: {}", body_text(&body)));
                (code, message)
            }
            SdkError::TimeoutError(_) => ("Timeout".to_string(), error_chain(error)),
            SdkError::DispatchFailure(failure) => {
                let code = if credentials_missing(error) {
                    "NoCredentials"
                } else if failure.is_timeout() {
                    "Timeout"
                } else if failure.is_io() {
                    "EndpointUnreachable"
                } else {
                    "DispatchFailure"
                };
                (code.to_string(), error_chain(error))
            }
            SdkError::ResponseError(_) => ("InvalidResponse".to_string(), error_chain(error)),
            SdkError::ConstructionFailure(_) => {
                // Most often: no credentials could be found.
                ("RequestNotSent".to_string(), error_chain(error))
            }
            _ => ("Unknown".to_string(), error_chain(error)),
        };
        let access_denied = ACCESS_DENIED_CODES.contains(&code.as_str());
        Self {
            code,
            message,
            action: action.to_string(),
            access_denied,
        }
    }

    /// The error as a control's outcome detail.
    pub fn to_detail(&self) -> ErrorDetail {
        ErrorDetail {
            code: self.code.clone(),
            message: format!("{} failed: {}", self.action, self.message),
            missing_permission: self.access_denied.then(|| self.action.clone()),
        }
    }
}

/// An audit's AWS call that failed is the control's error: `fetch(account).await?` in an
/// [`Audit`](cisrun_core::Audit) makes the result an error naming the action.
impl From<AwsError> for ErrorDetail {
    fn from(error: AwsError) -> Self {
        error.to_detail()
    }
}

/// A fix's AWS call that failed is the provider's error, with the same detail an audit gives.
impl From<AwsError> for RemediationError {
    fn from(error: AwsError) -> Self {
        RemediationError::Provider(error.to_detail())
    }
}

/// Reads every page of the listing `action` through [`pages::read_pages`] and returns the
/// names it lists, sorted: the usual way to list a resource's attachments.
pub async fn sorted_names<F, Fut>(
    max_pages: usize,
    action: &str,
    page: F,
) -> Result<Vec<String>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<pages::Page<String>, AwsError>>,
{
    let mut names = pages::read_pages(max_pages, action, page).await?;
    names.sort();
    Ok(names)
}

/// Whether the request failed because no credentials could be loaded.
fn credentials_missing(error: &(dyn std::error::Error + 'static)) -> bool {
    use aws_credential_types::provider::error::CredentialsError;
    let mut source = Some(error);
    while let Some(cause) = source {
        if let Some(credentials) = cause.downcast_ref::<CredentialsError>() {
            return matches!(credentials, CredentialsError::CredentialsNotLoaded(_));
        }
        source = cause.source();
    }
    false
}

/// The text of the first `<name>...</name>` in an error body the SDK could not parse.
fn xml_element(body: &str, name: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    let mut inside = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) if start.local_name().as_ref() == name.as_bytes() => inside = true,
            Event::Text(text) if inside => {
                let text = text.xml10_content().ok()?.trim().to_string();
                return (!text.is_empty()).then_some(text);
            }
            Event::End(_) if inside => return None,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The text of an XML or HTML error body, without its markup, in at most 300 characters.
fn body_text(body: &str) -> String {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(body);
    let mut words: Vec<String> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Text(text)) => {
                let text = text
                    .xml10_content()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                words.extend(text.split_whitespace().map(str::to_string));
            }
            Ok(Event::Eof) => break,
            // Not XML at all: the body as it is.
            Err(_) if words.is_empty() => {
                words = body.split_whitespace().map(str::to_string).collect();
                break;
            }
            Err(_) => break,
            Ok(_) => {}
        }
    }
    words.join(" ").chars().take(300).collect()
}

/// The error and its sources, one line, so "dispatch failure" says what really failed.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The partition of an ARN: `arn:aws-us-gov:...` gives `aws-us-gov`.
pub fn partition_of(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.next())
        .flatten()
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_the_sdk_cannot_read_still_give_a_code() {
        let moto = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_element(moto, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(
            xml_element(moto, "Message").as_deref(),
            Some("User: x is not authorized")
        );
        assert_eq!(xml_element("<html>oops</html>", "Code"), None);
        assert_eq!(
            body_text("<html><body><h1>Internal</h1> error</body></html>"),
            "Internal error"
        );
    }

    #[test]
    fn partition_comes_from_the_arn() {
        assert_eq!(
            partition_of("arn:aws:sts::123456789012:assumed-role/x/y").as_deref(),
            Some("aws")
        );
        assert_eq!(
            partition_of("arn:aws-cn:iam::123456789012:user/a").as_deref(),
            Some("aws-cn")
        );
        assert_eq!(
            partition_of("arn:aws-us-gov:iam::1:root").as_deref(),
            Some("aws-us-gov")
        );
        assert_eq!(partition_of("not-an-arn"), None);
        assert_eq!(partition_of("arn::iam"), None);
    }
}
