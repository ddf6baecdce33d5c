//! CIS AWS Foundations: a support role for incidents. The example of a control with a fix
//! and typed parameters, as a folder: the audit here, the parameters in `parameters.rs`, the
//! fix in `fix.rs`. For an audit-only control, start from `aws_iam_password_min_length.rs`.

mod fix;
mod parameters;
#[cfg(test)]
mod tests;

pub use fix::SupportRoleFix;
pub use parameters::SupportRoleParameters;
pub use parameters::{MARKER_TAG_KEY, MARKER_TAG_VALUE};

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, Outcome};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::iam::{policy_entities, PolicyEntities};

cisrun_core::control! {
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
    /// exactly this from the journal: it detaches the policy only from a role that carries
    /// cisrun's tag `cisrun:created-by`, or from the existing role whose id the plan
    /// recorded, and deletes only a role with that tag.
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
    pub struct SupportRole {
        id: "aws-iam-support-role",
        title: "Ensure a support role has been created to manage incidents with AWS Support",
        target: AwsAccount,
        permissions: ["iam:ListEntitiesForPolicy"],
        parameters: SupportRoleParameters,
        fix: SupportRoleFix,
    }
}

/// The AWS-managed policy this control looks for.
pub const POLICY_NAME: &str = "AWSSupportAccess";

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
impl Audit for SupportRole {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, SupportRoleParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let arn = account.aws_managed_policy_arn(POLICY_NAME);
        let entities = support_policy_entities(account).await?;
        Ok(verdict(&arn, &entities))
    }
}
