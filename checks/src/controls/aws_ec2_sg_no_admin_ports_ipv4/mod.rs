//! CIS AWS Foundations: no security group lets `0.0.0.0/0` reach a remote administration
//! port. Every group of every region, attached or not; the rule shared with the IPv6 and
//! CIFS controls is in `crate::data::ec2::open_ingress`.

mod fix;
#[cfg(test)]
pub(crate) mod tests;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::open_ingress::{open_ingress_outcome, AdminPorts};
use crate::data::ec2::prefix_lists::GET_MANAGED_PREFIX_LIST_ENTRIES;
use crate::data::ec2::security_groups::{
    AddressFamily, DESCRIBE_SECURITY_GROUPS, DESCRIBE_SECURITY_GROUP_RULES,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// Security groups filter the traffic that reaches AWS resources, statefully. No
    /// security group should let the whole IPv4 internet (`0.0.0.0/0`) reach a remote server
    /// administration port, such as SSH on 22 and RDP on 3389.
    ///
    /// ## Rationale
    /// An administration port open to the internet is scanned within minutes and invites
    /// password guessing and exploits of the service behind it; closing it shrinks the attack
    /// surface to the networks that need it.
    ///
    /// ## Impact
    /// Whoever administers resources from the internet through such a rule loses that path:
    /// give administrators another way in first (a bastion, AWS Systems Manager Session
    /// Manager, a VPN, or a rule for their own address range).
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), cisrun reads every security group (`ec2:DescribeSecurityGroups`,
    /// every page), whether or not anything uses it, default groups included, and every
    /// rule with its id (`ec2:DescribeSecurityGroupRules`, every page). A group fails when
    /// an inbound rule
    ///
    /// - has the protocol all (`-1`), TCP (`6`) or UDP (`17`): the benchmark names these
    ///   three. Ports are a TCP and UDP notion (SSH is TCP; RDP listens on TCP and UDP
    ///   3389), and a rule for all protocols covers every port; ICMP and other protocols
    ///   have no ports, so they cannot reach one;
    /// - covers one of the ports: all traffic does, and so does a TCP or UDP range that
    ///   includes the port (`0-1024` includes 22; `0-65535` both);
    /// - and comes from `0.0.0.0/0` (any IPv4 address with prefix length 0), directly or
    ///   through a managed prefix list that contains it (cisrun reads the entries of the
    ///   lists such rules name, `ec2:GetManagedPrefixListEntries`, each once).
    ///
    /// `::/0` is the IPv6 control's (`aws-ec2-sg-no-admin-ports-ipv6`): the two are judged
    /// and reported apart. Rules from other security groups or narrower ranges pass.
    ///
    /// The ports are a parameter (default 22 and 3389; the benchmark adds "other remote
    /// server administration ports for your environment"):
    ///
    /// ```yaml
    /// parameters:
    ///   aws-ec2-sg-no-admin-ports-ipv4:
    ///     ports: [22, 3389, 5985, 5986]
    /// ```
    ///
    /// One finding per security group (its ARN, with its region), naming each offending
    /// rule by id. **fail** if any group fails; otherwise **error** if a region, or a prefix
    /// list a rule names, could not be read; otherwise **pass** (also when a region has no
    /// groups). Prowler reads only groups attached to a network interface and TCP alone,
    /// and maps this control and the IPv6 one to the same checks.
    ///
    /// ## Remediation
    /// For each offending rule, remove it or narrow its source to the networks that need
    /// the port: `aws ec2 revoke-security-group-ingress --region <region> --group-id <sg>
    /// --security-group-rule-ids <sgr>`. `cisrun remediate --apply --unsafe-fixes` does
    /// exactly that, one call per group, for the rules the audit names (the plan lists every
    /// group, its VPC and each rule); a rule goes whole, so a range such as `0-1024` closes
    /// its other ports too. The journal records each rule as EC2 returned it; `cisrun
    /// rollback` authorizes each again with its protocol, ports, source, description and
    /// tags (EC2 gives it a new rule id). The fix is unsafe: it cuts off whoever reaches
    /// those ports through the rule.
    ///
    /// ## Default value
    /// A new security group has no inbound rule.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html
    pub struct SgNoAdminPortsIpv4 {
        id: "aws-ec2-sg-no-admin-ports-ipv4",
        title: "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports",
        target: AwsAccount,
        permissions: [
            DESCRIBE_REGIONS,
            DESCRIBE_SECURITY_GROUPS,
            DESCRIBE_SECURITY_GROUP_RULES,
            GET_MANAGED_PREFIX_LIST_ENTRIES,
        ],
        parameters: AdminPorts,
        fix: fix::FIX,
    }
}

/// The family this control judges.
pub const FAMILIES: &[AddressFamily] = &[AddressFamily::Ipv4];

#[async_trait]
impl Audit for SgNoAdminPortsIpv4 {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, AdminPorts>,
    ) -> Result<Outcome, ErrorDetail> {
        open_ingress_outcome(account, FAMILIES, &input.parameters.judged()).await
    }
}
