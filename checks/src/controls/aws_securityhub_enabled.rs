//! CIS AWS Foundations: Security Hub enabled, read in every region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::securityhub::{hubs, Hub, DESCRIBE_HUB};
use crate::regions::{regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Security Hub collects security findings from AWS services and partner products and
    /// checks resources against security standards. It is enabled per region: enable it in
    /// every region.
    ///
    /// ## Rationale
    /// One place per region (or, with a home region, per account) to see and triage
    /// findings, instead of a console per service.
    ///
    /// ## Impact
    /// Security Hub is charged per check and per finding ingested; its standards need AWS
    /// Config recording in the same region.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `securityhub:DescribeHub` must return a hub.
    ///
    /// - One finding per region, named by the hub's ARN
    ///   (`arn:<partition>:securityhub:<region>:<account>:hub/default`).
    /// - `InvalidAccessException` ("the account is not subscribed to AWS Security Hub") is
    ///   the answer *not enabled*: a **fail** for that region, not an error. A denied call
    ///   (`AccessDenied...`) or any other error is that region's **error**.
    /// - **fail** if any region has no hub; otherwise **error** if a region could not be
    ///   read; otherwise **pass**.
    /// - Prowler also fails an enabled hub with no standard and no product integration
    ///   subscribed; the benchmark asks only that `DescribeHub` succeeds, and so does cisrun.
    ///
    /// ## Remediation
    /// In each region without a hub: `aws securityhub enable-security-hub --region <region>`
    /// (add `--no-enable-default-standards` to choose standards yourself), or enable it for
    /// the whole organization from the delegated administrator account. AWS Config must be
    /// recording in the region for the standards' checks. cisrun has no automatic fix for
    /// this control.
    ///
    /// ## Default value
    /// Not enabled in any region.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html
    /// - https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_DescribeHub.html
    pub struct SecurityHubEnabled {
        id: "aws-securityhub-enabled",
        title: "Ensure AWS Security Hub is enabled",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_HUB],
    }
}

/// The ARN a region's hub has (or would have).
fn hub_arn(account: &AwsAccount, region: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{}:hub/default",
        account.partition, account.account_id
    )
}

#[async_trait]
impl Audit for SecurityHubEnabled {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "regions' Security Hub subscriptions",
            hubs(account).await?,
            |region| hub_arn(account, region),
            |findings, region, hub| match hub {
                Hub::Enabled { arn } => {
                    let arn = if arn.is_empty() {
                        hub_arn(account, region)
                    } else {
                        arn.clone()
                    };
                    findings.pass(arn, Some(region), "Security Hub is enabled")
                }
                Hub::NotEnabled { reason } => findings.fail(
                    hub_arn(account, region),
                    Some(region),
                    format!("Security Hub is not enabled: {reason}"),
                ),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_securityhub::operation::describe_hub::{DescribeHubError, DescribeHubOutput};
    use aws_sdk_securityhub::types::error::InvalidAccessException;
    use aws_sdk_securityhub::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    #[derive(Clone, Copy)]
    enum Answer {
        Enabled,
        NotSubscribed,
        Denied,
    }

    fn hub_client(region: &str, answer: Answer) -> Client {
        let arn = format!("arn:aws:securityhub:{region}:123456789012:hub/default");
        let rule = match answer {
            Answer::Enabled => mock!(Client::describe_hub)
                .then_output(move || DescribeHubOutput::builder().hub_arn(arn.clone()).build()),
            Answer::NotSubscribed => mock!(Client::describe_hub).then_error(|| {
                DescribeHubError::InvalidAccessException(
                    InvalidAccessException::builder()
                        .message("Account 123456789012 is not subscribed to AWS Security Hub")
                        .meta(
                            ErrorMetadata::builder()
                                .code("InvalidAccessException")
                                .message(
                                    "Account 123456789012 is not subscribed to AWS Security Hub",
                                )
                                .build(),
                        )
                        .build(),
                )
            }),
            Answer::Denied => mock!(Client::describe_hub).then_error(|| {
                DescribeHubError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not authorized to perform securityhub:DescribeHub")
                        .build(),
                )
            }),
        };
        mock_client!(aws_sdk_securityhub, [&rule])
    }

    fn account(regions: &[(&str, Answer)]) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, answer)| account.with_client(region, hub_client(region, *answer)),
        )
    }

    async fn audit(account: &AwsAccount) -> Outcome {
        cisrun_core::testing::audit(&SecurityHubEnabled, account).await
    }

    #[tokio::test]
    async fn enabled_in_every_region_passes() {
        let outcome = audit(&account(&[
            ("eu-west-1", Answer::Enabled),
            ("us-east-1", Answer::Enabled),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:securityhub:eu-west-1:123456789012:hub/default"
        );
    }

    #[tokio::test]
    async fn not_subscribed_is_a_failure_not_an_error() {
        let outcome = audit(&account(&[
            ("eu-west-1", Answer::Enabled),
            ("us-east-1", Answer::NotSubscribed),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert!(outcome.error.is_none());
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("us-east-1"));
        assert!(
            outcome.evidence[0].detail.contains("not subscribed"),
            "{:?}",
            outcome.evidence[0]
        );
    }

    #[tokio::test]
    async fn a_denied_region_is_an_error_there_only() {
        let outcome = audit(&account(&[
            ("eu-west-1", Answer::Enabled),
            ("ap-south-1", Answer::Denied),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some(DESCRIBE_HUB)
        );
    }
}
