//! The readable summary printed to stdout.

use std::io::Write;

use cisrun_core::{ControlResult, RunReport, SkipReason, Status};

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Skipped => "SKIP",
    }
}

/// Text from profiles and AWS, safe for a terminal or a CI log: cut at the reports' text cap
/// (the JSON report has it whole), control characters (an ESC would start an ANSI sequence)
/// made visible `\u{..}` escapes, and each further line of a multi-line text indented under
/// the first.
fn printable(text: &str) -> String {
    let text = cisrun_core::report::capped(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\n               "),
            '\t' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Above this many accounts, an account whose every result passed gets one line, so a
/// thousand-account run's log shows what needs attention.
const COMPACT_ABOVE_ACCOUNTS: usize = 10;

fn not_implemented(result: &ControlResult) -> bool {
    matches!(result.outcome.skip, Some(SkipReason::NotImplemented))
}

/// Prints each target's results and the totals (`noun` is what the platform calls a
/// target: `account`, `host`). Recommendations without a control are one line per target,
/// not one each: the log shows what was assessed.
pub fn print_summary(out: &mut impl Write, report: &RunReport, noun: &str) -> std::io::Result<()> {
    let run = &report.run;
    let compact = report.targets.len() > COMPACT_ABOVE_ACCOUNTS;
    writeln!(
        out,
        "cisrun {}: {} ({} {}, Level {})",
        run.command,
        printable(&run.profile),
        run.benchmark,
        run.version,
        run.level
    )?;
    for account in &report.targets {
        let assessed: Vec<&ControlResult> = account
            .results
            .iter()
            .filter(|r| !not_implemented(r))
            .collect();
        let missing: Vec<&str> = account
            .results
            .iter()
            .filter(|r| not_implemented(r))
            .map(|r| r.number.as_str())
            .collect();
        let all_pass = assessed.iter().all(|r| r.outcome.status == Status::Pass);
        if compact && all_pass && !run.command.starts_with("remediate") {
            let name = account.name.as_deref().map(printable);
            let name = name.map(|n| format!(" ({n})")).unwrap_or_default();
            let skipped = if missing.is_empty() {
                String::new()
            } else {
                format!(", {} not implemented", missing.len())
            };
            writeln!(
                out,
                "{noun} {}{name}: all {} result(s) pass{skipped}",
                printable(&account.id),
                assessed.len()
            )?;
            continue;
        }
        match &account.name {
            Some(name) => writeln!(
                out,
                "\n{noun} {} ({})",
                printable(&account.id),
                printable(name)
            )?,
            None => writeln!(out, "\n{noun} {}", printable(&account.id))?,
        }
        for result in assessed {
            let change = match result.change {
                Some(cisrun_core::baseline::Change::New)
                    if matches!(result.outcome.status, Status::Fail | Status::Error) =>
                {
                    " [new]"
                }
                Some(cisrun_core::baseline::Change::Fixed) => " [fixed]",
                _ => "",
            };
            writeln!(
                out,
                "  {:<5} {:<6} {}{change}",
                label(result.outcome.status),
                result.number,
                printable(&result.title)
            )?;
            writeln!(out, "               {}", printable(&result.outcome.message))?;
            // A remediation plan (or what was applied) is the point of the command: show it.
            if run.command.starts_with("remediate") && result.plan.is_some() {
                for evidence in &result.outcome.evidence {
                    writeln!(out, "               {}", printable(&evidence.detail))?;
                }
            }
            for note in &result.outcome.notes {
                writeln!(out, "               note: {}", printable(note))?;
            }
        }
        if !missing.is_empty() {
            writeln!(
                out,
                "  SKIP  {} recommendation(s) not implemented in this cisrun: {}",
                missing.len(),
                missing.join(", ")
            )?;
        }
    }
    if let Some(c) = &report.baseline {
        writeln!(
            out,
            "\nagainst the baseline of {}: {} new failure(s), {} new error(s); results {} new, \
             {} unchanged, {} fixed; resources {} new, {} unchanged, {} fixed",
            printable(&c.baseline_started_at),
            c.new_failures,
            c.new_errors,
            c.results.new,
            c.results.unchanged,
            c.results.fixed,
            c.resources.new,
            c.resources.unchanged,
            c.resources.fixed
        )?;
        const SHOWN: usize = 20;
        for fixed in c.fixed.iter().take(SHOWN) {
            writeln!(
                out,
                "  FIXED {} {:<6} {}{}",
                printable(&fixed.account_id),
                printable(&fixed.number),
                printable(&fixed.title),
                fixed
                    .resource
                    .as_deref()
                    .map(|r| format!(": {}", printable(r)))
                    .unwrap_or_default()
            )?;
        }
        if c.fixed.len() > SHOWN {
            writeln!(out, "  ...and {} more fixed", c.fixed.len() - SHOWN)?;
        }
    }
    let totals = report.totals();
    writeln!(
        out,
        "\n{} {noun}(s), {} result(s): {} pass, {} fail, {} error, {} skipped in {:.2}s",
        report.targets.len(),
        totals.total(),
        totals.pass,
        totals.fail,
        totals.error,
        totals.skipped,
        run.duration_seconds
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cisrun_core::{ControlResult, Outcome, RunInfo, TargetReport};

    fn report(accounts: usize, failing: &str) -> RunReport {
        let accounts = (0..accounts)
            .map(|i| {
                let id = format!("{:012}", i + 1);
                let outcome = if id == failing {
                    Outcome::fail("not attached", vec![])
                } else {
                    Outcome::pass("attached", vec![])
                };
                TargetReport {
                    id,
                    name: None,
                    kind: String::new(),
                    attributes: Default::default(),
                    results: vec![ControlResult {
                        control_id: "aws-iam-support-role".into(),
                        number: "1.17".into(),
                        title: "Ensure a support role".into(),
                        level: 1,
                        section: "1".into(),
                        outcome,
                        duration_seconds: 0.0,
                        plan: None,
                        change: None,
                    }],
                }
            })
            .collect();
        RunReport {
            run: RunInfo {
                tool: "cisrun".into(),
                tool_version: "0".into(),
                profile: "p".into(),
                benchmark: "cis-aws-foundations".into(),
                version: "v3.0.0".into(),
                level: 1,
                command: "audit".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                duration_seconds: 1.0,
                partition: None,
            },
            targets: accounts,
            baseline: None,
        }
    }

    fn printed(report: &RunReport) -> String {
        let mut out = Vec::new();
        print_summary(&mut out, report, "account").expect("write to memory");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn a_large_run_shows_details_only_where_something_needs_attention() {
        let text = printed(&report(12, "000000000003"));
        assert_eq!(text.matches("all 1 result(s) pass").count(), 11, "{text}");
        assert!(
            text.contains("account 000000000003\n  FAIL  1.17"),
            "{text}"
        );
        assert!(
            text.contains("12 account(s), 12 result(s): 11 pass, 1 fail"),
            "{text}"
        );
    }

    #[test]
    fn a_small_run_shows_every_result() {
        let text = printed(&report(2, "none"));
        assert_eq!(text.matches("  PASS  1.17").count(), 2, "{text}");
        assert!(!text.contains("all 1 result(s) pass"), "{text}");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }

    #[test]
    fn a_twenty_megabyte_message_prints_as_a_thousand_characters_and_a_note() {
        let mut report = report(1, "000000000001");
        report.targets[0].results[0].outcome.message = "A".repeat(20 * 1024 * 1024);
        report.targets[0].results[0].outcome.notes = vec!["N".repeat(5_000)];
        let text = printed(&report);
        assert!(text.len() < 10_000, "{} bytes", text.len());
        assert!(
            text.contains(&format!(
                "{}… ({} more characters; full text in the JSON report)",
                "A".repeat(1_000),
                20 * 1024 * 1024 - 1_000
            )),
            "{}",
            &text[..2_000.min(text.len())]
        );
        assert!(
            text.contains("(4000 more characters"),
            "the note is cut too"
        );
    }
}
