//! CIS AWS Foundations: the EC2 metadata service only allows IMDSv2. Regional: every
//! instance of every enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::{instances, DESCRIBE_INSTANCES};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// The instance metadata service (IMDS) answers version 1 requests (plain GET) unless
    /// the instance requires session tokens (IMDSv2). Require IMDSv2 on every instance.
    ///
    /// ## Rationale
    /// IMDSv1 hands out the instance role's credentials to any request that reaches it,
    /// including one relayed by a server-side request forgery or an open proxy. IMDSv2's
    /// session token (obtained with a PUT, hop-limited) defeats those relays.
    ///
    /// ## Impact
    /// Software that still uses IMDSv1 (old SDKs, scripts calling `curl` without a token)
    /// can no longer read metadata or credentials on that instance.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `ec2:DescribeInstances` (every page) lists the instances that
    /// are pending, running, stopping or stopped; terminated ones are ignored. Each must
    /// have `MetadataOptions.HttpTokens` = `required`, or the metadata endpoint turned off
    /// (`HttpEndpoint` = `disabled`: no IMDS at all).
    ///
    /// - One finding per instance, named by its ARN, with its region.
    /// - **fail** if any instance allows IMDSv1 (`HttpTokens` = `optional`); otherwise
    ///   **error** if a region could not be read; otherwise **pass** (also when there are no
    ///   instances).
    /// - The account-level default for new instances (`ec2:GetInstanceMetadataDefaults`) is
    ///   not part of the verdict: instances are what the benchmark audits.
    ///
    /// ## Remediation
    /// No automatic fix: turning IMDSv1 off breaks software that still uses it, which only
    /// the owner can check. Per instance:
    /// `aws ec2 modify-instance-metadata-options --region <region> --instance-id <id>
    /// --http-tokens required --http-endpoint enabled`. For new instances, set the account
    /// default with `aws ec2 modify-instance-metadata-defaults --http-tokens required`.
    ///
    /// ## Default value
    /// Depends on the AMI and the account default; many AMIs still allow IMDSv1
    /// (`HttpTokens` = `optional`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceMetadataOptionsResponse.html
    pub struct Imdsv2Required {
        id: "aws-ec2-imdsv2-required",
        title: "Ensure that the EC2 Metadata Service only allows IMDSv2",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_INSTANCES],
    }
}

#[async_trait]
impl Audit for Imdsv2Required {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "EC2 instances",
            instances(account).await?,
            region_resource,
            |findings, region, instances| {
                for instance in instances {
                    if instance.http_endpoint.as_deref() == Some("disabled") {
                        findings.pass(&instance.arn, Some(region), "metadata endpoint disabled");
                    } else if instance.http_tokens.as_deref() == Some("required") {
                        findings.pass(&instance.arn, Some(region), "IMDSv2 required");
                    } else {
                        findings.fail(
                            &instance.arn,
                            Some(region),
                            format!(
                                "IMDSv1 allowed (HttpTokens {})",
                                instance.http_tokens.as_deref().unwrap_or("not set")
                            ),
                        );
                    }
                }
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::aws_ec2_instance_iam_roles::tests::{account, Fake};
    use aws_sdk_ec2::types::{HttpTokensState, InstanceMetadataEndpointState, InstanceStateName};
    use cisrun_core::Status;

    use HttpTokensState::{Optional, Required};
    use InstanceMetadataEndpointState::{Disabled, Enabled};
    use InstanceStateName::{Running, Stopped};

    #[tokio::test]
    async fn optional_tokens_fail_and_required_or_disabled_pass() {
        let account = account(vec![
            (
                "us-east-1",
                Some(vec![
                    Fake("i-1", Running, None, Required, Enabled),
                    Fake("i-2", Stopped, None, Optional, Disabled),
                ]),
            ),
            (
                "eu-west-1",
                Some(vec![Fake("i-3", Running, None, Optional, Enabled)]),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&Imdsv2Required, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "1 of 3 EC2 instances fail: arn:aws:ec2:eu-west-1:123456789012:instance/i-3 (eu-west-1)"
        );
        assert!(
            outcome.evidence[0].detail.contains("optional"),
            "{:?}",
            outcome.evidence[0]
        );
    }

    #[tokio::test]
    async fn required_everywhere_passes_and_a_denied_region_is_an_error_only_there() {
        let account = account(vec![
            (
                "us-east-1",
                Some(vec![Fake("i-1", Running, None, Required, Enabled)]),
            ),
            (
                "eu-west-1",
                Some(vec![Fake("i-2", Running, None, Required, Enabled)]),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&Imdsv2Required, &account).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(outcome.message, "all 2 EC2 instances pass");

        let account = tests_denied();
        let outcome = cisrun_core::testing::audit(&Imdsv2Required, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
    }

    fn tests_denied() -> AwsAccount {
        use crate::controls::aws_ec2_instance_iam_roles::tests::{account, Fake};
        use aws_sdk_ec2::types::{
            HttpTokensState, InstanceMetadataEndpointState, InstanceStateName,
        };
        account(vec![
            (
                "us-east-1",
                Some(vec![Fake(
                    "i-1",
                    InstanceStateName::Running,
                    None,
                    HttpTokensState::Required,
                    InstanceMetadataEndpointState::Enabled,
                )]),
            ),
            ("ap-south-1", None),
        ])
    }
}
