//! CIS AWS Foundations: RDS instances upgrade minor versions automatically. Regional: every
//! DB instance of every enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::controls::aws_rds_encryption_at_rest::judge_db_instances;
use crate::data::rds::DESCRIBE_DB_INSTANCES;
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// With Auto Minor Version Upgrade on, RDS applies new minor engine versions (security
    /// and bug fixes) during the instance's maintenance window.
    ///
    /// ## Rationale
    /// Minor versions carry security patches; applying them automatically keeps databases
    /// from running known-vulnerable engine versions.
    ///
    /// ## Impact
    /// The instance restarts during its maintenance window when an upgrade is applied.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `rds:DescribeDBInstances` (every page) lists the DB instances;
    /// each must have `AutoMinorVersionUpgrade` = `true`. DocumentDB and Neptune instances
    /// are left out.
    ///
    /// - One finding per DB instance, named by its ARN, with its region.
    /// - **fail** if any instance has it off; otherwise **error** if a region could not be
    ///   read; otherwise **pass** (also when there are no DB instances).
    ///
    /// ## Remediation
    /// No automatic fix (the change schedules restarts the owner should know about). Per
    /// instance: `aws rds modify-db-instance --region <region> --db-instance-identifier <id>
    /// --auto-minor-version-upgrade --apply-immediately`.
    ///
    /// ## Default value
    /// On for instances created with the console, the API and the CLI.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
    pub struct RdsAutoMinorVersionUpgrade {
        id: "aws-rds-auto-minor-version-upgrade",
        title: "Ensure the Auto Minor Version Upgrade feature is enabled for RDS instances",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_DB_INSTANCES],
    }
}

#[async_trait]
impl Audit for RdsAutoMinorVersionUpgrade {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        judge_db_instances(account, |db| {
            if db.auto_minor_version_upgrade {
                Ok("auto minor version upgrade on".to_string())
            } else {
                Err("auto minor version upgrade off".to_string())
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::aws_rds_encryption_at_rest::tests::{account, db};
    use cisrun_core::Status;

    #[tokio::test]
    async fn an_instance_without_auto_upgrade_fails_in_its_region() {
        let account = account(vec![
            (
                "us-east-1",
                Some((vec![db("a", "postgres", [true, true, false, true])], vec![])),
            ),
            (
                "eu-west-1",
                Some((vec![db("b", "mysql", [true, false, false, true])], vec![])),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsAutoMinorVersionUpgrade, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(outcome.evidence[1].status, Some(Status::Pass));
    }

    #[tokio::test]
    async fn all_on_passes_and_none_passes() {
        let account = account(vec![(
            "us-east-1",
            Some((
                vec![db("a", "postgres", [false, true, true, false])],
                vec![],
            )),
        )]);
        let outcome = cisrun_core::testing::audit(&RdsAutoMinorVersionUpgrade, &account).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        let empty = crate::controls::aws_rds_encryption_at_rest::tests::account(vec![(
            "us-east-1",
            Some((vec![], vec![])),
        )]);
        let outcome = cisrun_core::testing::audit(&RdsAutoMinorVersionUpgrade, &empty).await;
        assert_eq!(outcome.message, "no RDS DB instances found");
    }
}
