//! The cisrun runner as a library: generic over platforms, it knows none of them. A cisrun
//! binary is the runner and the plugin crates it links:
//!
//! ```ignore
//! cisrun::plugins!(cisrun_checks, acme_cisrun_plugin);
//!
//! fn main() -> std::process::ExitCode {
//!     cisrun::main()
//! }
//! ```
//!
//! [`plugins!`] names every plugin crate the binary links; [`main`] parses the command line,
//! checks that every named plugin's registrations made it into the binary, and runs the
//! command.
//!
//! Exit codes: 0 every control passed or was excepted; 1 at least one fail or error (what
//! counts is `--fail-on`'s choice); 2 the run could not start (bad flags, bad profile,
//! unreadable file or baseline).

mod audit;
mod cli;
mod console;
mod diff;
mod engine;
mod info;
mod journal;
mod merge;
mod output;
mod permissions;
mod progress;
mod remediate;
mod shipped;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use cisrun_core::registry::Plugin;
use cisrun_core::Catalogue;
use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};

/// Every control passed, was excepted or skipped.
pub const EXIT_OK: u8 = 0;
/// At least one control failed or could not be evaluated.
pub const EXIT_FINDINGS: u8 = 1;
/// The run could not start.
pub const EXIT_USAGE: u8 = 2;

#[doc(hidden)]
pub use cisrun_core::registry::__private;

/// A plugin crate the binary links, as [`plugins!`] records it.
#[doc(hidden)]
pub struct LinkedPlugin(pub &'static Plugin);

cisrun_core::registry::__private::inventory::collect!(LinkedPlugin);

/// Names the plugin crates a binary links: `cisrun::plugins!(cisrun_checks, acme_plugin);`
/// at the top of `main.rs`. Each crate must declare itself with
/// `cisrun_core::declare_plugin!()`. Naming a crate makes the linker keep it, and lets
/// [`main`] refuse to start when its registrations were dropped anyway.
#[macro_export]
macro_rules! plugins {
    ($($plugin:ident),+ $(,)?) => {
        $(
            $crate::__private::inventory::submit! { $crate::LinkedPlugin(&$plugin::PLUGIN) }
        )+
    };
}

/// Runs cisrun: parses the command line, runs the command, returns the exit code.
pub fn main() -> ExitCode {
    run_command_line(Cli::command())
}

/// [`main`] for a binary of its own name and purpose (a plugin's build, e.g.
/// `cisrun-linux`): `--help` and errors say `name`, and `about` describes it.
pub fn main_named(name: &'static str, about: &'static str) -> ExitCode {
    run_command_line(Cli::command().name(name).bin_name(name).about(about))
}

fn run_command_line(command: clap::Command) -> ExitCode {
    let parsed = command
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
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
    match runtime.block_on(run(cli.command)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {}", output::error_chain(&error));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The plugins this binary names, with what each registered.
fn linked_plugins() -> Vec<&'static Plugin> {
    let mut linked: Vec<&'static Plugin> =
        cisrun_core::registry::__private::inventory::iter::<LinkedPlugin>
            .into_iter()
            .map(|l| l.0)
            .collect();
    linked.sort_by_key(|p| p.name);
    linked.dedup_by_key(|p| p.name);
    linked
}

/// How many things (platforms, controls, benchmarks, profiles) `plugin` registered.
fn registrations_of(plugin: &str) -> usize {
    cisrun_core::registry::registrations_of(plugin)
}

/// Refuses a binary whose named plugins registered nothing: `inventory` registrations of a
/// crate the linker dropped vanish silently, and a CI audit with fewer controls than its
/// author linked would look like a clean pass.
fn check_plugins(
    linked: &[&'static Plugin],
    registrations_of: impl Fn(&str) -> usize,
) -> Result<()> {
    anyhow::ensure!(
        !linked.is_empty(),
        "this cisrun names no plugin crate: its main.rs needs `cisrun::plugins!(cisrun_checks);`"
    );
    for plugin in linked {
        anyhow::ensure!(
            registrations_of(plugin.name) > 0,
            "plugin `{}` {} is linked but none of its platforms, controls, benchmarks or \
             profiles registered: the linker dropped them. Name the crate in `cisrun::plugins!` and \
             make sure it calls `cisrun_core::declare_plugin!()` in its lib.rs",
            plugin.name,
            plugin.version
        );
    }
    Ok(())
}

/// The catalogue of this binary, checked.
fn catalogue() -> Result<Catalogue> {
    check_plugins(&linked_plugins(), registrations_of)?;
    cisrun_core::registry::catalogue()
        .context("the compiled-in platforms, benchmarks and controls are inconsistent")
}

/// The platform of a profile's benchmark.
fn platform_of(
    profile: &cisrun_core::Profile,
    catalogue: &Catalogue,
) -> Result<&'static dyn cisrun_core::DynPlatform> {
    catalogue.platform(&profile.platform).with_context(|| {
        format!(
            "the profile's benchmark `{}` is for platform `{}`, which this cisrun does not \
             have",
            profile.benchmark, profile.platform
        )
    })
}

/// What a target is called where no profile says which platform it is (a JUnit merge): the
/// one platform's noun when one is compiled in, else `target`.
fn target_noun(catalogue: &Catalogue) -> &'static str {
    match catalogue.platforms() {
        [one] => one.target_noun(),
        _ => "target",
    }
}

/// The limits of a run that has no options for them (`rollback`): the defaults.
fn default_limits() -> cisrun_core::RunLimits {
    cisrun_core::RunLimits {
        requests_per_service: 8,
        max_pages: 10_000,
        deadline: std::time::Duration::from_secs(3600),
    }
}

/// This CI job's share of the targets (`--partition M/N`): sorted by id (a target whose id
/// is known only once reached comes first), then dealt round-robin.
fn partitioned(
    mut targets: Vec<cisrun_core::TargetRef>,
    partition: Option<cisrun_core::partition::Partition>,
) -> Vec<cisrun_core::TargetRef> {
    targets.sort_by(|a, b| a.id.cmp(&b.id));
    match partition {
        Some(partition) => partition.deal(targets),
        None => targets,
    }
}

async fn run(command: Command) -> Result<u8> {
    let catalogue = catalogue()?;
    match command {
        Command::List { format } => info::list(&catalogue, format),
        Command::Explain { control } => info::explain(&catalogue, &control),
        Command::Profiles { format } => info::profiles(&catalogue, format),
        Command::Coverage(args) => info::coverage(&catalogue, &args),
        Command::Schema => info::schema(&catalogue),
        Command::Permissions(args) => permissions::run(&catalogue, &args),
        Command::Audit(args) => audit::run(&catalogue, args).await,
        Command::Remediate(args) => remediate::run(&catalogue, args).await,
        Command::Rollback(args) => remediate::rollback(&catalogue, args).await,
        Command::Merge(args) => merge::run(&catalogue, args),
        Command::Diff(args) => diff::run(&catalogue, args),
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

#[cfg(test)]
mod tests {
    use super::*;

    static DROPPED: Plugin = Plugin {
        name: "acme-dropped",
        version: "1.0.0",
    };

    #[test]
    fn a_named_plugin_that_registered_nothing_stops_the_run() {
        let error = check_plugins(&[&DROPPED], |_| 0).unwrap_err().to_string();
        assert!(error.contains("acme-dropped"), "{error}");
        assert!(error.contains("linker dropped"), "{error}");
        assert!(check_plugins(&[&DROPPED], |_| 3).is_ok());
        assert!(check_plugins(&[], |_| 3).is_err());
    }
}
