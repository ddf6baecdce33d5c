//! CIS AWS Foundations: no expired SSL/TLS server certificate is stored in IAM.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

cisrun_core::control! {
    /// ## Description
    /// HTTPS endpoints in AWS need an SSL/TLS server certificate, stored in AWS Certificate
    /// Manager (ACM) or in IAM. IAM's certificate store is meant only for regions ACM does
    /// not support; it keeps the private keys encrypted, but it does not renew certificates
    /// and cannot be managed from the console. Delete every expired certificate from it.
    ///
    /// ## Rationale
    /// An expired certificate left in IAM can be deployed by mistake to a load balancer or
    /// a CloudFront distribution, breaking the application behind it and harming its
    /// credibility. Deleting expired certificates removes that risk.
    ///
    /// ## Impact
    /// If a resource (an Elastic Load Balancer, CloudFront, ...) still uses the expired
    /// certificate, move it to a valid one before deleting the old one, or the deletion can
    /// interrupt it.
    ///
    /// ## Audit
    /// Fails when any certificate returned by `aws iam list-server-certificates` (every
    /// page) has an `Expiration` earlier than the time of the audit; the failure lists each
    /// expired certificate by ARN with its expiry. Passes otherwise, including when IAM holds
    /// no certificate at all.
    ///
    /// - Certificates that have not expired yet pass, however soon they expire.
    /// - A certificate without an `Expiration` in the response: **error** (cisrun cannot
    ///   tell), never pass.
    /// - Any AWS error that survives the SDK's retries: **error**, never pass or fail.
    ///
    /// ## Remediation
    /// Delete each expired certificate:
    /// `aws iam delete-server-certificate --server-certificate-name <name>`. The console
    /// cannot do it. cisrun does not fix this: a deletion cannot be undone.
    ///
    /// ## Default value
    /// IAM never deletes expired certificates by itself.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html
    /// - https://docs.aws.amazon.com/cli/latest/reference/iam/delete-server-certificate.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListServerCertificates.html
    pub struct ExpiredServerCertificates {
        id: "aws-iam-expired-server-certificates",
        title: "Ensure that all expired SSL/TLS certificates stored in AWS IAM are removed",
        target: AwsAccount,
        permissions: [ACTION],
    }
}

const ACTION: &str = "iam:ListServerCertificates";

/// One stored certificate: ARN and expiry.
#[derive(Debug, Clone, PartialEq)]
struct Certificate {
    arn: String,
    expiration: Option<DateTime>,
}

/// Every page of `iam:ListServerCertificates`, sorted by ARN.
async fn certificates(account: &AwsAccount) -> Result<Vec<Certificate>, AwsError> {
    let mut all = read_pages(account.max_pages(), ACTION, |marker| async move {
        let page = account
            .iam()
            .list_server_certificates()
            .max_items(1000)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        let certificates = page
            .server_certificate_metadata_list()
            .iter()
            .map(|c| Certificate {
                arn: c.arn().to_string(),
                expiration: c.expiration().copied(),
            })
            .collect();
        Ok(Page::new(certificates, page.marker()).truncated(page.is_truncated()))
    })
    .await?;
    all.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(all)
}

fn show(time: &DateTime) -> String {
    time.fmt(Format::DateTime)
        .unwrap_or_else(|_| format!("{} seconds since 1970", time.secs()))
}

/// The verdict on the stored certificates at `now`.
fn verdict(certificates: &[Certificate], now: DateTime) -> Outcome {
    let unknown: Vec<&str> = certificates
        .iter()
        .filter(|c| c.expiration.is_none())
        .map(|c| c.arn.as_str())
        .collect();
    if !unknown.is_empty() {
        return Outcome::error(ErrorDetail {
            code: "InvalidResponse".to_string(),
            message: format!("{ACTION} sent no Expiration for {}", unknown.join(", ")),
            missing_permission: None,
        });
    }
    let (expired, valid): (Vec<&Certificate>, Vec<&Certificate>) = certificates
        .iter()
        .partition(|c| c.expiration.is_some_and(|e| e < now));
    let describe = |c: &Certificate, word: &str| {
        let when = c.expiration.as_ref().map(show).unwrap_or_default();
        Evidence::new(&c.arn, format!("{word} {when}"))
    };
    if expired.is_empty() {
        Outcome::pass(
            format!(
                "none of the {} server certificate(s) stored in IAM has expired",
                valid.len()
            ),
            valid.iter().map(|c| describe(c, "expires")).collect(),
        )
    } else {
        Outcome::fail(
            format!(
                "{} expired server certificate(s) stored in IAM: delete them",
                expired.len()
            ),
            expired.iter().map(|c| describe(c, "expired")).collect(),
        )
    }
}

#[async_trait]
impl Audit for ExpiredServerCertificates {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let all = certificates(account).await?;
        Ok(verdict(&all, DateTime::from(SystemTime::now())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::list_server_certificates::{
        ListServerCertificatesError, ListServerCertificatesOutput,
    };
    use aws_sdk_iam::types::ServerCertificateMetadata;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    const DAY: i64 = 86_400;

    fn certificate(name: &str, expires_in_days: Option<i64>) -> ServerCertificateMetadata {
        let now = DateTime::from(SystemTime::now()).secs();
        ServerCertificateMetadata::builder()
            .path("/")
            .server_certificate_name(name)
            .server_certificate_id(format!("ID{name}"))
            .arn(format!(
                "arn:aws:iam::123456789012:server-certificate/{name}"
            ))
            .set_expiration(expires_in_days.map(|d| DateTime::from_secs(now + d * DAY)))
            .build()
            .expect("all required fields")
    }

    async fn audit(pages: [Vec<ServerCertificateMetadata>; 2]) -> Outcome {
        let [first, second] = pages;
        let page1 = mock!(Client::list_server_certificates)
            .match_requests(|r| r.marker().is_none())
            .then_output(move || {
                ListServerCertificatesOutput::builder()
                    .set_server_certificate_metadata_list(Some(first.clone()))
                    .is_truncated(true)
                    .marker("next")
                    .build()
                    .expect("output")
            });
        let page2 = mock!(Client::list_server_certificates)
            .match_requests(|r| r.marker() == Some("next"))
            .then_output(move || {
                ListServerCertificatesOutput::builder()
                    .set_server_certificate_metadata_list(Some(second.clone()))
                    .is_truncated(false)
                    .build()
                    .expect("output")
            });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page1, &page2]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&ExpiredServerCertificates, &account).await
    }

    #[tokio::test]
    async fn an_expired_certificate_on_any_page_fails_with_its_arn_and_expiry() {
        let outcome = audit([
            vec![certificate("valid", Some(30))],
            vec![
                certificate("old", Some(-2)),
                certificate("older", Some(-400)),
            ],
        ])
        .await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let resources: Vec<&str> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:iam::123456789012:server-certificate/old",
                "arn:aws:iam::123456789012:server-certificate/older"
            ]
        );
        assert!(outcome.evidence[0].detail.starts_with("expired 20"));
    }

    #[tokio::test]
    async fn valid_certificates_or_none_pass() {
        let outcome = audit([
            vec![certificate("a", Some(1))],
            vec![certificate("b", Some(90))],
        ])
        .await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.evidence.len(), 2);
        assert_eq!(audit([vec![], vec![]]).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn a_certificate_without_expiry_is_an_error() {
        let outcome = audit([vec![certificate("a", None)], vec![]]).await;
        assert_eq!(outcome.status, Status::Error, "{outcome:?}");
    }

    #[tokio::test]
    async fn access_denied_is_an_error_naming_the_action() {
        let rule = mock!(Client::list_server_certificates).then_error(|| {
            ListServerCertificatesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not authorized")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&ExpiredServerCertificates, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some(ACTION)
        );
    }
}
