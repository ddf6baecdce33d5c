//! CIS AWS Foundations: a support role for incidents (1.17 in v1.3.0–v4.0.1). The example of
//! a control with a fix and typed parameters; for an audit-only control, start from
//! `aws_iam_password_min_length.rs`.

use async_trait::async_trait;
use cisrun_core::{
    Assessment, Control, ControlMeta, ControlParameters, Evidence, FixSafety, Outcome,
    ParameterSpec, Parameters, Plan, Remediation, RemediationError, Step,
};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::aws::pages::Page;
use crate::aws::{sorted_names, AwsAccount, AwsError};
use crate::data::iam::{policy_entities, PolicyEntities};
use crate::register_control;

cisrun_core::documented_control! {
    /// ## Description
    /// AWS provides a support center that can be used for incident notification and
    /// response, as well as technical support and customer services. Create an IAM role,
    /// with the appropriate policy assigned, to allow authorized users to manage incidents
    /// with AWS Support.
    ///
    /// ## Rationale
    /// By implementing least privilege for access control, an IAM role will require an
    /// appropriate IAM policy to allow Support Center access in order to manage incidents
    /// with AWS Support.
    ///
    /// ## Impact
    /// All AWS Support plans include an unlimited number of account and billing support
    /// cases. When assigning rights, keep in mind that other policies (such as
    /// AdministratorAccess, or customer-managed policies) may grant access to Support as
    /// well. Attaching the AWS-managed `AWSSupportAccess` policy to a dedicated role is one
    /// simple way of granting this permission; for separation of duties, attach it only
    /// where necessary.
    ///
    /// ## Audit
    /// Passes if and only if the AWS-managed policy
    /// `arn:<partition>:iam::aws:policy/AWSSupportAccess` is attached to at least one IAM
    /// role. cisrun reads every page of
    /// `aws iam list-entities-for-policy --policy-arn arn:<partition>:iam::aws:policy/AWSSupportAccess`
    /// and checks that `PolicyRoles` is not empty; the partition comes from
    /// `sts:GetCallerIdentity`. The policy's ARN is fixed, so cisrun does not scan
    /// `list-policies` as the benchmark's first step does.
    ///
    /// - Attached only to users or groups: **fail** (the benchmark requires a role).
    /// - A customer-managed policy that happens to be named `AWSSupportAccess`, and the
    ///   service-linked `AWSSupportServiceRolePolicy`, do not count.
    /// - Any AWS error that survives the SDK's retries: **error**, never pass or fail.
    ///
    /// Permissions: `sts:GetCallerIdentity`, `iam:ListEntitiesForPolicy`.
    ///
    /// ## Remediation
    /// 1. Create a role whose trust policy names the people who handle incidents (IAM users,
    ///    roles or account roots, by ARN):
    ///    `aws iam create-role --role-name <support-role> --assume-role-policy-document file://trust.json`
    /// 2. Attach the policy:
    ///    `aws iam attach-role-policy --role-name <support-role> --policy-arn arn:<partition>:iam::aws:policy/AWSSupportAccess`
    ///
    /// Or attach the policy to an existing role (method 2): never to a default or
    /// service-linked role. `cisrun remediate` does either from the profile's parameters:
    ///
    /// ```yaml
    /// parameters:
    ///   aws-iam-support-role:
    ///     role_name: cisrun-support            # method 1: created by cisrun
    ///     path: /                              # optional
    ///     trusted_principals: [arn:aws:iam::123456789012:role/IncidentResponders]
    ///     permissions_boundary: arn:aws:iam::123456789012:policy/Boundary   # optional
    ///     max_session_duration: 3600           # optional, seconds
    ///     tags: {team: security}               # optional; cisrun adds cisrun:created-by
    ///     # existing_role: IncidentResponders  # method 2 instead of creating a role
    /// ```
    ///
    /// Back-out: detach the policy (`aws iam detach-role-policy ...`) and, if the role was
    /// created for this, delete it (`aws iam delete-role ...`); `cisrun rollback` does
    /// exactly this from the journal.
    ///
    /// ## Default value
    /// No role has `AWSSupportAccess` attached. (Accounts do have the service-linked role
    /// `AWSServiceRoleForSupport`, which does not satisfy this control.)
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html
    /// - https://docs.aws.amazon.com/awssupport/latest/user/using-service-linked-roles-sup.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html
    /// - https://docs.aws.amazon.com/cli/latest/reference/iam/list-entities-for-policy.html
    /// - https://aws.amazon.com/premiumsupport/pricing/
    pub struct SupportRole;
}

/// The AWS-managed policy this control looks for.
pub const POLICY_NAME: &str = "AWSSupportAccess";

static META: ControlMeta = ControlMeta {
    id: "aws-iam-support-role",
    title: "Ensure a support role has been created to manage incidents with AWS Support",
    assessment: Assessment::Automated,
    doc: SupportRole::DOC,
    parameters: Some(ParameterSpec::of::<SupportRoleParameters>()),
    permissions: &["iam:ListEntitiesForPolicy"],
};

register_control!(SupportRole);

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

/// The entities `AWSSupportAccess` is attached to in `account`, fetched once per account.
pub async fn support_policy_entities(
    account: &AwsAccount,
) -> Result<std::sync::Arc<PolicyEntities>, AwsError> {
    policy_entities(account, &account.aws_managed_policy_arn(POLICY_NAME)).await
}

/// The benchmark's verdict on what the policy is attached to.
pub fn verdict(policy_arn: &str, entities: &PolicyEntities) -> Outcome {
    let mut evidence: Vec<Evidence> = entities
        .roles
        .iter()
        .map(|(name, id)| {
            Evidence::new(
                format!("role/{name}"),
                format!("{POLICY_NAME} attached (role id {id})"),
            )
        })
        .collect();
    evidence.extend(entities.users.iter().map(|u| {
        Evidence::new(
            format!("user/{u}"),
            format!("{POLICY_NAME} attached to a user (does not count)"),
        )
    }));
    evidence.extend(entities.groups.iter().map(|g| {
        Evidence::new(
            format!("group/{g}"),
            format!("{POLICY_NAME} attached to a group (does not count)"),
        )
    }));
    if !entities.roles.is_empty() {
        let names: Vec<&str> = entities.roles.iter().map(|(n, _)| n.as_str()).collect();
        return Outcome::pass(
            format!(
                "{policy_arn} is attached to {} role(s): {}",
                names.len(),
                names.join(", ")
            ),
            evidence,
        );
    }
    if entities.users.is_empty() && entities.groups.is_empty() {
        return Outcome::fail(
            format!("{policy_arn} is not attached to any IAM role, user or group"),
            vec![Evidence::new(policy_arn, "no entities attached")],
        );
    }
    Outcome::fail(
        format!(
            "{policy_arn} is attached only to users or groups ({} user(s), {} group(s)), \
             not to an IAM role: create a support role",
            entities.users.len(),
            entities.groups.len()
        ),
        evidence,
    )
}

#[async_trait]
impl Control<AwsAccount> for SupportRole {
    fn meta(&self) -> &'static ControlMeta {
        &META
    }

    async fn audit(&self, account: &AwsAccount, _parameters: &Parameters) -> Outcome {
        let arn = account.aws_managed_policy_arn(POLICY_NAME);
        match support_policy_entities(account).await {
            Ok(entities) => verdict(&arn, &entities),
            Err(error) => Outcome::error(error.to_detail()),
        }
    }

    fn remediation(&self) -> Option<&dyn Remediation<AwsAccount>> {
        Some(self)
    }
}

// ---------------------------------------------------------------------------------------
// Remediation: method 1 creates a role trusted by the named principals and attaches the
// policy; method 2 attaches the policy to a named existing role. Nothing else is touched.
// ---------------------------------------------------------------------------------------

/// Tag cisrun puts on every role it creates; rollback deletes only roles that carry it.
pub const MARKER_TAG_KEY: &str = "cisrun:created-by";
pub const MARKER_TAG_VALUE: &str = "aws-iam-support-role";

/// Paths AWS reserves for its own roles.
const RESERVED_PATHS: &[&str] = &["/aws-service-role/", "/aws-reserved/"];

/// What remediation needs, checked.
#[derive(Debug, Clone, PartialEq)]
enum Method {
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
    },
}

fn parameter_error(field: &str, message: impl std::fmt::Display) -> RemediationError {
    RemediationError::Parameters(format!("parameters.{}.{field}: {message}", META.id))
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
fn check_principal(principal: &str, partition: Option<&str>) -> Result<(), RemediationError> {
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
fn method_from(parameters: &Parameters) -> Result<Method, RemediationError> {
    let typed: SupportRoleParameters = parameters.for_fix(META.id)?;
    typed.method()?.ok_or_else(|| {
        RemediationError::Parameters(format!(
            "parameters.{}: missing `role_name` and `trusted_principals` (create a support role) \
             or `existing_role` (attach the policy to an existing role)",
            META.id
        ))
    })
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
    sorted_names(account, ACTION, |marker| async move {
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
    sorted_names(account, ACTION, |marker| async move {
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
    sorted_names(account, ACTION, |marker| async move {
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

fn attach_step(account: &AwsAccount, role_name: &str, role_arn: String) -> Step {
    let policy_arn = account.aws_managed_policy_arn(POLICY_NAME);
    Step {
        action: "iam:AttachRolePolicy".to_string(),
        resource: role_arn,
        summary: format!("attach {policy_arn} to role {role_name}"),
        data: serde_json::to_value(SupportRoleStep::AttachPolicy {
            role_name: role_name.to_string(),
            policy_arn,
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
        vec![attach_step(account, role_name, role.arn().to_string())],
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
            vec![create, attach_step(account, role_name, arn)],
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
        vec![attach_step(account, role_name, role.arn().to_string())],
        format!("method 1: the role {role_name} that cisrun created exists; attach {POLICY_NAME}"),
    ))
}

#[async_trait]
impl Remediation<AwsAccount> for SupportRole {
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

    fn check_parameters(&self, parameters: &Parameters) -> Result<(), RemediationError> {
        method_from(parameters).map(drop)
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        parameters: &Parameters,
    ) -> Result<Plan, RemediationError> {
        let method = method_from(parameters)?;
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
            } => {
                if policy_arn != account.aws_managed_policy_arn(POLICY_NAME) {
                    return Err(RemediationError::Refused(format!(
                        "this control only detaches {POLICY_NAME}, not {policy_arn}"
                    )));
                }
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
    use aws_sdk_iam::operation::list_entities_for_policy::{
        ListEntitiesForPolicyError, ListEntitiesForPolicyOutput,
    };
    use aws_sdk_iam::types::{PolicyRole, PolicyUser};
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn role(name: &str) -> PolicyRole {
        PolicyRole::builder()
            .role_name(name)
            .role_id(format!("AROA{name}"))
            .build()
    }

    fn account(iam: Client, partition: &str) -> AwsAccount {
        AwsAccount::for_tests(iam, "123456789012", partition)
    }

    #[tokio::test]
    async fn reads_every_page_and_names_every_role() {
        let first = mock!(Client::list_entities_for_policy)
            .match_requests(|r| r.marker().is_none())
            .then_output(|| {
                ListEntitiesForPolicyOutput::builder()
                    .policy_roles(role("a"))
                    .is_truncated(true)
                    .marker("page-2")
                    .build()
            });
        let second = mock!(Client::list_entities_for_policy)
            .match_requests(|r| r.marker() == Some("page-2"))
            .then_output(|| {
                ListEntitiesForPolicyOutput::builder()
                    .policy_roles(role("b"))
                    .is_truncated(false)
                    .build()
            });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&first, &second]);
        let outcome = SupportRole
            .audit(&account(iam, "aws"), &Default::default())
            .await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let resources: Vec<_> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(resources, ["role/a", "role/b"]);
        assert_eq!(first.num_calls(), 1);
        assert_eq!(second.num_calls(), 1);
    }

    #[tokio::test]
    async fn asks_for_the_policy_in_the_callers_partition() {
        let rule = mock!(Client::list_entities_for_policy)
            .match_requests(|r| {
                r.policy_arn() == Some("arn:aws-us-gov:iam::aws:policy/AWSSupportAccess")
            })
            .then_output(|| {
                ListEntitiesForPolicyOutput::builder()
                    .policy_roles(role("gov"))
                    .build()
            });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole
            .audit(&account(iam, "aws-us-gov"), &Default::default())
            .await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn users_only_is_a_fail_that_says_so() {
        let rule = mock!(Client::list_entities_for_policy).then_output(|| {
            ListEntitiesForPolicyOutput::builder()
                .policy_users(PolicyUser::builder().user_name("alice").build())
                .build()
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole
            .audit(&account(iam, "aws"), &Default::default())
            .await;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.message.contains("only to users or groups"),
            "{}",
            outcome.message
        );
    }

    #[tokio::test]
    async fn access_denied_is_an_error_naming_the_permission() {
        let rule = mock!(Client::list_entities_for_policy).then_error(|| {
            ListEntitiesForPolicyError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not authorized")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole
            .audit(&account(iam, "aws"), &Default::default())
            .await;
        assert_eq!(outcome.status, Status::Error);
        let detail = outcome.error.expect("error detail");
        assert_eq!(detail.code, "AccessDenied");
        assert_eq!(
            detail.missing_permission.as_deref(),
            Some("iam:ListEntitiesForPolicy")
        );
    }

    #[tokio::test]
    async fn throttling_is_an_error_not_a_verdict() {
        let rule = mock!(Client::list_entities_for_policy).then_error(|| {
            ListEntitiesForPolicyError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole
            .audit(&account(iam, "aws"), &Default::default())
            .await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(outcome.error.map(|e| e.code).as_deref(), Some("Throttling"));
    }

    #[tokio::test]
    async fn the_listing_is_fetched_once_per_account() {
        let rule = mock!(Client::list_entities_for_policy).then_output(|| {
            ListEntitiesForPolicyOutput::builder()
                .policy_roles(role("a"))
                .build()
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = account(iam, "aws");
        let none = Parameters::default();
        let (a, b) = tokio::join!(
            SupportRole.audit(&account, &none),
            SupportRole.audit(&account, &none)
        );
        assert_eq!(a, b);
        assert_eq!(rule.num_calls(), 1);
    }

    #[test]
    fn parameters_reject_unknown_keys_and_conflicts_when_read() {
        let check = |yaml: &str| {
            let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
            (META.parameters.expect("has parameters").check)(&value)
        };
        assert!(check("rolename: x").unwrap_err().contains("unknown field"));
        assert!(check("role_name: x\nexisting_role: y")
            .unwrap_err()
            .contains("not both"));
        assert!(check("role_name: x\ntrusted_principals: ['*']")
            .unwrap_err()
            .contains("wildcard"));
        assert!(
            check("role_name: x\ntrusted_principals: [arn:aws:iam::123456789012:root]").is_ok()
        );
        assert!(check("{}").is_ok(), "the audit needs no parameters");
    }
}
