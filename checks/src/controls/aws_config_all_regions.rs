//! CIS AWS Foundations: AWS Config enabled in every region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Findings, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::config::{
    recorders, Recorder, DESCRIBE_CONFIGURATION_RECORDERS, DESCRIBE_CONFIGURATION_RECORDER_STATUS,
};
use crate::regions::{judge_each_region, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// AWS Config records the configuration of supported resources and every change to it.
    /// It is enabled per region by a configuration recorder: every region needs one that
    /// records all supported resource types and is running, and one region also records the
    /// global resource types (IAM users, groups, roles and policies).
    ///
    /// ## Rationale
    /// The configuration history supports security analysis, change tracking and compliance
    /// audits, and is what Security Hub's standards evaluate.
    ///
    /// ## Impact
    /// AWS Config is charged per configuration item recorded and per rule evaluation; the
    /// delivery channel's S3 bucket stores the history.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `config:DescribeConfigurationRecorders` and
    /// `config:DescribeConfigurationRecorderStatus`:
    ///
    /// - A region passes when a customer-managed recorder has `recordingGroup.allSupported`
    ///   `true` (and, when the newer `recordingGroup.recordingStrategy.useOnly` is given,
    ///   `ALL_SUPPORTED_RESOURCE_TYPES`: an exclusion or inclusion list does not record all
    ///   types), and its status is `recording: true` with a `lastStatus` other than
    ///   `FAILURE`. Service-linked recorders (with a `servicePrincipal`) record only what
    ///   their service needs and do not count.
    /// - Global resource types: `recordingGroup.includeGlobalResourceTypes` must be `true` on
    ///   such a recorder in *at least one* region, as the v3.0.0 and later audits say (global
    ///   types recorded in every region would only duplicate configuration items). The rule
    ///   is one more finding, `arn:<partition>:config::<account>:global-resource-types`,
    ///   without a region. When no readable region records them but a region could not be
    ///   read, the rule is undecided and the unread region's error stands.
    /// - One finding per region, named by the recorder's ARN (or
    ///   `arn:<partition>:config:<region>:<account>:config-recorder/<name>` when the API
    ///   gives none; `.../config-recorder` for a region without a recorder).
    /// - **fail** if any region fails or no region records global types; otherwise **error**
    ///   if a region could not be read (the evidence names the region and the action);
    ///   otherwise **pass**.
    /// - Prowler checks only that a recorder is recording and not failing; it ignores
    ///   `allSupported` and the global resource types.
    ///
    /// ## Remediation
    /// In each region: create a delivery channel with an S3 bucket
    /// (`aws configservice put-delivery-channel`), a recorder that records all supported
    /// resource types (`aws configservice put-configuration-recorder
    /// --configuration-recorder name=default,roleARN=<role>
    /// --recording-group allSupported=true,includeGlobalResourceTypes=<true in one region>`),
    /// then `aws configservice start-configuration-recorder
    /// --configuration-recorder-name default`. cisrun has no automatic fix for this control.
    ///
    /// ## Default value
    /// No configuration recorder in any region.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
    /// - https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html
    /// - https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html
    pub struct ConfigAllRegions {
        id: "aws-config-all-regions",
        title: "Ensure AWS Config is enabled in all regions",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS,
        DESCRIBE_CONFIGURATION_RECORDERS,
        DESCRIBE_CONFIGURATION_RECORDER_STATUS],
    }
}

fn recorder_arn(account: &AwsAccount, region: &str, recorder: Option<&Recorder>) -> String {
    match recorder {
        Some(Recorder { arn: Some(arn), .. }) if !arn.is_empty() => arn.clone(),
        Some(recorder) => format!(
            "arn:{}:config:{region}:{}:config-recorder/{}",
            account.partition, account.account_id, recorder.name
        ),
        None => format!(
            "arn:{}:config:{region}:{}:config-recorder",
            account.partition, account.account_id
        ),
    }
}

/// Why a recorder does not enable AWS Config in its region, if it does not.
fn shortfall(recorder: &Recorder) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(principal) = &recorder.service_principal {
        problems.push(format!("is service-linked ({principal})"));
    }
    if !recorder.records_all_supported() {
        problems.push(match &recorder.strategy {
            Some(strategy) if recorder.all_supported => {
                format!("records {strategy}, not all supported resource types")
            }
            _ => "does not record all supported resource types (allSupported is false)".into(),
        });
    }
    if !recorder.recording {
        problems.push("is not recording".to_string());
    } else if !recorder.is_recording() {
        problems.push("last delivery FAILED".to_string());
    }
    (!problems.is_empty()).then(|| format!("recorder {} {}", recorder.name, problems.join(", ")))
}

const GLOBAL: &str = "global resource types (IAM users, groups, roles and policies)";

#[async_trait]
impl Audit for ConfigAllRegions {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            let regions = recorders(account).await?;
            let mut findings = Findings::new("AWS Config settings");
            let mut global_in: Vec<String> = Vec::new();
            let any_unread = judge_each_region(
                &mut findings,
                &regions,
                |region| recorder_arn(account, region, None),
                |findings, name, list| {
                    let good = list
                        .iter()
                        .find(|r| r.service_principal.is_none() && shortfall(r).is_none());
                    match good {
                        Some(recorder) => {
                            if recorder.include_global_resource_types {
                                global_in.push(name.to_string());
                            }
                            findings.pass(
                                recorder_arn(account, name, Some(recorder)),
                                Some(name),
                                format!(
                                    "recorder {} records all supported resource types{}",
                                    recorder.name,
                                    if recorder.include_global_resource_types {
                                        " and global resource types"
                                    } else {
                                        ""
                                    }
                                ),
                            );
                        }
                        None if list.is_empty() => findings.fail(
                            recorder_arn(account, name, None),
                            Some(name),
                            "no configuration recorder",
                        ),
                        None => {
                            let reasons: Vec<String> = list.iter().filter_map(shortfall).collect();
                            findings.fail(
                                recorder_arn(account, name, list.first()),
                                Some(name),
                                reasons.join("; "),
                            );
                        }
                    }
                },
            );
            let global = format!(
                "arn:{}:config::{}:global-resource-types",
                account.partition, account.account_id
            );
            if !global_in.is_empty() {
                findings.pass(
                    global,
                    None,
                    format!("{GLOBAL} recorded in {}", global_in.join(", ")),
                );
            } else if !any_unread {
                findings.fail(
                    global,
                    None,
                    format!("no region's recording recorder includes {GLOBAL}"),
                );
            }
            findings.outcome()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_config::operation::describe_configuration_recorder_status::{
        DescribeConfigurationRecorderStatusError, DescribeConfigurationRecorderStatusOutput,
    };
    use aws_sdk_config::operation::describe_configuration_recorders::DescribeConfigurationRecordersOutput;
    use aws_sdk_config::types::{
        ConfigurationRecorder, ConfigurationRecorderStatus, RecorderStatus, RecordingGroup,
        RecordingStrategy, RecordingStrategyType,
    };
    use aws_sdk_config::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    #[derive(Clone)]
    struct Setup {
        all_supported: bool,
        global: bool,
        strategy: Option<RecordingStrategyType>,
        recording: bool,
        last: RecorderStatus,
    }

    const GOOD: Setup = Setup {
        all_supported: true,
        global: false,
        strategy: None,
        recording: true,
        last: RecorderStatus::Success,
    };

    /// `None`: the status call is denied; `Some(None)`: no recorder.
    fn config_client(setup: Option<Option<Setup>>) -> Client {
        let recorders = setup.clone().flatten().map(|s| {
            let mut group = RecordingGroup::builder()
                .all_supported(s.all_supported)
                .include_global_resource_types(s.global);
            if let Some(strategy) = s.strategy {
                group = group
                    .recording_strategy(RecordingStrategy::builder().use_only(strategy).build());
            }
            ConfigurationRecorder::builder()
                .name("default")
                .recording_group(group.build())
                .build()
        });
        let status = setup.clone().flatten().map(|s| {
            ConfigurationRecorderStatus::builder()
                .name("default")
                .recording(s.recording)
                .last_status(s.last)
                .build()
        });
        let describe = mock!(Client::describe_configuration_recorders).then_output(move || {
            DescribeConfigurationRecordersOutput::builder()
                .set_configuration_recorders(Some(recorders.clone().into_iter().collect()))
                .build()
        });
        let state = match setup {
            None => mock!(Client::describe_configuration_recorder_status).then_error(|| {
                DescribeConfigurationRecorderStatusError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not authorized")
                        .build(),
                )
            }),
            Some(_) => {
                mock!(Client::describe_configuration_recorder_status).then_output(move || {
                    DescribeConfigurationRecorderStatusOutput::builder()
                        .set_configuration_recorders_status(Some(
                            status.clone().into_iter().collect(),
                        ))
                        .build()
                })
            }
        };
        mock_client!(aws_sdk_config, RuleMode::MatchAny, [&describe, &state])
    }

    fn account(regions: Vec<(&str, Option<Option<Setup>>)>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, setup)| account.with_client(region, config_client(setup)),
        )
    }

    async fn audit(account: &AwsAccount) -> Outcome {
        cisrun_core::testing::audit(&ConfigAllRegions, account).await
    }

    fn global() -> Setup {
        Setup {
            global: true,
            ..GOOD
        }
    }

    fn status_of(outcome: &Outcome, region: Option<&str>) -> Option<Status> {
        outcome
            .evidence
            .iter()
            .find(|e| e.region.as_deref() == region)
            .and_then(|e| e.status)
    }

    #[tokio::test]
    async fn recording_everywhere_with_global_types_in_one_region_passes() {
        let outcome = audit(&account(vec![
            ("eu-west-1", Some(Some(GOOD))),
            ("us-east-1", Some(Some(global()))),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 3);
        assert_eq!(status_of(&outcome, None), Some(Status::Pass));
    }

    #[tokio::test]
    async fn global_types_in_no_region_fail() {
        let outcome = audit(&account(vec![
            ("eu-west-1", Some(Some(GOOD))),
            ("us-east-1", Some(Some(GOOD))),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(status_of(&outcome, None), Some(Status::Fail));
        assert_eq!(status_of(&outcome, Some("eu-west-1")), Some(Status::Pass));
        assert!(
            outcome.message.contains("global-resource-types"),
            "{}",
            outcome.message
        );
    }

    #[tokio::test]
    async fn not_recording_all_supported_types_fails_the_region() {
        for setup in [
            Setup {
                all_supported: false,
                ..global()
            },
            Setup {
                strategy: Some(RecordingStrategyType::ExclusionByResourceTypes),
                ..global()
            },
        ] {
            let outcome = audit(&account(vec![
                ("eu-west-1", Some(Some(setup))),
                ("us-east-1", Some(Some(global()))),
            ]))
            .await;
            assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
            assert_eq!(status_of(&outcome, Some("eu-west-1")), Some(Status::Fail));
            assert_eq!(status_of(&outcome, Some("us-east-1")), Some(Status::Pass));
        }
    }

    #[tokio::test]
    async fn a_stopped_or_failing_recorder_or_none_fails_the_region() {
        let stopped = Setup {
            recording: false,
            ..global()
        };
        let failing = Setup {
            last: RecorderStatus::Failure,
            ..global()
        };
        let outcome = audit(&account(vec![
            ("eu-west-1", Some(Some(stopped))),
            ("eu-central-1", Some(Some(failing))),
            ("us-west-2", Some(None)),
            ("us-east-1", Some(Some(global()))),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        for region in ["eu-west-1", "eu-central-1", "us-west-2"] {
            assert_eq!(
                status_of(&outcome, Some(region)),
                Some(Status::Fail),
                "{region}"
            );
        }
        let detail = |region: &str| {
            outcome
                .evidence
                .iter()
                .find(|e| e.region.as_deref() == Some(region))
                .map(|e| e.detail.clone())
                .unwrap_or_default()
        };
        assert!(detail("eu-west-1").contains("not recording"));
        assert!(detail("eu-central-1").contains("FAILED"));
        assert_eq!(detail("us-west-2"), "no configuration recorder");
    }

    #[tokio::test]
    async fn an_unread_region_is_an_error_and_leaves_the_global_rule_undecided() {
        let outcome = audit(&account(vec![
            ("eu-west-1", Some(Some(GOOD))),
            ("ap-south-1", None),
        ]))
        .await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(
            outcome
                .message
                .contains(DESCRIBE_CONFIGURATION_RECORDER_STATUS),
            "{}",
            outcome.message
        );
        assert_eq!(status_of(&outcome, None), None);
    }
}
