//! What a control is, apart from its code: its id, title, level of automation,
//! documentation and the permissions it needs.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::doc::ControlDoc;

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

/// Everything about a control that is not code. Lives beside the control's code, written
/// once by the [`control!`](crate::control!) declaration.
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
    /// The actions its audit needs (least privilege; `cisrun permissions`), written once:
    /// the documentation's permission line is generated from it.
    pub permissions: &'static [&'static str],
}
