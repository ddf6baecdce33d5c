//! The fix both password-policy controls share: raise one setting of the account password
//! policy to the profile's value, keep every other setting as it is, and record the whole
//! previous policy (or its absence) so rollback restores it exactly.

use async_trait::async_trait;
use cisrun_core::{FixSafety, Input, Plan, Remediation, RemediationError, Step};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::iam::{read_password_policy, PasswordPolicy};

/// The setting a password-policy control is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// `MinimumPasswordLength`
    MinimumPasswordLength,
    /// `PasswordReusePrevention`
    PasswordReusePrevention,
}

impl Setting {
    /// The API's name of the setting.
    pub fn api_name(self) -> &'static str {
        match self {
            Setting::MinimumPasswordLength => "MinimumPasswordLength",
            Setting::PasswordReusePrevention => "PasswordReusePrevention",
        }
    }

    /// The setting's value in `policy`.
    pub fn value(self, policy: &PasswordPolicy) -> Option<i32> {
        match self {
            Setting::MinimumPasswordLength => policy.minimum_password_length,
            Setting::PasswordReusePrevention => policy.password_reuse_prevention,
        }
    }

    fn set(self, policy: &mut PasswordPolicy, value: i32) {
        match self {
            Setting::MinimumPasswordLength => policy.minimum_password_length = Some(value),
            Setting::PasswordReusePrevention => policy.password_reuse_prevention = Some(value),
        }
    }
}

/// The shared fix, for a control whose parameters are `P`: the setting, and the profile's
/// value for it read from the parameters (already checked when the profile was read).
pub struct PasswordPolicyFix<P> {
    pub setting: Setting,
    pub target: fn(&P) -> i32,
}

/// A step's data: the setting, its new value and the whole policy before the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordPolicyStep {
    pub setting: Setting,
    pub value: i32,
    /// `None`: the account had no password policy.
    pub previous: Option<PasswordPolicy>,
}

/// The resource a step names: the account's password policy.
pub fn resource(account: &AwsAccount) -> String {
    format!(
        "arn:{}:iam::{}:account-password-policy",
        account.partition, account.account_id
    )
}

fn describe(policy: &Option<PasswordPolicy>, setting: Setting) -> String {
    match policy {
        None => "no password policy".to_string(),
        Some(p) => match setting.value(p) {
            Some(v) => format!("{} {v}", setting.api_name()),
            None => format!("{} not set", setting.api_name()),
        },
    }
}

/// Sets every field of `policy` with `iam:UpdateAccountPasswordPolicy` (a field left out
/// would be reset to its default).
pub async fn write_policy(
    iam: &aws_sdk_iam::Client,
    policy: &PasswordPolicy,
) -> Result<(), AwsError> {
    iam.update_account_password_policy()
        .set_minimum_password_length(policy.minimum_password_length)
        .require_symbols(policy.require_symbols)
        .require_numbers(policy.require_numbers)
        .require_uppercase_characters(policy.require_uppercase_characters)
        .require_lowercase_characters(policy.require_lowercase_characters)
        .allow_users_to_change_password(policy.allow_users_to_change_password)
        .set_max_password_age(policy.max_password_age)
        .set_password_reuse_prevention(policy.password_reuse_prevention)
        .set_hard_expiry(policy.hard_expiry)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("iam:UpdateAccountPasswordPolicy", e))?;
    Ok(())
}

fn step_data(step: &Step) -> Result<PasswordPolicyStep, RemediationError> {
    step.data_as()
}

#[async_trait]
impl<P: Send + Sync + 'static> Remediation<AwsAccount, P> for PasswordPolicyFix<P> {
    fn safety(&self) -> FixSafety {
        // Only tightens one setting for future password changes; restored exactly on rollback.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            "iam:GetAccountPasswordPolicy",
            "iam:UpdateAccountPasswordPolicy",
            "iam:DeleteAccountPasswordPolicy",
        ]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, P>,
    ) -> Result<Plan, RemediationError> {
        let value = (self.target)(input.parameters);
        let current = read_password_policy(account.iam()).await?;
        let now = current.as_ref().and_then(|p| self.setting.value(p));
        if now.is_some_and(|v| v >= value) {
            return Ok(Plan::nothing_to_do(format!(
                "already compliant: {}",
                describe(&current, self.setting)
            )));
        }
        let summary = format!(
            "set {} to {value} (now: {}); every other setting stays as it is",
            self.setting.api_name(),
            describe(&current, self.setting)
        );
        let data = PasswordPolicyStep {
            setting: self.setting,
            value,
            previous: current,
        };
        let data = serde_json::to_value(&data)
            .map_err(|e| RemediationError::Refused(format!("cannot record the step: {e}")))?;
        Ok(Plan::of(
            vec![Step {
                action: "iam:UpdateAccountPasswordPolicy".to_string(),
                resource: resource(account),
                summary: summary.clone(),
                data,
            }],
            summary,
        ))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        _step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let policy = read_password_policy(account.iam()).await?;
        Ok(match policy {
            None => serde_json::json!({ "exists": false }),
            Some(policy) => serde_json::json!({ "exists": true, "policy": policy }),
        })
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        if data.setting != self.setting {
            return Err(RemediationError::Refused(format!(
                "this control sets {}, not {}",
                self.setting.api_name(),
                data.setting.api_name()
            )));
        }
        // The policy as it is now (another step may have changed it since the plan), with
        // only this setting changed.
        let mut policy = read_password_policy(account.iam())
            .await?
            .unwrap_or_default();
        self.setting.set(&mut policy, data.value);
        write_policy(account.iam(), &policy)
            .await
            .map_err(RemediationError::from)
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data = step_data(step)?;
        match &data.previous {
            Some(previous) => write_policy(account.iam(), previous)
                .await
                .map_err(RemediationError::from),
            None => match account.iam().delete_account_password_policy().send().await {
                Ok(_) => Ok(()),
                Err(e) => {
                    let error = AwsError::from_sdk("iam:DeleteAccountPasswordPolicy", e);
                    if error.code == "NoSuchEntity" {
                        Ok(())
                    } else {
                        Err(RemediationError::from(error))
                    }
                }
            },
        }
    }
}
