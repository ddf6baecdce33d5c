//! `cisrun audit`: resolve the targets, audit each account, report.

use std::time::Instant;

use anyhow::Result;
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_core::{AccountReport, Catalogue, RunInfo, RunReport};
use futures::stream::{self, StreamExt};

use crate::cli::AuditArgs;
use crate::commands::{selected_controls, write_reports};
use crate::engine::AuditPlan;
use crate::progress::Progress;
use crate::targets::{self, Connector, Target};
use crate::{console, shipped, EXIT_FINDINGS, EXIT_OK};

pub async fn run(catalogue: &Catalogue, args: AuditArgs) -> Result<u8> {
    let profile = shipped::load(&args.profile, catalogue)?;
    let controls = selected_controls(&profile, catalogue);
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    tracing::info!(profile = %profile.display_name(), controls = controls.len(), "starting audit");

    let plan = AuditPlan {
        profile: &profile,
        controls: &controls,
        today: started_at.date_naive(),
    };
    let config = load_config(AwsSettings::default()).await;
    let targets = targets::resolve(&config, &profile, args.partition).await?;
    tracing::info!(
        accounts = targets.len(),
        concurrency = args.concurrency,
        partition = ?args.partition.map(|p| p.to_string()),
        "targets resolved"
    );
    let connector = Connector::new(&config, &profile);
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
    let mut report = RunReport {
        run: RunInfo {
            tool: "cisrun".to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            profile: profile.display_name(),
            benchmark: profile.benchmark.clone(),
            version: profile.version.clone(),
            level: profile.level.number(),
            command: "audit".to_string(),
            started_at: started_at.to_rfc3339(),
            duration_seconds: clock.elapsed().as_secs_f64(),
            partition: args.partition.map(|p| p.to_string()),
        },
        accounts,
    };
    report.normalize();
    write_reports(&report, args.junit.as_deref(), args.json.as_deref())?;
    console::print_summary(&mut std::io::stdout().lock(), &report)?;
    Ok(if report.succeeded() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

/// Reaches one account and audits it; an account that cannot be reached gets an error result
/// for every control, and the other accounts carry on.
async fn audit_target(
    plan: &AuditPlan<'_>,
    connector: &Connector,
    target: &Target,
) -> AccountReport {
    match connector.connect(target).await {
        Ok(account) => plan.audit_account(&account).await,
        Err(error) => {
            tracing::warn!(%error, account = %target.label(), "cannot reach the account");
            plan.unreachable_account(
                target.account_id.as_deref().unwrap_or("unknown"),
                target.account_name.clone(),
                &error.to_detail(),
            )
        }
    }
}
