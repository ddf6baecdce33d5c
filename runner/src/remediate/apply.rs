//! Carrying a plan out: every step journaled before and after, and a failure midway undone.

use cisrun_core::platform::Connected;
use cisrun_core::{DynFix, ErrorDetail, Evidence, Outcome, Plan, RemediationError, Step};

use crate::journal::{Entry, Journal};

pub fn error_outcome(error: &RemediationError) -> Outcome {
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

pub fn step_evidence(steps: &[Step], prefix: &str) -> Vec<Evidence> {
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

/// Carries out a plan's steps, journaling before and after each. On a failure, undoes the
/// steps already done, newest first; what cannot be undone stays in the journal.
pub async fn execute(
    remediation: &dyn DynFix,
    target: &Connected,
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
        let before = match remediation.observe(target.target.as_ref(), step).await {
            Ok(state) => state,
            Err(error) => {
                let outcome = failure("could not be prepared".to_string(), &error);
                return undo_done(remediation, target, &done, journal, outcome).await;
            }
        };
        let seq = journal.next_seq();
        let recorded = journal.record(Entry::Apply {
            seq,
            account_id: target.identity.id.clone(),
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
            return undo_done(remediation, target, &done, journal, outcome).await;
        }
        match remediation.apply(target.target.as_ref(), step).await {
            Ok(()) => {
                let after = observe_change(remediation, target, step, &before).await;
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
                return undo_done(remediation, target, &done, journal, outcome).await;
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
    remediation: &dyn DynFix,
    target: &Connected,
    step: &Step,
    before: &serde_json::Value,
) -> serde_json::Value {
    const ATTEMPTS: u32 = 5;
    let mut state = serde_json::Value::Null;
    for attempt in 1..=ATTEMPTS {
        state = remediation
            .observe(target.target.as_ref(), step)
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
    remediation: &dyn DynFix,
    target: &Connected,
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
        match remediation.undo(target.target.as_ref(), step).await {
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

#[cfg(test)]
mod tests {
    //! The runner's side of remediation with a made-up control: any control's fix gets the
    //! same journal, the same undo on failure, with no change here.

    use std::sync::{Arc, Mutex};

    use async_trait::async_trait;
    use cisrun_core::control::Manual;
    use cisrun_core::testing::{self, TestTarget};
    use cisrun_core::{
        ControlMeta, Described, FixSafety, Input, NoParameters, Remediation, Status, TargetIdentity,
    };

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
    impl Remediation<TestTarget> for Fake {
        fn safety(&self) -> FixSafety {
            FixSafety::Safe
        }
        fn permissions(&self) -> &'static [&'static str] {
            &[]
        }
        async fn plan(
            &self,
            _: &TestTarget,
            _: Input<'_, NoParameters>,
        ) -> Result<Plan, RemediationError> {
            Ok(Plan::of((1..=3).map(step).collect(), "fake"))
        }
        async fn observe(
            &self,
            _: &TestTarget,
            s: &Step,
        ) -> Result<serde_json::Value, RemediationError> {
            let applied = self.applied.lock().expect("lock");
            Ok(serde_json::json!({ "applied": applied.contains(&s.resource) }))
        }
        async fn apply(&self, _: &TestTarget, s: &Step) -> Result<(), RemediationError> {
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
        async fn undo(&self, _: &TestTarget, s: &Step) -> Result<(), RemediationError> {
            self.applied
                .lock()
                .expect("lock")
                .retain(|r| *r != s.resource);
            Ok(())
        }
    }

    /// A control whose fix is the fake, as the runner sees it.
    struct FakeControl(Fake);

    static META: ControlMeta = testing::meta("fake", "Fake");

    impl Described for FakeControl {
        type Target = TestTarget;
        type Parameters = NoParameters;
        fn meta(&self) -> &ControlMeta {
            &META
        }
        fn fix(&self) -> Option<&dyn Remediation<TestTarget>> {
            Some(&self.0)
        }
    }

    fn control(fail_at: Option<usize>) -> Manual<FakeControl> {
        Manual(FakeControl(Fake {
            applied: Mutex::default(),
            fail_at,
        }))
    }

    fn target() -> Connected {
        Connected {
            identity: TargetIdentity {
                id: "123456789012".into(),
                ..TargetIdentity::default()
            },
            target: Box::new(TestTarget),
        }
    }

    async fn plan(control: &Manual<FakeControl>, target: &Connected) -> Plan {
        let parameters: cisrun_core::CheckedParameters = Arc::new(NoParameters::default());
        control
            .plan(target.target.as_ref(), &parameters, "")
            .await
            .expect("plan")
    }

    fn kinds(path: &std::path::Path) -> Vec<String> {
        crate::journal::read(path, None)
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
        let journal = Journal::create(&dir.path().join("j.jsonl"), "p", "", None).expect("journal");
        let fake = control(None);
        let target = target();
        let plan = plan(&fake, &target).await;
        let outcome = execute(&fake, &target, "fake", &plan, &journal).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(fake.0 .0.applied.lock().expect("lock").len(), 3);
        assert_eq!(
            kinds(journal.path()),
            ["header", "apply", "applied", "apply", "applied", "apply", "applied"]
        );
    }

    #[tokio::test]
    async fn a_failing_step_undoes_the_earlier_ones_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = Journal::create(&dir.path().join("j.jsonl"), "p", "", None).expect("journal");
        let fake = control(Some(3));
        let target = target();
        let plan = plan(&fake, &target).await;
        let outcome = execute(&fake, &target, "fake", &plan, &journal).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.message.contains("step 3"), "{}", outcome.message);
        assert!(
            outcome.message.contains("undone (fake:Step2, fake:Step1)"),
            "{}",
            outcome.message
        );
        assert!(fake.0 .0.applied.lock().expect("lock").is_empty());
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
}
