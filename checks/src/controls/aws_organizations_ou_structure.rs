//! CIS AWS Foundations: OUs by environment and sensitivity. Manual: documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Organize the AWS Organization's organizational units (OUs) by environment (production,
    /// non-production, sandbox) and sensitivity (security, logging, shared services, regulated
    /// workloads), not by the company's org chart, so that accounts with the same security needs
    /// share an OU and its guardrails.
    ///
    /// ## Rationale
    /// Guardrails and security controls are applied per OU. When OUs group accounts of similar risk,
    /// controls apply consistently; ad-hoc OUs mix workloads of different sensitivity under the same
    /// controls and make mistakes likely.
    ///
    /// ## Impact
    /// Restructuring moves accounts and changes the policies they inherit: revalidate policies,
    /// test workloads and update automation that assumes OU paths.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Whether an OU's purpose is clear
    /// is a judgement.
    ///
    /// From the management account, list the hierarchy and the accounts in each OU
    /// (`aws organizations list-roots`, `list-organizational-units-for-parent`,
    /// `list-accounts-for-parent`). Check that top-level OUs follow environment and sensitivity,
    /// and that sampled accounts match their OU's purpose (no production mixed into a
    /// non-production OU, no regulated workload in a low-sensitivity OU).
    ///
    /// ## Remediation
    /// Agree on a small set of top-level OUs (for example Security, Infrastructure, Prod,
    /// Non-Prod, plus regulated OUs), create them, map each account to its target OU and move
    /// them (`aws organizations move-account`), low-risk accounts first; then remove obsolete OUs
    /// and keep accounts out of the root unless justified.
    ///
    /// ## Default value
    /// An organization has only its root; no OUs.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/recommended-ous-and-accounts.html
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_ous.html
    pub struct OuStructure {
        id: "aws-organizations-ou-structure",
        title: "Ensure Organizational Units are structured by environment and sensitivity",
        target: AwsAccount,
    }
}
