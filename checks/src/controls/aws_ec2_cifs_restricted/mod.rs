//! CIS AWS Foundations: CIFS (445) is not open to the internet. The rule shared with the
//! administration-port controls (`crate::data::ec2::open_ingress`), for port 445 from
//! either family.

mod fix;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::open_ingress::{open_ingress_outcome, CIFS_PORT};
use crate::data::ec2::prefix_lists::GET_MANAGED_PREFIX_LIST_ENTRIES;
use crate::data::ec2::security_groups::{
    AddressFamily, DESCRIBE_SECURITY_GROUPS, DESCRIBE_SECURITY_GROUP_RULES,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// CIFS (SMB, the Windows file-sharing protocol) listens on port 445. Restrict it to
    /// trusted networks: no security group should let the whole internet (`0.0.0.0/0` or
    /// `::/0`) reach port 445.
    ///
    /// ## Rationale
    /// SMB exposed to the internet has carried worms and ransomware (EternalBlue, WannaCry)
    /// and leaks file shares and credentials; it is meant for trusted networks only.
    ///
    /// ## Impact
    /// Clients that mount shares across the internet through such a rule stop reaching
    /// them: move them to a VPN, AWS Direct Connect, or a rule for their own ranges first.
    ///
    /// ## Audit
    /// Every security group of every region enabled for the account
    /// (`ec2:DescribeSecurityGroups` and `ec2:DescribeSecurityGroupRules`, every page;
    /// attached to an instance or not, default groups included) fails when an inbound rule
    ///
    /// - has the protocol all (`-1`), TCP (`6`) or UDP (`17`): CIFS runs over TCP 445, a
    ///   rule for all protocols covers it, and cisrun counts UDP as the
    ///   administration-port controls do (the benchmark names port 445, not a protocol);
    /// - covers port 445 (all traffic, or a range that includes it, such as `0-1024`);
    /// - and comes from `0.0.0.0/0` or `::/0` (prefix length 0), directly or through a
    ///   managed prefix list that contains either (`ec2:GetManagedPrefixListEntries`).
    ///
    /// One finding per security group (its ARN, with its region), naming each offending
    /// rule by id. **fail** if any group fails; otherwise **error** if a region, or a prefix
    /// list a rule names, could not be read; otherwise **pass**. Prowler reads only groups
    /// attached to EC2 instances.
    ///
    /// ## Remediation
    /// Remove each offending rule or narrow its source to trusted networks: `aws ec2
    /// revoke-security-group-ingress --region <region> --group-id <sg>
    /// --security-group-rule-ids <sgr>`. `cisrun remediate --apply --unsafe-fixes` revokes
    /// exactly the rules the audit names, one call per group (the plan names every group,
    /// its VPC and each rule); the journal records each rule as EC2 returned it and `cisrun
    /// rollback` authorizes each again with its protocol, ports, source, description and
    /// tags. Unsafe: remote clients of the shares are cut off.
    ///
    /// ## Default value
    /// A new security group has no inbound rule.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html
    pub struct CifsRestricted {
        id: "aws-ec2-cifs-restricted",
        title: "Ensure CIFS access is restricted to trusted networks to prevent unauthorized access",
        target: AwsAccount,
        permissions: [
            DESCRIBE_REGIONS,
            DESCRIBE_SECURITY_GROUPS,
            DESCRIBE_SECURITY_GROUP_RULES,
            GET_MANAGED_PREFIX_LIST_ENTRIES,
        ],
        fix: fix::FIX,
    }
}

/// Both families: the benchmark names `0.0.0.0/0` and `::/0`.
pub const FAMILIES: &[AddressFamily] = &[AddressFamily::Ipv4, AddressFamily::Ipv6];

#[async_trait]
impl Audit for CifsRestricted {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        open_ingress_outcome(account, FAMILIES, &[CIFS_PORT]).await
    }
}
