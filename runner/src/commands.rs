//! One function per subcommand.

use std::io::Write;

use anyhow::{Context, Result};
use cisrun_checks::AwsControl;
use cisrun_core::report::write_atomically;
use cisrun_core::{Catalogue, ControlMeta, Profile, RunReport};
use serde_json::json;

use crate::cli::{Command, Format, ListFormat};
use crate::{shipped, EXIT_OK};

pub async fn run(command: Command) -> Result<u8> {
    let catalogue =
        cisrun_checks::catalogue().context("the compiled-in controls are inconsistent")?;
    // inventory registrations vanish if the linker drops the checks crate: fail loudly.
    anyhow::ensure!(
        !catalogue.controls().is_empty(),
        "no controls are compiled into this cisrun (was the checks crate linked?)"
    );
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
        Command::Audit(args) => crate::audit::run(&catalogue, args).await,
        Command::Remediate(args) => crate::remediate::run(&catalogue, args).await,
        Command::Rollback(args) => crate::remediate::rollback(&catalogue, args).await,
        Command::Merge(args) => crate::merge::run(args),
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

fn remediation_label(control: &AwsControl) -> &'static str {
    match control.remediation().map(|r| r.safety()) {
        Some(cisrun_core::FixSafety::Safe) => "yes (safe)",
        Some(cisrun_core::FixSafety::Unsafe) => "yes (unsafe)",
        None => "no",
    }
}

/// The catalogue in Markdown: every control's metadata and its documentation, from the
/// same doc comment `cisrun explain` prints.
fn catalogue_markdown(controls: &[&'static AwsControl]) -> String {
    let mut out = String::new();
    for control in controls {
        let m = control.meta();
        out.push_str(&format!(
            "### `{}`: {}

",
            m.id, m.title
        ));
        out.push_str(
            "| | |
|---|---|
",
        );
        out.push_str(&format!(
            "| benchmark | {} |
",
            m.benchmark
        ));
        out.push_str(&format!(
            "| numbers | {} |
",
            numbers_summary(m)
        ));
        out.push_str(&format!(
            "| level | {} |
",
            m.level.number()
        ));
        out.push_str(
            &format!(
                "| assessment | {:?} |
",
                m.assessment
            )
            .to_lowercase(),
        );
        out.push_str(&format!(
            "| remediation | {} |

",
            remediation_label(*control)
        ));
        for line in m.doc.text().trim().lines() {
            // The control's `## Section` headings sit under the `###` control heading.
            match line.strip_prefix("## ") {
                Some(heading) => out.push_str(&format!("#### {heading}\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        out.push('\n');
    }
    out
}

fn list(catalogue: &Catalogue, format: ListFormat) -> Result<u8> {
    let controls = cisrun_checks::controls();
    match format {
        ListFormat::Markdown => print!("{}", catalogue_markdown(&controls)),
        ListFormat::Json => {
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
        ListFormat::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:<24} {:<5} {:<9} {:<11} NUMBERS / TITLE",
                "ID", "LEVEL", "AUTOMATED", "REMEDIATION"
            )?;
            for c in &controls {
                let m = c.meta();
                let remediation = remediation_label(*c);
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
pub fn selected_controls(profile: &Profile, catalogue: &Catalogue) -> Vec<&'static AwsControl> {
    profile
        .selected(catalogue)
        .iter()
        .filter_map(|meta| cisrun_checks::find(meta.id))
        .collect()
}

/// Ends a run: stable order, reports written, summary printed; returns the exit code.
pub fn finish_run(
    mut report: RunReport,
    junit: Option<&std::path::Path>,
    json: Option<&std::path::Path>,
    json_to_stdout: bool,
) -> Result<u8> {
    report.normalize();
    write_reports(&report, junit, json)?;
    if json_to_stdout {
        println!("{}", report.to_json());
    } else {
        crate::console::print_summary(&mut std::io::stdout().lock(), &report)?;
    }
    Ok(if report.succeeded() {
        EXIT_OK
    } else {
        crate::EXIT_FINDINGS
    })
}

pub fn write_reports(
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
