//! Security groups and their rules, per region: every group of the account (attached to an
//! interface or not, default or not, every page) with every rule by its rule id; the
//! judgement the security-group controls share (which rules let the whole internet reach a
//! port); and the calls their fixes make (revoke rules by id, authorize them again).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::account::{AwsAccount, DataKey};
use crate::accounts::shown;
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
pub use crate::data::ec2::addresses::{everywhere_in, AddressFamily};
use crate::data::ec2::prefix_lists::PrefixList;
use crate::regions::InRegion;

/// The action that lists security groups.
pub const DESCRIBE_SECURITY_GROUPS: &str = "ec2:DescribeSecurityGroups";
/// The action that lists security-group rules with their ids.
pub const DESCRIBE_SECURITY_GROUP_RULES: &str = "ec2:DescribeSecurityGroupRules";
pub const REVOKE_SECURITY_GROUP_INGRESS: &str = "ec2:RevokeSecurityGroupIngress";
pub const REVOKE_SECURITY_GROUP_EGRESS: &str = "ec2:RevokeSecurityGroupEgress";
pub const AUTHORIZE_SECURITY_GROUP_INGRESS: &str = "ec2:AuthorizeSecurityGroupIngress";
pub const AUTHORIZE_SECURITY_GROUP_EGRESS: &str = "ec2:AuthorizeSecurityGroupEgress";
/// Re-creating a tagged rule tags it in the same call, which needs this permission too.
pub const CREATE_TAGS: &str = "ec2:CreateTags";

/// The most items EC2 lists on one page of these listings.
const PAGE_SIZE: i32 = 1000;

/// An IP protocol as the administration-port controls count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `-1`: every protocol, every port.
    All,
    Tcp,
    Udp,
    /// ICMP, ICMPv6, ESP, ...: protocols without ports, which cannot reach a port.
    Other,
}

impl Protocol {
    /// A protocol as EC2 writes it: `-1` (or `all`), a name (`tcp`) or a number (`6`).
    pub fn parse(text: &str) -> Protocol {
        match text.trim().to_ascii_lowercase().as_str() {
            "-1" | "all" => Protocol::All,
            "tcp" | "6" => Protocol::Tcp,
            "udp" | "17" => Protocol::Udp,
            _ => Protocol::Other,
        }
    }

    /// Whether the protocol has ports that a range must name.
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }
}

/// A port range checked where it enters: both ends within 0..=65535, `from` ≤ `to`.
pub fn checked_range(from: Option<i32>, to: Option<i32>) -> Result<(u16, u16), String> {
    let (Some(from), Some(to)) = (from, to) else {
        return Err("a TCP or UDP rule without its port range".to_string());
    };
    match (u16::try_from(from), u16::try_from(to)) {
        (Ok(from), Ok(to)) if from <= to => Ok((from, to)),
        _ => Err(format!("the port range {from}-{to} is not one of 0-65535")),
    }
}

/// A tag of a rule, as EC2 returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleTag {
    pub key: String,
    pub value: String,
}

/// The security group a rule names as its peer, as EC2 returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferencedGroup {
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_status: Option<String>,
}

/// One security-group rule, as `DescribeSecurityGroupRules` returns it (the fixes journal
/// it in this form, under EC2's field names): one peer per rule, where
/// `DescribeSecurityGroups` groups several under one permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupRule {
    #[serde(rename = "SecurityGroupRuleId")]
    pub id: String,
    pub group_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_owner_id: Option<String>,
    #[serde(rename = "IsEgress")]
    pub egress: bool,
    /// `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number, as EC2 wrote it.
    #[serde(rename = "IpProtocol")]
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_ipv6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_group_info: Option<ReferencedGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<RuleTag>,
}

/// True for an EC2 identifier of the given kind: `<prefix>-` then lowercase hex digits.
pub fn is_ec2_id(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            (1..=32).contains(&hex.len())
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl SecurityGroupRule {
    /// The rule as EC2 returned it, checked: its ids have their shapes, a TCP or UDP rule
    /// has a port range within 0-65535, and it names exactly one peer. Anything else means
    /// the answer cannot be trusted (the error says why).
    pub fn from_sdk(rule: &aws_sdk_ec2::types::SecurityGroupRule) -> Result<Self, String> {
        let id = rule.security_group_rule_id().unwrap_or_default();
        if !is_ec2_id(id, "sgr") {
            return Err(format!("the rule id {} is not a rule id", shown(id)));
        }
        let group_id = rule.group_id().unwrap_or_default();
        if !is_ec2_id(group_id, "sg") {
            return Err(format!(
                "rule {id}: the group id {} is not a security group id",
                shown(group_id)
            ));
        }
        let Some(egress) = rule.is_egress() else {
            return Err(format!("rule {id}: no IsEgress"));
        };
        let Some(protocol) = rule.ip_protocol().filter(|p| !p.is_empty()) else {
            return Err(format!("rule {id}: no IpProtocol"));
        };
        if Protocol::parse(protocol).has_ports() {
            checked_range(rule.from_port(), rule.to_port())
                .map_err(|e| format!("rule {id}: {e}"))?;
        }
        let referenced_group_info = rule.referenced_group_info().map(|group| ReferencedGroup {
            group_id: group.group_id().unwrap_or_default().to_string(),
            user_id: group.user_id().map(str::to_string),
            vpc_id: group.vpc_id().map(str::to_string),
            vpc_peering_connection_id: group.vpc_peering_connection_id().map(str::to_string),
            peering_status: group.peering_status().map(str::to_string),
        });
        let peers = [
            rule.cidr_ipv4().is_some(),
            rule.cidr_ipv6().is_some(),
            rule.prefix_list_id().is_some(),
            referenced_group_info.is_some(),
        ];
        if peers.iter().filter(|p| **p).count() != 1 {
            return Err(format!(
                "rule {id} names {} peers (CIDR, prefix list or group), not one",
                peers.iter().filter(|p| **p).count()
            ));
        }
        if let Some(list) = rule.prefix_list_id() {
            if !is_ec2_id(list, "pl") {
                return Err(format!(
                    "rule {id}: the prefix list id {} is not a prefix list id",
                    shown(list)
                ));
            }
        }
        Ok(Self {
            id: id.to_string(),
            group_id: group_id.to_string(),
            group_owner_id: rule.group_owner_id().map(str::to_string),
            egress,
            protocol: protocol.to_string(),
            from_port: rule.from_port(),
            to_port: rule.to_port(),
            cidr_ipv4: rule.cidr_ipv4().map(str::to_string),
            cidr_ipv6: rule.cidr_ipv6().map(str::to_string),
            prefix_list_id: rule.prefix_list_id().map(str::to_string),
            referenced_group_info,
            description: rule.description().map(str::to_string),
            tags: rule
                .tags()
                .iter()
                .map(|t| RuleTag {
                    key: t.key().unwrap_or_default().to_string(),
                    value: t.value().unwrap_or_default().to_string(),
                })
                .collect(),
        })
    }

    pub fn protocol_kind(&self) -> Protocol {
        Protocol::parse(&self.protocol)
    }

    /// Whether traffic to `port` matches the rule: all traffic (`-1`), or TCP or UDP with a
    /// range that includes the port. Other protocols have no ports.
    pub fn reaches_port(&self, port: u16) -> bool {
        match self.protocol_kind() {
            Protocol::All => true,
            Protocol::Tcp | Protocol::Udp => checked_range(self.from_port, self.to_port)
                .is_ok_and(|(from, to)| (from..=to).contains(&port)),
            Protocol::Other => false,
        }
    }

    /// The protocol and ports, readable: `all traffic`, `tcp 0-1024`, `udp 3389`.
    pub fn traffic(&self) -> String {
        match self.protocol_kind() {
            Protocol::All => "all traffic".to_string(),
            kind => {
                let name = match kind {
                    Protocol::Tcp => "tcp".to_string(),
                    Protocol::Udp => "udp".to_string(),
                    _ => format!("protocol {}", self.protocol),
                };
                match (self.from_port, self.to_port) {
                    (Some(from), Some(to)) if from == to && from >= 0 => format!("{name} {from}"),
                    (Some(from), Some(to)) if from >= 0 => format!("{name} {from}-{to}"),
                    _ => name,
                }
            }
        }
    }

    /// The peer, readable: a CIDR, `prefix list pl-…` or `group sg-…`.
    pub fn peer(&self) -> String {
        if let Some(cidr) = self.cidr_ipv4.as_deref().or(self.cidr_ipv6.as_deref()) {
            return cidr.to_string();
        }
        if let Some(list) = &self.prefix_list_id {
            return format!("prefix list {list}");
        }
        match &self.referenced_group_info {
            Some(group) => format!("group {}", group.group_id),
            None => "nothing".to_string(),
        }
    }

    /// `sgr-…: tcp 22 from 0.0.0.0/0` (or `to`, for an outbound rule).
    pub fn summary(&self) -> String {
        let direction = if self.egress { "to" } else { "from" };
        format!(
            "{}: {} {direction} {}",
            self.id,
            self.traffic(),
            self.peer()
        )
    }

    /// The address families whose every address is the rule's peer: its CIDR when it is
    /// `0.0.0.0/0` or `::/0`, or each such CIDR of its prefix list. `lists` holds the prefix
    /// lists read for this region; a list missing from it is the list's read error.
    pub fn open_families(
        &self,
        lists: &BTreeMap<String, Result<Arc<PrefixList>, AwsError>>,
    ) -> Result<Vec<AddressFamily>, AwsError> {
        let mut families: Vec<AddressFamily> = self
            .cidr_ipv4
            .iter()
            .chain(self.cidr_ipv6.iter())
            .filter_map(|cidr| everywhere_in(cidr))
            .collect();
        if let Some(id) = &self.prefix_list_id {
            match lists.get(id) {
                Some(Ok(list)) => families.extend(list.open_families()),
                Some(Err(error)) => return Err(error.clone()),
                None => {
                    return Err(AwsError::invalid_response(
                        crate::data::ec2::prefix_lists::GET_MANAGED_PREFIX_LIST_ENTRIES,
                        format!("the prefix list {id} of rule {} was not read", self.id),
                    ))
                }
            }
        }
        families.sort();
        families.dedup();
        Ok(families)
    }
}

/// What the controls read of one security group.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    /// `None` only for EC2-Classic groups, which AWS retired.
    pub vpc_id: Option<String>,
    /// `arn:<partition>:ec2:<region>:<account>:security-group/<id>`.
    pub arn: String,
    pub ingress: Vec<SecurityGroupRule>,
    pub egress: Vec<SecurityGroupRule>,
}

impl SecurityGroup {
    /// The group a VPC is created with, named `default` (a name no other group may take).
    pub fn is_vpc_default(&self) -> bool {
        self.name == "default" && self.vpc_id.is_some()
    }

    /// `sg-… (name, in vpc-…)` for plans and evidence.
    pub fn label(&self) -> String {
        format!(
            "{} ({}, in {})",
            self.id,
            shown(&self.name),
            self.vpc_id.as_deref().unwrap_or("no VPC")
        )
    }
}

/// The ARN of a security group.
pub fn security_group_arn(account: &AwsAccount, region: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{}:security-group/{id}",
        account.partition, account.account_id
    )
}

/// The rules of one region (of one group, with `group`), every page, checked.
pub async fn read_rules(
    account: &AwsAccount,
    region: &str,
    group: Option<&str>,
) -> Result<Vec<SecurityGroupRule>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let rules = read_pages(
        account.max_pages(),
        DESCRIBE_SECURITY_GROUP_RULES,
        |token| async move {
            let mut request = ec2
                .describe_security_group_rules()
                .max_results(PAGE_SIZE)
                .set_next_token(token);
            if let Some(group) = group {
                request = request.filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("group-id")
                        .values(group)
                        .build(),
                );
            }
            let page = request
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_SECURITY_GROUP_RULES, e))?;
            Ok(Page::new(
                page.security_group_rules().to_vec(),
                page.next_token(),
            ))
        },
    )
    .await?;
    let mut checked = Vec::with_capacity(rules.len());
    for rule in &rules {
        let rule = SecurityGroupRule::from_sdk(rule).map_err(|message| {
            AwsError::invalid_response(DESCRIBE_SECURITY_GROUP_RULES, message)
        })?;
        if group.is_none_or(|g| g == rule.group_id) {
            checked.push(rule);
        }
    }
    checked.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(checked)
}

/// Every security group of one region with its rules, every page of both listings. Groups
/// are listed first: a rule of a group created between the two listings is left out with
/// its group, never judged without it.
pub async fn read_security_groups(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<SecurityGroup>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let listed = read_pages(
        account.max_pages(),
        DESCRIBE_SECURITY_GROUPS,
        |token| async move {
            let page = ec2
                .describe_security_groups()
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_SECURITY_GROUPS, e))?;
            Ok(Page::new(
                page.security_groups().to_vec(),
                page.next_token(),
            ))
        },
    )
    .await?;
    let mut groups: BTreeMap<String, SecurityGroup> = BTreeMap::new();
    for group in &listed {
        let id = group.group_id().unwrap_or_default();
        if !is_ec2_id(id, "sg") {
            return Err(AwsError::invalid_response(
                DESCRIBE_SECURITY_GROUPS,
                format!("the group id {} is not a security group id", shown(id)),
            ));
        }
        let vpc_id = group.vpc_id().map(str::to_string);
        if let Some(vpc) = vpc_id.as_deref().filter(|v| !is_ec2_id(v, "vpc")) {
            return Err(AwsError::invalid_response(
                DESCRIBE_SECURITY_GROUPS,
                format!("group {id}: the VPC id {} is not a VPC id", shown(vpc)),
            ));
        }
        groups.insert(
            id.to_string(),
            SecurityGroup {
                id: id.to_string(),
                name: group.group_name().unwrap_or_default().to_string(),
                vpc_id,
                arn: security_group_arn(account, region, id),
                ingress: Vec::new(),
                egress: Vec::new(),
            },
        );
    }
    for rule in read_rules(account, region, None).await? {
        if let Some(group) = groups.get_mut(&rule.group_id) {
            if rule.egress {
                group.egress.push(rule);
            } else {
                group.ingress.push(rule);
            }
        }
    }
    Ok(groups.into_values().collect())
}

/// One region's security groups.
const SECURITY_GROUPS: DataKey<Vec<SecurityGroup>> = DataKey::new(DESCRIBE_SECURITY_GROUPS);

/// The security groups of every region of the account, read once per run.
pub async fn security_groups(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<SecurityGroup>>>, AwsError> {
    account
        .in_each_region(&SECURITY_GROUPS, |region| async move {
            read_security_groups(account, &region).await
        })
        .await
}

/// The security groups of every region read afresh, outside the run's cache: a fix plans
/// on what EC2 holds now, after the fixes of other controls on the same groups.
pub async fn read_all_security_groups(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<SecurityGroup>>>, AwsError> {
    let regions = account.regions().await?;
    Ok(
        futures::future::join_all(regions.iter().map(|region| async move {
            InRegion {
                region: region.clone(),
                data: account
                    .limited("ec2", read_security_groups(account, region))
                    .await
                    .map(Arc::new),
            }
        }))
        .await,
    )
}

/// An inbound rule that lets the whole internet reach some of the judged ports.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenRule {
    pub rule: SecurityGroupRule,
    /// The judged ports the rule reaches.
    pub ports: Vec<u16>,
    /// The families it opens them to (of those judged).
    pub families: Vec<AddressFamily>,
}

impl OpenRule {
    /// `sgr-…: tcp 0-1024 from 0.0.0.0/0 (ports 22)`.
    pub fn summary(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        let mut text = format!("{} (port {})", self.rule.summary(), ports.join(", "));
        if self.rule.prefix_list_id.is_some() {
            let families: Vec<&str> = self.families.iter().map(|f| f.everywhere()).collect();
            text.push_str(&format!(", the list holds {}", families.join(" and ")));
        }
        text
    }
}

/// The prefix lists that inbound rules reaching one of `ports` name: the only lists the
/// judgement needs to read.
pub fn referenced_prefix_lists<'a>(
    groups: impl IntoIterator<Item = &'a SecurityGroup>,
    ports: &[u16],
) -> Vec<String> {
    let mut lists: Vec<String> = groups
        .into_iter()
        .flat_map(|g| g.ingress.iter())
        .filter(|rule| ports.iter().any(|p| rule.reaches_port(*p)))
        .filter_map(|rule| rule.prefix_list_id.clone())
        .collect();
    lists.sort();
    lists.dedup();
    lists
}

/// The inbound rules of `group` that let every address of one of `families` reach one of
/// `ports`; an unread prefix list a rule needs is the group's error.
pub fn open_ingress(
    group: &SecurityGroup,
    families: &[AddressFamily],
    ports: &[u16],
    lists: &BTreeMap<String, Result<Arc<PrefixList>, AwsError>>,
) -> Result<Vec<OpenRule>, AwsError> {
    let mut open = Vec::new();
    let mut unread = None;
    for rule in &group.ingress {
        let reached: Vec<u16> = ports
            .iter()
            .copied()
            .filter(|p| rule.reaches_port(*p))
            .collect();
        if reached.is_empty() {
            continue;
        }
        match rule.open_families(lists) {
            Ok(open_to) => {
                let judged: Vec<AddressFamily> = open_to
                    .into_iter()
                    .filter(|f| families.contains(f))
                    .collect();
                if !judged.is_empty() {
                    open.push(OpenRule {
                        rule: rule.clone(),
                        ports: reached,
                        families: judged,
                    });
                }
            }
            Err(error) => unread = Some(error),
        }
    }
    // A rule found open decides the group whatever an unread list would say.
    match unread {
        Some(error) if open.is_empty() => Err(error),
        _ => Ok(open),
    }
}

/// Revokes the rules `rule_ids` of `group` (inbound, or outbound with `egress`) in one call.
pub async fn revoke_rules(
    account: &AwsAccount,
    region: &str,
    group: &str,
    egress: bool,
    rule_ids: &[String],
) -> Result<(), AwsError> {
    let ec2 = account.client::<aws_sdk_ec2::Client>(region);
    if egress {
        ec2.revoke_security_group_egress()
            .group_id(group)
            .set_security_group_rule_ids(Some(rule_ids.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(REVOKE_SECURITY_GROUP_EGRESS, e))?;
    } else {
        ec2.revoke_security_group_ingress()
            .group_id(group)
            .set_security_group_rule_ids(Some(rule_ids.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(REVOKE_SECURITY_GROUP_INGRESS, e))?;
    }
    Ok(())
}

/// The permission that authorizes `rule` again: its protocol, ports, peer and description.
pub fn permission_of(rule: &SecurityGroupRule) -> aws_sdk_ec2::types::IpPermission {
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};
    let mut permission = IpPermission::builder().ip_protocol(&rule.protocol);
    // `-1` has no ports; ICMP's "ports" are its type and code, kept as EC2 returned them.
    if rule.protocol_kind() != Protocol::All {
        permission = permission
            .set_from_port(rule.from_port)
            .set_to_port(rule.to_port);
    }
    let description = rule.description.clone();
    if let Some(cidr) = &rule.cidr_ipv4 {
        permission = permission.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .set_description(description)
                .build(),
        );
    } else if let Some(cidr) = &rule.cidr_ipv6 {
        permission = permission.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr)
                .set_description(description)
                .build(),
        );
    } else if let Some(list) = &rule.prefix_list_id {
        permission = permission.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(list)
                .set_description(description)
                .build(),
        );
    } else if let Some(group) = &rule.referenced_group_info {
        permission = permission.user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(&group.group_id)
                .set_user_id(group.user_id.clone())
                .set_vpc_id(group.vpc_id.clone())
                .set_vpc_peering_connection_id(group.vpc_peering_connection_id.clone())
                .set_description(description)
                .build(),
        );
    }
    permission.build()
}

/// Authorizes `rule` again on its group, with its tags: one call per rule, so each keeps
/// its own tags. EC2 gives the new rule a new id.
pub async fn authorize_rule(
    account: &AwsAccount,
    region: &str,
    rule: &SecurityGroupRule,
) -> Result<(), AwsError> {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let ec2 = account.client::<aws_sdk_ec2::Client>(region);
    let tags = (!rule.tags.is_empty()).then(|| {
        vec![TagSpecification::builder()
            .resource_type(ResourceType::SecurityGroupRule)
            .set_tags(Some(
                rule.tags
                    .iter()
                    .map(|t| Tag::builder().key(&t.key).value(&t.value).build())
                    .collect(),
            ))
            .build()]
    });
    if rule.egress {
        ec2.authorize_security_group_egress()
            .group_id(&rule.group_id)
            .ip_permissions(permission_of(rule))
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(AUTHORIZE_SECURITY_GROUP_EGRESS, e))?;
    } else {
        ec2.authorize_security_group_ingress()
            .group_id(&rule.group_id)
            .ip_permissions(permission_of(rule))
            .set_tag_specifications(tags)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(AUTHORIZE_SECURITY_GROUP_INGRESS, e))?;
    }
    Ok(())
}

/// A rule as a fix's observed state compares it: everything but its id, which EC2 assigns
/// anew when a rule is authorized again.
pub fn rule_without_id(rule: &SecurityGroupRule) -> serde_json::Value {
    let mut value = serde_json::to_value(rule).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("SecurityGroupRuleId");
    }
    value
}

#[cfg(test)]
pub(crate) mod testing {
    //! Security groups for unit tests, built as EC2 returns them.

    use aws_sdk_ec2::types::{ReferencedSecurityGroup, SecurityGroupRule as SdkRule};

    /// The peer of a test rule.
    pub enum Peer {
        Cidr(&'static str),
        List(&'static str),
        Group(&'static str),
    }

    /// An inbound rule `id` of `group` for `protocol` from..=to from `peer`.
    pub fn rule(
        id: &str,
        group: &str,
        egress: bool,
        protocol: &str,
        ports: Option<(i32, i32)>,
        peer: Peer,
    ) -> SdkRule {
        let mut rule = SdkRule::builder()
            .security_group_rule_id(id)
            .group_id(group)
            .is_egress(egress)
            .ip_protocol(protocol)
            .set_from_port(ports.map(|p| p.0))
            .set_to_port(ports.map(|p| p.1));
        rule = match peer {
            Peer::Cidr(cidr) if cidr.contains(':') => rule.cidr_ipv6(cidr),
            Peer::Cidr(cidr) => rule.cidr_ipv4(cidr),
            Peer::List(list) => rule.prefix_list_id(list),
            Peer::Group(other) => rule.referenced_group_info(
                ReferencedSecurityGroup::builder()
                    .group_id(other)
                    .user_id("123456789012")
                    .build(),
            ),
        };
        rule.build()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{rule, Peer};
    use super::*;

    fn checked(rule: aws_sdk_ec2::types::SecurityGroupRule) -> SecurityGroupRule {
        SecurityGroupRule::from_sdk(&rule).expect("a well-formed rule")
    }

    #[test]
    fn every_address_is_prefix_length_zero_however_written() {
        assert_eq!(everywhere_in("0.0.0.0/0"), Some(AddressFamily::Ipv4));
        assert_eq!(everywhere_in("10.0.0.0/0"), Some(AddressFamily::Ipv4));
        assert_eq!(everywhere_in("::/0"), Some(AddressFamily::Ipv6));
        assert_eq!(everywhere_in("0::0/0"), Some(AddressFamily::Ipv6));
        assert_eq!(everywhere_in("0.0.0.0/1"), None);
        assert_eq!(everywhere_in("::/1"), None);
        assert_eq!(everywhere_in("10.0.0.0/8"), None);
        assert_eq!(everywhere_in("0.0.0.0"), None);
        assert_eq!(everywhere_in("nonsense/0"), None);
    }

    #[test]
    fn all_tcp_and_udp_reach_ports_in_their_range_and_nothing_else_does() {
        let open = |protocol: &str, ports: Option<(i32, i32)>| {
            checked(rule(
                "sgr-1",
                "sg-1",
                false,
                protocol,
                ports,
                Peer::Cidr("0.0.0.0/0"),
            ))
        };
        assert!(open("-1", None).reaches_port(22));
        assert!(open("-1", Some((-1, -1))).reaches_port(3389));
        assert!(open("tcp", Some((0, 1024))).reaches_port(22));
        assert!(!open("tcp", Some((0, 1024))).reaches_port(3389));
        assert!(open("udp", Some((3389, 3389))).reaches_port(3389));
        assert!(open("6", Some((22, 22))).reaches_port(22));
        assert!(open("17", Some((20, 30))).reaches_port(22));
        assert!(!open("icmp", Some((-1, -1))).reaches_port(22));
        assert!(!open("50", None).reaches_port(22));
        assert_eq!(open("tcp", Some((0, 1024))).traffic(), "tcp 0-1024");
        assert_eq!(open("-1", Some((-1, -1))).traffic(), "all traffic");
        assert_eq!(open("udp", Some((3389, 3389))).traffic(), "udp 3389");
    }

    #[test]
    fn a_rule_that_cannot_be_trusted_is_refused() {
        let refused = |rule: aws_sdk_ec2::types::SecurityGroupRule| {
            SecurityGroupRule::from_sdk(&rule).expect_err("refused")
        };
        let peer = || Peer::Cidr("0.0.0.0/0");
        assert!(refused(rule("sgr-1", "sg-1", false, "tcp", None, peer())).contains("port range"));
        assert!(
            refused(rule("sgr-1", "sg-1", false, "tcp", Some((30, 20)), peer())).contains("30-20")
        );
        assert!(refused(rule(
            "sgr-1",
            "sg-1",
            false,
            "udp",
            Some((0, 70000)),
            peer()
        ))
        .contains("0-70000"));
        assert!(refused(rule(
            "rule<1>",
            "sg-1",
            false,
            "tcp",
            Some((22, 22)),
            peer()
        ))
        .contains("\\u{3c}"));
        assert!(refused(rule(
            "sgr-1",
            "sg-xyz",
            false,
            "tcp",
            Some((22, 22)),
            peer()
        ))
        .contains("security group id"));
        let two_peers = aws_sdk_ec2::types::SecurityGroupRule::builder()
            .security_group_rule_id("sgr-1")
            .group_id("sg-1")
            .is_egress(false)
            .ip_protocol("-1")
            .cidr_ipv4("0.0.0.0/0")
            .cidr_ipv6("::/0")
            .build();
        assert!(refused(two_peers).contains("2 peers"));
        let no_peer = aws_sdk_ec2::types::SecurityGroupRule::builder()
            .security_group_rule_id("sgr-1")
            .group_id("sg-1")
            .is_egress(false)
            .ip_protocol("-1")
            .build();
        assert!(refused(no_peer).contains("0 peers"));
    }

    fn group(rules: Vec<aws_sdk_ec2::types::SecurityGroupRule>) -> SecurityGroup {
        let rules: Vec<SecurityGroupRule> = rules.into_iter().map(checked).collect();
        SecurityGroup {
            id: "sg-1".into(),
            name: "web".into(),
            vpc_id: Some("vpc-1".into()),
            arn: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1".into(),
            ingress: rules.iter().filter(|r| !r.egress).cloned().collect(),
            egress: rules.into_iter().filter(|r| r.egress).collect(),
        }
    }

    fn lists(
        entries: &[(&str, Result<Vec<&str>, ()>)],
    ) -> BTreeMap<String, Result<Arc<PrefixList>, AwsError>> {
        entries
            .iter()
            .map(|(id, cidrs)| {
                let value = match cidrs {
                    Ok(cidrs) => Ok(Arc::new(PrefixList {
                        id: id.to_string(),
                        cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
                    })),
                    Err(()) => Err(AwsError {
                        code: "UnauthorizedOperation".into(),
                        message: "denied".into(),
                        action: "ec2:GetManagedPrefixListEntries".into(),
                        access_denied: true,
                    }),
                };
                (id.to_string(), value)
            })
            .collect()
    }

    #[test]
    fn families_are_judged_apart_and_prefix_lists_count_as_their_entries() {
        use AddressFamily::{Ipv4, Ipv6};
        let web = group(vec![
            rule(
                "sgr-a",
                "sg-1",
                false,
                "tcp",
                Some((22, 22)),
                Peer::Cidr("::/0"),
            ),
            rule(
                "sgr-b",
                "sg-1",
                false,
                "tcp",
                Some((443, 443)),
                Peer::Cidr("0.0.0.0/0"),
            ),
            rule(
                "sgr-c",
                "sg-1",
                false,
                "udp",
                Some((3389, 3389)),
                Peer::List("pl-1"),
            ),
            rule("sgr-d", "sg-1", false, "-1", None, Peer::Group("sg-2")),
            rule("sgr-e", "sg-1", true, "-1", None, Peer::Cidr("0.0.0.0/0")),
            rule(
                "sgr-f",
                "sg-1",
                false,
                "tcp",
                Some((22, 22)),
                Peer::Cidr("10.0.0.0/8"),
            ),
        ]);
        let known = lists(&[("pl-1", Ok(vec!["10.0.0.0/8", "0.0.0.0/0"]))]);
        let ids =
            |open: Vec<OpenRule>| -> Vec<String> { open.into_iter().map(|o| o.rule.id).collect() };
        let ports = [22, 3389];
        assert_eq!(
            ids(open_ingress(&web, &[Ipv4], &ports, &known).expect("judged")),
            ["sgr-c"]
        );
        assert_eq!(
            ids(open_ingress(&web, &[Ipv6], &ports, &known).expect("judged")),
            ["sgr-a"]
        );
        assert_eq!(
            ids(open_ingress(&web, &[Ipv4, Ipv6], &[445], &known).expect("judged")),
            Vec::<String>::new()
        );
        assert_eq!(referenced_prefix_lists([&web], &ports), ["pl-1"]);
        assert!(referenced_prefix_lists([&web], &[445]).is_empty());
        let open = open_ingress(&web, &[Ipv4], &ports, &known).expect("judged");
        assert_eq!(
            open[0].summary(),
            "sgr-c: udp 3389 from prefix list pl-1 (port 3389), the list holds 0.0.0.0/0"
        );
    }

    #[test]
    fn an_unread_prefix_list_is_an_error_unless_another_rule_already_fails() {
        use AddressFamily::Ipv4;
        let only_list = group(vec![rule(
            "sgr-c",
            "sg-1",
            false,
            "tcp",
            Some((22, 22)),
            Peer::List("pl-1"),
        )]);
        let denied = lists(&[("pl-1", Err(()))]);
        let error = open_ingress(&only_list, &[Ipv4], &[22], &denied).expect_err("unread");
        assert!(error.access_denied);
        let both = group(vec![
            rule(
                "sgr-c",
                "sg-1",
                false,
                "tcp",
                Some((22, 22)),
                Peer::List("pl-1"),
            ),
            rule(
                "sgr-d",
                "sg-1",
                false,
                "tcp",
                Some((22, 22)),
                Peer::Cidr("0.0.0.0/0"),
            ),
        ]);
        let open = open_ingress(&both, &[Ipv4], &[22], &denied).expect("judged");
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].rule.id, "sgr-d");
    }

    #[test]
    fn a_rule_is_journaled_under_ec2s_names_and_rebuilt_as_the_same_permission() {
        let rule = checked(rule(
            "sgr-1",
            "sg-1",
            false,
            "udp",
            Some((3389, 3389)),
            Peer::Cidr("::/0"),
        ));
        let value = serde_json::to_value(&rule).expect("json");
        assert_eq!(value["SecurityGroupRuleId"], "sgr-1");
        assert_eq!(value["IpProtocol"], "udp");
        assert_eq!(value["CidrIpv6"], "::/0");
        assert!(value.get("CidrIpv4").is_none());
        let back: SecurityGroupRule = serde_json::from_value(value).expect("read back");
        assert_eq!(back, rule);
        let permission = permission_of(&rule);
        assert_eq!(permission.ip_protocol(), Some("udp"));
        assert_eq!(permission.from_port(), Some(3389));
        assert_eq!(permission.ipv6_ranges()[0].cidr_ipv6(), Some("::/0"));
        assert!(rule_without_id(&rule).get("SecurityGroupRuleId").is_none());
    }
}
