//! cisrun for Linux hosts: the generic runner and the linux-host platform, no AWS.

use std::process::ExitCode;

cisrun::plugins!(cisrun_linux_host);

fn main() -> ExitCode {
    cisrun::main_named(
        "cisrun-linux",
        "Audit Linux hosts (this machine, or mounted images) against CIS profiles.",
    )
}
