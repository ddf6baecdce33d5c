//! The shipped `cisrun`: the runner and the CIS AWS Foundations controls. A build with more
//! controls is this file with more plugin crates named (see the README's "Writing a plugin
//! crate").

use std::process::ExitCode;

cisrun::plugins!(cisrun_checks);

fn main() -> ExitCode {
    cisrun::main()
}
