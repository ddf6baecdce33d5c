//! AWS Config configuration recorders and their status, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_config => "config");

/// The action that reads a region's configuration recorders.
pub const DESCRIBE_CONFIGURATION_RECORDERS: &str = "config:DescribeConfigurationRecorders";
/// The action that reads whether they are recording.
pub const DESCRIBE_CONFIGURATION_RECORDER_STATUS: &str =
    "config:DescribeConfigurationRecorderStatus";

/// One configuration recorder with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    pub name: String,
    /// Absent from older API answers (and from moto).
    pub arn: Option<String>,
    /// `recordingGroup.allSupported`.
    pub all_supported: bool,
    /// `recordingGroup.includeGlobalResourceTypes`.
    pub include_global_resource_types: bool,
    /// `recordingGroup.recordingStrategy.useOnly`, when given.
    pub strategy: Option<String>,
    /// Set for a service-linked recorder (managed by another AWS service).
    pub service_principal: Option<String>,
    /// `recording` of its status; false when no status names it.
    pub recording: bool,
    /// `lastStatus` of its status: `Pending`, `Success` or `Failure`.
    pub last_status: Option<String>,
}

impl Recorder {
    /// Records every supported resource type of its region.
    pub fn records_all_supported(&self) -> bool {
        self.all_supported
            && self
                .strategy
                .as_deref()
                .is_none_or(|s| s == "ALL_SUPPORTED_RESOURCE_TYPES")
    }

    /// Recording, and its last delivery attempt did not fail.
    pub fn is_recording(&self) -> bool {
        self.recording
            && !self
                .last_status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("failure"))
    }
}

/// The recorders of one region, with their status.
pub async fn read_recorders(account: &AwsAccount, region: &str) -> Result<Vec<Recorder>, AwsError> {
    let config = account.client::<aws_sdk_config::Client>(region);
    let recorders = config
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(DESCRIBE_CONFIGURATION_RECORDERS, e))?;
    let statuses = config
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(DESCRIBE_CONFIGURATION_RECORDER_STATUS, e))?;
    let mut out: Vec<Recorder> = recorders
        .configuration_recorders()
        .iter()
        .map(|r| {
            let name = r.name().unwrap_or_default().to_string();
            let status = statuses
                .configuration_recorders_status()
                .iter()
                .find(|s| s.name() == Some(name.as_str()));
            let group = r.recording_group();
            Recorder {
                arn: r.arn().map(str::to_string),
                all_supported: group.is_some_and(|g| g.all_supported()),
                include_global_resource_types: group
                    .is_some_and(|g| g.include_global_resource_types()),
                strategy: group
                    .and_then(|g| g.recording_strategy())
                    .and_then(|s| s.use_only())
                    .map(|s| s.as_str().to_string()),
                service_principal: r.service_principal().map(str::to_string),
                recording: status.is_some_and(|s| s.recording()),
                last_status: status
                    .and_then(|s| s.last_status())
                    .map(|s| s.as_str().to_string()),
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// One region's configuration recorders.
const RECORDERS: DataKey<Vec<Recorder>> = DataKey::new(DESCRIBE_CONFIGURATION_RECORDERS);

/// The recorders of every region of the account, read once per run.
pub async fn recorders(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Recorder>>>, AwsError> {
    account
        .in_each_region(&RECORDERS, |region| async move {
            read_recorders(account, &region).await
        })
        .await
}
