//! CIS AWS Foundations: security challenge questions. Manual: documentation only; no API
//! exposes the questions.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// The AWS account settings let the owner register security challenge questions, which AWS
    /// customer service can use to authenticate someone who calls about the account. Register them.
    ///
    /// ## Rationale
    /// The root user should rarely be used and be tightly controlled. If its password is lost or
    /// its MFA device is lost or destroyed, answering the security questions is one way to prove
    /// ownership and recover root sign-in.
    ///
    /// ## Impact
    /// None on workloads. Store the answers securely, as you would a root credential.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). No AWS API reads the security
    /// questions; only the root user can see them in the console.
    ///
    /// Sign in as the root user, open *Account* from the account menu and check that the
    /// *Configure security challenge questions* section has three questions configured.
    ///
    /// ## Remediation
    /// Sign in as the root user, open *Account*, choose *Edit* in *Configure security challenge
    /// questions*, pick and answer three questions, choose *Update*, and keep the answers in a
    /// secure physical location. AWS has announced the retirement of security challenge
    /// questions; where the console no longer offers the section, nothing can be registered
    /// and the recommendation is moot (it is not in the benchmark from v5.0.0).
    ///
    /// ## Default value
    /// No security questions are registered.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-security-challenge.html
    pub struct SecurityQuestions {
        id: "aws-account-security-questions",
        title: "Ensure security questions are registered in the AWS account",
        target: AwsAccount,
    }
}
