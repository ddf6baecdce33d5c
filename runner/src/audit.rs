//! `cisrun audit`: resolve the targets, audit each account, report.

use std::time::Instant;

use anyhow::Result;
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_core::{Catalogue, RunInfo, RunReport};

use crate::cli::AuditArgs;
use crate::commands::{selected_controls, write_reports};
use crate::engine::AuditPlan;
use crate::targets;
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
    let mut accounts = Vec::with_capacity(targets.len());
    for target in &targets {
        accounts.push(match targets::connect(&config, &profile, target).await {
            Ok(account) => plan.audit_account(&account).await,
            Err(error) => {
                tracing::warn!(%error, account = ?target.account_id, "cannot reach the account");
                plan.unreachable_account(
                    target.account_id.as_deref().unwrap_or("unknown"),
                    target.account_name.clone(),
                    &error.to_detail(),
                )
            }
        });
    }
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
