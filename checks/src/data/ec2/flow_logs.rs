//! VPC flow logs, per region: one paginated `DescribeFlowLogs` per region, whatever the
//! number of VPCs.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

/// The action that lists flow logs.
pub const DESCRIBE_FLOW_LOGS: &str = "ec2:DescribeFlowLogs";

/// What the flow-log control reads of one flow log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLog {
    /// `fl-...`.
    pub id: String,
    /// The VPC, subnet or network interface it records.
    pub resource_id: String,
    /// `FlowLogStatus`: `ACTIVE` is the only status AWS documents.
    pub status: Option<String>,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: Option<String>,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose`.
    pub destination_type: Option<String>,
    /// The log group's name or the destination's ARN.
    pub destination: Option<String>,
    /// `DeliverLogsStatus`: `SUCCESS`, `FAILED` or `SKIPPED`.
    pub deliver_status: Option<String>,
}

impl FlowLog {
    /// `fl-1 (ALL, cloud-watch-logs group-name)`.
    pub fn label(&self) -> String {
        format!(
            "{} ({}, {} {})",
            self.id,
            self.traffic_type.as_deref().unwrap_or("no traffic type"),
            self.destination_type.as_deref().unwrap_or("destination"),
            self.destination.as_deref().unwrap_or("unnamed")
        )
    }
}

fn from_sdk(log: &aws_sdk_ec2::types::FlowLog) -> Option<FlowLog> {
    Some(FlowLog {
        id: log.flow_log_id()?.to_string(),
        resource_id: log.resource_id()?.to_string(),
        status: log.flow_log_status().map(str::to_string),
        traffic_type: log.traffic_type().map(|t| t.as_str().to_string()),
        destination_type: log.log_destination_type().map(|t| t.as_str().to_string()),
        destination: log
            .log_group_name()
            .or(log.log_destination())
            .map(str::to_string),
        deliver_status: log.deliver_logs_status().map(str::to_string),
    })
}

/// The flow logs of one region matching `filters` (none: all of them), every page.
pub async fn read_flow_logs(
    account: &AwsAccount,
    region: &str,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<FlowLog>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let filters = &filters;
    let logs = read_pages(
        account.max_pages(),
        DESCRIBE_FLOW_LOGS,
        |token| async move {
            let page = ec2
                .describe_flow_logs()
                .set_filter((!filters.is_empty()).then(|| filters.clone()))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_FLOW_LOGS, e))?;
            Ok(Page::new(page.flow_logs().to_vec(), page.next_token()))
        },
    )
    .await?;
    Ok(logs.iter().filter_map(from_sdk).collect())
}

/// One region's flow logs.
const FLOW_LOGS: DataKey<Vec<FlowLog>> = DataKey::new(DESCRIBE_FLOW_LOGS);

/// Every flow log of every region of the account, read once per run.
pub async fn flow_logs(account: &AwsAccount) -> Result<Vec<InRegion<Vec<FlowLog>>>, AwsError> {
    account
        .in_each_region(&FLOW_LOGS, |region| async move {
            read_flow_logs(account, &region, Vec::new()).await
        })
        .await
}
