//! `cisrun permissions`: the least privilege exactly one profile needs (its platform writes
//! it: for AWS an IAM policy), from what its controls and fixes declare they call; or every
//! control's actions as a table.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::{bail, Result};
use cisrun_core::Catalogue;

use crate::cli::{PermissionsArgs, PermissionsFormat};
use crate::engine::{self, Selected};
use crate::{shipped, EXIT_OK};

/// The actions the profile's controls (and, with `remediate`, their fixes) call on each
/// target.
fn target_actions(selected: &[Selected], remediate: bool) -> BTreeSet<&'static str> {
    let mut actions = BTreeSet::new();
    for control in selected.iter().filter_map(|s| s.control) {
        actions.extend(control.meta().permissions.iter().copied());
        if remediate {
            if let Some(fix) = control.fix() {
                actions.extend(fix.permissions().iter().copied());
            }
        }
    }
    actions
}

/// Every control's actions as a Markdown table (the README's permissions table), then the
/// rows each platform adds for its own needs.
fn markdown(catalogue: &Catalogue) -> String {
    let code = |actions: &[&str]| {
        if actions.is_empty() {
            "none".to_string()
        } else {
            actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let mut out = String::from(
        "| control or target | `audit` | `remediate --apply` and `rollback` (in addition) |\n\
         |---|---|---|\n",
    );
    for control in catalogue.controls() {
        let meta = control.meta();
        let fix = control
            .fix()
            .map(|f| code(f.permissions()))
            .unwrap_or_else(|| "no fix".to_string());
        let _ = writeln!(
            out,
            "| `{}` | {} | {fix} |",
            meta.id,
            code(meta.permissions)
        );
    }
    for platform in catalogue.platforms() {
        for row in platform.permission_rows() {
            let _ = writeln!(out, "| {} | {} | |", row.subject, code(&row.actions));
        }
    }
    out
}

pub fn run(catalogue: &Catalogue, args: &PermissionsArgs) -> Result<u8> {
    match (&args.profile, args.format) {
        (None, PermissionsFormat::Markdown) => {
            write!(crate::output::Printed, "{}", markdown(catalogue))?
        }
        (Some(reference), PermissionsFormat::Json) => {
            let profile = shipped::load(reference, catalogue)?;
            let platform = crate::platform_of(&profile, catalogue)?;
            let selected = engine::select(&profile, catalogue);
            let actions = target_actions(&selected, args.remediate);
            let document = platform.permissions(&profile, &actions);
            writeln!(
                crate::output::Printed,
                "{}",
                serde_json::to_string_pretty(&document)?
            )?;
        }
        (None, PermissionsFormat::Json) => {
            bail!("--format json needs --profile: the policy is for one profile's controls and targets")
        }
        (Some(_), PermissionsFormat::Markdown) => {
            bail!("--format markdown lists every control; drop --profile, or use --format json")
        }
    }
    Ok(EXIT_OK)
}
