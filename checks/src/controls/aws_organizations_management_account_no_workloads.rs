//! CIS AWS Foundations: the management account runs no workloads. Manual: documentation
//! only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Use the AWS Organizations management account only for governance: creating and managing
    /// accounts, organization policies, consolidated billing. Run applications and keep business
    /// data in member accounts.
    ///
    /// ## Rationale
    /// SCPs cannot restrict the management account, and it can administer the whole organization.
    /// A workload there widens its attack surface: a vulnerable or misconfigured application could
    /// hand an attacker organization-wide administrative power.
    ///
    /// ## Impact
    /// Existing workloads must move to member accounts, which can mean new accounts, redesigned
    /// boundaries and migrations.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Telling governance resources from
    /// workloads is a judgement.
    ///
    /// Identify the management account (`aws organizations describe-organization`), inventory its
    /// resources (AWS Config, an asset inventory, or `ec2 describe-instances`,
    /// `lambda list-functions`, `rds describe-db-instances`, `s3api list-buckets`, ...), and classify
    /// each as governance/security (organization trail, Config aggregator, billing tooling) or
    /// workload. Any workload is a gap.
    ///
    /// ## Remediation
    /// Inventory the workloads, create or choose member accounts in suitable OUs, migrate the
    /// workloads in phases (non-production first), restrict management-account access to the people
    /// who govern the organization, and make "no workloads in the management account" a documented
    /// rule.
    ///
    /// ## Default value
    /// Nothing stops workloads from running in the management account.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_best-practices_mgmt-acct.html
    pub struct ManagementAccountNoWorkloads {
        id: "aws-organizations-management-account-no-workloads",
        title: "Ensure Organizations management account is not used for workloads",
        target: AwsAccount,
    }
}
