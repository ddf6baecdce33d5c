//! CIS AWS Foundations: MFA for every IAM user with a console password.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::iam::{credential_report, CredentialReport};

cisrun_core::control! {
    /// ## Description
    /// Every IAM user who can sign in to the console with a password must also have an MFA
    /// device.
    ///
    /// ## Rationale
    /// A password alone can be phished, guessed or reused from another breach; MFA adds a
    /// factor the attacker does not have.
    ///
    /// ## Impact
    /// Users need an MFA device, and must use it every time they sign in.
    ///
    /// ## Audit
    /// cisrun generates and reads the credential report (`aws iam
    /// generate-credential-report`, `aws iam get-credential-report`). Every user row with
    /// `password_enabled` = `true` must have `mfa_active` = `true`; any that does not fails
    /// the control. Users without a console password are not concerned, and the
    /// `<root_account>` row is not a user (see `aws-iam-root-mfa`).
    ///
    /// - One evidence line per user with a console password, on the user's ARN.
    /// - AWS may serve a report up to four hours old (users created since are missing); the
    ///   outcome notes when it did.
    /// - A malformed report, or any AWS error that survives the SDK's retries: **error**.
    ///
    /// ## Remediation
    /// For each user listed: have the user assign an MFA device (IAM console, *Users*, the
    /// user, *Security credentials*, *Assign MFA device*), or remove the console password of
    /// a user who does not need the console (`aws iam delete-login-profile --user-name
    /// <user>`). cisrun does not fix this: the device is the user's.
    ///
    /// ## Default value
    /// New users have no MFA device.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub struct UserConsoleMfa {
        id: "aws-iam-user-console-mfa",
        title: "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    }
}

fn verdict(report: &CredentialReport) -> Outcome {
    let console_users: Vec<_> = report
        .users
        .iter()
        .filter(|u| u.password_enabled == Some(true))
        .collect();
    let without: Vec<&str> = console_users
        .iter()
        .filter(|u| !u.mfa_active)
        .map(|u| u.user.as_str())
        .collect();
    let evidence = console_users
        .iter()
        .map(|u| {
            Evidence::new(
                &u.arn,
                if u.mfa_active {
                    "console password; MFA active"
                } else {
                    "console password; no MFA device"
                },
            )
        })
        .collect();
    let outcome = if without.is_empty() {
        Outcome::pass(
            format!(
                "all {} user(s) with a console password have MFA",
                console_users.len()
            ),
            evidence,
        )
    } else {
        Outcome::fail(
            format!(
                "{} user(s) with a console password have no MFA: {}",
                without.len(),
                without.join(", ")
            ),
            evidence,
        )
    };
    report.annotate(outcome)
}

#[async_trait]
impl Audit for UserConsoleMfa {
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
    use crate::data::iam::testing::{report_rules, Row};
    use crate::data::iam::ROOT_ROW;
    use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
    use aws_sdk_iam::operation::get_credential_report::GetCredentialReportError;
    use aws_sdk_iam::types::ReportStateType;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    async fn audit(rows: &[Row<'_>]) -> Outcome {
        let rules = report_rules(rows);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&UserConsoleMfa, &account).await
    }

    #[tokio::test]
    async fn console_users_without_mfa_fail_sorted_and_root_is_ignored() {
        let mut root = Row::user(ROOT_ROW, 900);
        root.password_enabled = "not_supported";
        let mut zed = Row::user("zed", 5);
        zed.password_enabled = "true";
        let mut amy = Row::user("amy", 5);
        amy.password_enabled = "true";
        amy.mfa_active = "true";
        let bob = Row::user("bob", 5);
        let outcome = audit(&[root, zed, amy, bob]).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let resources: Vec<_> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:iam::123456789012:user/amy",
                "arn:aws:iam::123456789012:user/zed"
            ]
        );
        assert!(outcome.message.contains("zed"));
    }

    #[tokio::test]
    async fn all_with_mfa_pass() {
        let mut amy = Row::user("amy", 5);
        amy.password_enabled = "true";
        amy.mfa_active = "true";
        assert_eq!(audit(&[amy]).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn access_denied_on_the_report_names_the_action() {
        let generate = mock!(Client::generate_credential_report).then_output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        });
        let denied = mock!(Client::get_credential_report).then_error(|| {
            GetCredentialReportError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("no")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&generate, &denied]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&UserConsoleMfa, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:GetCredentialReport")
        );
    }
}
