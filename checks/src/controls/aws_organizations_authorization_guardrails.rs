//! CIS AWS Foundations: baseline SCPs/RCPs on every member account. Manual: documentation
//! only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Attach baseline authorization policies, service control policies (SCPs) and/or resource
    /// control policies (RCPs), to every member account of the AWS Organization, as the
    /// organization's security requirements define. SCPs cap what principals in an account may do;
    /// RCPs cap what access resources in an account may grant.
    ///
    /// ## Rationale
    /// Authorization policies grant nothing; they set limits that local IAM and resource policies
    /// cannot exceed. Without them, any account can disable logging or security services, use
    /// unapproved regions or services, or open resources to outsiders. Baseline guardrails on all
    /// accounts keep every account inside the organization's security baseline.
    ///
    /// ## Impact
    /// Guardrails can block existing practices (an unapproved region, a broad permission). Adjust
    /// IAM policies, pipelines and exception processes, and test before attaching at the root or an
    /// OU.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Whether a policy implements the
    /// organization's baseline is a judgement.
    ///
    /// From the management account: write down the baseline requirements (for example: do not
    /// disable CloudTrail, Config, GuardDuty or Security Hub; approved regions only; protect
    /// security roles; no external access to sensitive resources). List the policies
    /// (`aws organizations list-policies --filter SERVICE_CONTROL_POLICY`, and
    /// `RESOURCE_CONTROL_POLICY`), read each (`aws organizations describe-policy`), and check with
    /// `aws organizations list-targets-for-policy`, `list-roots` and `list-accounts` that every
    /// member account is covered, directly or through its OU or the root.
    ///
    /// ## Remediation
    /// Create guardrail SCPs (and RCPs where needed) that encode the non-negotiable requirements,
    /// then attach them to the root or to each OU (`aws organizations attach-policy`), testing on
    /// non-production OUs first.
    ///
    /// ## Default value
    /// Only the AWS-managed `FullAWSAccess` SCP (and `RCPFullAWSAccess` RCP) is attached; they
    /// restrict nothing.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
    pub struct AuthorizationGuardrails {
        id: "aws-organizations-authorization-guardrails",
        title: "Ensure authorization guardrails for all AWS Organization accounts",
        target: AwsAccount,
    }
}
