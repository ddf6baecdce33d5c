//! CloudWatch Logs: the metric filters of a log group, read once per log group and run, and
//! the log deliveries of a region (vended logs), read once per region and run.
//!
//! The monitoring recommendations read the filters of the log group a CloudTrail trail
//! delivers to; [`metric_filters`] lists them with every page of `DescribeMetricFilters`,
//! in the log group's region. A log group that does not exist is an answer
//! ([`LogGroupFilters::exists`] false), not an error; a denied or unreadable listing is an
//! error naming the action.
//!
//! [`log_deliveries`] lists a region's delivery sources (`DescribeDeliverySources`: which
//! resource sends which kind of log) and deliveries (`DescribeDeliveries`: where a source's
//! logs go), every page of each: CloudFront's standard logging v2 is a delivery source of
//! log type `ACCESS_LOGS` naming the distribution's ARN, with a delivery, in `us-east-1`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

crate::regional_client!(aws_sdk_cloudwatchlogs => "logs");

/// The action that lists a log group's metric filters.
pub const DESCRIBE_METRIC_FILTERS: &str = "logs:DescribeMetricFilters";
/// The action that creates or replaces a metric filter (the monitoring fix).
pub const PUT_METRIC_FILTER: &str = "logs:PutMetricFilter";
/// The action that deletes a metric filter (rolling the monitoring fix back).
pub const DELETE_METRIC_FILTER: &str = "logs:DeleteMetricFilter";
/// The action that lists a region's log delivery sources.
pub const DESCRIBE_DELIVERY_SOURCES: &str = "logs:DescribeDeliverySources";
/// The action that lists a region's log deliveries.
pub const DESCRIBE_DELIVERIES: &str = "logs:DescribeDeliveries";

/// What a metric filter publishes for each matching event: a metric, by name and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricTransformation {
    pub metric_name: String,
    pub namespace: String,
    /// The value published per matching event (`1` in the benchmark's remediation).
    pub value: String,
    /// Dimension names, sorted: a filter with dimensions publishes one metric per
    /// combination of values, which an alarm on the bare metric never sees.
    pub dimensions: Vec<String>,
}

/// One metric filter of a log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFilter {
    pub name: String,
    /// The filter pattern as AWS stores it (empty: every event matches).
    pub pattern: String,
    pub transformations: Vec<MetricTransformation>,
}

/// A log group's metric filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupFilters {
    /// False when CloudWatch Logs says the log group does not exist.
    pub exists: bool,
    /// In the order AWS lists them.
    pub filters: Vec<MetricFilter>,
}

/// One log group's filters, scoped by `<region>/<log group name>`.
const METRIC_FILTERS: DataKey<LogGroupFilters> = DataKey::new(DESCRIBE_METRIC_FILTERS);

/// The metric filters of `log_group` in `region`, every page, read once per run.
pub async fn metric_filters(
    account: &AwsAccount,
    region: &str,
    log_group: &str,
) -> Result<Arc<LogGroupFilters>, AwsError> {
    account
        .fetch_limited(&METRIC_FILTERS, &format!("{region}/{log_group}"), || {
            read_metric_filters(account, region, log_group, None)
        })
        .await
}

/// The metric filters of `log_group` in `region`, every page, read now (not cached): for
/// the fix, which observes what it changes. `name_prefix` narrows them by name.
pub async fn read_metric_filters(
    account: &AwsAccount,
    region: &str,
    log_group: &str,
    name_prefix: Option<&str>,
) -> Result<LogGroupFilters, AwsError> {
    let client = account.client::<aws_sdk_cloudwatchlogs::Client>(region);
    let client = &client;
    // Set when AWS answers that the log group does not exist: an answer, not an error.
    let missing = &AtomicBool::new(false);
    let filters = read_pages(
        account.max_pages(),
        DESCRIBE_METRIC_FILTERS,
        |token| async move {
            let out = client
                .describe_metric_filters()
                .log_group_name(log_group)
                .set_filter_name_prefix(name_prefix.map(str::to_string))
                .set_next_token(token)
                .send()
                .await;
            match out {
                Ok(out) => Ok(Page::new(
                    out.metric_filters().iter().map(metric_filter).collect(),
                    out.next_token(),
                )),
                Err(error)
                    if error.as_service_error().and_then(|e| e.code())
                        == Some("ResourceNotFoundException") =>
                {
                    missing.store(true, Ordering::Relaxed);
                    Ok(Page::new(Vec::new(), None))
                }
                Err(error) => Err(AwsError::from_sdk(DESCRIBE_METRIC_FILTERS, error)),
            }
        },
    )
    .await?;
    Ok(LogGroupFilters {
        exists: !missing.load(Ordering::Relaxed),
        filters: if missing.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            filters
        },
    })
}

fn metric_filter(filter: &aws_sdk_cloudwatchlogs::types::MetricFilter) -> MetricFilter {
    MetricFilter {
        name: filter.filter_name().unwrap_or_default().to_string(),
        pattern: filter.filter_pattern().unwrap_or_default().to_string(),
        transformations: filter
            .metric_transformations()
            .iter()
            .map(|t| {
                let mut dimensions: Vec<String> = t
                    .dimensions()
                    .map(|d| d.keys().cloned().collect())
                    .unwrap_or_default();
                dimensions.sort();
                MetricTransformation {
                    metric_name: t.metric_name().to_string(),
                    namespace: t.metric_namespace().to_string(),
                    value: t.metric_value().to_string(),
                    dimensions,
                }
            })
            .collect(),
    }
}

/// A delivery source: a resource that sends one kind of vended log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySource {
    pub name: String,
    /// The resources whose logs it sends (a CloudFront distribution's ARN, ...).
    pub resource_arns: Vec<String>,
    /// `cloudfront`, `bedrock`, ...
    pub service: String,
    /// `ACCESS_LOGS`, `APPLICATION_LOGS`, ...
    pub log_type: String,
}

/// A delivery: where a delivery source's logs go (a delivery destination, which names the
/// bucket, log group or Firehose stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub source_name: String,
    pub destination_arn: String,
    /// `S3`, `CWL` (a log group), `FH` (a Firehose stream).
    pub destination_type: Option<String>,
}

impl Delivery {
    /// `S3 delivery destination arn:aws:logs:...:delivery-destination:<name>`, for
    /// evidence (the delivery destination names the bucket, log group or stream itself).
    pub fn describe(&self) -> String {
        match &self.destination_type {
            Some(kind) => format!("{kind} delivery destination {}", self.destination_arn),
            None => format!("delivery destination {}", self.destination_arn),
        }
    }
}

/// A region's delivery sources and deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogDeliveries {
    pub sources: Vec<DeliverySource>,
    pub deliveries: Vec<Delivery>,
}

impl LogDeliveries {
    /// The deliveries of the logs of `log_type` that `resource_arn` sends.
    pub fn of_resource(&self, resource_arn: &str, log_type: &str) -> Vec<&Delivery> {
        let sources: Vec<&str> = self
            .sources
            .iter()
            .filter(|s| s.log_type == log_type && s.resource_arns.iter().any(|a| a == resource_arn))
            .map(|s| s.name.as_str())
            .collect();
        self.deliveries
            .iter()
            .filter(|d| sources.contains(&d.source_name.as_str()))
            .collect()
    }
}

/// One region's delivery sources and deliveries, scoped by the region.
const LOG_DELIVERIES: DataKey<LogDeliveries> = DataKey::new(DESCRIBE_DELIVERIES);

/// The delivery sources and deliveries of `region`, every page of each, read once per run.
pub async fn log_deliveries(
    account: &AwsAccount,
    region: &str,
) -> Result<Arc<LogDeliveries>, AwsError> {
    account
        .fetch_limited(&LOG_DELIVERIES, region, || {
            read_log_deliveries(account, region)
        })
        .await
}

/// The delivery sources and deliveries of `region`, every page of each, read now.
pub async fn read_log_deliveries(
    account: &AwsAccount,
    region: &str,
) -> Result<LogDeliveries, AwsError> {
    let client = &account.client::<aws_sdk_cloudwatchlogs::Client>(region);
    let sources = read_pages(
        account.max_pages(),
        DESCRIBE_DELIVERY_SOURCES,
        |token| async move {
            let out = client
                .describe_delivery_sources()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_DELIVERY_SOURCES, e))?;
            Ok(Page::new(
                out.delivery_sources()
                    .iter()
                    .map(|s| DeliverySource {
                        name: s.name().unwrap_or_default().to_string(),
                        resource_arns: s.resource_arns().to_vec(),
                        service: s.service().unwrap_or_default().to_string(),
                        log_type: s.log_type().unwrap_or_default().to_string(),
                    })
                    .collect(),
                out.next_token(),
            ))
        },
    )
    .await?;
    let deliveries = read_pages(
        account.max_pages(),
        DESCRIBE_DELIVERIES,
        |token| async move {
            let out = client
                .describe_deliveries()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_DELIVERIES, e))?;
            Ok(Page::new(
                out.deliveries()
                    .iter()
                    .map(|d| Delivery {
                        id: d.id().unwrap_or_default().to_string(),
                        source_name: d.delivery_source_name().unwrap_or_default().to_string(),
                        destination_arn: d
                            .delivery_destination_arn()
                            .unwrap_or_default()
                            .to_string(),
                        destination_type: d
                            .delivery_destination_type()
                            .map(|t| t.as_str().to_string()),
                    })
                    .collect(),
                out.next_token(),
            ))
        },
    )
    .await?;
    Ok(LogDeliveries {
        sources,
        deliveries,
    })
}
