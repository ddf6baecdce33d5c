//! `cisrun diff OLD.json NEW.json`: the comparison `--baseline` makes, without running
//! anything. NEW is labelled against OLD and reported like a run (summary, and any of
//! --json, --junit, --markdown, --html, --ocsf); exit 1 when NEW has new failures or
//! errors (`--fail-on` changes that).

use anyhow::{ensure, Result};
use cisrun_core::report::read_json_report;
use cisrun_core::Catalogue;

use crate::cli::{DiffArgs, FailOnArg};
use crate::output::finish_run;

pub fn run(catalogue: &Catalogue, args: DiffArgs) -> Result<u8> {
    ensure!(
        args.reports.baseline.is_none(),
        "diff compares NEW with OLD: --baseline has no place here"
    );
    let mut reports = args.reports.clone();
    reports.baseline = Some(args.old.clone());
    let outputs = reports.prepare(catalogue, FailOnArg::New)?;
    let new = read_json_report(&args.new)?;
    finish_run(new, &outputs)
}
