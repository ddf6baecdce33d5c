//! CIS AWS Foundations: RDS instances upgrade minor versions automatically (2.3.2 in
//! v1.5.0–v3.0.0, 2.2.2 in v4.0.1–v5.0.0, 3.2.2 in v6.0.0–v7.0.0). Regional: every DB
//! instance of every enabled region.

use async_trait::async_trait;
use cisrun_core::{Assessment, Control, ControlMeta, Outcome, Parameters};

use crate::aws::AwsAccount;
use crate::controls::aws_rds_encryption_at_rest::judge_db_instances;
use crate::data::rds::DESCRIBE_DB_INSTANCES;
use crate::regions::DESCRIBE_REGIONS;
use crate::register_control;

cisrun_core::documented_control! {
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
    /// Permissions: `ec2:DescribeRegions`, `rds:DescribeDBInstances`.
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
    pub struct RdsAutoMinorVersionUpgrade;
}

static META: ControlMeta = ControlMeta {
    id: "aws-rds-auto-minor-version-upgrade",
    title: "Ensure the Auto Minor Version Upgrade feature is enabled for RDS instances",
    assessment: Assessment::Automated,
    doc: RdsAutoMinorVersionUpgrade::DOC,
    parameters: None,
    permissions: &[DESCRIBE_REGIONS, DESCRIBE_DB_INSTANCES],
};

register_control!(RdsAutoMinorVersionUpgrade);

#[async_trait]
impl Control<AwsAccount> for RdsAutoMinorVersionUpgrade {
    fn meta(&self) -> &'static ControlMeta {
        &META
    }

    async fn audit(&self, account: &AwsAccount, _parameters: &Parameters) -> Outcome {
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
        let outcome = RdsAutoMinorVersionUpgrade
            .audit(&account, &Parameters::default())
            .await;
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
        let outcome = RdsAutoMinorVersionUpgrade
            .audit(&account, &Parameters::default())
            .await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        let empty = crate::controls::aws_rds_encryption_at_rest::tests::account(vec![(
            "us-east-1",
            Some((vec![], vec![])),
        )]);
        let outcome = RdsAutoMinorVersionUpgrade
            .audit(&empty, &Parameters::default())
            .await;
        assert_eq!(outcome.message, "no RDS DB instances found");
    }
}
