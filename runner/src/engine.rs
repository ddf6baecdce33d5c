//! Runs the selected recommendations on every target account and gathers a [`RunReport`].
//!
//! A profile selects recommendations of one benchmark version, implemented or not: one
//! without a compiled-in control is reported as skipped (not implemented), so a dashboard
//! never shows part of a benchmark as all of it.

use std::time::Instant;

use cisrun_checks::{AwsAccount, AwsControl};
use cisrun_core::profile::Exception;
use cisrun_core::{
    AccountReport, Assessment, Catalogue, ControlResult, ErrorDetail, Outcome, Profile,
    Recommendation, SkipReason,
};
use futures::future::join_all;

use crate::targets::{Connector, Target};

/// One recommendation a profile selects, and the control that implements it, if any.
#[derive(Clone)]
pub struct Selected {
    pub recommendation: Recommendation,
    pub control: Option<&'static AwsControl>,
}

/// The recommendations `profile` selects, in number order, with their controls.
pub fn select(profile: &Profile, catalogue: &Catalogue) -> Vec<Selected> {
    profile
        .selected(catalogue)
        .into_iter()
        .map(|recommendation| Selected {
            control: cisrun_checks::find(&recommendation.control_id),
            recommendation,
        })
        .collect()
}

/// What the engine needs to audit one account.
pub struct AuditPlan<'a> {
    pub profile: &'a Profile,
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

    /// Audits every selected recommendation on `account`, concurrently; shared data is
    /// fetched once.
    pub async fn audit_account(&self, account: &AwsAccount) -> AccountReport {
        let deadline = tokio::time::Instant::now() + self.deadline;
        let results = join_all(self.selected.iter().map(|selected| async move {
            let started = Instant::now();
            let outcome = self.audit_control_by(deadline, selected, account).await;
            self.result(selected, outcome, started)
        }))
        .await;
        AccountReport {
            account_id: account.account_id.clone(),
            account_name: account.account_name.clone(),
            results,
        }
    }

    /// [`AuditPlan::audit_control`], stopped at `deadline`: a control still running then is
    /// an error, so one hung listing cannot hold up the run.
    pub async fn audit_control_by(
        &self,
        deadline: tokio::time::Instant,
        selected: &Selected,
        account: &AwsAccount,
    ) -> Outcome {
        match tokio::time::timeout_at(deadline, self.audit_control(selected, account)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::error(ErrorDetail {
                code: "DeadlineExceeded".to_string(),
                message: format!(
                    "the audit of this target did not finish within --deadline {}s; the \
                     control was stopped",
                    self.deadline.as_secs()
                ),
                missing_permission: None,
            }),
        }
    }

    pub async fn audit_control(&self, selected: &Selected, account: &AwsAccount) -> Outcome {
        let recommendation = &selected.recommendation;
        let exception =
            self.profile
                .exception_on(&recommendation.control_id, &account.account_id, self.today);
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
                let outcome = control
                    .audit(account, &self.profile.parameters_for(control.meta().id))
                    .await;
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

    /// Reaches a target, or reports every selected recommendation as an error for it: an
    /// account that cannot be reached does not stop the others.
    pub async fn connect(
        &self,
        connector: &Connector,
        target: &Target,
    ) -> Result<AwsAccount, AccountReport> {
        connector.connect(target).await.map_err(|error| {
            tracing::warn!(%error, account = %target.label(), "cannot reach the account");
            self.unreachable_account(
                target.account_id.as_deref().unwrap_or("unknown"),
                target.account_name.clone(),
                &error.to_detail(),
            )
        })
    }

    /// Every selected control as an error: the account itself could not be reached. What
    /// nothing would have assessed (not implemented, manual) stays skipped.
    pub fn unreachable_account(
        &self,
        account_id: &str,
        account_name: Option<String>,
        detail: &ErrorDetail,
    ) -> AccountReport {
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
        AccountReport {
            account_id: account_id.to_string(),
            account_name,
            results,
        }
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
