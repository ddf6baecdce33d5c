//! The network ACL control against `aws-smithy-mocks` answers: ACLs over two pages, the
//! rule-number evidence, a denied region, and the plan of the fix.

use aws_sdk_ec2::operation::describe_network_acls::{
    DescribeNetworkAclsError, DescribeNetworkAclsOutput,
};
use aws_sdk_ec2::types::{NetworkAcl as SdkAcl, NetworkAclAssociation};
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use cisrun_core::{Input, Remediation, Status};

use super::*;
use crate::data::ec2::network_acls::testing::entry;
use crate::data::ec2::network_acls::CATCH_ALL_RULE;

fn acl(id: &str, default: bool, entries: Vec<aws_sdk_ec2::types::NetworkAclEntry>) -> SdkAcl {
    SdkAcl::builder()
        .network_acl_id(id)
        .vpc_id("vpc-1")
        .is_default(default)
        .associations(
            NetworkAclAssociation::builder()
                .subnet_id("subnet-1")
                .build(),
        )
        .set_entries(Some(entries))
        .build()
}

/// An EC2 client listing `acls` over two pages, or denying the listing (`None`).
fn ec2(acls: Option<Vec<SdkAcl>>) -> Client {
    let rules: Vec<Rule> = match acls {
        Some(mut first) => {
            let second = first.split_off(first.len() / 2);
            vec![
                mock!(Client::describe_network_acls)
                    .match_requests(|r| r.next_token().is_none())
                    .then_output(move || {
                        DescribeNetworkAclsOutput::builder()
                            .set_network_acls(Some(first.clone()))
                            .next_token("acls-2")
                            .build()
                    }),
                mock!(Client::describe_network_acls)
                    .match_requests(|r| r.next_token() == Some("acls-2"))
                    .then_output(move || {
                        DescribeNetworkAclsOutput::builder()
                            .set_network_acls(Some(second.clone()))
                            .build()
                    }),
            ]
        }
        None => vec![mock!(Client::describe_network_acls).then_error(|| {
            DescribeNetworkAclsError::generic(
                ErrorMetadata::builder()
                    .code("UnauthorizedOperation")
                    .message("denied")
                    .build(),
            )
        })],
    };
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_ec2, RuleMode::MatchAny, refs.as_slice())
}

fn account(regions: Vec<(&str, Option<Vec<SdkAcl>>)>) -> AwsAccount {
    let iam = mock_client!(aws_sdk_iam, []);
    let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
    regions.into_iter().fold(
        AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
        |account, (region, acls)| account.with_client(region, ec2(acls)),
    )
}

fn default_acl(id: &str) -> SdkAcl {
    acl(
        id,
        true,
        vec![
            entry(100, true, "-1", None, "0.0.0.0/0"),
            entry(CATCH_ALL_RULE, false, "-1", None, "0.0.0.0/0"),
        ],
    )
}

fn seeded() -> AwsAccount {
    account(vec![(
        "us-east-1",
        Some(vec![
            default_acl("acl-1"),
            // A deny above the allow: shadowed, still a finding.
            acl(
                "acl-2",
                false,
                vec![
                    entry(90, false, "6", Some((22, 22)), "0.0.0.0/0"),
                    entry(100, true, "6", Some((22, 22)), "0.0.0.0/0"),
                ],
            ),
            // UDP 3389 from IPv6.
            acl(
                "acl-3",
                false,
                vec![entry(100, true, "17", Some((3389, 3389)), "::/0")],
            ),
            // Only narrower sources, ICMP and other ports.
            acl(
                "acl-4",
                false,
                vec![
                    entry(100, true, "6", Some((22, 22)), "10.0.0.0/8"),
                    entry(110, true, "1", None, "0.0.0.0/0"),
                    entry(120, true, "6", Some((443, 443)), "0.0.0.0/0"),
                ],
            ),
        ]),
    )])
}

fn detail<'a>(outcome: &'a Outcome, id: &str) -> (&'a str, Option<Status>) {
    let evidence = outcome
        .evidence
        .iter()
        .find(|e| e.resource.ends_with(id))
        .unwrap_or_else(|| panic!("no finding on {id}: {outcome:#?}"));
    (evidence.detail.as_str(), evidence.status)
}

#[tokio::test]
async fn allows_from_everywhere_fail_with_their_rule_number_evidence() {
    let outcome = cisrun_core::testing::audit(&NaclNoAdminPortsIngress, &seeded()).await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert_eq!(outcome.evidence.len(), 4, "every page: {outcome:#?}");

    let (text, status) = detail(&outcome, "acl-1");
    assert_eq!(status, Some(Status::Fail));
    assert!(
        text.starts_with("acl-1 (default, in vpc-1, 1 subnet(s)): rule 100: allow all traffic from 0.0.0.0/0 (port 22, 3389); in rule-number order, not shadowed"),
        "{text}"
    );
    let (text, status) = detail(&outcome, "acl-2");
    assert_eq!(status, Some(Status::Fail), "shadowed still fails");
    assert!(
        text.contains("shadowed by earlier DENY entries: tcp 22 denied first by rule 90"),
        "{text}"
    );
    let (text, status) = detail(&outcome, "acl-3");
    assert_eq!(status, Some(Status::Fail));
    assert!(text.contains("allow udp 3389 from ::/0"), "{text}");
    assert_eq!(detail(&outcome, "acl-4").1, Some(Status::Pass));
}

#[tokio::test]
async fn a_denied_region_is_its_error_and_the_ports_are_a_parameter() {
    let account = account(vec![
        (
            "us-east-1",
            Some(vec![acl(
                "acl-3",
                false,
                vec![entry(100, true, "17", Some((3389, 3389)), "::/0")],
            )]),
        ),
        ("eu-west-1", None),
    ]);
    let parameters: AdminPorts =
        cisrun_core::testing::parameters("ports: [22]").expect("parameters");
    let outcome =
        cisrun_core::testing::audit_as(&NaclNoAdminPortsIngress, &account, &parameters, "").await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert_eq!(
        outcome.error.and_then(|e| e.missing_permission).as_deref(),
        Some("ec2:DescribeNetworkAcls")
    );
}

#[tokio::test]
async fn the_plan_deletes_each_offending_entry_by_number() {
    let parameters = AdminPorts::default();
    let input = Input {
        parameters: &parameters,
        version: "v3.0.0",
    };
    let plan = fix::NACL_FIX.plan(&seeded(), input).await.expect("a plan");
    let entries: Vec<(String, i64)> = plan
        .steps
        .iter()
        .map(|s| {
            (
                s.data["network_acl_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                s.data["entry"]["RuleNumber"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("acl-1".to_string(), 100),
            ("acl-2".to_string(), 100),
            ("acl-3".to_string(), 100)
        ]
    );
    assert!(plan
        .steps
        .iter()
        .all(|s| s.action == "ec2:DeleteNetworkAclEntry" && s.summary.contains("vpc-1")));
}
