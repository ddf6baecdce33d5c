//! `cisrun`: audit cloud accounts against CIS profiles and publish the results.
//!
//! Exit codes: 0 every control passed or was excepted; 1 at least one fail or error;
//! 2 the run could not start (bad flags, bad profile, unreadable file).

mod audit;
mod cli;
mod commands;
mod console;
mod engine;
mod journal;
mod merge;
mod progress;
mod remediate;
mod shipped;
mod targets;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// Every control passed, was excepted or skipped.
pub const EXIT_OK: u8 = 0;
/// At least one control failed or could not be evaluated.
pub const EXIT_FINDINGS: u8 = 1;
/// The run could not start.
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap's --help and --version are not errors.
            let code = if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match runtime.block_on(commands::run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,aws_config=warn,aws_smithy_runtime=warn",
        2 => "debug,aws_config=info,aws_smithy_runtime=info,hyper=info,rustls=info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CISRUN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never into CI logs or files.
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(verbose >= 2)
        .init();
}
