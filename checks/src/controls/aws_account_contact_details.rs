//! CIS AWS Foundations: current account contact details. Manual: documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Keep the account's contact e-mail address and telephone number current, and make them reach
    /// more than one person: an e-mail alias that forwards to several people, and where possible a
    /// phone number that rings a group. AWS uses these details when its abuse team sees activity
    /// that breaches the Acceptable Use Policy or suggests the account is compromised.
    ///
    /// ## Rationale
    /// When AWS cannot reach the owner of an account that misbehaves, it may act on its own, for
    /// example by throttling the account's traffic to the AWS APIs and the internet, which impairs
    /// the service. Contacts that reach a group, not one absent person, make a prompt answer likely.
    ///
    /// ## Impact
    /// None on workloads. Someone must keep the details up to date as people and aliases change.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Whether the details are current
    /// and reach more than one person is a judgement a person makes.
    ///
    /// With a user allowed to read billing and account information, open the console's *Account*
    /// page (from the account menu) and review *Account settings* and *Contact information*. The
    /// primary contact can also be read with `aws account get-contact-information`.
    ///
    /// ## Remediation
    /// On the console's *Account* page, choose *Edit* next to *Account settings* and *Contact
    /// information* and enter current details that point to an alias and a group phone number. Or
    /// `aws account put-contact-information --contact-information '{"FullName": ..., "PhoneNumber": ..., ...}'`.
    ///
    /// ## Default value
    /// The details entered when the account was created, which usually name one person.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/manage-account-payment.html#contact-info
    /// - https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-primary.html
    pub struct ContactDetails {
        id: "aws-account-contact-details",
        title: "Maintain current AWS account contact details",
        target: AwsAccount,
    }
}
