//! CIS AWS Foundations: no access key for the root user. The template for an audit-only
//! control: documentation, metadata, one shared fetcher, a verdict, tests.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::iam::{account_summary, AccountSummary};

cisrun_core::control! {
    /// ## Description
    /// The root user is the most privileged identity in an AWS account. Access keys give
    /// programmatic access to it. Remove every access key the root user has.
    ///
    /// ## Rationale
    /// Without root access keys, the most privileged credentials of the account cannot leak
    /// through code, configuration or CI secrets, and people are pushed towards role-based
    /// access with least privilege.
    ///
    /// ## Impact
    /// Anything that still signs requests with a root access key stops working once the key
    /// is deleted: find and move it to an IAM role first.
    ///
    /// ## Audit
    /// Passes if and only if `AccountAccessKeysPresent` in
    /// `aws iam get-account-summary` is `0`, as the benchmark's audit says.
    ///
    /// - The credential report's `<root_account>` row is not used: tools that read it miss
    ///   keys because the row reports `password_enabled` as `not_supported`.
    /// - `AccountAccessKeysPresent` missing from the summary, or any AWS error that
    ///   survives the SDK's retries: **error**, never pass or fail.
    ///
    /// ## Remediation
    /// Sign in as the root user, open *Security credentials*, and under *Access keys*
    /// deactivate, then delete, every key. cisrun does not fix this: only the root user can.
    ///
    /// ## Default value
    /// No root access key exists unless someone creates one.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_add-key.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
    pub struct RootAccessKey {
        id: "aws-iam-root-access-key",
        title: "Ensure no 'root' user account access key exists",
        target: AwsAccount,
        permissions: ["iam:GetAccountSummary"],
    }
}

/// The benchmark's verdict on the account summary.
fn verdict(account: &AwsAccount, summary: &AccountSummary) -> Outcome {
    let root = format!("arn:{}:iam::{}:root", account.partition, account.account_id);
    match summary.get("AccountAccessKeysPresent") {
        Some(0) => Outcome::pass(
            "the root user has no access key",
            vec![Evidence::new(&root, "AccountAccessKeysPresent = 0")],
        ),
        Some(n) => Outcome::fail(
            "the root user has an access key: delete it",
            vec![Evidence::new(
                &root,
                format!("AccountAccessKeysPresent = {n}"),
            )],
        ),
        None => Outcome::error(cisrun_core::ErrorDetail {
            code: "InvalidResponse".to_string(),
            message: "iam:GetAccountSummary sent no AccountAccessKeysPresent".to_string(),
            missing_permission: None,
        }),
    }
}

#[async_trait]
impl Audit for RootAccessKey {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let summary = account_summary(account).await?;
        Ok(verdict(account, &summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
    use aws_sdk_iam::types::SummaryKeyType;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use cisrun_core::Status;

    async fn audit_with(keys: Option<i32>) -> Outcome {
        // moto always reports 0 root keys: the failing side is only testable here.
        let rule = mock!(Client::get_account_summary).then_output(move || {
            let mut out = GetAccountSummaryOutput::builder()
                .summary_map(SummaryKeyType::AccountMfaEnabled, 1);
            if let Some(keys) = keys {
                out = out.summary_map(SummaryKeyType::AccountAccessKeysPresent, keys);
            }
            out.build()
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&RootAccessKey, &account).await
    }

    #[tokio::test]
    async fn a_root_key_fails_and_none_passes() {
        assert_eq!(audit_with(Some(1)).await.status, Status::Fail);
        let pass = audit_with(Some(0)).await;
        assert_eq!(pass.status, Status::Pass);
        assert_eq!(pass.evidence[0].resource, "arn:aws:iam::123456789012:root");
    }

    #[tokio::test]
    async fn a_summary_without_the_key_is_an_error_not_a_pass() {
        assert_eq!(audit_with(None).await.status, Status::Error);
    }
}
