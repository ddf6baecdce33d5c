//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Audit cloud accounts against CIS benchmark profiles, fix what fails, publish JUnit.
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
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
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
    /// Print the JSON Schema of the profile format.
    Schema,
    /// Audit the profile's targets and report.
    Audit(AuditArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A profile file, or the name of a shipped profile (see `cisrun profiles`).
    #[arg(long, short)]
    pub profile: String,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write a JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}
