//! What a control is: its metadata, its documentation and the traits it implements.

use std::fmt;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
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

/// Whether a recommendation can be assessed by a program (the benchmark's word), or whether
/// a control does so (cisrun's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Assessment {
    Automated,
    /// Manual controls are reported as skipped: a person must assess them.
    Manual,
}

/// Validates a control's `parameters:` block from a profile. Returns a message on error.
pub type ParameterCheck = fn(&serde_yaml::Value) -> Result<(), String>;

/// A control's parameters as a type: serde reads them (unknown keys are errors), schemars
/// describes them for `cisrun schema`, and [`ControlParameters::validate`] checks what the
/// types alone cannot. The profile is checked once, when it is read.
pub trait ControlParameters: DeserializeOwned + JsonSchema {
    /// Rules across fields (e.g. "either this or that"). Runs when the profile is read.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// How the catalogue checks and describes a control's parameters; built with
/// [`ParameterSpec::of`].
#[derive(Debug, Clone, Copy)]
pub struct ParameterSpec {
    pub check: ParameterCheck,
    pub schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl ParameterSpec {
    /// The spec of parameters of type `T`.
    pub const fn of<T: ControlParameters>() -> Self {
        Self {
            check: check_as::<T>,
            schema: schema_of::<T>,
        }
    }
}

fn check_as<T: ControlParameters>(value: &serde_yaml::Value) -> Result<(), String> {
    let typed: T = serde_yaml::from_value(value.clone()).map_err(|e| e.to_string())?;
    typed.validate()
}

fn schema_of<T: ControlParameters>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<T>()
}

/// What the profile gives a control: its parameters, already checked against its type when
/// the profile was read (`audit` and `remediate` read the same value with
/// [`Parameters::get`]), and the benchmark version it is audited against, for the few
/// controls whose rule differs between versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    block: serde_yaml::Value,
    benchmark_version: Option<String>,
}

impl Default for Parameters {
    fn default() -> Self {
        Self {
            block: serde_yaml::Value::Mapping(Default::default()),
            benchmark_version: None,
        }
    }
}

impl Parameters {
    /// Wraps a block the profile reader has checked (or an empty mapping).
    pub fn new(value: serde_yaml::Value) -> Self {
        Self {
            block: value,
            benchmark_version: None,
        }
    }

    /// The same parameters, for a run of this benchmark version (e.g. `v7.0.0`).
    pub fn with_benchmark_version(mut self, version: &str) -> Self {
        self.benchmark_version = Some(version.to_string());
        self
    }

    /// The profile's benchmark version; `None` outside a profile (tests, plugins' own
    /// callers), where a control applies the rule most versions share.
    pub fn benchmark_version(&self) -> Option<&str> {
        self.benchmark_version.as_deref()
    }

    /// The parameters as the control's type. A block the profile reader accepted always
    /// reads; the error exists for blocks built elsewhere (tests, plugins' own callers).
    pub fn get<T: ControlParameters>(&self) -> Result<T, crate::outcome::ErrorDetail> {
        let invalid = |message: String| crate::outcome::ErrorDetail {
            code: "InvalidParameters".to_string(),
            message,
            missing_permission: None,
        };
        let typed: T =
            serde_yaml::from_value(self.block.clone()).map_err(|e| invalid(e.to_string()))?;
        typed.validate().map_err(invalid)?;
        Ok(typed)
    }

    /// The block as YAML.
    pub fn raw(&self) -> &serde_yaml::Value {
        &self.block
    }
}

/// Everything about a control that is not code. Lives beside the control's code.
///
/// Numbers, levels, the benchmark's assessment and each version's title live in the
/// benchmark's version tables, not here: renumbering never touches a control.
#[derive(Debug)]
pub struct ControlMeta {
    /// Stable id, e.g. `aws-iam-support-role`. Never changes once shipped: JUnit history keys
    /// on it, and the benchmark tables name it.
    pub id: &'static str,
    /// A title for listings (reports use the title of the profile's benchmark version).
    pub title: &'static str,
    /// What cisrun does: `Automated` controls have audit code; `Manual` ones are
    /// documentation a person follows, and are reported as skipped (manual).
    pub assessment: Assessment,
    /// The control's documentation: its doc comment, with the benchmark's headings.
    pub doc: ControlDoc,
    /// The control's parameters; `None` means it takes none.
    pub parameters: Option<ParameterSpec>,
    /// The IAM actions its audit needs (least privilege; `cisrun permissions`).
    pub permissions: &'static [&'static str],
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
    /// anything that stops the evaluation is an [`Outcome::error`]. Manual controls keep
    /// this default: a person assesses them.
    async fn audit(&self, _ctx: &Ctx, _parameters: &Parameters) -> Outcome {
        Outcome::skipped(crate::outcome::SkipReason::Manual)
    }

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
