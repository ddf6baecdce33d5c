//! Ending a run: stable order, reports written atomically, the summary printed, and the
//! exit code; and how errors reach the user.

use std::path::Path;

use anyhow::Result;
use cisrun_core::report::write_atomically;
use cisrun_core::RunReport;

use crate::{EXIT_FINDINGS, EXIT_OK};

/// Ends a run: stable order, reports written, summary printed; returns the exit code.
pub fn finish_run(
    mut report: RunReport,
    junit: Option<&Path>,
    json: Option<&Path>,
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
        EXIT_FINDINGS
    })
}

pub fn write_reports(report: &RunReport, junit: Option<&Path>, json: Option<&Path>) -> Result<()> {
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

/// The error and its causes on one line, each cause said once: a message that already
/// ends with its cause's text (`cannot write x: Is a directory`) does not repeat it.
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::other("Is a directory (os error 21)");
        let error = anyhow::Error::new(cisrun_core::report::ReportError::Io {
            path: "adir".into(),
            source: io,
        });
        assert_eq!(
            error_chain(&error),
            "cannot write adir: Is a directory (os error 21)"
        );
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_chain(&error), "outer: inner");
    }
}
