//! What a control is: its metadata, its documentation and the traits it implements.

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::outcome::Outcome;
use crate::remediation::Remediation;

/// The CIS profile level a control belongs to. A Level 2 profile includes Level 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    One,
    Two,
}

impl Level {
    pub fn number(self) -> u8 {
        match self {
            Level::One => 1,
            Level::Two => 2,
        }
    }
}

impl schemars::JsonSchema for Level {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Level".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "CIS profile level: 1 or 2. Level 2 includes Level 1.",
            "type": "integer",
            "enum": [1, 2]
        })
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(Level::One),
            2 => Ok(Level::Two),
            other => Err(format!("level must be 1 or 2, got {other}")),
        }
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.number()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Level {}", self.number())
    }
}

/// Whether the benchmark says a control can be assessed by a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Assessment {
    Automated,
    /// Manual controls are reported as skipped: a person must assess them.
    Manual,
}

/// A control's number in one version of one benchmark, e.g. `("v3.0.0", "1.17")`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchmarkNumber {
    pub version: &'static str,
    pub number: &'static str,
}

/// Validates a control's `parameters:` block from a profile. Returns a message on error.
pub type ParameterCheck = fn(&serde_yaml::Value) -> Result<(), String>;

/// Everything about a control that is not code. Lives beside the control's code.
#[derive(Debug)]
pub struct ControlMeta {
    /// Stable id, e.g. `aws-iam-support-role`. Never changes once shipped: JUnit history keys on it.
    pub id: &'static str,
    /// The benchmark's own title.
    pub title: &'static str,
    /// Benchmark family, e.g. `cis-aws-foundations`.
    pub benchmark: &'static str,
    pub level: Level,
    pub assessment: Assessment,
    /// The control's number in each benchmark version that contains it.
    pub numbers: &'static [BenchmarkNumber],
    /// The control's documentation: its doc comment, with the benchmark's headings.
    pub doc: ControlDoc,
    /// Checks the profile's parameters for this control; `None` means the control takes none.
    pub parameters: Option<ParameterCheck>,
}

impl ControlMeta {
    /// The control's number in `version`, if that version contains it.
    pub fn number_in(&self, version: &str) -> Option<&'static str> {
        self.numbers
            .iter()
            .find(|n| n.version == version)
            .map(|n| n.number)
    }
}

/// A control's documentation, written as its doc comment with the benchmark's headings:
/// `## Description`, `## Rationale`, `## Impact`, `## Audit`, `## Remediation`,
/// `## Default value`, `## References`.
#[derive(Debug, Clone, Copy)]
pub struct ControlDoc(pub &'static str);

impl ControlDoc {
    /// Headings every control must document, in the benchmark's order.
    pub const REQUIRED_SECTIONS: [&'static str; 7] = [
        "Description",
        "Rationale",
        "Impact",
        "Audit",
        "Remediation",
        "Default value",
        "References",
    ];

    /// The text under `## <heading>`, trimmed; `None` when absent or empty.
    pub fn section(&self, heading: &str) -> Option<String> {
        let mut out: Option<Vec<&str>> = None;
        for line in self.0.lines() {
            let trimmed = line.trim_start();
            if let Some(title) = trimmed.strip_prefix("## ") {
                if out.is_some() {
                    break;
                }
                if title.trim().eq_ignore_ascii_case(heading) {
                    out = Some(Vec::new());
                }
                continue;
            }
            if let Some(lines) = out.as_mut() {
                lines.push(line.strip_prefix(' ').unwrap_or(line));
            }
        }
        let text = out?.join("\n").trim().to_string();
        (!text.is_empty()).then_some(text)
    }

    /// The whole documentation, without the one space every `/// ` line begins with.
    pub fn text(&self) -> String {
        self.0
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Required headings this documentation lacks.
    pub fn missing_sections(&self) -> Vec<&'static str> {
        Self::REQUIRED_SECTIONS
            .into_iter()
            .filter(|h| self.section(h).is_none())
            .collect()
    }
}

/// A control audits one target (for AWS, one account) described by the context `Ctx`.
///
/// Core knows no cloud: the provider crate chooses `Ctx` and collects its controls.
#[async_trait]
pub trait Control<Ctx: ?Sized + Sync>: Send + Sync + 'static {
    fn meta(&self) -> &'static ControlMeta;

    /// Audits the target. Never panics, never returns pass or fail when it could not decide:
    /// anything that stops the evaluation is an [`Outcome::error`].
    async fn audit(&self, ctx: &Ctx, parameters: &serde_yaml::Value) -> Outcome;

    /// The control's fix, where a safe one exists.
    fn remediation(&self) -> Option<&dyn Remediation<Ctx>> {
        None
    }
}

/// Declares a control's unit struct whose doc comment is its documentation, and a
/// `DOC` constant holding the same text, so the code, `cisrun explain` and the README agree.
///
/// ```
/// cisrun_core::documented_control! {
///     /// ## Description
///     /// Example.
///     pub struct Example;
/// }
/// assert!(Example::DOC.text().contains("Example."));
/// ```
#[macro_export]
macro_rules! documented_control {
    ($(#[doc = $doc:literal])* $vis:vis struct $name:ident;) => {
        $(#[doc = $doc])*
        $vis struct $name;
        impl $name {
            /// This control's documentation (its doc comment).
            pub const DOC: $crate::control::ControlDoc =
                $crate::control::ControlDoc(concat!($($doc, "\n"),*));
        }
    };
}
