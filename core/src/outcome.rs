//! The result of auditing one control on one target.

use serde::{Deserialize, Serialize};

/// The four verdicts a control can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// The control could not be evaluated (an AWS error, a missing permission, bad data).
    Error,
    /// Not evaluated on purpose: manual, excepted or not applicable.
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// A resource the control looked at, and what it found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The resource's identifier (an ARN where there is one).
    pub resource: String,
    pub detail: String,
    /// The region the resource is in, for regional controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// This resource's own verdict, when the control judges resources one by one (`pass`,
    /// `fail`, or `error` for a region that could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Against a baseline (`--baseline`): how this resource's finding changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::change::Change>,
}

impl Evidence {
    pub fn new(resource: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            resource: resource.into(),
            detail: detail.into(),
            region: None,
            status: None,
            change: None,
        }
    }

    /// A resource judged on its own, in `region` (`None` for global resources).
    pub fn finding(
        resource: impl Into<String>,
        region: Option<&str>,
        status: Status,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            region: region.map(str::to_string),
            status: Some(status),
            ..Self::new(resource, detail)
        }
    }

    /// `[region] FAIL detail`: the detail with the resource's region and own verdict, when
    /// it has them.
    pub fn scoped_detail(&self) -> String {
        let region = self
            .region
            .as_deref()
            .map(|r| format!("[{r}] "))
            .unwrap_or_default();
        let status = self
            .status
            .map(|s| format!("{} ", s.as_str().to_uppercase()))
            .unwrap_or_default();
        format!("{region}{status}{}", self.detail)
    }

    /// `resource: [region] FAIL detail`, as text reports show it.
    pub fn line(&self) -> String {
        format!("{}: {}", self.resource, self.scoped_detail())
    }
}

/// Why a control could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The provider's error code (e.g. `AccessDenied`, `Throttling`) or a cisrun code.
    pub code: String,
    pub message: String,
    /// The permission whose absence caused the error, when that is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_permission: Option<String>,
}

/// Why a control was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// The benchmark marks the control manual.
    Manual,
    /// The profile excepts it (optionally until a date).
    Excepted {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires: Option<chrono::NaiveDate>,
    },
    /// The control does not apply to this target.
    NotApplicable { reason: String },
    /// The benchmark version has this recommendation, but no control for it is compiled in.
    NotImplemented,
}

/// One control's verdict on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipReason>,
    /// Things the user should know that do not change the verdict (e.g. an expired exception).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Outcome {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            evidence: Vec::new(),
            error: None,
            skip: None,
            notes: Vec::new(),
        }
    }

    pub fn pass(message: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self {
            evidence,
            ..Self::new(Status::Pass, message)
        }
    }

    pub fn fail(message: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self {
            evidence,
            ..Self::new(Status::Fail, message)
        }
    }

    /// An error outcome. Its message quotes `detail`'s message cut at
    /// [`TEXT_CAP_CHARS`](crate::text::TEXT_CAP_CHARS): the whole text is kept once, in
    /// `error.message`, however long AWS made it.
    pub fn error(detail: ErrorDetail) -> Self {
        let quoted = crate::text::capped(&detail.message);
        let message = match &detail.missing_permission {
            Some(permission) => format!(
                "could not evaluate: {quoted} ({}); missing permission: {permission}",
                detail.code
            ),
            None => format!("could not evaluate: {quoted} ({})", detail.code),
        };
        Self {
            error: Some(detail),
            ..Self::new(Status::Error, message)
        }
    }

    pub fn skipped(reason: SkipReason) -> Self {
        let message = match &reason {
            SkipReason::Manual => "manual control: assess it by hand".to_string(),
            SkipReason::Excepted {
                reason,
                expires: Some(date),
            } => format!("excepted until {date}: {reason}"),
            SkipReason::Excepted {
                reason,
                expires: None,
            } => format!("excepted: {reason}"),
            SkipReason::NotApplicable { reason } => format!("not applicable: {reason}"),
            SkipReason::NotImplemented => {
                "not implemented: no control for this recommendation is compiled into this \
                 cisrun, so it was not assessed"
                    .to_string()
            }
        };
        Self {
            skip: Some(reason),
            ..Self::new(Status::Skipped, message)
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The evidence as readable lines, one resource a line.
    pub fn evidence_text(&self) -> String {
        self.evidence
            .iter()
            .map(Evidence::line)
            .collect::<Vec<_>>()
            .join("\n")
    }
}
