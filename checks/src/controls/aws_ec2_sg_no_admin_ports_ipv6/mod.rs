//! CIS AWS Foundations: no security group lets `::/0` reach a remote administration port.
//! The IPv4 control's rule (`crate::data::ec2::open_ingress`) for the other family.

mod fix;

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
    /// security group should let the whole IPv6 internet (`::/0`) reach a remote server
    /// administration port, such as SSH on 22 and RDP on 3389.
    ///
    /// ## Rationale
    /// An administration port open to the internet invites password guessing and exploits
    /// of the service behind it. IPv6 addresses are harder to sweep than IPv4 ones, but
    /// they leak through DNS, logs and certificates: `::/0` is as open as `0.0.0.0/0`.
    ///
    /// ## Impact
    /// Whoever administers resources over IPv6 through such a rule loses that path: give
    /// administrators another way in first (a bastion, AWS Systems Manager Session Manager,
    /// a VPN, or a rule for their own prefix).
    ///
    /// ## Audit
    /// The same reading as `aws-ec2-sg-no-admin-ports-ipv4`, for the other family: every
    /// security group of every region enabled for the account (`ec2:DescribeSecurityGroups`
    /// and `ec2:DescribeSecurityGroupRules`, every page; attached or not, default groups
    /// included) fails when an inbound rule
    ///
    /// - has the protocol all (`-1`), TCP (`6`) or UDP (`17`). The benchmark's IPv6 text
    ///   names ports, not protocols; cisrun counts the same three as for IPv4, because ports
    ///   belong to TCP and UDP and a rule for all protocols covers every port (ICMPv6 and
    ///   other protocols have none);
    /// - covers one of the ports (all traffic, or a range that includes the port);
    /// - and comes from `::/0` (any IPv6 address with prefix length 0), directly
    ///   (`Ipv6Ranges`) or through a managed prefix list that contains it
    ///   (`ec2:GetManagedPrefixListEntries`, each list once).
    ///
    /// `0.0.0.0/0` is not this control's: a rule open to IPv4 only passes here and fails
    /// the IPv4 control, so the two report apart.
    ///
    /// ```yaml
    /// parameters:
    ///   aws-ec2-sg-no-admin-ports-ipv6:
    ///     ports: [22, 3389]        # the default; list every port to judge
    /// ```
    ///
    /// One finding per security group (its ARN, with its region), naming each offending
    /// rule by id. **fail** if any group fails; otherwise **error** if a region, or a prefix
    /// list a rule names, could not be read; otherwise **pass**.
    ///
    /// ## Remediation
    /// Remove each offending rule or narrow its source: `aws ec2
    /// revoke-security-group-ingress --region <region> --group-id <sg>
    /// --security-group-rule-ids <sgr>`. `cisrun remediate --apply --unsafe-fixes` revokes
    /// exactly the rules the audit names, one call per group (the plan names every group,
    /// its VPC and each rule); the journal records each rule as EC2 returned it and `cisrun
    /// rollback` authorizes each again with its protocol, ports, source, description and
    /// tags. Unsafe: it cuts off whoever reaches those ports through the rule.
    ///
    /// ## Default value
    /// A new security group has no inbound rule.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html
    pub struct SgNoAdminPortsIpv6 {
        id: "aws-ec2-sg-no-admin-ports-ipv6",
        title: "Ensure no security groups allow ingress from ::/0 to remote server administration ports",
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
pub const FAMILIES: &[AddressFamily] = &[AddressFamily::Ipv6];

#[async_trait]
impl Audit for SgNoAdminPortsIpv6 {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, AdminPorts>,
    ) -> Result<Outcome, ErrorDetail> {
        open_ingress_outcome(account, FAMILIES, &input.parameters.judged()).await
    }
}
