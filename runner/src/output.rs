//! Ending a run: stable order, reports written atomically, the summary printed, and the
//! exit code; and how errors reach the user.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cisrun_core::baseline::{self, FailOn};
use cisrun_core::report::{read_json_report, write_atomically, write_atomically_with, ReportError};
use cisrun_core::{Catalogue, RunInfo, RunReport};

use crate::cli::{FailOnArg, ReportArgs};
use crate::{EXIT_FINDINGS, EXIT_OK};

/// The reports a run will write, its baseline (read before the run, so an unreadable one
/// stops it before any work) and its exit policy.
#[derive(Debug)]
pub struct Outputs {
    args: ReportArgs,
    baseline: Option<(PathBuf, RunReport)>,
    fail_on: FailOn,
    catalogue: Catalogue,
}

/// `-` as a report path: standard output.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

impl ReportArgs {
    /// Every report path given, with its option (`--junit`).
    fn paths(&self) -> Vec<(String, &Path)> {
        self.outputs
            .iter()
            .map(|(name, path)| (format!("--{name}"), path.as_path()))
            .collect()
    }

    /// Checks the options and reads the baseline; `default` is the command's policy.
    pub fn prepare(&self, catalogue: &Catalogue, default: FailOnArg) -> Result<Outputs> {
        let to_stdout: Vec<String> = self
            .paths()
            .into_iter()
            .filter(|(_, p)| is_stdout(p))
            .map(|(name, _)| name)
            .collect();
        if to_stdout.len() > 1 {
            bail!(
                "{} {} ask for standard output (`-`): at most one report can go there",
                to_stdout.join(" and "),
                if to_stdout.len() == 2 { "both" } else { "all" }
            );
        }
        let baseline = match &self.baseline {
            Some(path) => {
                let report = read_json_report(path).context("--baseline")?;
                Some((path.clone(), report))
            }
            None => None,
        };
        Ok(Outputs {
            args: self.clone(),
            baseline,
            fail_on: self.fail_on.unwrap_or(default).into(),
            catalogue: catalogue.clone(),
        })
    }
}

impl Outputs {
    /// Refuses a baseline of another profile, benchmark version or level.
    pub fn check_run(&self, run: &RunInfo) -> Result<()> {
        if let Some((path, baseline)) = &self.baseline {
            if let Err(why) = baseline::check_compatible(&baseline.run, run) {
                bail!("cannot use baseline {}: {why}", path.display());
            }
        }
        Ok(())
    }

    /// True when a report goes to standard output.
    pub fn stdout_taken(&self) -> bool {
        self.args.paths().iter().any(|(_, p)| is_stdout(p))
    }

    pub fn has_baseline(&self) -> bool {
        self.baseline.is_some()
    }

    pub fn args(&self) -> &ReportArgs {
        &self.args
    }
}

/// Ends a run: stable order, labels against the baseline, reports written, summary printed
/// (to stderr when a report took stdout); returns the exit code under `--fail-on`.
pub fn finish_run(mut report: RunReport, outputs: &Outputs) -> Result<u8> {
    report.normalize();
    if let Some((_, baseline)) = &outputs.baseline {
        outputs.check_run(&report.run)?;
        baseline::apply(&mut report, baseline);
    }
    write_reports(&report, &outputs.args, &outputs.catalogue)?;
    let context = cisrun_reports::Context {
        catalogue: &outputs.catalogue,
    };
    let noun = context.target_noun(&report);
    if outputs.stdout_taken() {
        crate::console::print_summary(&mut std::io::stderr().lock(), &report, noun)?;
    } else {
        crate::console::print_summary(&mut Printed, &report, noun)?;
    }
    let fails = outputs.fail_on.fails(&report);
    if !fails && !report.succeeded() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "exit 0: --fail-on {} and no finding it counts ({})",
            match outputs.fail_on {
                FailOn::All => "all",
                FailOn::New => "new",
                FailOn::Failures => "failures",
                FailOn::None => "none",
            },
            match outputs.fail_on {
                FailOn::New => "the failures and errors were all in the baseline",
                FailOn::Failures => "only errors, which stay in the reports",
                _ => "findings stay in the reports",
            }
        );
    }
    Ok(if fails { EXIT_FINDINGS } else { EXIT_OK })
}

/// Writes `bytes` to `path`, or to standard output for `-`.
pub fn emit(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    if is_stdout(path) {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|source| ReportError::Io {
                path: "standard output".to_string(),
                source,
            })?;
    } else {
        write_atomically(path, bytes)?;
        tracing::info!(path = %path.display(), "wrote {what}");
    }
    Ok(())
}

/// Writes every report asked for, each format streamed to its file atomically (or to
/// standard output for `-`).
pub fn write_reports(report: &RunReport, args: &ReportArgs, catalogue: &Catalogue) -> Result<()> {
    let context = cisrun_reports::Context { catalogue };
    for (name, path) in &args.outputs {
        let format = cisrun_reports::format(name)
            .with_context(|| format!("no report format `{name}` is compiled in"))?;
        if is_stdout(path) {
            let bytes = cisrun_reports::render(format, report, &context)?;
            emit(path, &bytes, format.what())?;
        } else {
            write_atomically_with(path, |out| format.write(report, &context, out))?;
            tracing::info!(path = %path.display(), "wrote {}", format.what());
        }
    }
    Ok(())
}

/// The error and its causes on one line, outermost first. Each error's message leaves its
/// cause to the chain (`cannot write x` + `Is a directory`), so every cause is said once.
pub fn error_chain(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

/// Standard output for what cisrun prints (lists, documentation, summaries): a reader that
/// stops reading (`cisrun list | head`) ends the printing quietly, never the run with a
/// panic, and never changes its exit code.
pub struct Printed;

impl Printed {
    fn quiet_if_closed(result: std::io::Result<usize>, len: usize) -> std::io::Result<usize> {
        match result {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(len),
            other => other,
        }
    }
}

impl Write for Printed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Self::quiet_if_closed(std::io::stdout().lock().write(buf), buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Self::quiet_if_closed(std::io::stdout().lock().flush().map(|()| 0), 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_said_once() {
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
