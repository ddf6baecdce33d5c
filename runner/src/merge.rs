//! `cisrun merge`: join partial reports from partitioned CI jobs.
//!
//! JSON inputs merge losslessly into one [`RunReport`] (written as JSON and/or JUnit), the
//! same report a single run over every account gives, timestamps and durations aside.
//! JUnit inputs merge into JUnit: cisrun's suites (one per account) are copied verbatim,
//! in account order, renumbered. Reports of different profiles, benchmark versions or
//! levels, the same account twice, or partitions of different splits are refused (exit 2).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use cisrun_core::partition::Partition;
use cisrun_core::report::read_json_report;
use cisrun_core::{RunInfo, RunReport};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use crate::cli::{FailOnArg, MergeArgs};
use crate::output::{emit, finish_run};
use crate::{EXIT_FINDINGS, EXIT_OK};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Json,
    Junit,
}

fn kind_of(path: &Path) -> Result<Kind> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match text.trim_start().chars().next() {
        Some('{') => Ok(Kind::Json),
        Some('<') => Ok(Kind::Junit),
        _ => bail!(
            "{} is neither a cisrun JSON report nor a JUnit XML report",
            path.display()
        ),
    }
}

pub fn run(catalogue: &cisrun_core::Catalogue, args: MergeArgs) -> Result<u8> {
    let outputs = args.reports.prepare(catalogue, FailOnArg::All)?;
    let mut kinds = BTreeSet::new();
    for input in &args.inputs {
        kinds.insert(kind_of(input)?);
    }
    ensure!(
        kinds.len() == 1,
        "cannot merge JSON reports with JUnit reports: give one kind"
    );
    if kinds.contains(&Kind::Json) {
        let mut reports = Vec::with_capacity(args.inputs.len());
        for input in &args.inputs {
            reports.push((input.clone(), read_json_report(input)?));
        }
        let report = merge_reports(reports)?;
        finish_run(report, &outputs)
    } else {
        let reports = outputs.args();
        let json_only: Vec<String> = reports
            .outputs
            .iter()
            .filter(|(name, _)| *name != "junit")
            .map(|(name, _)| format!("--{name}"))
            .chain(outputs.has_baseline().then(|| "--baseline".to_string()))
            .collect();
        if let Some(option) = json_only.first() {
            bail!(
                "{option} needs JSON inputs: JUnit reports do not carry everything a JSON \
                 report holds"
            );
        }
        let mut inputs = Vec::with_capacity(args.inputs.len());
        for input in &args.inputs {
            let text = std::fs::read_to_string(input)
                .with_context(|| format!("cannot read {}", input.display()))?;
            inputs.push((input.clone(), text));
        }
        let merged = merge_junit(&inputs)?;
        if let Some(path) = reports.path_of("junit") {
            emit(path, merged.xml.as_bytes(), "JUnit report")?;
        }
        let line = format!(
            "cisrun merge: {} {}(s), {} test(s): {} failure(s), {} error(s)",
            merged.suites,
            crate::target_noun(catalogue),
            merged.tests,
            merged.failures,
            merged.errors
        );
        if outputs.stdout_taken() {
            eprintln!("{line}");
        } else {
            writeln!(crate::output::Printed, "{line}")?;
        }
        // merge reads no baseline labels from JUnit: `new` counts every finding, as without
        // --baseline.
        let counted = match args.reports.fail_on.unwrap_or(FailOnArg::All) {
            FailOnArg::All | FailOnArg::New => merged.failures + merged.errors,
            FailOnArg::Failures => merged.failures,
            FailOnArg::None => 0,
        };
        Ok(if counted == 0 { EXIT_OK } else { EXIT_FINDINGS })
    }
}

/// What must match between reports for them to be parts of one run.
fn run_key(run: &RunInfo) -> (&str, &str, &str, &str, u8, &str) {
    (
        &run.tool,
        &run.profile,
        &run.benchmark,
        &run.version,
        run.level,
        &run.command,
    )
}

/// Joins JSON reports; refuses mismatched runs and duplicate accounts.
pub fn merge_reports(reports: Vec<(PathBuf, RunReport)>) -> Result<RunReport> {
    let Some((first_path, first)) = reports.first() else {
        bail!("nothing to merge");
    };
    let mut run = first.run.clone();
    let mut owner: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut partitions: Vec<Partition> = Vec::new();
    let mut accounts = Vec::new();
    for (path, report) in &reports {
        if run_key(&report.run) != run_key(&first.run) {
            bail!(
                "{} and {} are reports of different runs ({} {} {} Level {} `{}` vs {} {} {} Level {} `{}`): refusing to merge",
                first_path.display(),
                path.display(),
                first.run.profile,
                first.run.benchmark,
                first.run.version,
                first.run.level,
                first.run.command,
                report.run.profile,
                report.run.benchmark,
                report.run.version,
                report.run.level,
                report.run.command,
            );
        }
        if report.run.tool_version != first.run.tool_version {
            tracing::warn!(
                first = %first.run.tool_version,
                other = %report.run.tool_version,
                path = %path.display(),
                "merging reports of different cisrun versions"
            );
        }
        if let Some(text) = &report.run.partition {
            let partition: Partition = text
                .parse()
                .map_err(|e: String| anyhow::anyhow!("{}: {e}", path.display()))?;
            partitions.push(partition);
        }
        if report.run.started_at < run.started_at {
            run.started_at = report.run.started_at.clone();
        }
        run.duration_seconds = run.duration_seconds.max(report.run.duration_seconds);
    }
    check_partitions(&partitions)?;
    for (path, report) in &reports {
        for account in &report.targets {
            if let Some(other) = owner.insert(account.id.clone(), path.clone()) {
                bail!(
                    "account {} appears twice ({} and {}): refusing to merge",
                    account.id,
                    other.display(),
                    path.display()
                );
            }
            accounts.push(account.clone());
        }
    }
    run.partition = None;
    // Parts labelled against one baseline keep their labels; a mix loses them.
    let parts: Vec<_> = reports.iter().map(|(_, r)| r.baseline.as_ref()).collect();
    let comparison = cisrun_core::baseline::combine(&parts);
    let mut merged = RunReport {
        run,
        targets: accounts,
        baseline: None,
    };
    match comparison {
        Some(c) => merged.baseline = Some(c),
        None => cisrun_core::baseline::strip(&mut merged),
    }
    merged.normalize();
    Ok(merged)
}

/// Partitions must come from one split; a missing share is worth a warning.
fn check_partitions(partitions: &[Partition]) -> Result<()> {
    let counts: BTreeSet<usize> = partitions.iter().map(|p| p.count).collect();
    ensure!(
        counts.len() <= 1,
        "the reports come from different splits ({}): refusing to merge",
        partitions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(&count) = counts.iter().next() {
        let mut seen = BTreeSet::new();
        for p in partitions {
            ensure!(
                seen.insert(p.index),
                "partition {p} is given twice: refusing to merge"
            );
        }
        let missing: Vec<String> = (1..=count)
            .filter(|i| !seen.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        if !missing.is_empty() {
            tracing::warn!(missing = %missing.join(", "), "some partitions are missing: the merged report is incomplete");
            eprintln!(
                "warning: partition(s) {} missing: the merged report is incomplete",
                missing.join(", ")
            );
        }
    }
    Ok(())
}

/// A merged JUnit document and its counts.
#[derive(Debug)]
pub struct MergedJunit {
    pub xml: String,
    pub suites: usize,
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
}

/// One `<testsuite>` as written: the start tag's attributes and the rest verbatim.
struct Suite {
    account_id: String,
    attributes: Vec<(String, String)>,
    /// Everything after the start tag, up to and including `</testsuite>`; empty for `<testsuite/>`.
    rest: String,
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
    Ok(match start.try_get_attribute(name)? {
        Some(attr) => Some(attr.normalized_value(XmlVersion::Implicit1_0)?.into_owned()),
        None => None,
    })
}

fn read_suites(path: &Path, text: &str) -> Result<Vec<Suite>> {
    let not_junit = || {
        format!(
            "{} is not a JUnit report: expected a <testsuites> root",
            path.display()
        )
    };
    let mut reader = Reader::from_str(text);
    let mut suites = Vec::new();
    let mut open: Option<Suite> = None;
    // 0: outside the root; 1: inside <testsuites>; 2+: inside a <testsuite>.
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut rest_from = 0usize;
    loop {
        let event = reader
            .read_event()
            .with_context(|| format!("{} is not well-formed XML", path.display()))?;
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match (depth, event) {
            (_, Event::Eof) => break,
            (0, Event::Start(e)) if !root_seen && e.name().as_ref() == b"testsuites" => {
                root_seen = true;
                depth = 1;
            }
            (0, Event::Empty(e)) if !root_seen && e.name().as_ref() == b"testsuites" => {
                root_seen = true;
            }
            (0 | 1, Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
            (0 | 1, Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
            (0, _) => bail!(not_junit()),
            (1, Event::Start(e)) if e.name().as_ref() == b"testsuite" => {
                open = Some(suite_head(path, &e)?);
                rest_from = after;
                depth = 2;
            }
            (1, Event::Empty(e)) if e.name().as_ref() == b"testsuite" => {
                suites.push(suite_head(path, &e)?);
            }
            (1, Event::End(_)) => depth = 0,
            (1, _) => bail!(
                "{}: unexpected content inside <testsuites> before byte {after}",
                path.display()
            ),
            (_, Event::Start(_)) => depth += 1,
            (_, Event::End(_)) => {
                depth -= 1;
                if depth == 1 {
                    if let Some(mut suite) = open.take() {
                        suite.rest = text.get(rest_from..after).unwrap_or_default().to_string();
                        suites.push(suite);
                    }
                }
            }
            _ => {}
        }
    }
    ensure!(root_seen, not_junit());
    ensure!(depth == 0, "{} ends inside <testsuites>", path.display());
    Ok(suites)
}

fn suite_head(path: &Path, start: &BytesStart<'_>) -> Result<Suite> {
    let name = attribute(start, "name")?
        .with_context(|| format!("{}: a <testsuite> has no name", path.display()))?;
    // cisrun names suites `<target id>` or `<target id> (<target name>)`, in package
    // `cisrun/<profile>`.
    let account_id = name
        .split_once(" (")
        .map_or(name.as_str(), |(id, _)| id)
        .to_string();
    let package = attribute(start, "package")?.unwrap_or_default();
    ensure!(
        !account_id.is_empty() && package.starts_with("cisrun/"),
        "{}: testsuite `{name}` is not a cisrun target suite",
        path.display()
    );
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.with_context(|| format!("{}: bad attribute", path.display()))?;
        attributes.push((
            String::from_utf8_lossy(attr.key.as_ref()).into_owned(),
            attr.normalized_value(XmlVersion::Implicit1_0)?.into_owned(),
        ));
    }
    Ok(Suite {
        account_id,
        attributes,
        rest: String::new(),
    })
}

fn number(suite: &Suite, name: &str) -> usize {
    suite
        .attributes
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn package(suite: &Suite) -> &str {
    suite
        .attributes
        .iter()
        .find(|(k, _)| k == "package")
        .map_or("", |(_, v)| v.as_str())
}

/// Joins cisrun JUnit reports: suites in account order, renumbered.
pub fn merge_junit(inputs: &[(PathBuf, String)]) -> Result<MergedJunit> {
    let mut by_account: BTreeMap<String, (PathBuf, Suite)> = BTreeMap::new();
    let mut first_package: Option<(PathBuf, String)> = None;
    for (path, text) in inputs {
        for suite in read_suites(path, text)? {
            let pkg = package(&suite).to_string();
            match &first_package {
                None => first_package = Some((path.clone(), pkg)),
                Some((first, p)) if *p != pkg => bail!(
                    "{} and {} are reports of different profiles (`{p}` vs `{pkg}`): refusing to merge",
                    first.display(),
                    path.display()
                ),
                Some(_) => {}
            }
            if let Some((other, _)) = by_account.get(&suite.account_id) {
                bail!(
                    "account {} appears twice ({} and {}): refusing to merge",
                    suite.account_id,
                    other.display(),
                    path.display()
                );
            }
            by_account.insert(suite.account_id.clone(), (path.clone(), suite));
        }
    }
    let mut writer = Writer::new(Vec::new());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    let suites = by_account.len();
    if by_account.is_empty() {
        out.push_str("<testsuites/>");
    } else {
        out.push_str("<testsuites>");
        for (index, (_, suite)) in by_account.values().enumerate() {
            tests += number(suite, "tests");
            failures += number(suite, "failures");
            errors += number(suite, "errors");
            let mut start = BytesStart::new("testsuite");
            for (key, value) in &suite.attributes {
                let value = if key == "id" {
                    index.to_string()
                } else {
                    value.clone()
                };
                start.push_attribute((key.as_str(), value.as_str()));
            }
            writer.get_mut().clear();
            if suite.rest.is_empty() {
                writer.write_event(Event::Empty(start))?;
            } else {
                writer.write_event(Event::Start(start))?;
            }
            out.push_str(&String::from_utf8_lossy(writer.get_ref()));
            out.push_str(&suite.rest);
        }
        out.push_str("</testsuites>");
    }
    Ok(MergedJunit {
        xml: out,
        suites,
        tests,
        failures,
        errors,
    })
}
