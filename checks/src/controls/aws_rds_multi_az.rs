//! CIS AWS Foundations: RDS uses Multi-AZ deployments. Regional: every DB instance and DB
//! cluster of every enabled region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Findings, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::rds::{db_clusters, db_instances, DESCRIBE_DB_CLUSTERS, DESCRIBE_DB_INSTANCES};
use crate::regions::{judge_each_region, region_resource, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// A Multi-AZ deployment keeps a synchronous standby (or readable standbys, for Multi-AZ
    /// DB clusters and Aurora) in another Availability Zone and fails over to it.
    ///
    /// ## Rationale
    /// A single-AZ database is down for as long as its zone or host is; Multi-AZ turns that
    /// into a failover of a minute or two, and keeps backups and maintenance off the primary.
    ///
    /// ## Impact
    /// A standby roughly doubles the instance cost. Development databases may reasonably be
    /// single-AZ: exclude this control for them in the profile.
    ///
    /// ## Audit
    /// The benchmark lists this recommendation as manual; cisrun reads the setting. For
    /// every region enabled for the account (`ec2:DescribeRegions`, narrowed by the profile's
    /// `regions:`):
    ///
    /// - `rds:DescribeDBInstances` (every page): each DB instance that belongs to no cluster
    ///   must have `MultiAZ` = `true`;
    /// - `rds:DescribeDBClusters` (every page): each DB cluster (Aurora, Multi-AZ DB cluster)
    ///   must have `MultiAZ` = `true`, that is instances in more than one zone. Its member
    ///   instances are judged through the cluster, not one by one.
    /// - DocumentDB and Neptune, which the same APIs list, are left out.
    /// - One finding per instance or cluster, named by its ARN, with its region. **fail** if
    ///   any is single-AZ; otherwise **error** if a region could not be read; otherwise
    ///   **pass** (also when there are no databases).
    ///
    /// ## Remediation
    /// No automatic fix (it adds cost). Per instance:
    /// `aws rds modify-db-instance --region <region> --db-instance-identifier <id>
    /// --multi-az --apply-immediately`; for an Aurora cluster, add a reader instance in
    /// another Availability Zone (`aws rds create-db-instance --db-cluster-identifier <id>
    /// --availability-zone <zone> ...`).
    ///
    /// ## Default value
    /// Single-AZ through the API and CLI.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html
    pub struct RdsMultiAz {
        id: "aws-rds-multi-az",
        title: "Ensure Multi-AZ deployments are used for enhanced availability in Amazon RDS",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS,
        DESCRIBE_DB_INSTANCES,
        DESCRIBE_DB_CLUSTERS],
    }
}

#[async_trait]
impl Audit for RdsMultiAz {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            let (instances, clusters) = futures::join!(db_instances(account), db_clusters(account));
            let (instances, clusters) = (instances?, clusters?);
            let mut findings = Findings::new("RDS databases");
            judge_each_region(
                &mut findings,
                &instances,
                region_resource,
                |findings, region, instances| {
                    // A cluster's members are judged as the cluster.
                    for db in instances.iter().filter(|db| db.cluster.is_none()) {
                        if db.multi_az {
                            findings.pass(&db.arn, Some(region), "Multi-AZ instance");
                        } else {
                            findings.fail(&db.arn, Some(region), "single-AZ instance");
                        }
                    }
                },
            );
            judge_each_region(
                &mut findings,
                &clusters,
                region_resource,
                |findings, region, clusters| {
                    for cluster in clusters {
                        if cluster.multi_az {
                            findings.pass(&cluster.arn, Some(region), "Multi-AZ cluster");
                        } else {
                            findings.fail(
                                &cluster.arn,
                                Some(region),
                                format!("{} cluster in a single Availability Zone", cluster.engine),
                            );
                        }
                    }
                },
            );
            findings.outcome()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::aws_rds_encryption_at_rest::tests::{account, db};
    use aws_sdk_rds::types::{DbCluster, DbInstance};
    use cisrun_core::Status;

    fn member(id: &str, cluster: &str) -> DbInstance {
        let mut instance = db(id, "aurora-postgresql", [true, true, false, false]);
        instance.db_cluster_identifier = Some(cluster.to_string());
        instance
    }

    fn cluster(id: &str, multi_az: bool) -> DbCluster {
        DbCluster::builder()
            .db_cluster_identifier(id)
            .db_cluster_arn(format!("arn:aws:rds:xx:123456789012:cluster:{id}"))
            .engine("aurora-postgresql")
            .multi_az(multi_az)
            .build()
    }

    #[tokio::test]
    async fn single_az_instances_and_clusters_fail_and_members_are_judged_by_their_cluster() {
        let account = account(vec![
            (
                "us-east-1",
                Some((
                    vec![
                        db("a", "postgres", [true, true, false, true]),
                        member("m1", "c1"),
                        member("m2", "c1"),
                    ],
                    vec![cluster("c1", true)],
                )),
            ),
            (
                "eu-west-1",
                Some((
                    vec![db("b", "mysql", [true, true, false, false])],
                    vec![cluster("c2", false)],
                )),
            ),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsMultiAz, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(
            outcome.message.split(':').next(),
            Some("2 of 4 RDS databases fail")
        );
        let resources: Vec<&str> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert!(
            !resources.iter().any(|r| r.ends_with(":m1")),
            "{resources:?}"
        );
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
        let outcome = cisrun_core::testing::audit(&RdsMultiAz, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
    }
}
