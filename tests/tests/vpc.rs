//! VPC controls end to end against moto: flow logs judged VPC by VPC in several regions (with
//! one `DescribeFlowLogs` per region), the unsafe flow-log fix applied and rolled back
//! exactly, and the evidence of the manual VPC and web front-end recommendations.

use std::collections::BTreeMap;

use cisrun_e2e::vpc_seed;
use cisrun_e2e::{
    finding_rows, outcome_status as status, profile_yaml, seed, ControlCase, FaultProxy,
};
use serde_json::Value;

const FLOW_LOGS: &str = "aws-ec2-vpc-flow-logs";

/// The regions these tests read.
const REGIONS: &[&str] = &["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];

fn vpc_arn(region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{}:vpc/{id}", seed::ACCOUNT)
}

/// Each finding's (region, status) by resource.
fn findings(result: &Value) -> BTreeMap<String, (String, String)> {
    finding_rows(result)
        .into_iter()
        .map(|(resource, region, status)| (resource, (region, status)))
        .collect()
}

fn finding(region: &str, status: &str) -> (String, String) {
    (region.to_string(), status.to_string())
}

/// A finding's detail text.
fn detail<'a>(result: &'a Value, resource: &str) -> &'a str {
    result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["resource"] == resource)
        .and_then(|e| e["detail"].as_str())
        .unwrap_or_else(|| panic!("{resource} not in {result:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn flow_logs_pass_and_fail_vpc_by_vpc_in_every_region_with_one_listing_per_region() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let mut default = BTreeMap::new();
    for region in REGIONS {
        default.insert(*region, vpc_seed::default_vpc(endpoint, region).await);
    }
    vpc_seed::flow_log(endpoint, "eu-west-1", &default["eu-west-1"], "REJECT").await;
    vpc_seed::flow_log(endpoint, "us-east-1", &default["us-east-1"], "ALL").await;
    // Accepted traffic only: not the rejected packets the text asks for.
    vpc_seed::flow_log(endpoint, "eu-central-1", &default["eu-central-1"], "ACCEPT").await;
    // A second VPC beside a compliant default one, with no flow log.
    let bare = vpc_seed::vpc(endpoint, "eu-west-1", "10.20.0.0/16").await;

    let proxy = FaultProxy::start(case.moto.port);
    let result = &case.audit_at(
        &proxy.endpoint,
        &profile_yaml("v3.0.0", &[FLOW_LOGS], REGIONS, ""),
    )[FLOW_LOGS];
    assert_eq!(status(result), "fail", "{result:#}");
    let rows = findings(result);
    assert_eq!(rows.len(), 5, "{rows:#?}");
    assert_eq!(
        rows[&vpc_arn("eu-west-1", &default["eu-west-1"])],
        finding("eu-west-1", "pass")
    );
    assert_eq!(
        rows[&vpc_arn("us-east-1", &default["us-east-1"])],
        finding("us-east-1", "pass")
    );
    assert_eq!(
        rows[&vpc_arn("eu-west-1", &bare)],
        finding("eu-west-1", "fail")
    );
    let accept_only = vpc_arn("eu-central-1", &default["eu-central-1"]);
    assert_eq!(rows[&accept_only], finding("eu-central-1", "fail"));
    assert!(
        detail(result, &accept_only).contains("records ACCEPT traffic"),
        "{result:#}"
    );
    let none = vpc_arn("us-west-2", &default["us-west-2"]);
    assert_eq!(rows[&none], finding("us-west-2", "fail"));
    assert!(detail(result, &none).contains("no flow log"), "{result:#}");
    // One listing per region, not one per VPC (eu-west-1 has two VPCs).
    assert_eq!(
        proxy.count("DescribeFlowLogs"),
        REGIONS.len(),
        "{:?}",
        proxy.actions()
    );
    assert_eq!(
        proxy.count("DescribeVpcs"),
        REGIONS.len(),
        "{:?}",
        proxy.actions()
    );
}

/// The flow-log fix's parameters: a CloudWatch Logs destination.
const DESTINATION: &str = "  aws-ec2-vpc-flow-logs:\n    log_group: cisrun-flow-logs\n    deliver_logs_role_arn: arn:aws:iam::123456789012:role/flow-logs-delivery\n";

#[tokio::test(flavor = "multi_thread")]
async fn the_unsafe_fix_creates_flow_logs_where_missing_and_rollback_deletes_exactly_those() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let regions = &REGIONS[..2];
    let west = vpc_seed::default_vpc(endpoint, "eu-west-1").await;
    let central = vpc_seed::default_vpc(endpoint, "eu-central-1").await;
    let kept = vpc_seed::flow_log(endpoint, "eu-west-1", &west, "REJECT").await;
    let accept_only = vpc_seed::flow_log(endpoint, "eu-central-1", &central, "ACCEPT").await;

    // No destination: the plan cannot name one, and says which parameters to give.
    let bare = profile_yaml("v3.0.0", &[FLOW_LOGS], regions, "");
    let profile = case.profile(&bare);
    let plan = case.cisrun(&["remediate", "--profile", profile.to_str().expect("utf-8")]);
    assert!(plan.stdout.contains("deliver_logs_role_arn"), "{plan:?}");

    let yaml = profile_yaml("v3.0.0", &[FLOW_LOGS], regions, DESTINATION);
    let profile = case.profile(&yaml);
    let plan = case.cisrun(&["remediate", "--profile", profile.to_str().expect("utf-8")]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(plan.stdout.contains(&central), "{}", plan.stdout);
    assert!(!plan.stdout.contains(&west), "{}", plan.stdout);

    // Unsafe: without --unsafe-fixes nothing is created.
    let safe_only = case.apply(&yaml, &[]);
    assert_eq!(safe_only.code, 1, "{safe_only:?}");
    assert_eq!(
        vpc_seed::flow_logs_of(endpoint, "eu-central-1", &central).await,
        vec![accept_only.clone()]
    );
    let _ = std::fs::remove_file(case.journal());

    let applied = case.apply(&yaml, &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let after = vpc_seed::flow_logs_of(endpoint, "eu-central-1", &central).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        vpc_seed::flow_logs_of(endpoint, "eu-west-1", &west).await,
        vec![kept.clone()],
        "a compliant VPC is left alone"
    );
    let journal = std::fs::read_to_string(case.journal()).expect("journal");
    let created: Vec<&String> = after.iter().filter(|id| **id != accept_only).collect();
    assert!(journal.contains(created[0].as_str()), "{journal}");
    assert_eq!(status(&case.audit(&yaml)[FLOW_LOGS]), "pass");

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert_eq!(
        vpc_seed::flow_logs_of(endpoint, "eu-central-1", &central).await,
        [accept_only],
        "rollback deletes the created flow log, not the one that was there"
    );
    assert_eq!(
        vpc_seed::flow_logs_of(endpoint, "eu-west-1", &west).await,
        [kept]
    );
}
