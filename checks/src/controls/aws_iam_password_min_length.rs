//! CIS AWS Foundations: a password policy with a minimum length of 14 or more. Its fix is
//! shared with `aws-iam-password-reuse` (`crate::data::password_policy`).

use async_trait::async_trait;
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Evidence, Input, Outcome};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::account::AwsAccount;
use crate::data::iam::{password_policy, PasswordPolicy};
use crate::data::password_policy::{resource, PasswordPolicyFix, Setting};

cisrun_core::control! {
    /// ## Description
    /// The account password policy sets the rules for IAM users' console passwords. Require
    /// passwords of at least 14 characters.
    ///
    /// ## Rationale
    /// Longer passwords resist guessing and brute force far better than short ones.
    ///
    /// ## Impact
    /// Users must choose a compliant password the next time they change theirs; existing
    /// passwords keep working until then.
    ///
    /// ## Audit
    /// Passes if and only if `aws iam get-account-password-policy` returns a policy whose
    /// `MinimumPasswordLength` is at least `minimum_length` (default 14).
    ///
    /// - No password policy (`NoSuchEntity`): **fail**; IAM's default allows 8 characters.
    /// - Any other AWS error that survives the SDK's retries: **error**.
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-password-min-length:
    ///     minimum_length: 16    # 14 to 128; below 14 is refused
    /// ```
    ///
    /// ## Remediation
    /// `aws iam update-account-password-policy --minimum-password-length 14` plus **every
    /// other setting the policy has now** (the call resets what it is not given).
    /// `cisrun remediate --apply` does that (a safe fix): it reads the current policy, sets
    /// `MinimumPasswordLength` to `minimum_length`, keeps every other field, and records the
    /// previous policy in the journal; `cisrun rollback` puts the previous policy back
    /// exactly, or deletes the policy if there was none. It does so only while the policy
    /// is the previous one with just `MinimumPasswordLength` changed to cisrun's value; otherwise
    /// (changed since, or an edited journal) it refuses, `--force` or not.
    ///
    /// ## Default value
    /// No password policy: IAM requires 8 characters.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html
    pub struct PasswordMinLength {
        id: "aws-iam-password-min-length",
        title: "Ensure IAM password policy requires minimum length of 14 or greater",
        target: AwsAccount,
        permissions: ["iam:GetAccountPasswordPolicy"],
        parameters: MinLengthParameters,
        fix: FIX,
    }
}

/// The profile's `parameters: aws-iam-password-min-length:` block.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinLengthParameters {
    /// The shortest password the policy may allow: 14 (the benchmark's) to 128.
    #[serde(default = "default_minimum_length")]
    pub minimum_length: i32,
}

fn default_minimum_length() -> i32 {
    14
}

impl ControlParameters for MinLengthParameters {
    fn validate(&self) -> Result<(), String> {
        if !(14..=128).contains(&self.minimum_length) {
            return Err(format!(
                "minimum_length: {} is outside 14..=128 (the benchmark requires at least 14)",
                self.minimum_length
            ));
        }
        Ok(())
    }
}

static FIX: PasswordPolicyFix<MinLengthParameters> = PasswordPolicyFix {
    setting: Setting::MinimumPasswordLength,
    target: |p| p.minimum_length,
};

/// The verdict on one setting of the policy: shared with `aws-iam-password-reuse`.
pub fn setting_verdict(
    account: &AwsAccount,
    policy: Option<&PasswordPolicy>,
    setting: Setting,
    wanted: i32,
) -> Outcome {
    let resource = resource(account);
    let name = setting.api_name();
    let Some(policy) = policy else {
        return Outcome::fail(
            format!("the account has no password policy: set one with {name} {wanted} or more"),
            vec![Evidence::new(
                &resource,
                "no password policy (NoSuchEntity)",
            )],
        );
    };
    match setting.value(policy) {
        Some(value) if value >= wanted => Outcome::pass(
            format!("the password policy sets {name} {value} (at least {wanted})"),
            vec![Evidence::new(&resource, format!("{name} = {value}"))],
        ),
        Some(value) => Outcome::fail(
            format!("the password policy sets {name} {value}, less than {wanted}"),
            vec![Evidence::new(&resource, format!("{name} = {value}"))],
        ),
        None => Outcome::fail(
            format!("the password policy does not set {name}: set it to {wanted} or more"),
            vec![Evidence::new(&resource, format!("{name} not set"))],
        ),
    }
}

#[async_trait]
impl Audit for PasswordMinLength {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, MinLengthParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let policy = password_policy(account).await?;
        Ok(setting_verdict(
            account,
            policy.as_ref().as_ref(),
            Setting::MinimumPasswordLength,
            input.parameters.minimum_length,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::delete_account_password_policy::DeleteAccountPasswordPolicyOutput;
    use aws_sdk_iam::operation::get_account_password_policy::{
        GetAccountPasswordPolicyError, GetAccountPasswordPolicyOutput,
    };
    use aws_sdk_iam::operation::update_account_password_policy::UpdateAccountPasswordPolicyOutput;
    use aws_sdk_iam::types::PasswordPolicy as SdkPolicy;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::{FixSafety, Status};

    fn policy(length: i32) -> Rule {
        mock!(Client::get_account_password_policy).then_output(move || policy_output(length))
    }

    /// The policy as AWS gives it: this length, the other settings fixed.
    fn policy_output(length: i32) -> GetAccountPasswordPolicyOutput {
        {
            GetAccountPasswordPolicyOutput::builder()
                .password_policy(
                    SdkPolicy::builder()
                        .minimum_password_length(length)
                        .require_symbols(true)
                        .max_password_age(90)
                        .password_reuse_prevention(5)
                        .hard_expiry(false)
                        .allow_users_to_change_password(true)
                        .build(),
                )
                .build()
        }
    }

    fn error(code: &'static str) -> Rule {
        mock!(Client::get_account_password_policy).then_error(move || {
            GetAccountPasswordPolicyError::generic(
                ErrorMetadata::builder().code(code).message(code).build(),
            )
        })
    }

    fn account(rules: &[&Rule]) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules.iter().copied());
        AwsAccount::for_tests(iam, "123456789012", "aws")
    }

    fn parameters(yaml: &str) -> MinLengthParameters {
        cisrun_core::testing::parameters(yaml).expect("parameters")
    }

    async fn audit(account: &AwsAccount, parameters: &MinLengthParameters) -> Outcome {
        cisrun_core::testing::audit_as(&PasswordMinLength, account, parameters, "").await
    }

    #[tokio::test]
    async fn length_against_the_parameter() {
        let p = policy(14);
        let outcome = audit(&account(&[&p]), &parameters("{}")).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let outcome = audit(&account(&[&p]), &parameters("minimum_length: 16")).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
    }

    #[tokio::test]
    async fn no_policy_fails_and_access_denied_is_an_error() {
        let none = error("NoSuchEntity");
        let outcome = audit(&account(&[&none]), &parameters("{}")).await;
        assert_eq!(outcome.status, Status::Fail);
        let denied = error("AccessDenied");
        let outcome = audit(&account(&[&denied]), &parameters("{}")).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:GetAccountPasswordPolicy")
        );
    }

    #[test]
    fn the_parameter_may_not_go_below_14() {
        let check = |yaml: &str| {
            let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
            cisrun_core::parameters::read::<MinLengthParameters>(Some(&value)).map(drop)
        };
        assert!(check("minimum_length: 13").is_err());
        assert!(check("minimum_length: 14").is_ok());
        assert!(check("{}").is_ok());
    }

    #[tokio::test]
    async fn the_fix_keeps_every_other_setting_and_undo_restores_them() {
        // The plan and the apply read 8; the undo reads what the apply wrote.
        let current = mock!(Client::get_account_password_policy)
            .sequence()
            .output(|| policy_output(8))
            .times(2)
            .output(|| policy_output(14))
            .build();
        let update = mock!(Client::update_account_password_policy)
            .match_requests(|r| {
                r.minimum_password_length() == Some(14)
                    && r.require_symbols() == Some(true)
                    && r.max_password_age() == Some(90)
                    && r.password_reuse_prevention() == Some(5)
                    && r.allow_users_to_change_password() == Some(true)
                    && r.hard_expiry() == Some(false)
            })
            .then_output(|| UpdateAccountPasswordPolicyOutput::builder().build());
        let restore = mock!(Client::update_account_password_policy)
            .match_requests(|r| {
                r.minimum_password_length() == Some(8) && r.password_reuse_prevention() == Some(5)
            })
            .then_output(|| UpdateAccountPasswordPolicyOutput::builder().build());
        let account = account(&[&current, &update, &restore]);
        let fix = cisrun_core::Described::fix(&PasswordMinLength).expect("has a fix");
        assert_eq!(fix.safety(), FixSafety::Safe);
        let plan = fix
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &parameters("{}"),
                    version: "",
                },
            )
            .await
            .expect("plan");
        assert_eq!(plan.steps.len(), 1);
        let step = &plan.steps[0];
        assert_eq!(step.data["previous"]["minimum_password_length"], 8);
        fix.apply(&account, step).await.expect("apply");
        assert_eq!(update.num_calls(), 1);
        fix.undo(&account, step).await.expect("undo");
        assert_eq!(restore.num_calls(), 1);
    }

    #[tokio::test]
    async fn undo_deletes_a_policy_that_did_not_exist() {
        // The plan and the apply find no policy; the undo reads the one the apply wrote (AWS's
        // defaults with the length cisrun set).
        let none = mock!(Client::get_account_password_policy)
            .sequence()
            .error(|| {
                GetAccountPasswordPolicyError::generic(
                    ErrorMetadata::builder()
                        .code("NoSuchEntity")
                        .message("NoSuchEntity")
                        .build(),
                )
            })
            .times(2)
            .output(|| {
                GetAccountPasswordPolicyOutput::builder()
                    .password_policy(SdkPolicy::builder().minimum_password_length(14).build())
                    .build()
            })
            .build();
        let update = mock!(Client::update_account_password_policy)
            .match_requests(|r| r.minimum_password_length() == Some(14))
            .then_output(|| UpdateAccountPasswordPolicyOutput::builder().build());
        let delete = mock!(Client::delete_account_password_policy)
            .then_output(|| DeleteAccountPasswordPolicyOutput::builder().build());
        let account = account(&[&none, &update, &delete]);
        let fix = cisrun_core::Described::fix(&PasswordMinLength).expect("has a fix");
        let plan = fix
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &parameters("{}"),
                    version: "",
                },
            )
            .await
            .expect("plan");
        let step = &plan.steps[0];
        assert!(step.data["previous"].is_null());
        fix.apply(&account, step).await.expect("apply");
        fix.undo(&account, step).await.expect("undo");
        assert_eq!(delete.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_compliant_policy_plans_nothing() {
        let current = policy(20);
        let account = account(&[&current]);
        let fix = cisrun_core::Described::fix(&PasswordMinLength).expect("has a fix");
        let plan = fix
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &parameters("{}"),
                    version: "",
                },
            )
            .await
            .expect("plan");
        assert!(plan.steps.is_empty());
    }
}
