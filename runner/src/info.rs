//! The commands that describe this build: `list`, `explain`, `profiles`, `coverage`, `schema`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::{bail, Context, Result};
use cisrun_core::{Assessment, Catalogue, ControlMeta, Coverage, DynControl, Profile};
use serde_json::json;

use crate::cli::{CoverageArgs, CoverageFormat, Format, ListFormat};
use crate::EXIT_OK;

/// Consecutive versions of one benchmark with the same number and level.
struct VersionRange {
    first: String,
    last: String,
    number: String,
    level: u8,
}

/// `cis-aws-foundations v1.3.0–v4.0.1 1.17 (L1), v5.0.0 1.16 (L1)`: consecutive versions of a
/// benchmark with the same number and level collapse.
pub fn numbers_summary(catalogue: &Catalogue, control_id: &str) -> String {
    let mut per_benchmark: Vec<(String, Vec<VersionRange>)> = Vec::new();
    for (benchmark, version, recommendation) in catalogue.recommendations_of(control_id) {
        if per_benchmark.last().map(|(b, _)| b.as_str()) != Some(benchmark.id.as_str()) {
            per_benchmark.push((benchmark.id.clone(), Vec::new()));
        }
        let Some((_, groups)) = per_benchmark.last_mut() else {
            continue;
        };
        let level = recommendation.level.number();
        match groups.last_mut() {
            Some(range) if range.number == recommendation.number && range.level == level => {
                range.last = version.version.clone();
            }
            _ => groups.push(VersionRange {
                first: version.version.clone(),
                last: version.version.clone(),
                number: recommendation.number.clone(),
                level,
            }),
        }
    }
    per_benchmark
        .iter()
        .map(|(benchmark, groups)| {
            let ranges: Vec<String> = groups
                .iter()
                .map(|r| {
                    if r.first == r.last {
                        format!("{} {} (L{})", r.first, r.number, r.level)
                    } else {
                        format!("{}–{} {} (L{})", r.first, r.last, r.number, r.level)
                    }
                })
                .collect();
            format!("{benchmark} {}", ranges.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn remediation_label(control: &dyn DynControl) -> &'static str {
    match control.fix().map(|r| r.safety()) {
        Some(cisrun_core::FixSafety::Safe) => "yes (safe)",
        Some(cisrun_core::FixSafety::Unsafe) => "yes (unsafe)",
        None => "no",
    }
}

fn assessment_label(meta: &ControlMeta) -> &'static str {
    match meta.assessment {
        Assessment::Automated => "automated",
        Assessment::Manual => "manual (documentation only)",
    }
}

/// The catalogue in Markdown: every control's metadata and its documentation, from the
/// same doc comment `cisrun explain` prints.
/// A control's documentation as users read it: its doc comment, with the permissions it
/// declares written into its `Audit` and `Remediation` sections.
fn documentation(control: &dyn DynControl) -> String {
    let meta = control.meta();
    meta.doc
        .with_permissions(meta.permissions, control.fix().map(|f| f.permissions()))
}

fn catalogue_markdown(catalogue: &Catalogue, controls: &[&'static dyn DynControl]) -> String {
    let mut out = String::new();
    for control in controls {
        let m = control.meta();
        let _ = write!(
            out,
            "### `{}`: {}\n\n| | |\n|---|---|\n| numbers | {} |\n| cisrun | {} |\n\
             | remediation | {} |\n| permissions | {} |\n\n",
            m.id,
            m.title,
            numbers_summary(catalogue, m.id),
            assessment_label(m),
            remediation_label(*control),
            if m.permissions.is_empty() {
                "none".to_string()
            } else {
                m.permissions
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        for line in documentation(*control).trim().lines() {
            // The control's `## Section` headings sit under the `###` control heading.
            match line.strip_prefix("## ") {
                Some(heading) => {
                    let _ = writeln!(out, "#### {heading}");
                }
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

pub fn list(catalogue: &Catalogue, format: ListFormat) -> Result<u8> {
    let controls = catalogue.controls();
    match format {
        ListFormat::Markdown => write!(
            crate::output::Printed,
            "{}",
            catalogue_markdown(catalogue, controls)
        )?,
        ListFormat::Json => {
            let rows: Vec<_> = controls
                .iter()
                .map(|c| {
                    let m = c.meta();
                    let mut numbers: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
                        BTreeMap::new();
                    for (b, v, r) in catalogue.recommendations_of(m.id) {
                        numbers.entry(b.id.clone()).or_default().insert(
                            v.version.clone(),
                            json!({
                                "number": r.number, "level": r.level.number(),
                                "assessment": r.assessment, "title": r.title,
                            }),
                        );
                    }
                    json!({
                        "id": m.id,
                        "title": m.title,
                        "assessment": m.assessment,
                        "automated": m.assessment == Assessment::Automated,
                        "numbers": numbers,
                        "platform": catalogue.platform_of(*c).map(|p| p.name()),
                        "remediation": c.fix().is_some(),
                        "fix_safety": c.fix().map(|r| r.safety()),
                        "permissions": m.permissions,
                        "parameters": c.parameter_schema().is_some(),
                    })
                })
                .collect();
            writeln!(
                crate::output::Printed,
                "{}",
                serde_json::to_string_pretty(&rows)?
            )?;
        }
        ListFormat::Table => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{:<40} {:<9} {:<12} TITLE / NUMBERS",
                "ID", "AUTOMATED", "REMEDIATION"
            );
            for c in controls {
                let m = c.meta();
                let automated = if m.assessment == Assessment::Automated {
                    "yes"
                } else {
                    "no"
                };
                let _ = writeln!(
                    out,
                    "{:<40} {:<9} {:<12} {}",
                    m.id,
                    automated,
                    remediation_label(*c),
                    m.title
                );
                let _ = writeln!(out, "{:<63} {}", "", numbers_summary(catalogue, m.id));
            }
            let _ = writeln!(
                out,
                "\n{} control(s) in {} benchmark(s)",
                controls.len(),
                catalogue.benchmarks().len()
            );
            write!(crate::output::Printed, "{out}")?;
        }
    }
    Ok(EXIT_OK)
}

pub fn explain(catalogue: &Catalogue, id: &str) -> Result<u8> {
    let control = catalogue.get(id).with_context(|| {
        let close: Vec<&str> = catalogue
            .controls()
            .iter()
            .map(|c| c.meta().id)
            .filter(|c| strsim::levenshtein(c, id) <= 3)
            .collect();
        if close.is_empty() {
            format!("unknown control `{id}`; `cisrun list` shows every control")
        } else {
            format!("unknown control `{id}`; did you mean {}?", close.join(", "))
        }
    })?;
    let meta = control.meta();
    writeln!(crate::output::Printed, "# {} — {}\n", meta.id, meta.title)?;
    writeln!(
        crate::output::Printed,
        "Numbers: {}",
        numbers_summary(catalogue, meta.id)
    )?;
    writeln!(
        crate::output::Printed,
        "cisrun: {}\n",
        assessment_label(meta)
    )?;
    writeln!(crate::output::Printed, "{}", documentation(control).trim())?;
    Ok(EXIT_OK)
}

pub fn profiles(catalogue: &Catalogue, format: Format) -> Result<u8> {
    let mut rows = Vec::new();
    for shipped in cisrun_core::registry::profiles() {
        let profile = Profile::parse(
            &format!("<shipped>/{}.yaml", shipped.name),
            shipped.yaml,
            catalogue,
        )
        .with_context(|| format!("shipped profile {} is invalid", shipped.name))?;
        let selected = profile.selected(catalogue);
        let implemented = selected
            .iter()
            .filter(|r| catalogue.coverage(r) != Coverage::NotImplemented)
            .count();
        rows.push((shipped, selected.len(), implemented, profile));
    }
    match format {
        Format::Json => {
            let json: Vec<_> = rows
                .iter()
                .map(|(shipped, count, implemented, p)| {
                    json!({
                        "name": shipped.name, "plugin": shipped.plugin,
                        "benchmark": p.benchmark, "version": p.version,
                        "level": p.level.number(), "recommendations": count,
                        "implemented": implemented, "description": p.description,
                    })
                })
                .collect();
            writeln!(
                crate::output::Printed,
                "{}",
                serde_json::to_string_pretty(&json)?
            )?;
        }
        Format::Table => {
            writeln!(
                crate::output::Printed,
                "{:<38} {:<20} {:<7} {:<5} RECOMMENDATIONS (IMPLEMENTED)",
                "NAME",
                "BENCHMARK",
                "VERSION",
                "LEVEL"
            )?;
            for (shipped, count, implemented, p) in &rows {
                writeln!(
                    crate::output::Printed,
                    "{:<38} {:<20} {:<7} {:<5} {count} ({implemented})",
                    shipped.name,
                    p.benchmark,
                    p.version,
                    p.level.number(),
                )?;
            }
        }
    }
    Ok(EXIT_OK)
}

/// One row of `cisrun coverage`.
#[derive(serde::Serialize)]
struct CoverageRow<'a> {
    number: &'a str,
    level: u8,
    /// What the benchmark says.
    assessment: Assessment,
    /// What this build does.
    coverage: Coverage,
    control_id: &'a str,
    title: &'a str,
}

#[derive(Default, serde::Serialize)]
struct CoverageTotals {
    total: usize,
    automated: usize,
    manual: usize,
    not_implemented: usize,
}

pub fn coverage(catalogue: &Catalogue, args: &CoverageArgs) -> Result<u8> {
    let mut versions = Vec::new();
    for benchmark in catalogue.benchmarks() {
        if args.benchmark.as_ref().is_some_and(|b| *b != benchmark.id) {
            continue;
        }
        for version in &benchmark.versions {
            if args.version.as_ref().is_some_and(|v| *v != version.version) {
                continue;
            }
            let mut totals = CoverageTotals::default();
            let rows: Vec<CoverageRow> = version
                .recommendations
                .iter()
                .map(|r| {
                    let coverage = catalogue.coverage(r);
                    totals.total += 1;
                    match coverage {
                        Coverage::Automated => totals.automated += 1,
                        Coverage::Manual => totals.manual += 1,
                        Coverage::NotImplemented => totals.not_implemented += 1,
                    }
                    CoverageRow {
                        number: &r.number,
                        level: r.level.number(),
                        assessment: r.assessment,
                        coverage,
                        control_id: &r.control_id,
                        title: &r.title,
                    }
                })
                .collect();
            versions.push((benchmark, version, totals, rows));
        }
    }
    if versions.is_empty() {
        bail!(
            "no benchmark version matches{}{}; `cisrun coverage` lists them all",
            args.benchmark
                .as_ref()
                .map(|b| format!(" --benchmark {b}"))
                .unwrap_or_default(),
            args.version
                .as_ref()
                .map(|v| format!(" --version {v}"))
                .unwrap_or_default()
        );
    }
    let mut out = String::new();
    match args.format {
        CoverageFormat::Json => {
            let json: Vec<_> = versions
                .iter()
                .map(|(b, v, totals, rows)| {
                    json!({
                        "benchmark": b.id, "version": v.version, "partial": v.partial,
                        "totals": totals, "recommendations": rows,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&json)?;
            out.push('\n');
        }
        CoverageFormat::Markdown => {
            out.push_str(
                "| benchmark | version | recommendations | automated | manual | not implemented |\n\
                 |---|---|---|---|---|---|\n",
            );
            for (b, v, t, _) in &versions {
                let partial = if v.partial { " (partial table)" } else { "" };
                let _ = writeln!(
                    out,
                    "| {} | {}{partial} | {} | {} | {} | {} |",
                    b.id, v.version, t.total, t.automated, t.manual, t.not_implemented
                );
            }
            for (b, v, _, rows) in &versions {
                let _ = write!(
                    out,
                    "\n<details><summary>{} {}</summary>\n\n\
                     | number | level | benchmark says | cisrun | control | title |\n\
                     |---|---|---|---|---|---|\n",
                    b.id, v.version
                );
                for row in rows {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | `{}` | {} |",
                        row.number,
                        row.level,
                        assessment_word(row.assessment),
                        row.coverage.as_str(),
                        row.control_id,
                        row.title.replace('|', "\\|")
                    );
                }
                out.push_str("\n</details>\n");
            }
        }
        CoverageFormat::Table => {
            for (b, v, t, rows) in &versions {
                let partial = if v.partial { ", partial table" } else { "" };
                let _ = writeln!(out, "{} {}{partial}", b.id, v.version);
                for row in rows {
                    let _ = writeln!(
                        out,
                        "  {:<8} L{}  {:<9} {:<15} {}",
                        row.number,
                        row.level,
                        assessment_word(row.assessment),
                        row.coverage.as_str(),
                        row.control_id
                    );
                }
                let _ = writeln!(
                    out,
                    "  {} recommendation(s): {} automated, {} manual, {} not implemented\n",
                    t.total, t.automated, t.manual, t.not_implemented
                );
            }
        }
    }
    write!(crate::output::Printed, "{out}")?;
    Ok(EXIT_OK)
}

fn assessment_word(assessment: Assessment) -> &'static str {
    match assessment {
        Assessment::Automated => "automated",
        Assessment::Manual => "manual",
    }
}

pub fn schema(catalogue: &Catalogue) -> Result<u8> {
    writeln!(
        crate::output::Printed,
        "{}",
        serde_json::to_string_pretty(&catalogue.profile_schema())?
    )?;
    Ok(EXIT_OK)
}
