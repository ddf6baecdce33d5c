//! The Markdown summary (`--markdown`): for GitHub's step summary and GitLab merge request
//! notes. Totals first, then the controls that fail in most accounts, then each account's
//! failing and errored controls (new ones first), passing accounts collapsed. It stays
//! under [`MAX_BYTES`] whatever the size of the run: past a budget, account details are
//! cut with a note saying how many were left out.

use std::collections::BTreeMap;
use std::fmt::Write;

use cisrun_core::outcome::Status;
use cisrun_core::report::{capped, cut_note, ControlResult, RunReport, TargetReport};
use cisrun_core::Change;

/// GitHub's step-summary limit is 1 MiB and a GitLab note's 1,000,000 characters: the
/// summary stays under both.
pub const MAX_BYTES: usize = 1_000_000;
/// Account details stop here, leaving room for the fixed list and the passing accounts.
const DETAIL_BUDGET: usize = 850 * 1024;
/// The fixed list stops here.
const FIXED_BUDGET: usize = 930 * 1024;
/// A reason longer than this is cut.
const REASON_CHARS: usize = 160;
/// Passing accounts are listed plainly up to this many, then collapsed.
const PLAIN_PASSING: usize = 10;

/// Text safe inside a Markdown table cell (and anywhere else in the summary): one line, no
/// HTML, no Markdown markup, cut at the reports' text cap.
pub fn cell(text: &str) -> String {
    let text = capped(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The first line of `text`, cut at `REASON_CHARS` characters, saying how much of the text
/// it left out.
fn one_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let short: String = line.trim().chars().take(REASON_CHARS).collect();
    let left_out = text
        .trim()
        .chars()
        .count()
        .saturating_sub(short.chars().count());
    if left_out > 0 {
        format!("{short}{}", cut_note(left_out))
    } else {
        short
    }
}

fn is_finding(result: &ControlResult) -> bool {
    matches!(result.outcome.status, Status::Fail | Status::Error)
}

fn is_new(result: &ControlResult) -> bool {
    result.change == Some(Change::New)
}

fn status_label(result: &ControlResult) -> String {
    let status = match result.outcome.status {
        Status::Fail => "❌ fail",
        Status::Error => "⚠️ error",
        Status::Pass => "✅ pass",
        Status::Skipped => "skipped",
    };
    match result.change {
        Some(Change::New) => format!("{status} **new**"),
        _ => status.to_string(),
    }
}

fn account_title(account: &TargetReport) -> String {
    match &account.name {
        Some(name) if !name.is_empty() => format!("{} ({})", cell(&account.id), cell(name)),
        _ => cell(&account.id),
    }
}

/// The Markdown summary.
pub struct MarkdownFormat;

impl crate::ReportFormat for MarkdownFormat {
    fn name(&self) -> &'static str {
        "markdown"
    }
    fn help(&self) -> &'static str {
        "Write a Markdown summary here, e.g. \"$GITHUB_STEP_SUMMARY\" (`-`: standard output)."
    }
    fn what(&self) -> &'static str {
        "Markdown summary"
    }
    fn write(
        &self,
        report: &RunReport,
        _: &crate::Context<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), cisrun_core::report::ReportError> {
        out.write_all(render(report).as_bytes())
            .map_err(|e| crate::io_error("markdown", e))
    }
}

crate::register_format!(MarkdownFormat, 30);

pub fn render(report: &RunReport) -> String {
    let run = &report.run;
    let totals = report.totals();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## cisrun {}: {} ({} {}, Level {})\n",
        cell(&run.command),
        cell(&run.profile),
        cell(&run.benchmark),
        cell(&run.version),
        run.level
    );
    let verdict = if totals.fail + totals.error == 0 {
        "✅ **No failures or errors**"
    } else {
        "❌ **Findings**"
    };
    let _ = writeln!(
        out,
        "{verdict}: {} fail, {} error, {} pass, {} skipped: {} result(s) in {} account(s).\n",
        totals.fail,
        totals.error,
        totals.pass,
        totals.skipped,
        totals.total(),
        report.targets.len()
    );
    if let Some(c) = &report.baseline {
        let _ = writeln!(
            out,
            "**Against the baseline** (run of {}): {} new failure(s), {} new error(s); results \
             {} new, {} unchanged, {} fixed; resources {} new, {} unchanged, {} fixed.\n",
            cell(&c.baseline_started_at),
            c.new_failures,
            c.new_errors,
            c.results.new,
            c.results.unchanged,
            c.results.fixed,
            c.resources.new,
            c.resources.unchanged,
            c.resources.fixed
        );
    }

    // The controls that fail most, across accounts (the whole picture, whatever is cut).
    let mut by_control: BTreeMap<(String, String), (String, usize, usize, usize)> = BTreeMap::new();
    for result in report.targets.iter().flat_map(|a| &a.results) {
        if !is_finding(result) {
            continue;
        }
        let entry = by_control
            .entry((result.number.clone(), result.control_id.clone()))
            .or_insert_with(|| (result.title.clone(), 0, 0, 0));
        match result.outcome.status {
            Status::Fail => entry.1 += 1,
            _ => entry.2 += 1,
        }
        if is_new(result) {
            entry.3 += 1;
        }
    }
    if report.targets.len() > 1 && !by_control.is_empty() {
        let mut rows: Vec<_> = by_control.into_iter().collect();
        rows.sort_by(|a, b| {
            (b.1 .1 + b.1 .2)
                .cmp(&(a.1 .1 + a.1 .2))
                .then_with(|| cisrun_core::benchmark::compare_numbers(&a.0 .0, &b.0 .0))
        });
        out.push_str("### Controls with findings\n\n");
        out.push_str("| CIS | Control | Accounts failing | Accounts erroring | New |\n");
        out.push_str("|---|---|--:|--:|--:|\n");
        for ((number, _), (title, fail, error, new)) in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {fail} | {error} | {new} |",
                cell(&number),
                cell(&title)
            );
        }
        out.push('\n');
    }

    // Each account with findings: accounts with new findings first.
    let mut with_findings: Vec<&TargetReport> = report
        .targets
        .iter()
        .filter(|a| a.results.iter().any(is_finding))
        .collect();
    with_findings.sort_by_key(|a| (!a.results.iter().any(|r| is_finding(r) && is_new(r)), &a.id));
    if !with_findings.is_empty() {
        out.push_str("### Failing and errored controls\n\n");
    }
    let mut left_out = (0usize, 0usize);
    for account in &with_findings {
        let mut findings: Vec<&ControlResult> =
            account.results.iter().filter(|r| is_finding(r)).collect();
        findings.sort_by(|a, b| {
            (!is_new(a))
                .cmp(&!is_new(b))
                .then_with(|| cisrun_core::benchmark::compare_numbers(&a.number, &b.number))
        });
        let mut section = String::new();
        let (fail, error) = findings
            .iter()
            .fold((0, 0), |(f, e), r| match r.outcome.status {
                Status::Fail => (f + 1, e),
                _ => (f, e + 1),
            });
        let new = findings.iter().filter(|r| is_new(r)).count();
        let _ = write!(
            section,
            "#### {}: {fail} fail, {error} error",
            account_title(account)
        );
        if report.baseline.is_some() {
            let _ = write!(section, " ({new} new)");
        }
        section.push_str("\n\n| Status | CIS | Control | Reason |\n|---|---|---|---|\n");
        for result in &findings {
            let _ = writeln!(
                section,
                "| {} | {} | {} | {} |",
                status_label(result),
                cell(&result.number),
                cell(&result.title),
                cell(&one_line(&result.outcome.message))
            );
        }
        section.push('\n');
        if out.len() + section.len() > DETAIL_BUDGET {
            left_out.0 += 1;
            left_out.1 += findings.len();
            continue;
        }
        out.push_str(&section);
    }
    if left_out.0 > 0 {
        let _ = writeln!(
            out,
            "_…and {} more account(s) with {} failing or errored control(s), left out to fit \
             the summary: see the JSON or HTML report._\n",
            left_out.0, left_out.1
        );
    }

    if let Some(c) = &report.baseline {
        // Results fixed in place, with the resources their finding no longer names, then
        // findings gone altogether.
        let mut fixed: BTreeMap<(String, String), (String, String, Vec<String>)> = BTreeMap::new();
        for account in &report.targets {
            for result in account
                .results
                .iter()
                .filter(|r| r.change == Some(Change::Fixed))
            {
                fixed.insert(
                    (account.id.clone(), result.control_id.clone()),
                    (result.number.clone(), result.title.clone(), Vec::new()),
                );
            }
        }
        for gone in &c.fixed {
            let entry = fixed
                .entry((gone.account_id.clone(), gone.control_id.clone()))
                .or_insert_with(|| (gone.number.clone(), gone.title.clone(), Vec::new()));
            if let Some(resource) = &gone.resource {
                entry.2.push(resource.clone());
            }
        }
        if !fixed.is_empty() {
            let _ = writeln!(out, "### Fixed since the baseline\n");
            let total = fixed.len();
            let mut shown = 0usize;
            for ((account, _), (number, title, resources)) in fixed {
                let resources = if resources.is_empty() {
                    String::new()
                } else {
                    let list: Vec<String> = resources.iter().map(|r| cell(&one_line(r))).collect();
                    format!(": {}", list.join(", "))
                };
                let line = format!(
                    "- {} {} {}{resources}\n",
                    cell(&account),
                    cell(&number),
                    cell(&title)
                );
                if out.len() + line.len() > FIXED_BUDGET {
                    break;
                }
                out.push_str(&line);
                shown += 1;
            }
            if shown < total {
                let _ = writeln!(out, "- _…and {} more_", total - shown);
            }
            out.push('\n');
        }
    }

    let passing: Vec<&TargetReport> = report
        .targets
        .iter()
        .filter(|a| !a.results.iter().any(is_finding))
        .collect();
    if !passing.is_empty() {
        let ids: Vec<String> = passing.iter().map(|a| account_title(a)).collect();
        if passing.len() <= PLAIN_PASSING {
            let _ = writeln!(out, "No failures or errors in: {}.", ids.join(", "));
        } else {
            let mut list = ids.join(", ");
            let room = MAX_BYTES.saturating_sub(out.len() + 200);
            if list.len() > room {
                let cut = list
                    .char_indices()
                    .take_while(|(i, _)| *i < room)
                    .last()
                    .map_or(0, |(i, _)| i);
                list.truncate(cut);
                list.push('…');
            }
            let _ = writeln!(
                out,
                "<details><summary>{} account(s) with no failures or errors</summary>\n\n{list}\n\n</details>",
                passing.len()
            );
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cisrun_core::outcome::{Evidence, Outcome};
    use cisrun_core::report::RunInfo;

    fn run_info() -> RunInfo {
        RunInfo {
            tool: "cisrun".into(),
            tool_version: "0".into(),
            profile: "org".into(),
            benchmark: "cis-aws-foundations".into(),
            version: "v3.0.0".into(),
            level: 2,
            command: "audit".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_seconds: 1.0,
            partition: None,
        }
    }

    /// A catalogue with the test platform only.
    pub(crate) fn catalogue() -> cisrun_core::Catalogue {
        cisrun_core::Catalogue::new(vec![], vec![], vec![&cisrun_core::testing::PLATFORM])
            .expect("a catalogue")
    }

    /// `accounts` × `controls`, every result failing with a long message and evidence.
    pub(crate) fn big_report(accounts: usize, controls: usize) -> RunReport {
        let accounts = (0..accounts)
            .map(|a| TargetReport {
                id: format!("{:012}", a + 1),
                name: Some(format!("team-{a} | prod <x>")),
                kind: String::new(),
                attributes: Default::default(),
                results: (0..controls)
                    .map(|c| ControlResult {
                        control_id: format!("aws-control-{c}"),
                        number: format!("{}.{}", c / 20 + 1, c % 20 + 1),
                        title: format!("Ensure something rather long is configured properly {c}"),
                        level: (c % 2 + 1) as u8,
                        section: format!("{}", c / 20 + 1),
                        outcome: if (a + c) % 3 == 0 {
                            Outcome::pass("fine", vec![])
                        } else {
                            Outcome::fail(
                                format!("{} resources are not compliant: {}", c, "x".repeat(300)),
                                (0..5)
                                    .map(|i| {
                                        Evidence::new(
                                            format!("arn:aws:iam::{:012}:role/r{i}", a + 1),
                                            "missing",
                                        )
                                    })
                                    .collect(),
                            )
                        },
                        duration_seconds: 0.0,
                        plan: None,
                        change: Some(if c % 7 == 0 {
                            Change::New
                        } else {
                            Change::Unchanged
                        }),
                    })
                    .collect(),
            })
            .collect();
        RunReport {
            run: run_info(),
            targets: accounts,
            baseline: None,
        }
    }

    #[test]
    fn a_thousand_accounts_by_sixty_controls_fit_githubs_limit() {
        let report = big_report(1000, 60);
        let text = render(&report);
        assert!(text.len() < MAX_BYTES, "{} bytes", text.len());
        assert!(text.contains("more account(s) with"), "the cut is said");
        assert!(text.contains("### Controls with findings"));
        // Every control with findings is in the aggregate table.
        assert!(text.matches("| Ensure something rather long").count() >= 60);
    }

    #[test]
    fn the_worst_case_with_fixed_findings_and_passing_accounts_stays_under_the_limit() {
        let mut report = big_report(1000, 60);
        // Half the accounts pass, and everything that failed before is listed as fixed.
        let mut fixed = Vec::new();
        for account in report.targets.iter_mut().skip(500) {
            for result in &mut account.results {
                fixed.push(cisrun_core::baseline::FixedFinding {
                    account_id: account.id.clone(),
                    account_name: None,
                    control_id: result.control_id.clone(),
                    number: result.number.clone(),
                    title: result.title.clone(),
                    level: result.level,
                    section: result.section.clone(),
                    was: Status::Fail,
                    resource: Some("arn:aws:iam::123456789012:role/a-rather-long-name".into()),
                    detail: "gone".into(),
                });
                result.outcome = Outcome::pass("ok", vec![]);
            }
        }
        report.baseline = Some(cisrun_core::baseline::Comparison {
            fixed,
            ..Default::default()
        });
        let text = render(&report);
        assert!(text.len() < MAX_BYTES, "{} bytes", text.len());
        assert!(
            text.contains("500 account(s) with no failures"),
            "passing accounts listed"
        );
    }

    #[test]
    fn all_passing_accounts_collapse() {
        let mut report = big_report(50, 3);
        for result in report.targets.iter_mut().flat_map(|a| &mut a.results) {
            result.outcome = Outcome::pass("ok", vec![]);
        }
        let text = render(&report);
        assert!(
            text.contains("<details><summary>50 account(s) with no failures"),
            "{text}"
        );
        assert!(text.contains("No failures or errors"), "{text}");
        assert!(text.len() < 10_000, "{}", text.len());
    }

    #[test]
    fn new_findings_come_first_and_text_cannot_break_the_table() {
        let mut report = big_report(1, 3);
        report.targets[0].results[2].outcome =
            Outcome::fail("line one | <script>\nline two", vec![]);
        report.targets[0].results[2].change = Some(Change::New);
        report.targets[0].results[1].change = Some(Change::Unchanged);
        let text = render(&report);
        let first = text.find("**new**").expect("a new finding");
        let unchanged = text.find("| ❌ fail | 1.2 |").expect("the unchanged one");
        assert!(first < unchanged, "{text}");
        assert!(text.contains("line one \\| &lt;script&gt;"), "{text}");
        assert!(!text.contains("line two"), "one line only: {text}");
        assert!(
            text.contains("000000000001 (team-0 \\| prod &lt;x&gt;)"),
            "{text}"
        );
    }
}
