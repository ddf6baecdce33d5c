//! CIS AWS Foundations: a password policy that prevents password reuse. Shares its verdict
//! and fix with `aws-iam-password-min-length`.

use async_trait::async_trait;
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Input, Outcome};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::account::AwsAccount;
use crate::controls::aws_iam_password_min_length::setting_verdict;
use crate::data::iam::password_policy;
use crate::data::password_policy::{PasswordPolicyFix, Setting};

cisrun_core::control! {
    /// ## Description
    /// The account password policy can stop IAM users from reusing their previous
    /// passwords. Make it remember 24 passwords, the most IAM allows.
    ///
    /// ## Rationale
    /// A reused password may be one that has already leaked; preventing reuse keeps a
    /// compromised password from coming back.
    ///
    /// ## Impact
    /// Users cannot go back to one of their last 24 passwords when they change theirs.
    ///
    /// ## Audit
    /// Passes if and only if `aws iam get-account-password-policy` returns a policy whose
    /// `PasswordReusePrevention` is at least `reuse_prevention` (default 24, the benchmark's
    /// value and IAM's maximum).
    ///
    /// - No password policy (`NoSuchEntity`), or a policy without `PasswordReusePrevention`:
    ///   **fail**.
    /// - Any other AWS error that survives the SDK's retries: **error**.
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-password-reuse:
    ///     reuse_prevention: 24    # 1 to 24; anything below 24 is less than the benchmark asks
    /// ```
    ///
    /// ## Remediation
    /// `aws iam update-account-password-policy --password-reuse-prevention 24` plus **every
    /// other setting the policy has now** (the call resets what it is not given).
    /// `cisrun remediate --apply` does that (a safe fix): it reads the current policy, sets
    /// `PasswordReusePrevention` to `reuse_prevention`, keeps every other field, and records
    /// the previous policy in the journal; `cisrun rollback` puts the previous policy back
    /// exactly, or deletes the policy if there was none. It does so only while the policy
    /// is the previous one with just `PasswordReusePrevention` changed to cisrun's value; otherwise
    /// (changed since, or an edited journal) it refuses, `--force` or not.
    ///
    /// ## Default value
    /// No password policy: passwords may be reused.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html
    pub struct PasswordReuse {
        id: "aws-iam-password-reuse",
        title: "Ensure IAM password policy prevents password reuse",
        target: AwsAccount,
        permissions: ["iam:GetAccountPasswordPolicy"],
        parameters: ReuseParameters,
        fix: FIX,
    }
}

/// The profile's `parameters: aws-iam-password-reuse:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseParameters {
    /// How many previous passwords the policy must remember: 1 to 24 (the benchmark's).
    #[serde(default = "default_reuse_prevention")]
    pub reuse_prevention: i32,
}

fn default_reuse_prevention() -> i32 {
    24
}

impl ControlParameters for ReuseParameters {
    fn validate(&self) -> Result<(), String> {
        if !(1..=24).contains(&self.reuse_prevention) {
            return Err(format!(
                "reuse_prevention: {} is outside 1..=24 (IAM remembers at most 24)",
                self.reuse_prevention
            ));
        }
        Ok(())
    }
}

static FIX: PasswordPolicyFix<ReuseParameters> = PasswordPolicyFix {
    setting: Setting::PasswordReusePrevention,
    target: |p| p.reuse_prevention,
};

#[async_trait]
impl Audit for PasswordReuse {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, ReuseParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let policy = password_policy(account).await?;
        Ok(setting_verdict(
            account,
            policy.as_ref().as_ref(),
            Setting::PasswordReusePrevention,
            input.parameters.reuse_prevention,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyOutput;
    use aws_sdk_iam::operation::update_account_password_policy::UpdateAccountPasswordPolicyOutput;
    use aws_sdk_iam::types::PasswordPolicy as SdkPolicy;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use cisrun_core::Status;

    #[tokio::test]
    async fn reuse_against_the_parameter_and_the_fix_sets_only_reuse() {
        let current = mock!(Client::get_account_password_policy).then_output(|| {
            GetAccountPasswordPolicyOutput::builder()
                .password_policy(
                    SdkPolicy::builder()
                        .minimum_password_length(17)
                        .password_reuse_prevention(5)
                        .build(),
                )
                .build()
        });
        let update = mock!(Client::update_account_password_policy)
            .match_requests(|r| {
                r.password_reuse_prevention() == Some(24) && r.minimum_password_length() == Some(17)
            })
            .then_output(|| UpdateAccountPasswordPolicyOutput::builder().build());
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&current, &update]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let none: ReuseParameters = cisrun_core::testing::parameters("{}").expect("defaults");
        let audit = |p| cisrun_core::testing::audit_as(&PasswordReuse, &account, p, "");
        assert_eq!(audit(&none).await.status, Status::Fail);
        let five: ReuseParameters =
            cisrun_core::testing::parameters("reuse_prevention: 5").expect("parameters");
        assert_eq!(audit(&five).await.status, Status::Pass);
        let fix = cisrun_core::Described::fix(&PasswordReuse).expect("fix");
        let plan = fix
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &none,
                    version: "",
                },
            )
            .await
            .expect("plan");
        fix.apply(&account, &plan.steps[0]).await.expect("apply");
        assert_eq!(update.num_calls(), 1);
    }
}
