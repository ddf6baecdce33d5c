//! CIS AWS Foundations: EBS encryption by default in every region. The template for a
//! regional control: one shared per-region fetcher, one finding per region, the shared
//! regional verdict, and a safe fix that is journaled per region.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::ec2::{
    ebs_encryption_by_default, read_ebs_encryption_by_default, GET_EBS_ENCRYPTION_BY_DEFAULT,
};
use crate::regions::{regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Elastic Block Store (EBS) can encrypt every new volume (and the snapshots made from
    /// it) by default. The setting is per region: turn it on in every region.
    ///
    /// ## Rationale
    /// Encrypting data at rest lowers the chance that it is exposed by accident or read from
    /// a stolen snapshot. With the default on, nobody has to remember it per volume.
    ///
    /// ## Impact
    /// Instance types that do not support encrypted volumes cannot launch with new volumes
    /// in that region. Existing volumes are not changed.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `ec2:GetEbsEncryptionByDefault` must return `true`. The
    /// setting is read in every region, with or without volumes in it: a region with no
    /// volume today is where the next unencrypted one appears.
    ///
    /// - One finding per region, named
    ///   `arn:<partition>:ec2:<region>:<account>:ebs-encryption-by-default`.
    /// - **fail** if any region has the default off; otherwise **error** if a region could
    ///   not be read (the evidence names the region and the action); otherwise **pass**.
    /// - Prowler's CIS mappings before v7.0.0 check whether existing *volumes* are encrypted
    ///   (`ec2_ebs_volume_encryption`), not the default the benchmark audits; its v7.0.0
    ///   check only reports regions that hold volumes.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply` turns the default on in every region where it is off
    /// (`ec2:EnableEbsEncryptionByDefault`, a safe fix: it changes only volumes created
    /// later). The journal records each region's previous setting, and rollback turns it
    /// off again only in the regions cisrun turned on. By hand:
    /// `aws ec2 enable-ebs-encryption-by-default --region <region>` for each region.
    ///
    /// ## Default value
    /// Off in every region.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsEncryptionByDefault.html
    pub struct EbsDefaultEncryption {
        id: "aws-ec2-ebs-default-encryption",
        title: "Ensure EBS volume encryption is enabled in all regions",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, GET_EBS_ENCRYPTION_BY_DEFAULT],
        fix: EnableEbsDefaultEncryption,
    }
}

/// The finding's resource: the region's setting.
fn setting_arn(account: &AwsAccount, region: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{}:ebs-encryption-by-default",
        account.partition, account.account_id
    )
}

#[async_trait]
impl Audit for EbsDefaultEncryption {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "regions' EBS encryption defaults",
            ebs_encryption_by_default(account).await?,
            |region| setting_arn(account, region),
            |findings, region, encrypted| {
                let resource = setting_arn(account, region);
                if *encrypted {
                    findings.pass(resource, Some(region), "encrypted by default");
                } else {
                    findings.fail(
                        resource,
                        Some(region),
                        "new EBS volumes are not encrypted by default",
                    );
                }
            },
        ))
    }
}

/// The fix: turn the default on, region by region.
struct EnableEbsDefaultEncryption;

const ENABLE: &str = "ec2:EnableEbsEncryptionByDefault";
const DISABLE: &str = "ec2:DisableEbsEncryptionByDefault";

/// What a step records: the region it turned on.
#[derive(Debug, Serialize, Deserialize)]
struct RegionStep {
    region: String,
}

fn region_of(step: &Step) -> Result<String, RemediationError> {
    step.data_as::<RegionStep>().map(|s| s.region)
}

#[async_trait]
impl Remediation<AwsAccount> for EnableEbsDefaultEncryption {
    fn safety(&self) -> FixSafety {
        // Only volumes created later are affected, and rollback restores the setting.
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
        let regions = ebs_encryption_by_default(account).await?;
        let mut steps = Vec::new();
        for region in regions {
            // A region the fix cannot read is not one it may change blindly.
            if !*region.data? {
                steps.push(Step {
                    action: ENABLE.to_string(),
                    resource: setting_arn(account, &region.region),
                    summary: format!("turn on EBS encryption by default in {}", region.region),
                    data: serde_json::json!(RegionStep {
                        region: region.region.clone()
                    }),
                });
            }
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "already compliant: EBS encryption by default is on in every region",
            ));
        }
        let explanation = format!(
            "turn on EBS encryption by default in {} region(s)",
            steps.len()
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        account: &AwsAccount,
        step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        let region = region_of(step)?;
        // Read afresh: the cached audit value predates the change.
        let enabled = read_ebs_encryption_by_default(account, &region).await?;
        Ok(serde_json::json!({ "region": region, "encrypted_by_default": enabled }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let region = region_of(step)?;
        let ec2 = account.client::<aws_sdk_ec2::Client>(&region);
        ec2.enable_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ENABLE, e))?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let region = region_of(step)?;
        let ec2 = account.client::<aws_sdk_ec2::Client>(&region);
        ec2.disable_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(DISABLE, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
    use aws_sdk_ec2::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn ec2_answering(enabled: Option<bool>) -> Client {
        let rule = match enabled {
            Some(enabled) => mock!(Client::get_ebs_encryption_by_default).then_output(move || {
                GetEbsEncryptionByDefaultOutput::builder()
                    .ebs_encryption_by_default(enabled)
                    .build()
            }),
            None => mock!(Client::get_ebs_encryption_by_default).then_error(|| {
                aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultError::generic(
                    ErrorMetadata::builder()
                        .code("UnauthorizedOperation")
                        .message("denied")
                        .build(),
                )
            }),
        };
        mock_client!(aws_sdk_ec2, [&rule])
    }

    fn account(regions: &[(&str, Option<bool>)]) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, enabled)| account.with_client(region, ec2_answering(*enabled)),
        )
    }

    #[tokio::test]
    async fn one_region_off_fails_even_when_another_is_unreadable() {
        let account = account(&[
            ("us-east-1", Some(true)),
            ("eu-west-1", Some(false)),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&EbsDefaultEncryption, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:ec2:eu-west-1:123456789012:ebs-encryption-by-default"
        );
        assert_eq!(outcome.evidence[1].status, Some(Status::Error));
    }

    #[tokio::test]
    async fn an_unreadable_region_without_failures_is_an_error_naming_it() {
        let account = account(&[("us-east-1", Some(true)), ("ap-south-1", None)]);
        let outcome = cisrun_core::testing::audit(&EbsDefaultEncryption, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.message.contains(GET_EBS_ENCRYPTION_BY_DEFAULT),
            "{}",
            outcome.message
        );
    }

    #[tokio::test]
    async fn every_region_on_passes() {
        let account = account(&[("us-east-1", Some(true)), ("eu-west-1", Some(true))]);
        let outcome = cisrun_core::testing::audit(&EbsDefaultEncryption, &account).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 2);
    }

    #[tokio::test]
    async fn the_plan_turns_on_only_regions_that_are_off() {
        let account = account(&[("us-east-1", Some(true)), ("eu-west-1", Some(false))]);
        let plan = EnableEbsDefaultEncryption
            .plan(
                &account,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: "",
                },
            )
            .await
            .expect("a plan");
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(region_of(&plan.steps[0]).expect("region"), "eu-west-1");
        let unreadable = account_with_unreadable();
        assert!(EnableEbsDefaultEncryption
            .plan(
                &unreadable,
                cisrun_core::Input {
                    parameters: &Default::default(),
                    version: ""
                }
            )
            .await
            .is_err());
    }

    fn account_with_unreadable() -> AwsAccount {
        account(&[("eu-west-1", Some(false)), ("ap-south-1", None)])
    }
}
