//! CIS AWS Foundations: S3 buckets encrypted at rest.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::s3::{
    bucket_encryption, judge_buckets, GET_BUCKET_LOCATION, GET_ENCRYPTION_CONFIGURATION,
    LIST_BUCKETS,
};

cisrun_core::control! {
    /// ## Description
    /// A bucket's default encryption encrypts every object written to it, with S3-managed
    /// keys (`AES256`) or KMS keys (`aws:kms`, `aws:kms:dsse`).
    ///
    /// ## Rationale
    /// Encryption at rest protects the data if the storage media is exposed, and with KMS
    /// adds a key policy in front of every read.
    ///
    /// ## Impact
    /// KMS keys add request costs and a key policy to manage; objects written before the
    /// setting stay as they were.
    ///
    /// ## Audit
    /// Every bucket of the account (`s3:ListAllMyBuckets`, every page; its region from the
    /// listing or `s3:GetBucketLocation`) is read in its own region with
    /// `s3:GetEncryptionConfiguration` (`GetBucketEncryption`): it must have a default
    /// encryption rule. `ServerSideEncryptionConfigurationNotFoundError` (no rule) fails;
    /// AWS has applied `AES256` to every bucket since January 2023, so only emulators and
    /// old partitions still answer it.
    ///
    /// One finding per bucket (`arn:<partition>:s3:::<bucket>`, in its region); **fail** if
    /// any bucket fails, otherwise **error** if a bucket could not be read, otherwise
    /// **pass** (also when the account has no buckets).
    ///
    /// ## Remediation
    /// No automatic fix. By hand:
    /// `aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration
    /// '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`
    /// (or `aws:kms` with a `KMSMasterKeyID`).
    ///
    /// ## Default value
    /// `AES256` (SSE-S3) for every bucket since January 2023.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html
    pub struct S3BucketEncryptionAtRest {
        id: "aws-s3-bucket-encryption-at-rest",
        title: "Ensure all S3 buckets employ encryption-at-rest",
        target: AwsAccount,
        permissions: [LIST_BUCKETS,
        GET_BUCKET_LOCATION,
        GET_ENCRYPTION_CONFIGURATION],
    }
}

#[async_trait]
impl Audit for S3BucketEncryptionAtRest {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            judge_buckets(account, "buckets", |bucket| async move {
                let encryption = bucket_encryption(account, &bucket).await?;
                Ok(match encryption.as_deref() {
                    Some(algorithms) if !algorithms.is_empty() => (
                        true,
                        format!("encrypted by default ({})", algorithms.join(", ")),
                    ),
                    _ => (false, "no default encryption rule".to_string()),
                })
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::s3::testing::{account, error_meta, list_rule};
    use aws_sdk_s3::operation::get_bucket_encryption::{
        GetBucketEncryptionError, GetBucketEncryptionOutput,
    };
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    use aws_sdk_s3::Client;
    use aws_smithy_mocks::{mock, Rule};
    use cisrun_core::Status;

    fn encryption(bucket: &'static str, code: Option<&'static str>) -> Rule {
        let rule = mock!(Client::get_bucket_encryption)
            .match_requests(move |r| r.bucket() == Some(bucket));
        match code {
            None => rule.then_output(|| {
                GetBucketEncryptionOutput::builder()
                    .server_side_encryption_configuration(
                        ServerSideEncryptionConfiguration::builder()
                            .rules(
                                ServerSideEncryptionRule::builder()
                                    .apply_server_side_encryption_by_default(
                                        ServerSideEncryptionByDefault::builder()
                                            .sse_algorithm(ServerSideEncryption::AwsKms)
                                            .build()
                                            .expect("a rule"),
                                    )
                                    .build(),
                            )
                            .build()
                            .expect("a configuration"),
                    )
                    .build()
            }),
            Some(code) => {
                rule.then_error(move || GetBucketEncryptionError::generic(error_meta(code)))
            }
        }
    }

    #[tokio::test]
    async fn a_rule_passes_none_fails_denied_is_that_buckets_error() {
        let rules = [
            list_rule(&[
                ("kms", "eu-west-1"),
                ("plain", "us-west-2"),
                ("denied", "us-east-1"),
            ]),
            encryption("kms", None),
            encryption(
                "plain",
                Some("ServerSideEncryptionConfigurationNotFoundError"),
            ),
            encryption("denied", Some("AccessDenied")),
        ];
        let acc = account(&["us-east-1", "eu-west-1", "us-west-2"], &rules);
        let outcome = cisrun_core::testing::audit(&S3BucketEncryptionAtRest, &acc).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "1 of 2 buckets fail: arn:aws:s3:::plain (us-west-2)"
        );
        let statuses: Vec<_> = outcome.evidence.iter().map(|e| e.status).collect();
        assert_eq!(
            statuses,
            [Some(Status::Fail), Some(Status::Error), Some(Status::Pass)]
        );
    }
}
