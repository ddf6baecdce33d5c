//! CloudWatch: the metric alarms of a region, read once per region and run.
//!
//! The monitoring recommendations look for an alarm on the metric a log group's metric
//! filter publishes, in the log group's region. [`alarms`] lists every metric alarm of a
//! region with every page of `DescribeAlarms` (one listing serves every filter and every
//! control); [`MetricAlarm::watches`] matches an alarm to a metric by name and namespace.

use std::sync::Arc;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

crate::regional_client!(aws_sdk_cloudwatch => "cloudwatch");

/// The action that lists a region's alarms.
pub const DESCRIBE_ALARMS: &str = "cloudwatch:DescribeAlarms";
/// The action that creates or replaces an alarm (the monitoring fix).
pub const PUT_METRIC_ALARM: &str = "cloudwatch:PutMetricAlarm";
/// The action that deletes alarms (rolling the monitoring fix back).
pub const DELETE_ALARMS: &str = "cloudwatch:DeleteAlarms";

/// One metric alarm, as far as the monitoring chain reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricAlarm {
    pub name: String,
    pub arn: String,
    /// `MetricName` and `Namespace`: absent for an alarm on a metric math expression.
    pub metric_name: Option<String>,
    pub namespace: Option<String>,
    /// `Dimensions` names, sorted.
    pub dimensions: Vec<String>,
    /// `ActionsEnabled`: when false, the alarm changes state but notifies nobody.
    pub actions_enabled: bool,
    /// `AlarmActions`: what the alarm does when it goes into `ALARM`.
    pub alarm_actions: Vec<String>,
    /// `Statistic`, `Period`, `EvaluationPeriods`, `Threshold`, `ComparisonOperator`,
    /// `TreatMissingData`: what the fix compares when it observes its own alarm.
    pub statistic: Option<String>,
    pub period: Option<i32>,
    pub evaluation_periods: Option<i32>,
    pub threshold: Option<f64>,
    pub comparison: Option<String>,
    pub treat_missing_data: Option<String>,
}

impl MetricAlarm {
    /// Whether the alarm watches the bare metric `name` in `namespace` (no dimensions).
    pub fn watches(&self, name: &str, namespace: &str) -> bool {
        self.metric_name.as_deref() == Some(name)
            && self.namespace.as_deref() == Some(namespace)
            && self.dimensions.is_empty()
    }

    /// The SNS topics among the alarm's actions (`arn:<partition>:sns:...`).
    pub fn sns_topics(&self) -> impl Iterator<Item = &str> {
        self.alarm_actions
            .iter()
            .map(String::as_str)
            .filter(|action| is_sns_topic_arn(action))
    }
}

/// Whether `arn` has an SNS topic ARN's shape: `arn:<partition>:sns:<region>:<account>:<name>`.
pub fn is_sns_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "sns", region, account, name]
            if !partition.is_empty() && !region.is_empty() && !account.is_empty() && !name.is_empty()
    )
}

/// One region's metric alarms, scoped by region.
const ALARMS: DataKey<Vec<MetricAlarm>> = DataKey::new(DESCRIBE_ALARMS);

/// The metric alarms of `region`, every page, read once per run.
pub async fn alarms(account: &AwsAccount, region: &str) -> Result<Arc<Vec<MetricAlarm>>, AwsError> {
    account
        .fetch_limited(&ALARMS, region, || read_alarms(account, region, None))
        .await
}

/// The metric alarms of `region` named `names` (all of them when `None`), every page, read
/// now (not cached): for the fix, which observes what it changes.
pub async fn read_alarms(
    account: &AwsAccount,
    region: &str,
    names: Option<&[String]>,
) -> Result<Vec<MetricAlarm>, AwsError> {
    let client = account.client::<aws_sdk_cloudwatch::Client>(region);
    let client = &client;
    read_pages(account.max_pages(), DESCRIBE_ALARMS, |token| async move {
        let out = client
            .describe_alarms()
            .set_alarm_names(names.map(<[String]>::to_vec))
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(DESCRIBE_ALARMS, e))?;
        Ok(Page::new(
            out.metric_alarms().iter().map(metric_alarm).collect(),
            out.next_token(),
        ))
    })
    .await
}

fn metric_alarm(alarm: &aws_sdk_cloudwatch::types::MetricAlarm) -> MetricAlarm {
    let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
    let mut dimensions: Vec<String> = alarm
        .dimensions()
        .iter()
        .filter_map(|d| d.name().map(str::to_string))
        .collect();
    dimensions.sort();
    MetricAlarm {
        name: alarm.alarm_name().unwrap_or_default().to_string(),
        arn: alarm.alarm_arn().unwrap_or_default().to_string(),
        metric_name: text(alarm.metric_name()),
        namespace: text(alarm.namespace()),
        dimensions,
        // AWS's default is true.
        actions_enabled: alarm.actions_enabled().unwrap_or(true),
        alarm_actions: alarm.alarm_actions().to_vec(),
        statistic: alarm.statistic().map(|s| s.as_str().to_string()),
        period: alarm.period(),
        evaluation_periods: alarm.evaluation_periods(),
        threshold: alarm.threshold(),
        comparison: alarm.comparison_operator().map(|c| c.as_str().to_string()),
        treat_missing_data: text(alarm.treat_missing_data()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sns_topic_arns_have_six_fields() {
        assert!(is_sns_topic_arn(
            "arn:aws:sns:eu-west-1:111122223333:alerts"
        ));
        assert!(!is_sns_topic_arn("arn:aws:automate:eu-west-1:ec2:stop"));
        assert!(!is_sns_topic_arn("arn:aws:sns:eu-west-1:111122223333"));
        assert!(!is_sns_topic_arn("arn:aws:sns:::alerts"));
    }
}
