//! The report model of a run: what every report format renders, and what `merge`, `diff`
//! and `--baseline` read back from JSON.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, Status};

/// One control's result on one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub control_id: String,
    /// The control's number in the profile's benchmark version.
    pub number: String,
    pub title: String,
    pub level: u8,
    /// The recommendation's section in the profile's benchmark version, e.g. `1` or `2.1`.
    #[serde(default)]
    pub section: String,
    pub outcome: Outcome,
    /// Seconds spent evaluating.
    pub duration_seconds: f64,
    /// `cisrun remediate`: the changes planned (and, with --apply, made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<crate::remediation::Plan>,
    /// Against a baseline (`--baseline`): how this result changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::change::Change>,
}

/// Who a reached target is, as reports name it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetIdentity {
    /// e.g. an AWS account id, a root directory.
    pub id: String,
    pub name: Option<String>,
    /// Facts the platform reports about the target (AWS: partition, regions).
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// Every result for one audited target. The JSON keys `account_id` and `account_name` are
/// the target's id and name whatever the platform (they date from the AWS-only reports, and
/// dashboards and baselines read them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The target's id: an AWS account id, a host's root directory.
    #[serde(rename = "account_id")]
    pub id: String,
    #[serde(
        rename = "account_name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
    /// The kind of target (its platform's), e.g. `aws-account`; empty in reports written
    /// before platforms had kinds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Facts the platform reports about the target (AWS: partition).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
    pub results: Vec<ControlResult>,
}

impl TargetReport {
    /// A target's report from its identity.
    pub fn of(kind: &str, identity: &TargetIdentity, results: Vec<ControlResult>) -> Self {
        Self {
            id: identity.id.clone(),
            name: identity.name.clone(),
            kind: kind.to_string(),
            attributes: identity.attributes.clone(),
            results,
        }
    }
}

/// What was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub tool: String,
    pub tool_version: String,
    pub profile: String,
    pub benchmark: String,
    pub version: String,
    pub level: u8,
    /// `audit` or `remediate`.
    pub command: String,
    /// RFC 3339.
    pub started_at: String,
    pub duration_seconds: f64,
    /// `M/N` when this report covers one CI partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
}

impl RunInfo {
    /// The run of `command` with `profile`, started at `started_at`, lasting `duration`.
    pub fn for_profile(
        profile: &crate::Profile,
        command: &str,
        started_at: chrono::DateTime<chrono::Utc>,
        duration: Duration,
        partition: Option<String>,
    ) -> Self {
        Self {
            tool: "cisrun".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            profile: profile.display_name(),
            benchmark: profile.benchmark.clone(),
            version: profile.version.clone(),
            level: profile.level.number(),
            command: command.to_string(),
            started_at: started_at.to_rfc3339(),
            duration_seconds: duration.as_secs_f64(),
            partition,
        }
    }
}

/// A whole run: the JSON report is exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run: RunInfo,
    /// One entry per target (`accounts` in JSON: see [`TargetReport`]).
    #[serde(rename = "accounts")]
    pub targets: Vec<TargetReport>,
    /// The comparison with a baseline report, when one was given (`--baseline`, `diff`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::comparison::Comparison>,
}

/// Counts of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
}

impl Totals {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::Skipped => self.skipped += 1,
        }
    }
    pub fn total(&self) -> usize {
        self.pass + self.fail + self.error + self.skipped
    }
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for result in self.targets.iter().flat_map(|a| &a.results) {
            totals.add(result.outcome.status);
        }
        totals
    }

    /// True when nothing failed and nothing errored.
    pub fn succeeded(&self) -> bool {
        let t = self.totals();
        t.fail == 0 && t.error == 0
    }

    /// Puts targets in id order and each target's results in CIS-number order, so that
    /// reports are byte-stable whatever order the work finished in.
    pub fn normalize(&mut self) {
        self.targets.sort_by(|a, b| a.id.cmp(&b.id));
        for target in &mut self.targets {
            target.results.sort_by(|a, b| {
                crate::benchmark::compare_numbers(&a.number, &b.number)
                    .then_with(|| a.control_id.cmp(&b.control_id))
            });
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    // The io error is the source, not part of this message: printing the chain says it once.
    #[error("cannot write {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot render the {format} report: {message}")]
    Render { format: String, message: String },
    #[error("{path} is not a cisrun JSON report: {message}")]
    Parse { path: String, message: String },
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed, then
/// renamed over the target, so a reader never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io_error = |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".cisrun-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error)?;
    temp.write_all(bytes).map_err(io_error)?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// Writes what `write` produces to `path` atomically, as [`write_atomically`] does, streamed
/// through a buffer rather than held in memory whole.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let io_error = |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let temp = tempfile::Builder::new()
        .prefix(".cisrun-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_error)?;
    let mut buffered = std::io::BufWriter::new(temp);
    write(&mut buffered)?;
    let temp = buffered
        .into_inner()
        .map_err(|e| io_error(e.into_error()))?;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(path).map_err(|e| io_error(e.error))?;
    Ok(())
}

/// Reads a JSON report written by cisrun.
pub fn read_json_report(path: &Path) -> Result<RunReport, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| ReportError::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

pub use crate::text::{capped, capped_at, cut_note, TEXT_CAP_CHARS};

/// A report's duration in seconds as a `Duration` (zero when not a positive number).
pub fn seconds(d: f64) -> Duration {
    if d.is_finite() && d > 0.0 {
        Duration::from_secs_f64(d)
    } else {
        Duration::ZERO
    }
}
