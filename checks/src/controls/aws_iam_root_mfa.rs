//! CIS AWS Foundations: MFA for the root user.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::iam::{account_summary, AccountSummary};

cisrun_core::control! {
    /// ## Description
    /// The root user can do anything in the account, including things no IAM policy can
    /// restrict. Protect its sign-in with a multi-factor authentication (MFA) device.
    ///
    /// ## Rationale
    /// With MFA, a stolen or guessed root password is not enough to sign in: the attacker
    /// also needs the device.
    ///
    /// ## Impact
    /// Whoever signs in as root needs the MFA device; keep it (and a recovery plan for it)
    /// where the people who may need root can reach it.
    ///
    /// ## Audit
    /// Passes if `AccountMFAEnabled` in `aws iam get-account-summary` is `1`, as the
    /// benchmark's audit says.
    ///
    /// - The check does not depend on the root user having a password or keys: tools that
    ///   read the credential report's root row (where `password_enabled` is
    ///   `not_supported`) stay silent about a root user without MFA.
    /// - v7.0.0 also passes an account whose root user has no password
    ///   (`AccountPasswordPresent` = 0: a member account whose root access is managed
    ///   centrally by the Organization), as its audit says. v1.4.0–v6.0.0 require MFA
    ///   regardless and fail it, saying that v7.0.0 accepts it. Under v7.0.0, no MFA and no
    ///   `AccountPasswordPresent` in the summary is an **error**: cisrun cannot tell.
    /// - `AccountMFAEnabled` missing, or any AWS error that survives the SDK's retries:
    ///   **error**, never pass or fail.
    ///
    /// ## Remediation
    /// Sign in as the root user, open *Security credentials*, choose *Assign MFA device* and
    /// follow the steps (a hardware key is better: see `aws-iam-root-hardware-mfa`). cisrun
    /// does not fix this: only the root user can.
    ///
    /// ## Default value
    /// The root user has no MFA device until one is assigned.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
    pub struct RootMfa {
        id: "aws-iam-root-mfa",
        title: "Ensure MFA is enabled for the 'root' user account",
        target: AwsAccount,
        permissions: ["iam:GetAccountSummary"],
    }
}

/// The root user's ARN in `account`.
pub fn root_arn(account: &AwsAccount) -> String {
    format!("arn:{}:iam::{}:root", account.partition, account.account_id)
}

/// The summary's `AccountMFAEnabled`, or the error when it is missing.
pub fn mfa_enabled(summary: &AccountSummary) -> Result<bool, ErrorDetail> {
    match summary.get("AccountMFAEnabled") {
        Some(n) => Ok(n == 1),
        None => Err(ErrorDetail {
            code: "InvalidResponse".to_string(),
            message: "iam:GetAccountSummary sent no AccountMFAEnabled".to_string(),
            missing_permission: None,
        }),
    }
}

/// Benchmark versions whose audit also passes a root user without a password.
const PASSWORDLESS_ROOT_PASSES: &[&str] = &["v7.0.0"];

fn verdict(account: &AwsAccount, summary: &AccountSummary, version: Option<&str>) -> Outcome {
    let root = root_arn(account);
    let password_present = summary.get("AccountPasswordPresent");
    match mfa_enabled(summary) {
        Ok(true) => Outcome::pass(
            "the root user has MFA",
            vec![Evidence::new(&root, "AccountMFAEnabled = 1")],
        ),
        Ok(false) if version.is_some_and(|v| PASSWORDLESS_ROOT_PASSES.contains(&v)) => {
            match password_present {
                Some(0) => Outcome::pass(
                    "the root user has no password (root access managed centrally), which \
                     this benchmark version accepts instead of MFA",
                    vec![Evidence::new(
                        &root,
                        "AccountMFAEnabled = 0, AccountPasswordPresent = 0",
                    )],
                ),
                Some(_) => Outcome::fail(
                    "the root user has a password and no MFA device: assign one, or remove \
                     the password by managing root access centrally",
                    vec![Evidence::new(
                        &root,
                        "AccountMFAEnabled = 0, AccountPasswordPresent = 1",
                    )],
                ),
                None => Outcome::error(ErrorDetail {
                    code: "InvalidResponse".to_string(),
                    message: "iam:GetAccountSummary sent AccountMFAEnabled = 0 but no \
                              AccountPasswordPresent: cannot tell whether the root user \
                              needs MFA"
                        .to_string(),
                    missing_permission: None,
                }),
            }
        }
        Ok(false) => {
            let mut message = "the root user has no MFA device: assign one".to_string();
            if password_present == Some(0) {
                message.push_str(
                    " (the root user has no password, which v7.0.0 accepts instead of MFA)",
                );
            }
            Outcome::fail(message, vec![Evidence::new(&root, "AccountMFAEnabled = 0")])
        }
        Err(detail) => Outcome::error(detail),
    }
}

#[async_trait]
impl Audit for RootMfa {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let summary = account_summary(account).await?;
        let version = Some(input.version).filter(|v| !v.is_empty());
        Ok(verdict(account, &summary, version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::get_account_summary::{
        GetAccountSummaryError, GetAccountSummaryOutput,
    };
    use aws_sdk_iam::types::SummaryKeyType;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    /// The verdict on a summary with these flags (absent when `None`), for a profile of
    /// `version` (no profile when `None`).
    async fn audit_as(mfa: Option<i32>, password: Option<i32>, version: Option<&str>) -> Outcome {
        let rule = mock!(Client::get_account_summary).then_output(move || {
            let mut out = GetAccountSummaryOutput::builder()
                .summary_map(SummaryKeyType::AccountAccessKeysPresent, 0);
            if let Some(mfa) = mfa {
                out = out.summary_map(SummaryKeyType::AccountMfaEnabled, mfa);
            }
            if let Some(password) = password {
                out = out.summary_map(SummaryKeyType::AccountPasswordPresent, password);
            }
            out.build()
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit_as(
            &RootMfa,
            &account,
            &NoParameters::default(),
            version.unwrap_or_default(),
        )
        .await
    }

    async fn audit_with(mfa: Option<i32>) -> Outcome {
        audit_as(mfa, None, None).await
    }

    #[tokio::test]
    async fn mfa_passes_and_none_fails() {
        // moto always reports 0: the passing side is only testable here.
        let pass = audit_with(Some(1)).await;
        assert_eq!(pass.status, Status::Pass);
        assert_eq!(pass.evidence[0].resource, "arn:aws:iam::123456789012:root");
        assert_eq!(audit_with(Some(0)).await.status, Status::Fail);
    }

    #[tokio::test]
    async fn v7_passes_a_root_user_without_a_password_earlier_versions_fail_it() {
        // moto omits AccountPasswordPresent: this side is only testable here.
        let passwordless = audit_as(Some(0), Some(0), Some("v7.0.0")).await;
        assert_eq!(passwordless.status, Status::Pass, "{passwordless:?}");
        assert!(
            passwordless.evidence[0]
                .detail
                .contains("AccountPasswordPresent = 0"),
            "{passwordless:?}"
        );
        for version in ["v1.4.0", "v3.0.0", "v6.0.0"] {
            let earlier = audit_as(Some(0), Some(0), Some(version)).await;
            assert_eq!(earlier.status, Status::Fail, "{version}");
            assert!(earlier.message.contains("v7.0.0 accepts"), "{earlier:?}");
        }
        // Without a profile (a plugin's own caller): the rule most versions share.
        assert_eq!(audit_as(Some(0), Some(0), None).await.status, Status::Fail);
    }

    #[tokio::test]
    async fn v7_still_fails_a_root_password_without_mfa_and_errors_when_it_cannot_tell() {
        let with_password = audit_as(Some(0), Some(1), Some("v7.0.0")).await;
        assert_eq!(with_password.status, Status::Fail);
        assert_eq!(
            audit_as(Some(1), Some(1), Some("v7.0.0")).await.status,
            Status::Pass
        );
        let unknown = audit_as(Some(0), None, Some("v7.0.0")).await;
        assert_eq!(unknown.status, Status::Error, "{unknown:?}");
        assert!(unknown
            .error
            .is_some_and(|e| e.message.contains("AccountPasswordPresent")),);
    }

    #[tokio::test]
    async fn a_summary_without_the_flag_is_an_error() {
        assert_eq!(audit_with(None).await.status, Status::Error);
    }

    #[tokio::test]
    async fn access_denied_names_the_permission() {
        let rule = mock!(Client::get_account_summary).then_error(|| {
            GetAccountSummaryError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("no")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&RootMfa, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:GetAccountSummary")
        );
    }
}
