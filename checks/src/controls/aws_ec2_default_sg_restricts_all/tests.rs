//! The default security group control against `aws-smithy-mocks` answers: only default
//! groups are judged, any rule fails them, and the fix strips both directions.

use cisrun_core::{Input, Remediation, Status};

use super::*;
use crate::controls::aws_ec2_sg_no_admin_ports_ipv4::tests::{account, group, Region};
use crate::data::ec2::security_groups::testing::{rule, Peer};

fn seeded() -> AwsAccount {
    let mut unused_default = group("sg-3", "default");
    unused_default.vpc_id = Some("vpc-2".into());
    account(vec![(
        "us-east-1",
        Region {
            groups: vec![
                group("sg-1", "default"),
                group("sg-2", "web"),
                unused_default,
            ],
            rules: Some(vec![
                // The rules EC2 gives a new VPC's default group.
                rule("sgr-1", "sg-1", false, "-1", None, Peer::Group("sg-1")),
                rule("sgr-2", "sg-1", true, "-1", None, Peer::Cidr("0.0.0.0/0")),
                rule(
                    "sgr-3",
                    "sg-2",
                    false,
                    "tcp",
                    Some((443, 443)),
                    Peer::Cidr("0.0.0.0/0"),
                ),
            ]),
            lists: vec![],
        },
    )])
}

#[tokio::test]
async fn a_default_group_with_any_rule_fails_and_one_without_passes() {
    let outcome = cisrun_core::testing::audit(&DefaultSgRestrictsAll, &seeded()).await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert_eq!(
        outcome.message,
        "1 of 2 default security groups fail: \
         arn:aws:ec2:us-east-1:123456789012:security-group/sg-1 (us-east-1)"
    );
    let failed = &outcome.evidence[0];
    assert_eq!(
        failed.detail,
        "sg-1 (\"default\", in vpc-1): 1 inbound and 1 outbound rule(s): \
         sgr-1: all traffic from group sg-1; sgr-2: all traffic to 0.0.0.0/0"
    );
    assert_eq!(outcome.evidence.len(), 2, "the web group is not judged");
}

#[tokio::test]
async fn the_plan_revokes_every_inbound_then_every_outbound_rule() {
    let input = Input {
        parameters: &cisrun_core::NoParameters {},
        version: "v3.0.0",
    };
    let plan = fix::FIX.plan(&seeded(), input).await.expect("a plan");
    let steps: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.action.as_str(), s.resource.as_str()))
        .collect();
    let arn = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1";
    assert_eq!(
        steps,
        [
            ("ec2:RevokeSecurityGroupIngress", arn),
            ("ec2:RevokeSecurityGroupEgress", arn)
        ]
    );
    assert_eq!(
        plan.steps[0].data["rules"][0]["SecurityGroupRuleId"],
        "sgr-1"
    );
    assert_eq!(
        plan.steps[0].data["rules"][0]["ReferencedGroupInfo"]["GroupId"],
        "sg-1"
    );
    assert!(
        plan.steps[1].summary.contains("vpc-1"),
        "{}",
        plan.steps[1].summary
    );
}
