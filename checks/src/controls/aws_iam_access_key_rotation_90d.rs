//! CIS AWS Foundations: access keys rotated every 90 days or less.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Evidence, Input, Outcome};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::account::AwsAccount;
use crate::controls::aws_iam_unused_credentials_45d::{DeactivateKeys, KeyRule};
use crate::data::iam::{credential_report, CredentialReport};

cisrun_core::control! {
    /// ## Description
    /// Rotate every active access key at least every 90 days: create a new key, move to it,
    /// then deactivate and delete the old one.
    ///
    /// ## Rationale
    /// The longer a key lives, the more places it has been copied to and the longer a leaked
    /// copy stays useful.
    ///
    /// ## Impact
    /// Whatever uses a key must be updated at each rotation; a key deactivated before that
    /// breaks it.
    ///
    /// ## Audit
    /// cisrun generates and reads the credential report. For every user row (not the
    /// `<root_account>` row), an **active** key whose `access_key_N_last_rotated` is more than
    /// `max_key_age_days` (default 90) days before the audit fails the control. Inactive keys
    /// pass; `N/A` is never read as a date; times are compared in UTC.
    ///
    /// - One evidence line per active key, on the user's ARN.
    /// - AWS may serve a report up to four hours old; the outcome notes when it did.
    /// - A malformed report, or any AWS error that survives the SDK's retries: **error**.
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-access-key-rotation-90d:
    ///     max_key_age_days: 90    # 0 to 90; more than 90 is refused
    /// ```
    ///
    /// ## Remediation
    /// For each key listed: `aws iam create-access-key --user-name <user>`, move everything
    /// to the new key, then `aws iam update-access-key --user-name <user> --access-key-id
    /// <old> --status Inactive` and, once nothing broke, `aws iam delete-access-key`.
    ///
    /// `cisrun remediate --apply --unsafe-fixes` deactivates the old keys (an **unsafe**
    /// fix: it does not create new ones, so whatever still uses an old key breaks). It lists
    /// each user's keys (`iam:ListAccessKeys`), checks each active key's creation date again,
    /// and plans one `iam:UpdateAccessKey Status=Inactive` per key, naming the key, its user
    /// and its last use. `cisrun rollback` reactivates exactly those keys.
    ///
    /// ## Default value
    /// Keys never expire.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub struct AccessKeyRotation {
        id: "aws-iam-access-key-rotation-90d",
        title: "Ensure access keys are rotated every 90 days or less",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        parameters: RotationParameters,
        fix: FIX,
    }
}

/// The profile's `parameters: aws-iam-access-key-rotation-90d:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationParameters {
    /// An active key older than this many days fails: 0 to 90 (the benchmark's).
    #[serde(default = "default_max_key_age_days")]
    pub max_key_age_days: u32,
}

fn default_max_key_age_days() -> u32 {
    90
}

impl ControlParameters for RotationParameters {
    fn validate(&self) -> Result<(), String> {
        if self.max_key_age_days > 90 {
            return Err(format!(
                "max_key_age_days: {} is more than the benchmark's 90",
                self.max_key_age_days
            ));
        }
        Ok(())
    }
}

static FIX: DeactivateKeys<RotationParameters> = DeactivateKeys {
    rule: |p| KeyRule::Unrotated {
        days: p.max_key_age_days,
    },
};

fn verdict(report: &CredentialReport, days: u32, now: DateTime<Utc>) -> Outcome {
    let rule = KeyRule::Unrotated { days };
    let mut evidence = Vec::new();
    let mut offenders = Vec::new();
    for user in &report.users {
        for key in user.active_keys() {
            let old = rule.offends(now, key.last_rotated.at(), None);
            if old {
                offenders.push(format!("{} (key {})", user.user, key.number));
            }
            let age = key
                .last_rotated
                .at()
                .map(|at| format!(" ({} day(s) ago)", (now - at).num_days()))
                .unwrap_or_default();
            evidence.push(Evidence::new(
                &user.arn,
                format!(
                    "access key {} created {}{age}{}",
                    key.number,
                    key.last_rotated,
                    if old { ": not rotated" } else { "" }
                ),
            ));
        }
    }
    let outcome = if offenders.is_empty() {
        Outcome::pass(
            format!("every active access key is {days} days old or less"),
            evidence,
        )
    } else {
        Outcome::fail(
            format!(
                "{} active access key(s) older than {days} days: {}",
                offenders.len(),
                offenders.join(", ")
            ),
            evidence,
        )
    };
    report.annotate(outcome)
}

#[async_trait]
impl Audit for AccessKeyRotation {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, RotationParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let report = credential_report(account).await?;
        Ok(verdict(
            &report,
            input.parameters.max_key_age_days,
            Utc::now(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::iam::testing::{days_ago, report_rules, Row};
    use aws_smithy_mocks::{mock_client, RuleMode};
    use cisrun_core::{FixSafety, Status};

    #[tokio::test]
    async fn old_active_keys_fail_inactive_ones_do_not() {
        let (d120, d10) = (days_ago(120), days_ago(10));
        let mut old = Row::user("old", 200);
        old.key_1 = ("false", &d120, "N/A");
        old.key_2 = ("true", &d120, &d10);
        let mut new = Row::user("new", 200);
        new.key_1 = ("true", &d10, "N/A");
        let rules = report_rules(&[old, new]);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&AccessKeyRotation, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.message,
            "1 active access key(s) older than 90 days: old (key 2)"
        );
        assert_eq!(outcome.evidence.len(), 2);
        assert_eq!(
            cisrun_core::Described::fix(&AccessKeyRotation).map(|f| f.safety()),
            Some(FixSafety::Unsafe)
        );
    }

    #[tokio::test]
    async fn fresh_keys_pass() {
        let d10 = days_ago(10);
        let mut new = Row::user("new", 200);
        new.key_1 = ("true", &d10, "N/A");
        let rules = report_rules(&[new]);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&AccessKeyRotation, &account).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }
}
