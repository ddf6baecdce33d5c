//! EC2 account settings and resources, per region.

use crate::aws::{AwsAccount, AwsError};
use crate::regions::InRegion;

/// The action that reads the EBS encryption default.
pub const GET_EBS_ENCRYPTION_BY_DEFAULT: &str = "ec2:GetEbsEncryptionByDefault";

/// Whether new EBS volumes are encrypted by default in one region.
pub async fn read_ebs_encryption_by_default(
    account: &AwsAccount,
    region: &str,
) -> Result<bool, AwsError> {
    let ec2 = account.client::<aws_sdk_ec2::Client>(region);
    let out = ec2
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(GET_EBS_ENCRYPTION_BY_DEFAULT, e))?;
    // The API always answers; a missing flag is treated as off, as the console shows it.
    Ok(out.ebs_encryption_by_default().unwrap_or(false))
}

/// The EBS encryption default in every region of the account, read once per run.
pub async fn ebs_encryption_by_default(
    account: &AwsAccount,
) -> Result<Vec<InRegion<bool>>, AwsError> {
    account
        .in_each_region(GET_EBS_ENCRYPTION_BY_DEFAULT, |region| async move {
            read_ebs_encryption_by_default(account, &region).await
        })
        .await
}

/// The action that lists instances.
pub const DESCRIBE_INSTANCES: &str = "ec2:DescribeInstances";

/// What the instance controls read of one EC2 instance.
#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    /// `arn:<partition>:ec2:<region>:<account>:instance/<id>`.
    pub arn: String,
    /// `pending`, `running`, `stopping` or `stopped`.
    pub state: String,
    /// The ARN of the attached instance profile, if any.
    pub instance_profile: Option<String>,
    /// `MetadataOptions.HttpTokens`: `required` (IMDSv2 only) or `optional`.
    pub http_tokens: Option<String>,
    /// `MetadataOptions.HttpEndpoint`: `enabled` or `disabled`.
    pub http_endpoint: Option<String>,
}

/// The instances of one region that are not terminated (or shutting down), every page.
pub async fn read_instances(account: &AwsAccount, region: &str) -> Result<Vec<Instance>, AwsError> {
    let ec2 = account.client::<aws_sdk_ec2::Client>(region);
    let mut pages = ec2
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-state-name")
                .values("pending")
                .values("running")
                .values("stopping")
                .values("stopped")
                .build(),
        )
        .into_paginator()
        .send();
    let mut instances = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk(DESCRIBE_INSTANCES, e))?;
        for reservation in page.reservations() {
            for instance in reservation.instances() {
                let Some(id) = instance.instance_id() else {
                    continue;
                };
                let state = instance
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                if state == "terminated" || state == "shutting-down" {
                    continue;
                }
                let metadata = instance.metadata_options();
                instances.push(Instance {
                    id: id.to_string(),
                    arn: format!(
                        "arn:{}:ec2:{region}:{}:instance/{id}",
                        account.partition, account.account_id
                    ),
                    state,
                    instance_profile: instance
                        .iam_instance_profile()
                        .and_then(|p| p.arn().or(p.id()))
                        .map(str::to_string),
                    http_tokens: metadata
                        .and_then(|m| m.http_tokens())
                        .map(|t| t.as_str().to_string()),
                    http_endpoint: metadata
                        .and_then(|m| m.http_endpoint())
                        .map(|t| t.as_str().to_string()),
                });
            }
        }
    }
    Ok(instances)
}

/// The instances of every region of the account, read once per run.
pub async fn instances(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Instance>>>, AwsError> {
    account
        .in_each_region(DESCRIBE_INSTANCES, |region| async move {
            read_instances(account, &region).await
        })
        .await
}
