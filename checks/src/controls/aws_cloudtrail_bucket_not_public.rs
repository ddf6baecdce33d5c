//! The S3 bucket each CloudTrail trail delivers to is not public: no ACL grant to a public
//! group, no policy statement allowing everyone.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::cloudtrail::{
    judge_trail_buckets, trails, DESCRIBE_TRAILS, GET_EVENT_SELECTORS, GET_TRAIL_STATUS,
};
use crate::data::s3::{
    bucket_policy, bucket_public_grants, Bucket, GET_BUCKET_ACL, GET_BUCKET_LOCATION,
    GET_BUCKET_POLICY,
};
use crate::policy::{allows, everyone, parse_document};

cisrun_core::control! {
    /// ## Description
    /// The bucket a CloudTrail trail delivers to must not be readable by everyone: its ACL
    /// grants nothing to the public groups, and its bucket policy allows nothing to every
    /// principal.
    ///
    /// ## Rationale
    /// The log files describe the whole account: its users, roles, resources and what they
    /// did. A public trail bucket hands that map to anyone, and lets them see what the
    /// defenders can see.
    ///
    /// ## Impact
    /// Readers outside the account need a named principal in the policy instead.
    ///
    /// ## Audit
    /// The S3 bucket (`S3BucketName`) of every trail of every enabled region
    /// (`cloudtrail:DescribeTrails` with shadow trails, one per ARN), each bucket once, in
    /// its own region (`s3:GetBucketLocation`). A bucket fails when either holds:
    ///
    /// - `s3:GetBucketAcl` lists a grant (any permission) to the `AllUsers` group
    ///   (`http://acs.amazonaws.com/groups/global/AllUsers`) or to the `AuthenticatedUsers`
    ///   group (any AWS account);
    /// - `s3:GetBucketPolicy` returns a policy with a statement whose `Effect` is `Allow`
    ///   and whose `Principal` is `"*"` or `{"AWS": "*"}` (as a string or in a list),
    ///   whatever its condition: the benchmark's text names the principal, not the
    ///   condition, so a reviewer decides whether a condition makes it private.
    ///
    /// Otherwise it passes. A policy document that cannot be read completely is an
    /// **error** naming the bucket, never a policy that allows nothing. A bucket of another
    /// account that cannot be read from this one is an **error** naming the action and the
    /// bucket, never a fail. An account with no trail fails. Prowler reads only `AllUsers`
    /// ACL grants and ignores `AuthenticatedUsers` and the bucket policy.
    ///
    /// ## Remediation
    /// Remove the public grants (`aws s3api put-bucket-acl --bucket <bucket> --acl
    /// private`) and the statements allowing `*` from the bucket policy, or turn on S3
    /// Block Public Access for the bucket (`aws s3api put-public-access-block`).
    ///
    /// ## Default value
    /// A bucket CloudTrail's console creates is private.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
    pub struct CloudTrailBucketNotPublic {
        id: "aws-cloudtrail-bucket-not-public",
        title: "Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible",
        target: AwsAccount,
        permissions: [
            crate::regions::DESCRIBE_REGIONS,
            DESCRIBE_TRAILS,
            GET_TRAIL_STATUS,
            GET_EVENT_SELECTORS,
            GET_BUCKET_LOCATION,
            GET_BUCKET_ACL,
            GET_BUCKET_POLICY,
        ],
    }
}

/// What makes the bucket public, one entry per grant or statement.
async fn public_access(account: &AwsAccount, bucket: &Bucket) -> Result<Vec<String>, AwsError> {
    let mut public: Vec<String> = bucket_public_grants(account, bucket)
        .await?
        .iter()
        .map(|grant| format!("ACL grant {grant}"))
        .collect();
    if let Some(text) = bucket_policy(account, bucket).await?.as_deref() {
        let document = parse_document(text).map_err(|error| AwsError {
            code: "InvalidPolicyDocument".to_string(),
            message: format!("the bucket policy of {}: {error}", bucket.name),
            action: GET_BUCKET_POLICY.to_string(),
            access_denied: false,
        })?;
        for (index, statement) in document.statements().into_iter().enumerate() {
            if allows(statement) && everyone(&statement["Principal"]) {
                let sid = statement["Sid"]
                    .as_str()
                    .map(|sid| format!("{sid:?}"))
                    .unwrap_or_else(|| format!("#{}", index + 1));
                public.push(format!("policy statement {sid} allows Principal *"));
            }
        }
    }
    Ok(public)
}

#[async_trait]
impl Audit for CloudTrailBucketNotPublic {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let trails = trails(account).await?;
        Ok(judge_trail_buckets(account, &trails, |bucket| async move {
            let public = public_access(account, &bucket).await?;
            Ok(if public.is_empty() {
                (
                    true,
                    "no ACL grant to AllUsers or AuthenticatedUsers, no policy statement allowing everyone".to_string(),
                )
            } else {
                (false, format!("public: {}", public.join("; ")))
            })
        })
        .await)
    }
}
