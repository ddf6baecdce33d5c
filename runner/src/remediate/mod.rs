//! `cisrun remediate` (plan, or apply with a journal) and `cisrun rollback`.
//!
//! The runner owns the order, the journal and the safety checks; each control owns what
//! its steps mean (`cisrun_core::Remediation`), so a new control's fix needs no change here.
//! `plan` decides per control, `apply` carries a plan out, `rollback` undoes a journal.

mod apply;
mod rollback;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use cisrun_core::platform::{Connected, DynSession};
use cisrun_core::{
    Catalogue, FixSafety, Outcome, Plan, RemediationError, RunInfo, RunReport, Status, TargetReport,
};
use futures::StreamExt;

use self::apply::{error_outcome, execute, step_evidence};
pub use self::rollback::rollback;
use crate::cli::RemediateArgs;
use crate::engine::{self, AuditPlan, Selected};
use crate::journal::{Journal, JournalKey};
use crate::output::finish_run;
use crate::shipped;

/// `file:line:column` of the control's parameter block (or the file alone).
fn parameters_location(source: &cisrun_core::ProfileSource, control_id: &str) -> String {
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

struct Remediator<'a> {
    audit: AuditPlan<'a>,
    journal: Option<&'a Journal>,
    /// `--unsafe-fixes`: apply fixes graded unsafe too.
    unsafe_fixes: bool,
}

impl Remediator<'_> {
    async fn target(&self, session: &dyn DynSession, target: &Connected) -> TargetReport {
        let mut results = Vec::new();
        // The deadline bounds the audits and plans (reads); a fix being applied is never cut.
        let deadline = tokio::time::Instant::now() + self.audit.deadline;
        // Controls run one after another within an account, so the journal reads in order.
        for selected in self.audit.selected {
            let started = Instant::now();
            let (outcome, plan) = self.control(deadline, selected, target).await;
            let mut result = self.audit.result(selected, outcome, started);
            result.plan = plan;
            results.push(result);
        }
        self.audit.report(&session.identity(target), results)
    }

    async fn control(
        &self,
        deadline: tokio::time::Instant,
        selected: &Selected,
        target: &Connected,
    ) -> (Outcome, Option<Plan>) {
        let audit = self
            .audit
            .audit_control_by(deadline, selected, target)
            .await;
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
        // A failing result always comes from a compiled-in control.
        let Some(control) = selected.control else {
            return (audit, None);
        };
        let Some(remediation) = control.fix() else {
            let message = format!(
                "{} (no automatic remediation: see `cisrun explain {}`)",
                audit.message,
                control.meta().id
            );
            return (Outcome { message, ..audit }, None);
        };
        let parameters = match self.audit.profile.parameters_for(control.meta().id) {
            Ok(parameters) => parameters,
            Err(message) => return (error_outcome(&RemediationError::Parameters(message)), None),
        };
        let planned = tokio::time::timeout_at(
            deadline,
            remediation.plan(
                target.target.as_ref(),
                parameters,
                &self.audit.profile.version,
            ),
        );
        let mut plan = match planned.await {
            Ok(Ok(plan)) => plan,
            // The profile was checked when it was read: what is missing now is what only
            // this plan needs (a fix parameter an audit-only profile leaves out). The finding
            // stands as the audit found it; nothing is planned for it.
            Ok(Err(RemediationError::Parameters(missing))) => {
                let message = format!(
                    "{} (not planned: {missing}; see `cisrun explain {}`)",
                    audit.message,
                    control.meta().id
                );
                return (Outcome { message, ..audit }, None);
            }
            Ok(Err(error)) => return (error_outcome(&error), None),
            Err(_) => {
                let error = RemediationError::Refused(format!(
                    "the plan was not ready within --deadline {}s; nothing was changed",
                    self.audit.deadline.as_secs()
                ));
                return (error_outcome(&error), None);
            }
        };
        let safety = remediation.safety();
        plan.safety = Some(safety);
        let label = match safety {
            FixSafety::Safe => "safe fix",
            FixSafety::Unsafe => "unsafe fix",
        };
        match self.journal {
            Some(journal) if safety == FixSafety::Safe || self.unsafe_fixes => {
                let outcome = execute(remediation, target, control.meta().id, &plan, journal).await;
                (outcome, Some(plan))
            }
            Some(_) => {
                let outcome = Outcome::fail(
                    format!(
                        "not applied: this {label} needs --unsafe-fixes; it would make {} \
                         change(s): {}",
                        plan.steps.len(),
                        plan.explanation
                    ),
                    step_evidence(&plan.steps, "plan (unsafe) "),
                );
                (outcome, Some(plan))
            }
            None => {
                let outcome = Outcome::fail(
                    format!(
                        "would make {} change(s) ({label}): {}",
                        plan.steps.len(),
                        plan.explanation
                    ),
                    step_evidence(&plan.steps, &format!("plan ({label}) ")),
                );
                (outcome, Some(plan))
            }
        }
    }
}

fn default_journal_path() -> PathBuf {
    PathBuf::from(format!(
        "cisrun-journal-{}.jsonl",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    ))
}

pub async fn run(catalogue: &Catalogue, args: RemediateArgs) -> Result<u8> {
    // Read once: the text the run uses is the text the journal records.
    let profile = shipped::load(&args.profile, catalogue)?;
    let source = profile.source.clone();
    let platform = crate::platform_of(&profile, catalogue)?;
    let outputs = args
        .reports
        .prepare(catalogue, crate::cli::FailOnArg::All)?;
    let now = chrono::Utc::now();
    outputs.check_run(&RunInfo::for_profile(
        &profile,
        "remediate",
        now,
        Default::default(),
        None,
    ))?;
    let selected = engine::select(&profile, catalogue);

    // What each fix needs beyond the profile reader's checks, before anything is read.
    for control in selected.iter().filter_map(|s| s.control) {
        if let Some(remediation) = control.fix() {
            let id = control.meta().id;
            let checked = profile
                .parameters_for(id)
                .and_then(|parameters| remediation.check_parameters(parameters));
            if let Err(error) = checked {
                bail!("{}: {error}", parameters_location(&source, id));
            }
        }
    }

    let journal = match args.apply {
        true => {
            let path = args.journal.clone().unwrap_or_else(default_journal_path);
            let key = args
                .journal_key_file
                .as_deref()
                .map(JournalKey::from_file)
                .transpose()?;
            Some(Journal::create(&path, &source.file, &source.text, key)?)
        }
        false => None,
    };
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let remediator = Remediator {
        audit: AuditPlan {
            profile: &profile,
            platform,
            selected: &selected,
            today: started_at.date_naive(),
            deadline: args.limits.deadline,
        },
        journal: journal.as_ref(),
        unsafe_fixes: args.unsafe_fixes,
    };
    let session = platform
        .open(&profile, args.limits.run_limits())
        .await
        .context("cannot start the run")?;
    let target_list = session.targets().await.context("cannot list the targets")?;
    let session = session.as_ref();
    let reports: Vec<TargetReport> = futures::stream::iter(target_list.iter())
        .map(|target| {
            let remediator = &remediator;
            async move {
                match remediator.audit.connect(session, target).await {
                    Ok(connected) => remediator.target(session, &connected).await,
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
        targets: reports,
        baseline: None,
    };
    let code = finish_run(report, &outputs)?;
    if let Some(journal) = &journal {
        let changed = journal.lines_written() > 1;
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
