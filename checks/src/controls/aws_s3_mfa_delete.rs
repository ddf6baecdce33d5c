//! CIS AWS Foundations: MFA delete on S3 buckets. Automated here; versions that call it
//! manual get the engine's note.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::s3::{
    bucket_versioning, judge_buckets, GET_BUCKET_LOCATION, GET_BUCKET_VERSIONING, LIST_BUCKETS,
};

cisrun_core::control! {
    /// ## Description
    /// With MFA delete, changing a bucket's versioning state or permanently deleting an
    /// object version needs the root user's MFA code as well as its credentials.
    ///
    /// ## Rationale
    /// Stolen credentials alone can then no longer destroy a bucket's history.
    ///
    /// ## Impact
    /// Only the root user, with its MFA device, can turn MFA delete on or off (through the
    /// API or CLI, not the console); lifecycle rules cannot expire versions of such a bucket.
    ///
    /// ## Audit
    /// Every bucket of the account (`s3:ListAllMyBuckets`, every page; its region from the
    /// listing or `s3:GetBucketLocation`) is read in its own region with
    /// `s3:GetBucketVersioning`: `MFADelete` must be `Enabled` (which requires versioning).
    /// One finding per bucket (`arn:<partition>:s3:::<bucket>`, in its region); **fail** if
    /// any bucket fails, otherwise **error** if a bucket could not be read (a denied
    /// `GetBucketVersioning` is that bucket's error, not a failure as in Prowler), otherwise
    /// **pass** (also when the account has no buckets).
    ///
    /// ## Remediation
    /// No automatic fix: only the root user with its MFA device can do it. As root:
    /// `aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration
    /// Status=Enabled,MFADelete=Enabled --mfa "arn:aws:iam::<account>:mfa/root-account-mfa-device <code>"`.
    ///
    /// ## Default value
    /// Off; versioning is off too.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
    pub struct S3MfaDelete {
        id: "aws-s3-mfa-delete",
        title: "Ensure MFA Delete is enabled on S3 buckets",
        target: AwsAccount,
        permissions: [LIST_BUCKETS, GET_BUCKET_LOCATION, GET_BUCKET_VERSIONING],
    }
}

#[async_trait]
impl Audit for S3MfaDelete {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            judge_buckets(account, "buckets", |bucket| async move {
                let versioning = bucket_versioning(account, &bucket).await?;
                Ok(match versioning.mfa_delete.as_deref() {
                    Some("Enabled") => (true, "MFA delete is enabled".to_string()),
                    _ => (
                        false,
                        format!(
                            "MFA delete is not enabled (versioning {})",
                            versioning.status.as_deref().unwrap_or("never enabled")
                        ),
                    ),
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
    use aws_sdk_s3::operation::get_bucket_versioning::{
        GetBucketVersioningError, GetBucketVersioningOutput,
    };
    use aws_sdk_s3::types::{BucketVersioningStatus, MfaDeleteStatus};
    use aws_sdk_s3::Client;
    use aws_smithy_mocks::{mock, Rule};
    use cisrun_core::Status;

    fn versioning(bucket: &'static str, mfa: Option<MfaDeleteStatus>) -> Rule {
        mock!(Client::get_bucket_versioning)
            .match_requests(move |r| r.bucket() == Some(bucket))
            .then_output(move || {
                GetBucketVersioningOutput::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .set_mfa_delete(mfa.clone())
                    .build()
            })
    }

    #[tokio::test]
    async fn enabled_passes_disabled_or_missing_fails_denied_is_that_buckets_error() {
        let rules = [
            list_rule(&[
                ("on", "eu-west-1"),
                ("off", "us-west-2"),
                ("unset", "us-east-1"),
            ]),
            versioning("on", Some(MfaDeleteStatus::Enabled)),
            versioning("off", Some(MfaDeleteStatus::Disabled)),
            versioning("unset", None),
        ];
        let acc = account(&["us-east-1", "eu-west-1", "us-west-2"], &rules);
        let outcome = cisrun_core::testing::audit(&S3MfaDelete, &acc).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "2 of 3 buckets fail: arn:aws:s3:::unset (us-east-1), arn:aws:s3:::off (us-west-2)"
        );

        let rules = [
            list_rule(&[("on", "eu-west-1"), ("denied", "us-east-1")]),
            versioning("on", Some(MfaDeleteStatus::Enabled)),
            mock!(Client::get_bucket_versioning)
                .match_requests(|r| r.bucket() == Some("denied"))
                .then_error(|| GetBucketVersioningError::generic(error_meta("AccessDenied"))),
        ];
        let acc = account(&["us-east-1", "eu-west-1"], &rules);
        let outcome = cisrun_core::testing::audit(&S3MfaDelete, &acc).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 2);

        let rules = [
            list_rule(&[("on", "eu-west-1")]),
            versioning("on", Some(MfaDeleteStatus::Enabled)),
        ];
        let acc = account(&["us-east-1", "eu-west-1"], &rules);
        assert_eq!(
            cisrun_core::testing::audit(&S3MfaDelete, &acc).await.status,
            Status::Pass
        );
    }
}
