//! Takes typed parameters, checked when the profile is read.

use async_trait::async_trait;
use cisrun_checks::data::iam::account_summary;
use cisrun_checks::AwsAccount;
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Evidence, Input, Outcome};

cisrun_core::control! {
    /// ## Description
    /// ACME keeps IAM users few: people sign in through the identity provider.
    ///
    /// ## Rationale
    /// Every IAM user is a long-lived credential to rotate and to revoke.
    ///
    /// ## Impact
    /// Teams over the limit move their users to roles.
    ///
    /// ## Audit
    /// Fails if `Users` in `iam:GetAccountSummary` exceeds the profile's `max_users`
    /// (default 10).
    ///
    /// ## Remediation
    /// Delete IAM users that the identity provider replaces.
    ///
    /// ## Default value
    /// No limit.
    ///
    /// ## References
    /// - https://wiki.acme.example/aws-baseline#user-limit
    pub struct UserLimit {
        id: "acme-iam-user-limit",
        title: "The account has no more IAM users than ACME allows",
        target: AwsAccount,
        permissions: ["iam:GetAccountSummary"],
        parameters: UserLimitParameters,
    }
}

/// `parameters: acme-iam-user-limit:` in a profile.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserLimitParameters {
    /// The most IAM users an account may have.
    #[serde(default = "default_max_users")]
    pub max_users: u32,
}

fn default_max_users() -> u32 {
    10
}

impl ControlParameters for UserLimitParameters {
    fn validate(&self) -> Result<(), String> {
        match self.max_users {
            0 => Err("max_users must be at least 1".to_string()),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl Audit for UserLimit {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, UserLimitParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let limit = input.parameters.max_users;
        let users = account_summary(account).await?.get("Users").unwrap_or(0);
        let evidence = vec![Evidence::new(
            &account.account_id,
            format!("{users} IAM user(s), limit {limit}"),
        )];
        Ok(if u32::try_from(users).unwrap_or(u32::MAX) <= limit {
            Outcome::pass(format!("{users} IAM user(s), within {limit}"), evidence)
        } else {
            Outcome::fail(
                format!("{users} IAM user(s), over the limit of {limit}"),
                evidence,
            )
        })
    }
}
