//! `cisrun audit`: resolve the targets, audit each account, report.

use std::time::Instant;

use anyhow::Result;
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_core::{AccountReport, Catalogue, RunInfo, RunReport};
use futures::stream::{self, StreamExt};

use crate::cli::{AuditArgs, FailOnArg};
use crate::engine::{self, AuditPlan};
use crate::output::finish_run;
use crate::progress::Progress;
use crate::shipped;
use crate::targets::{self, Connector, Target};

pub async fn run(catalogue: &Catalogue, args: AuditArgs) -> Result<u8> {
    let profile = shipped::load(&args.profile, catalogue)?;
    let outputs = args.reports.prepare(FailOnArg::All)?;
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
    tracing::info!(profile = %profile.display_name(), recommendations = selected.len(), "starting audit");

    let plan = AuditPlan {
        profile: &profile,
        selected: &selected,
        today: started_at.date_naive(),
        deadline: args.limits.deadline,
    };
    let config = load_config(AwsSettings::default()).await;
    let max_pages = usize::try_from(args.limits.max_pages).unwrap_or(usize::MAX);
    let targets = targets::resolve(&config, &profile, args.partition, max_pages).await?;
    tracing::info!(
        accounts = targets.len(),
        concurrency = args.concurrency,
        partition = ?args.partition.map(|p| p.to_string()),
        "targets resolved"
    );
    let connector = Connector::new(&config, &profile).with_limits(&args.limits);
    let mut progress = Progress::new(targets.len());
    let mut accounts = Vec::with_capacity(targets.len());
    let mut done = stream::iter(&targets)
        .map(|target| audit_target(&plan, &connector, target))
        .buffer_unordered(usize::from(args.concurrency));
    while let Some(account) = done.next().await {
        progress.finished(&account);
        accounts.push(account);
    }
    drop(done);
    progress.finish();
    tracing::info!(
        requests = cisrun_checks::aws::requests_sent(),
        accounts = accounts.len(),
        "AWS requests sent"
    );
    let report = RunReport {
        run: RunInfo::for_profile(
            &profile,
            "audit",
            started_at,
            clock.elapsed(),
            args.partition.map(|p| p.to_string()),
        ),
        accounts,
        baseline: None,
    };
    finish_run(report, &outputs)
}

/// Reaches one account and audits it.
async fn audit_target(
    plan: &AuditPlan<'_>,
    connector: &Connector,
    target: &Target,
) -> AccountReport {
    match plan.connect(connector, target).await {
        Ok(account) => plan.audit_account(&account).await,
        Err(unreachable) => unreachable,
    }
}
