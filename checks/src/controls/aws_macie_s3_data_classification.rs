//! CIS AWS Foundations: S3 data discovered and classified. Manual: documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Know what data the account's S3 buckets hold, classify it by sensitivity and protect
    /// it accordingly, with Amazon Macie or another tool that discovers sensitive data.
    ///
    /// ## Rationale
    /// Controls can only match data whose sensitivity is known; sensitive data kept where
    /// nobody expects it is exposed by the first permissive policy.
    ///
    /// ## Impact
    /// Macie is billed per bucket evaluated and per gigabyte inspected; classification jobs
    /// and automated discovery need a budget and an owner for their findings.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Whether data is classified
    /// and secured "when necessary" is a judgement; Macie is one tool among others.
    ///
    /// Where Macie is the tool: in every region with buckets, `aws macie2 get-macie-session`
    /// must return `status` `ENABLED`, and automated sensitive data discovery
    /// (`aws macie2 get-automated-discovery-configuration`) or classification jobs
    /// (`aws macie2 list-classification-jobs`) must cover the buckets; their findings must
    /// be reviewed. Prowler skips regions without buckets unless `--scan-unused-services`.
    ///
    /// ## Remediation
    /// Enable Macie in each region that holds buckets (`aws macie2 enable-macie`), turn on
    /// automated sensitive data discovery or schedule classification jobs, and route the
    /// findings (Security Hub, EventBridge) to someone who acts on them.
    ///
    /// ## Default value
    /// Macie is not enabled.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/macie/latest/user/what-is-macie.html
    /// - https://docs.aws.amazon.com/macie/latest/user/discovery-asdd.html
    pub struct MacieS3DataClassification {
        id: "aws-macie-s3-data-classification",
        title: "Ensure all data in Amazon S3 has been discovered, classified, and secured when necessary",
        target: AwsAccount,
    }
}
