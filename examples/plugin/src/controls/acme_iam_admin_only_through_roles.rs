//! Reuses the AWS account context and a shared fetcher of cisrun-checks.

use async_trait::async_trait;
use cisrun_checks::data::iam::policy_entities;
use cisrun_checks::AwsAccount;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

cisrun_core::control! {
    /// ## Description
    /// ACME grants administrator access only through roles people assume, never to
    /// IAM users or groups directly.
    ///
    /// ## Rationale
    /// Role sessions expire and are logged per assumption; user keys do not.
    ///
    /// ## Impact
    /// Administrators assume a role instead of using their user's permissions.
    ///
    /// ## Audit
    /// Fails if the AWS-managed `AdministratorAccess` policy is attached to any IAM user
    /// or group.
    ///
    /// ## Remediation
    /// Detach `AdministratorAccess` from the users and groups listed, and grant it to a role.
    ///
    /// ## Default value
    /// Not attached.
    ///
    /// ## References
    /// - https://wiki.acme.example/aws-baseline#admin-only-through-roles
    pub struct AdminOnlyThroughRoles {
        id: "acme-iam-admin-only-through-roles",
        title: "AdministratorAccess is attached only to roles",
        target: AwsAccount,
        permissions: ["iam:ListEntitiesForPolicy"],
    }
}

#[async_trait]
impl Audit for AdminOnlyThroughRoles {
    async fn audit(
        &self,
        account: &AwsAccount,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let arn = account.aws_managed_policy_arn("AdministratorAccess");
        let entities = policy_entities(account, &arn).await?;
        let evidence: Vec<Evidence> = entities
            .users
            .iter()
            .map(|u| Evidence::new(format!("user/{u}"), "AdministratorAccess attached"))
            .chain(
                entities
                    .groups
                    .iter()
                    .map(|g| Evidence::new(format!("group/{g}"), "AdministratorAccess attached")),
            )
            .collect();
        Ok(if evidence.is_empty() {
            Outcome::pass(
                "AdministratorAccess is attached to no user or group",
                vec![],
            )
        } else {
            Outcome::fail(
                "AdministratorAccess is attached to users or groups",
                evidence,
            )
        })
    }
}
