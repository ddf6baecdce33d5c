//! CIS AWS Foundations: VPC flow logs in every VPC of every region. The audit here, the
//! remediation parameters in `parameters.rs`, the (unsafe) fix in `fix.rs`.

mod fix;
mod parameters;
#[cfg(test)]
mod tests;

pub use fix::CreateFlowLogs;
pub use parameters::{FlowLogDestination, FlowLogParameters, TrafficType};

use std::sync::Arc;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Findings, Input, Outcome};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::ec2::{flow_logs, vpcs, FlowLog, Vpc, DESCRIBE_FLOW_LOGS, DESCRIBE_VPCS};
use crate::regions::{region_resource, regional_outcome, InRegion, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// A VPC flow log records the IP traffic to and from the network interfaces of a VPC
    /// and delivers it to CloudWatch Logs, S3 or Kinesis Data Firehose. The benchmark asks
    /// for a flow log that records rejected packets in every VPC.
    ///
    /// ## Rationale
    /// Flow logs show what traffic crossed the network, and what was refused: evidence for
    /// detecting anomalies and for reconstructing an incident.
    ///
    /// ## Impact
    /// Storage and ingestion cost for the logs. CloudWatch Logs keeps log groups forever
    /// unless a retention period is set; choose one long enough to investigate a breach
    /// found months later (the benchmark suggests at least 365 days), or archive to S3.
    ///
    /// ## Audit
    /// In every region enabled for the account (narrowed by the profile's `regions:`),
    /// cisrun lists the VPCs (`ec2:DescribeVpcs`) and the flow logs (`ec2:DescribeFlowLogs`,
    /// one paginated listing per region, not one per VPC), and judges each VPC, default
    /// VPCs included:
    ///
    /// - **pass** when a flow log on the VPC itself has `FlowLogStatus` `ACTIVE` (the
    ///   *Status* column the text checks) and traffic type `REJECT` or `ALL`: the text asks
    ///   for flow logs "for packet Rejects", and `ALL` records rejects too.
    /// - **fail** when the VPC has no flow log, or only flow logs that are not active or
    ///   record `ACCEPT` traffic alone; the evidence names each flow log and why it does not
    ///   count. Flow logs on subnets or network interfaces do not cover the VPC.
    /// - A region that cannot be read (either listing) is an **error** naming the region and
    ///   the action, never a pass; a failing VPC elsewhere still fails the control.
    /// - The delivery status (`DeliverLogsStatus`) is shown in the evidence but does not
    ///   decide: the text checks the flow log's status only.
    /// - Prowler skips VPCs without network interfaces (unless told to scan unused
    ///   services), accepts any flow log whatever its status and traffic type, and asks for
    ///   flow logs once per VPC.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply --unsafe-fixes` creates one flow log per failing VPC
    /// (`ec2:CreateFlowLogs`), to the destination the profile names, recording `REJECT`
    /// traffic (or `ALL` with `traffic_type: ALL`):
    ///
    /// ```yaml
    /// parameters:
    ///   aws-ec2-vpc-flow-logs:
    ///     log_group: vpc-flow-logs                  # CloudWatch Logs, in each VPC's region
    ///     deliver_logs_role_arn: arn:aws:iam::123456789012:role/flow-logs-delivery
    ///     # s3_bucket_arn: arn:aws:s3:::my-flow-logs  # or S3, instead of the two above
    ///     traffic_type: REJECT                      # or ALL
    /// ```
    ///
    /// The fix is *unsafe*: flow logs cost money per gigabyte, and the destination's
    /// permissions (the delivery role, the bucket policy) are outside what cisrun checks.
    /// Each flow log is tagged `cisrun:created-by=aws-ec2-vpc-flow-logs` and with a token
    /// of its own step; the journal records the id AWS gave it, and rollback deletes exactly
    /// those flow logs, nothing else. By hand: *VPC* > *Your VPCs* > the VPC > *Flow logs* >
    /// *Create flow log*, filter *Reject*, or
    /// `aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type REJECT --log-group-name <group> --deliver-logs-permission-arn <role-arn>`.
    ///
    /// ## Default value
    /// No VPC has a flow log.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html
    pub struct VpcFlowLogs {
        id: "aws-ec2-vpc-flow-logs",
        title: "Ensure VPC flow logging is enabled in all VPCs",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_VPCS, DESCRIBE_FLOW_LOGS],
        parameters: FlowLogParameters,
        fix: CreateFlowLogs,
    }
}

/// One region's VPCs beside its flow logs.
#[derive(Debug)]
pub(crate) struct RegionNetwork {
    pub vpcs: Arc<Vec<Vpc>>,
    pub flow_logs: Arc<Vec<FlowLog>>,
}

/// Each region's VPCs and flow logs, read concurrently; a region where either listing
/// failed is that region's error.
pub(crate) async fn region_networks(
    account: &AwsAccount,
) -> Result<Vec<InRegion<RegionNetwork>>, AwsError> {
    let (vpcs, logs) = futures::join!(vpcs(account), flow_logs(account));
    let (vpcs, logs) = (vpcs?, logs?);
    Ok(vpcs
        .into_iter()
        .map(|region| {
            let logs = logs
                .iter()
                .find(|l| l.region == region.region)
                .map(|l| l.data.clone());
            let data = match (region.data, logs) {
                (Ok(vpcs), Some(Ok(flow_logs))) => Ok(Arc::new(RegionNetwork { vpcs, flow_logs })),
                (Err(error), _) | (_, Some(Err(error))) => Err(error),
                // Both listings cover the same regions; a missing one is read as unread.
                (Ok(_), None) => Err(AwsError {
                    code: "InternalError".to_string(),
                    message: format!("flow logs of {} were not listed", region.region),
                    action: DESCRIBE_FLOW_LOGS.to_string(),
                    access_denied: false,
                }),
            };
            InRegion {
                region: region.region,
                data,
            }
        })
        .collect())
}

/// A flow log that meets the text: active, and recording rejected packets.
pub(crate) fn qualifies(log: &FlowLog) -> bool {
    log.status.as_deref() == Some("ACTIVE")
        && matches!(log.traffic_type.as_deref(), Some("REJECT" | "ALL"))
}

/// Why a flow log on the VPC does not count.
fn shortfall(log: &FlowLog) -> String {
    let mut reasons = Vec::new();
    if log.status.as_deref() != Some("ACTIVE") {
        reasons.push(format!(
            "is not active (status {})",
            log.status.as_deref().unwrap_or("missing")
        ));
    }
    if !matches!(log.traffic_type.as_deref(), Some("REJECT" | "ALL")) {
        reasons.push(format!(
            "records {} traffic, not rejected packets",
            log.traffic_type.as_deref().unwrap_or("no")
        ));
    }
    format!("{} {}", log.label(), reasons.join(" and "))
}

/// The verdict on one VPC, from the flow logs of its region.
pub(crate) fn judge_vpc(findings: &mut Findings, region: &str, vpc: &Vpc, logs: &[FlowLog]) {
    let own: Vec<&FlowLog> = logs.iter().filter(|l| l.resource_id == vpc.id).collect();
    if let Some(log) = own.iter().find(|l| qualifies(l)) {
        let delivery = log
            .deliver_status
            .as_deref()
            .map(|s| format!(", delivery {s}"))
            .unwrap_or_default();
        findings.pass(
            &vpc.arn,
            Some(region),
            format!("{}: active flow log {}{delivery}", vpc.label(), log.label()),
        );
    } else if own.is_empty() {
        findings.fail(
            &vpc.arn,
            Some(region),
            format!("{}: no flow log", vpc.label()),
        );
    } else {
        let why: Vec<String> = own.iter().map(|l| shortfall(l)).collect();
        findings.fail(
            &vpc.arn,
            Some(region),
            format!(
                "{}: no active flow log of rejected traffic: {}",
                vpc.label(),
                why.join("; ")
            ),
        );
    }
}

#[async_trait]
impl Audit for VpcFlowLogs {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, FlowLogParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "VPCs",
            region_networks(account).await?,
            region_resource,
            |findings, region, network| {
                for vpc in network.vpcs.iter() {
                    judge_vpc(findings, region, vpc, &network.flow_logs);
                }
            },
        ))
    }
}
