//! How a result or a resource finding compares with a baseline (`--baseline`, `cisrun
//! diff`). Its own module: outcomes and reports carry the label, and the baseline module
//! computes it.

use serde::{Deserialize, Serialize};

/// How a result or a resource finding compares with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Unchanged,
    Fixed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Unchanged => "unchanged",
            Change::Fixed => "fixed",
        }
    }
}
