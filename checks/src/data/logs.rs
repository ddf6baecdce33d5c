//! CloudWatch Logs: the metric filters of a log group, read once per log group and run.
//!
//! The monitoring recommendations read the filters of the log group a CloudTrail trail
//! delivers to; [`metric_filters`] lists them with every page of `DescribeMetricFilters`,
//! in the log group's region. A log group that does not exist is an answer
//! ([`LogGroupFilters::exists`] false), not an error; a denied or unreadable listing is an
//! error naming the action.

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
