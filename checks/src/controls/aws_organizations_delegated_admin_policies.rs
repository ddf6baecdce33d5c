//! CIS AWS Foundations: a delegated administrator manages Organizations policies. Manual:
//! documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Register a dedicated member account as delegated administrator for AWS Organizations,
    /// through a resource-based delegation policy in the management account, so that organization
    /// policies (SCPs, RCPs, tag, backup and AI opt-out policies) and OU operations are managed
    /// from that account instead of the management account.
    ///
    /// ## Rationale
    /// The management account is the most privileged account and SCPs do not apply to it. Doing
    /// policy work from a purpose-built member account, which SCPs and monitoring do cover, keeps
    /// day-to-day activity and people out of the management account and separates duties.
    ///
    /// ## Impact
    /// A governance account must be created or chosen, and workflows and automation that manage
    /// policies from the management account must move to it.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual).
    ///
    /// From the management account: in AWS Organizations > *Settings*, section *Delegated
    /// administrator for AWS Organizations*, check that a delegation policy exists
    /// (`aws organizations describe-resource-policy`) and names one or more member accounts. None:
    /// the recommendation fails. Confirm the delegated accounts are governance or security
    /// accounts and that the policy grants only the needed policy types and actions.
    ///
    /// ## Remediation
    /// Choose a governance account; in AWS Organizations > *Settings* choose *Delegate* (or edit the
    /// policy) and write a delegation policy whose principal is that account and whose actions are
    /// the least needed (`aws organizations put-resource-policy`); then give its roles only those
    /// permissions and move the work there.
    ///
    /// ## Default value
    /// No delegation policy exists.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs-policy-delegate.html
    pub struct DelegatedAdminPolicies {
        id: "aws-organizations-delegated-admin-policies",
        title: "Ensure delegated admin manages AWS Organizations policies",
        target: AwsAccount,
    }
}
