//! A control family: one rule, "this AWS-managed policy is attached to no IAM user",
//! registered once per policy, each instance with its own id, title, documentation and
//! data (the policy's name).

use async_trait::async_trait;
use cisrun_checks::data::iam::policy_entities;
use cisrun_checks::AwsAccount;
use cisrun_core::{
    Audit, ControlMeta, Described, ErrorDetail, Evidence, Input, NoParameters, Outcome,
};

/// The rule. Each instance names the policy.
pub struct ManagedPolicyNotOnUsers {
    pub meta: ControlMeta,
    /// The AWS-managed policy, e.g. `AdministratorAccess`.
    pub policy: &'static str,
}

impl Described for ManagedPolicyNotOnUsers {
    type Target = AwsAccount;
    type Parameters = NoParameters;

    fn meta(&self) -> &ControlMeta {
        &self.meta
    }
}

#[async_trait]
impl Audit for ManagedPolicyNotOnUsers {
    async fn audit(
        &self,
        account: &AwsAccount,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let arn = account.aws_managed_policy_arn(self.policy);
        let entities = policy_entities(account, &arn).await?;
        let evidence: Vec<Evidence> = entities
            .users
            .iter()
            .map(|u| Evidence::new(format!("user/{u}"), format!("{} attached", self.policy)))
            .collect();
        Ok(if evidence.is_empty() {
            Outcome::pass(format!("{} is attached to no user", self.policy), vec![])
        } else {
            Outcome::fail(
                format!("{} is attached to {} user(s)", self.policy, evidence.len()),
                evidence,
            )
        })
    }
}

cisrun_core::family_member! {
    /// ## Description
    /// Nobody holds AWS's `AdministratorAccess` as an IAM user: administrators assume a role.
    ///
    /// ## Rationale
    /// A user's administrator access lasts as long as its keys and password do.
    ///
    /// ## Impact
    /// Users who relied on it assume a role instead.
    ///
    /// ## Audit
    /// Fails if `AdministratorAccess` is attached to any IAM user.
    ///
    /// ## Remediation
    /// Detach the policy from the users listed.
    ///
    /// ## Default value
    /// Not attached.
    ///
    /// ## References
    /// - https://wiki.acme.example/aws-baseline#no-admin-on-users
    ManagedPolicyNotOnUsers {
        id: "acme-iam-no-admin-on-users",
        title: "AdministratorAccess is attached to no IAM user",
        permissions: ["iam:ListEntitiesForPolicy"],
        policy: "AdministratorAccess",
    }
}

cisrun_core::family_member! {
    /// ## Description
    /// Nobody holds AWS's `PowerUserAccess` as an IAM user: power users assume a role.
    ///
    /// ## Rationale
    /// `PowerUserAccess` allows everything but IAM: as good as administrator for most data.
    ///
    /// ## Impact
    /// Users who relied on it assume a role instead.
    ///
    /// ## Audit
    /// Fails if `PowerUserAccess` is attached to any IAM user.
    ///
    /// ## Remediation
    /// Detach the policy from the users listed.
    ///
    /// ## Default value
    /// Not attached.
    ///
    /// ## References
    /// - https://wiki.acme.example/aws-baseline#no-poweruser-on-users
    ManagedPolicyNotOnUsers {
        id: "acme-iam-no-poweruser-on-users",
        title: "PowerUserAccess is attached to no IAM user",
        permissions: ["iam:ListEntitiesForPolicy"],
        policy: "PowerUserAccess",
    }
}
