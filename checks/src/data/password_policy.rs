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
        if data.setting != self.setting || step.resource != resource(account) {
            return Err(RemediationError::Refused(format!(
                "this control undoes its own change of {} on {}, not this step",
                self.setting.api_name(),
                resource(account)
            )));
        }
        let current = read_password_policy(account.iam()).await?;
        match undo_action(&data, current.as_ref())? {
            UndoAction::Nothing => Ok(()),
            UndoAction::PutBack(previous) => write_policy(account.iam(), previous)
                .await
                .map_err(RemediationError::from),
            UndoAction::Delete => match account.iam().delete_account_password_policy().send().await
            {
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

/// What undoing a step does to the account's password policy.
#[derive(Debug, PartialEq)]
enum UndoAction<'a> {
    /// The policy is already gone and there was none before.
    Nothing,
    /// Write the whole policy from before back.
    PutBack(&'a PasswordPolicy),
    /// Delete the policy: there was none before.
    Delete,
}

/// `policy` as IAM gives it back: a setting IAM fills in when it is left out, filled in.
fn as_iam_keeps(policy: &PasswordPolicy) -> PasswordPolicy {
    PasswordPolicy {
        // IAM's own minimum when none is given.
        minimum_password_length: policy.minimum_password_length.or(Some(6)),
        hard_expiry: Some(policy.hard_expiry.unwrap_or(false)),
        ..policy.clone()
    }
}

/// How to undo `data` on the account whose policy is now `current`, or why not. The apply
/// changed one setting and kept every other: so the policy now must be `previous` with
/// only that setting changed, to cisrun's value. A `previous` edited in the journal (a
/// weaker policy), or a policy changed since, is refused rather than written; a policy is
/// deleted only when it is the one cisrun created where there was none.
fn undo_action<'a>(
    data: &'a PasswordPolicyStep,
    current: Option<&PasswordPolicy>,
) -> Result<UndoAction<'a>, RemediationError> {
    let setting = data.setting;
    let refused = |why: String| {
        Err(RemediationError::Refused(format!(
            "the account password policy: {why}; it was left as it is"
        )))
    };
    let planned = match &data.previous {
        None => true,
        Some(previous) => setting.value(previous).is_none_or(|v| v < data.value),
    };
    if !planned {
        return refused(format!(
            "the step records a previous {} already at or above {}: not a step this fix planned \
             (the journal was edited)",
            setting.api_name(),
            data.value
        ));
    }
    let Some(current) = current else {
        return match data.previous {
            None => Ok(UndoAction::Nothing),
            Some(_) => refused(
                "the account has no password policy any more, so cisrun's change is gone; the \
                 previous policy was not put back"
                    .to_string(),
            ),
        };
    };
    if setting.value(current) != Some(data.value) {
        return refused(format!(
            "{} is {}, not the {} cisrun set: changed since",
            setting.api_name(),
            setting
                .value(current)
                .map_or("not set".to_string(), |v| v.to_string()),
            data.value
        ));
    }
    let expected = {
        let mut expected = data.previous.clone().unwrap_or_default();
        setting.set(&mut expected, data.value);
        expected
    };
    let matches = match &data.previous {
        Some(_) => *current == expected,
        None => as_iam_keeps(current) == as_iam_keeps(&expected),
    };
    if !matches {
        return refused(format!(
            "its settings are not those the journal records from before cisrun's change with \
             only {} changed (the journal was edited, or the policy changed since): {}",
            setting.api_name(),
            differing_fields(&expected, current).join(", ")
        ));
    }
    Ok(match &data.previous {
        Some(previous) => UndoAction::PutBack(previous),
        None => UndoAction::Delete,
    })
}

/// The fields where `current` differs from `expected`, as `field: expected → current`.
fn differing_fields(expected: &PasswordPolicy, current: &PasswordPolicy) -> Vec<String> {
    let (Ok(serde_json::Value::Object(expected)), Ok(serde_json::Value::Object(current))) = (
        serde_json::to_value(expected),
        serde_json::to_value(current),
    ) else {
        return Vec::new();
    };
    expected
        .iter()
        .filter(|(field, value)| current.get(*field) != Some(value))
        .map(|(field, value)| {
            let now = current.get(field).cloned().unwrap_or_default();
            format!("{field}: expected {value}, found {now}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(minimum: i32, symbols: bool) -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: Some(minimum),
            require_symbols: symbols,
            allow_users_to_change_password: true,
            hard_expiry: Some(false),
            ..PasswordPolicy::default()
        }
    }

    fn step(previous: Option<PasswordPolicy>) -> PasswordPolicyStep {
        PasswordPolicyStep {
            setting: Setting::MinimumPasswordLength,
            value: 14,
            previous,
        }
    }

    fn refused(result: Result<UndoAction, RemediationError>, phrase: &str) {
        let error = result.expect_err("refused").to_string();
        assert!(error.contains(phrase), "{phrase:?} in {error}");
    }

    #[test]
    fn undo_restores_the_previous_policy_only_while_cisrun_left_it_so() {
        let before = policy(8, true);
        let data = step(Some(before.clone()));
        assert_eq!(
            undo_action(&data, Some(&policy(14, true))),
            Ok(UndoAction::PutBack(&before))
        );
        // A weaker previous policy written into the journal: its other settings are not
        // the account's.
        let weaker = step(Some(policy(8, false)));
        refused(
            undo_action(&weaker, Some(&policy(14, true))),
            "require_symbols: expected false, found true",
        );
        // A previous value at or above cisrun's: no plan has such a step.
        refused(
            undo_action(&step(Some(policy(20, true))), Some(&policy(14, true))),
            "not a step this fix planned",
        );
        // Changed since: cisrun's value is gone.
        refused(
            undo_action(&data, Some(&policy(16, true))),
            "not the 14 cisrun set",
        );
        refused(undo_action(&data, None), "no password policy any more");
    }

    #[test]
    fn a_policy_cisrun_created_is_deleted_only_if_it_is_still_the_one_created() {
        let data = step(None);
        // As IAM gives back a policy created with only the minimum length.
        let created = PasswordPolicy {
            minimum_password_length: Some(14),
            hard_expiry: Some(false),
            ..PasswordPolicy::default()
        };
        assert_eq!(undo_action(&data, Some(&created)), Ok(UndoAction::Delete));
        assert_eq!(undo_action(&data, None), Ok(UndoAction::Nothing));
        refused(
            undo_action(&data, Some(&policy(14, true))),
            "require_symbols",
        );
    }
}
