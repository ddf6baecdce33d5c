//! CloudFront: the account's distributions and their standard (legacy) logging, read once
//! per run.
//!
//! CloudFront is global: [`distributions`] lists every distribution with every page of
//! `ListDistributions`, then reads each one's configuration with `GetDistributionConfig`
//! (its `Logging` block: enabled, bucket, prefix), once per distribution, in
//! [`cloudfront_region`]. A distribution whose configuration cannot be read keeps its error
//! ([`Distribution::logging`]); only a listing that cannot be read is the whole call's.
//! Standard logging v2 (CloudWatch Logs deliveries) is read by
//! [`crate::data::logs::log_deliveries`] in the same region.

use std::sync::Arc;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

crate::regional_client!(aws_sdk_cloudfront => "cloudfront");

/// The action that lists distributions.
pub const LIST_DISTRIBUTIONS: &str = "cloudfront:ListDistributions";
/// The action that reads a distribution's configuration.
pub const GET_DISTRIBUTION_CONFIG: &str = "cloudfront:GetDistributionConfig";

/// The region CloudFront's global API is called in (and where its logging v2 deliveries
/// live) for the account's partition.
pub fn cloudfront_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-northwest-1",
        _ => "us-east-1",
    }
}

/// A distribution's standard (legacy) logging: to an S3 bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardLogging {
    pub enabled: bool,
    /// `bucket.s3.amazonaws.com`, or empty.
    pub bucket: String,
    pub prefix: String,
}

/// What the web front-end control reads of one distribution.
#[derive(Debug, Clone)]
pub struct Distribution {
    pub id: String,
    pub arn: String,
    /// `d111111abcdef8.cloudfront.net`.
    pub domain_name: String,
    /// Whether the distribution serves requests.
    pub enabled: bool,
    /// Its `GetDistributionConfig` logging block, or why it could not be read.
    pub logging: Result<StandardLogging, AwsError>,
}

/// A distribution as `ListDistributions` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    id: String,
    arn: String,
    domain_name: String,
    enabled: bool,
}

/// Every distribution of the account.
const LISTED: DataKey<Vec<Listed>> = DataKey::new(LIST_DISTRIBUTIONS);
/// One distribution's logging block, scoped by its id.
const LOGGING: DataKey<StandardLogging> = DataKey::new(GET_DISTRIBUTION_CONFIG);

async fn read_listed(account: &AwsAccount, region: &str) -> Result<Vec<Listed>, AwsError> {
    let client = &account.client::<aws_sdk_cloudfront::Client>(region);
    read_pages(
        account.max_pages(),
        LIST_DISTRIBUTIONS,
        |marker| async move {
            let out = client
                .list_distributions()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(LIST_DISTRIBUTIONS, e))?;
            let Some(list) = out.distribution_list() else {
                return Ok(Page::new(Vec::new(), None));
            };
            Ok(Page::new(
                list.items()
                    .iter()
                    .map(|d| Listed {
                        id: d.id().to_string(),
                        arn: d.arn().to_string(),
                        domain_name: d.domain_name().to_string(),
                        enabled: d.enabled(),
                    })
                    .collect(),
                list.next_marker(),
            )
            .truncated(list.is_truncated()))
        },
    )
    .await
}

async fn read_logging(
    account: &AwsAccount,
    region: &str,
    id: &str,
) -> Result<StandardLogging, AwsError> {
    let out = account
        .client::<aws_sdk_cloudfront::Client>(region)
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(GET_DISTRIBUTION_CONFIG, e))?;
    let Some(config) = out.distribution_config() else {
        return Err(AwsError::invalid_response(
            GET_DISTRIBUTION_CONFIG,
            format!(
                "no configuration for distribution {}",
                crate::accounts::shown(id)
            ),
        ));
    };
    // No `Logging` block: standard logging is off.
    Ok(config
        .logging()
        .map(|l| StandardLogging {
            enabled: l.enabled(),
            bucket: l.bucket().to_string(),
            prefix: l.prefix().to_string(),
        })
        .unwrap_or(StandardLogging {
            enabled: false,
            bucket: String::new(),
            prefix: String::new(),
        }))
}

/// Every distribution of the account with its standard logging, each read once per run.
pub async fn distributions(account: &AwsAccount) -> Result<Vec<Distribution>, AwsError> {
    let region = cloudfront_region(&account.partition);
    let listed = account
        .fetch_limited(&LISTED, region, || read_listed(account, region))
        .await?;
    Ok(futures::future::join_all(listed.iter().map(|d| async move {
        let logging = account
            .fetch_limited(&LOGGING, &d.id, || read_logging(account, region, &d.id))
            .await
            .map(Arc::unwrap_or_clone);
        Distribution {
            id: d.id.clone(),
            arn: d.arn.clone(),
            domain_name: d.domain_name.clone(),
            enabled: d.enabled,
            logging,
        }
    }))
    .await)
}
