//! CIS AWS Foundations: delegated administrators for Organizations-integrated services.
//! Manual: documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// For each AWS service in use that integrates with AWS Organizations and supports delegated
    /// administration (CloudTrail, GuardDuty, Security Hub, Config, ...), enable trusted access and
    /// register a purpose-built member account as its delegated administrator, instead of
    /// administering the service from the management account.
    ///
    /// ## Rationale
    /// Without delegated administrators, organization-wide security and logging services are run
    /// from the management account, concentrating people and credentials in the most privileged
    /// account, which SCPs cannot restrict. Dedicated security or logging accounts can be
    /// restricted, monitored and matched to team responsibilities.
    ///
    /// ## Impact
    /// A dedicated account must be chosen for each service, and workflows that administer the
    /// service from the management account must move.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Which services are in scope is a
    /// judgement.
    ///
    /// From the management account, for each such service in use (CloudTrail as the example):
    /// check that an organization trail exists (`aws cloudtrail describe-trails`,
    /// `IsOrganizationTrail`); if none, CloudTrail is out of scope. Otherwise check that a member
    /// account, not the management account, is registered
    /// (`aws organizations list-delegated-administrators --service-principal cloudtrail.amazonaws.com`)
    /// and suits security or logging work. Repeat for the other services.
    ///
    /// ## Remediation
    /// For each service: enable trusted access in AWS Organizations, then register the security or
    /// logging account as delegated administrator (for CloudTrail: *Settings* > *Organization
    /// delegated administrators* > *Register administrator*, or
    /// `aws organizations register-delegated-administrator`), confirm it can administer the
    /// service, and update runbooks.
    ///
    /// ## Default value
    /// No delegated administrator is registered.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
    pub struct DelegatedAdminServices {
        id: "aws-organizations-delegated-admin-services",
        title: "Ensure delegated admins manage AWS Organizations-integrated services",
        target: AwsAccount,
    }
}
