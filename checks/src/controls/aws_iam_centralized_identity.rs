//! CIS AWS Foundations: central identity management. Manual: documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// In an environment of several accounts, keep the people's identities in one place, through
    /// federation with an external identity provider (or IAM Identity Center) or in one account of
    /// an AWS Organization, and give them access to the other accounts by assuming roles.
    ///
    /// ## Rationale
    /// One identity store is simpler than many: fewer places to create, review and remove users
    /// means fewer access-management mistakes.
    ///
    /// ## Impact
    /// Accounts other than the identity account should hold no IAM users that represent people;
    /// moving existing users to federation or role assumption changes how they sign in.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Which account is the identity
    /// account, and which IAM users are service users rather than people, are judgements.
    ///
    /// 1. In the account that holds identities, check the identity providers under *IAM* >
    ///    *Identity providers* (`aws iam list-saml-providers`,
    ///    `aws iam list-open-id-connect-providers`) or IAM Identity Center.
    /// 2. In every other account, list the IAM users (`aws iam list-users`) and confirm that none
    ///    represents an individual.
    ///
    /// ## Remediation
    /// Depends on the organization's federation and AWS Organizations design. The target: no IAM
    /// users for people, and no root use, outside the account that manages identities centrally.
    ///
    /// ## Default value
    /// Every account can create its own IAM users.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html
    /// - https://docs.aws.amazon.com/singlesignon/latest/userguide/what-is.html
    /// - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_introduction.html
    pub struct CentralizedIdentity {
        id: "aws-iam-centralized-identity",
        title: "Ensure IAM users are managed centrally via identity federation or AWS Organizations for multi-account environments",
        target: AwsAccount,
    }
}
