//! CIS AWS Foundations: S3 data discovered and classified (2.1.4 in v1.4.0–v1.5.0, 2.1.3 in
//! v2.0.0–v5.0.0, 3.1.3 in v6.0.0–v7.0.0). Manual: documentation only.

use cisrun_core::{Assessment, Control, ControlMeta};

use crate::aws::AwsAccount;
use crate::register_control;

cisrun_core::documented_control! {
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
    pub struct MacieS3DataClassification;
}

static META: ControlMeta = ControlMeta {
    id: "aws-macie-s3-data-classification",
    title:
        "Ensure all data in Amazon S3 has been discovered, classified, and secured when necessary",
    assessment: Assessment::Manual,
    doc: MacieS3DataClassification::DOC,
    parameters: None,
    permissions: &[],
};

register_control!(MacieS3DataClassification);

/// Documentation only: the default `audit` reports the control as skipped (manual).
impl Control<AwsAccount> for MacieS3DataClassification {
    fn meta(&self) -> &'static ControlMeta {
        &META
    }
}
