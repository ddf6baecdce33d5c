//! CIS AWS Foundations: EFS file systems are encrypted. Regional: every file system of
//! every enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::efs::{file_systems, DESCRIBE_FILE_SYSTEMS};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Amazon EFS encrypts a file system's data and metadata at rest with a KMS key when the
    /// file system is created encrypted.
    ///
    /// ## Rationale
    /// Encryption at rest keeps file contents unreadable to anyone who obtains the
    /// underlying storage without access to the key.
    ///
    /// ## Impact
    /// Encryption cannot be turned on for an existing file system: its data must be copied
    /// to a new, encrypted one (for example with AWS DataSync), and clients remounted.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `elasticfilesystem:DescribeFileSystems` (every page) lists the
    /// file systems; each must have `Encrypted` = `true`.
    ///
    /// - One finding per file system, named by its ARN, with its region.
    /// - **fail** if any file system is unencrypted; otherwise **error** if a region could
    ///   not be read; otherwise **pass** (also when there are no file systems).
    ///
    /// ## Remediation
    /// No automatic fix (it means a data migration). Create an encrypted file system
    /// (`aws efs create-file-system --region <region> --encrypted`), copy the data, move the
    /// mount targets and clients, then delete the unencrypted one.
    ///
    /// ## Default value
    /// The console creates encrypted file systems; the API and CLI do not unless asked.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
    /// - https://docs.aws.amazon.com/efs/latest/ug/API_DescribeFileSystems.html
    pub struct EfsEncryption {
        id: "aws-efs-encryption",
        title: "Ensure that encryption is enabled for EFS file systems",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_FILE_SYSTEMS],
    }
}

#[async_trait]
impl Audit for EfsEncryption {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "EFS file systems",
            file_systems(account).await?,
            region_resource,
            |findings, region, file_systems| {
                for fs in file_systems {
                    if fs.encrypted {
                        findings.pass(&fs.arn, Some(region), "encrypted at rest");
                    } else {
                        findings.fail(&fs.arn, Some(region), "not encrypted at rest");
                    }
                }
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_efs::operation::describe_file_systems::{
        DescribeFileSystemsError, DescribeFileSystemsOutput,
    };
    use aws_sdk_efs::types::FileSystemDescription;
    use aws_sdk_efs::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn fs(id: &str, encrypted: bool) -> FileSystemDescription {
        FileSystemDescription::builder()
            .file_system_id(id)
            .file_system_arn(format!(
                "arn:aws:elasticfilesystem:xx:123456789012:file-system/{id}"
            ))
            .encrypted(encrypted)
            .owner_id("123456789012")
            .creation_token(id)
            .creation_time(aws_smithy_types::DateTime::from_secs(0))
            .life_cycle_state(aws_sdk_efs::types::LifeCycleState::Available)
            .number_of_mount_targets(0)
            .size_in_bytes(
                aws_sdk_efs::types::FileSystemSize::builder()
                    .value(0)
                    .build(),
            )
            .performance_mode(aws_sdk_efs::types::PerformanceMode::GeneralPurpose)
            .tags(
                aws_sdk_efs::types::Tag::builder()
                    .key("k")
                    .value("v")
                    .build()
                    .expect("tag"),
            )
            .build()
            .expect("a file system")
    }

    fn efs_listing(file_systems: Option<Vec<FileSystemDescription>>) -> Client {
        let rules = match file_systems {
            Some(mut first) => {
                let second = first.split_off(first.len() / 2);
                vec![
                    mock!(Client::describe_file_systems)
                        .match_requests(|r| r.marker().is_none())
                        .then_output(move || {
                            DescribeFileSystemsOutput::builder()
                                .set_file_systems(Some(first.clone()))
                                .next_marker("page-2")
                                .build()
                        }),
                    mock!(Client::describe_file_systems)
                        .match_requests(|r| r.marker() == Some("page-2"))
                        .then_output(move || {
                            DescribeFileSystemsOutput::builder()
                                .set_file_systems(Some(second.clone()))
                                .build()
                        }),
                ]
            }
            None => vec![mock!(Client::describe_file_systems).then_error(|| {
                DescribeFileSystemsError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("denied")
                        .build(),
                )
            })],
        };
        let refs: Vec<_> = rules.iter().collect();
        mock_client!(aws_sdk_efs, RuleMode::MatchAny, refs.as_slice())
    }

    fn account(regions: Vec<(&str, Option<Vec<FileSystemDescription>>)>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, listing)| account.with_client(region, efs_listing(listing)),
        )
    }

    #[tokio::test]
    async fn an_unencrypted_file_system_fails_in_its_region() {
        let account = account(vec![
            ("us-east-1", Some(vec![fs("fs-1", true), fs("fs-2", true)])),
            ("eu-west-1", Some(vec![fs("fs-3", false)])),
        ]);
        let outcome = cisrun_core::testing::audit(&EfsEncryption, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 3);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:elasticfilesystem:xx:123456789012:file-system/fs-3"
        );
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("eu-west-1"));
    }

    #[tokio::test]
    async fn a_denied_region_is_an_error_only_there() {
        let account = account(vec![
            ("us-east-1", Some(vec![fs("fs-1", true)])),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&EfsEncryption, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains(DESCRIBE_FILE_SYSTEMS),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.evidence.len(), 2);
    }
}
