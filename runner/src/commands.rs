//! One function per subcommand.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use cisrun_checks::aws::{load_config, AwsSettings};
use cisrun_checks::{AwsAccount, AwsControl};
use cisrun_core::report::write_atomically;
use cisrun_core::{Catalogue, ControlMeta, Profile, RunInfo, RunReport};
use serde_json::json;

use crate::cli::{AuditArgs, Command, Format};
use crate::engine::AuditPlan;
use crate::{console, shipped, EXIT_FINDINGS, EXIT_OK};

pub async fn run(command: Command) -> Result<u8> {
    let catalogue =
        cisrun_checks::catalogue().context("the compiled-in controls are inconsistent")?;
    match command {
        Command::List { format } => list(&catalogue, format),
        Command::Explain { control } => explain(&catalogue, &control),
        Command::Profiles { format } => profiles(&catalogue, format),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&cisrun_core::profile::json_schema())?
            );
            Ok(EXIT_OK)
        }
        Command::Audit(args) => audit(&catalogue, args).await,
    }
}

/// `v1.3.0–v4.0.1 1.17` style ranges: consecutive versions with the same number collapse.
fn numbers_summary(meta: &ControlMeta) -> String {
    let mut groups: Vec<(&str, &str, &str)> = Vec::new();
    for n in meta.numbers {
        match groups.last_mut() {
            Some((_, last, number)) if *number == n.number => *last = n.version,
            _ => groups.push((n.version, n.version, n.number)),
        }
    }
    groups
        .iter()
        .map(|(first, last, number)| {
            if first == last {
                format!("{first} {number}")
            } else {
                format!("{first}–{last} {number}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(catalogue: &Catalogue, format: Format) -> Result<u8> {
    let controls = cisrun_checks::controls();
    match format {
        Format::Json => {
            let rows: Vec<_> = controls
                .iter()
                .map(|c| {
                    let m = c.meta();
                    json!({
                        "id": m.id,
                        "title": m.title,
                        "benchmark": m.benchmark,
                        "level": m.level.number(),
                        "assessment": m.assessment,
                        "automated": m.assessment == cisrun_core::Assessment::Automated,
                        "numbers": m.numbers.iter().map(|n| (n.version, n.number)).collect::<std::collections::BTreeMap<_, _>>(),
                        "remediation": c.remediation().is_some(),
                        "fix_safety": c.remediation().map(|r| r.safety()),
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<24} {:<5} {:<9} {:<11} NUMBERS / TITLE",
                "ID", "LEVEL", "AUTOMATED", "REMEDIATION"
            )?;
            for c in &controls {
                let m = c.meta();
                let remediation = match c.remediation().map(|r| r.safety()) {
                    Some(cisrun_core::FixSafety::Safe) => "yes (safe)",
                    Some(cisrun_core::FixSafety::Unsafe) => "yes (unsafe)",
                    None => "no",
                };
                let automated = if m.assessment == cisrun_core::Assessment::Automated {
                    "yes"
                } else {
                    "no"
                };
                writeln!(
                    out,
                    "{:<24} {:<5} {:<9} {:<11} {}",
                    m.id,
                    m.level.number(),
                    automated,
                    remediation,
                    numbers_summary(m)
                )?;
                writeln!(out, "{:<53} {}", "", m.title)?;
            }
            writeln!(
                out,
                "\n{} control(s) in {} benchmark(s)",
                controls.len(),
                catalogue.benchmarks().len()
            )?;
        }
    }
    Ok(EXIT_OK)
}

fn explain(catalogue: &Catalogue, id: &str) -> Result<u8> {
    let meta = catalogue.get(id).with_context(|| {
        let ids: Vec<&str> = catalogue.controls().iter().map(|c| c.id).collect();
        format!("unknown control `{id}`; known: {}", ids.join(", "))
    })?;
    println!("# {} — {}\n", meta.id, meta.title);
    println!("Benchmark: {} ({})", meta.benchmark, numbers_summary(meta));
    println!(
        "Profile: {}; assessment: {:?}\n",
        meta.level, meta.assessment
    );
    println!("{}", meta.doc.text().trim());
    Ok(EXIT_OK)
}

fn profiles(catalogue: &Catalogue, format: Format) -> Result<u8> {
    let mut rows = Vec::new();
    for (stem, text) in shipped::SHIPPED {
        let profile = Profile::parse(&format!("<shipped>/{stem}.yaml"), text, catalogue)
            .with_context(|| format!("shipped profile {stem} is invalid"))?;
        rows.push((stem, profile.selected(catalogue).len(), profile));
    }
    match format {
        Format::Json => {
            let json: Vec<_> = rows
                .iter()
                .map(|(stem, count, p)| {
                    json!({
                        "name": stem, "benchmark": p.benchmark, "version": p.version,
                        "level": p.level.number(), "controls": count, "description": p.description,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Format::Table => {
            println!(
                "{:<38} {:<20} {:<7} {:<5} CONTROLS",
                "NAME", "BENCHMARK", "VERSION", "LEVEL"
            );
            for (stem, count, p) in &rows {
                println!(
                    "{:<38} {:<20} {:<7} {:<5} {}",
                    stem,
                    p.benchmark,
                    p.version,
                    p.level.number(),
                    count
                );
            }
        }
    }
    Ok(EXIT_OK)
}

/// The registered controls a profile selects, in CIS-number order.
fn selected_controls(profile: &Profile, catalogue: &Catalogue) -> Vec<&'static AwsControl> {
    profile
        .selected(catalogue)
        .iter()
        .filter_map(|meta| cisrun_checks::find(meta.id))
        .collect()
}

async fn audit(catalogue: &Catalogue, args: AuditArgs) -> Result<u8> {
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

fn write_reports(
    report: &RunReport,
    junit: Option<&std::path::Path>,
    json: Option<&std::path::Path>,
) -> Result<()> {
    if let Some(path) = junit {
        write_atomically(path, &report.to_junit()?)?;
        tracing::info!(path = %path.display(), "wrote JUnit report");
    }
    if let Some(path) = json {
        write_atomically(path, report.to_json().as_bytes())?;
        tracing::info!(path = %path.display(), "wrote JSON report");
    }
    Ok(())
}
