//! Runs the selected controls on every target account and gathers a [`RunReport`].

use std::time::Instant;

use cisrun_checks::{AwsAccount, AwsControl};
use cisrun_core::profile::Exception;
use cisrun_core::{
    AccountReport, Assessment, ControlResult, ErrorDetail, Outcome, Profile, SkipReason,
};
use futures::future::join_all;

use crate::targets::{Connector, Target};

/// What the engine needs to audit one account.
pub struct AuditPlan<'a> {
    pub profile: &'a Profile,
    pub controls: &'a [&'static AwsControl],
    /// Exceptions expire after this day.
    pub today: chrono::NaiveDate,
}

impl AuditPlan<'_> {
    pub fn result(
        &self,
        control: &AwsControl,
        outcome: Outcome,
        started: Instant,
    ) -> ControlResult {
        let meta = control.meta();
        ControlResult {
            control_id: meta.id.to_string(),
            number: meta
                .number_in(&self.profile.version)
                .unwrap_or("")
                .to_string(),
            title: meta.title.to_string(),
            level: meta.level.number(),
            outcome,
            duration_seconds: started.elapsed().as_secs_f64(),
            plan: None,
        }
    }

    /// Audits every selected control on `account`, concurrently; shared data is fetched once.
    pub async fn audit_account(&self, account: &AwsAccount) -> AccountReport {
        let results = join_all(self.controls.iter().map(|control| async move {
            let started = Instant::now();
            let outcome = self.audit_control(*control, account).await;
            self.result(*control, outcome, started)
        }))
        .await;
        AccountReport {
            account_id: account.account_id.clone(),
            account_name: account.account_name.clone(),
            results,
        }
    }

    pub async fn audit_control(&self, control: &AwsControl, account: &AwsAccount) -> Outcome {
        let meta = control.meta();
        let exception = self
            .profile
            .exception_on(meta.id, &account.account_id, self.today);
        if let Some(exception) = exception.filter(|e| !e.expired(self.today)) {
            return Outcome::skipped(SkipReason::Excepted {
                reason: exception.reason.0.clone(),
                expires: exception.expires,
            });
        }
        let outcome = if meta.assessment == Assessment::Manual {
            Outcome::skipped(SkipReason::Manual)
        } else {
            control
                .audit(account, &self.profile.parameters_for(meta.id))
                .await
        };
        // An expired exception is not honoured, but the report says it lapsed.
        match exception {
            Some(expired) => outcome.with_note(expired_note(expired)),
            None => outcome,
        }
    }

    /// Reaches a target, or reports every selected control as an error for it: an account
    /// that cannot be reached does not stop the others.
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

    /// Every selected control as an error: the account itself could not be reached.
    pub fn unreachable_account(
        &self,
        account_id: &str,
        account_name: Option<String>,
        detail: &ErrorDetail,
    ) -> AccountReport {
        let results = self
            .controls
            .iter()
            .map(|control| self.result(*control, Outcome::error(detail.clone()), Instant::now()))
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
