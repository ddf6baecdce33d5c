//! Which accounts a run covers, and how each is reached.
//!
//! `source: current` audits the account of the base credentials. `source: accounts` and
//! `source: organization` list account ids (the latter through `organizations:ListAccounts`,
//! ACTIVE accounts only, optionally under some OUs), drop `exclude_accounts`, and reach each
//! account by assuming the profile's role (the runner keeps this CI job's `--partition`
//! share). The account of the base credentials, when it is a target, is audited with the
//! base credentials: the management account usually has no `OrganizationAccountAccessRole`.

use aws_config::SdkConfig;
use cisrun_core::PlatformError;

use super::settings::{AwsSettings, TargetSource};
use crate::account::AwsAccount;
use crate::accounts::{self, AssumeRole, CallerIdentity, RoleAssumer};
use crate::aws::AwsError;

/// The session name when the profile gives none.
pub const DEFAULT_SESSION_NAME: &str = "cisrun";

/// How cisrun reaches a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// With the base credentials; their identity, when already known.
    Base(Option<CallerIdentity>),
    /// By assuming this role.
    AssumeRole { role_arn: String },
    /// Not at all: the listing that named it cannot be trusted (an account id of another
    /// shape), so its audit is this error.
    Invalid(AwsError),
}

/// One account to audit or remediate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `None` for "the account of the current credentials", known once connected.
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub access: Access,
}

impl Target {
    /// `123456789012 (name)`, for logs and the progress display.
    pub fn label(&self) -> String {
        let id = self.account_id.as_deref().unwrap_or("current account");
        match &self.account_name {
            Some(name) => format!("{id} ({name})"),
            None => id.to_string(),
        }
    }
}

/// Lists the accounts the settings target, after exclusions, sorted by account id. Costs one
/// `sts:GetCallerIdentity` (and the Organization listing) for multi-account sources;
/// nothing for `source: current`.
pub async fn resolve(
    base: &SdkConfig,
    settings: &AwsSettings,
    max_pages: usize,
) -> Result<Vec<Target>, PlatformError> {
    let targets = &settings.targets;
    if targets.source == TargetSource::Current {
        return Ok(vec![Target {
            account_id: None,
            account_name: None,
            access: Access::Base(None),
        }]);
    }
    let identity = accounts::caller_identity(base).await.map_err(|e| {
        PlatformError::with_source(
            "cannot tell which account the base credentials belong to",
            e,
        )
    })?;
    let mut listed: Vec<(String, Option<String>, Option<AwsError>)> = match targets.source {
        TargetSource::Organization => {
            let org =
                accounts::organization_accounts(base, &targets.organizational_units, max_pages)
                    .await
                    .map_err(|e| {
                        PlatformError::with_source(
                            "cannot list the accounts of the AWS Organization",
                            e,
                        )
                    })?;
            let org: Vec<_> = org.into_iter().map(|a| (a.id, a.name, a.invalid)).collect();
            if targets.accounts.is_empty() {
                org
            } else {
                for wanted in &targets.accounts {
                    if !org.iter().any(|(id, _, _)| *id == wanted.0) {
                        tracing::warn!(account = %wanted, "listed in `accounts` but not an ACTIVE account of the Organization (or of its selected OUs); skipped");
                    }
                }
                org.into_iter()
                    .filter(|(id, _, _)| targets.accounts.iter().any(|a| a.0 == *id))
                    .collect()
            }
        }
        TargetSource::Accounts | TargetSource::Current => targets
            .accounts
            .iter()
            .map(|a| (a.0.clone(), None, None))
            .collect(),
    };
    listed.retain(|(id, _, _)| !targets.exclude_accounts.iter().any(|x| x.0 == *id));
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    listed.dedup_by(|a, b| a.0 == b.0);
    let role = targets
        .assume_role
        .as_ref()
        .map(|spec| spec.role.0.as_str());
    Ok(listed
        .into_iter()
        .map(|(id, name, invalid)| {
            let access = match (invalid, role) {
                (Some(error), _) => Access::Invalid(error),
                (None, Some(role)) if id != identity.account_id => Access::AssumeRole {
                    role_arn: accounts::role_arn(role, &id, &identity.partition),
                },
                (None, _) => Access::Base(Some(identity.clone())),
            };
            Target {
                account_id: Some(id),
                account_name: name,
                access,
            }
        })
        .collect())
}

/// Reaches targets; holds the one STS client every assume-role shares.
#[derive(Debug, Clone)]
pub struct Connector {
    base: SdkConfig,
    assumer: RoleAssumer,
    external_id: Option<String>,
    session_name: String,
    regions: super::settings::Regions,
    requests_per_service: usize,
    max_pages: usize,
}

impl Connector {
    pub fn new(base: &SdkConfig, settings: &AwsSettings) -> Self {
        let spec = settings.targets.assume_role.as_ref();
        Self {
            base: base.clone(),
            assumer: RoleAssumer::new(base),
            external_id: spec.and_then(|s| s.external_id.clone()),
            session_name: spec
                .and_then(|s| s.session_name.clone())
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string()),
            regions: settings.regions.clone(),
            requests_per_service: crate::regions::DEFAULT_REQUESTS_PER_SERVICE,
            max_pages: crate::aws::pages::DEFAULT_MAX_PAGES,
        }
    }

    /// Bounds each account's requests in flight per AWS service, and its listings' pages.
    pub fn with_limits(mut self, limits: &cisrun_core::RunLimits) -> Self {
        self.requests_per_service = limits.requests_per_service;
        self.max_pages = limits.max_pages;
        self
    }

    /// Reaches one target: its context, or the error that kept cisrun out.
    pub async fn connect(&self, target: &Target) -> Result<AwsAccount, AwsError> {
        let account = match (&target.access, &target.account_id) {
            (Access::Base(Some(identity)), _) => {
                AwsAccount::from_identity(self.base.clone(), identity)
            }
            (Access::Base(None), _) => AwsAccount::from_config(self.base.clone()).await?,
            (Access::AssumeRole { role_arn }, Some(account_id)) => {
                let spec = AssumeRole {
                    role_arn: role_arn.clone(),
                    external_id: self.external_id.clone(),
                    session_name: self.session_name.clone(),
                };
                self.assumer.connect(account_id, spec).await?
            }
            (Access::Invalid(error), _) => return Err(error.clone()),
            (Access::AssumeRole { role_arn }, None) => {
                return Err(AwsError {
                    code: "InvalidTarget".to_string(),
                    message: format!("no account id to assume {role_arn} in"),
                    action: "sts:AssumeRole".to_string(),
                    access_denied: false,
                })
            }
        };
        Ok(account
            .with_name(target.account_name.clone())
            .with_regions(self.regions.clone(), self.requests_per_service)
            .with_max_pages(self.max_pages))
    }
}
