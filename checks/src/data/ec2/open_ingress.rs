//! What the three controls on security groups open to the whole internet share (remote
//! administration ports over IPv4, over IPv6, and CIFS): the ports parameter, the audit of
//! every group of every region, and the fix that revokes exactly the offending rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cisrun_core::{
    ControlParameters, ErrorDetail, FixSafety, Input, Outcome, Plan, Remediation, RemediationError,
    Step,
};
use futures::future::join_all;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::ec2::prefix_lists::{prefix_lists, PrefixList};
use crate::data::ec2::security_groups::{
    authorize_rule, open_ingress, read_all_security_groups, read_rules, referenced_prefix_lists,
    revoke_rules, security_groups, AddressFamily, OpenRule, SecurityGroup, SecurityGroupRule,
    AUTHORIZE_SECURITY_GROUP_INGRESS, CREATE_TAGS, DESCRIBE_SECURITY_GROUP_RULES,
    REVOKE_SECURITY_GROUP_INGRESS,
};
use crate::regions::{region_resource, regional_outcome, InRegion};

/// The port CIFS (SMB over TCP) listens on.
pub const CIFS_PORT: u16 = 445;

/// The profile's parameters of the controls on remote administration ports.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminPorts {
    /// The remote server administration ports no rule may open to the whole internet:
    /// 22 (SSH) and 3389 (RDP) unless the profile names others of its environment (give
    /// the whole list: it replaces the default).
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
}

fn default_ports() -> Vec<u16> {
    vec![22, 3389]
}

impl Default for AdminPorts {
    fn default() -> Self {
        Self {
            ports: default_ports(),
        }
    }
}

impl ControlParameters for AdminPorts {
    fn validate(&self) -> Result<(), String> {
        if self.ports.is_empty() {
            return Err("ports: name at least one port (the default is [22, 3389])".to_string());
        }
        Ok(())
    }
}

impl AdminPorts {
    /// The ports, sorted, each once.
    pub fn judged(&self) -> Vec<u16> {
        let mut ports = self.ports.clone();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

/// `port 22, 3389`.
pub fn ports_text(ports: &[u16]) -> String {
    let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
    format!("port {}", ports.join(", "))
}

/// `0.0.0.0/0`, or `0.0.0.0/0 or ::/0`.
pub fn families_text(families: &[AddressFamily]) -> String {
    let names: Vec<&str> = families.iter().map(|f| f.everywhere()).collect();
    names.join(" or ")
}

/// The prefix lists each readable region's inbound rules to `ports` name, read once each.
async fn region_prefix_lists(
    account: &AwsAccount,
    regions: &[InRegion<Vec<SecurityGroup>>],
    ports: &[u16],
) -> BTreeMap<String, BTreeMap<String, Result<Arc<PrefixList>, AwsError>>> {
    join_all(regions.iter().map(|region| async move {
        let ids = match &region.data {
            Ok(groups) => referenced_prefix_lists(groups.iter(), ports),
            Err(_) => Vec::new(),
        };
        (
            region.region.clone(),
            prefix_lists(account, &region.region, &ids).await,
        )
    }))
    .await
    .into_iter()
    .collect()
}

/// The verdict on every security group of every region: a group fails when an inbound
/// rule lets every address of one of `families` reach one of `ports`.
pub async fn open_ingress_outcome(
    account: &AwsAccount,
    families: &[AddressFamily],
    ports: &[u16],
) -> Result<Outcome, ErrorDetail> {
    let regions = security_groups(account).await?;
    let lists = region_prefix_lists(account, &regions, ports).await;
    let no_lists = BTreeMap::new();
    Ok(regional_outcome(
        "security groups",
        regions,
        region_resource,
        |findings, region, groups| {
            let lists = lists.get(region).unwrap_or(&no_lists);
            for group in groups {
                match open_ingress(group, families, ports, lists) {
                    Ok(open) if open.is_empty() => findings.pass(
                        &group.arn,
                        Some(region),
                        format!(
                            "{}: no inbound rule opens {} to {}",
                            group.label(),
                            ports_text(ports),
                            families_text(families)
                        ),
                    ),
                    Ok(open) => {
                        let rules: Vec<String> = open.iter().map(OpenRule::summary).collect();
                        findings.fail(
                            &group.arn,
                            Some(region),
                            format!("{}: {}", group.label(), rules.join("; ")),
                        );
                    }
                    Err(error) => findings.unread(region, &group.arn, error.to_detail()),
                }
            }
        },
    ))
}

/// The fix of these controls: revoke, by rule id, exactly the inbound rules that open the
/// judged ports to every address of the judged families; rollback authorizes each again.
pub struct RevokeOpenIngress<P> {
    pub families: &'static [AddressFamily],
    /// The judged ports, from the control's parameters.
    pub ports: fn(&P) -> Vec<u16>,
}

/// A step's data: the group, where it is, and each rule it revokes as EC2 returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RevokeStep {
    region: String,
    group_id: String,
    group_name: String,
    #[serde(default)]
    vpc_id: Option<String>,
    rules: Vec<SecurityGroupRule>,
}

/// What a step on `group` touches, read afresh: every inbound rule of the group.
pub async fn observe_ingress(
    account: &AwsAccount,
    region: &str,
    group_id: &str,
) -> Result<serde_json::Value, AwsError> {
    let rules = read_rules(account, region, Some(group_id)).await?;
    let inbound: Vec<&SecurityGroupRule> = rules.iter().filter(|r| !r.egress).collect();
    Ok(serde_json::json!({ "group": group_id, "ingress": inbound }))
}

#[async_trait]
impl<P: Send + Sync + 'static> Remediation<AwsAccount, P> for RevokeOpenIngress<P> {
    fn safety(&self) -> FixSafety {
        // Whoever reaches these ports from the internet (administrators included) is cut off.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            DESCRIBE_SECURITY_GROUP_RULES,
            REVOKE_SECURITY_GROUP_INGRESS,
            AUTHORIZE_SECURITY_GROUP_INGRESS,
            CREATE_TAGS,
        ]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, P>,
    ) -> Result<Plan, RemediationError> {
        let ports = (self.ports)(input.parameters);
        let regions = read_all_security_groups(account).await?;
        let lists = region_prefix_lists(account, &regions, &ports).await;
        let no_lists = BTreeMap::new();
        let mut steps = Vec::new();
        for region in &regions {
            // A region the fix cannot read is not one it may change blindly.
            let groups = region.data.as_ref().map_err(Clone::clone)?;
            let lists = lists.get(&region.region).unwrap_or(&no_lists);
            for group in groups.iter() {
                let open = open_ingress(group, self.families, &ports, lists)?;
                if open.is_empty() {
                    continue;
                }
                let rules: Vec<String> = open.iter().map(OpenRule::summary).collect();
                steps.push(Step {
                    action: REVOKE_SECURITY_GROUP_INGRESS.to_string(),
                    resource: group.arn.clone(),
                    summary: format!(
                        "revoke {} inbound rule(s) of {} in {}: {}",
                        open.len(),
                        group.label(),
                        region.region,
                        rules.join("; ")
                    ),
                    data: serde_json::to_value(RevokeStep {
                        region: region.region.clone(),
                        group_id: group.id.clone(),
                        group_name: group.name.clone(),
                        vpc_id: group.vpc_id.clone(),
                        rules: open.into_iter().map(|o| o.rule).collect(),
                    })
                    .map_err(|e| RemediationError::Refused(e.to_string()))?,
                });
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(format!(
                "already compliant: no security group opens {} to {}",
                ports_text(&ports),
                families_text(self.families)
            )));
        }
        let explanation = format!(
            "revoke the inbound rules that open {} to {} in {} security group(s); whoever \
             reaches those ports through them is cut off (each rule goes whole: a range such \
             as 0-1024 closes its other ports too)",
            ports_text(&ports),
            families_text(self.families),
            steps.len()
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let data: RevokeStep = step.data_as()?;
        Ok(observe_ingress(account, &data.region, &data.group_id).await?)
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data: RevokeStep = step.data_as()?;
        check_rules_of(&data)?;
        let ids: Vec<String> = data.rules.iter().map(|r| r.id.clone()).collect();
        revoke_rules(account, &data.region, &data.group_id, false, &ids).await?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data: RevokeStep = step.data_as()?;
        check_rules_of(&data)?;
        for rule in &data.rules {
            authorize_rule(account, &data.region, rule).await?;
        }
        Ok(())
    }
}

/// A step names only inbound rules of its own group: a journal edited to touch anything
/// else is refused.
fn check_rules_of(data: &RevokeStep) -> Result<(), RemediationError> {
    match data
        .rules
        .iter()
        .find(|r| r.egress || r.group_id != data.group_id)
    {
        Some(rule) => Err(RemediationError::Refused(format!(
            "rule {} is not an inbound rule of {}",
            rule.id, data.group_id
        ))),
        None if data.rules.is_empty() => Err(RemediationError::Refused(format!(
            "the step on {} names no rule",
            data.group_id
        ))),
        None => Ok(()),
    }
}
