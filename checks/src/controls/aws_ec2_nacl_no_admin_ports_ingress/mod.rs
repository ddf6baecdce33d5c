//! CIS AWS Foundations: no network ACL allows ingress from the whole internet to a remote
//! administration port. Every ACL of every region; the evidence says how EC2's
//! rule-number order decides the traffic each offending entry allows.

mod fix;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::network_acls::{
    network_acls, open_entries, OpenEntry, DESCRIBE_NETWORK_ACLS,
};
use crate::data::ec2::open_ingress::{ports_text, AdminPorts};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Network ACLs filter the traffic in and out of subnets, statelessly. No network ACL
    /// should allow ingress from the whole internet (`0.0.0.0/0` or `::/0`) to a remote
    /// server administration port, such as SSH on 22 and RDP on 3389, over TCP (6), UDP
    /// (17) or all protocols (-1).
    ///
    /// ## Rationale
    /// An administration port open to the internet invites password guessing and exploits
    /// of the service behind it. The ACL is the subnet's own layer: it should not let such
    /// traffic through even where a security group would.
    ///
    /// ## Impact
    /// Every subnet associated with the ACL stops accepting that traffic from the internet
    /// once the entry goes. The default ACL of a VPC allows all inbound traffic (rule 100),
    /// so it fails: replacing it needs entries for every port the VPC's services do use
    /// (and ephemeral ports for return traffic, since ACLs are stateless).
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), every network ACL (`ec2:DescribeNetworkAcls`, every page;
    /// associated with a subnet or not, default ACLs included) fails when an inbound entry
    ///
    /// - is an ALLOW (DENY entries never fail);
    /// - has the protocol all (`-1`), TCP (`6`) or UDP (`17`), as the benchmark says: ports
    ///   are a TCP and UDP notion, and all protocols cover every port;
    /// - covers one of the ports (all traffic, or a port range that includes the port);
    /// - and comes from `0.0.0.0/0` or `::/0` (any address with prefix length 0).
    ///
    /// This is the benchmark's reading: such an entry fails wherever it stands. The evidence
    /// also says, evaluating the inbound entries in rule-number order as EC2 does, which
    /// entry first matches each kind of traffic the offending one allows (TCP or UDP to each
    /// port, from every address of its family): an earlier DENY from the same whole family
    /// *shadows* it, an earlier ALLOW decides first, a narrower earlier entry leaves the rest
    /// of the internet to it. A shadowed entry still fails: one edit above it opens the port.
    ///
    /// The ports are a parameter (default 22 and 3389):
    ///
    /// ```yaml
    /// parameters:
    ///   aws-ec2-nacl-no-admin-ports-ingress:
    ///     ports: [22, 3389, 5985, 5986]
    /// ```
    ///
    /// One finding per ACL (its ARN, with its region, VPC and subnets). **fail** if any ACL
    /// fails; otherwise **error** if a region could not be read; otherwise **pass**.
    /// Prowler counts TCP and all protocols only (UDP 3389 passes there) and skips regions
    /// without security groups.
    ///
    /// ## Remediation
    /// Delete each offending entry, or narrow its source:
    /// `aws ec2 delete-network-acl-entry --region <region> --network-acl-id <acl>
    /// --ingress --rule-number <n>`. `cisrun remediate --apply --unsafe-fixes` deletes
    /// exactly the entries the audit names, one call per entry (the plan names every ACL,
    /// its VPC and each entry); the journal records each entry as EC2 returned it and
    /// `cisrun rollback` creates each again with its rule number, protocol, action, CIDR and
    /// ports. Unsafe: the subnets lose that inbound traffic, and for a default ACL's rule 100
    /// that is all inbound traffic.
    ///
    /// ## Default value
    /// A VPC's default network ACL allows all inbound and outbound traffic from and to
    /// `0.0.0.0/0` (and `::/0` when the VPC has IPv6); a new custom ACL denies everything.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
    pub struct NaclNoAdminPortsIngress {
        id: "aws-ec2-nacl-no-admin-ports-ingress",
        title: "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_NETWORK_ACLS],
        parameters: AdminPorts,
        fix: fix::NACL_FIX,
    }
}

#[async_trait]
impl Audit for NaclNoAdminPortsIngress {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, AdminPorts>,
    ) -> Result<Outcome, ErrorDetail> {
        let ports = input.parameters.judged();
        Ok(regional_outcome(
            "network ACLs",
            network_acls(account).await?,
            region_resource,
            |findings, region, acls| {
                for acl in acls {
                    let open = open_entries(acl, &ports);
                    if open.is_empty() {
                        findings.pass(
                            &acl.arn,
                            Some(region),
                            format!(
                                "{}: no inbound ALLOW from 0.0.0.0/0 or ::/0 to {}",
                                acl.label(),
                                ports_text(&ports)
                            ),
                        );
                    } else {
                        let entries: Vec<String> = open.iter().map(OpenEntry::summary).collect();
                        findings.fail(
                            &acl.arn,
                            Some(region),
                            format!("{}: {}", acl.label(), entries.join("; ")),
                        );
                    }
                }
            },
        ))
    }
}
