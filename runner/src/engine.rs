//! Runs the selected recommendations on every target and gathers a [`RunReport`], whatever
//! the platform.
//!
//! A profile selects recommendations of one benchmark version, implemented or not: one
//! without a compiled-in control is reported as skipped (not implemented), so a dashboard
//! never shows part of a benchmark as all of it.

use std::time::Instant;

use cisrun_core::platform::{Connected, DynPlatform, DynSession};
use cisrun_core::profile::Exception;
use cisrun_core::{
    Assessment, Catalogue, ControlResult, DynControl, ErrorDetail, Outcome, Profile,
    Recommendation, SkipReason, TargetIdentity, TargetRef, TargetReport,
};
use futures::future::join_all;

/// One recommendation a profile selects, and the control that implements it, if any.
#[derive(Clone)]
pub struct Selected {
    pub recommendation: Recommendation,
    pub control: Option<&'static dyn DynControl>,
}

/// The recommendations `profile` selects, in number order, with their controls.
pub fn select(profile: &Profile, catalogue: &Catalogue) -> Vec<Selected> {
    profile
        .selected(catalogue)
        .into_iter()
        .map(|recommendation| Selected {
            control: catalogue.get(&recommendation.control_id),
            recommendation,
        })
        .collect()
}

/// What the engine needs to audit one target.
pub struct AuditPlan<'a> {
    pub profile: &'a Profile,
    pub platform: &'static dyn DynPlatform,
    pub selected: &'a [Selected],
    /// Exceptions expire after this day.
    pub today: chrono::NaiveDate,
    /// Longest the audit of one target may take (`--deadline`).
    pub deadline: std::time::Duration,
}

impl AuditPlan<'_> {
    pub fn result(&self, selected: &Selected, outcome: Outcome, started: Instant) -> ControlResult {
        let r = &selected.recommendation;
        ControlResult {
            control_id: r.control_id.clone(),
            number: r.number.clone(),
            title: r.title.clone(),
            level: r.level.number(),
            section: r.section.clone(),
            outcome,
            duration_seconds: started.elapsed().as_secs_f64(),
            plan: None,
            change: None,
        }
    }

    /// The report of a target from its identity.
    pub fn report(&self, identity: &TargetIdentity, results: Vec<ControlResult>) -> TargetReport {
        TargetReport::of(self.platform.target_kind(), identity, results)
    }

    /// Audits every selected recommendation on `target`, concurrently; shared data is
    /// fetched once.
    pub async fn audit_target(&self, session: &dyn DynSession, target: &Connected) -> TargetReport {
        let deadline = tokio::time::Instant::now() + self.deadline;
        let results = join_all(self.selected.iter().map(|selected| async move {
            let started = Instant::now();
            let outcome = self.audit_control_by(deadline, selected, target).await;
            self.result(selected, outcome, started)
        }))
        .await;
        // After the audit: the platform may know more of the target now (its regions).
        let identity = session.identity(target);
        self.report(&identity, results)
    }

    /// [`AuditPlan::audit_control`], stopped at `deadline`: a control still running then is
    /// an error, so one hung listing cannot hold up the run.
    pub async fn audit_control_by(
        &self,
        deadline: tokio::time::Instant,
        selected: &Selected,
        target: &Connected,
    ) -> Outcome {
        match tokio::time::timeout_at(deadline, self.audit_control(selected, target)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::error(ErrorDetail {
                code: "DeadlineExceeded".to_string(),
                message: format!(
                    "the audit of this {} did not finish within --deadline {}s; the control \
                     was stopped",
                    self.platform.target_noun(),
                    self.deadline.as_secs()
                ),
                missing_permission: None,
            }),
        }
    }

    pub async fn audit_control(&self, selected: &Selected, target: &Connected) -> Outcome {
        let recommendation = &selected.recommendation;
        let exception =
            self.profile
                .exception_on(&recommendation.control_id, &target.identity.id, self.today);
        if let Some(exception) = exception.filter(|e| !e.expired(self.today)) {
            return Outcome::skipped(SkipReason::Excepted {
                reason: exception.reason.0.clone(),
                expires: exception.expires,
            });
        }
        let outcome = match selected.control {
            None => Outcome::skipped(SkipReason::NotImplemented),
            Some(control) if control.meta().assessment == Assessment::Manual => {
                Outcome::skipped(SkipReason::Manual)
            }
            Some(control) => {
                let outcome = match self.profile.parameters_for(control.meta().id) {
                    Ok(parameters) => {
                        control
                            .audit(target.target.as_ref(), parameters, &self.profile.version)
                            .await
                    }
                    Err(message) => Outcome::error(ErrorDetail {
                        code: "InvalidParameters".to_string(),
                        message,
                        missing_permission: None,
                    }),
                };
                if recommendation.assessment == Assessment::Manual {
                    outcome.with_note(format!(
                        "{} {} marks this recommendation manual; cisrun checks what it can \
                         automatically",
                        self.profile.benchmark, self.profile.version
                    ))
                } else {
                    outcome
                }
            }
        };
        // An expired exception is not honoured, but the report says it lapsed.
        match exception {
            Some(expired) => outcome.with_note(expired_note(expired)),
            None => outcome,
        }
    }

    /// Reaches a target, or reports every selected recommendation as an error for it: a
    /// target that cannot be reached does not stop the others.
    pub async fn connect(
        &self,
        session: &dyn DynSession,
        target: &TargetRef,
    ) -> Result<Connected, TargetReport> {
        session.connect(target).await.map_err(|error| {
            let noun = self.platform.target_noun();
            tracing::warn!(error = %error.message, target = %target.label(noun), "cannot reach the {noun}");
            self.unreachable(target, &error)
        })
    }

    /// Every selected control as an error: the target itself could not be reached. What
    /// nothing would have assessed (not implemented, manual) stays skipped.
    pub fn unreachable(&self, target: &TargetRef, detail: &ErrorDetail) -> TargetReport {
        let results = self
            .selected
            .iter()
            .map(|selected| {
                let outcome = match selected.control {
                    None => Outcome::skipped(SkipReason::NotImplemented),
                    Some(c) if c.meta().assessment == Assessment::Manual => {
                        Outcome::skipped(SkipReason::Manual)
                    }
                    Some(_) => Outcome::error(detail.clone()),
                };
                self.result(selected, outcome, Instant::now())
            })
            .collect();
        let identity = TargetIdentity {
            id: target.id.clone().unwrap_or_else(|| "unknown".to_string()),
            name: target.name.clone(),
            attributes: Default::default(),
        };
        self.report(&identity, results)
    }
}

fn expired_note(exception: &Exception) -> String {
    format!(
        "the profile's exception for this control expired on {} and is not honoured (reason given: {})",
        exception
            .expires
            .map(|d| d.to_string())
            .unwrap_or_default(),
        exception.reason.0
    )
}
