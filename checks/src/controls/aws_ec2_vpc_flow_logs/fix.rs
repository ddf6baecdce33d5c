//! The fix: a flow log for each VPC that lacks one, to the destination the profile names.
//! Unsafe: flow logs cost money, and their destination's permissions are outside what
//! cisrun checks.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Filter, FlowLogsResourceType, LogDestinationType, ResourceType, Tag, TagSpecification,
};
use cisrun_core::{ErrorDetail, FixSafety, Input, Plan, Remediation, RemediationError, Step};
use serde::{Deserialize, Serialize};

use super::parameters::{FlowLogDestination, FlowLogParameters};
use super::{qualifies, region_networks, VpcFlowLogs};
use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::ec2::read_flow_logs;

/// The tag cisrun puts on every flow log it creates.
pub const MARKER_TAG_KEY: &str = "cisrun:created-by";
/// The tag that ties a flow log to the one step that created it: rollback deletes the
/// flow logs carrying its step's token, and nothing else.
pub const TOKEN_TAG_KEY: &str = "cisrun:fix-token";

const CREATE: &str = "ec2:CreateFlowLogs";
const DELETE: &str = "ec2:DeleteFlowLogs";
const CREATE_TAGS: &str = "ec2:CreateTags";
const PASS_ROLE: &str = "iam:PassRole";
const CREATE_LOG_DELIVERY: &str = "logs:CreateLogDelivery";
const DELETE_LOG_DELIVERY: &str = "logs:DeleteLogDelivery";

/// The fix: one `CreateFlowLogs` per VPC without a qualifying flow log.
pub struct CreateFlowLogs;

/// What a step records: the VPC, what the flow log records, where it delivers, and the
/// token it is tagged with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FlowLogStep {
    region: String,
    vpc_id: String,
    traffic_type: String,
    destination: FlowLogDestination,
    token: String,
}

fn step_of(step: &Step) -> Result<FlowLogStep, RemediationError> {
    step.data_as::<FlowLogStep>()
}

/// The flow logs the step created: those tagged with its token.
async fn created_by(
    account: &AwsAccount,
    step: &FlowLogStep,
) -> Result<Vec<String>, RemediationError> {
    let filter = Filter::builder()
        .name(format!("tag:{TOKEN_TAG_KEY}"))
        .values(&step.token)
        .build();
    let mut ids: Vec<String> = read_flow_logs(account, &step.region, vec![filter])
        .await?
        .into_iter()
        .filter(|l| l.resource_id == step.vpc_id)
        .map(|l| l.id)
        .collect();
    ids.sort();
    Ok(ids)
}

/// An item of `Unsuccessful` in a CreateFlowLogs or DeleteFlowLogs answer: the call
/// answered 200 but did not do it.
fn unsuccessful(
    action: &str,
    items: &[aws_sdk_ec2::types::UnsuccessfulItem],
) -> Option<RemediationError> {
    let item = items.first()?;
    let error = item.error();
    Some(RemediationError::Provider(ErrorDetail {
        code: error
            .and_then(|e| e.code())
            .unwrap_or("Unsuccessful")
            .to_string(),
        message: format!(
            "{action} on {}: {}",
            item.resource_id().unwrap_or("a resource"),
            error
                .and_then(|e| e.message())
                .unwrap_or("AWS reported the item unsuccessful")
        ),
        missing_permission: None,
    }))
}

#[async_trait]
impl Remediation<AwsAccount, FlowLogParameters> for CreateFlowLogs {
    fn safety(&self) -> FixSafety {
        // It costs money per gigabyte, and delivery depends on permissions cisrun cannot see.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            CREATE,
            DELETE,
            CREATE_TAGS,
            PASS_ROLE,
            CREATE_LOG_DELIVERY,
            DELETE_LOG_DELIVERY,
        ]
    }

    fn check_parameters(&self, parameters: &FlowLogParameters) -> Result<(), String> {
        // Checked when the profile was read; the destination itself is needed only by a
        // plan with something to create (an audit-only profile names none).
        parameters.destination().map(drop)
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, FlowLogParameters>,
    ) -> Result<Plan, RemediationError> {
        let regions = region_networks(account).await?;
        let mut lacking = Vec::new();
        for region in regions {
            // A region the fix cannot read is not one it may change blindly.
            let network = region.data?;
            for vpc in network.vpcs.iter() {
                let covered = network
                    .flow_logs
                    .iter()
                    .any(|l| l.resource_id == vpc.id && qualifies(l));
                if !covered {
                    lacking.push((region.region.clone(), vpc.clone()));
                }
            }
        }
        if lacking.is_empty() {
            return Ok(Plan::nothing_to_do(
                "already compliant: every VPC has an active flow log of rejected traffic",
            ));
        }
        let destination = input
            .parameters
            .required_destination()
            .map_err(RemediationError::Parameters)?;
        let traffic = input.parameters.traffic_type.as_str();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ");
        let steps: Vec<Step> = lacking
            .iter()
            .map(|(region, vpc)| Step {
                action: CREATE.to_string(),
                resource: vpc.arn.clone(),
                summary: format!(
                    "create a {traffic} flow log for {} in {region}, delivering to {}",
                    vpc.label(),
                    destination.label()
                ),
                data: serde_json::json!(FlowLogStep {
                    region: region.clone(),
                    vpc_id: vpc.id.clone(),
                    traffic_type: traffic.to_string(),
                    destination: destination.clone(),
                    token: format!("{}-{stamp}", vpc.id),
                }),
            })
            .collect();
        let explanation = format!(
            "create {} flow log(s) recording {traffic} traffic, delivering to {}",
            steps.len(),
            destination.label()
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let flow = step_of(step)?;
        let created = created_by(account, &flow).await?;
        Ok(serde_json::json!({
            "region": flow.region,
            "vpc_id": flow.vpc_id,
            "flow_logs_created": created,
        }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let flow = step_of(step)?;
        let ec2 = account.client::<aws_sdk_ec2::Client>(&flow.region);
        let tags = TagSpecification::builder()
            .resource_type(ResourceType::VpcFlowLog)
            .tags(
                Tag::builder()
                    .key(MARKER_TAG_KEY)
                    .value(VpcFlowLogs::META.id)
                    .build(),
            )
            .tags(Tag::builder().key(TOKEN_TAG_KEY).value(&flow.token).build())
            .build();
        let request = ec2
            .create_flow_logs()
            .resource_type(FlowLogsResourceType::Vpc)
            .resource_ids(&flow.vpc_id)
            .traffic_type(flow.traffic_type.as_str().into())
            .tag_specifications(tags);
        let request = match &flow.destination {
            FlowLogDestination::CloudWatchLogs {
                log_group,
                role_arn,
            } => request
                .log_destination_type(LogDestinationType::CloudWatchLogs)
                .log_group_name(log_group)
                .deliver_logs_permission_arn(role_arn),
            FlowLogDestination::S3 { bucket_arn } => request
                .log_destination_type(LogDestinationType::S3)
                .log_destination(bucket_arn),
        };
        let out = request
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(CREATE, e))?;
        if let Some(error) = unsuccessful(CREATE, out.unsuccessful()) {
            return Err(error);
        }
        if out.flow_log_ids().is_empty() {
            return Err(RemediationError::Provider(ErrorDetail {
                code: "NoFlowLogCreated".to_string(),
                message: format!("{CREATE} on {} returned no flow log id", flow.vpc_id),
                missing_permission: None,
            }));
        }
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let flow = step_of(step)?;
        let created = created_by(account, &flow).await?;
        if created.is_empty() {
            return Ok(());
        }
        let ec2 = account.client::<aws_sdk_ec2::Client>(&flow.region);
        let out = ec2
            .delete_flow_logs()
            .set_flow_log_ids(Some(created))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(DELETE, e))?;
        match unsuccessful(DELETE, out.unsuccessful()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
