//! CIS AWS Foundations: a support role for incidents (1.17 in v1.3.0–v4.0.1).

use async_trait::async_trait;
use cisrun_core::{Assessment, BenchmarkNumber, Control, ControlMeta, Evidence, Level, Outcome};
use serde::Deserialize;

use crate::aws::{AwsAccount, AwsError};
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
    ///     tags: {team: security}               # optional; cisrun adds managed-by=cisrun
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
    benchmark: "cis-aws-foundations",
    level: Level::One,
    assessment: Assessment::Automated,
    numbers: &[
        BenchmarkNumber { version: "v1.2.0", number: "1.20" },
        BenchmarkNumber { version: "v1.3.0", number: "1.17" },
        BenchmarkNumber { version: "v1.4.0", number: "1.17" },
        BenchmarkNumber { version: "v1.5.0", number: "1.17" },
        BenchmarkNumber { version: "v2.0.0", number: "1.17" },
        BenchmarkNumber { version: "v3.0.0", number: "1.17" },
        BenchmarkNumber { version: "v4.0.1", number: "1.17" },
        BenchmarkNumber { version: "v5.0.0", number: "1.16" },
        BenchmarkNumber { version: "v6.0.0", number: "2.16" },
        BenchmarkNumber { version: "v7.0.0", number: "2.15" },
    ],
    doc: SupportRole::DOC,
    parameters: Some(check_parameters),
};

register_control!(SupportRole);

/// The profile's `parameters: aws-iam-support-role:` block; only remediation reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportRoleParameters {
    /// Method 1: the role cisrun creates.
    #[serde(default)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    /// Principals (IAM user, role or account-root ARNs) allowed to assume the role.
    #[serde(default)]
    pub trusted_principals: Vec<String>,
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub max_session_duration: Option<i32>,
    /// Method 2: attach the policy to this existing role instead.
    #[serde(default)]
    pub existing_role: Option<String>,
}

fn check_parameters(value: &serde_yaml::Value) -> Result<(), String> {
    serde_yaml::from_value::<SupportRoleParameters>(value.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Who the policy is attached to, every page read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    /// (role name, role id)
    pub roles: Vec<(String, String)>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

/// Reads every page of `iam:ListEntitiesForPolicy` for `policy_arn`.
pub async fn list_entities(
    iam: &aws_sdk_iam::Client,
    policy_arn: &str,
) -> Result<PolicyEntities, AwsError> {
    let mut pages = iam
        .list_entities_for_policy()
        .policy_arn(policy_arn)
        .into_paginator()
        .send();
    let mut entities = PolicyEntities::default();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("iam:ListEntitiesForPolicy", e))?;
        entities.roles.extend(page.policy_roles().iter().map(|r| {
            (
                r.role_name().unwrap_or_default().to_string(),
                r.role_id().unwrap_or_default().to_string(),
            )
        }));
        entities.users.extend(
            page.policy_users()
                .iter()
                .map(|u| u.user_name().unwrap_or_default().to_string()),
        );
        entities.groups.extend(
            page.policy_groups()
                .iter()
                .map(|g| g.group_name().unwrap_or_default().to_string()),
        );
    }
    // Stable reports: AWS (and moto) return entities in no particular order.
    entities.roles.sort();
    entities.users.sort();
    entities.groups.sort();
    Ok(entities)
}

/// The entities `AWSSupportAccess` is attached to in `account`, fetched once per account.
pub async fn support_policy_entities(
    account: &AwsAccount,
) -> Result<std::sync::Arc<PolicyEntities>, AwsError> {
    let arn = account.aws_managed_policy_arn(POLICY_NAME);
    account
        .fetch_once(&format!("iam:ListEntitiesForPolicy {arn}"), || {
            list_entities(account.iam(), &arn)
        })
        .await
}

/// The benchmark's verdict on what the policy is attached to.
pub fn verdict(policy_arn: &str, entities: &PolicyEntities) -> Outcome {
    let mut evidence: Vec<Evidence> = entities
        .roles
        .iter()
        .map(|(name, id)| Evidence::new(format!("role/{name}"), format!("{POLICY_NAME} attached (role id {id})")))
        .collect();
    evidence.extend(entities.users.iter().map(|u| {
        Evidence::new(format!("user/{u}"), format!("{POLICY_NAME} attached to a user (does not count)"))
    }));
    evidence.extend(entities.groups.iter().map(|g| {
        Evidence::new(format!("group/{g}"), format!("{POLICY_NAME} attached to a group (does not count)"))
    }));
    if !entities.roles.is_empty() {
        let names: Vec<&str> = entities.roles.iter().map(|(n, _)| n.as_str()).collect();
        return Outcome::pass(
            format!("{policy_arn} is attached to {} role(s): {}", names.len(), names.join(", ")),
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

    async fn audit(&self, account: &AwsAccount, _parameters: &serde_yaml::Value) -> Outcome {
        let arn = account.aws_managed_policy_arn(POLICY_NAME);
        match support_policy_entities(account).await {
            Ok(entities) => verdict(&arn, &entities),
            Err(error) => Outcome::error(error.to_detail()),
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
        PolicyRole::builder().role_name(name).role_id(format!("AROA{name}")).build()
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
        let outcome = SupportRole.audit(&account(iam, "aws"), &Default::default()).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        let resources: Vec<_> = outcome.evidence.iter().map(|e| e.resource.as_str()).collect();
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
            .then_output(|| ListEntitiesForPolicyOutput::builder().policy_roles(role("gov")).build());
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole.audit(&account(iam, "aws-us-gov"), &Default::default()).await;
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
        let outcome = SupportRole.audit(&account(iam, "aws"), &Default::default()).await;
        assert_eq!(outcome.status, Status::Fail);
        assert!(outcome.message.contains("only to users or groups"), "{}", outcome.message);
    }

    #[tokio::test]
    async fn access_denied_is_an_error_naming_the_permission() {
        let rule = mock!(Client::list_entities_for_policy).then_error(|| {
            ListEntitiesForPolicyError::generic(
                ErrorMetadata::builder().code("AccessDenied").message("not authorized").build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole.audit(&account(iam, "aws"), &Default::default()).await;
        assert_eq!(outcome.status, Status::Error);
        let detail = outcome.error.expect("error detail");
        assert_eq!(detail.code, "AccessDenied");
        assert_eq!(detail.missing_permission.as_deref(), Some("iam:ListEntitiesForPolicy"));
    }

    #[tokio::test]
    async fn throttling_is_an_error_not_a_verdict() {
        let rule = mock!(Client::list_entities_for_policy).then_error(|| {
            ListEntitiesForPolicyError::generic(
                ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let outcome = SupportRole.audit(&account(iam, "aws"), &Default::default()).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(outcome.error.map(|e| e.code).as_deref(), Some("Throttling"));
    }

    #[tokio::test]
    async fn the_listing_is_fetched_once_per_account() {
        let rule = mock!(Client::list_entities_for_policy)
            .then_output(|| ListEntitiesForPolicyOutput::builder().policy_roles(role("a")).build());
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = account(iam, "aws");
        let none = serde_yaml::Value::default();
        let (a, b) = tokio::join!(
            SupportRole.audit(&account, &none),
            SupportRole.audit(&account, &none)
        );
        assert_eq!(a, b);
        assert_eq!(rule.num_calls(), 1);
    }

    #[test]
    fn parameters_reject_unknown_keys() {
        let bad: serde_yaml::Value = serde_yaml::from_str("rolename: x").expect("yaml");
        assert!(check_parameters(&bad).unwrap_err().contains("unknown field"));
        let good: serde_yaml::Value =
            serde_yaml::from_str("role_name: x\ntrusted_principals: [arn:aws:iam::123456789012:root]")
                .expect("yaml");
        assert!(check_parameters(&good).is_ok());
    }
}
