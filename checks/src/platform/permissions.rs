//! What the AWS platform says about permissions: the least-privilege IAM policy a profile
//! needs (its controls' actions in every audited account, plus what reaching the accounts
//! needs), and the rows its target sources add to the permissions table.

use std::collections::BTreeSet;

use cisrun_core::platform::PermissionRow;
use serde_json::json;

use super::settings::{AwsSettings, TargetSource};
use crate::accounts::{
    ASSUME_ROLE_PERMISSIONS, ORGANIZATIONAL_UNIT_PERMISSIONS, ORGANIZATION_PERMISSIONS,
};

/// The policy document for a profile with these settings whose controls (and fixes) call
/// `actions`. Roles in other accounts need the account statement too.
pub fn policy(settings: &AwsSettings, actions: &BTreeSet<&'static str>) -> serde_json::Value {
    let mut statements = Vec::new();
    if !actions.is_empty() {
        statements.push(json!({
            "Sid": "CisrunAccount",
            "Effect": "Allow",
            "Action": actions,
            "Resource": "*",
        }));
    }
    let targets = &settings.targets;
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

/// The permissions table's rows for what the target sources need.
pub fn rows() -> Vec<PermissionRow> {
    vec![
        PermissionRow {
            subject: "`targets: source: organization`".to_string(),
            actions: ORGANIZATION_PERMISSIONS.to_vec(),
        },
        PermissionRow {
            subject: "`targets: organizational_units`".to_string(),
            actions: ORGANIZATIONAL_UNIT_PERMISSIONS.to_vec(),
        },
        PermissionRow {
            subject: "`targets: assume_role` (on the role)".to_string(),
            actions: ASSUME_ROLE_PERMISSIONS.to_vec(),
        },
    ]
}
