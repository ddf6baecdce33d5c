//! The three security-group controls (IPv4, IPv6, CIFS) against `aws-smithy-mocks`
//! answers: what moto cannot produce (later pages of groups and rules, a denied prefix
//! list, a rule without its ports), and the plan of the shared fix.

use aws_sdk_ec2::operation::describe_security_group_rules::{
    DescribeSecurityGroupRulesError, DescribeSecurityGroupRulesOutput,
};
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::get_managed_prefix_list_entries::{
    GetManagedPrefixListEntriesError, GetManagedPrefixListEntriesOutput,
};
use aws_sdk_ec2::types::{
    PrefixListEntry, SecurityGroup as SdkGroup, SecurityGroupRule as SdkRule,
};
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use cisrun_core::{Input, Remediation, Status};

use super::*;
use crate::controls::aws_ec2_cifs_restricted::CifsRestricted;
use crate::controls::aws_ec2_sg_no_admin_ports_ipv6::SgNoAdminPortsIpv6;
use crate::data::ec2::security_groups::testing::{rule, Peer};

fn denied() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("UnauthorizedOperation")
        .message("denied")
        .build()
}

pub(crate) fn group(id: &str, name: &str) -> SdkGroup {
    SdkGroup::builder()
        .group_id(id)
        .group_name(name)
        .vpc_id("vpc-1")
        .build()
}

/// What one region's EC2 answers.
pub(crate) struct Region {
    pub groups: Vec<SdkGroup>,
    /// `None`: DescribeSecurityGroupRules is denied.
    pub rules: Option<Vec<SdkRule>>,
    /// Prefix list id → its CIDRs, or `None` when reading it is denied.
    pub lists: Vec<(&'static str, Option<Vec<&'static str>>)>,
}

/// An EC2 client answering as `region` does: groups and rules each over two pages.
fn ec2(region: Region) -> Client {
    let mut groups = region.groups;
    let second_groups = groups.split_off(groups.len() / 2);
    let mut rules: Vec<Rule> = vec![
        mock!(Client::describe_security_groups)
            .match_requests(|r| r.next_token().is_none())
            .then_output(move || {
                DescribeSecurityGroupsOutput::builder()
                    .set_security_groups(Some(groups.clone()))
                    .next_token("groups-2")
                    .build()
            }),
        mock!(Client::describe_security_groups)
            .match_requests(|r| r.next_token() == Some("groups-2"))
            .then_output(move || {
                DescribeSecurityGroupsOutput::builder()
                    .set_security_groups(Some(second_groups.clone()))
                    .build()
            }),
    ];
    match region.rules {
        Some(mut first) => {
            let second = first.split_off(first.len() / 2);
            rules.push(
                mock!(Client::describe_security_group_rules)
                    .match_requests(|r| r.next_token().is_none())
                    .then_output(move || {
                        DescribeSecurityGroupRulesOutput::builder()
                            .set_security_group_rules(Some(first.clone()))
                            .next_token("rules-2")
                            .build()
                    }),
            );
            rules.push(
                mock!(Client::describe_security_group_rules)
                    .match_requests(|r| r.next_token() == Some("rules-2"))
                    .then_output(move || {
                        DescribeSecurityGroupRulesOutput::builder()
                            .set_security_group_rules(Some(second.clone()))
                            .build()
                    }),
            );
        }
        None => rules.push(
            mock!(Client::describe_security_group_rules)
                .then_error(|| DescribeSecurityGroupRulesError::generic(denied())),
        ),
    }
    for (id, cidrs) in region.lists {
        let rule = mock!(Client::get_managed_prefix_list_entries)
            .match_requests(move |r| r.prefix_list_id() == Some(id));
        rules.push(match cidrs {
            Some(cidrs) => rule.then_output(move || {
                GetManagedPrefixListEntriesOutput::builder()
                    .set_entries(Some(
                        cidrs
                            .iter()
                            .map(|c| PrefixListEntry::builder().cidr(*c).build())
                            .collect(),
                    ))
                    .build()
            }),
            None => rule.then_error(|| GetManagedPrefixListEntriesError::generic(denied())),
        });
    }
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_ec2, RuleMode::MatchAny, refs.as_slice())
}

pub(crate) fn account(regions: Vec<(&str, Region)>) -> AwsAccount {
    let iam = mock_client!(aws_sdk_iam, []);
    let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
    regions.into_iter().fold(
        AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
        |account, (region, answers)| account.with_client(region, ec2(answers)),
    )
}

/// us-east-1: `web` open on 0-1024 to IPv4, `db` open on UDP 3389 to IPv6 and 445 to IPv4,
/// `listed` open on 22 through a prefix list holding 0.0.0.0/0, `private` open to 10/8 only;
/// eu-west-1: rules denied.
fn seeded() -> AwsAccount {
    let cidr = Peer::Cidr;
    account(vec![
        (
            "us-east-1",
            Region {
                groups: vec![
                    group("sg-1", "web"),
                    group("sg-2", "db"),
                    group("sg-3", "listed"),
                    group("sg-4", "private"),
                ],
                rules: Some(vec![
                    rule(
                        "sgr-1",
                        "sg-1",
                        false,
                        "tcp",
                        Some((0, 1024)),
                        cidr("0.0.0.0/0"),
                    ),
                    rule(
                        "sgr-2",
                        "sg-2",
                        false,
                        "udp",
                        Some((3389, 3389)),
                        cidr("::/0"),
                    ),
                    rule(
                        "sgr-3",
                        "sg-2",
                        false,
                        "tcp",
                        Some((445, 445)),
                        cidr("0.0.0.0/0"),
                    ),
                    rule(
                        "sgr-4",
                        "sg-3",
                        false,
                        "tcp",
                        Some((22, 22)),
                        Peer::List("pl-1"),
                    ),
                    rule("sgr-5", "sg-4", false, "-1", None, cidr("10.0.0.0/8")),
                    rule("sgr-6", "sg-4", true, "-1", None, cidr("0.0.0.0/0")),
                ]),
                lists: vec![("pl-1", Some(vec!["192.0.2.0/24", "0.0.0.0/0"]))],
            },
        ),
        (
            "eu-west-1",
            Region {
                groups: vec![group("sg-9", "default")],
                rules: None,
                lists: vec![],
            },
        ),
    ])
}

fn statuses(outcome: &Outcome) -> Vec<(String, Option<Status>)> {
    let mut rows: Vec<(String, Option<Status>)> = outcome
        .evidence
        .iter()
        .map(|e| {
            let id = e
                .resource
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            (id, e.status)
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn every_page_is_read_and_each_family_and_port_is_judged_apart() {
    use Status::{Error, Fail, Pass};
    let account = seeded();
    let ipv4 = cisrun_core::testing::audit(&SgNoAdminPortsIpv4, &account).await;
    assert_eq!(ipv4.status, Fail, "{}", ipv4.message);
    assert_eq!(
        statuses(&ipv4),
        [
            ("region eu-west-1".to_string(), Some(Error)),
            ("sg-1".to_string(), Some(Fail)),
            ("sg-2".to_string(), Some(Pass)),
            ("sg-3".to_string(), Some(Fail)),
            ("sg-4".to_string(), Some(Pass)),
        ]
    );
    let listed = ipv4
        .evidence
        .iter()
        .find(|e| e.resource.ends_with("sg-3"))
        .expect("sg-3");
    assert!(
        listed
            .detail
            .contains("sgr-4: tcp 22 from prefix list pl-1")
            && listed.detail.contains("the list holds 0.0.0.0/0"),
        "{}",
        listed.detail
    );

    let ipv6 = cisrun_core::testing::audit(&SgNoAdminPortsIpv6, &account).await;
    assert_eq!(ipv6.status, Fail, "{}", ipv6.message);
    let failing: Vec<String> = statuses(&ipv6)
        .into_iter()
        .filter(|(_, s)| *s == Some(Fail))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failing, ["sg-2"], "only the ::/0 rule");

    let cifs = cisrun_core::testing::audit(&CifsRestricted, &account).await;
    let failing: Vec<String> = statuses(&cifs)
        .into_iter()
        .filter(|(_, s)| *s == Some(Fail))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failing, ["sg-1", "sg-2"], "0-1024 includes 445");
}

#[tokio::test]
async fn the_ports_are_a_parameter() {
    let account = seeded();
    let parameters: AdminPorts =
        cisrun_core::testing::parameters("ports: [5985, 3389]").expect("parameters");
    assert_eq!(parameters.judged(), [3389, 5985]);
    let outcome =
        cisrun_core::testing::audit_as(&SgNoAdminPortsIpv4, &account, &parameters, "").await;
    // Nothing opens 3389 or 5985 to IPv4; eu-west-1 is still unread.
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert!(cisrun_core::testing::parameters::<AdminPorts>("ports: []").is_err());
    assert!(cisrun_core::testing::parameters::<AdminPorts>("ports: [70000]").is_err());
}

#[tokio::test]
async fn an_unreadable_prefix_list_or_rule_is_an_error_never_a_pass() {
    let listed = account(vec![(
        "us-east-1",
        Region {
            groups: vec![group("sg-3", "listed")],
            rules: Some(vec![rule(
                "sgr-4",
                "sg-3",
                false,
                "tcp",
                Some((22, 22)),
                Peer::List("pl-1"),
            )]),
            lists: vec![("pl-1", None)],
        },
    )]);
    let outcome = cisrun_core::testing::audit(&SgNoAdminPortsIpv4, &listed).await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    let error = outcome.error.expect("an error");
    assert_eq!(
        error.missing_permission.as_deref(),
        Some("ec2:GetManagedPrefixListEntries")
    );

    let unbounded = account(vec![(
        "us-east-1",
        Region {
            groups: vec![group("sg-1", "web")],
            rules: Some(vec![rule(
                "sgr-1",
                "sg-1",
                false,
                "tcp",
                None,
                Peer::Cidr("0.0.0.0/0"),
            )]),
            lists: vec![],
        },
    )]);
    let outcome = cisrun_core::testing::audit(&SgNoAdminPortsIpv4, &unbounded).await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    let error = outcome.error.expect("an error");
    assert_eq!(error.code, "InvalidResponse");
    assert!(error.message.contains("port range"), "{}", error.message);
}

#[tokio::test]
async fn the_plan_names_every_group_rule_and_vpc_and_refuses_an_unread_region() {
    let account = account(vec![(
        "us-east-1",
        Region {
            groups: vec![group("sg-1", "web"), group("sg-4", "private")],
            rules: Some(vec![
                rule(
                    "sgr-1",
                    "sg-1",
                    false,
                    "tcp",
                    Some((0, 1024)),
                    Peer::Cidr("0.0.0.0/0"),
                ),
                rule(
                    "sgr-7",
                    "sg-1",
                    false,
                    "tcp",
                    Some((443, 443)),
                    Peer::Cidr("0.0.0.0/0"),
                ),
                rule("sgr-5", "sg-4", false, "-1", None, Peer::Cidr("10.0.0.0/8")),
            ]),
            lists: vec![],
        },
    )]);
    let parameters = AdminPorts::default();
    let input = Input {
        parameters: &parameters,
        version: "v3.0.0",
    };
    let plan = fix::FIX.plan(&account, input).await.expect("a plan");
    assert_eq!(plan.steps.len(), 1, "{plan:#?}");
    let step = &plan.steps[0];
    assert_eq!(step.action, "ec2:RevokeSecurityGroupIngress");
    assert_eq!(
        step.resource,
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1"
    );
    assert!(
        step.summary.contains("sg-1 (\"web\", in vpc-1)")
            && step.summary.contains("sgr-1: tcp 0-1024 from 0.0.0.0/0"),
        "{}",
        step.summary
    );
    assert!(!step.summary.contains("sgr-7"), "443 is not judged");
    let rules = step.data["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["SecurityGroupRuleId"], "sgr-1");
    assert_eq!(rules[0]["FromPort"], 0);

    let plan = fix::FIX.plan(&seeded(), input).await;
    assert!(plan.is_err(), "eu-west-1 cannot be read: {plan:?}");
}
