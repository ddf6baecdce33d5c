//! `cisrun audit`: resolve the targets, audit each account, report.

use std::time::Instant;

use anyhow::Result;
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_checks::AwsAccount;
use cisrun_core::{Catalogue, RunInfo, RunReport};

use crate::cli::AuditArgs;
use crate::commands::{selected_controls, write_reports};
use crate::engine::AuditPlan;
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
    let accounts = match AwsAccount::from_config(config).await {
        Ok(account) => vec![plan.audit_account(&account).await],
        Err(error) => {
            tracing::warn!(%error, "cannot identify the current account");
            vec![plan.unreachable_account("unknown", None, &error.to_detail())]
        }
    };
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
            partition: None,
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

