//! CIS AWS Foundations: rotation is on for customer-managed symmetric KMS keys. Regional:
//! every key of every enabled region, with a safe fix journaled per key.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::kms::{
    keys, read_key_rotation, Rotation, DESCRIBE_KEY, GET_KEY_ROTATION_STATUS, LIST_KEYS,
};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// AWS KMS can rotate the key material of a customer-managed symmetric key
    /// automatically (yearly by default). Turn automatic rotation on for every such key.
    ///
    /// ## Rationale
    /// Rotating key material limits how much data one piece of material protects and how
    /// long a leaked copy stays useful. KMS keeps the old material to decrypt existing data,
    /// so rotation needs no re-encryption and no change to applications.
    ///
    /// ## Impact
    /// Each rotation adds a monthly charge for the retained key material (capped after the
    /// second rotation).
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`): `kms:ListKeys` (every page), `kms:DescribeKey` for each key,
    /// and `kms:GetKeyRotationStatus` for each key that can rotate automatically.
    ///
    /// - Judged: keys with `KeyManager` = `CUSTOMER`, `KeySpec` = `SYMMETRIC_DEFAULT`,
    ///   `KeyState` = `Enabled` and `Origin` = `AWS_KMS`. AWS-managed keys (rotated by AWS),
    ///   asymmetric and HMAC keys, keys with imported material (`EXTERNAL`) or in a custom
    ///   key store, and disabled or pending-deletion keys cannot be given automatic rotation
    ///   and are not findings. (Prowler fails imported and custom key store keys.)
    /// - One finding per judged key, named by its ARN, with its region. A key whose
    ///   metadata or rotation the auditor may not read (key policies can deny it) is listed
    ///   as an error in its region.
    /// - **fail** if any judged key has rotation off; otherwise **error** if a region or a
    ///   key could not be read; otherwise **pass** (also when there are no such keys).
    ///
    /// ## Remediation
    /// `cisrun remediate --apply` turns on automatic rotation for each judged key that has
    /// it off (`kms:EnableKeyRotation`, a safe fix: encryption and decryption are
    /// unaffected). The journal records each key's region, id and previous rotation state;
    /// rollback turns rotation off again (`kms:DisableKeyRotation`) only for the keys cisrun
    /// turned on. A region the fix cannot read stops the plan; a key it cannot read is left
    /// alone. By hand: `aws kms enable-key-rotation --region <region> --key-id <id>`.
    ///
    /// ## Default value
    /// Off for new customer-managed keys.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    /// - https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html
    pub struct KmsCmkRotation {
        id: "aws-kms-cmk-rotation",
        title: "Ensure rotation for customer-created symmetric CMKs is enabled",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS,
        LIST_KEYS,
        DESCRIBE_KEY,
        GET_KEY_ROTATION_STATUS],
        fix: EnableKeyRotation,
    }
}

#[async_trait]
impl Audit for KmsCmkRotation {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "customer-managed symmetric KMS keys",
            keys(account).await?,
            region_resource,
            |findings, region, keys| {
                for key in keys {
                    match &key.rotation {
                        Rotation::Enabled => {
                            findings.pass(&key.arn, Some(region), "automatic rotation on")
                        }
                        Rotation::Disabled => {
                            findings.fail(&key.arn, Some(region), "automatic rotation off")
                        }
                        Rotation::NotApplicable(reason) => {
                            tracing::debug!(key = %key.arn, %reason, "KMS key not judged");
                        }
                        Rotation::Unread(error) => {
                            findings.unread(region, &key.arn, error.to_detail())
                        }
                    }
                }
            },
        ))
    }
}

/// The fix: turn on automatic rotation, key by key.
struct EnableKeyRotation;

const ENABLE: &str = "kms:EnableKeyRotation";
const DISABLE: &str = "kms:DisableKeyRotation";

/// What a step records: the key it turns on, and where.
#[derive(Debug, Serialize, Deserialize)]
struct KeyStep {
    region: String,
    key_id: String,
}

fn key_of(step: &Step) -> Result<KeyStep, RemediationError> {
    step.data_as()
}

#[async_trait]
impl Remediation<AwsAccount> for EnableKeyRotation {
    fn safety(&self) -> FixSafety {
        // Encryption and decryption are unaffected, and rollback restores the setting.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[ENABLE, DISABLE]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let regions = keys(account).await?;
        let mut steps = Vec::new();
        for region in regions {
            // A region the fix cannot read is not one it may change blindly.
            let keys = region.data?;
            for key in keys.iter() {
                if matches!(key.rotation, Rotation::Disabled) {
                    steps.push(Step {
                        action: ENABLE.to_string(),
                        resource: key.arn.clone(),
                        summary: format!(
                            "turn on automatic rotation of KMS key {} in {}",
                            key.id, region.region
                        ),
                        data: serde_json::json!(KeyStep {
                            region: region.region.clone(),
                            key_id: key.id.clone(),
                        }),
                    });
                }
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "already compliant: every customer-managed symmetric KMS key rotates",
            ));
        }
        let explanation = format!("turn on automatic rotation of {} KMS key(s)", steps.len());
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let key = key_of(step)?;
        // Read afresh: the cached audit value predates the change.
        let enabled = read_key_rotation(account, &key.region, &key.key_id).await?;
        Ok(serde_json::json!({
            "region": key.region,
            "key_id": key.key_id,
            "key_rotation_enabled": enabled,
        }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let key = key_of(step)?;
        let kms = account.client::<aws_sdk_kms::Client>(&key.region);
        kms.enable_key_rotation()
            .key_id(&key.key_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ENABLE, e))?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let key = key_of(step)?;
        let kms = account.client::<aws_sdk_kms::Client>(&key.region);
        kms.disable_key_rotation()
            .key_id(&key.key_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(DISABLE, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::operation::get_key_rotation_status::{
        GetKeyRotationStatusError, GetKeyRotationStatusOutput,
    };
    use aws_sdk_kms::operation::list_keys::{ListKeysError, ListKeysOutput};
    use aws_sdk_kms::types::{
        KeyListEntry, KeyManagerType, KeyMetadata, KeySpec, KeyState, OriginType,
    };
    use aws_sdk_kms::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    /// A test key: id, manager, spec, state, origin, rotation (`None`: the lookup is denied).
    struct Key(
        &'static str,
        KeyManagerType,
        KeySpec,
        KeyState,
        OriginType,
        Option<bool>,
    );

    fn arn(region: &str, id: &str) -> String {
        format!("arn:aws:kms:{region}:123456789012:key/{id}")
    }

    fn denied() -> ErrorMetadata {
        ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("denied")
            .build()
    }

    fn kms_listing(region: &str, keys: Option<Vec<Key>>, extra: Vec<Rule>) -> Client {
        let mut rules = Vec::new();
        match keys {
            None => {
                rules.push(mock!(Client::list_keys).then_error(|| ListKeysError::generic(denied())))
            }
            Some(keys) => {
                let entries: Vec<KeyListEntry> = keys
                    .iter()
                    .map(|k| {
                        KeyListEntry::builder()
                            .key_id(k.0)
                            .key_arn(arn(region, k.0))
                            .build()
                    })
                    .collect();
                let mut first = entries;
                let second = first.split_off(first.len() / 2);
                rules.push(
                    mock!(Client::list_keys)
                        .match_requests(|r| r.marker().is_none())
                        .then_output(move || {
                            ListKeysOutput::builder()
                                .set_keys(Some(first.clone()))
                                .truncated(true)
                                .next_marker("page-2")
                                .build()
                        }),
                );
                rules.push(
                    mock!(Client::list_keys)
                        .match_requests(|r| r.marker() == Some("page-2"))
                        .then_output(move || {
                            ListKeysOutput::builder()
                                .set_keys(Some(second.clone()))
                                .truncated(false)
                                .build()
                        }),
                );
                for key in keys {
                    let id = key.0;
                    let metadata = KeyMetadata::builder()
                        .key_id(id)
                        .arn(arn(region, id))
                        .key_manager(key.1)
                        .key_spec(key.2)
                        .key_state(key.3)
                        .origin(key.4)
                        .build()
                        .expect("key metadata");
                    rules.push(
                        mock!(Client::describe_key)
                            .match_requests(move |r| r.key_id() == Some(id))
                            .then_output(move || {
                                DescribeKeyOutput::builder()
                                    .key_metadata(metadata.clone())
                                    .build()
                            }),
                    );
                    let rule = mock!(Client::get_key_rotation_status)
                        .match_requests(move |r| r.key_id() == Some(id));
                    rules.push(match key.5 {
                        Some(enabled) => rule.then_output(move || {
                            GetKeyRotationStatusOutput::builder()
                                .key_rotation_enabled(enabled)
                                .build()
                        }),
                        None => rule.then_error(|| GetKeyRotationStatusError::generic(denied())),
                    });
                }
            }
        }
        rules.extend(extra);
        let refs: Vec<_> = rules.iter().collect();
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, refs.as_slice())
    }

    /// Per region: its keys (`None`: denied) and extra mock rules.
    type RegionKeys = (&'static str, Option<Vec<Key>>, Vec<Rule>);

    fn account(regions: Vec<RegionKeys>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, keys, extra)| {
                account.with_client(region, kms_listing(region, keys, extra))
            },
        )
    }

    use KeyManagerType::{Aws, Customer};
    use KeySpec::{EccNistP256, SymmetricDefault};
    use KeyState::{Disabled, Enabled};
    use OriginType::{AwsKms, External};

    fn mixed() -> Vec<Key> {
        vec![
            Key(
                "on",
                Customer,
                SymmetricDefault,
                Enabled,
                AwsKms,
                Some(true),
            ),
            Key(
                "off",
                Customer,
                SymmetricDefault,
                Enabled,
                AwsKms,
                Some(false),
            ),
            Key(
                "imported",
                Customer,
                SymmetricDefault,
                Enabled,
                External,
                Some(false),
            ),
            Key(
                "disabled",
                Customer,
                SymmetricDefault,
                Disabled,
                AwsKms,
                Some(false),
            ),
            Key(
                "asymmetric",
                Customer,
                EccNistP256,
                Enabled,
                AwsKms,
                Some(false),
            ),
            Key(
                "aws-managed",
                Aws,
                SymmetricDefault,
                Enabled,
                AwsKms,
                Some(true),
            ),
        ]
    }

    #[tokio::test]
    async fn only_enabled_symmetric_aws_kms_customer_keys_are_judged() {
        let account = account(vec![
            ("us-east-1", Some(mixed()), vec![]),
            (
                "eu-west-1",
                Some(vec![Key(
                    "eu",
                    Customer,
                    SymmetricDefault,
                    Enabled,
                    AwsKms,
                    Some(true),
                )]),
                vec![],
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&KmsCmkRotation, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message,
            format!(
                "1 of 3 customer-managed symmetric KMS keys fail: {} (us-east-1)",
                arn("us-east-1", "off")
            )
        );
        let judged: Vec<&str> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(judged.len(), 3, "{judged:?}");
    }

    #[tokio::test]
    async fn a_denied_region_or_key_is_an_error_only_there() {
        let account = account(vec![
            (
                "us-east-1",
                Some(vec![
                    Key(
                        "on",
                        Customer,
                        SymmetricDefault,
                        Enabled,
                        AwsKms,
                        Some(true),
                    ),
                    Key("guarded", Customer, SymmetricDefault, Enabled, AwsKms, None),
                ]),
                vec![],
            ),
            ("ap-south-1", None, vec![]),
        ]);
        let outcome = cisrun_core::testing::audit(&KmsCmkRotation, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(outcome.message.contains("us-east-1"), "{}", outcome.message);
        let errors = outcome
            .evidence
            .iter()
            .filter(|e| e.status == Some(Status::Error))
            .count();
        assert_eq!(errors, 2);
    }

    #[tokio::test]
    async fn the_fix_turns_on_only_keys_that_are_off_and_undo_turns_off_that_key() {
        let enable = mock!(Client::enable_key_rotation)
            .match_requests(|r| r.key_id() == Some("off"))
            .then_output(|| {
                aws_sdk_kms::operation::enable_key_rotation::EnableKeyRotationOutput::builder()
                    .build()
            });
        let disable = mock!(Client::disable_key_rotation)
            .match_requests(|r| r.key_id() == Some("off"))
            .then_output(|| {
                aws_sdk_kms::operation::disable_key_rotation::DisableKeyRotationOutput::builder()
                    .build()
            });
        let account = account(vec![("us-east-1", Some(mixed()), vec![enable, disable])]);
        let plan = EnableKeyRotation
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: "",
                },
            )
            .await
            .expect("a plan");
        assert_eq!(plan.steps.len(), 1, "{:?}", plan.steps);
        let step = &plan.steps[0];
        assert_eq!(step.resource, arn("us-east-1", "off"));
        let key = key_of(step).expect("region and key");
        assert_eq!(
            (key.region.as_str(), key.key_id.as_str()),
            ("us-east-1", "off")
        );
        EnableKeyRotation
            .apply(&account, step)
            .await
            .expect("enabled");
        EnableKeyRotation
            .undo(&account, step)
            .await
            .expect("disabled");
    }

    #[tokio::test]
    async fn the_fix_refuses_a_region_it_cannot_read() {
        let account = account(vec![
            ("us-east-1", Some(mixed()), vec![]),
            ("ap-south-1", None, vec![]),
        ]);
        assert!(EnableKeyRotation
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: ""
                }
            )
            .await
            .is_err());
    }
}
