//! CIS AWS Foundations: no daily use of the root user.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Evidence, Input, Outcome};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::account::AwsAccount;
use crate::data::iam::{credential_report, CredentialReport, ROOT_ROW};

cisrun_core::control! {
    /// ## Description
    /// Do not use the root user for administrative or daily work: keep it for the few tasks
    /// that only the root user can do.
    ///
    /// ## Rationale
    /// The root user has unrestricted access. The less it is used, the less its credentials
    /// are exposed, and the more an actual use of it stands out.
    ///
    /// ## Impact
    /// People who still work as root need IAM roles (or users) with the permissions they
    /// actually need.
    ///
    /// ## Audit
    /// cisrun generates the credential report (`aws iam generate-credential-report`, then
    /// `aws iam get-credential-report`) and reads the `<root_account>` row. The root user's
    /// last use is the **most recent** of `password_last_used`,
    /// `access_key_1_last_used_date` and `access_key_2_last_used_date`. The control fails if
    /// that is less than `recent_use_days` days before the audit (default 1: the root user
    /// signed in or signed a request in the last 24 hours), and passes otherwise, or when
    /// the report records no use at all.
    ///
    /// - All three columns count, not the first one that has a date: a key used yesterday
    ///   fails the control even if the password was last used years ago.
    /// - `N/A`, `no_information` and `not_supported` are not dates: they mean no recorded use.
    /// - A report without a `<root_account>` row, or any AWS error that survives the SDK's
    ///   retries: **error**.
    /// - AWS may serve a report up to four hours old; the outcome notes when it did.
    ///
    /// The benchmark asks to review the dates rather than giving a threshold; the window is a
    /// parameter so that a profile can widen it (e.g. `recent_use_days: 7`):
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-root-usage:
    ///     recent_use_days: 1     # 1 to 365
    /// ```
    ///
    /// ## Remediation
    /// Find out who used the root user and why (CloudTrail events whose `userIdentity.type`
    /// is `Root`), give them an IAM role for that work, and keep the root credentials locked
    /// away; delete any root access key. cisrun does not fix this.
    ///
    /// ## Default value
    /// Not applicable: this is about how the account is used.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub struct RootUsage {
        id: "aws-iam-root-usage",
        title: "Eliminate use of the 'root' user for administrative and daily tasks",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        parameters: RootUsageParameters,
    }
}

/// The profile's `parameters: aws-iam-root-usage:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RootUsageParameters {
    /// Fail when the root user was last used fewer than this many days ago (1 to 365).
    #[serde(default = "default_recent_use_days")]
    pub recent_use_days: u32,
}

fn default_recent_use_days() -> u32 {
    1
}

impl Default for RootUsageParameters {
    fn default() -> Self {
        Self {
            recent_use_days: default_recent_use_days(),
        }
    }
}

impl ControlParameters for RootUsageParameters {
    fn validate(&self) -> Result<(), String> {
        if !(1..=365).contains(&self.recent_use_days) {
            return Err(format!(
                "recent_use_days: {} is outside 1..=365",
                self.recent_use_days
            ));
        }
        Ok(())
    }
}

fn verdict(report: &CredentialReport, days: u32, now: DateTime<Utc>) -> Outcome {
    let Some(root) = &report.root else {
        return Outcome::error(ErrorDetail {
            code: "InvalidResponse".to_string(),
            message: format!("iam:GetCredentialReport sent no {ROOT_ROW} row"),
            missing_permission: None,
        });
    };
    let uses = [
        ("password", root.password_last_used),
        ("access key 1", root.access_keys[0].last_used),
        ("access key 2", root.access_keys[1].last_used),
    ];
    let details = uses
        .iter()
        .map(|(what, when)| format!("{what} last used: {when}"))
        .collect::<Vec<_>>()
        .join("; ");
    let latest = uses
        .iter()
        .filter_map(|(what, when)| when.at().map(|at| (at, *what)))
        .max();
    let evidence = vec![Evidence::new(&root.arn, details)];
    let outcome = match latest {
        None => Outcome::pass(
            "the credential report records no use of the root user",
            evidence,
        ),
        Some((at, what)) if now - at < Duration::days(i64::from(days)) => Outcome::fail(
            format!(
                "the root user was used within the last {days} day(s): its {what} at {}",
                at.format("%Y-%m-%dT%H:%M:%SZ")
            ),
            evidence,
        ),
        Some((at, what)) => Outcome::pass(
            format!(
                "the root user was last used {} day(s) ago (its {what})",
                (now - at).num_days()
            ),
            evidence,
        ),
    };
    report.annotate(outcome)
}

#[async_trait]
impl Audit for RootUsage {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, RootUsageParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let report = credential_report(account).await?;
        Ok(verdict(
            &report,
            input.parameters.recent_use_days,
            Utc::now(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::iam::testing::{days_ago, report_rules, Row};
    use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportError;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn root<'a>(password: &'a str, key_1: &'a str, key_2: &'a str) -> Row<'a> {
        let mut row = Row::user(ROOT_ROW, 1000);
        row.password_enabled = "not_supported";
        row.password_last_used = password;
        row.password_last_changed = "not_supported";
        row.key_1 = ("false", "N/A", key_1);
        row.key_2 = ("false", "N/A", key_2);
        row
    }

    async fn audit(rows: &[Row<'_>], parameters: &str) -> Outcome {
        let rules = report_rules(rows);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let parameters: RootUsageParameters =
            cisrun_core::testing::parameters(parameters).expect("parameters");
        cisrun_core::testing::audit_as(&RootUsage, &account, &parameters, "").await
    }

    #[tokio::test]
    async fn the_most_recent_of_the_three_counts() {
        // Password used long ago, key 2 used an hour ago: Prowler's if/elif reads only the
        // password; the benchmark wants the latest use.
        let hour_ago = (Utc::now() - Duration::hours(1))
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string();
        let long_ago = days_ago(400);
        let outcome = audit(&[root(&long_ago, "N/A", &hour_ago)], "{}").await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.message.contains("access key 2"),
            "{}",
            outcome.message
        );
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:iam::123456789012:root"
        );
    }

    #[tokio::test]
    async fn old_use_passes_and_sentinels_are_no_use() {
        let month_ago = days_ago(30);
        let outcome = audit(&[root(&month_ago, "N/A", "N/A")], "{}").await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let outcome = audit(&[root("no_information", "N/A", "N/A")], "{}").await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let outcome = audit(&[root(&month_ago, "N/A", "N/A")], "recent_use_days: 45").await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    }

    #[tokio::test]
    async fn a_report_without_a_root_row_is_an_error() {
        let outcome = audit(&[Row::user("alice", 3)], "{}").await;
        assert_eq!(outcome.status, Status::Error);
    }

    #[tokio::test]
    async fn access_denied_names_the_action() {
        let rule = mock!(Client::generate_credential_report).then_error(|| {
            GenerateCredentialReportError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("no")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&RootUsage, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:GenerateCredentialReport")
        );
    }

    #[test]
    fn the_window_is_bounded() {
        let check = |yaml: &str| {
            let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
            cisrun_core::parameters::read::<RootUsageParameters>(Some(&value)).map(drop)
        };
        assert!(check("{}").is_ok());
        assert!(check("recent_use_days: 0").is_err());
        assert!(check("recent_days: 3").is_err());
    }
}
