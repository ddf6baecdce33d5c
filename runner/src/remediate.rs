//! `cisrun remediate` (plan, or apply with a journal) and `cisrun rollback`.
//!
//! The runner owns the order, the journal and the safety checks; each control owns what
//! its steps mean (`cisrun_core::Remediation`), so a new control's fix needs no change here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_checks::{AwsAccount, AwsControl};
use cisrun_core::{
    AccountReport, Catalogue, ErrorDetail, Evidence, Outcome, Plan, Profile, Remediation,
    RemediationError, RunInfo, RunReport, Status, Step,
};
use futures::StreamExt;

use crate::cli::{RemediateArgs, RollbackArgs};
use crate::commands::{finish_run, selected_controls};
use crate::engine::AuditPlan;
use crate::journal::{Entry, Journal};
use crate::targets::{self, Target};
use crate::{shipped, EXIT_FINDINGS, EXIT_OK};

/// The profile's source, for the journal and for pointing at lines in errors.
struct ProfileSource {
    file: String,
    text: String,
}

fn profile_source(reference: &str) -> Result<ProfileSource> {
    let path = Path::new(reference);
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))?;
        return Ok(ProfileSource {
            file: path.display().to_string(),
            text,
        });
    }
    match shipped::SHIPPED.iter().find(|(stem, _)| *stem == reference) {
        Some((stem, text)) => Ok(ProfileSource {
            file: format!("<shipped>/{stem}.yaml"),
            text: text.to_string(),
        }),
        None => bail!("cannot read profile {reference}"),
    }
}

/// `file:line:column` of the control's parameter block (or the file alone).
fn parameters_location(source: &ProfileSource, control_id: &str) -> String {
    let needle = format!("{control_id}:");
    let Some(offset) = source
        .text
        .find("parameters:")
        .and_then(|start| source.text[start..].find(&needle).map(|i| start + i))
    else {
        return source.file.clone();
    };
    let before = &source.text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{}:{line}:{column}", source.file)
}

fn error_outcome(error: &RemediationError) -> Outcome {
    match error {
        RemediationError::Provider(detail) => Outcome::error(detail.clone()),
        RemediationError::Refused(message) => Outcome::error(ErrorDetail {
            code: "RemediationRefused".to_string(),
            message: message.clone(),
            missing_permission: None,
        }),
        RemediationError::Parameters(message) => Outcome::error(ErrorDetail {
            code: "InvalidParameters".to_string(),
            message: message.clone(),
            missing_permission: None,
        }),
        RemediationError::Drift { .. } => Outcome::error(ErrorDetail {
            code: "Drift".to_string(),
            message: error.to_string(),
            missing_permission: None,
        }),
    }
}

fn step_evidence(steps: &[Step], prefix: &str) -> Vec<Evidence> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Evidence::new(
                &s.resource,
                format!("{prefix}{}. {}: {}", i + 1, s.action, s.summary),
            )
        })
        .collect()
}

struct Remediator<'a> {
    audit: AuditPlan<'a>,
    journal: Option<&'a Journal>,
}

impl Remediator<'_> {
    async fn account(&self, account: &AwsAccount) -> AccountReport {
        let mut results = Vec::new();
        // Controls run one after another within an account, so the journal reads in order.
        for control in self.audit.controls {
            let started = Instant::now();
            let (outcome, plan) = self.control(*control, account).await;
            let mut result = self.audit.result(*control, outcome, started);
            result.plan = plan;
            results.push(result);
        }
        AccountReport {
            account_id: account.account_id.clone(),
            account_name: account.account_name.clone(),
            results,
        }
    }

    async fn control(&self, control: &AwsControl, account: &AwsAccount) -> (Outcome, Option<Plan>) {
        let audit = self.audit.audit_control(control, account).await;
        match audit.status {
            Status::Fail => {}
            Status::Pass => {
                let message = format!("compliant, nothing to change: {}", audit.message);
                return (
                    Outcome { message, ..audit },
                    Some(Plan::nothing_to_do("already compliant")),
                );
            }
            Status::Error | Status::Skipped => return (audit, None),
        }
        let Some(remediation) = control.remediation() else {
            let message = format!(
                "{} (no automatic remediation: see `cisrun explain {}`)",
                audit.message,
                control.meta().id
            );
            return (Outcome { message, ..audit }, None);
        };
        let parameters = self.audit.profile.parameters_for(control.meta().id);
        let plan = match remediation.plan(account, &parameters).await {
            Ok(plan) => plan,
            Err(error) => return (error_outcome(&error), None),
        };
        match self.journal {
            None => {
                let outcome = Outcome::fail(
                    format!(
                        "would make {} change(s): {}",
                        plan.steps.len(),
                        plan.explanation
                    ),
                    step_evidence(&plan.steps, "plan "),
                );
                (outcome, Some(plan))
            }
            Some(journal) => {
                let outcome =
                    execute(remediation, account, control.meta().id, &plan, journal).await;
                (outcome, Some(plan))
            }
        }
    }
}

/// Carries out a plan's steps, journaling before and after each. On a failure, undoes the
/// steps already done, newest first; what cannot be undone stays in the journal.
async fn execute(
    remediation: &dyn Remediation<AwsAccount>,
    account: &AwsAccount,
    control_id: &str,
    plan: &Plan,
    journal: &Journal,
) -> Outcome {
    let mut done: Vec<(u64, &Step)> = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let failure = |what: String, error: &RemediationError| {
            let mut outcome = error_outcome(error);
            outcome.message = format!(
                "step {} ({} {}) {what}: {error}",
                index + 1,
                step.action,
                step.resource
            );
            outcome
        };
        let before = match remediation.observe(account, step).await {
            Ok(state) => state,
            Err(error) => {
                let outcome = failure("could not be prepared".to_string(), &error);
                return undo_done(remediation, account, &done, journal, outcome).await;
            }
        };
        let seq = journal.next_seq();
        let recorded = journal.record(Entry::Apply {
            seq,
            account_id: account.account_id.clone(),
            control_id: control_id.to_string(),
            step: step.clone(),
            before: before.clone(),
            at: Journal::now(),
        });
        if let Err(error) = recorded {
            // No record, no change.
            let outcome = Outcome::error(ErrorDetail {
                code: "JournalUnwritable".to_string(),
                message: format!("{error:#}; stopped before {}", step.action),
                missing_permission: None,
            });
            return undo_done(remediation, account, &done, journal, outcome).await;
        }
        match remediation.apply(account, step).await {
            Ok(()) => {
                let after = observe_change(remediation, account, step, &before).await;
                if let Err(error) = journal.record(Entry::Applied {
                    seq,
                    after,
                    at: Journal::now(),
                }) {
                    tracing::error!("{error:#}");
                }
                done.push((seq, step));
            }
            Err(error) => {
                let _ = journal.record(Entry::ApplyFailed {
                    seq,
                    error: error.to_string(),
                    at: Journal::now(),
                });
                let outcome = failure("failed".to_string(), &error);
                return undo_done(remediation, account, &done, journal, outcome).await;
            }
        }
    }
    Outcome::pass(
        format!(
            "fixed: {} ({} change(s) made)",
            plan.explanation,
            plan.steps.len()
        ),
        step_evidence(&plan.steps, "applied "),
    )
}

/// The state after a change. IAM is eventually consistent: a read right after a write may
/// still show the old state, so read again (briefly) until the change shows.
async fn observe_change(
    remediation: &dyn Remediation<AwsAccount>,
    account: &AwsAccount,
    step: &Step,
    before: &serde_json::Value,
) -> serde_json::Value {
    const ATTEMPTS: u32 = 5;
    let mut state = serde_json::Value::Null;
    for attempt in 1..=ATTEMPTS {
        state = remediation
            .observe(account, step)
            .await
            .unwrap_or_else(|e| serde_json::json!({ "unobserved": e.to_string() }));
        if state != *before || attempt == ATTEMPTS {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500 * u64::from(attempt))).await;
    }
    state
}

async fn undo_done(
    remediation: &dyn Remediation<AwsAccount>,
    account: &AwsAccount,
    done: &[(u64, &Step)],
    journal: &Journal,
    mut outcome: Outcome,
) -> Outcome {
    if done.is_empty() {
        outcome.message.push_str("; nothing had been changed");
        return outcome;
    }
    let mut undone = Vec::new();
    for (seq, step) in done.iter().rev() {
        let _ = journal.record(Entry::Undo {
            seq: *seq,
            at: Journal::now(),
            forced: false,
        });
        match remediation.undo(account, step).await {
            Ok(()) => {
                let _ = journal.record(Entry::Undone {
                    seq: *seq,
                    at: Journal::now(),
                });
                undone.push(step.action.clone());
            }
            Err(error) => {
                let _ = journal.record(Entry::UndoFailed {
                    seq: *seq,
                    error: error.to_string(),
                    at: Journal::now(),
                });
                outcome.message.push_str(&format!(
                    "; could not undo {} ({error}): the remaining change(s) are recorded in {}: run `cisrun rollback --journal {}`",
                    step.action,
                    journal.path().display(),
                    journal.path().display()
                ));
                return outcome;
            }
        }
    }
    outcome.message.push_str(&format!(
        "; the earlier change(s) were undone ({}), so the account is as it was",
        undone.join(", ")
    ));
    outcome
}

fn default_journal_path() -> PathBuf {
    PathBuf::from(format!(
        "cisrun-journal-{}.jsonl",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    ))
}

pub async fn run(catalogue: &Catalogue, args: RemediateArgs) -> Result<u8> {
    let profile = shipped::load(&args.profile, catalogue)?;
    let source = profile_source(&args.profile)?;
    let controls = selected_controls(&profile, catalogue);

    // Parameters are checked before anything is read or changed.
    for control in &controls {
        if let Some(remediation) = control.remediation() {
            let id = control.meta().id;
            if let Err(error) = remediation.check_parameters(&profile.parameters_for(id)) {
                bail!("{}: {error}", parameters_location(&source, id));
            }
        }
    }

    let journal = match args.apply {
        true => {
            let path = args.journal.clone().unwrap_or_else(default_journal_path);
            Some(Journal::create(&path, &source.file, &source.text)?)
        }
        false => None,
    };
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let remediator = Remediator {
        audit: AuditPlan {
            profile: &profile,
            controls: &controls,
            today: started_at.date_naive(),
        },
        journal: journal.as_ref(),
    };
    let config = load_config(AwsSettings::default()).await;
    let target_list = targets::resolve(&config, &profile, None).await?;
    let connector = targets::Connector::new(&config, &profile);
    let accounts: Vec<AccountReport> = futures::stream::iter(target_list.iter())
        .map(|target| {
            let (connector, remediator) = (&connector, &remediator);
            async move {
                match remediator.audit.connect(connector, target).await {
                    Ok(account) => remediator.account(&account).await,
                    Err(unreachable) => unreachable,
                }
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;

    let command = if args.apply {
        "remediate --apply"
    } else {
        "remediate"
    };
    let report = RunReport {
        run: RunInfo::for_profile(&profile, command, started_at, clock.elapsed(), None),
        accounts,
    };
    let json_to_stdout = args.json.as_deref() == Some(Path::new("-"));
    let json_file = args.json.as_deref().filter(|_| !json_to_stdout);
    let code = finish_run(report, args.junit.as_deref(), json_file, json_to_stdout)?;
    if let Some(journal) = &journal {
        let changed = crate::journal::read(journal.path())?.len() > 1;
        if changed {
            eprintln!(
                "journal: {} (undo with `cisrun rollback --journal {}`)",
                journal.path().display(),
                journal.path().display()
            );
        } else {
            // Nothing was changed: a journal with only a header would just be clutter.
            let _ = std::fs::remove_file(journal.path());
            eprintln!("nothing changed; no journal written");
        }
    }
    Ok(code)
}

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

fn remediation_of(control_id: &str) -> Result<&'static dyn Remediation<AwsAccount>> {
    cisrun_checks::find(control_id)
        .and_then(|c| c.remediation())
        .with_context(|| {
            format!("the journal names control `{control_id}`, which this cisrun cannot undo")
        })
}

pub async fn rollback(catalogue: &Catalogue, args: RollbackArgs) -> Result<u8> {
    let (journal, entries) = Journal::open(&args.journal)?;
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
    let pending: Vec<(u64, &StepRecord)> = records
        .iter()
        .rev()
        .filter(|(_, r)| !r.failed && !r.undone)
        .map(|(seq, r)| (*seq, r))
        .collect();
    if pending.is_empty() {
        println!(
            "nothing to roll back: every change in {} is already undone",
            args.journal.display()
        );
        return Ok(EXIT_OK);
    }

    // Reach every account the journal touched, as the apply did.
    let config = load_config(AwsSettings::default()).await;
    let known = targets::resolve(&config, &profile, None).await?;
    let connector = targets::Connector::new(&config, &profile);
    let mut accounts: HashMap<String, AwsAccount> = HashMap::new();
    for (_, record) in &pending {
        if accounts.contains_key(&record.account_id) {
            continue;
        }
        let target: &Target = known
            .iter()
            .find(|t| t.account_id.as_deref() == Some(record.account_id.as_str()))
            .or_else(|| known.iter().find(|t| t.account_id.is_none()))
            .with_context(|| {
                format!(
                    "account {} is no longer among the profile's targets",
                    record.account_id
                )
            })?;
        let account = connector
            .connect(target)
            .await
            .with_context(|| format!("cannot reach account {}", record.account_id))?;
        if account.account_id != record.account_id {
            bail!(
                "the journal's changes are in account {}, but these credentials reach account {}",
                record.account_id,
                account.account_id
            );
        }
        accounts.insert(record.account_id.clone(), account);
    }

    // Before undoing anything: is every resource still as the last step left it?
    let mut drift = Vec::new();
    let mut last_on_resource: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for (seq, record) in &pending {
        last_on_resource
            .entry((record.account_id.as_str(), record.step.resource.as_str()))
            .or_insert(*seq);
    }
    for (seq, record) in &pending {
        let Some(expected) = &record.after else {
            continue;
        };
        if last_on_resource.get(&(record.account_id.as_str(), record.step.resource.as_str()))
            != Some(seq)
        {
            continue;
        }
        let current = remediation_of(&record.control_id)?
            .observe(&accounts[&record.account_id], &record.step)
            .await
            .with_context(|| format!("cannot read {}", record.step.resource))?;
        let diff = differences(expected, &current);
        if !diff.is_empty() {
            drift.push(format!(
                "  {} in account {} changed since step {seq} ({}):\n    {}",
                record.step.resource,
                record.account_id,
                record.step.action,
                diff.join("\n    ")
            ));
        }
    }
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

    let mut undone = 0;
    for (seq, record) in &pending {
        let remediation = remediation_of(&record.control_id)?;
        let account = &accounts[&record.account_id];
        if record.after.is_none() {
            // Started but never confirmed (a crash mid-step): undo only if it took effect.
            let current = remediation.observe(account, &record.step).await?;
            if current == record.before {
                println!(
                    "step {seq}: {} {} never took effect; nothing to undo",
                    record.step.action, record.step.resource
                );
                journal.record(Entry::Undone {
                    seq: *seq,
                    at: Journal::now(),
                })?;
                continue;
            }
        }
        journal.record(Entry::Undo {
            seq: *seq,
            at: Journal::now(),
            forced: args.force,
        })?;
        match remediation.undo(account, &record.step).await {
            Ok(()) => {
                journal.record(Entry::Undone {
                    seq: *seq,
                    at: Journal::now(),
                })?;
                println!(
                    "undone: step {seq}: {} {} (account {})",
                    record.step.action, record.step.resource, record.account_id
                );
                undone += 1;
            }
            Err(error) => {
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
                return Ok(EXIT_FINDINGS);
            }
        }
    }
    println!(
        "rolled back {undone} change(s) recorded in {}",
        args.journal.display()
    );
    if let Some(path) = &args.json {
        let summary = serde_json::json!({ "journal": args.journal, "undone": undone });
        cisrun_core::report::write_atomically(
            path,
            serde_json::to_string_pretty(&summary)?.as_bytes(),
        )?;
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    //! The runner's side of remediation with a made-up control: any control's fix gets the
    //! same journal, the same undo on failure, with no change here.

    use std::sync::Mutex;

    use async_trait::async_trait;
    use cisrun_core::FixSafety;

    use super::*;

    /// A fix of three steps on an in-memory "account"; step `fail_at` fails.
    struct Fake {
        applied: Mutex<Vec<String>>,
        fail_at: Option<usize>,
    }

    fn step(n: usize) -> Step {
        Step {
            action: format!("fake:Step{n}"),
            resource: format!("thing/{n}"),
            summary: format!("step {n}"),
            data: serde_json::json!({ "n": n }),
        }
    }

    #[async_trait]
    impl Remediation<AwsAccount> for Fake {
        fn safety(&self) -> FixSafety {
            FixSafety::Safe
        }
        fn check_parameters(&self, _: &serde_yaml::Value) -> Result<(), RemediationError> {
            Ok(())
        }
        async fn plan(
            &self,
            _: &AwsAccount,
            _: &serde_yaml::Value,
        ) -> Result<Plan, RemediationError> {
            Ok(Plan {
                steps: (1..=3).map(step).collect(),
                explanation: "fake".into(),
            })
        }
        async fn observe(
            &self,
            _: &AwsAccount,
            s: &Step,
        ) -> Result<serde_json::Value, RemediationError> {
            let applied = self.applied.lock().expect("lock");
            Ok(serde_json::json!({ "applied": applied.contains(&s.resource) }))
        }
        async fn apply(&self, _: &AwsAccount, s: &Step) -> Result<(), RemediationError> {
            if self
                .fail_at
                .map(step)
                .as_ref()
                .is_some_and(|f| f.resource == s.resource)
            {
                return Err(RemediationError::Refused("injected".into()));
            }
            self.applied.lock().expect("lock").push(s.resource.clone());
            Ok(())
        }
        async fn undo(&self, _: &AwsAccount, s: &Step) -> Result<(), RemediationError> {
            self.applied
                .lock()
                .expect("lock")
                .retain(|r| *r != s.resource);
            Ok(())
        }
    }

    fn account() -> AwsAccount {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version_latest()
            .build();
        AwsAccount::for_tests(
            aws_sdk_iam::Client::from_conf(config),
            "123456789012",
            "aws",
        )
    }

    fn kinds(path: &std::path::Path) -> Vec<String> {
        crate::journal::read(path)
            .expect("journal")
            .iter()
            .map(|e| {
                serde_json::to_value(e).expect("entry")["entry"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    #[tokio::test]
    async fn every_step_is_journaled_before_and_after() {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = Journal::create(&dir.path().join("j.jsonl"), "p", "").expect("journal");
        let fake = Fake {
            applied: Mutex::default(),
            fail_at: None,
        };
        let account = account();
        let plan = fake
            .plan(&account, &Default::default())
            .await
            .expect("plan");
        let outcome = execute(&fake, &account, "fake", &plan, &journal).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(fake.applied.lock().expect("lock").len(), 3);
        assert_eq!(
            kinds(journal.path()),
            ["header", "apply", "applied", "apply", "applied", "apply", "applied"]
        );
    }

    #[tokio::test]
    async fn a_failing_step_undoes_the_earlier_ones_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = Journal::create(&dir.path().join("j.jsonl"), "p", "").expect("journal");
        let fake = Fake {
            applied: Mutex::default(),
            fail_at: Some(3),
        };
        let account = account();
        let plan = fake
            .plan(&account, &Default::default())
            .await
            .expect("plan");
        let outcome = execute(&fake, &account, "fake", &plan, &journal).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.message.contains("step 3"), "{}", outcome.message);
        assert!(
            outcome.message.contains("undone (fake:Step2, fake:Step1)"),
            "{}",
            outcome.message
        );
        assert!(fake.applied.lock().expect("lock").is_empty());
        assert_eq!(
            kinds(journal.path()),
            [
                "header",
                "apply",
                "applied",
                "apply",
                "applied",
                "apply",
                "apply_failed",
                "undo",
                "undone",
                "undo",
                "undone"
            ]
        );
    }

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
