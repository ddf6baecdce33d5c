//! EC2 instances, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

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
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let reservations = read_pages(
        account.max_pages(),
        DESCRIBE_INSTANCES,
        |token| async move {
            let page = ec2
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
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_INSTANCES, e))?;
            Ok(Page::new(page.reservations().to_vec(), page.next_token()))
        },
    )
    .await?;
    let mut instances = Vec::new();
    for reservation in &reservations {
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
    Ok(instances)
}

/// One region's instances.
const INSTANCES: DataKey<Vec<Instance>> = DataKey::new(DESCRIBE_INSTANCES);

/// The instances of every region of the account, read once per run.
pub async fn instances(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Instance>>>, AwsError> {
    account
        .in_each_region(&INSTANCES, |region| async move {
            read_instances(account, &region).await
        })
        .await
}
