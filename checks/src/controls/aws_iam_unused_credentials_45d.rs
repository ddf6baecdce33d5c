//! CIS AWS Foundations: credentials unused for 45 days or more are disabled. Also home of
//! the unsafe access-key deactivation that `aws-iam-access-key-rotation-90d` shares.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cisrun_core::{
    Audit, ControlParameters, ErrorDetail, Evidence, FixSafety, Input, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::data::iam::{credential_report, CredentialReport, CredentialRow, ReportDate};

cisrun_core::control! {
    /// ## Description
    /// Disable console passwords and access keys that have not been used for 45 days or more.
    ///
    /// ## Rationale
    /// A credential nobody uses only adds risk: it can leak or be guessed, and nobody would
    /// notice its use.
    ///
    /// ## Impact
    /// Something that uses a key rarely (a yearly job) stops working when the key is
    /// deactivated; a user whose password was removed needs a new one from an administrator.
    ///
    /// ## Audit
    /// cisrun generates and reads the credential report. For every user row (the
    /// `<root_account>` row is not a user and is skipped):
    ///
    /// - a console password (`password_enabled` = `true`) fails if `password_last_used` is
    ///   `max_unused_days` (default 45) or more days ago; a password never used
    ///   (`no_information` or `N/A`) counts from when it was set, `password_last_changed`;
    /// - an **active** access key fails if `access_key_N_last_used_date` is 45 or more days
    ///   ago; a key never used (`N/A`) counts from its creation, `access_key_N_last_rotated`.
    ///
    /// So a key created a year ago and never used fails (tools that pass never-used keys
    /// miss exactly the keys the benchmark targets). Inactive keys pass.
    ///
    /// - One evidence line per console password and active key, on the user's ARN.
    /// - AWS may serve a report up to four hours old; the outcome notes when it did.
    /// - A malformed report, or any AWS error that survives the SDK's retries: **error**.
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-unused-credentials-45d:
    ///     max_unused_days: 45    # 0 to 45; more than 45 is refused
    /// ```
    ///
    /// ## Remediation
    /// Passwords: `aws iam delete-login-profile --user-name <user>` (cisrun never touches
    /// passwords). Access keys: `aws iam update-access-key --user-name <user>
    /// --access-key-id <id> --status Inactive`, then delete the key once nothing broke.
    ///
    /// `cisrun remediate --apply --unsafe-fixes` deactivates the offending keys (an
    /// **unsafe** fix: whatever still uses a key breaks). It lists each user's keys
    /// (`iam:ListAccessKeys`), checks each active key again with
    /// `iam:GetAccessKeyLastUsed`, and plans one `iam:UpdateAccessKey Status=Inactive` per
    /// key that is still unused, naming the key, its user and its last use. Without
    /// `--unsafe-fixes` it only shows the plan. `cisrun rollback` reactivates exactly those
    /// keys.
    ///
    /// ## Default value
    /// Credentials stay enabled until someone disables them.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccessKey.html
    pub struct UnusedCredentials {
        id: "aws-iam-unused-credentials-45d",
        title: "Ensure credentials unused for 45 days or more are disabled",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        parameters: UnusedParameters,
        fix: FIX,
    }
}

/// The profile's `parameters: aws-iam-unused-credentials-45d:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnusedParameters {
    /// A credential unused for this many days or more fails: 0 to 45 (the benchmark's).
    #[serde(default = "default_max_unused_days")]
    pub max_unused_days: u32,
}

fn default_max_unused_days() -> u32 {
    45
}

impl ControlParameters for UnusedParameters {
    fn validate(&self) -> Result<(), String> {
        if self.max_unused_days > 45 {
            return Err(format!(
                "max_unused_days: {} is more than the benchmark's 45",
                self.max_unused_days
            ));
        }
        Ok(())
    }
}

/// Which access keys a control wants deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRule {
    /// Not used (or, never used, not created) for `days` days or more.
    Unused { days: u32 },
    /// Created (rotated) more than `days` days ago.
    Unrotated { days: u32 },
}

impl KeyRule {
    /// Whether an active key with these dates breaks the rule at `now`. A key without the
    /// date the rule needs breaks it: nothing shows it is fine.
    pub fn offends(
        self,
        now: DateTime<Utc>,
        created: Option<DateTime<Utc>>,
        last_used: Option<DateTime<Utc>>,
    ) -> bool {
        match self {
            KeyRule::Unused { days } => last_used
                .or(created)
                .is_none_or(|at| now - at >= Duration::days(i64::from(days))),
            KeyRule::Unrotated { days } => {
                created.is_none_or(|at| now - at > Duration::days(i64::from(days)))
            }
        }
    }
}

fn since(now: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    (now - at).num_days()
}

/// The password's verdict: (unused, evidence detail).
fn password_check(user: &CredentialRow, days: u32, now: DateTime<Utc>) -> (bool, String) {
    let limit = Duration::days(i64::from(days));
    match (
        user.password_last_used.at(),
        user.password_last_changed.at(),
    ) {
        (Some(used), _) => (
            now - used >= limit,
            format!(
                "console password last used {} ({} day(s) ago)",
                user.password_last_used,
                since(now, used)
            ),
        ),
        (None, Some(set)) => (
            now - set >= limit,
            format!(
                "console password never used ({}); set {} ({} day(s) ago)",
                user.password_last_used,
                user.password_last_changed,
                since(now, set)
            ),
        ),
        (None, None) => (
            true,
            "console password with no date of use or change in the report".to_string(),
        ),
    }
}

fn key_detail(number: u8, last_rotated: ReportDate, last_used: ReportDate) -> String {
    match last_used {
        ReportDate::At(_) => format!("access key {number} last used {last_used}"),
        _ => format!("access key {number} never used; created {last_rotated}"),
    }
}

fn verdict(report: &CredentialReport, days: u32, now: DateTime<Utc>) -> Outcome {
    let rule = KeyRule::Unused { days };
    let mut evidence = Vec::new();
    let mut offenders = Vec::new();
    for user in &report.users {
        if user.password_enabled == Some(true) {
            let (unused, detail) = password_check(user, days, now);
            if unused {
                offenders.push(format!("{} (password)", user.user));
            }
            evidence.push(Evidence::new(
                &user.arn,
                format!("{detail}{}", if unused { ": unused" } else { "" }),
            ));
        }
        for key in user.active_keys() {
            let unused = rule.offends(now, key.last_rotated.at(), key.last_used.at());
            if unused {
                offenders.push(format!("{} (key {})", user.user, key.number));
            }
            evidence.push(Evidence::new(
                &user.arn,
                format!(
                    "{}{}",
                    key_detail(key.number, key.last_rotated, key.last_used),
                    if unused { ": unused" } else { "" }
                ),
            ));
        }
    }
    let outcome = if offenders.is_empty() {
        Outcome::pass(
            format!("no enabled credential has been unused for {days} days or more"),
            evidence,
        )
    } else {
        Outcome::fail(
            format!(
                "{} credential(s) unused for {days} days or more: {}",
                offenders.len(),
                offenders.join(", ")
            ),
            evidence,
        )
    };
    report.annotate(outcome)
}

static FIX: DeactivateKeys<UnusedParameters> = DeactivateKeys {
    rule: |p| KeyRule::Unused {
        days: p.max_unused_days,
    },
};

#[async_trait]
impl Audit for UnusedCredentials {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, UnusedParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let report = credential_report(account).await?;
        Ok(verdict(
            &report,
            input.parameters.max_unused_days,
            Utc::now(),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// The unsafe fix: deactivate the access keys a rule flags. Passwords are never touched.
// ---------------------------------------------------------------------------------------

/// Deactivates (`iam:UpdateAccessKey Status=Inactive`) every active key `rule` flags;
/// undo reactivates exactly those keys. `rule` gives the rule from the control's
/// parameters `P` (checked when the profile was read).
pub struct DeactivateKeys<P> {
    pub rule: fn(&P) -> KeyRule,
}

/// A step's data: one key of one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyStep {
    pub user_name: String,
    pub user_arn: String,
    pub access_key_id: String,
}

fn chrono_time(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos())
}

fn stamp(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "never".to_string())
}

/// The user's keys as (id, status, created), every page.
async fn list_keys(
    account: &AwsAccount,
    user_name: &str,
) -> Result<Vec<(String, String, Option<DateTime<Utc>>)>, AwsError> {
    const ACTION: &str = "iam:ListAccessKeys";
    let mut keys = read_pages(account.max_pages(), ACTION, |marker| async move {
        let page = account
            .iam()
            .list_access_keys()
            .user_name(user_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        let keys = page
            .access_key_metadata()
            .iter()
            .filter_map(|k| {
                Some((
                    k.access_key_id()?.to_string(),
                    k.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    k.create_date().and_then(chrono_time),
                ))
            })
            .collect();
        Ok(Page::new(keys, page.marker()).truncated(page.is_truncated()))
    })
    .await?;
    keys.sort();
    Ok(keys)
}

fn step_data(step: &Step) -> Result<KeyStep, RemediationError> {
    step.data_as()
}

async fn set_status(
    account: &AwsAccount,
    step: &Step,
    status: aws_sdk_iam::types::StatusType,
) -> Result<(), RemediationError> {
    let data = step_data(step)?;
    account
        .iam()
        .update_access_key()
        .user_name(&data.user_name)
        .access_key_id(&data.access_key_id)
        .status(status)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("iam:UpdateAccessKey", e))?;
    Ok(())
}

#[async_trait]
impl<P: Send + Sync + 'static> Remediation<AwsAccount, P> for DeactivateKeys<P> {
    fn safety(&self) -> FixSafety {
        // Whatever still signs requests with a deactivated key stops working.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            "iam:ListAccessKeys",
            "iam:GetAccessKeyLastUsed",
            "iam:UpdateAccessKey",
        ]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, P>,
    ) -> Result<Plan, RemediationError> {
        let rule = (self.rule)(input.parameters);
        let report = credential_report(account).await?;
        let now = Utc::now();
        let iam = account.iam();
        let mut steps = Vec::new();
        let flagged = report.users.iter().filter(|u| {
            u.active_keys()
                .any(|k| rule.offends(now, k.last_rotated.at(), k.last_used.at()))
        });
        for user in flagged {
            // The report names keys 1 and 2, not their ids, and may be hours old: list the
            // user's keys and judge each active one again from its own dates.
            let keys = match list_keys(account, &user.user).await {
                Ok(keys) => keys,
                // Deleted since the report was generated: nothing left to deactivate.
                Err(error) if error.code == "NoSuchEntity" => continue,
                Err(error) => return Err(RemediationError::from(error)),
            };
            for (key_id, status, created) in keys {
                if status != "Active" {
                    continue;
                }
                let last_used = iam
                    .get_access_key_last_used()
                    .access_key_id(&key_id)
                    .send()
                    .await
                    .map_err(|e| {
                        RemediationError::from(AwsError::from_sdk("iam:GetAccessKeyLastUsed", e))
                    })?
                    .access_key_last_used()
                    .and_then(|u| u.last_used_date())
                    .and_then(chrono_time);
                if !rule.offends(now, created, last_used) {
                    continue;
                }
                let data = KeyStep {
                    user_name: user.user.clone(),
                    user_arn: user.arn.clone(),
                    access_key_id: key_id.clone(),
                };
                steps.push(Step {
                    action: "iam:UpdateAccessKey".to_string(),
                    resource: format!("{}/access-key/{key_id}", user.arn),
                    summary: format!(
                        "deactivate access key {key_id} of user {} (created {}, last used {})",
                        user.user,
                        stamp(created),
                        stamp(last_used)
                    ),
                    data: serde_json::to_value(&data).map_err(|e| {
                        RemediationError::Refused(format!("cannot record the step: {e}"))
                    })?,
                });
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "no active access key breaks the rule any more (the credential report may be \
                 older than the keys' state); passwords are never changed by this fix",
            ));
        }
        let explanation = format!(
            "deactivate {} access key(s); passwords are not touched",
            steps.len()
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let data = step_data(step)?;
        let keys = match list_keys(account, &data.user_name).await {
            Ok(keys) => keys,
            Err(error) if error.code == "NoSuchEntity" => {
                return Ok(serde_json::json!({ "exists": false }))
            }
            Err(error) => return Err(RemediationError::from(error)),
        };
        Ok(
            match keys.iter().find(|(id, _, _)| *id == data.access_key_id) {
                Some((_, status, _)) => serde_json::json!({ "exists": true, "status": status }),
                None => serde_json::json!({ "exists": false }),
            },
        )
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        set_status(account, step, aws_sdk_iam::types::StatusType::Inactive).await
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        set_status(account, step, aws_sdk_iam::types::StatusType::Active).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::iam::testing::{days_ago, report_rules, Row};
    use crate::data::iam::ROOT_ROW;
    use aws_sdk_iam::operation::get_access_key_last_used::GetAccessKeyLastUsedOutput;
    use aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput;
    use aws_sdk_iam::operation::update_access_key::UpdateAccessKeyOutput;
    use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata, StatusType};
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use cisrun_core::Status;

    fn account(rules: &[Rule]) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules);
        AwsAccount::for_tests(iam, "123456789012", "aws")
    }

    #[test]
    fn the_rules_count_from_creation_when_never_used() {
        let now = Utc::now();
        let rule = KeyRule::Unused { days: 45 };
        let old = Some(now - Duration::days(100));
        let fresh = Some(now - Duration::days(3));
        assert!(rule.offends(now, old, None), "never used, created long ago");
        assert!(!rule.offends(now, old, fresh), "used recently");
        assert!(!rule.offends(now, fresh, None), "new and not yet used");
        assert!(rule.offends(now, None, None));
        let rotation = KeyRule::Unrotated { days: 90 };
        assert!(rotation.offends(now, old, fresh));
        assert!(!rotation.offends(now, fresh, None));
    }

    #[tokio::test]
    async fn aged_passwords_and_keys_fail_and_the_root_row_is_skipped() {
        let (d100, d60, d10) = (days_ago(100), days_ago(60), days_ago(10));
        let mut root = Row::user(ROOT_ROW, 900);
        root.password_enabled = "not_supported";
        root.key_1 = ("true", &d100, &d100);
        let mut idle = Row::user("idle", 200);
        idle.password_enabled = "true";
        idle.password_last_used = "no_information";
        idle.password_last_changed = &d60;
        idle.key_1 = ("true", &d100, "N/A");
        idle.key_2 = ("false", &d100, "N/A");
        let mut busy = Row::user("busy", 200);
        busy.password_enabled = "true";
        busy.password_last_used = &d10;
        busy.password_last_changed = &d100;
        busy.key_1 = ("true", &d100, &d10);
        let outcome = cisrun_core::testing::audit(
            &UnusedCredentials,
            &account(&report_rules(&[root, idle, busy])),
        )
        .await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.message,
            "2 credential(s) unused for 45 days or more: idle (password), idle (key 1)"
        );
        assert!(outcome
            .evidence
            .iter()
            .all(|e| e.resource.contains(":user/")));
        assert_eq!(outcome.evidence.len(), 4);
    }

    #[tokio::test]
    async fn recent_credentials_pass() {
        let d10 = days_ago(10);
        let mut busy = Row::user("busy", 200);
        busy.password_enabled = "true";
        busy.password_last_used = &d10;
        busy.key_1 = ("true", &d10, "N/A");
        let outcome =
            cisrun_core::testing::audit(&UnusedCredentials, &account(&report_rules(&[busy]))).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    fn key(id: &str, days: i64) -> AccessKeyMetadata {
        AccessKeyMetadata::builder()
            .user_name("idle")
            .access_key_id(id)
            .status(StatusType::Active)
            .create_date(aws_smithy_types::DateTime::from_secs(
                (Utc::now() - Duration::days(days)).timestamp(),
            ))
            .build()
    }

    #[tokio::test]
    async fn the_fix_is_unsafe_and_deactivates_only_keys_still_unused() {
        let d100 = days_ago(100);
        let mut idle = Row::user("idle", 200);
        idle.key_1 = ("true", &d100, "N/A");
        idle.key_2 = ("true", &d100, "N/A");
        let mut rules = report_rules(&[idle]);
        rules.push(mock!(Client::list_access_keys).then_output(|| {
            ListAccessKeysOutput::builder()
                .access_key_metadata(key("AKIAOLD", 100))
                .access_key_metadata(key("AKIAUSED", 100))
                .build()
                .expect("output")
        }));
        rules.push(
            mock!(Client::get_access_key_last_used)
                .match_requests(|r| r.access_key_id() == Some("AKIAOLD"))
                .then_output(|| GetAccessKeyLastUsedOutput::builder().build()),
        );
        rules.push(
            mock!(Client::get_access_key_last_used)
                .match_requests(|r| r.access_key_id() == Some("AKIAUSED"))
                .then_output(|| {
                    GetAccessKeyLastUsedOutput::builder()
                        .access_key_last_used(
                            AccessKeyLastUsed::builder()
                                .service_name("s3")
                                .region("us-east-1")
                                .last_used_date(aws_smithy_types::DateTime::from_secs(
                                    Utc::now().timestamp() - 3600,
                                ))
                                .build()
                                .expect("last used"),
                        )
                        .build()
                }),
        );
        let deactivate = mock!(Client::update_access_key)
            .match_requests(|r| {
                r.access_key_id() == Some("AKIAOLD") && r.status() == Some(&StatusType::Inactive)
            })
            .then_output(|| UpdateAccessKeyOutput::builder().build());
        let reactivate = mock!(Client::update_access_key)
            .match_requests(|r| {
                r.access_key_id() == Some("AKIAOLD") && r.status() == Some(&StatusType::Active)
            })
            .then_output(|| UpdateAccessKeyOutput::builder().build());
        rules.push(deactivate.clone());
        rules.push(reactivate.clone());
        let account = account(&rules);
        let fix = cisrun_core::Described::fix(&UnusedCredentials).expect("fix");
        assert_eq!(fix.safety(), FixSafety::Unsafe);
        let plan = fix
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &cisrun_core::testing::parameters("{}").expect("defaults"),
                    version: "",
                },
            )
            .await
            .expect("plan");
        assert_eq!(plan.steps.len(), 1, "{plan:?}");
        let step = &plan.steps[0];
        assert!(step.summary.contains("AKIAOLD"), "{}", step.summary);
        assert!(step.summary.contains("user idle"), "{}", step.summary);
        assert!(step.summary.contains("last used never"), "{}", step.summary);
        fix.apply(&account, step).await.expect("apply");
        fix.undo(&account, step).await.expect("undo");
        assert_eq!(deactivate.num_calls(), 1);
        assert_eq!(reactivate.num_calls(), 1);
    }

    #[test]
    fn the_threshold_may_not_exceed_45() {
        let check = |yaml: &str| {
            let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
            cisrun_core::parameters::read::<UnusedParameters>(Some(&value)).map(drop)
        };
        assert!(check("max_unused_days: 46").is_err());
        assert!(check("max_unused_days: 30").is_ok());
    }
}
