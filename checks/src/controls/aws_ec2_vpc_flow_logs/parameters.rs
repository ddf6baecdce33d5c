//! The parameters of `aws-ec2-vpc-flow-logs`: only remediation reads them (where the flow
//! logs it creates deliver, and what they record).

use cisrun_core::ControlParameters;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::VpcFlowLogs;

/// The traffic a flow log cisrun creates records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum TrafficType {
    /// Rejected packets only: what the benchmark asks for, and the least data.
    #[default]
    Reject,
    /// Accepted and rejected packets.
    All,
}

impl TrafficType {
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficType::Reject => "REJECT",
            TrafficType::All => "ALL",
        }
    }
}

/// The profile's `parameters: aws-ec2-vpc-flow-logs:` block; only remediation needs it.
/// Name one destination: `log_group` with `deliver_logs_role_arn`, or `s3_bucket_arn`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowLogParameters {
    /// The CloudWatch Logs log group the new flow logs deliver to, in each VPC's own region
    /// (the flow-log service creates it if the role may).
    #[serde(default)]
    pub log_group: Option<String>,
    /// The IAM role the flow-log service assumes to write to `log_group`.
    #[serde(default)]
    pub deliver_logs_role_arn: Option<String>,
    /// Instead of a log group: the S3 bucket (or bucket and prefix) ARN the flow logs
    /// deliver to, `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/prefix/`.
    #[serde(default)]
    pub s3_bucket_arn: Option<String>,
    /// What the new flow logs record: `REJECT` (the default) or `ALL`.
    #[serde(default)]
    pub traffic_type: TrafficType,
}

/// Where the flow logs cisrun creates deliver, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FlowLogDestination {
    CloudWatchLogs { log_group: String, role_arn: String },
    S3 { bucket_arn: String },
}

impl FlowLogDestination {
    /// `log group NAME` / `S3 ARN`.
    pub fn label(&self) -> String {
        match self {
            FlowLogDestination::CloudWatchLogs { log_group, .. } => {
                format!("log group {log_group}")
            }
            FlowLogDestination::S3 { bucket_arn } => format!("S3 {bucket_arn}"),
        }
    }
}

fn parameter_error(field: &str, message: impl std::fmt::Display) -> String {
    format!("parameters.{}.{field}: {message}", VpcFlowLogs::META.id)
}

/// CloudWatch Logs group names: 1–512 of `[A-Za-z0-9_-/.#]`.
fn valid_log_group(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
}

fn valid_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
        && !arn.contains('*')
}

fn valid_bucket_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "s3"
        && parts[3].is_empty()
        && parts[4].is_empty()
        && !parts[5].is_empty()
        && !parts[5].starts_with('/')
        && !arn.contains('*')
}

impl FlowLogParameters {
    /// The destination the profile names; `None` when it names none.
    pub fn destination(&self) -> Result<Option<FlowLogDestination>, String> {
        match (
            &self.log_group,
            &self.deliver_logs_role_arn,
            &self.s3_bucket_arn,
        ) {
            (None, None, None) => Ok(None),
            (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(parameter_error(
                "s3_bucket_arn",
                "name one destination: `log_group` with `deliver_logs_role_arn`, or \
                 `s3_bucket_arn`, not both",
            )),
            (None, None, Some(bucket)) => {
                if !valid_bucket_arn(bucket) {
                    return Err(parameter_error(
                        "s3_bucket_arn",
                        format!("`{bucket}` is not an S3 bucket ARN (arn:aws:s3:::bucket)"),
                    ));
                }
                Ok(Some(FlowLogDestination::S3 {
                    bucket_arn: bucket.clone(),
                }))
            }
            (Some(_), None, None) => Err(parameter_error(
                "deliver_logs_role_arn",
                "missing: the IAM role that lets flow logs write to `log_group`",
            )),
            (None, Some(_), None) => Err(parameter_error(
                "log_group",
                "missing: the log group the flow logs deliver to",
            )),
            (Some(group), Some(role), None) => {
                if !valid_log_group(group) {
                    return Err(parameter_error(
                        "log_group",
                        format!("`{group}` is not a CloudWatch Logs group name"),
                    ));
                }
                if !valid_role_arn(role) {
                    return Err(parameter_error(
                        "deliver_logs_role_arn",
                        format!(
                            "`{role}` is not an IAM role ARN \
                             (arn:aws:iam::123456789012:role/NAME)"
                        ),
                    ));
                }
                Ok(Some(FlowLogDestination::CloudWatchLogs {
                    log_group: group.clone(),
                    role_arn: role.clone(),
                }))
            }
        }
    }

    /// The destination remediation needs: an error naming the parameters when none is given.
    pub fn required_destination(&self) -> Result<FlowLogDestination, String> {
        self.destination()?.ok_or_else(|| {
            format!(
                "parameters.{}: name where the new flow logs deliver: `log_group` and \
                 `deliver_logs_role_arn`, or `s3_bucket_arn`",
                VpcFlowLogs::META.id
            )
        })
    }
}

impl ControlParameters for FlowLogParameters {
    fn validate(&self) -> Result<(), String> {
        self.destination().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> Result<FlowLogParameters, String> {
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
        cisrun_core::parameters::read::<FlowLogParameters>(Some(&value))
    }

    #[test]
    fn one_destination_is_required_and_checked() {
        let cwl =
            read("log_group: flow\ndeliver_logs_role_arn: arn:aws:iam::123456789012:role/fl\n")
                .expect("a log group destination");
        assert!(matches!(
            cwl.required_destination(),
            Ok(FlowLogDestination::CloudWatchLogs { .. })
        ));
        assert_eq!(cwl.traffic_type, TrafficType::Reject);
        let s3 = read("s3_bucket_arn: arn:aws:s3:::logs/vpc/\ntraffic_type: ALL\n")
            .expect("an S3 destination");
        assert_eq!(s3.traffic_type, TrafficType::All);
        assert!(read("log_group: flow\n")
            .unwrap_err()
            .contains("deliver_logs_role_arn"));
        assert!(read(
            "log_group: flow\ndeliver_logs_role_arn: arn:aws:iam::123456789012:role/fl\n\
             s3_bucket_arn: arn:aws:s3:::logs\n"
        )
        .unwrap_err()
        .contains("not both"));
        assert!(read("s3_bucket_arn: logs\n")
            .unwrap_err()
            .contains("S3 bucket ARN"));
        assert!(read(
            "log_group: flow\ndeliver_logs_role_arn: arn:aws:iam::123456789012:user/fl\n"
        )
        .unwrap_err()
        .contains("role ARN"));
        assert!(read("traffic_type: ACCEPT\n").is_err());
        let none = read("{}").expect("no parameters: audit only");
        assert!(none.required_destination().is_err());
    }
}
