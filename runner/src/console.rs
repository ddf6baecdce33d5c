//! The readable summary printed to stdout.

use std::io::Write;

use cisrun_core::{RunReport, Status};

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Skipped => "SKIP",
    }
}

/// Text from profiles and AWS, safe for a terminal or a CI log: control characters (an ESC
/// would start an ANSI sequence) become visible `\u{..}` escapes, and each further line of a
/// multi-line text is indented under the first.
fn printable(text: &str) -> String {
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

/// Prints each account's results and the totals.
pub fn print_summary(out: &mut impl Write, report: &RunReport) -> std::io::Result<()> {
    let run = &report.run;
    writeln!(
        out,
        "cisrun {}: {} ({} {}, Level {})",
        run.command,
        printable(&run.profile),
        run.benchmark,
        run.version,
        run.level
    )?;
    for account in &report.accounts {
        match &account.account_name {
            Some(name) => writeln!(
                out,
                "\naccount {} ({})",
                account.account_id,
                printable(name)
            )?,
            None => writeln!(out, "\naccount {}", account.account_id)?,
        }
        for result in &account.results {
            writeln!(
                out,
                "  {:<5} {:<6} {}",
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
    }
    let totals = report.totals();
    writeln!(
        out,
        "\n{} account(s), {} result(s): {} pass, {} fail, {} error, {} skipped in {:.2}s",
        report.accounts.len(),
        totals.total(),
        totals.pass,
        totals.fail,
        totals.error,
        totals.skipped,
        run.duration_seconds
    )
}
