//! The comparison of a report with its baseline, as reports carry it (`baseline` in JSON);
//! [`crate::baseline`] computes it.

use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::outcome::Status;

/// Counts of each label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeCounts {
    pub new: usize,
    pub unchanged: usize,
    pub fixed: usize,
}

impl ChangeCounts {
    pub(crate) fn add(&mut self, change: Change) {
        match change {
            Change::New => self.new += 1,
            Change::Unchanged => self.unchanged += 1,
            Change::Fixed => self.fixed += 1,
        }
    }

    pub(crate) fn plus(self, other: ChangeCounts) -> ChangeCounts {
        ChangeCounts {
            new: self.new + other.new,
            unchanged: self.unchanged + other.unchanged,
            fixed: self.fixed + other.fixed,
        }
    }
}

/// A baseline finding that the new report no longer has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedFinding {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    pub control_id: String,
    pub number: String,
    pub title: String,
    pub level: u8,
    #[serde(default)]
    pub section: String,
    /// Its status in the baseline (`fail` or `error`).
    pub was: Status,
    /// The resource, for a resource finding; absent when the whole result is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// What the baseline said about it.
    pub detail: String,
}

/// The comparison of a report with its baseline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Comparison {
    /// When the baseline run started (RFC 3339).
    pub baseline_started_at: String,
    /// Labels of the results (one per account and control), the gone ones included.
    pub results: ChangeCounts,
    /// Labels of the resource findings (evidence items), the gone ones included.
    pub resources: ChangeCounts,
    /// Results that fail now and are labelled `new`.
    pub new_failures: usize,
    /// Results that errored now and are labelled `new`.
    pub new_errors: usize,
    /// Baseline findings the new report no longer has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedFinding>,
}
