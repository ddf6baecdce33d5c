//! ACME's cisrun: every built-in control plus ACME's own.

use std::process::ExitCode;

cisrun::plugins!(cisrun_checks, acme_cisrun_plugin);

fn main() -> ExitCode {
    cisrun::main()
}
