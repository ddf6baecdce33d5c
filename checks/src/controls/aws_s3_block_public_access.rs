//! CIS AWS Foundations: S3 Block Public Access: all four settings, on each bucket or on the
//! account.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::s3::{
    account_public_access_block, bucket_public_access_block, judge_buckets,
    read_account_public_access_block, PublicAccessBlock, GET_ACCOUNT_PUBLIC_ACCESS_BLOCK,
    GET_BUCKET_LOCATION, GET_BUCKET_PUBLIC_ACCESS_BLOCK, LIST_BUCKETS,
};

cisrun_core::control! {
    /// ## Description
    /// S3 Block Public Access overrides bucket policies and ACLs that would make data
    /// public. It has four settings (`BlockPublicAcls`, `IgnorePublicAcls`,
    /// `BlockPublicPolicy`, `RestrictPublicBuckets`) and can be set on each bucket or once
    /// for the whole account.
    ///
    /// ## Rationale
    /// A public bucket is the most common way S3 data leaks. Block Public Access stops it
    /// whatever a later policy or ACL says.
    ///
    /// ## Impact
    /// Buckets that are meant to be public (static websites served directly from S3) stop
    /// serving anonymous requests; serve them through CloudFront with origin access instead.
    ///
    /// ## Audit
    /// The account's setting is read once (`s3:GetAccountPublicAccessBlock`, S3 Control
    /// `GetPublicAccessBlock` with the account id); every bucket (`s3:ListAllMyBuckets`,
    /// every page; its region from the listing or `s3:GetBucketLocation`) is read in its
    /// own region with `s3:GetBucketPublicAccessBlock`. A bucket passes when all four
    /// settings are on at the account level or on the bucket itself; a bucket or an account
    /// without a configuration has all four off.
    ///
    /// One finding per bucket (`arn:<partition>:s3:::<bucket>`, in its region); **fail** if
    /// any bucket fails, otherwise **error** if a bucket (or, when the buckets need it, the
    /// account setting) could not be read, otherwise **pass** (also when the account has no
    /// buckets).
    ///
    /// Prowler treats the block as configured when only `IgnorePublicAcls` and
    /// `RestrictPublicBuckets` are on; the benchmark expects all four.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply --unsafe-fixes` turns on all four settings for the account
    /// (`s3:PutAccountPublicAccessBlock`). It is unsafe: every bucket meant to be public
    /// stops being public. The journal records the account's previous settings (or that
    /// there were none); rollback puts them back, or deletes the account configuration
    /// (`s3:DeleteAccountPublicAccessBlock`), only while all four are still on as cisrun
    /// set them (otherwise it refuses, `--force` or not). By hand, per bucket:
    /// `aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration
    /// BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
    /// or for the account: `aws s3control put-public-access-block --account-id <account> ...`.
    ///
    /// ## Default value
    /// On for buckets created since April 2023; off for older buckets and for the account.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_GetPublicAccessBlock.html
    pub struct S3BlockPublicAccess {
        id: "aws-s3-block-public-access",
        title: "Ensure that S3 is configured with 'Block Public Access' enabled",
        target: AwsAccount,
        permissions: [LIST_BUCKETS,
        GET_BUCKET_LOCATION,
        GET_BUCKET_PUBLIC_ACCESS_BLOCK,
        GET_ACCOUNT_PUBLIC_ACCESS_BLOCK],
        fix: AccountBlockPublicAccess,
    }
}

#[async_trait]
impl Audit for S3BlockPublicAccess {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            judge_buckets(account, "buckets", |bucket| async move {
                let at_account = account_public_access_block(account).await?;
                if at_account.is_some_and(|b| b.all()) {
                    return Ok((true, "all four settings are on for the account".to_string()));
                }
                let at_bucket = bucket_public_access_block(account, &bucket).await?;
                Ok(match *at_bucket {
                    Some(block) if block.all() => {
                        (true, "all four settings are on for the bucket".to_string())
                    }
                    Some(block) => (
                        false,
                        format!(
                            "off on the bucket and for the account: {}",
                            block.off().join(", ")
                        ),
                    ),
                    None => (
                        false,
                        "no Block Public Access on the bucket, and not all four settings on for the account".to_string(),
                    ),
                })
            })
            .await
        })
    }
}

/// The fix: all four settings on for the account.
struct AccountBlockPublicAccess;

const PUT: &str = "s3:PutAccountPublicAccessBlock";
const DELETE: &str = "s3:DeleteAccountPublicAccessBlock";

/// What the step records: the account's settings before (`None`: no configuration).
#[derive(Debug, Serialize, Deserialize)]
struct AccountStep {
    previous: Option<PublicAccessBlock>,
}

fn configuration(
    block: PublicAccessBlock,
) -> aws_sdk_s3control::types::PublicAccessBlockConfiguration {
    aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(block.block_public_acls)
        .ignore_public_acls(block.ignore_public_acls)
        .block_public_policy(block.block_public_policy)
        .restrict_public_buckets(block.restrict_public_buckets)
        .build()
}

async fn put(account: &AwsAccount, block: PublicAccessBlock) -> Result<(), RemediationError> {
    account
        .client::<aws_sdk_s3control::Client>(&account.home_region())
        .put_public_access_block()
        .account_id(&account.account_id)
        .public_access_block_configuration(configuration(block))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(PUT, e))?;
    Ok(())
}

#[async_trait]
impl Remediation<AwsAccount> for AccountBlockPublicAccess {
    fn safety(&self) -> FixSafety {
        // Every bucket meant to be public stops being public.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[GET_ACCOUNT_PUBLIC_ACCESS_BLOCK, PUT, DELETE]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let previous = account_public_access_block(account).await?;
        if previous.is_some_and(|b| b.all()) {
            return Ok(Plan::nothing_to_do(
                "already compliant: all four S3 Block Public Access settings are on for the account",
            ));
        }
        let step = Step {
            action: PUT.to_string(),
            resource: format!(
                "arn:{}:s3::{}:account-public-access-block",
                account.partition, account.account_id
            ),
            summary: "turn on all four S3 Block Public Access settings for the account".to_string(),
            data: json!(AccountStep {
                previous: *previous
            }),
        };
        Ok(Plan::of(
            vec![step],
            "turn on S3 Block Public Access for the account; buckets meant to be public stop being public",
        ))
    }

    async fn observe(&self, account: &AwsAccount, _step: &Step) -> Result<Value, RemediationError> {
        let current = read_account_public_access_block(account).await?;
        Ok(json!({ "account_public_access_block": current }))
    }

    async fn apply(&self, account: &AwsAccount, _step: &Step) -> Result<(), RemediationError> {
        put(account, PublicAccessBlock::ALL).await
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data: AccountStep = step.data_as()?;
        // Undo loosens the account's protection: only while it is exactly what cisrun set
        // (someone who turned a setting off since, or back on, decided for themselves), and
        // only back to settings the plan could have found (not all four on already).
        let current = read_account_public_access_block(account).await?;
        if data.previous.is_some_and(|previous| previous.all()) {
            return Err(RemediationError::Refused(
                "the step records all four settings on before: not a step this fix planned \
                 (the journal was edited); nothing was changed"
                    .to_string(),
            ));
        }
        if current != Some(PublicAccessBlock::ALL) {
            return Err(RemediationError::Refused(format!(
                "the account's Block Public Access is no longer all four on as cisrun set it \
                 ({}): changed since, so the journal's previous settings were not put back",
                match current {
                    None => "no configuration".to_string(),
                    Some(block) => format!("off: {}", block.off().join(", ")),
                }
            )));
        }
        match data.previous {
            Some(previous) => put(account, previous).await,
            None => {
                account
                    .client::<aws_sdk_s3control::Client>(&account.home_region())
                    .delete_public_access_block()
                    .account_id(&account.account_id)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(DELETE, e))?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::s3::testing::{account, error_meta, list_rule, with_control};
    use aws_sdk_s3::operation::get_public_access_block::{
        GetPublicAccessBlockError, GetPublicAccessBlockOutput,
    };
    use aws_sdk_s3::types::PublicAccessBlockConfiguration;
    use aws_sdk_s3::Client;
    use aws_smithy_mocks::{mock, Rule};
    use cisrun_core::Status;

    fn bucket_block(
        bucket: &'static str,
        block: Option<PublicAccessBlock>,
        code: &'static str,
    ) -> Rule {
        let rule = mock!(Client::get_public_access_block)
            .match_requests(move |r| r.bucket() == Some(bucket));
        match block {
            Some(b) => rule.then_output(move || {
                GetPublicAccessBlockOutput::builder()
                    .public_access_block_configuration(
                        PublicAccessBlockConfiguration::builder()
                            .block_public_acls(b.block_public_acls)
                            .ignore_public_acls(b.ignore_public_acls)
                            .block_public_policy(b.block_public_policy)
                            .restrict_public_buckets(b.restrict_public_buckets)
                            .build(),
                    )
                    .build()
            }),
            None => rule.then_error(move || GetPublicAccessBlockError::generic(error_meta(code))),
        }
    }

    fn account_block(block: Option<PublicAccessBlock>) -> Rule {
        use aws_sdk_s3control::operation::get_public_access_block::{
            GetPublicAccessBlockError, GetPublicAccessBlockOutput,
        };
        use aws_sdk_s3control::Client as ControlClient;
        match block {
            Some(b) => mock!(ControlClient::get_public_access_block).then_output(move || {
                GetPublicAccessBlockOutput::builder()
                    .public_access_block_configuration(configuration(b))
                    .build()
            }),
            None => mock!(ControlClient::get_public_access_block).then_error(|| {
                GetPublicAccessBlockError::generic(error_meta(
                    "NoSuchPublicAccessBlockConfiguration",
                ))
            }),
        }
    }

    const TWO_OF_FOUR: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: false,
        ignore_public_acls: true,
        block_public_policy: false,
        restrict_public_buckets: true,
    };

    fn buckets() -> Vec<Rule> {
        vec![
            list_rule(&[
                ("all", "eu-west-1"),
                ("two", "us-west-2"),
                ("none", "us-east-1"),
            ]),
            bucket_block("all", Some(PublicAccessBlock::ALL), ""),
            bucket_block("two", Some(TWO_OF_FOUR), ""),
            bucket_block("none", None, "NoSuchPublicAccessBlockConfiguration"),
        ]
    }

    const REGIONS: &[&str] = &["us-east-1", "eu-west-1", "us-west-2"];

    #[tokio::test]
    async fn all_four_on_the_bucket_pass_two_of_four_fail() {
        let acc = with_control(
            account(REGIONS, &buckets()),
            &[account_block(Some(TWO_OF_FOUR))],
        );
        let outcome = cisrun_core::testing::audit(&S3BlockPublicAccess, &acc).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            "2 of 3 buckets fail: arn:aws:s3:::none (us-east-1), arn:aws:s3:::two (us-west-2)"
        );
    }

    #[tokio::test]
    async fn all_four_on_the_account_pass_every_bucket() {
        let acc = with_control(
            account(REGIONS, &buckets()),
            &[account_block(Some(PublicAccessBlock::ALL))],
        );
        let outcome = cisrun_core::testing::audit(&S3BlockPublicAccess, &acc).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 3);
        let plan = AccountBlockPublicAccess
            .plan(
                &acc,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: "",
                },
            )
            .await
            .expect("a plan");
        assert!(plan.steps.is_empty());
    }

    #[tokio::test]
    async fn a_denied_bucket_is_its_error_only_and_the_plan_records_no_account_setting() {
        let rules = vec![
            list_rule(&[("all", "eu-west-1"), ("denied", "us-east-1")]),
            bucket_block("all", Some(PublicAccessBlock::ALL), ""),
            bucket_block("denied", None, "AccessDenied"),
        ];
        let acc = with_control(account(REGIONS, &rules), &[account_block(None)]);
        let outcome = cisrun_core::testing::audit(&S3BlockPublicAccess, &acc).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some(GET_BUCKET_PUBLIC_ACCESS_BLOCK)
        );
        let plan = AccountBlockPublicAccess
            .plan(
                &acc,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: "",
                },
            )
            .await
            .expect("a plan");
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].data, json!({ "previous": null }));
    }
}
