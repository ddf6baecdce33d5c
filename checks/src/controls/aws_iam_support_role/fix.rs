//! The support role's fix: method 1 creates a role trusted by the named principals and
//! attaches `AWSSupportAccess`; method 2 attaches it to a named existing role. Nothing else
//! is touched, and every change is journaled and rolled back exactly.

use async_trait::async_trait;
use cisrun_core::{FixSafety, Input, Plan, Remediation, RemediationError, Step};
use serde::Deserialize;

use super::parameters::{
    check_principal, method_from, Method, SupportRoleParameters, MARKER_TAG_KEY, MARKER_TAG_VALUE,
    RESERVED_PATHS,
};
use super::{support_policy_entities, POLICY_NAME};
use crate::account::AwsAccount;
use crate::aws::pages::Page;
use crate::aws::{sorted_names, AwsError};

/// The fix.
pub struct SupportRoleFix;

/// The data of each step this control plans.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SupportRoleStep {
    CreateRole {
        role_name: String,
        path: String,
        trust_policy: serde_json::Value,
        #[serde(default)]
        permissions_boundary: Option<String>,
        tags: std::collections::BTreeMap<String, String>,
        #[serde(default)]
        max_session_duration: Option<i32>,
    },
    AttachPolicy {
        role_name: String,
        policy_arn: String,
        /// Method 2: the id IAM gave the existing role (never reused, unlike its name), so
        /// that undo detaches the policy from that role only. `None` for a role cisrun
        /// creates: its marker tag says it is cisrun's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_id: Option<String>,
    },
}
fn trust_policy(principals: &[String]) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// A role as remediation and rollback compare it.
async fn describe_role(
    iam: &aws_sdk_iam::Client,
    role_name: &str,
) -> Result<Option<aws_sdk_iam::types::Role>, AwsError> {
    match iam.get_role().role_name(role_name).send().await {
        Ok(out) => Ok(out.role),
        Err(e) => {
            let error = AwsError::from_sdk("iam:GetRole", e);
            if error.code == "NoSuchEntity" {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

fn is_aws_owned(role: &aws_sdk_iam::types::Role) -> Option<String> {
    let path = role.path();
    if RESERVED_PATHS.iter().any(|r| path.starts_with(r)) {
        return Some(format!(
            "its path `{path}` is reserved for AWS service-linked and SSO roles"
        ));
    }
    if role.role_name().starts_with("AWSServiceRoleFor") {
        return Some("it is a service-linked role".to_string());
    }
    let trust = match role
        .assume_role_policy_document()
        .map(crate::policy::parse_document)
    {
        None => return None,
        Some(Ok(trust)) => trust,
        // A role cisrun cannot read the trust of is not one it may change.
        Some(Err(error)) => return Some(format!("its trust policy: {error}")),
    };
    let trusts_a_service = trust
        .statements()
        .iter()
        .any(|s| s["Principal"].get("Service").is_some());
    trusts_a_service
        .then(|| "its trust policy names an AWS service (a default or service role)".to_string())
}

fn has_marker(role: &aws_sdk_iam::types::Role) -> bool {
    role.tags()
        .iter()
        .any(|t| t.key() == MARKER_TAG_KEY && t.value() == MARKER_TAG_VALUE)
}

async fn attached_policies(account: &AwsAccount, role_name: &str) -> Result<Vec<String>, AwsError> {
    const ACTION: &str = "iam:ListAttachedRolePolicies";
    sorted_names(account.max_pages(), ACTION, |marker| async move {
        let out = account
            .iam()
            .list_attached_role_policies()
            .role_name(role_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        let names = out
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect();
        Ok(Page::new(names, out.marker()).truncated(out.is_truncated()))
    })
    .await
}

async fn inline_policies(account: &AwsAccount, role_name: &str) -> Result<Vec<String>, AwsError> {
    const ACTION: &str = "iam:ListRolePolicies";
    sorted_names(account.max_pages(), ACTION, |marker| async move {
        let out = account
            .iam()
            .list_role_policies()
            .role_name(role_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        Ok(Page::new(out.policy_names().to_vec(), out.marker()).truncated(out.is_truncated()))
    })
    .await
}

async fn instance_profiles(account: &AwsAccount, role_name: &str) -> Result<Vec<String>, AwsError> {
    const ACTION: &str = "iam:ListInstanceProfilesForRole";
    sorted_names(account.max_pages(), ACTION, |marker| async move {
        let out = account
            .iam()
            .list_instance_profiles_for_role()
            .role_name(role_name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        let names = out
            .instance_profiles()
            .iter()
            .map(|p| p.instance_profile_name().to_string())
            .collect();
        Ok(Page::new(names, out.marker()).truncated(out.is_truncated()))
    })
    .await
}

/// Everything about a role that cisrun's changes, or someone else's since, could affect.
async fn role_state(account: &AwsAccount, role_name: &str) -> Result<serde_json::Value, AwsError> {
    let Some(role) = describe_role(account.iam(), role_name).await? else {
        return Ok(serde_json::json!({ "exists": false }));
    };
    let tags: std::collections::BTreeMap<&str, &str> =
        role.tags().iter().map(|t| (t.key(), t.value())).collect();
    Ok(serde_json::json!({
        "exists": true,
        "path": role.path(),
        "trust_policy": role.assume_role_policy_document().map(|text| {
            // The state records what is there, readable or not.
            crate::policy::parse_document(text)
                .map(crate::policy::PolicyDocument::into_value)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
        }),
        "permissions_boundary": role.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
        "max_session_duration": role.max_session_duration(),
        "tags": tags,
        "attached_policies": attached_policies(account, role_name).await?,
        "inline_policies": inline_policies(account, role_name).await?,
        "instance_profiles": instance_profiles(account, role_name).await?,
    }))
}

fn step_data(step: &Step) -> Result<SupportRoleStep, RemediationError> {
    step.data_as()
}

fn create_role_step(
    account: &AwsAccount,
    role_name: &str,
    path: &str,
    principals: &[String],
    data: &SupportRoleStep,
) -> Step {
    Step {
        action: "iam:CreateRole".to_string(),
        resource: format!(
            "arn:{}:iam::{}:role{path}{role_name}",
            account.partition, account.account_id
        ),
        summary: format!(
            "create role {role_name} trusted by {}, tagged {MARKER_TAG_KEY}={MARKER_TAG_VALUE}",
            principals.join(", ")
        ),
        data: serde_json::to_value(data).unwrap_or_default(),
    }
}

/// The AWS principals a trust policy allows to assume the role, however it spells them.
fn trusted_aws_principals(policy: &serde_json::Value) -> std::collections::BTreeSet<String> {
    let mut principals = std::collections::BTreeSet::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        match &statement["Principal"]["AWS"] {
            serde_json::Value::String(one) => {
                principals.insert(one.clone());
            }
            serde_json::Value::Array(many) => {
                principals.extend(many.iter().filter_map(|p| p.as_str().map(str::to_string)));
            }
            _ => {}
        }
    }
    principals
}

fn attach_step(
    account: &AwsAccount,
    role_name: &str,
    role_arn: String,
    role_id: Option<String>,
) -> Step {
    let policy_arn = account.aws_managed_policy_arn(POLICY_NAME);
    Step {
        action: "iam:AttachRolePolicy".to_string(),
        resource: role_arn,
        summary: format!("attach {policy_arn} to role {role_name}"),
        data: serde_json::to_value(SupportRoleStep::AttachPolicy {
            role_name: role_name.to_string(),
            policy_arn,
            role_id,
        })
        .unwrap_or_default(),
    }
}

/// Method 2: attach the policy to a role the profile names, never an AWS-owned one.
async fn plan_existing_role(
    account: &AwsAccount,
    role_name: &str,
) -> Result<Plan, RemediationError> {
    let role = describe_role(account.iam(), role_name)
        .await?
        .ok_or_else(|| {
            RemediationError::Refused(format!(
                "existing_role `{role_name}` does not exist in account {}",
                account.account_id
            ))
        })?;
    if let Some(why) = is_aws_owned(&role) {
        return Err(RemediationError::Refused(format!(
            "will not attach {POLICY_NAME} to `{role_name}`: {why}"
        )));
    }
    Ok(Plan::of(
        vec![attach_step(
            account,
            role_name,
            role.arn().to_string(),
            Some(role.role_id().to_string()),
        )],
        format!("method 2: attach {POLICY_NAME} to the existing role {role_name}"),
    ))
}

/// Method 1: create the role and attach the policy; or, where cisrun created the role
/// earlier (an apply that stopped halfway) and it trusts exactly these principals, attach.
async fn plan_new_role(
    account: &AwsAccount,
    role_name: &str,
    path: &str,
    trusted_principals: &[String],
    data: &SupportRoleStep,
) -> Result<Plan, RemediationError> {
    let Some(role) = describe_role(account.iam(), role_name).await? else {
        let create = create_role_step(account, role_name, path, trusted_principals, data);
        let arn = create.resource.clone();
        return Ok(Plan::of(
            vec![create, attach_step(account, role_name, arn, None)],
            format!("method 1: create the support role {role_name} and attach {POLICY_NAME}"),
        ));
    };
    if !has_marker(&role) {
        return Err(RemediationError::Refused(format!(
            "role `{role_name}` already exists and cisrun did not create it; to use it, set \
             `existing_role: {role_name}` instead of `role_name`"
        )));
    }
    let trusted = match role
        .assume_role_policy_document()
        .map(crate::policy::parse_document)
    {
        None => Default::default(),
        Some(Ok(trust)) => trusted_aws_principals(trust.value()),
        Some(Err(error)) => {
            return Err(RemediationError::Refused(format!(
                "role `{role_name}`: its trust policy: {error}"
            )))
        }
    };
    let wanted: std::collections::BTreeSet<String> = trusted_principals.iter().cloned().collect();
    if trusted != wanted {
        return Err(RemediationError::Refused(format!(
            "role `{role_name}` (created by cisrun earlier) trusts {}, not the profile's {}: \
             roll back that apply first",
            trusted.into_iter().collect::<Vec<_>>().join(", "),
            trusted_principals.join(", ")
        )));
    }
    Ok(Plan::of(
        vec![attach_step(
            account,
            role_name,
            role.arn().to_string(),
            None,
        )],
        format!("method 1: the role {role_name} that cisrun created exists; attach {POLICY_NAME}"),
    ))
}

/// Whether cisrun may detach the policy from `role`: it is the role the step attached it
/// to, by cisrun's marker tag (a role cisrun created) or by the id the plan recorded (an
/// existing role). A journal edited to name another role is refused here, `--force` or not.
fn check_attached_by_cisrun(
    role: &aws_sdk_iam::types::Role,
    recorded_id: Option<&str>,
    step: &Step,
) -> Result<(), RemediationError> {
    let name = role.role_name();
    if role.arn() != step.resource {
        return Err(RemediationError::Refused(format!(
            "the step names {} but role `{name}` is {}: not a step this fix wrote; \
             the policy was not detached",
            step.resource,
            role.arn()
        )));
    }
    if let Some(why) = is_aws_owned(role) {
        return Err(RemediationError::Refused(format!(
            "role `{name}`: {why}; cisrun never attaches {POLICY_NAME} to such a role, so it \
             will not detach it"
        )));
    }
    let ours = match recorded_id {
        Some(id) => role.role_id() == id,
        None => has_marker(role),
    };
    if ours {
        return Ok(());
    }
    let why = match recorded_id {
        Some(id) => format!(
            "its id is {}, not {id}, the role the apply attached {POLICY_NAME} to",
            role.role_id()
        ),
        None => format!(
            "it does not carry the tag {MARKER_TAG_KEY}={MARKER_TAG_VALUE} of the role cisrun \
             created"
        ),
    };
    Err(RemediationError::Refused(format!(
        "role `{name}` is not one cisrun changed ({why}): {POLICY_NAME} was not detached"
    )))
}

#[async_trait]
impl Remediation<AwsAccount, SupportRoleParameters> for SupportRoleFix {
    fn safety(&self) -> FixSafety {
        // Grants Support access only to principals the profile names; fully reversible.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            "iam:GetRole",
            "iam:CreateRole",
            "iam:TagRole",
            "iam:AttachRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "iam:ListInstanceProfilesForRole",
            "iam:PutRolePermissionsBoundary",
            "iam:DetachRolePolicy",
            "iam:DeleteRole",
        ]
    }

    fn check_parameters(&self, parameters: &SupportRoleParameters) -> Result<(), String> {
        method_from(parameters).map(drop).map_err(|e| e.to_string())
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, SupportRoleParameters>,
    ) -> Result<Plan, RemediationError> {
        let method = method_from(input.parameters)?;
        let entities = support_policy_entities(account).await?;
        if !entities.roles.is_empty() {
            return Ok(Plan::nothing_to_do(format!(
                "already compliant: {POLICY_NAME} is attached to role(s) {}",
                entities
                    .roles
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        match method {
            Method::ExistingRole { role_name } => plan_existing_role(account, &role_name).await,
            Method::CreateRole {
                role_name,
                path,
                trusted_principals,
                permissions_boundary,
                tags,
                max_session_duration,
            } => {
                for principal in &trusted_principals {
                    check_principal(principal, Some(&account.partition))?;
                }
                let data = SupportRoleStep::CreateRole {
                    role_name: role_name.clone(),
                    path: path.clone(),
                    trust_policy: trust_policy(&trusted_principals),
                    permissions_boundary,
                    tags,
                    max_session_duration,
                };
                plan_new_role(account, &role_name, &path, &trusted_principals, &data).await
            }
        }
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        // Both kinds of step touch one role: observe the whole role, so rollback can compare
        // it with what the journal recorded after the last step on it.
        let role_name = match step_data(step)? {
            SupportRoleStep::AttachPolicy { role_name, .. }
            | SupportRoleStep::CreateRole { role_name, .. } => role_name,
        };
        role_state(account, &role_name)
            .await
            .map_err(RemediationError::from)
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let iam = account.iam();
        match step_data(step)? {
            SupportRoleStep::CreateRole {
                role_name,
                path,
                trust_policy,
                permissions_boundary,
                tags,
                max_session_duration,
            } => {
                let mut request = iam
                    .create_role()
                    .role_name(&role_name)
                    .path(&path)
                    // No description: moto's signature check rejects `%20` in form bodies, and
                    // the marker tag already says who created the role and why.
                    .assume_role_policy_document(trust_policy.to_string())
                    .set_permissions_boundary(permissions_boundary)
                    .set_max_session_duration(max_session_duration);
                for (key, value) in tags {
                    let tag = aws_sdk_iam::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|e| RemediationError::Refused(e.to_string()))?;
                    request = request.tags(tag);
                }
                request
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk("iam:CreateRole", e))?;
                Ok(())
            }
            SupportRoleStep::AttachPolicy {
                role_name,
                policy_arn,
                ..
            } => {
                if policy_arn != account.aws_managed_policy_arn(POLICY_NAME) {
                    return Err(RemediationError::Refused(format!(
                        "this control only attaches {POLICY_NAME}, not {policy_arn}"
                    )));
                }
                iam.attach_role_policy()
                    .role_name(&role_name)
                    .policy_arn(&policy_arn)
                    .send()
                    .await
                    .map_err(|e| {
                        RemediationError::from(AwsError::from_sdk("iam:AttachRolePolicy", e))
                    })?;
                Ok(())
            }
        }
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let iam = account.iam();
        match step_data(step)? {
            SupportRoleStep::AttachPolicy {
                role_name,
                policy_arn,
                role_id,
            } => {
                if policy_arn != account.aws_managed_policy_arn(POLICY_NAME) {
                    return Err(RemediationError::Refused(format!(
                        "this control only detaches {POLICY_NAME}, not {policy_arn}"
                    )));
                }
                let Some(role) = describe_role(iam, &role_name).await? else {
                    // The role is gone, and the attachment with it.
                    return Ok(());
                };
                check_attached_by_cisrun(&role, role_id.as_deref(), step)?;
                iam.detach_role_policy()
                    .role_name(&role_name)
                    .policy_arn(&policy_arn)
                    .send()
                    .await
                    .map_err(|e| {
                        RemediationError::from(AwsError::from_sdk("iam:DetachRolePolicy", e))
                    })?;
                Ok(())
            }
            SupportRoleStep::CreateRole { role_name, .. } => {
                // Delete only a role that carries cisrun's marker: never one cisrun did not create.
                let role = describe_role(iam, &role_name).await?;
                match role {
                    None => Ok(()),
                    Some(role) if !has_marker(&role) => Err(RemediationError::Refused(format!(
                        "role `{role_name}` does not carry the tag \
                            {MARKER_TAG_KEY}={MARKER_TAG_VALUE}: cisrun did not create it and will not delete it"
                    ))),
                    Some(_) => {
                        iam.delete_role()
                            .role_name(&role_name)
                            .send()
                            .await
                            .map_err(|e| AwsError::from_sdk("iam:DeleteRole", e))?;
                        Ok(())
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::{Role, Tag};

    const ARN: &str = "arn:aws:iam::123456789012:role/team";

    fn role(id: &str, marked: bool) -> Role {
        let mut builder = Role::builder()
            .path("/")
            .role_name("team")
            .role_id(id)
            .arn(ARN)
            .create_date(aws_smithy_types::DateTime::from_secs(0))
            .assume_role_policy_document(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
            );
        if marked {
            builder = builder.tags(
                Tag::builder()
                    .key(MARKER_TAG_KEY)
                    .value(MARKER_TAG_VALUE)
                    .build()
                    .expect("tag"),
            );
        }
        builder.build().expect("role")
    }

    fn step(resource: &str) -> Step {
        Step {
            action: "iam:AttachRolePolicy".into(),
            resource: resource.into(),
            summary: String::new(),
            data: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_policy_is_detached_only_from_the_role_cisrun_attached_it_to() {
        // Method 1: the role cisrun created carries its marker.
        assert!(check_attached_by_cisrun(&role("AROA1", true), None, &step(ARN)).is_ok());
        let unmarked = check_attached_by_cisrun(&role("AROA1", false), None, &step(ARN));
        assert!(
            unmarked.is_err_and(|e| e.to_string().contains("does not carry the tag")),
            "a role without the marker is someone else's"
        );
        // Method 2: the existing role, by the id the plan recorded; a role of the same name
        // made since (another id) is not it, and a marker does not stand in for the id.
        assert!(check_attached_by_cisrun(&role("AROA1", false), Some("AROA1"), &step(ARN)).is_ok());
        let other = check_attached_by_cisrun(&role("AROA2", true), Some("AROA1"), &step(ARN));
        assert!(other.is_err_and(|e| e.to_string().contains("its id is AROA2, not AROA1")));
        // A step whose resource is not the role it names.
        let elsewhere = check_attached_by_cisrun(
            &role("AROA1", true),
            None,
            &step("arn:aws:iam::123456789012:role/other"),
        );
        assert!(elsewhere.is_err_and(|e| e.to_string().contains("not a step this fix wrote")));
    }
}
