//! CIS AWS Foundations: CloudTrail log files encrypted with a KMS key (SSE-KMS).

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::cloudtrail::{
    judge_each_trail, trails, DESCRIBE_TRAILS, GET_EVENT_SELECTORS, GET_TRAIL_STATUS,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// CloudTrail log files are encrypted in S3 with S3-managed keys unless the trail names
    /// a KMS key, in which case CloudTrail encrypts them with that customer-managed key
    /// (SSE-KMS). Configure every trail with a KMS key.
    ///
    /// ## Rationale
    /// Reading an SSE-KMS log file needs `kms:Decrypt` on the key as well as read access to
    /// the bucket: one more control over who reads the account's API history, and a key
    /// policy whose use is itself logged.
    ///
    /// ## Impact
    /// KMS requests are charged. The key policy must let CloudTrail encrypt
    /// (`kms:GenerateDataKey*` for `cloudtrail.amazonaws.com`) and the readers decrypt, or
    /// delivery and reading stop.
    ///
    /// ## Audit
    /// Every trail of every enabled region (`cloudtrail:DescribeTrails` with shadow trails,
    /// one finding per trail ARN) must have a `KmsKeyId`; the evidence names the key.
    /// Organization trails seen from a member are judged too (the evidence says whose).
    ///
    /// - **fail** if any trail has no key, or the account has no trail at all; otherwise
    ///   **error** if a region's trails could not be listed; otherwise **pass**.
    /// - The key itself (enabled, rotation) is other controls' concern.
    ///
    /// ## Remediation
    /// Create a symmetric KMS key whose policy allows CloudTrail to use it, then
    /// `aws cloudtrail update-trail --name <trail> --kms-key-id <key>`. cisrun has no
    /// automatic fix: the key policy has to be decided.
    ///
    /// ## Default value
    /// Log files are encrypted with SSE-S3, not with a KMS key.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    pub struct CloudTrailKmsEncryption {
        id: "aws-cloudtrail-kms-encryption",
        title: "Ensure CloudTrail logs are encrypted at rest using KMS CMKs",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_TRAILS, GET_TRAIL_STATUS, GET_EVENT_SELECTORS],
    }
}

#[async_trait]
impl Audit for CloudTrailKmsEncryption {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let trails = trails(account).await?;
        let me = &account.account_id;
        Ok(judge_each_trail(
            account,
            "trails",
            &trails,
            |findings, trail| {
                let kind = trail.kind(me);
                match &trail.kms_key_id {
                    Some(key) => findings.pass(
                        &trail.arn,
                        Some(&trail.home_region),
                        format!("{kind}: log files encrypted with KMS key {key}"),
                    ),
                    None => findings.fail(
                        &trail.arn,
                        Some(&trail.home_region),
                        format!("{kind}: no KMS key (KmsKeyId is not set)"),
                    ),
                }
            },
        ))
    }
}
