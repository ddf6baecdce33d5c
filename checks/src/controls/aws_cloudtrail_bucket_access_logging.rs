//! Server access logging on the S3 bucket each CloudTrail trail delivers to.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::cloudtrail::{
    judge_trail_buckets, trails, DESCRIBE_TRAILS, GET_EVENT_SELECTORS, GET_TRAIL_STATUS,
};
use crate::data::s3::{bucket_logging, GET_BUCKET_LOCATION, GET_BUCKET_LOGGING};

cisrun_core::control! {
    /// ## Description
    /// S3 server access logging records every request made to a bucket (who, what, when,
    /// from where, and the answer) in another bucket. Turn it on for the bucket every
    /// CloudTrail trail delivers its log files to.
    ///
    /// ## Rationale
    /// The trail's bucket holds the account's API history. Its access log shows who read,
    /// copied or deleted those log files: the first question when the history itself is
    /// in doubt.
    ///
    /// ## Impact
    /// Access log files are S3 objects in the target bucket, charged as storage. Point the
    /// log at another bucket, or the bucket logs its own logging.
    ///
    /// ## Audit
    /// The S3 bucket (`S3BucketName`) of every trail of every enabled region
    /// (`cloudtrail:DescribeTrails` with shadow trails, one per ARN), each bucket once,
    /// located with `s3:GetBucketLocation` and read with `s3:GetBucketLogging` in its own
    /// region. A bucket passes when `LoggingEnabled` is present (the evidence names the
    /// target bucket) and fails when it is absent; the evidence names the trails that use
    /// it.
    ///
    /// A trail's bucket often belongs to another account (an organization's log archive).
    /// When it cannot be read from this account, that bucket is an **error** naming the
    /// action and the bucket, never a fail; run the audit in the bucket's account, or grant
    /// the auditor `s3:GetBucketLogging` there. An account with no trail fails. Prowler
    /// reports an unreadable bucket as manual and passes nothing else in its place; so does
    /// cisrun, as an error.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-logging --bucket <trail-bucket> --bucket-logging-status
    /// '{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<prefix>/"}}'`,
    /// with a target bucket whose policy lets `logging.s3.amazonaws.com` write to it.
    ///
    /// ## Default value
    /// Server access logging is off.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    pub struct CloudTrailBucketAccessLogging {
        id: "aws-cloudtrail-bucket-access-logging",
        title: "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket",
        target: AwsAccount,
        permissions: [
            crate::regions::DESCRIBE_REGIONS,
            DESCRIBE_TRAILS,
            GET_TRAIL_STATUS,
            GET_EVENT_SELECTORS,
            GET_BUCKET_LOCATION,
            GET_BUCKET_LOGGING,
        ],
    }
}

#[async_trait]
impl Audit for CloudTrailBucketAccessLogging {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let trails = trails(account).await?;
        Ok(judge_trail_buckets(account, &trails, |bucket| async move {
            let target = bucket_logging(account, &bucket).await?;
            Ok(match target.as_deref() {
                Some(target) => (true, format!("server access logging to {target}")),
                None => (false, "server access logging is off".to_string()),
            })
        })
        .await)
    }
}
