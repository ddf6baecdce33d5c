//! Remediation: plan first, apply on request, journal every change, back it out.
//!
//! A control's fix is a list of [`Step`]s. The runner owns the journal and the order;
//! the control owns what each step means, so a new control's fix needs no runner change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::outcome::ErrorDetail;
use crate::parameters::{Input, NoParameters};

/// Whether a fix may run unattended (in CI) or needs a person to read the plan first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixSafety {
    /// Adds access only to the principals the profile names; can be rolled back exactly.
    Safe,
    /// Changes something whose effect cisrun cannot bound; `--apply` also needs `--unsafe-fixes`.
    Unsafe,
}

/// One change a remediation makes: a single API call on a single resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The API action, e.g. `iam:CreateRole`.
    pub action: String,
    /// The resource created or changed (an ARN where there is one).
    pub resource: String,
    /// One readable line.
    pub summary: String,
    /// What the control needs to apply and undo the step (e.g. the trust policy). Opaque to the runner.
    pub data: serde_json::Value,
}

/// The changes that would bring one control on one target into compliance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Empty when the control already passes.
    pub steps: Vec<Step>,
    /// Why the plan is what it is (e.g. "already compliant", "method 2: existing role").
    pub explanation: String,
    /// How safe the fix is; the runner fills it in from [`Remediation::safety`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety: Option<FixSafety>,
}

impl Step {
    /// The step's data as the type the fix wrote into it. A journal edited by hand, or a step
    /// of another control, is refused rather than half-applied.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, RemediationError> {
        serde_json::from_value(self.data.clone()).map_err(|e| {
            RemediationError::Refused(format!(
                "step `{}` on {} is not one this fix wrote: {e}",
                self.action, self.resource
            ))
        })
    }
}

impl Plan {
    pub fn nothing_to_do(explanation: impl Into<String>) -> Self {
        Self {
            steps: Vec::new(),
            explanation: explanation.into(),
            safety: None,
        }
    }

    /// A plan of `steps`.
    pub fn of(steps: Vec<Step>, explanation: impl Into<String>) -> Self {
        Self {
            steps,
            explanation: explanation.into(),
            safety: None,
        }
    }
}

/// Why a remediation could not be planned or carried out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemediationError {
    /// The profile's parameters for this control are missing or wrong. The run cannot start.
    #[error("{0}")]
    Parameters(String),
    /// The fix would be unsafe (a wildcard principal, a service-linked role, ...).
    #[error("refused: {0}")]
    Refused(String),
    /// The provider answered with an error.
    #[error("{}: {}", .0.code, .0.message)]
    Provider(ErrorDetail),
    /// The resource is no longer as the journal recorded it.
    #[error("drift on {resource}: expected {expected}, found {actual}")]
    Drift {
        resource: String,
        expected: String,
        actual: String,
    },
}

/// A control's fix, on targets of type `T` with the control's parameters `P`. Implemented
/// beside the control it fixes (in `fix.rs` when the control is a folder).
#[async_trait]
pub trait Remediation<T, P = NoParameters>: Send + Sync
where
    T: Send + Sync + 'static,
    P: Send + Sync + 'static,
{
    fn safety(&self) -> FixSafety;

    /// The actions `observe`, `apply` and `undo` need, beyond the audit's.
    fn permissions(&self) -> &'static [&'static str];

    /// What the fix needs beyond what the profile reader already checked (e.g. a parameter
    /// that only remediation requires). Runs before anything is read or changed; the error
    /// names the parameter.
    fn check_parameters(&self, _parameters: &P) -> Result<(), String> {
        Ok(())
    }

    /// Reads the target and the parameters and says what would change. Changes nothing.
    async fn plan(&self, target: &T, input: Input<'_, P>) -> Result<Plan, RemediationError>;

    /// The current state of what `step` touches, as the journal records it (before and after).
    async fn observe(&self, target: &T, step: &Step)
        -> Result<serde_json::Value, RemediationError>;

    /// Carries out one step.
    async fn apply(&self, target: &T, step: &Step) -> Result<(), RemediationError>;

    /// Undoes one step that [`Remediation::apply`] carried out. The runner has already
    /// checked for drift; this only reverses the change.
    async fn undo(&self, target: &T, step: &Step) -> Result<(), RemediationError>;
}
