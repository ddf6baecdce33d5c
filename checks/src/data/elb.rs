//! Elastic Load Balancing: the load balancers of each region, classic and v2 (application,
//! network, gateway), with their access-log settings.
//!
//! [`classic_load_balancers`] and [`v2_load_balancers`] list a region's load balancers with
//! every page of `DescribeLoadBalancers` (once per region and run), then read each one's
//! attributes with `DescribeLoadBalancerAttributes` (once per load balancer and run):
//! `AccessLog` for a classic load balancer, `access_logs.s3.*` for the others. Gateway load
//! balancers have no access logs, so their attributes are not read
//! ([`LoadBalancer::access_log`] is `None`). A load balancer whose attributes cannot be read
//! keeps its error; a region whose listing cannot be read is that region's error.

use std::sync::Arc;

use futures::future::join_all;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_elasticloadbalancing => "elasticloadbalancing");
crate::regional_client!(aws_sdk_elasticloadbalancingv2 => "elasticloadbalancing");

/// The action that lists load balancers (classic and v2 alike).
pub const DESCRIBE_LOAD_BALANCERS: &str = "elasticloadbalancing:DescribeLoadBalancers";
/// The action that reads a load balancer's attributes (classic and v2 alike).
pub const DESCRIBE_LOAD_BALANCER_ATTRIBUTES: &str =
    "elasticloadbalancing:DescribeLoadBalancerAttributes";

/// The v2 attributes of access logging.
const V2_ENABLED: &str = "access_logs.s3.enabled";
const V2_BUCKET: &str = "access_logs.s3.bucket";
const V2_PREFIX: &str = "access_logs.s3.prefix";

/// Which kind of load balancer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadBalancerKind {
    Classic,
    Application,
    Network,
    Gateway,
    /// A type this version of cisrun does not know.
    Other(String),
}

impl LoadBalancerKind {
    /// `classic`, `application`, `network`, `gateway`, ...
    pub fn name(&self) -> &str {
        match self {
            Self::Classic => "classic",
            Self::Application => "application",
            Self::Network => "network",
            Self::Gateway => "gateway",
            Self::Other(other) => other,
        }
    }

    fn from_v2(kind: Option<&str>) -> Self {
        match kind {
            Some("application") => Self::Application,
            Some("network") => Self::Network,
            Some("gateway") => Self::Gateway,
            Some(other) => Self::Other(other.to_string()),
            None => Self::Other("unknown".to_string()),
        }
    }

    /// Whether load balancers of this kind can write access logs (gateway ones cannot).
    pub fn has_access_logs(&self) -> bool {
        !matches!(self, Self::Gateway)
    }
}

/// A load balancer's access-log settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLog {
    pub enabled: bool,
    /// The S3 bucket, or empty.
    pub bucket: String,
    pub prefix: String,
}

/// What the web front-end control reads of one load balancer.
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    pub name: String,
    /// A v2 load balancer's ARN; a classic one's is built from its name.
    pub arn: String,
    pub kind: LoadBalancerKind,
    /// `internet-facing` or `internal`.
    pub scheme: Option<String>,
    /// Its access-log settings, or why they could not be read; `None` for a kind that has
    /// no access logs (gateway).
    pub access_log: Option<Result<AccessLog, AwsError>>,
}

/// A load balancer as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    name: String,
    arn: String,
    kind: LoadBalancerKind,
    scheme: Option<String>,
}

/// One region's classic load balancers.
struct ClassicListing(Vec<Listed>);
/// One region's v2 load balancers.
struct V2Listing(Vec<Listed>);

const CLASSIC: DataKey<ClassicListing> = DataKey::new(DESCRIBE_LOAD_BALANCERS);
const V2: DataKey<V2Listing> = DataKey::new(DESCRIBE_LOAD_BALANCERS);
/// One load balancer's access-log settings, scoped by its ARN.
const ACCESS_LOG: DataKey<AccessLog> = DataKey::new(DESCRIBE_LOAD_BALANCER_ATTRIBUTES);

async fn read_classic(account: &AwsAccount, region: &str) -> Result<ClassicListing, AwsError> {
    let client = &account.client::<aws_sdk_elasticloadbalancing::Client>(region);
    let described = read_pages(
        account.max_pages(),
        DESCRIBE_LOAD_BALANCERS,
        |marker| async move {
            let out = client
                .describe_load_balancers()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_LOAD_BALANCERS, e))?;
            Ok(Page::new(
                out.load_balancer_descriptions().to_vec(),
                out.next_marker(),
            ))
        },
    )
    .await?;
    Ok(ClassicListing(
        described
            .iter()
            .filter_map(|lb| {
                let name = lb.load_balancer_name()?.to_string();
                Some(Listed {
                    arn: format!(
                        "arn:{}:elasticloadbalancing:{region}:{}:loadbalancer/{name}",
                        account.partition, account.account_id
                    ),
                    name,
                    kind: LoadBalancerKind::Classic,
                    scheme: lb.scheme().map(str::to_string),
                })
            })
            .collect(),
    ))
}

async fn read_v2(account: &AwsAccount, region: &str) -> Result<V2Listing, AwsError> {
    let client = &account.client::<aws_sdk_elasticloadbalancingv2::Client>(region);
    let described = read_pages(
        account.max_pages(),
        DESCRIBE_LOAD_BALANCERS,
        |marker| async move {
            let out = client
                .describe_load_balancers()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_LOAD_BALANCERS, e))?;
            Ok(Page::new(out.load_balancers().to_vec(), out.next_marker()))
        },
    )
    .await?;
    Ok(V2Listing(
        described
            .iter()
            .filter_map(|lb| {
                Some(Listed {
                    name: lb.load_balancer_name().unwrap_or_default().to_string(),
                    arn: lb.load_balancer_arn()?.to_string(),
                    kind: LoadBalancerKind::from_v2(lb.r#type().map(|t| t.as_str())),
                    scheme: lb.scheme().map(|s| s.as_str().to_string()),
                })
            })
            .collect(),
    ))
}

async fn read_classic_access_log(
    account: &AwsAccount,
    region: &str,
    name: &str,
) -> Result<AccessLog, AwsError> {
    let out = account
        .client::<aws_sdk_elasticloadbalancing::Client>(region)
        .describe_load_balancer_attributes()
        .load_balancer_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(DESCRIBE_LOAD_BALANCER_ATTRIBUTES, e))?;
    // No `AccessLog` block: access logging is off.
    Ok(out
        .load_balancer_attributes()
        .and_then(|a| a.access_log())
        .map(|log| AccessLog {
            enabled: log.enabled(),
            bucket: log.s3_bucket_name().unwrap_or_default().to_string(),
            prefix: log.s3_bucket_prefix().unwrap_or_default().to_string(),
        })
        .unwrap_or(AccessLog {
            enabled: false,
            bucket: String::new(),
            prefix: String::new(),
        }))
}

async fn read_v2_access_log(
    account: &AwsAccount,
    region: &str,
    arn: &str,
) -> Result<AccessLog, AwsError> {
    let out = account
        .client::<aws_sdk_elasticloadbalancingv2::Client>(region)
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(DESCRIBE_LOAD_BALANCER_ATTRIBUTES, e))?;
    let value = |key: &str| {
        out.attributes()
            .iter()
            .find(|a| a.key() == Some(key))
            .and_then(|a| a.value())
            .unwrap_or_default()
            .to_string()
    };
    Ok(AccessLog {
        // Absent (as some emulators leave it) is AWS's default: off.
        enabled: value(V2_ENABLED).eq_ignore_ascii_case("true"),
        bucket: value(V2_BUCKET),
        prefix: value(V2_PREFIX),
    })
}

/// `listed` with each load balancer's access-log settings (read once per load balancer).
async fn with_access_logs(
    account: &AwsAccount,
    region: &str,
    listed: &[Listed],
) -> Vec<LoadBalancer> {
    join_all(listed.iter().map(|lb| async move {
        let access_log = if lb.kind.has_access_logs() {
            let read = account
                .fetch_limited(&ACCESS_LOG, &lb.arn, || async {
                    match lb.kind {
                        LoadBalancerKind::Classic => {
                            read_classic_access_log(account, region, &lb.name).await
                        }
                        _ => read_v2_access_log(account, region, &lb.arn).await,
                    }
                })
                .await;
            Some(read.map(Arc::unwrap_or_clone))
        } else {
            None
        };
        LoadBalancer {
            name: lb.name.clone(),
            arn: lb.arn.clone(),
            kind: lb.kind.clone(),
            scheme: lb.scheme.clone(),
            access_log,
        }
    }))
    .await
}

/// Each region's listing, joined with the access-log settings of what it lists.
async fn joined<T>(
    account: &AwsAccount,
    regions: Vec<InRegion<T>>,
    listed: impl Fn(&T) -> &[Listed],
) -> Vec<InRegion<Vec<LoadBalancer>>> {
    let listed = &listed;
    join_all(regions.into_iter().map(|in_region| async move {
        let data = match in_region.data {
            Ok(listing) => Ok(Arc::new(
                with_access_logs(account, &in_region.region, listed(&listing)).await,
            )),
            Err(error) => Err(error),
        };
        InRegion {
            region: in_region.region,
            data,
        }
    }))
    .await
}

/// The classic load balancers of every region, with their access-log settings.
pub async fn classic_load_balancers(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<LoadBalancer>>>, AwsError> {
    let listed = account
        .in_each_region(&CLASSIC, |region| async move {
            read_classic(account, &region).await
        })
        .await?;
    Ok(joined(account, listed, |l: &ClassicListing| &l.0).await)
}

/// The application, network and gateway load balancers of every region, with their
/// access-log settings (none read for gateway load balancers).
pub async fn v2_load_balancers(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<LoadBalancer>>>, AwsError> {
    let listed = account
        .in_each_region(&V2, |region| async move { read_v2(account, &region).await })
        .await?;
    Ok(joined(account, listed, |l: &V2Listing| &l.0).await)
}
