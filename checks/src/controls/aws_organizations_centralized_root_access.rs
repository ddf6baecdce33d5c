//! CIS AWS Foundations: centralized root access for member accounts. Manual: documentation
//! only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Turn on IAM's centralized root access for the AWS Organization, so the management account
    /// (and optionally a delegated administrator) can delete member accounts' root credentials,
    /// prevent their recovery, and run short, task-scoped root sessions when a root-only action is
    /// needed, instead of every member account keeping long-lived root credentials.
    ///
    /// ## Rationale
    /// Root credentials kept in each member account (passwords, access keys, MFA devices) multiply
    /// quickly and are hard to inventory, rotate and protect. Managing root access centrally removes
    /// them, keeps the few root actions short-lived and visible, and supports least privilege.
    ///
    /// ## Impact
    /// Turning the feature on does not delete existing root credentials: plan their removal, and
    /// change any process that signs in as root directly to use centrally started root sessions.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual).
    ///
    /// From the management account: in AWS Organizations, confirm the organization exists and
    /// that *AWS Identity and Access Management* has trusted access enabled
    /// (`aws organizations list-aws-service-access-for-organization`); in IAM, open *Root access
    /// management* and confirm that root credentials management is enabled
    /// (`aws iam list-organizations-features` lists `RootCredentialsManagement`). If a delegated
    /// administrator is shown, confirm it is a security account, not a workload account.
    ///
    /// ## Remediation
    /// From the management account: enable trusted access for IAM in AWS Organizations, then in
    /// IAM > *Root access management* choose *Enable*, select root credentials management (and,
    /// if wanted, privileged root actions in member accounts), and optionally name a security
    /// account as delegated administrator. Or `aws iam enable-organizations-root-credentials-management`
    /// and `aws iam enable-organizations-root-sessions`.
    ///
    /// ## Default value
    /// Not enabled.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListOrganizationsFeatures.html
    pub struct CentralizedRootAccess {
        id: "aws-organizations-centralized-root-access",
        title: "Ensure centralized root access in AWS Organizations",
        target: AwsAccount,
    }
}
