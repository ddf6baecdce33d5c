//! The remediation journal: one JSON object per line, appended and flushed to disk *before*
//! each change is made and again after it, so a crash at any point loses nothing and
//! `cisrun rollback` knows exactly what to undo.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use cisrun_core::Step;
use serde::{Deserialize, Serialize};

/// Bumped when the format changes incompatibly.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// First line: what run wrote the journal, and the profile it used (to reach the
    /// same accounts the same way on rollback).
    Header {
        format: u32,
        tool_version: String,
        created_at: String,
        profile_file: String,
        profile_yaml: String,
    },
    /// Written before the change is made.
    Apply {
        seq: u64,
        account_id: String,
        control_id: String,
        step: Step,
        before: serde_json::Value,
        at: String,
    },
    /// The change succeeded; `after` is what rollback expects to find.
    Applied {
        seq: u64,
        after: serde_json::Value,
        at: String,
    },
    /// The change failed; nothing to undo for this step.
    ApplyFailed {
        seq: u64,
        error: String,
        at: String,
    },
    /// Written before an undo is attempted.
    Undo {
        seq: u64,
        at: String,
        forced: bool,
    },
    Undone {
        seq: u64,
        at: String,
    },
    UndoFailed {
        seq: u64,
        error: String,
        at: String,
    },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// An open journal, shared by every account's task.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    next_seq: AtomicU64,
}

impl Journal {
    /// Creates a new journal; refuses to overwrite an existing file.
    pub fn create(path: &Path, profile_file: &str, profile_yaml: &str) -> Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the journal's folder {}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| {
                format!(
                    "cannot create journal {} (it must not exist yet)",
                    path.display()
                )
            })?;
        let journal = Journal {
            path: path.to_path_buf(),
            file: Mutex::new(file),
            next_seq: AtomicU64::new(1),
        };
        journal.append(&Entry::Header {
            format: FORMAT,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: now(),
            profile_file: profile_file.to_string(),
            profile_yaml: profile_yaml.to_string(),
        })?;
        Ok(journal)
    }

    /// Opens an existing journal to append rollback entries; returns it with its entries.
    pub fn open(path: &Path) -> Result<(Journal, Vec<Entry>)> {
        let entries = read(path)?;
        let next = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Apply { seq, .. } => Some(*seq),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            + 1;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open journal {} for writing", path.display()))?;
        Ok((
            Journal {
                path: path.to_path_buf(),
                file: Mutex::new(file),
                next_seq: AtomicU64::new(next),
            },
            entries,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::SeqCst)
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&self, entry: &Entry) -> Result<()> {
        let mut line = serde_json::to_string(entry).context("cannot encode a journal entry")?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("cannot write journal {}", self.path.display()))
    }

    pub fn record(&self, entry: Entry) -> Result<()> {
        self.append(&entry)
    }

    pub fn now() -> String {
        now()
    }
}

/// Reads every entry; a damaged line is an error naming the line, never skipped.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let file =
        File::open(path).with_context(|| format!("cannot read journal {}", path.display()))?;
    let mut entries = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read journal {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Entry = serde_json::from_str(&line).with_context(|| {
            format!(
                "{}:{}: not a cisrun journal entry",
                path.display(),
                index + 1
            )
        })?;
        entries.push(entry);
    }
    match entries.first() {
        Some(Entry::Header { format, .. }) if *format == FORMAT => Ok(entries),
        Some(Entry::Header { format, .. }) => {
            bail!(
                "{}: journal format {format} is not supported (this cisrun reads {FORMAT})",
                path.display()
            )
        }
        _ => bail!(
            "{}:1: not a cisrun journal (no header line)",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        Step {
            action: "iam:CreateRole".into(),
            resource: "arn:aws:iam::123456789012:role/r".into(),
            summary: "create".into(),
            data: serde_json::json!({"kind": "create_role"}),
        }
    }

    #[test]
    fn entries_round_trip_and_sequence_numbers_continue_after_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("j.jsonl");
        let journal = Journal::create(&path, "p.yaml", "level: 1").expect("create");
        let seq = journal.next_seq();
        journal
            .record(Entry::Apply {
                seq,
                account_id: "123456789012".into(),
                control_id: "c".into(),
                step: step(),
                before: serde_json::json!({"exists": false}),
                at: Journal::now(),
            })
            .expect("append");
        drop(journal);
        let (reopened, entries) = Journal::open(&path).expect("open");
        assert_eq!(entries.len(), 2);
        assert!(matches!(&entries[1], Entry::Apply { seq: 1, .. }));
        assert_eq!(reopened.next_seq(), 2);
    }

    #[test]
    fn an_existing_journal_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, "keep me").expect("write");
        assert!(Journal::create(&path, "p.yaml", "").is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
    }

    #[test]
    fn a_damaged_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("j.jsonl");
        Journal::create(&path, "p.yaml", "").expect("create");
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("{\"entry\":\"apply\",\"seq\":\n");
        std::fs::write(&path, text).expect("write");
        let error = format!("{:#}", read(&path).expect_err("damaged"));
        assert!(error.contains("j.jsonl:2"), "{error}");
        std::fs::write(&path, "{}\n").expect("write");
        assert!(read(&path).is_err(), "no header");
    }
}
