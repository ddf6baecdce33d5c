//! CIS AWS Foundations: the default security group of every VPC has no rule at all. Every
//! VPC of every region, whether anything uses its default group or not.

mod fix;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::security_groups::{
    security_groups, SecurityGroup, SecurityGroupRule, DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_SECURITY_GROUP_RULES,
};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Every VPC comes with a default security group, which EC2 gives to any instance or
    /// interface launched without one. Its initial rules allow all traffic between its
    /// members and all outbound traffic. The default group of every VPC should restrict all
    /// traffic: no inbound rule and no outbound rule.
    ///
    /// ## Rationale
    /// A default group with rules grants access to whatever lands in it by accident. A
    /// default group that allows nothing makes every resource name a group of its own,
    /// designed for it, which keeps access least-privilege.
    ///
    /// ## Impact
    /// Resources still in a default group lose all network access once its rules are
    /// removed: move them to groups of their own first (VPC flow logs show which traffic
    /// they use).
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), cisrun reads every security group (`ec2:DescribeSecurityGroups`,
    /// every page) and every rule (`ec2:DescribeSecurityGroupRules`, every page). The
    /// default group of each VPC (the group named `default`, a name no other group may
    /// take) passes when it has no inbound and no outbound rule, and fails otherwise,
    /// whatever the rule allows and whatever uses or references the group: default groups
    /// with nothing attached are judged too (Prowler skips those).
    ///
    /// One finding per default group (its ARN, with its region and VPC), naming each rule
    /// by id. **fail** if any default group has a rule; otherwise **error** if a region could
    /// not be read; otherwise **pass**.
    ///
    /// ## Remediation
    /// Remove every rule of each default group: `aws ec2 revoke-security-group-ingress` and
    /// `aws ec2 revoke-security-group-egress --region <region> --group-id <sg>
    /// --security-group-rule-ids <sgr> ...`, after moving its members to groups of their
    /// own. `cisrun remediate --apply --unsafe-fixes` revokes every inbound rule (one call)
    /// and every outbound rule (another) of each failing default group, by rule id; the plan
    /// names every group, its VPC and each rule, and the journal records each rule as EC2
    /// returned it. `cisrun rollback` authorizes each rule again with its protocol, ports,
    /// peer, description and tags (EC2 gives it a new rule id). Unsafe: members of the group
    /// lose all traffic.
    ///
    /// ## Default value
    /// A new VPC's default group allows all inbound traffic from its own members and all
    /// outbound traffic to `0.0.0.0/0` (and `::/0` with IPv6).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html
    pub struct DefaultSgRestrictsAll {
        id: "aws-ec2-default-sg-restricts-all",
        title: "Ensure the default security group of every VPC restricts all traffic",
        target: AwsAccount,
        permissions: [
            DESCRIBE_REGIONS,
            DESCRIBE_SECURITY_GROUPS,
            DESCRIBE_SECURITY_GROUP_RULES,
        ],
        fix: fix::FIX,
    }
}

/// `1 inbound and 1 outbound rule: sgr-…: all traffic from group sg-…; …`, or `None` for a
/// group without rules.
pub fn rules_text(group: &SecurityGroup) -> Option<String> {
    if group.ingress.is_empty() && group.egress.is_empty() {
        return None;
    }
    let rules: Vec<String> = group
        .ingress
        .iter()
        .chain(&group.egress)
        .map(SecurityGroupRule::summary)
        .collect();
    Some(format!(
        "{} inbound and {} outbound rule(s): {}",
        group.ingress.len(),
        group.egress.len(),
        rules.join("; ")
    ))
}

#[async_trait]
impl Audit for DefaultSgRestrictsAll {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "default security groups",
            security_groups(account).await?,
            region_resource,
            |findings, region, groups| {
                for group in groups.iter().filter(|g| g.is_vpc_default()) {
                    match rules_text(group) {
                        None => findings.pass(
                            &group.arn,
                            Some(region),
                            format!("{}: no inbound and no outbound rule", group.label()),
                        ),
                        Some(rules) => findings.fail(
                            &group.arn,
                            Some(region),
                            format!("{}: {rules}", group.label()),
                        ),
                    }
                }
            },
        ))
    }
}
