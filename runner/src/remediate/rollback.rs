//! `cisrun rollback`: undo what one `remediate --apply` did, from its journal, after
//! checking that nothing changed since.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use anyhow::{bail, Context, Result};
use cisrun_core::platform::Connected;
use cisrun_core::{Catalogue, DynFix, Profile, Step};

use crate::cli::RollbackArgs;
use crate::journal::{Entry, Journal, JournalKey};
use crate::output::{emit, is_stdout};
use crate::{EXIT_FINDINGS, EXIT_OK};

/// What the journal says happened to one step.
#[derive(Debug)]
struct StepRecord {
    account_id: String,
    control_id: String,
    step: Step,
    before: serde_json::Value,
    after: Option<serde_json::Value>,
    failed: bool,
    undone: bool,
}

fn step_records(entries: &[Entry]) -> BTreeMap<u64, StepRecord> {
    let mut records = BTreeMap::new();
    for entry in entries {
        match entry {
            Entry::Apply {
                seq,
                account_id,
                control_id,
                step,
                before,
                ..
            } => {
                records.insert(
                    *seq,
                    StepRecord {
                        account_id: account_id.clone(),
                        control_id: control_id.clone(),
                        step: step.clone(),
                        before: before.clone(),
                        after: None,
                        failed: false,
                        undone: false,
                    },
                );
            }
            Entry::Applied { seq, after, .. } => {
                if let Some(r) = records.get_mut(seq) {
                    r.after = Some(after.clone());
                }
            }
            Entry::ApplyFailed { seq, .. } => {
                if let Some(r) = records.get_mut(seq) {
                    r.failed = true;
                }
            }
            Entry::Undone { seq, .. } => {
                if let Some(r) = records.get_mut(seq) {
                    r.undone = true;
                }
            }
            Entry::Header { .. } | Entry::Undo { .. } | Entry::UndoFailed { .. } => {}
        }
    }
    records
}

/// Field-by-field differences between two observed states.
fn differences(expected: &serde_json::Value, actual: &serde_json::Value) -> Vec<String> {
    match (expected.as_object(), actual.as_object()) {
        (Some(e), Some(a)) => {
            let keys: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            keys.into_iter()
                .filter(|k| e.get(*k) != a.get(*k))
                .map(|k| {
                    format!(
                        "{k}: expected {}, found {}",
                        e.get(k).map_or("nothing".to_string(), |v| v.to_string()),
                        a.get(k).map_or("nothing".to_string(), |v| v.to_string())
                    )
                })
                .collect()
        }
        _ if expected == actual => Vec::new(),
        _ => vec![format!("expected {expected}, found {actual}")],
    }
}

fn remediation_of(catalogue: &Catalogue, control_id: &str) -> Result<&'static dyn DynFix> {
    catalogue
        .get(control_id)
        .and_then(|c| c.fix())
        .with_context(|| {
            format!("the journal names control `{control_id}`, which this cisrun cannot undo")
        })
}

/// Where the lines people read go: standard output, unless `--json -` took it.
struct Narrator {
    to_stderr: bool,
}

impl Narrator {
    fn line(&self, line: String) {
        if self.to_stderr {
            eprintln!("{line}");
        } else {
            // A closed standard output ends the narration, never the rollback: the journal
            // records what was undone.
            let _ = writeln!(crate::output::Printed, "{line}");
        }
    }
}

type Pending<'a> = Vec<(u64, &'a StepRecord)>;

pub async fn rollback(catalogue: &Catalogue, args: RollbackArgs) -> Result<u8> {
    let key = args
        .journal_key_file
        .as_deref()
        .map(JournalKey::from_file)
        .transpose()?;
    // Every line is verified before anything is read from it: an edited journal is refused.
    let (journal, entries) = Journal::open(&args.journal, key)?;
    let Some(Entry::Header {
        profile_file,
        profile_yaml,
        ..
    }) = entries.first()
    else {
        bail!("{}: not a cisrun journal", args.journal.display());
    };
    let profile = Profile::parse(profile_file, profile_yaml, catalogue)
        .with_context(|| format!("the profile recorded in {}", args.journal.display()))?;
    let records = step_records(&entries);
    // Newest first: undo runs in the reverse order of the apply.
    let pending: Pending = records
        .iter()
        .rev()
        .filter(|(_, r)| !r.failed && !r.undone)
        .map(|(seq, r)| (*seq, r))
        .collect();
    let say = Narrator {
        to_stderr: args.json.as_deref().is_some_and(is_stdout),
    };
    if pending.is_empty() {
        say.line(format!(
            "nothing to roll back: every change in {} is already undone",
            args.journal.display()
        ));
        write_summary(&args, 0)?;
        return Ok(EXIT_OK);
    }
    let targets = connect_targets(catalogue, &profile, &pending).await?;
    let (pending, unconfirmed) = confirmed_steps(catalogue, &targets, pending, &say).await?;
    if !unconfirmed.is_empty() {
        // Never overridden by --force: without the state the apply recorded, nothing says
        // the resource is one cisrun changed.
        eprintln!(
            "refused: the journal records no outcome (`applied` line) for these steps, and \
             their resources are not as they were before them; nothing was undone:\n{}\n\
             check them and undo them by hand (a crash mid-step, or an edited journal); \
             --force does not override this",
            unconfirmed.join("\n")
        );
        return Ok(EXIT_FINDINGS);
    }
    let drift = drift(catalogue, &targets, &pending).await?;
    if !drift.is_empty() {
        if args.force {
            eprintln!(
                "warning: undoing despite drift (--force):\n{}",
                drift.join("\n")
            );
        } else {
            eprintln!(
                "drift: resources changed since the apply; nothing was undone:\n{}\nre-run with --force to undo cisrun's changes anyway",
                drift.join("\n")
            );
            return Ok(EXIT_FINDINGS);
        }
    }
    let Some(undone) =
        undo_pending(catalogue, &journal, &targets, &pending, args.force, &say).await?
    else {
        return Ok(EXIT_FINDINGS);
    };
    say.line(format!(
        "rolled back {undone} change(s) recorded in {}",
        args.journal.display()
    ));
    write_summary(&args, undone)?;
    Ok(EXIT_OK)
}

/// The `--json` summary of a rollback that finished: the journal and how many changes
/// were undone.
fn write_summary(args: &RollbackArgs, undone: usize) -> Result<()> {
    if let Some(path) = &args.json {
        let summary = serde_json::json!({ "journal": args.journal, "undone": undone });
        let mut text = serde_json::to_string_pretty(&summary)?;
        text.push('\n');
        emit(path, text.as_bytes(), "rollback summary")?;
    }
    Ok(())
}

/// Reaches every target the journal touched, as the apply did.
async fn connect_targets(
    catalogue: &Catalogue,
    profile: &Profile,
    pending: &Pending<'_>,
) -> Result<HashMap<String, Connected>> {
    let platform = crate::platform_of(profile, catalogue)?;
    let session = platform
        .open(profile, crate::default_limits())
        .await
        .context("cannot start the rollback")?;
    let known = session.targets().await.context("cannot list the targets")?;
    let noun = platform.target_noun();
    let mut targets: HashMap<String, Connected> = HashMap::new();
    for (_, record) in pending {
        if targets.contains_key(&record.account_id) {
            continue;
        }
        let target = known
            .iter()
            .find(|t| t.id.as_deref() == Some(record.account_id.as_str()))
            .or_else(|| known.iter().find(|t| t.id.is_none()))
            .with_context(|| {
                format!(
                    "{noun} {} is no longer among the profile's targets",
                    record.account_id
                )
            })?;
        let connected = session.connect(target).await.map_err(|e| {
            anyhow::anyhow!("cannot reach {noun} {}: {}", record.account_id, e.message)
        })?;
        if connected.identity.id != record.account_id {
            bail!(
                "the journal's changes are in {noun} {}, but these credentials reach {noun} {}",
                record.account_id,
                connected.identity.id
            );
        }
        targets.insert(record.account_id.clone(), connected);
    }
    Ok(targets)
}

/// The pending steps the apply confirmed (an `applied` line), and, described, those it
/// did not whose resource is not as it was before them. A step without an outcome whose
/// resource is as before never took effect: there is nothing to undo, and it is left out.
async fn confirmed_steps<'a>(
    catalogue: &Catalogue,
    targets: &HashMap<String, Connected>,
    pending: Pending<'a>,
    say: &Narrator,
) -> Result<(Pending<'a>, Vec<String>)> {
    let mut confirmed = Vec::new();
    let mut unconfirmed = Vec::new();
    for (seq, record) in pending {
        if record.after.is_some() {
            confirmed.push((seq, record));
            continue;
        }
        let current = remediation_of(catalogue, &record.control_id)?
            .observe(target_of(targets, record)?, &record.step)
            .await
            .with_context(|| format!("cannot read {}", record.step.resource))?;
        if current == record.before {
            say.line(format!(
                "step {seq}: {} {} never took effect; nothing to undo",
                record.step.action, record.step.resource
            ));
            continue;
        }
        unconfirmed.push(format!(
            "  step {seq} ({} {} in account {}):\n    {}",
            record.step.action,
            record.step.resource,
            record.account_id,
            differences(&record.before, &current).join("\n    ")
        ));
    }
    Ok((confirmed, unconfirmed))
}

/// Every resource that is no longer as the last step on it left it, described.
async fn drift(
    catalogue: &Catalogue,
    targets: &HashMap<String, Connected>,
    pending: &Pending<'_>,
) -> Result<Vec<String>> {
    let mut drift = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (seq, record) in pending {
        // Newest first: the first step met on a resource is the last the apply made on it.
        if !seen.insert((record.account_id.as_str(), record.step.resource.as_str())) {
            continue;
        }
        let remediation = remediation_of(catalogue, &record.control_id)?;
        let account = target_of(targets, record)?;
        if let Some(found) = drift_of(remediation, account, *seq, record, 1).await? {
            drift.push(format!("  {found}"));
        }
    }
    Ok(drift)
}

/// How the resource of `record` differs from the state the apply recorded after it
/// (`None`: it does not). Read up to `attempts` times, briefly apart, before it counts:
/// right after an undo, IAM may still show the state before it.
async fn drift_of(
    remediation: &dyn DynFix,
    account: &cisrun_core::control::AnyTarget,
    seq: u64,
    record: &StepRecord,
    attempts: u32,
) -> Result<Option<String>> {
    let Some(expected) = &record.after else {
        bail!("step {seq} has no recorded outcome; it cannot be compared");
    };
    let mut diff = Vec::new();
    for attempt in 1..=attempts {
        let current = remediation
            .observe(account, &record.step)
            .await
            .with_context(|| format!("cannot read {}", record.step.resource))?;
        diff = differences(expected, &current);
        if diff.is_empty() {
            return Ok(None);
        }
        if attempt < attempts {
            tokio::time::sleep(std::time::Duration::from_millis(500 * u64::from(attempt))).await;
        }
    }
    Ok(Some(format!(
        "{} in account {} changed since step {seq} ({}):\n    {}",
        record.step.resource,
        record.account_id,
        record.step.action,
        diff.join("\n    ")
    )))
}

/// The reached target a journal record is about, as its fix takes it.
fn target_of<'a>(
    targets: &'a HashMap<String, Connected>,
    record: &StepRecord,
) -> Result<&'a cisrun_core::control::AnyTarget> {
    targets
        .get(&record.account_id)
        .map(|t| t.target.as_ref())
        .with_context(|| format!("target {} was not reached", record.account_id))
}

/// Undoes the pending steps newest first, journaling each; `None` when one could not be
/// undone (the journal keeps what is left).
async fn undo_pending(
    catalogue: &Catalogue,
    journal: &Journal,
    targets: &HashMap<String, Connected>,
    pending: &Pending<'_>,
    forced: bool,
    say: &Narrator,
) -> Result<Option<usize>> {
    let mut undone = 0;
    // Resources met so far, newest step first.
    let mut seen = std::collections::HashSet::new();
    for (seq, record) in pending {
        let remediation = remediation_of(catalogue, &record.control_id)?;
        let account = target_of(targets, record)?;
        if !seen.insert((record.account_id.as_str(), record.step.resource.as_str())) {
            // An earlier step on a resource a later undo just changed back: its state is
            // only now the one to compare (the first step on each was compared up front).
            if let Some(drift) = drift_of(remediation, account, *seq, record, 5).await? {
                if forced {
                    eprintln!("warning: undoing despite drift (--force):\n{drift}");
                } else {
                    eprintln!(
                        "drift: {drift}\nthe later change(s) on it are undone (see above); \
                         nothing more was undone: re-run with --force to undo the rest anyway"
                    );
                    return Ok(None);
                }
            }
        }
        journal.record(Entry::Undo {
            seq: *seq,
            at: Journal::now(),
            forced,
        })?;
        if let Err(error) = remediation.undo(account, &record.step).await {
            journal.record(Entry::UndoFailed {
                seq: *seq,
                error: error.to_string(),
                at: Journal::now(),
            })?;
            eprintln!(
                "error: could not undo step {seq} ({} {}): {error}",
                record.step.action, record.step.resource
            );
            eprintln!("the journal records what is left; fix the cause and run rollback again");
            return Ok(None);
        }
        journal.record(Entry::Undone {
            seq: *seq,
            at: Journal::now(),
        })?;
        say.line(format!(
            "undone: step {seq}: {} {} (account {})",
            record.step.action, record.step.resource, record.account_id
        ));
        undone += 1;
    }
    Ok(Some(undone))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_changed_field() {
        let expected = serde_json::json!({"tags": {"a": "1"}, "path": "/"});
        let actual = serde_json::json!({"tags": {"a": "2"}, "path": "/"});
        assert_eq!(
            differences(&expected, &actual),
            [r#"tags: expected {"a":"1"}, found {"a":"2"}"#]
        );
        assert!(differences(&expected, &expected).is_empty());
    }
}
