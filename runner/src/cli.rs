//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit targets (cloud accounts, hosts) against CIS benchmark profiles, fix what fails,
/// publish JUnit.
#[derive(Debug, Parser)]
#[command(name = "cisrun", version, about, long_about = None)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the controls compiled into cisrun.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show a control's full documentation.
    Explain {
        /// Control id, e.g. aws-iam-support-role.
        control: String,
    },
    /// List the profiles shipped inside cisrun.
    Profiles {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show, per benchmark version, which recommendations are automated, manual or not
    /// implemented in this build.
    Coverage(CoverageArgs),
    /// Print the JSON Schema of the profile format, with every control's parameters.
    Schema,
    /// Print the least privilege a profile needs (for AWS, an IAM policy), or, without
    /// --profile, the actions of every control as a Markdown table.
    Permissions(PermissionsArgs),
    /// Audit the profile's targets and report.
    Audit(AuditArgs),
    /// Plan the fixes for failing controls; with --apply, carry them out and journal them.
    Remediate(RemediateArgs),
    /// Undo what one `remediate --apply` did, from its journal.
    Rollback(RollbackArgs),
    /// Join partial reports (from `--partition` CI jobs) into one.
    Merge(MergeArgs),
    /// Compare two JSON reports (an earlier run and a later one) without running anything:
    /// what is new, unchanged and fixed; the same outputs as `audit`.
    Diff(DiffArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    /// The control catalogue with each control's documentation (the README's catalogue).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CoverageFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Only this benchmark (default: every benchmark compiled in).
    #[arg(long)]
    pub benchmark: Option<String>,
    /// Only this version, e.g. v3.0.0.
    #[arg(long)]
    pub version: Option<String>,
    #[arg(long, value_enum, default_value_t = CoverageFormat::Table)]
    pub format: CoverageFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PermissionsFormat {
    /// An IAM policy document.
    Json,
    /// A table of every control's actions (the README's permissions table).
    Markdown,
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// The profile whose controls and targets the policy covers.
    #[arg(long, short)]
    pub profile: Option<String>,
    /// Also what `remediate --apply` and `rollback` need.
    #[arg(long)]
    pub remediate: bool,
    #[arg(long, value_enum, default_value_t = PermissionsFormat::Json)]
    pub format: PermissionsFormat,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A profile file, or the name of a shipped profile (see `cisrun profiles`).
    #[arg(long, short)]
    pub profile: String,
    #[command(flatten)]
    pub reports: ReportArgs,
    /// Accounts audited at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Audit only this CI job's share of the accounts: M/N (1-based), like nextest's slice.
    #[arg(long)]
    pub partition: Option<cisrun_core::partition::Partition>,
}

#[derive(Debug, Args)]
pub struct RemediateArgs {
    /// A profile file, or the name of a shipped profile.
    #[arg(long, short)]
    pub profile: String,
    /// Carry the plan out. Without it, cisrun only prints the plan and changes nothing.
    #[arg(long)]
    pub apply: bool,
    /// With --apply, also apply fixes graded unsafe (they can break something cisrun cannot
    /// see, e.g. deactivating a key a job still uses). Safe fixes are applied without it.
    #[arg(long, requires = "apply")]
    pub unsafe_fixes: bool,
    /// Where --apply records every change (default: cisrun-journal-<UTC time>.jsonl).
    #[arg(long, requires = "apply", value_parser = journal_file)]
    pub journal: Option<PathBuf>,
    /// Chain the journal with the secret key in this file (HMAC-SHA256), so that nobody
    /// without the key can edit it unnoticed; rollback then needs the same key.
    #[arg(long, value_name = "FILE", env = "CISRUN_JOURNAL_KEY_FILE")]
    pub journal_key_file: Option<PathBuf>,
    /// The reports of the plan (or, with --apply, of the results).
    #[command(flatten)]
    pub reports: ReportArgs,
    /// Accounts handled at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How hard a run may pull on each target, and how long it may take.
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Most AWS requests in flight per account and service (regional controls read every
    /// region at once up to this bound; lower it if your accounts see throttling).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub requests_per_service: u16,
    /// Most pages one listing may have; a listing with more is an error for the controls
    /// that need it (far above real accounts: raise it only for a truly huge one).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pages: u32,
    /// Longest the audit of one target may take (e.g. 90s, 30m, 2h); controls still running
    /// then are errors. Fixes being applied are never cut short.
    #[arg(long, default_value = "1h", value_parser = duration)]
    pub deadline: std::time::Duration,
}

impl LimitArgs {
    /// The limits as the platform sees them.
    pub fn run_limits(&self) -> cisrun_core::RunLimits {
        cisrun_core::RunLimits {
            requests_per_service: usize::from(self.requests_per_service),
            max_pages: usize::try_from(self.max_pages).unwrap_or(usize::MAX),
            deadline: self.deadline,
        }
    }
}

/// A duration such as `90s`, `30m` or `2h` (a bare number is seconds).
fn duration(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{value}` is not a duration: expected e.g. 90s, 30m or 2h"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        _ => return Err(format!("`{value}`: the unit must be s, m or h")),
    };
    if seconds == 0 {
        return Err("the deadline must be at least one second".to_string());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The journal `remediate --apply` wrote.
    #[arg(long, value_parser = journal_file)]
    pub journal: PathBuf,
    /// The key file the journal was written with (`remediate --journal-key-file`).
    #[arg(long, value_name = "FILE", env = "CISRUN_JOURNAL_KEY_FILE")]
    pub journal_key_file: Option<PathBuf>,
    /// Undo even where a resource changed since the apply. Never overrides the journal's
    /// integrity check, nor a step whose change was never confirmed.
    #[arg(long)]
    pub force: bool,
    /// Write the rollback's results as JSON here (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial reports: cisrun JSON reports, or cisrun JUnit XML reports.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The merged reports (JUnit inputs give only --junit).
    #[command(flatten)]
    pub reports: ReportArgs,
}

#[derive(Debug, Args)]
// OLD is the baseline: diff refuses --baseline, so its help does not offer it.
#[command(mut_arg("baseline", |arg| arg.hide(true)))]
pub struct DiffArgs {
    /// The earlier JSON report (the baseline).
    pub old: PathBuf,
    /// The later JSON report.
    pub new: PathBuf,
    /// The later report, labelled against the earlier one.
    #[command(flatten)]
    pub reports: ReportArgs,
}

/// What exit code 1 means (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Any failure or error (the default of audit, remediate and merge).
    All,
    /// Failures and errors that are new against --baseline (the default of diff); without
    /// --baseline every finding is new.
    New,
    /// Failures only: errors are reported but do not give exit 1.
    Failures,
    /// Nothing: exit 0 whatever was found (exit 2 still means the run could not start).
    None,
}

impl From<FailOnArg> for cisrun_core::baseline::FailOn {
    fn from(arg: FailOnArg) -> Self {
        match arg {
            FailOnArg::All => Self::All,
            FailOnArg::New => Self::New,
            FailOnArg::Failures => Self::Failures,
            FailOnArg::None => Self::None,
        }
    }
}

/// The reports a run writes, its baseline and its exit policy. `-` as a path is standard
/// output (one report at most); the readable summary then goes to standard error.
///
/// Every registered report format is an option of its own (`--junit FILE`, `--ocsf FILE`,
/// ...): a new format is one file in `cisrun-reports` and needs no change here.
#[derive(Debug, Clone, Default)]
pub struct ReportArgs {
    /// Each format option given, in the formats' order: (format name, path).
    pub outputs: Vec<(&'static str, PathBuf)>,
    /// A JSON report of an earlier run of the same profile.
    pub baseline: Option<PathBuf>,
    pub fail_on: Option<FailOnArg>,
}

impl ReportArgs {
    /// The path given for format `name`, if any.
    pub fn path_of(&self, name: &str) -> Option<&PathBuf> {
        self.outputs
            .iter()
            .find(|(format, _)| *format == name)
            .map(|(_, path)| path)
    }
}

impl clap::FromArgMatches for ReportArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.outputs = cisrun_reports::formats()
            .into_iter()
            .filter_map(|format| {
                matches
                    .get_one::<PathBuf>(format.name())
                    .map(|path| (format.name(), path.clone()))
            })
            .collect();
        self.baseline = matches.get_one::<PathBuf>("baseline").cloned();
        self.fail_on = matches.get_one::<FailOnArg>("fail_on").copied();
        Ok(())
    }
}

impl clap::Args for ReportArgs {
    fn augment_args(mut command: clap::Command) -> clap::Command {
        for format in cisrun_reports::formats() {
            command = command.arg(
                clap::Arg::new(format.name())
                    .long(format.name())
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(PathBuf))
                    .help(format.help()),
            );
        }
        command
            .arg(
                clap::Arg::new("baseline")
                    .long("baseline")
                    .value_name("PREVIOUS.json")
                    .value_parser(clap::value_parser!(PathBuf))
                    .help(
                        "A JSON report of an earlier run of the same profile: label every result \
                         and resource finding new, unchanged or fixed against it.",
                    ),
            )
            .arg(
                clap::Arg::new("fail_on")
                    .long("fail-on")
                    .value_name("POLICY")
                    .value_parser(clap::builder::EnumValueParser::<FailOnArg>::new())
                    .help(
                        "What gives exit code 1: all (any failure or error), new (new failures \
                         and errors against --baseline), failures (failures only), none. \
                         Default: all (diff: new).",
                    ),
            )
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// A journal is a file: `remediate --apply` appends to it as it goes, so that an interrupted
/// run can still be rolled back, and `rollback` reads it back. `-` (standard output) could
/// not be rolled back, so it is refused rather than written as a file named `-`.
fn journal_file(value: &str) -> Result<PathBuf, String> {
    if value == "-" {
        Err("a journal must be a file (`-`, standard output, could not be rolled back)".to_string())
    } else if value.is_empty() {
        Err("a journal needs a file name".to_string())
    } else {
        Ok(PathBuf::from(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_seconds_minutes_and_hours() {
        use std::time::Duration;
        assert_eq!(duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(duration("2h"), Ok(Duration::from_secs(7200)));
        for bad in ["", "m", "1d", "-1s", "0", "1.5h"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_journal_is_a_file_never_standard_output() {
        for args in [
            &[
                "cisrun",
                "remediate",
                "--profile",
                "p.yaml",
                "--apply",
                "--journal",
                "-",
            ][..],
            &["cisrun", "rollback", "--journal", "-"][..],
            &["cisrun", "rollback", "--journal", ""][..],
        ] {
            let error = Cli::try_parse_from(args).expect_err("refused");
            assert!(error.to_string().contains("a journal"), "{error}");
            assert_eq!(error.exit_code(), 2);
        }
        assert!(Cli::try_parse_from([
            "cisrun",
            "remediate",
            "--profile",
            "p.yaml",
            "--apply",
            "--journal",
            "j.jsonl"
        ])
        .is_ok());
    }
}
