//! The monitoring fix: a metric filter with the benchmark's pattern on the compliant trail's
//! log group, and an alarm on its metric that notifies the topic the profile names. Nothing
//! else is touched; both are journaled, and rollback deletes exactly what was created.

use async_trait::async_trait;
use cisrun_core::{FixSafety, Input, Plan, Remediation, RemediationError, Step};
use serde::{Deserialize, Serialize};

use super::chain::{delivery_group, walk, Walk};
use super::parameters::MonitoringParameters;
use super::{monitoring_data, MonitoringAlarm};
use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::cloudwatch::{self, DELETE_ALARMS, PUT_METRIC_ALARM};
use crate::data::logs::{self, DELETE_METRIC_FILTER, PUT_METRIC_FILTER};
use crate::data::sns;

/// What the fix's alarm does with the filter's metric: one matching event in five minutes.
const PERIOD_SECONDS: i32 = 300;
const STATISTIC: &str = "Sum";
const THRESHOLD: f64 = 1.0;
const COMPARISON: &str = "GreaterThanOrEqualToThreshold";
const TREAT_MISSING_DATA: &str = "notBreaching";

/// The data of each step this fix plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum MonitoringStep {
    PutMetricFilter {
        region: String,
        log_group: String,
        filter_name: String,
        pattern: String,
        metric_name: String,
        namespace: String,
    },
    PutMetricAlarm {
        region: String,
        alarm_name: String,
        metric_name: String,
        namespace: String,
        topic_arn: String,
    },
}

/// The names the fix gives what it creates for `control`.
fn filter_name(control: &MonitoringAlarm) -> String {
    format!("cisrun-{}", control.meta.id)
}

fn alarm_name(control: &MonitoringAlarm) -> String {
    format!("cisrun-{}", control.meta.id)
}

fn metric_name(control: &MonitoringAlarm) -> String {
    control.meta.id.to_string()
}

fn parameter_error(control: &MonitoringAlarm, message: &str) -> RemediationError {
    RemediationError::Parameters(format!("parameters.{}.{message}", control.meta.id))
}

fn topic_of<'a>(
    control: &MonitoringAlarm,
    parameters: &'a MonitoringParameters,
) -> Result<&'a str, RemediationError> {
    parameters.alarm_topic_arn.as_deref().ok_or_else(|| {
        parameter_error(
            control,
            "alarm_topic_arn: missing: the SNS topic (by ARN) the fix's alarm notifies",
        )
    })
}

/// The fix's filter as it is now, if any.
async fn current_filter(
    account: &AwsAccount,
    region: &str,
    log_group: &str,
    name: &str,
) -> Result<Option<logs::MetricFilter>, AwsError> {
    let group = logs::read_metric_filters(account, region, log_group, Some(name)).await?;
    Ok(group.filters.into_iter().find(|f| f.name == name))
}

/// The fix's alarm as it is now, if any.
async fn current_alarm(
    account: &AwsAccount,
    region: &str,
    name: &str,
) -> Result<Option<cloudwatch::MetricAlarm>, AwsError> {
    let alarms = cloudwatch::read_alarms(account, region, Some(&[name.to_string()])).await?;
    Ok(alarms.into_iter().find(|a| a.name == name))
}

fn filter_is(filter: &logs::MetricFilter, pattern: &str, metric: &str, namespace: &str) -> bool {
    filter.pattern == pattern
        && filter.transformations.len() == 1
        && filter
            .transformations
            .iter()
            .all(|t| t.metric_name == metric && t.namespace == namespace && t.dimensions.is_empty())
}

fn alarm_is(alarm: &cloudwatch::MetricAlarm, metric: &str, namespace: &str, topic: &str) -> bool {
    alarm.watches(metric, namespace)
        && alarm.actions_enabled
        && alarm.alarm_actions == [topic.to_string()]
        && alarm.statistic.as_deref() == Some(STATISTIC)
        && alarm.period == Some(PERIOD_SECONDS)
        && alarm.threshold == Some(THRESHOLD)
        && alarm.comparison.as_deref() == Some(COMPARISON)
}

impl MonitoringAlarm {
    fn step_data(&self, step: &Step) -> Result<MonitoringStep, RemediationError> {
        let data: MonitoringStep = step.data_as()?;
        // A journal edited by hand must not make the fix touch another filter or alarm.
        let name = match &data {
            MonitoringStep::PutMetricFilter { filter_name, .. } => filter_name,
            MonitoringStep::PutMetricAlarm { alarm_name, .. } => alarm_name,
        };
        if *name != filter_name(self) {
            return Err(RemediationError::Refused(format!(
                "step `{}` names `{name}`: this fix only creates and deletes `{}`",
                step.action,
                filter_name(self)
            )));
        }
        Ok(data)
    }
}

#[async_trait]
impl Remediation<AwsAccount, MonitoringParameters> for MonitoringAlarm {
    fn safety(&self) -> FixSafety {
        // Adds a filter and an alarm that notify the topic the profile names; reversible.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[
            PUT_METRIC_FILTER,
            DELETE_METRIC_FILTER,
            PUT_METRIC_ALARM,
            DELETE_ALARMS,
        ]
    }

    fn check_parameters(&self, _parameters: &MonitoringParameters) -> Result<(), String> {
        // The topic's shape was checked when the profile was read; the topic itself is
        // needed only by a plan with something to add (an account already compliant, or a
        // profile that remediates other controls, names none).
        Ok(())
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        input: Input<'_, MonitoringParameters>,
    ) -> Result<Plan, RemediationError> {
        let data = monitoring_data(account)
            .await
            .map_err(RemediationError::Provider)?;
        let (required, used) = self
            .requirements(input.version)
            .map_err(RemediationError::Provider)?;
        match walk(account, &data, &required) {
            Walk::Complete(complete) => {
                return Ok(Plan::nothing_to_do(format!(
                    "already compliant: {}",
                    complete.summary
                )))
            }
            Walk::Unread { error, .. } => return Err(RemediationError::Provider(error)),
            Walk::Broken { .. } => {}
        }
        let topic = topic_of(self, input.parameters)?;
        let Some((trail, (region, log_group))) = delivery_group(account, &data) else {
            return Err(RemediationError::Refused(
                "no multi-region trail that is logging and records all management events \
                 delivers to a CloudWatch Logs log group in this account: fix the trail first"
                    .to_string(),
            ));
        };
        if sns::topic_region(topic) != Some(region.as_str()) {
            return Err(RemediationError::Refused(format!(
                "alarm_topic_arn {topic} is not in {region}, the region of log group \
                 {log_group}: an alarm notifies a topic of its own region"
            )));
        }
        let subscriptions = sns::read_subscriptions(account, topic).await?;
        if !subscriptions.exists {
            return Err(RemediationError::Refused(format!(
                "alarm_topic_arn {topic} does not exist: create the topic and subscribe to it \
                 first"
            )));
        }
        let pattern = self.standard_pattern(used).ok_or_else(|| {
            RemediationError::Refused(format!("no benchmark pattern for {}", self.meta.id))
        })?;
        let (filter, alarm, metric) = (filter_name(self), alarm_name(self), metric_name(self));
        let namespace = input.parameters.namespace().to_string();
        let mut steps = Vec::new();
        let group_arn = format!(
            "arn:{}:logs:{region}:{}:log-group:{log_group}",
            account.partition, account.account_id
        );
        match current_filter(account, &region, &log_group, &filter).await? {
            None => steps.push(Step {
                action: PUT_METRIC_FILTER.to_string(),
                resource: format!("{group_arn}:metric-filter:{filter}"),
                summary: format!(
                    "create metric filter {filter} on log group {log_group} ({region}) \
                     publishing {namespace}/{metric} for {}",
                    self.watches
                ),
                data: serde_json::to_value(MonitoringStep::PutMetricFilter {
                    region: region.clone(),
                    log_group: log_group.clone(),
                    filter_name: filter.clone(),
                    pattern: pattern.to_string(),
                    metric_name: metric.clone(),
                    namespace: namespace.clone(),
                })
                .unwrap_or_default(),
            }),
            Some(existing) if filter_is(&existing, pattern, &metric, &namespace) => {}
            Some(_) => {
                return Err(RemediationError::Refused(format!(
                    "log group {log_group} already has a metric filter named {filter} with \
                     another pattern or metric: cisrun will not replace it"
                )))
            }
        }
        match current_alarm(account, &region, &alarm).await? {
            None => steps.push(Step {
                action: PUT_METRIC_ALARM.to_string(),
                resource: format!(
                    "arn:{}:cloudwatch:{region}:{}:alarm:{alarm}",
                    account.partition, account.account_id
                ),
                summary: format!(
                    "create alarm {alarm} on {namespace}/{metric} (one event in \
                     {PERIOD_SECONDS} s) notifying {topic}"
                ),
                data: serde_json::to_value(MonitoringStep::PutMetricAlarm {
                    region: region.clone(),
                    alarm_name: alarm.clone(),
                    metric_name: metric.clone(),
                    namespace: namespace.clone(),
                    topic_arn: topic.to_string(),
                })
                .unwrap_or_default(),
            }),
            Some(existing) if alarm_is(&existing, &metric, &namespace, topic) => {}
            Some(_) => {
                return Err(RemediationError::Refused(format!(
                    "an alarm named {alarm} already exists in {region} with other settings: \
                     cisrun will not replace it"
                )))
            }
        }
        let mut explanation = format!(
            "monitor {} on log group {log_group} of trail {}, with the pattern of {used}",
            self.watches, trail
        );
        if !subscriptions.subscriptions.iter().any(|s| s.confirmed()) {
            explanation.push_str(&format!(
                "; topic {topic} has no confirmed subscriber yet, so the control passes only \
                 once someone subscribes and confirms"
            ));
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(format!(
                "{explanation}: the filter and the alarm exist already"
            )));
        }
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        match self.step_data(step)? {
            MonitoringStep::PutMetricFilter {
                region,
                log_group,
                filter_name,
                ..
            } => {
                let filter = current_filter(account, &region, &log_group, &filter_name).await?;
                Ok(match filter {
                    None => serde_json::json!({ "exists": false }),
                    Some(filter) => serde_json::json!({
                        "exists": true,
                        "pattern": filter.pattern,
                        "metrics": filter
                            .transformations
                            .iter()
                            .map(|t| format!("{}/{}", t.namespace, t.metric_name))
                            .collect::<Vec<_>>(),
                    }),
                })
            }
            MonitoringStep::PutMetricAlarm {
                region, alarm_name, ..
            } => {
                let alarm = current_alarm(account, &region, &alarm_name).await?;
                Ok(match alarm {
                    None => serde_json::json!({ "exists": false }),
                    // The alarm's state changes on its own: not recorded.
                    Some(alarm) => serde_json::json!({
                        "exists": true,
                        "metric": format!(
                            "{}/{}",
                            alarm.namespace.unwrap_or_default(),
                            alarm.metric_name.unwrap_or_default()
                        ),
                        "actions_enabled": alarm.actions_enabled,
                        "alarm_actions": alarm.alarm_actions,
                        "statistic": alarm.statistic,
                        "period": alarm.period,
                        "threshold": alarm.threshold,
                        "comparison": alarm.comparison,
                    }),
                })
            }
        }
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        match self.step_data(step)? {
            MonitoringStep::PutMetricFilter {
                region,
                log_group,
                filter_name,
                pattern,
                metric_name,
                namespace,
            } => {
                let transformation = aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_name(metric_name)
                    .metric_namespace(namespace)
                    .metric_value("1")
                    .build()
                    .map_err(|e| RemediationError::Refused(e.to_string()))?;
                account
                    .client::<aws_sdk_cloudwatchlogs::Client>(&region)
                    .put_metric_filter()
                    .log_group_name(log_group)
                    .filter_name(filter_name)
                    .filter_pattern(pattern)
                    .metric_transformations(transformation)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(PUT_METRIC_FILTER, e))?;
                Ok(())
            }
            MonitoringStep::PutMetricAlarm {
                region,
                alarm_name,
                metric_name,
                namespace,
                topic_arn,
            } => {
                use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
                account
                    .client::<aws_sdk_cloudwatch::Client>(&region)
                    .put_metric_alarm()
                    .alarm_name(alarm_name)
                    .metric_name(metric_name)
                    .namespace(namespace)
                    .statistic(Statistic::from(STATISTIC))
                    .period(PERIOD_SECONDS)
                    .evaluation_periods(1)
                    .threshold(THRESHOLD)
                    .comparison_operator(ComparisonOperator::from(COMPARISON))
                    .treat_missing_data(TREAT_MISSING_DATA)
                    .actions_enabled(true)
                    .alarm_actions(topic_arn)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(PUT_METRIC_ALARM, e))?;
                Ok(())
            }
        }
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        match self.step_data(step)? {
            MonitoringStep::PutMetricFilter {
                region,
                log_group,
                filter_name,
                ..
            } => {
                account
                    .client::<aws_sdk_cloudwatchlogs::Client>(&region)
                    .delete_metric_filter()
                    .log_group_name(log_group)
                    .filter_name(filter_name)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(DELETE_METRIC_FILTER, e))?;
                Ok(())
            }
            MonitoringStep::PutMetricAlarm {
                region, alarm_name, ..
            } => {
                account
                    .client::<aws_sdk_cloudwatch::Client>(&region)
                    .delete_alarms()
                    .alarm_names(alarm_name)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(DELETE_ALARMS, e))?;
                Ok(())
            }
        }
    }
}
