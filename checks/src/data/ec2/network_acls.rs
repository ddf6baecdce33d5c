//! Network ACLs, per region: every ACL of the account (default or not, associated with a
//! subnet or not, every page) with its entries; the judgement of inbound entries that let
//! the whole internet reach a port, with how EC2's rule-number order decides that traffic;
//! and the calls the fix makes (delete an entry, create it again).

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::{Deserialize, Serialize};

use crate::account::{AwsAccount, DataKey};
use crate::accounts::shown;
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::data::ec2::security_groups::{
    checked_range, everywhere_in, is_ec2_id, AddressFamily, Protocol,
};
use crate::regions::InRegion;

/// The action that lists network ACLs.
pub const DESCRIBE_NETWORK_ACLS: &str = "ec2:DescribeNetworkAcls";
pub const DELETE_NETWORK_ACL_ENTRY: &str = "ec2:DeleteNetworkAclEntry";
pub const CREATE_NETWORK_ACL_ENTRY: &str = "ec2:CreateNetworkAclEntry";

/// The highest rule number: EC2's own catch-all deny, which no one can change.
pub const CATCH_ALL_RULE: i32 = 32767;

/// A port range of an entry, as EC2 returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EntryPorts {
    pub from: i32,
    pub to: i32,
}

/// An ICMP type and code of an entry, as EC2 returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IcmpTypeCode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<i32>,
}

/// One entry of a network ACL, as `DescribeNetworkAcls` returns it (the fix journals it in
/// this form, under EC2's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    /// `-1` or a protocol number (`6` TCP, `17` UDP), as EC2 wrote it.
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    pub egress: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<EntryPorts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type_code: Option<IcmpTypeCode>,
}

impl NetworkAclEntry {
    /// The entry as EC2 returned it, checked: a rule number of 1-32767, `allow` or `deny`,
    /// one CIDR, and a port range within 0-65535 for TCP and UDP.
    pub fn from_sdk(entry: &aws_sdk_ec2::types::NetworkAclEntry) -> Result<Self, String> {
        let Some(rule_number) = entry
            .rule_number()
            .filter(|n| (1..=CATCH_ALL_RULE).contains(n))
        else {
            return Err(format!(
                "an entry has the rule number {:?}, not one of 1-{CATCH_ALL_RULE}",
                entry.rule_number()
            ));
        };
        let rule_action = entry
            .rule_action()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        if rule_action != "allow" && rule_action != "deny" {
            return Err(format!(
                "entry {rule_number}: the action {} is not allow or deny",
                shown(&rule_action)
            ));
        }
        let Some(egress) = entry.egress() else {
            return Err(format!("entry {rule_number}: no Egress"));
        };
        let Some(protocol) = entry.protocol().filter(|p| !p.is_empty()) else {
            return Err(format!("entry {rule_number}: no Protocol"));
        };
        let port_range = entry.port_range().map(|p| EntryPorts {
            from: p.from().unwrap_or(-1),
            to: p.to().unwrap_or(-1),
        });
        if Protocol::parse(protocol).has_ports() {
            checked_range(port_range.map(|p| p.from), port_range.map(|p| p.to))
                .map_err(|e| format!("entry {rule_number}: {e}"))?;
        }
        if entry.cidr_block().is_some() == entry.ipv6_cidr_block().is_some() {
            return Err(format!(
                "entry {rule_number} names {} CIDRs, not one",
                if entry.cidr_block().is_some() { 2 } else { 0 }
            ));
        }
        Ok(Self {
            rule_number,
            protocol: protocol.to_string(),
            rule_action,
            egress,
            cidr_block: entry.cidr_block().map(str::to_string),
            ipv6_cidr_block: entry.ipv6_cidr_block().map(str::to_string),
            port_range,
            icmp_type_code: entry.icmp_type_code().map(|c| IcmpTypeCode {
                code: c.code(),
                r#type: c.r#type(),
            }),
        })
    }

    pub fn allows(&self) -> bool {
        self.rule_action == "allow"
    }

    pub fn protocol_kind(&self) -> Protocol {
        Protocol::parse(&self.protocol)
    }

    /// The entry's CIDR, IPv4 or IPv6.
    pub fn cidr(&self) -> &str {
        self.cidr_block
            .as_deref()
            .or(self.ipv6_cidr_block.as_deref())
            .unwrap_or_default()
    }

    /// The family whose every address the entry's CIDR is, if it is `0.0.0.0/0` or `::/0`.
    pub fn everywhere(&self) -> Option<AddressFamily> {
        everywhere_in(self.cidr())
    }

    /// Whether traffic of `protocol` (TCP or UDP) to `port` matches the entry's protocol
    /// and ports.
    pub fn matches(&self, protocol: Protocol, port: u16) -> bool {
        let protocol_matches = match self.protocol_kind() {
            Protocol::All => true,
            own => own == protocol,
        };
        protocol_matches && self.reaches_port(port)
    }

    /// Whether traffic to `port` matches the entry: all traffic (`-1`), or TCP or UDP with a
    /// range that includes the port.
    pub fn reaches_port(&self, port: u16) -> bool {
        match self.protocol_kind() {
            Protocol::All => true,
            Protocol::Tcp | Protocol::Udp => checked_range(
                self.port_range.map(|p| p.from),
                self.port_range.map(|p| p.to),
            )
            .is_ok_and(|(from, to)| (from..=to).contains(&port)),
            Protocol::Other => false,
        }
    }

    /// The protocol and ports, readable: `all traffic`, `tcp 0-1024`, `udp 3389`.
    pub fn traffic(&self) -> String {
        let name = match self.protocol_kind() {
            Protocol::All => return "all traffic".to_string(),
            Protocol::Tcp => "tcp".to_string(),
            Protocol::Udp => "udp".to_string(),
            Protocol::Other => format!("protocol {}", self.protocol),
        };
        match self.port_range {
            Some(EntryPorts { from, to }) if from == to && from >= 0 => format!("{name} {from}"),
            Some(EntryPorts { from, to }) if from >= 0 => format!("{name} {from}-{to}"),
            _ => name,
        }
    }

    /// `rule 100: allow tcp 22 from 0.0.0.0/0`.
    pub fn summary(&self) -> String {
        let direction = if self.egress { "to" } else { "from" };
        format!(
            "rule {}: {} {} {direction} {}",
            self.rule_number,
            self.rule_action,
            self.traffic(),
            self.cidr()
        )
    }
}

/// What the controls read of one network ACL.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: Option<String>,
    /// The ACL a VPC is created with, which serves every subnet without one of its own.
    pub is_default: bool,
    /// `arn:<partition>:ec2:<region>:<account>:network-acl/<id>`.
    pub arn: String,
    /// The subnets associated with it.
    pub subnets: Vec<String>,
    /// Every entry, inbound and outbound, in rule-number order.
    pub entries: Vec<NetworkAclEntry>,
}

impl NetworkAcl {
    /// `acl-… (default, in vpc-…, 3 subnets)` for plans and evidence.
    pub fn label(&self) -> String {
        format!(
            "{} ({}in {}, {} subnet(s))",
            self.id,
            if self.is_default { "default, " } else { "" },
            self.vpc_id.as_deref().unwrap_or("no VPC"),
            self.subnets.len()
        )
    }

    /// The inbound entries, in the order EC2 evaluates them (lowest rule number first).
    pub fn inbound(&self) -> impl Iterator<Item = &NetworkAclEntry> {
        self.entries.iter().filter(|e| !e.egress)
    }
}

/// The ARN of a network ACL.
pub fn network_acl_arn(account: &AwsAccount, region: &str, id: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{}:network-acl/{id}",
        account.partition, account.account_id
    )
}

fn checked_acl(
    account: &AwsAccount,
    region: &str,
    acl: &aws_sdk_ec2::types::NetworkAcl,
) -> Result<NetworkAcl, String> {
    let id = acl.network_acl_id().unwrap_or_default();
    if !is_ec2_id(id, "acl") {
        return Err(format!("the ACL id {} is not a network ACL id", shown(id)));
    }
    let mut entries = acl
        .entries()
        .iter()
        .map(NetworkAclEntry::from_sdk)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{id}: {e}"))?;
    entries.sort_by_key(|e| (e.egress, e.rule_number));
    Ok(NetworkAcl {
        id: id.to_string(),
        vpc_id: acl.vpc_id().map(str::to_string),
        is_default: acl.is_default().unwrap_or(false),
        arn: network_acl_arn(account, region, id),
        subnets: acl
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id().map(str::to_string))
            .collect(),
        entries,
    })
}

/// The network ACLs of one region (only `id`, when given), every page, checked.
pub async fn read_network_acls(
    account: &AwsAccount,
    region: &str,
    id: Option<&str>,
) -> Result<Vec<NetworkAcl>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let listed = read_pages(
        account.max_pages(),
        DESCRIBE_NETWORK_ACLS,
        |token| async move {
            let mut request = ec2.describe_network_acls().set_next_token(token);
            request = match id {
                // A listing by id takes no page size; one ACL fits on a page. (By id, not
                // by the `network-acl-id` filter, which moto does not implement.)
                Some(id) => request.network_acl_ids(id),
                None => request.max_results(1000),
            };
            let page = match request.send().await {
                Ok(page) => page,
                // By id, an ACL that is gone is an empty answer, as the filter would give.
                Err(error)
                    if id.is_some()
                        && error.as_service_error().and_then(|e| e.code())
                            == Some("InvalidNetworkAclID.NotFound") =>
                {
                    return Ok(Page::new(Vec::new(), None));
                }
                Err(error) => return Err(AwsError::from_sdk(DESCRIBE_NETWORK_ACLS, error)),
            };
            Ok(Page::new(page.network_acls().to_vec(), page.next_token()))
        },
    )
    .await?;
    let acls = listed
        .iter()
        .map(|acl| checked_acl(account, region, acl))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| AwsError::invalid_response(DESCRIBE_NETWORK_ACLS, message))?;
    Ok(acls
        .into_iter()
        .filter(|acl| id.is_none_or(|id| acl.id == id))
        .collect())
}

/// One region's network ACLs.
const NETWORK_ACLS: DataKey<Vec<NetworkAcl>> = DataKey::new(DESCRIBE_NETWORK_ACLS);

/// The network ACLs of every region of the account, read once per run.
pub async fn network_acls(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<NetworkAcl>>>, AwsError> {
    account
        .in_each_region(&NETWORK_ACLS, |region| async move {
            read_network_acls(account, &region, None).await
        })
        .await
}

/// The network ACLs of every region read afresh, outside the run's cache (for the fix).
pub async fn read_all_network_acls(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<NetworkAcl>>>, AwsError> {
    let regions = account.regions().await?;
    Ok(
        futures::future::join_all(regions.iter().map(|region| async move {
            InRegion {
                region: region.clone(),
                data: account
                    .limited("ec2", read_network_acls(account, region, None))
                    .await
                    .map(std::sync::Arc::new),
            }
        }))
        .await,
    )
}

/// Which entry decides one kind of traffic (a protocol to a port, from every address) when
/// EC2 evaluates the inbound entries in rule-number order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub protocol: Protocol,
    pub port: u16,
    /// The first entry, lower-numbered than the open one, that matches this traffic from
    /// every address: its rule number and whether it allows. `None`: the open entry is the
    /// first match, so it decides.
    pub earlier: Option<(i32, bool)>,
}

impl Decision {
    fn text(&self) -> String {
        let traffic = format!(
            "{} {}",
            if self.protocol == Protocol::Udp {
                "udp"
            } else {
                "tcp"
            },
            self.port
        );
        match self.earlier {
            Some((rule, false)) => format!("{traffic} denied first by rule {rule}"),
            Some((rule, true)) => format!("{traffic} allowed first by rule {rule}"),
            None => format!("{traffic} reaches it first"),
        }
    }
}

/// An inbound ALLOW entry from every address of a family to some of the judged ports.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEntry {
    pub entry: NetworkAclEntry,
    pub family: AddressFamily,
    /// The judged ports it reaches.
    pub ports: Vec<u16>,
    /// For each protocol (TCP, UDP) and port it opens, which entry decides that traffic.
    pub decisions: Vec<Decision>,
}

impl OpenEntry {
    /// Whether an earlier DENY decides every kind of traffic the entry opens, so that
    /// traffic never reaches it.
    pub fn shadowed(&self) -> bool {
        self.decisions
            .iter()
            .all(|d| matches!(d.earlier, Some((_, false))))
    }

    /// `rule 100: allow all traffic from 0.0.0.0/0 (port 22, 3389); not shadowed: …`.
    pub fn summary(&self) -> String {
        let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
        let verdict = if self.shadowed() {
            "shadowed by earlier DENY entries"
        } else {
            "not shadowed"
        };
        let decisions: Vec<String> = self.decisions.iter().map(Decision::text).collect();
        format!(
            "{} (port {}); in rule-number order, {verdict}: {}",
            self.entry.summary(),
            ports.join(", "),
            decisions.join(", ")
        )
    }
}

/// The inbound ALLOW entries of `acl` from `0.0.0.0/0` or `::/0` whose protocol (all, TCP
/// or UDP) and ports reach one of `ports`, each with how the rule-number order decides the
/// traffic it opens.
pub fn open_entries(acl: &NetworkAcl, ports: &[u16]) -> Vec<OpenEntry> {
    let inbound: Vec<&NetworkAclEntry> = acl.inbound().collect();
    let mut open = Vec::new();
    for entry in &inbound {
        let Some(family) = entry.everywhere() else {
            continue;
        };
        let reached: Vec<u16> = ports
            .iter()
            .copied()
            .filter(|p| entry.reaches_port(*p))
            .collect();
        if !entry.allows() || reached.is_empty() {
            continue;
        }
        let protocols = match entry.protocol_kind() {
            Protocol::All => vec![Protocol::Tcp, Protocol::Udp],
            own => vec![own],
        };
        let mut decisions = Vec::new();
        for port in &reached {
            for protocol in &protocols {
                // An earlier entry decides for every address only if its CIDR is the whole
                // family too; a narrower one leaves the rest of the internet to this entry.
                let earlier = inbound
                    .iter()
                    .filter(|e| e.rule_number < entry.rule_number)
                    .find(|e| e.everywhere() == Some(family) && e.matches(*protocol, *port))
                    .map(|e| (e.rule_number, e.allows()));
                decisions.push(Decision {
                    protocol: *protocol,
                    port: *port,
                    earlier,
                });
            }
        }
        open.push(OpenEntry {
            entry: (*entry).clone(),
            family,
            ports: reached,
            decisions,
        });
    }
    open
}

/// Deletes the inbound entry `rule_number` of `acl`.
pub async fn delete_entry(
    account: &AwsAccount,
    region: &str,
    acl: &str,
    entry: &NetworkAclEntry,
) -> Result<(), AwsError> {
    account
        .client::<aws_sdk_ec2::Client>(region)
        .delete_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(entry.rule_number)
        .egress(entry.egress)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(DELETE_NETWORK_ACL_ENTRY, e))?;
    Ok(())
}

/// Creates `entry` in `acl` again, with its rule number, protocol, action, CIDR, ports and
/// ICMP type as recorded.
pub async fn create_entry(
    account: &AwsAccount,
    region: &str,
    acl: &str,
    entry: &NetworkAclEntry,
) -> Result<(), AwsError> {
    let action = aws_sdk_ec2::types::RuleAction::from(entry.rule_action.as_str());
    let mut request = account
        .client::<aws_sdk_ec2::Client>(region)
        .create_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(entry.rule_number)
        .protocol(&entry.protocol)
        .rule_action(action)
        .egress(entry.egress)
        .set_cidr_block(entry.cidr_block.clone())
        .set_ipv6_cidr_block(entry.ipv6_cidr_block.clone());
    if let Some(ports) = entry.port_range {
        request = request.port_range(
            aws_sdk_ec2::types::PortRange::builder()
                .from(ports.from)
                .to(ports.to)
                .build(),
        );
    }
    if let Some(icmp) = entry.icmp_type_code {
        request = request.icmp_type_code(
            aws_sdk_ec2::types::IcmpTypeCode::builder()
                .set_code(icmp.code)
                .set_type(icmp.r#type)
                .build(),
        );
    }
    request
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(CREATE_NETWORK_ACL_ENTRY, e))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
    //! Network ACL entries for unit tests, built as EC2 returns them.

    use aws_sdk_ec2::types::{NetworkAclEntry as SdkEntry, PortRange, RuleAction};

    /// An inbound entry `number` for `protocol` (`-1`, `6`, `17`) on from..=to.
    pub fn entry(
        number: i32,
        allow: bool,
        protocol: &str,
        ports: Option<(i32, i32)>,
        cidr: &str,
    ) -> SdkEntry {
        let entry = SdkEntry::builder()
            .rule_number(number)
            .rule_action(if allow {
                RuleAction::Allow
            } else {
                RuleAction::Deny
            })
            .egress(false)
            .protocol(protocol)
            .set_port_range(ports.map(|(from, to)| PortRange::builder().from(from).to(to).build()));
        if cidr.contains(':') {
            entry.ipv6_cidr_block(cidr).build()
        } else {
            entry.cidr_block(cidr).build()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::entry;
    use super::*;

    fn acl(entries: Vec<aws_sdk_ec2::types::NetworkAclEntry>) -> NetworkAcl {
        let mut entries: Vec<NetworkAclEntry> = entries
            .iter()
            .map(|e| NetworkAclEntry::from_sdk(e).expect("a well-formed entry"))
            .collect();
        entries.sort_by_key(|e| (e.egress, e.rule_number));
        NetworkAcl {
            id: "acl-1".into(),
            vpc_id: Some("vpc-1".into()),
            is_default: false,
            arn: "arn:aws:ec2:eu-west-1:123456789012:network-acl/acl-1".into(),
            subnets: vec![],
            entries,
        }
    }

    #[test]
    fn an_allow_from_everywhere_to_an_admin_port_is_open_and_others_are_not() {
        let acl = acl(vec![
            entry(100, true, "6", Some((0, 1024)), "0.0.0.0/0"),
            entry(110, true, "17", Some((3389, 3389)), "::/0"),
            entry(120, true, "6", Some((443, 443)), "0.0.0.0/0"),
            entry(130, true, "-1", None, "10.0.0.0/8"),
            entry(140, false, "-1", None, "0.0.0.0/0"),
            entry(150, true, "1", None, "0.0.0.0/0"),
            entry(CATCH_ALL_RULE, false, "-1", None, "0.0.0.0/0"),
        ]);
        let open = open_entries(&acl, &[22, 3389]);
        let numbers: Vec<i32> = open.iter().map(|o| o.entry.rule_number).collect();
        assert_eq!(numbers, [100, 110]);
        assert_eq!(open[0].ports, [22]);
        assert_eq!(open[0].family, AddressFamily::Ipv4);
        assert_eq!(open[1].family, AddressFamily::Ipv6);
        assert!(!open[0].shadowed());
        assert_eq!(
            open[0].summary(),
            "rule 100: allow tcp 0-1024 from 0.0.0.0/0 (port 22); in rule-number order, \
             not shadowed: tcp 22 reaches it first"
        );
    }

    #[test]
    fn an_earlier_deny_from_everywhere_shadows_and_a_narrower_or_partial_one_does_not() {
        let shadowed = acl(vec![
            entry(90, false, "6", Some((22, 22)), "0.0.0.0/0"),
            entry(100, true, "6", Some((22, 22)), "0.0.0.0/0"),
        ]);
        let open = open_entries(&shadowed, &[22]);
        assert!(open[0].shadowed(), "{}", open[0].summary());
        assert!(open[0].summary().contains("tcp 22 denied first by rule 90"));

        // The deny covers TCP only: UDP 22 still reaches the allow-all entry.
        let partial = acl(vec![
            entry(90, false, "6", Some((0, 65535)), "0.0.0.0/0"),
            entry(100, true, "-1", None, "0.0.0.0/0"),
        ]);
        let open = open_entries(&partial, &[22]);
        assert!(!open[0].shadowed());
        assert!(open[0].summary().contains("udp 22 reaches it first"));

        // A deny of part of the internet leaves the rest to the allow.
        let narrower = acl(vec![
            entry(90, false, "-1", None, "10.0.0.0/8"),
            entry(100, true, "6", Some((22, 22)), "0.0.0.0/0"),
        ]);
        assert!(!open_entries(&narrower, &[22])[0].shadowed());

        // A deny of the other family does not shadow; a later deny never does.
        let other = acl(vec![
            entry(90, false, "-1", None, "::/0"),
            entry(100, true, "6", Some((22, 22)), "0.0.0.0/0"),
            entry(110, false, "-1", None, "0.0.0.0/0"),
        ]);
        assert!(!open_entries(&other, &[22])[0].shadowed());

        // An earlier allow decides first: both are findings.
        let allows = acl(vec![
            entry(90, true, "-1", None, "0.0.0.0/0"),
            entry(100, true, "6", Some((22, 22)), "0.0.0.0/0"),
        ]);
        let open = open_entries(&allows, &[22]);
        assert_eq!(open.len(), 2);
        assert!(open[1].summary().contains("allowed first by rule 90"));
    }

    #[test]
    fn an_entry_that_cannot_be_trusted_is_refused() {
        let refused = |e: aws_sdk_ec2::types::NetworkAclEntry| {
            NetworkAclEntry::from_sdk(&e).expect_err("refused")
        };
        assert!(refused(entry(100, true, "6", None, "0.0.0.0/0")).contains("port range"));
        assert!(refused(entry(0, true, "-1", None, "0.0.0.0/0")).contains("rule number"));
        assert!(refused(entry(40000, true, "-1", None, "0.0.0.0/0")).contains("rule number"));
        let no_cidr = aws_sdk_ec2::types::NetworkAclEntry::builder()
            .rule_number(100)
            .rule_action(aws_sdk_ec2::types::RuleAction::Allow)
            .egress(false)
            .protocol("-1")
            .build();
        assert!(refused(no_cidr).contains("0 CIDRs"));
    }

    #[test]
    fn an_entry_is_journaled_under_ec2s_names() {
        let entry = NetworkAclEntry::from_sdk(&entry(100, true, "6", Some((22, 22)), "::/0"))
            .expect("an entry");
        let value = serde_json::to_value(&entry).expect("json");
        assert_eq!(value["RuleNumber"], 100);
        assert_eq!(value["RuleAction"], "allow");
        assert_eq!(value["Ipv6CidrBlock"], "::/0");
        assert_eq!(value["PortRange"]["From"], 22);
        let back: NetworkAclEntry = serde_json::from_value(value).expect("read back");
        assert_eq!(back, entry);
    }
}
