//! The fix: strip every rule from each default security group that has any, inbound rules
//! in one call and outbound rules in another; rollback authorizes each rule again.

use async_trait::async_trait;
use cisrun_core::{FixSafety, Input, NoParameters, Plan, Remediation, RemediationError, Step};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::data::ec2::security_groups::{
    authorize_rule, read_all_security_groups, read_rules, revoke_rules, SecurityGroup,
    SecurityGroupRule, AUTHORIZE_SECURITY_GROUP_EGRESS, AUTHORIZE_SECURITY_GROUP_INGRESS,
    CREATE_TAGS, DESCRIBE_SECURITY_GROUP_RULES, REVOKE_SECURITY_GROUP_EGRESS,
    REVOKE_SECURITY_GROUP_INGRESS,
};

/// The fix.
pub(super) struct StripDefaultGroups;

pub(super) static FIX: StripDefaultGroups = StripDefaultGroups;

/// A step's data: the group, where it is, the direction, and each rule it revokes as EC2
/// returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StripStep {
    region: String,
    group_id: String,
    vpc_id: String,
    egress: bool,
    rules: Vec<SecurityGroupRule>,
}

fn step_data(step: &Step) -> Result<StripStep, RemediationError> {
    let data: StripStep = step.data_as()?;
    if let Some(rule) = data
        .rules
        .iter()
        .find(|r| r.egress != data.egress || r.group_id != data.group_id)
    {
        return Err(RemediationError::Refused(format!(
            "rule {} is not an {} rule of {}",
            rule.id,
            if data.egress { "outbound" } else { "inbound" },
            data.group_id
        )));
    }
    if data.rules.is_empty() {
        return Err(RemediationError::Refused(format!(
            "the step on {} names no rule",
            data.group_id
        )));
    }
    Ok(data)
}

fn strip_step(region: &str, group: &SecurityGroup, vpc_id: &str, egress: bool) -> Option<Step> {
    let rules = if egress {
        &group.egress
    } else {
        &group.ingress
    };
    if rules.is_empty() {
        return None;
    }
    let (action, direction) = if egress {
        (REVOKE_SECURITY_GROUP_EGRESS, "outbound")
    } else {
        (REVOKE_SECURITY_GROUP_INGRESS, "inbound")
    };
    let listed: Vec<String> = rules.iter().map(SecurityGroupRule::summary).collect();
    let data = StripStep {
        region: region.to_string(),
        group_id: group.id.clone(),
        vpc_id: vpc_id.to_string(),
        egress,
        rules: rules.clone(),
    };
    Some(Step {
        action: action.to_string(),
        resource: group.arn.clone(),
        summary: format!(
            "revoke every {direction} rule ({}) of the default group {} in {region}: {}",
            rules.len(),
            group.label(),
            listed.join("; ")
        ),
        data: serde_json::to_value(data).unwrap_or_default(),
    })
}

#[async_trait]
impl Remediation<AwsAccount> for StripDefaultGroups {
    fn safety(&self) -> FixSafety {
        // Whatever is still in a default group loses all its traffic.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            DESCRIBE_SECURITY_GROUP_RULES,
            REVOKE_SECURITY_GROUP_INGRESS,
            REVOKE_SECURITY_GROUP_EGRESS,
            AUTHORIZE_SECURITY_GROUP_INGRESS,
            AUTHORIZE_SECURITY_GROUP_EGRESS,
            CREATE_TAGS,
        ]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let mut steps = Vec::new();
        let mut groups = 0;
        for region in read_all_security_groups(account).await? {
            // A region the fix cannot read is not one it may change blindly.
            let listed = region.data?;
            for group in listed.iter().filter(|g| g.is_vpc_default()) {
                let vpc_id = group.vpc_id.as_deref().unwrap_or_default();
                let before = steps.len();
                steps.extend(strip_step(&region.region, group, vpc_id, false));
                steps.extend(strip_step(&region.region, group, vpc_id, true));
                if steps.len() > before {
                    groups += 1;
                }
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "already compliant: no default security group has a rule",
            ));
        }
        Ok(Plan::of(
            steps,
            format!(
                "revoke every rule of {groups} default security group(s); whatever is still in \
                 them loses all traffic"
            ),
        ))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let data = step_data(step)?;
        // Both directions: the two steps on one group leave one state to compare. Rules by
        // what they allow, not by id: a rule the undo authorizes again gets a new id, and the
        // earlier step's state must still match after the later step is undone.
        let rules = read_rules(account, &data.region, Some(&data.group_id)).await?;
        let (egress, ingress): (Vec<&SecurityGroupRule>, Vec<&SecurityGroupRule>) =
            rules.iter().partition(|r| r.egress);
        Ok(serde_json::json!({
            "group": data.group_id,
            "ingress": without_ids(&ingress)?,
            "egress": without_ids(&egress)?,
        }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        let ids: Vec<String> = data.rules.iter().map(|r| r.id.clone()).collect();
        revoke_rules(account, &data.region, &data.group_id, data.egress, &ids).await?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        for rule in &data.rules {
            authorize_rule(account, &data.region, rule).await?;
        }
        Ok(())
    }
}

/// `rules` as JSON without their rule ids, sorted.
fn without_ids(rules: &[&SecurityGroupRule]) -> Result<Vec<serde_json::Value>, RemediationError> {
    let mut shown = Vec::with_capacity(rules.len());
    for rule in rules {
        let mut value = serde_json::to_value(rule)
            .map_err(|e| RemediationError::Refused(format!("a rule as JSON: {e}")))?;
        if let Some(fields) = value.as_object_mut() {
            fields.remove("SecurityGroupRuleId");
        }
        shown.push(value);
    }
    shown.sort_by_key(|v| v.to_string());
    Ok(shown)
}
