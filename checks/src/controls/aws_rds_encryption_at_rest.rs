//! CIS AWS Foundations: RDS instances are encrypted at rest. Regional: every DB instance of
//! every enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::rds::{db_instances, DbInstance, DESCRIBE_DB_INSTANCES};
use crate::regions::{region_resource, regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// Amazon RDS encrypts a DB instance's storage, automated backups, read replicas and
    /// snapshots with a KMS key when the instance is created encrypted.
    ///
    /// ## Rationale
    /// Encryption at rest keeps database contents unreadable to anyone who obtains the
    /// underlying storage or a snapshot without access to the key.
    ///
    /// ## Impact
    /// Encryption cannot be turned on for an existing instance: it must be recreated from an
    /// encrypted copy of a snapshot, with downtime or a migration.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `rds:DescribeDBInstances` (every page) lists the DB instances;
    /// each must have `StorageEncrypted` = `true`. DocumentDB and Neptune instances, which the
    /// same API lists, belong to other services and are left out.
    ///
    /// - One finding per DB instance, named by its ARN, with its region.
    /// - **fail** if any instance is unencrypted; otherwise **error** if a region could not
    ///   be read; otherwise **pass** (also when there are no DB instances).
    ///
    /// ## Remediation
    /// No automatic fix (it means recreating the database). Snapshot the instance, copy the
    /// snapshot with encryption (`aws rds copy-db-snapshot --kms-key-id <key>`), restore a
    /// new instance from the encrypted copy, move clients to it, then delete the old one.
    ///
    /// ## Default value
    /// Encryption is chosen at creation; the console turns it on by default, the API and
    /// CLI do not.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
    pub struct RdsEncryptionAtRest {
        id: "aws-rds-encryption-at-rest",
        title: "Ensure that encryption-at-rest is enabled for RDS instances",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_DB_INSTANCES],
    }
}

/// Judges every DB instance of every region with `judge` (`Ok` = pass, `Err` = fail, each
/// with its detail): the shared shape of the RDS instance controls.
pub(crate) async fn judge_db_instances(
    account: &AwsAccount,
    judge: impl Fn(&DbInstance) -> Result<String, String>,
) -> Result<Outcome, ErrorDetail> {
    Ok(regional_outcome(
        "RDS DB instances",
        db_instances(account).await?,
        region_resource,
        |findings, region, instances| {
            for db in instances {
                match judge(db) {
                    Ok(detail) => findings.pass(&db.arn, Some(region), detail),
                    Err(detail) => findings.fail(&db.arn, Some(region), detail),
                }
            }
        },
    ))
}

#[async_trait]
impl Audit for RdsEncryptionAtRest {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        judge_db_instances(account, |db| {
            if db.storage_encrypted {
                Ok("storage encrypted".to_string())
            } else {
                Err(format!("{} instance storage is not encrypted", db.engine))
            }
        })
        .await
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_sdk_rds::operation::describe_db_clusters::{
        DescribeDBClustersError, DescribeDbClustersOutput,
    };
    use aws_sdk_rds::operation::describe_db_instances::{
        DescribeDBInstancesError, DescribeDbInstancesOutput,
    };
    use aws_sdk_rds::types::{DbCluster, DbInstance};
    use aws_sdk_rds::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    /// A DB instance `id` of `engine` with the four flags the controls read: encrypted, auto
    /// minor version upgrade, publicly accessible, Multi-AZ.
    pub(crate) fn db(id: &str, engine: &str, flags: [bool; 4]) -> DbInstance {
        DbInstance::builder()
            .db_instance_identifier(id)
            .db_instance_arn(format!("arn:aws:rds:xx:123456789012:db:{id}"))
            .engine(engine)
            .storage_encrypted(flags[0])
            .auto_minor_version_upgrade(flags[1])
            .publicly_accessible(flags[2])
            .multi_az(flags[3])
            .build()
    }

    fn denied() -> ErrorMetadata {
        ErrorMetadata::builder()
            .code("AccessDenied")
            .message("denied")
            .build()
    }

    /// An RDS client listing `instances` (over two pages) and `clusters`, or denying both.
    pub(crate) fn rds_listing(listing: Option<(Vec<DbInstance>, Vec<DbCluster>)>) -> Client {
        let rules = match listing {
            Some((mut first, clusters)) => {
                let second = first.split_off(first.len() / 2);
                vec![
                    mock!(Client::describe_db_instances)
                        .match_requests(|r| r.marker().is_none())
                        .then_output(move || {
                            DescribeDbInstancesOutput::builder()
                                .set_db_instances(Some(first.clone()))
                                .marker("page-2")
                                .build()
                        }),
                    mock!(Client::describe_db_instances)
                        .match_requests(|r| r.marker() == Some("page-2"))
                        .then_output(move || {
                            DescribeDbInstancesOutput::builder()
                                .set_db_instances(Some(second.clone()))
                                .build()
                        }),
                    mock!(Client::describe_db_clusters).then_output(move || {
                        DescribeDbClustersOutput::builder()
                            .set_db_clusters(Some(clusters.clone()))
                            .build()
                    }),
                ]
            }
            None => vec![
                mock!(Client::describe_db_instances)
                    .then_error(|| DescribeDBInstancesError::generic(denied())),
                mock!(Client::describe_db_clusters)
                    .then_error(|| DescribeDBClustersError::generic(denied())),
            ],
        };
        let refs: Vec<_> = rules.iter().collect();
        mock_client!(aws_sdk_rds, RuleMode::MatchAny, refs.as_slice())
    }

    /// An account whose regions list these DB instances and clusters (`None`: denied).
    /// A region's DB instances and clusters.
    pub(crate) type Databases = (Vec<DbInstance>, Vec<DbCluster>);

    pub(crate) fn account(regions: Vec<(&str, Option<Databases>)>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, listing)| account.with_client(region, rds_listing(listing)),
        )
    }

    #[tokio::test]
    async fn an_unencrypted_instance_fails_and_docdb_is_not_judged() {
        let account = account(vec![
            (
                "us-east-1",
                Some((
                    vec![
                        db("a", "postgres", [true, true, false, true]),
                        db("docs", "docdb", [false, true, false, true]),
                    ],
                    vec![],
                )),
            ),
            (
                "eu-west-1",
                Some((vec![db("b", "mysql", [false, true, false, true])], vec![])),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsEncryptionAtRest, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 2, "{:?}", outcome.evidence);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:rds:xx:123456789012:db:b"
        );
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("eu-west-1"));
    }

    #[tokio::test]
    async fn a_denied_region_is_an_error_only_there() {
        let account = account(vec![
            (
                "us-east-1",
                Some((vec![db("a", "postgres", [true, true, false, true])], vec![])),
            ),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsEncryptionAtRest, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.message.contains(DESCRIBE_DB_INSTANCES),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.evidence.len(), 2);
    }
}
