//! Takes typed parameters, checked when the profile is read.

use async_trait::async_trait;
use cisrun_checks::data::iam::account_summary;
use cisrun_checks::{register_control, AwsAccount};
use cisrun_core::{
    Assessment, Control, ControlMeta, ControlParameters, Evidence, Outcome, ParameterSpec,
    Parameters,
};

cisrun_core::documented_control! {
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
    /// - https://wiki.acme.example/aws-baseline#1.2
    pub struct UserLimit;
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

static META: ControlMeta = ControlMeta {
    id: "acme-iam-user-limit",
    title: "The account has no more IAM users than ACME allows",
    assessment: Assessment::Automated,
    doc: UserLimit::DOC,
    parameters: Some(ParameterSpec::of::<UserLimitParameters>()),
    permissions: &["iam:GetAccountSummary"],
};

register_control!(UserLimit);

#[async_trait]
impl Control<AwsAccount> for UserLimit {
    fn meta(&self) -> &'static ControlMeta {
        &META
    }

    async fn audit(&self, account: &AwsAccount, parameters: &Parameters) -> Outcome {
        let limit = match parameters.get::<UserLimitParameters>() {
            Ok(p) => p.max_users,
            Err(error) => return Outcome::error(error),
        };
        let users = match account_summary(account).await {
            Ok(summary) => summary.get("Users").unwrap_or(0),
            Err(error) => return Outcome::error(error.to_detail()),
        };
        let evidence = vec![Evidence::new(
            &account.account_id,
            format!("{users} IAM user(s), limit {limit}"),
        )];
        if u32::try_from(users).unwrap_or(u32::MAX) <= limit {
            Outcome::pass(format!("{users} IAM user(s), within {limit}"), evidence)
        } else {
            Outcome::fail(
                format!("{users} IAM user(s), over the limit of {limit}"),
                evidence,
            )
        }
    }
}
