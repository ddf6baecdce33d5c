//! `cisrun permissions`: the least-privilege IAM policy for exactly one profile, from what
//! controls, remediations and target sources declare they call.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anyhow::{bail, Result};
use cisrun_checks::accounts::{
    ASSUME_ROLE_PERMISSIONS, ORGANIZATIONAL_UNIT_PERMISSIONS, ORGANIZATION_PERMISSIONS,
};
use cisrun_core::profile::TargetSource;
use cisrun_core::{Catalogue, Profile};
use serde_json::json;

use crate::cli::{PermissionsArgs, PermissionsFormat};
use crate::engine::{self, Selected};
use crate::{shipped, EXIT_OK};

/// The actions the profile's controls (and, with `remediate`, their fixes) call in each
/// audited account.
fn account_actions(selected: &[Selected], remediate: bool) -> BTreeSet<&'static str> {
    let mut actions = BTreeSet::new();
    for control in selected.iter().filter_map(|s| s.control) {
        actions.extend(control.meta().permissions.iter().copied());
        if remediate {
            if let Some(remediation) = control.remediation() {
                actions.extend(remediation.permissions().iter().copied());
            }
        }
    }
    actions
}

/// The policy document for `profile`: what the audited accounts need, plus what reaching
/// them needs. Roles in other accounts need the account statement too.
pub fn policy(profile: &Profile, selected: &[Selected], remediate: bool) -> serde_json::Value {
    let mut statements = Vec::new();
    let actions = account_actions(selected, remediate);
    if !actions.is_empty() {
        statements.push(json!({
            "Sid": "CisrunAccount",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }));
    }
    let targets = &profile.targets;
    if targets.source == TargetSource::Organization {
        let mut org: Vec<&str> = ORGANIZATION_PERMISSIONS.to_vec();
        if !targets.organizational_units.is_empty() {
            org.extend(ORGANIZATIONAL_UNIT_PERMISSIONS);
        }
        org.sort_unstable();
        statements.push(json!({
            "Sid": "CisrunOrganization",
            "Effect": "Allow",
            "Action": org,
            "Resource": "*",
        }));
    }
    if let Some(spec) = &targets.assume_role {
        if targets.source != TargetSource::Current {
            let role = spec.role.0.as_str();
            let resource = if role.starts_with("arn:") {
                role.replace("{account_id}", "*")
                    .replace("{partition}", "*")
            } else {
                format!("arn:*:iam::*:role/{role}")
            };
            statements.push(json!({
                "Sid": "CisrunAssumeRole",
                "Effect": "Allow",
                "Action": ASSUME_ROLE_PERMISSIONS,
                "Resource": resource,
            }));
        }
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Every control's actions as a Markdown table (the README's permissions table).
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
    for meta in catalogue.controls() {
        let fix = cisrun_checks::find(meta.id)
            .and_then(|c| c.remediation())
            .map(|r| code(r.permissions()))
            .unwrap_or_else(|| "no fix".to_string());
        let _ = writeln!(
            out,
            "| `{}` | {} | {fix} |",
            meta.id,
            code(meta.permissions)
        );
    }
    let _ = writeln!(
        out,
        "| `targets: source: organization` | {} | |",
        code(ORGANIZATION_PERMISSIONS)
    );
    let _ = writeln!(
        out,
        "| `targets: organizational_units` | {} | |",
        code(ORGANIZATIONAL_UNIT_PERMISSIONS)
    );
    let _ = writeln!(
        out,
        "| `targets: assume_role` (on the role) | {} | |",
        code(ASSUME_ROLE_PERMISSIONS)
    );
    out
}

pub fn run(catalogue: &Catalogue, args: &PermissionsArgs) -> Result<u8> {
    match (&args.profile, args.format) {
        (None, PermissionsFormat::Markdown) => print!("{}", markdown(catalogue)),
        (Some(reference), PermissionsFormat::Json) => {
            let profile = shipped::load(reference, catalogue)?;
            let selected = engine::select(&profile, catalogue);
            let policy = policy(&profile, &selected, args.remediate);
            println!("{}", serde_json::to_string_pretty(&policy)?);
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
