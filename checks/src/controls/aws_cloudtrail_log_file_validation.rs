//! CIS AWS Foundations: CloudTrail log file validation on every trail, with a safe fix.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::cloudtrail::{
    in_region, judge_each_trail, trails, DESCRIBE_TRAILS, GET_EVENT_SELECTORS, GET_TRAIL_STATUS,
    UPDATE_TRAIL,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// With log file validation on, CloudTrail writes a signed digest file every hour that
    /// holds the hash of each log file it delivered. Turn it on for every trail.
    ///
    /// ## Rationale
    /// The digests prove whether a log file was changed, deleted or left as delivered
    /// (`aws cloudtrail validate-logs`): evidence an investigation can rely on.
    ///
    /// ## Impact
    /// Digest files are small objects in the trail's bucket, charged as S3 storage.
    ///
    /// ## Audit
    /// Every trail of every enabled region (`cloudtrail:DescribeTrails` with shadow trails,
    /// one finding per trail ARN, in its home region) must have `LogFileValidationEnabled`
    /// `true`; single-region trails and organization trails seen from a member account are
    /// judged too (the evidence says whose trail it is).
    ///
    /// - **fail** if any trail has validation off, or the account has no trail at all;
    ///   otherwise **error** if a region's trails could not be listed (the evidence names
    ///   the region and the action); otherwise **pass**.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply` turns validation on (`cloudtrail:UpdateTrail
    /// --enable-log-file-validation`, in the trail's home region) for every trail of this
    /// account that has it off: a safe fix, it changes nothing already delivered. The
    /// journal records each trail's previous setting and rollback sets it back exactly. An
    /// organization trail of another account can only be changed there and is left out of
    /// the plan. By hand: `aws cloudtrail update-trail --name <trail>
    /// --enable-log-file-validation`.
    ///
    /// ## Default value
    /// On for trails created in the console since 2022; off for trails created with the
    /// API or CLI unless asked for.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-enabling.html
    pub struct CloudTrailLogFileValidation {
        id: "aws-cloudtrail-log-file-validation",
        title: "Ensure CloudTrail log file validation is enabled",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_TRAILS, GET_TRAIL_STATUS, GET_EVENT_SELECTORS],
        fix: EnableLogFileValidation,
    }
}

#[async_trait]
impl Audit for CloudTrailLogFileValidation {
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
                if trail.log_file_validation {
                    findings.pass(
                        &trail.arn,
                        Some(&trail.home_region),
                        format!("{kind}: log file validation is on"),
                    );
                } else {
                    findings.fail(
                        &trail.arn,
                        Some(&trail.home_region),
                        format!("{kind}: log file validation is off"),
                    );
                }
            },
        ))
    }
}

/// The fix: turn validation on, trail by trail.
struct EnableLogFileValidation;

/// What a step records: the trail and its setting before the fix.
#[derive(Debug, Serialize, Deserialize)]
struct TrailStep {
    arn: String,
    home_region: String,
    previous: bool,
}

fn trail_of(step: &Step) -> Result<TrailStep, RemediationError> {
    step.data_as::<TrailStep>()
}

/// `LogFileValidationEnabled` of one trail, read afresh in its home region.
async fn read_validation(account: &AwsAccount, arn: &str, region: &str) -> Result<bool, AwsError> {
    let client = account.client::<aws_sdk_cloudtrail::Client>(region);
    let out = client
        .describe_trails()
        .trail_name_list(arn)
        .send()
        .await
        .map_err(|e| in_region(AwsError::from_sdk(DESCRIBE_TRAILS, e), region))?;
    let trail = out
        .trail_list()
        .iter()
        .find(|t| t.trail_arn() == Some(arn))
        .ok_or_else(|| AwsError {
            code: "TrailNotFoundException".to_string(),
            message: format!("{arn} is not listed in {region}"),
            action: DESCRIBE_TRAILS.to_string(),
            access_denied: false,
        })?;
    Ok(trail.log_file_validation_enabled().unwrap_or(false))
}

async fn set_validation(
    account: &AwsAccount,
    step: &TrailStep,
    enabled: bool,
) -> Result<(), RemediationError> {
    account
        .client::<aws_sdk_cloudtrail::Client>(&step.home_region)
        .update_trail()
        .name(&step.arn)
        .enable_log_file_validation(enabled)
        .send()
        .await
        .map_err(|e| in_region(AwsError::from_sdk(UPDATE_TRAIL, e), &step.home_region))?;
    Ok(())
}

#[async_trait]
impl Remediation<AwsAccount> for EnableLogFileValidation {
    fn safety(&self) -> FixSafety {
        // Only adds digest files from now on; rollback restores the setting.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[UPDATE_TRAIL]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let trails = trails(account).await.map_err(RemediationError::Provider)?;
        let mut steps = Vec::new();
        for trail in &trails.trails {
            if trail.log_file_validation || !trail.owned_by(&account.account_id) {
                continue;
            }
            steps.push(Step {
                action: UPDATE_TRAIL.to_string(),
                resource: trail.arn.clone(),
                summary: format!(
                    "turn on log file validation of trail {} (home region {})",
                    trail.name, trail.home_region
                ),
                data: serde_json::json!(TrailStep {
                    arn: trail.arn.clone(),
                    home_region: trail.home_region.clone(),
                    previous: false,
                }),
            });
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "nothing to change: every trail this account owns validates its log files",
            ));
        }
        let explanation = format!("turn on log file validation of {} trail(s)", steps.len());
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let trail = trail_of(step)?;
        let enabled = read_validation(account, &trail.arn, &trail.home_region).await?;
        Ok(serde_json::json!({ "trail": trail.arn, "log_file_validation": enabled }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        set_validation(account, &trail_of(step)?, true).await
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let trail = trail_of(step)?;
        set_validation(account, &trail, trail.previous).await
    }
}
