//! CIS AWS Foundations: no access keys created at setup for users with a console password.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::iam::{credential_report, CredentialReport, ReportDate};

cisrun_core::control! {
    /// ## Description
    /// Do not create an access key for a console user "just in case" when setting the user
    /// up: create one only when the user needs programmatic access.
    ///
    /// ## Rationale
    /// A key nobody uses is a credential that can only leak. Creating keys on request also
    /// keeps a record of who needs one.
    ///
    /// ## Impact
    /// Deleting a key that is in fact used breaks what uses it; the audit only lists keys
    /// that have never signed a request.
    ///
    /// ## Audit
    /// cisrun generates and reads the credential report. For every user row (not the
    /// `<root_account>` row) with `password_enabled` = `true`, an **active** key whose
    /// `access_key_N_last_used_date` is `N/A` (never used) fails the control: that is the
    /// benchmark's command-line audit. The evidence gives the key's creation date
    /// (`access_key_N_last_rotated`) beside the user's, and says when they are within the
    /// same hour, the benchmark's console hint that the key was created at setup.
    ///
    /// - Inactive keys, and users without a console password, are not concerned.
    /// - AWS may serve a report up to four hours old; the outcome notes when it did.
    /// - A malformed report, or any AWS error that survives the SDK's retries: **error**.
    ///
    /// ## Remediation
    /// Delete each listed key: `aws iam delete-access-key --user-name <user>
    /// --access-key-id <id>` (`aws iam list-access-keys --user-name <user>` gives the ids).
    /// cisrun does not fix this one; `aws-iam-unused-credentials-45d` deactivates keys
    /// unused for 45 days (an unsafe fix).
    ///
    /// ## Default value
    /// The console offers to create an access key when a user is created.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub struct NoInitialAccessKeys {
        id: "aws-iam-no-initial-access-keys",
        title: "Do not create access keys during initial setup for IAM users with a console password",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    }
}

fn verdict(report: &CredentialReport) -> Outcome {
    let mut evidence = Vec::new();
    let mut offenders = Vec::new();
    for user in report
        .users
        .iter()
        .filter(|u| u.password_enabled == Some(true))
    {
        for key in user.active_keys() {
            if key.last_used != ReportDate::NotApplicable {
                evidence.push(Evidence::new(
                    &user.arn,
                    format!("access key {} last used {}", key.number, key.last_used),
                ));
                continue;
            }
            let at_setup = match (key.last_rotated.at(), user.user_creation_time.at()) {
                (Some(key_at), Some(user_at)) => (key_at - user_at).num_minutes().abs() <= 60,
                _ => false,
            };
            offenders.push(format!("{} (key {})", user.user, key.number));
            evidence.push(Evidence::new(
                &user.arn,
                format!(
                    "access key {} is active and has never been used; created {}, user created {}{}",
                    key.number,
                    key.last_rotated,
                    user.user_creation_time,
                    if at_setup { " (at setup)" } else { "" }
                ),
            ));
        }
    }
    let outcome = if offenders.is_empty() {
        Outcome::pass(
            "no console user has an active access key that was never used",
            evidence,
        )
    } else {
        Outcome::fail(
            format!(
                "{} active access key(s) of console users were never used: {}; delete them",
                offenders.len(),
                offenders.join(", ")
            ),
            evidence,
        )
    };
    report.annotate(outcome)
}

#[async_trait]
impl Audit for NoInitialAccessKeys {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let report = credential_report(account).await?;
        Ok(verdict(&report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::iam::testing::{days_ago, report_rules, Row};
    use aws_smithy_mocks::{mock_client, RuleMode};
    use cisrun_core::Status;

    async fn audit(rows: &[Row<'_>]) -> Outcome {
        let rules = report_rules(rows);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&NoInitialAccessKeys, &account).await
    }

    #[tokio::test]
    async fn a_never_used_key_of_a_console_user_fails() {
        let created = days_ago(10);
        let used = days_ago(1);
        let mut console = Row::user("console", 10);
        console.created = created.clone();
        console.password_enabled = "true";
        console.key_1 = ("true", &used, &used);
        console.key_2 = ("true", &created, "N/A");
        let mut api_only = Row::user("api", 10);
        api_only.key_1 = ("true", &created, "N/A");
        let outcome = audit(&[console, api_only]).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(
            outcome.message.contains("console (key 2)"),
            "{}",
            outcome.message
        );
        assert!(outcome.evidence[1].detail.contains("(at setup)"));
    }

    #[tokio::test]
    async fn used_or_inactive_keys_pass() {
        let used = days_ago(1);
        let mut console = Row::user("console", 10);
        console.password_enabled = "true";
        console.key_1 = ("true", &used, &used);
        console.key_2 = ("false", &used, "N/A");
        assert_eq!(audit(&[console]).await.status, Status::Pass);
    }
}
