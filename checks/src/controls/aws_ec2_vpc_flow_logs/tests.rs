//! What moto cannot produce: a flow log that is not `ACTIVE`, and a region whose flow logs
//! cannot be read while its VPCs can.

use super::*;
use aws_sdk_ec2::operation::describe_flow_logs::{DescribeFlowLogsError, DescribeFlowLogsOutput};
use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
use aws_sdk_ec2::types::{
    FlowLog as SdkFlowLog, LogDestinationType, TrafficType as SdkTraffic, Vpc as SdkVpc,
};
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use cisrun_core::Status;

fn flow_log(id: &str, resource: &str, status: &str, traffic: SdkTraffic) -> SdkFlowLog {
    SdkFlowLog::builder()
        .flow_log_id(id)
        .resource_id(resource)
        .flow_log_status(status)
        .traffic_type(traffic)
        .log_destination_type(LogDestinationType::CloudWatchLogs)
        .log_group_name("flow")
        .deliver_logs_status("SUCCESS")
        .build()
}

/// An EC2 client of one region: its VPCs, and its flow logs (`None`: access denied).
fn ec2(vpc_ids: &[&str], logs: Option<Vec<SdkFlowLog>>) -> Client {
    let vpcs: Vec<SdkVpc> = vpc_ids
        .iter()
        .map(|id| {
            SdkVpc::builder()
                .vpc_id(*id)
                .cidr_block("10.0.0.0/16")
                .is_default(false)
                .build()
        })
        .collect();
    let describe_vpcs = mock!(Client::describe_vpcs).then_output(move || {
        DescribeVpcsOutput::builder()
            .set_vpcs(Some(vpcs.clone()))
            .build()
    });
    let describe_logs = match logs {
        Some(logs) => mock!(Client::describe_flow_logs).then_output(move || {
            DescribeFlowLogsOutput::builder()
                .set_flow_logs(Some(logs.clone()))
                .build()
        }),
        None => mock!(Client::describe_flow_logs).then_error(|| {
            DescribeFlowLogsError::generic(
                ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("denied")
                    .build(),
            )
        }),
    };
    mock_client!(
        aws_sdk_ec2,
        RuleMode::MatchAny,
        [&describe_vpcs, &describe_logs]
    )
}

fn account(regions: Vec<(&str, Client)>) -> AwsAccount {
    let iam = mock_client!(aws_sdk_iam, []);
    let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
    let account = AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names);
    regions
        .into_iter()
        .fold(account, |account, (region, client)| {
            account.with_client(region, client)
        })
}

async fn audit(account: &AwsAccount) -> Outcome {
    cisrun_core::testing::audit(&VpcFlowLogs, account).await
}

fn status_of<'a>(outcome: &'a Outcome, vpc: &str) -> (Option<Status>, &'a str) {
    outcome
        .evidence
        .iter()
        .find(|e| e.resource.ends_with(&format!("vpc/{vpc}")))
        .map(|e| (e.status, e.detail.as_str()))
        .unwrap_or((None, "not listed"))
}

#[tokio::test]
async fn an_inactive_flow_log_does_not_count() {
    let account = account(vec![(
        "eu-west-1",
        ec2(
            &["vpc-a"],
            Some(vec![flow_log("fl-1", "vpc-a", "INACTIVE", SdkTraffic::All)]),
        ),
    )]);
    let outcome = audit(&account).await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    let (status, detail) = status_of(&outcome, "vpc-a");
    assert_eq!(status, Some(Status::Fail));
    assert!(
        detail.contains("fl-1") && detail.contains("not active"),
        "{detail}"
    );
}

#[tokio::test]
async fn traffic_type_and_resource_decide() {
    let logs = vec![
        // Accepted traffic only: not what the text asks for.
        flow_log("fl-accept", "vpc-accept", "ACTIVE", SdkTraffic::Accept),
        flow_log("fl-reject", "vpc-reject", "ACTIVE", SdkTraffic::Reject),
        flow_log("fl-all", "vpc-all", "ACTIVE", SdkTraffic::All),
        // A subnet's flow log does not cover its VPC.
        flow_log("fl-subnet", "subnet-1", "ACTIVE", SdkTraffic::All),
    ];
    let account = account(vec![(
        "us-east-1",
        ec2(
            &["vpc-accept", "vpc-reject", "vpc-all", "vpc-subnet-only"],
            Some(logs),
        ),
    )]);
    let outcome = audit(&account).await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    let (accept, detail) = status_of(&outcome, "vpc-accept");
    assert_eq!(accept, Some(Status::Fail));
    assert!(detail.contains("ACCEPT traffic"), "{detail}");
    assert_eq!(status_of(&outcome, "vpc-reject").0, Some(Status::Pass));
    assert_eq!(status_of(&outcome, "vpc-all").0, Some(Status::Pass));
    let (subnet_only, detail) = status_of(&outcome, "vpc-subnet-only");
    assert_eq!(subnet_only, Some(Status::Fail));
    assert!(detail.contains("no flow log"), "{detail}");
}

#[tokio::test]
async fn unreadable_flow_logs_are_that_regions_error() {
    let account = account(vec![
        (
            "eu-west-1",
            ec2(
                &["vpc-a"],
                Some(vec![flow_log(
                    "fl-1",
                    "vpc-a",
                    "ACTIVE",
                    SdkTraffic::Reject,
                )]),
            ),
        ),
        ("ap-south-1", ec2(&["vpc-b"], None)),
    ]);
    let outcome = audit(&account).await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert!(
        outcome.message.contains("ap-south-1"),
        "{}",
        outcome.message
    );
    assert_eq!(
        outcome.error.and_then(|e| e.missing_permission).as_deref(),
        Some(DESCRIBE_FLOW_LOGS)
    );
}
