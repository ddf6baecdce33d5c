//! CIS AWS Foundations: EC2 instances use IAM roles. Regional: every instance of every
//! enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::{instances, DESCRIBE_INSTANCES};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// EC2 instances that call AWS should get their credentials from an IAM role attached
    /// through an instance profile, not from access keys stored on the instance.
    ///
    /// ## Rationale
    /// Role credentials are temporary and rotated by AWS; keys copied onto an instance are
    /// long-lived, easy to leak with an image or a backup, and hard to find and rotate.
    ///
    /// ## Impact
    /// An instance profile must be created and attached; software on the instance must use
    /// the SDK's default credential chain instead of configured keys.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `ec2:DescribeInstances` (every page) lists the instances that
    /// are pending, running, stopping or stopped; terminated ones are ignored. Each must have
    /// an `IamInstanceProfile`.
    ///
    /// - One finding per instance, named by its ARN
    ///   (`arn:<partition>:ec2:<region>:<account>:instance/<id>`), with its region.
    /// - **fail** if any instance has no instance profile; otherwise **error** if a region
    ///   could not be read; otherwise **pass** (also when there are no instances).
    /// - cisrun cannot see whether software on an instance *uses* the role rather than
    ///   stored keys; an attached profile is what the benchmark's audit checks.
    ///
    /// ## Remediation
    /// No automatic fix: which role (and which permissions) an instance needs is a design
    /// decision. Create a role for the workload and attach it:
    /// `aws ec2 associate-iam-instance-profile --region <region> --instance-id <id>
    /// --iam-instance-profile Name=<profile>`, then remove stored keys from the instance.
    ///
    /// ## Default value
    /// Instances are launched without an instance profile unless one is named.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
    pub struct InstanceIamRoles {
        id: "aws-ec2-instance-iam-roles",
        title: "Ensure IAM instance roles are used for AWS resource access from instances",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_INSTANCES],
    }
}

#[async_trait]
impl Audit for InstanceIamRoles {
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
                    match &instance.instance_profile {
                        Some(profile) => findings.pass(
                            &instance.arn,
                            Some(region),
                            format!("instance profile {profile}"),
                        ),
                        None => findings.fail(
                            &instance.arn,
                            Some(region),
                            format!(
                                "{} instance without an IAM instance profile",
                                instance.state
                            ),
                        ),
                    }
                }
            },
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_sdk_ec2::operation::describe_instances::{
        DescribeInstancesError, DescribeInstancesOutput,
    };
    use aws_sdk_ec2::types::{
        HttpTokensState, IamInstanceProfile, Instance, InstanceMetadataEndpointState,
        InstanceMetadataOptionsResponse, InstanceState, InstanceStateName, Reservation,
    };
    use aws_sdk_ec2::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    /// A test instance: id, state, instance profile, HttpTokens, HttpEndpoint.
    pub(crate) struct Fake(
        pub &'static str,
        pub InstanceStateName,
        pub Option<&'static str>,
        pub HttpTokensState,
        pub InstanceMetadataEndpointState,
    );

    fn instance(fake: &Fake) -> Instance {
        let mut builder = Instance::builder()
            .instance_id(fake.0)
            .state(InstanceState::builder().name(fake.1.clone()).build())
            .metadata_options(
                InstanceMetadataOptionsResponse::builder()
                    .http_tokens(fake.3.clone())
                    .http_endpoint(fake.4.clone())
                    .build(),
            );
        if let Some(profile) = fake.2 {
            builder =
                builder.iam_instance_profile(IamInstanceProfile::builder().arn(profile).build());
        }
        builder.build()
    }

    /// An EC2 client listing `instances` (over two pages), or denying the call (`None`).
    pub(crate) fn ec2_listing(instances: Option<Vec<Fake>>) -> Client {
        let rules = match instances {
            Some(instances) => {
                let mut all: Vec<Instance> = instances.iter().map(instance).collect();
                let second = all.split_off(all.len() / 2);
                let first = all;
                vec![
                    mock!(Client::describe_instances)
                        .match_requests(|r| r.next_token().is_none())
                        .then_output(move || {
                            DescribeInstancesOutput::builder()
                                .reservations(
                                    Reservation::builder()
                                        .set_instances(Some(first.clone()))
                                        .build(),
                                )
                                .next_token("page-2")
                                .build()
                        }),
                    mock!(Client::describe_instances)
                        .match_requests(|r| r.next_token() == Some("page-2"))
                        .then_output(move || {
                            DescribeInstancesOutput::builder()
                                .reservations(
                                    Reservation::builder()
                                        .set_instances(Some(second.clone()))
                                        .build(),
                                )
                                .build()
                        }),
                ]
            }
            None => vec![mock!(Client::describe_instances).then_error(|| {
                DescribeInstancesError::generic(
                    ErrorMetadata::builder()
                        .code("UnauthorizedOperation")
                        .message("denied")
                        .build(),
                )
            })],
        };
        let refs: Vec<&aws_smithy_mocks::Rule> = rules.iter().collect();
        mock_client!(
            aws_sdk_ec2,
            aws_smithy_mocks::RuleMode::MatchAny,
            refs.as_slice()
        )
    }

    pub(crate) fn account(regions: Vec<(&str, Option<Vec<Fake>>)>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, instances)| account.with_client(region, ec2_listing(instances)),
        )
    }

    use HttpTokensState::{Optional, Required};
    use InstanceMetadataEndpointState::Enabled;
    use InstanceStateName::{Running, Stopped};

    #[tokio::test]
    async fn an_instance_without_a_profile_fails_in_its_region() {
        let account = account(vec![
            (
                "us-east-1",
                Some(vec![
                    Fake(
                        "i-1",
                        Running,
                        Some("arn:aws:iam::123456789012:instance-profile/app"),
                        Required,
                        Enabled,
                    ),
                    Fake(
                        "i-2",
                        Stopped,
                        Some("arn:aws:iam::123456789012:instance-profile/app"),
                        Required,
                        Enabled,
                    ),
                ]),
            ),
            (
                "eu-west-1",
                Some(vec![Fake("i-3", Stopped, None, Optional, Enabled)]),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&InstanceIamRoles, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 3);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-3"
        );
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("eu-west-1"));
    }

    #[tokio::test]
    async fn a_denied_region_is_an_error_only_there() {
        let account = account(vec![
            (
                "us-east-1",
                Some(vec![Fake(
                    "i-1",
                    Running,
                    Some("arn:aws:iam::123456789012:instance-profile/app"),
                    Optional,
                    Enabled,
                )]),
            ),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&InstanceIamRoles, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.message.contains(DESCRIBE_INSTANCES),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.evidence[1].status, Some(Status::Pass));
    }

    #[tokio::test]
    async fn no_instances_pass() {
        let account = account(vec![
            ("us-east-1", Some(vec![])),
            ("eu-west-1", Some(vec![])),
        ]);
        let outcome = cisrun_core::testing::audit(&InstanceIamRoles, &account).await;
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.message, "no EC2 instances found");
    }
}
