//! The monitoring fix's parameters, checked when the profile is read (the audit needs none).

use cisrun_core::ControlParameters;
use schemars::JsonSchema;
use serde::Deserialize;

/// The namespace of the metrics the fix publishes, unless the profile names another.
pub const DEFAULT_NAMESPACE: &str = "CISBenchmark";

/// The profile's `parameters: aws-cloudwatch-...:` block of one monitoring control; only
/// remediation needs it.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringParameters {
    /// The SNS topic (by ARN) the fix's alarm notifies. Required by a `remediate` plan that adds an alarm (an error for that control without it); it must be
    /// in the log group's region and have a confirmed subscriber for the control to pass.
    #[serde(default)]
    pub alarm_topic_arn: Option<String>,
    /// The namespace of the metric the fix's filter publishes (default `CISBenchmark`).
    #[serde(default)]
    pub metric_namespace: Option<String>,
}

impl ControlParameters for MonitoringParameters {
    fn validate(&self) -> Result<(), String> {
        if let Some(topic) = &self.alarm_topic_arn {
            if !crate::data::cloudwatch::is_sns_topic_arn(topic)
                || crate::data::sns::topic_region(topic).is_none()
            {
                return Err(format!(
                    "alarm_topic_arn: `{topic}` is not an SNS topic ARN \
                     (arn:aws:sns:<region>:<account>:<topic>)"
                ));
            }
        }
        if let Some(namespace) = &self.metric_namespace {
            if !valid_namespace(namespace) {
                return Err(format!(
                    "metric_namespace: `{namespace}` is not a CloudWatch namespace (1-255 \
                     characters of letters, digits and . - _ / # : space, not starting with `AWS/`)"
                ));
            }
        }
        Ok(())
    }
}

impl MonitoringParameters {
    /// The namespace the fix publishes to.
    pub fn namespace(&self) -> &str {
        self.metric_namespace
            .as_deref()
            .unwrap_or(DEFAULT_NAMESPACE)
    }
}

/// CloudWatch's rule for custom namespaces.
fn valid_namespace(namespace: &str) -> bool {
    (1..=255).contains(&namespace.len())
        && !namespace.starts_with("AWS/")
        && namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topic_must_be_an_sns_topic_arn() {
        let with = |topic: &str| MonitoringParameters {
            alarm_topic_arn: Some(topic.to_string()),
            metric_namespace: None,
        };
        assert!(with("arn:aws:sns:eu-west-1:111122223333:alerts")
            .validate()
            .is_ok());
        assert!(with("alerts").validate().is_err());
        assert!(with("arn:aws:sns:EU WEST:111122223333:alerts")
            .validate()
            .is_err());
        assert!(MonitoringParameters::default().validate().is_ok());
    }

    #[test]
    fn the_namespace_follows_cloudwatch_rules() {
        let with = |namespace: &str| MonitoringParameters {
            alarm_topic_arn: None,
            metric_namespace: Some(namespace.to_string()),
        };
        assert!(with("Security/CIS").validate().is_ok());
        assert!(with("AWS/EC2").validate().is_err());
        assert!(with("").validate().is_err());
        assert_eq!(MonitoringParameters::default().namespace(), "CISBenchmark");
    }
}
