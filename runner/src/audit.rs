//! `cisrun audit`: find the targets, audit each one, report.

use std::time::Instant;

use anyhow::{Context, Result};
use cisrun_core::platform::DynSession;
use cisrun_core::{Catalogue, RunInfo, RunReport, TargetRef, TargetReport};
use futures::stream::{self, StreamExt};

use crate::cli::{AuditArgs, FailOnArg};
use crate::engine::{self, AuditPlan};
use crate::output::finish_run;
use crate::progress::Progress;
use crate::shipped;

pub async fn run(catalogue: &Catalogue, args: AuditArgs) -> Result<u8> {
    let profile = shipped::load(&args.profile, catalogue)?;
    let platform = crate::platform_of(&profile, catalogue)?;
    let outputs = args.reports.prepare(catalogue, FailOnArg::All)?;
    let selected = engine::select(&profile, catalogue);
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    outputs.check_run(&RunInfo::for_profile(
        &profile,
        "audit",
        started_at,
        Default::default(),
        None,
    ))?;
    tracing::info!(profile = %profile.display_name(), platform = platform.name(), recommendations = selected.len(), "starting audit");

    let plan = AuditPlan {
        profile: &profile,
        platform,
        selected: &selected,
        today: started_at.date_naive(),
        deadline: args.limits.deadline,
    };
    let session = platform
        .open(&profile, args.limits.run_limits())
        .await
        .context("cannot start the run")?;
    let targets = crate::partitioned(
        session.targets().await.context("cannot list the targets")?,
        args.partition,
    );
    tracing::info!(
        targets = targets.len(),
        concurrency = args.concurrency,
        partition = ?args.partition.map(|p| p.to_string()),
        "targets resolved"
    );
    let mut progress = Progress::new(targets.len(), platform.target_noun());
    let mut reports = Vec::with_capacity(targets.len());
    let mut done = stream::iter(&targets)
        .map(|target| audit_target(&plan, session.as_ref(), target))
        .buffer_unordered(usize::from(args.concurrency));
    while let Some(report) = done.next().await {
        progress.finished(&report);
        reports.push(report);
    }
    drop(done);
    progress.finish();
    if let Some(requests) = platform.requests_sent() {
        tracing::info!(requests, targets = reports.len(), "requests sent");
    }
    let report = RunReport {
        run: RunInfo::for_profile(
            &profile,
            "audit",
            started_at,
            clock.elapsed(),
            args.partition.map(|p| p.to_string()),
        ),
        targets: reports,
        baseline: None,
    };
    finish_run(report, &outputs)
}

/// Reaches one target and audits it.
async fn audit_target(
    plan: &AuditPlan<'_>,
    session: &dyn DynSession,
    target: &TargetRef,
) -> TargetReport {
    match plan.connect(session, target).await {
        Ok(connected) => plan.audit_target(session, &connected).await,
        Err(unreachable) => unreachable,
    }
}
