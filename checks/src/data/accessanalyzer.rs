//! IAM Access Analyzer analyzers, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_accessanalyzer => "access-analyzer");

/// The action that lists a region's analyzers.
pub const LIST_ANALYZERS: &str = "access-analyzer:ListAnalyzers";

/// One analyzer as `ListAnalyzers` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzer {
    pub arn: String,
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_INTERNAL_ACCESS`, ...
    pub kind: String,
    /// `ACTIVE`, `CREATING`, `DISABLED` or `FAILED`.
    pub status: String,
}

impl Analyzer {
    /// An analyzer that reports external access (type `ACCOUNT` or `ORGANIZATION`): not the
    /// unused-access or internal-access kinds.
    pub fn finds_external_access(&self) -> bool {
        matches!(self.kind.as_str(), "ACCOUNT" | "ORGANIZATION")
    }

    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// Every analyzer of one region (every page).
pub async fn read_analyzers(account: &AwsAccount, region: &str) -> Result<Vec<Analyzer>, AwsError> {
    let client = &account.client::<aws_sdk_accessanalyzer::Client>(region);
    let mut analyzers = read_pages(account.max_pages(), LIST_ANALYZERS, |token| async move {
        let page = client
            .list_analyzers()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(LIST_ANALYZERS, e))?;
        let analyzers = page
            .analyzers()
            .iter()
            .map(|a| Analyzer {
                arn: a.arn().to_string(),
                name: a.name().to_string(),
                kind: a.r#type().as_str().to_string(),
                status: a.status().as_str().to_string(),
            })
            .collect();
        Ok(Page::new(analyzers, page.next_token()))
    })
    .await?;
    analyzers.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(analyzers)
}

/// One region's analyzers.
const ANALYZERS: DataKey<Vec<Analyzer>> = DataKey::new(LIST_ANALYZERS);

/// The analyzers of every region of the account, read once per run.
pub async fn analyzers(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Analyzer>>>, AwsError> {
    account
        .in_each_region(&ANALYZERS, |region| async move {
            read_analyzers(account, &region).await
        })
        .await
}
