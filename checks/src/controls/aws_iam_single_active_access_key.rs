//! CIS AWS Foundations: at most one active access key per IAM user.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::iam::{credential_report, CredentialReport};

cisrun_core::control! {
    /// ## Description
    /// An IAM user can have two access keys. Keep at most one of them active.
    ///
    /// ## Rationale
    /// Two active keys double what can leak, and usually mean a rotation that was never
    /// finished. The second slot exists for rotation: create the new key, move to it,
    /// deactivate and delete the old one.
    ///
    /// ## Impact
    /// Whatever still uses the key that is deactivated stops working.
    ///
    /// ## Audit
    /// cisrun generates and reads the credential report and, for every user row (not the
    /// `<root_account>` row, see `aws-iam-root-access-key`), counts the active keys in
    /// `access_key_1_active` and `access_key_2_active`. A user with both active fails the
    /// control.
    ///
    /// - One evidence line per user with an active key, on the user's ARN.
    /// - AWS may serve a report up to four hours old; the outcome notes when it did.
    /// - A malformed report, or any AWS error that survives the SDK's retries: **error**.
    ///
    /// ## Remediation
    /// For each user listed, find which key is still used (`aws iam
    /// get-access-key-last-used --access-key-id <id>`), then deactivate the other
    /// (`aws iam update-access-key --user-name <user> --access-key-id <id> --status
    /// Inactive`) and, once nothing broke, delete it. cisrun does not fix this: which key to
    /// keep is the owner's choice.
    ///
    /// ## Default value
    /// New users have no access key.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub struct SingleActiveAccessKey {
        id: "aws-iam-single-active-access-key",
        title: "Ensure there is only one active access key for any single IAM user",
        target: AwsAccount,
        permissions: ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    }
}

fn verdict(report: &CredentialReport) -> Outcome {
    let mut evidence = Vec::new();
    let mut offenders = Vec::new();
    for user in &report.users {
        let active = user.active_keys().count();
        if active == 0 {
            continue;
        }
        if active > 1 {
            offenders.push(user.user.as_str());
        }
        let numbers: Vec<String> = user.active_keys().map(|k| k.number.to_string()).collect();
        evidence.push(Evidence::new(
            &user.arn,
            format!(
                "{active} active access key(s) (key {})",
                numbers.join(" and ")
            ),
        ));
    }
    let outcome = if offenders.is_empty() {
        Outcome::pass("no IAM user has more than one active access key", evidence)
    } else {
        Outcome::fail(
            format!(
                "{} user(s) have two active access keys: {}",
                offenders.len(),
                offenders.join(", ")
            ),
            evidence,
        )
    };
    report.annotate(outcome)
}

#[async_trait]
impl Audit for SingleActiveAccessKey {
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

    #[tokio::test]
    async fn two_active_keys_fail_one_active_one_inactive_passes() {
        let date = days_ago(3);
        let mut two = Row::user("two", 5);
        two.key_1 = ("true", &date, "N/A");
        two.key_2 = ("true", &date, &date);
        let mut one = Row::user("one", 5);
        one.key_1 = ("false", &date, "N/A");
        one.key_2 = ("true", &date, "N/A");
        let rules = report_rules(&[two, one]);
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&SingleActiveAccessKey, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert_eq!(
            outcome.message,
            "1 user(s) have two active access keys: two"
        );
        assert_eq!(outcome.evidence.len(), 2);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:iam::123456789012:user/one"
        );
        assert!(outcome.evidence[0].detail.contains("key 2"));
    }
}
