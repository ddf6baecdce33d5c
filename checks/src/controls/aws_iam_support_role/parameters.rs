//! The support role's parameters: which method the fix uses, checked when the profile is
//! read (the audit needs none).

use cisrun_core::{ControlParameters, RemediationError};
use schemars::JsonSchema;
use serde::Deserialize;

use super::SupportRole;

/// Tag cisrun puts on every role it creates; rollback deletes only roles that carry it.
pub const MARKER_TAG_KEY: &str = "cisrun:created-by";
pub const MARKER_TAG_VALUE: &str = "aws-iam-support-role";

/// Paths AWS reserves for its own roles.
pub(super) const RESERVED_PATHS: &[&str] = &["/aws-service-role/", "/aws-reserved/"];

/// The profile's `parameters: aws-iam-support-role:` block; only remediation needs it.
/// Method 1 (`role_name` and `trusted_principals`) creates a role; method 2
/// (`existing_role`) attaches the policy to a role you name.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRoleParameters {
    /// Method 1: the name of the role cisrun creates.
    #[serde(default)]
    pub role_name: Option<String>,
    /// Method 1: the role's IAM path (default `/`).
    #[serde(default)]
    pub path: Option<String>,
    /// Method 1: principals (IAM user, role or account-root ARNs) allowed to assume the role.
    #[serde(default)]
    pub trusted_principals: Vec<String>,
    /// Method 1: a managed policy ARN set as the role's permissions boundary.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Method 1: tags for the role (cisrun adds `cisrun:created-by`).
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    /// Method 1: the role's maximum session, 3600 to 43200 seconds.
    #[serde(default)]
    pub max_session_duration: Option<i32>,
    /// Method 2: attach the policy to this existing role instead.
    #[serde(default)]
    pub existing_role: Option<String>,
}

impl ControlParameters for SupportRoleParameters {
    fn validate(&self) -> Result<(), String> {
        self.method().map(drop).map_err(|e| e.to_string())
    }
}

/// What remediation needs, checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Method {
    CreateRole {
        role_name: String,
        path: String,
        trusted_principals: Vec<String>,
        permissions_boundary: Option<String>,
        tags: std::collections::BTreeMap<String, String>,
        max_session_duration: Option<i32>,
    },
    ExistingRole {
        role_name: String,
    },
}

fn parameter_error(field: &str, message: impl std::fmt::Display) -> RemediationError {
    RemediationError::Parameters(format!(
        "parameters.{}.{field}: {message}",
        SupportRole::META.id
    ))
}

fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn check_path(path: &str) -> Result<(), RemediationError> {
    let well_formed = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if !well_formed {
        return Err(parameter_error(
            "path",
            format!("`{path}` is not an IAM path (it must start and end with `/`)"),
        ));
    }
    if RESERVED_PATHS.iter().any(|r| path.starts_with(r)) {
        return Err(RemediationError::Refused(format!(
            "path `{path}` is reserved for AWS service roles"
        )));
    }
    Ok(())
}

/// A principal the trust policy may name: an IAM user, role or account root, by ARN, in
/// `partition`. Wildcards, services, federated and session principals are refused.
pub(super) fn check_principal(
    principal: &str,
    partition: Option<&str>,
) -> Result<(), RemediationError> {
    if principal.contains('*') || principal.contains('?') {
        return Err(RemediationError::Refused(format!(
            "trusted principal `{principal}` is a wildcard: name the IAM users, roles or \
                accounts that handle incidents"
        )));
    }
    let malformed = || {
        parameter_error(
            "trusted_principals",
            format!(
                "`{principal}` is not an IAM user, role or account-root ARN \
                 (arn:aws:iam::123456789012:root, ...:user/NAME, ...:role/NAME)"
            ),
        )
    };
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    let [arn, arn_partition, service, region, account, resource] = parts.as_slice() else {
        return Err(malformed());
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let resource_ok = *resource == "root"
        || ["user/", "role/"].iter().any(|prefix| {
            resource.strip_prefix(prefix).is_some_and(|rest| {
                let name = rest.rsplit('/').next().unwrap_or("");
                valid_role_name(name) || (!name.is_empty() && name.len() <= 64)
            })
        });
    if *arn != "arn" || *service != "iam" || !region.is_empty() || !account_ok || !resource_ok {
        return Err(malformed());
    }
    if let Some(partition) = partition {
        if *arn_partition != partition {
            return Err(RemediationError::Refused(format!(
                "trusted principal `{principal}` is in partition `{arn_partition}`, the account \
                    is in `{partition}`"
            )));
        }
    }
    Ok(())
}

impl SupportRoleParameters {
    /// The method these parameters choose, checked; `None` when they choose none (the audit
    /// needs no parameters; remediation refuses to start without a method).
    fn method(&self) -> Result<Option<Method>, RemediationError> {
        match (&self.role_name, &self.existing_role) {
            (Some(_), Some(_)) => Err(parameter_error(
                "existing_role",
                "set either `role_name` (create a role) or `existing_role` (use one), not both",
            )),
            (None, None) if self.sets_creation_fields() => Err(parameter_error(
                "role_name",
                "missing: the role to create with these settings",
            )),
            (None, None) => Ok(None),
            (None, Some(existing)) => self.existing_role_method(existing).map(Some),
            (Some(role_name), None) => self.create_role_method(role_name).map(Some),
        }
    }

    /// The fields that only apply when cisrun creates the role, and whether each is set.
    fn creation_fields(&self) -> [(&'static str, bool); 5] {
        [
            ("trusted_principals", !self.trusted_principals.is_empty()),
            ("path", self.path.is_some()),
            ("permissions_boundary", self.permissions_boundary.is_some()),
            ("tags", !self.tags.is_empty()),
            ("max_session_duration", self.max_session_duration.is_some()),
        ]
    }

    fn sets_creation_fields(&self) -> bool {
        self.creation_fields().iter().any(|(_, set)| *set)
    }

    fn existing_role_method(&self, existing: &str) -> Result<Method, RemediationError> {
        if !valid_role_name(existing) {
            return Err(parameter_error(
                "existing_role",
                format!("`{existing}` is not a role name"),
            ));
        }
        if let Some((field, _)) = self.creation_fields().iter().find(|(_, set)| *set) {
            return Err(parameter_error(
                field,
                "only applies when cisrun creates the role (`role_name`); an existing role \
                 is left as it is",
            ));
        }
        Ok(Method::ExistingRole {
            role_name: existing.to_string(),
        })
    }

    fn create_role_method(&self, role_name: &str) -> Result<Method, RemediationError> {
        if !valid_role_name(role_name) {
            return Err(parameter_error(
                "role_name",
                format!("`{role_name}` is not a valid role name (1-64 of A-Z a-z 0-9 +=,.@_-)"),
            ));
        }
        if role_name.starts_with("AWSServiceRoleFor") || role_name.starts_with("AWSReservedSSO") {
            return Err(RemediationError::Refused(format!(
                "`{role_name}` is a name AWS uses for its own roles"
            )));
        }
        let path = self.path.clone().unwrap_or_else(|| "/".to_string());
        check_path(&path)?;
        if self.trusted_principals.is_empty() {
            return Err(parameter_error(
                "trusted_principals",
                "missing: list the IAM users, roles or account roots (by ARN) who handle \
                 incidents",
            ));
        }
        let mut principals = self.trusted_principals.clone();
        for principal in &principals {
            check_principal(principal, None)?;
        }
        principals.sort();
        principals.dedup();
        if let Some(boundary) = &self.permissions_boundary {
            if !(boundary.starts_with("arn:") && boundary.contains(":policy/")) {
                return Err(parameter_error(
                    "permissions_boundary",
                    format!("`{boundary}` is not a managed policy ARN"),
                ));
            }
        }
        if let Some(seconds) = self.max_session_duration {
            if !(3600..=43200).contains(&seconds) {
                return Err(parameter_error(
                    "max_session_duration",
                    format!("{seconds} is outside 3600..=43200 seconds"),
                ));
            }
        }
        Ok(Method::CreateRole {
            role_name: role_name.to_string(),
            path,
            trusted_principals: principals,
            permissions_boundary: self.permissions_boundary.clone(),
            tags: checked_tags(&self.tags)?,
            max_session_duration: self.max_session_duration,
        })
    }
}

/// The profile's tags plus cisrun's marker, checked against IAM's rules.
fn checked_tags(
    tags: &std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, RemediationError> {
    for (key, value) in tags {
        if key.is_empty() || key.len() > 128 || value.len() > 256 || key.starts_with("aws:") {
            return Err(parameter_error(
                "tags",
                format!("`{key}` is not a valid tag"),
            ));
        }
        if key == MARKER_TAG_KEY {
            return Err(parameter_error(
                "tags",
                format!("`{MARKER_TAG_KEY}` is cisrun's own tag"),
            ));
        }
    }
    if tags.len() > 49 {
        return Err(parameter_error("tags", "at most 49 tags (cisrun adds one)"));
    }
    let mut tags = tags.clone();
    tags.insert(MARKER_TAG_KEY.to_string(), MARKER_TAG_VALUE.to_string());
    Ok(tags)
}

/// The method `parameters` choose; remediation cannot start without one.
pub(super) fn method_from(parameters: &SupportRoleParameters) -> Result<Method, RemediationError> {
    parameters.method()?.ok_or_else(|| {
        RemediationError::Parameters(format!(
            "parameters.{}: missing `role_name` and `trusted_principals` (create a support role) \
             or `existing_role` (attach the policy to an existing role)",
            SupportRole::META.id
        ))
    })
}
