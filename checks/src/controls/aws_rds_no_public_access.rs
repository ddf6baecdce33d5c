//! CIS AWS Foundations: RDS instances are not publicly accessible. Regional: every DB
//! instance of every enabled region.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Findings, Input, NoParameters, Outcome};
use futures::future::join_all;

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::ec2::{subnet_routes, SubnetRoutes, DESCRIBE_ROUTE_TABLES};
use crate::data::rds::{db_instances, DbInstance, DESCRIBE_DB_INSTANCES};
use crate::regions::{judge_each_region, region_resource, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// A DB instance marked *publicly accessible* gets a DNS name that resolves to a public
    /// IP address. Databases should be reachable only from inside their network.
    ///
    /// ## Rationale
    /// A database endpoint on the internet is exposed to credential guessing and to any
    /// engine vulnerability, with only its security groups in the way.
    ///
    /// ## Impact
    /// Clients outside the VPC (a developer laptop, a SaaS tool) lose direct access and need
    /// a VPN, a bastion or a private connection.
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `rds:DescribeDBInstances` (every page) lists the DB instances
    /// (DocumentDB and Neptune instances are left out). As the benchmark's audit says, an
    /// instance whose `PubliclyAccessible` flag is `true` "is publicly accessible and
    /// insecure": it fails. The audit then checks such an instance's subnets, and so does
    /// cisrun, for the evidence: a subnet of its DB subnet group is public when its route
    /// table (its own, else its VPC's main route table, as the audit's steps 6 to 8 say)
    /// sends `0.0.0.0/0` or `::/0` to an internet gateway (`igw-`). `ec2:DescribeRouteTables`
    /// (every page) is read once per region, only where such an instance has subnets; if it
    /// cannot be read, the instance still fails on its flag. An instance with the flag off
    /// passes whatever its subnets: the audit checks subnets only of flagged instances.
    ///
    /// One finding per DB instance, named by its ARN, with its region. **fail** if any
    /// instance is publicly accessible; otherwise **error** if a region could not be read;
    /// otherwise **pass** (also when there are no DB instances). Prowler instead passes
    /// flagged instances unless a security group also opens the port to the world.
    ///
    /// ## Remediation
    /// No automatic fix (clients may depend on the public endpoint). Per instance:
    /// `aws rds modify-db-instance --region <region> --db-instance-identifier <id>
    /// --no-publicly-accessible --apply-immediately`, and move the instance to a DB subnet
    /// group of private subnets (`aws rds modify-db-instance ... --db-subnet-group-name`).
    ///
    /// ## Default value
    /// Off through the API and CLI; the console offers it at creation.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
    pub struct RdsNoPublicAccess {
        id: "aws-rds-no-public-access",
        title: "Ensure that RDS instances are not publicly accessible",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS,
        DESCRIBE_DB_INSTANCES,
        DESCRIBE_ROUTE_TABLES],
    }
}

#[async_trait]
impl Audit for RdsNoPublicAccess {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            let regions = db_instances(account).await?;
            // Route tables only where a flagged instance has subnets: no extra call elsewhere.
            let routes: HashMap<&str, Result<Arc<SubnetRoutes>, AwsError>> =
                join_all(regions.iter().filter_map(|region| {
                    let instances = region.data.as_deref().ok()?;
                    instances
                        .iter()
                        .any(|db| db.publicly_accessible && !db.subnets.is_empty())
                        .then_some(async move {
                            (
                                region.region.as_str(),
                                subnet_routes(account, &region.region).await,
                            )
                        })
                }))
                .await
                .into_iter()
                .collect();
            let mut findings = Findings::new("RDS DB instances");
            judge_each_region(
                &mut findings,
                &regions,
                region_resource,
                |findings, region, instances| {
                    let routes = routes.get(region).map(|r| r.as_deref());
                    for db in instances {
                        match judge(db, routes) {
                            Ok(detail) => findings.pass(&db.arn, Some(region), detail),
                            Err(detail) => findings.fail(&db.arn, Some(region), detail),
                        }
                    }
                },
            );
            findings.outcome()
        })
    }
}

/// One instance (`Ok` pass, `Err` fail, each with its detail): the flag decides; for a
/// flagged instance the detail says which of its subnets are public.
fn judge(
    db: &DbInstance,
    routes: Option<Result<&SubnetRoutes, &AwsError>>,
) -> Result<String, String> {
    if !db.publicly_accessible {
        return Ok("not publicly accessible".to_string());
    }
    Err(match routes {
        _ if db.subnets.is_empty() => "publicly accessible".to_string(),
        None => "publicly accessible".to_string(),
        Some(Err(error)) => format!(
            "publicly accessible (its subnets' routes could not be read: {})",
            error.to_detail().message
        ),
        Some(Ok(routes)) => {
            let public: Vec<String> = db
                .subnets
                .iter()
                .filter_map(|subnet| {
                    routes
                        .internet_gateway(db.vpc.as_deref(), subnet)
                        .map(|gateway| format!("{subnet} (0.0.0.0/0 via {gateway})"))
                })
                .collect();
            if public.is_empty() {
                "publicly accessible, in private subnets (no route to an internet gateway)"
                    .to_string()
            } else {
                format!(
                    "publicly accessible, in public subnets: {}",
                    public.join(", ")
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::aws_rds_encryption_at_rest::tests::{account, db};
    use cisrun_core::Status;

    #[tokio::test]
    async fn a_publicly_accessible_instance_fails_and_a_denied_region_alone_is_an_error() {
        let account = account(vec![
            (
                "us-east-1",
                Some((vec![db("a", "postgres", [true, true, false, true])], vec![])),
            ),
            (
                "eu-west-1",
                Some((vec![db("b", "mysql", [true, true, true, true])], vec![])),
            ),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsNoPublicAccess, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.evidence[0].region.as_deref(), Some("eu-west-1"));
        assert_eq!(outcome.evidence[1].status, Some(Status::Error));

        let account = crate::controls::aws_rds_encryption_at_rest::tests::account(vec![
            (
                "us-east-1",
                Some((
                    vec![db("a", "postgres", [false, false, false, false])],
                    vec![],
                )),
            ),
            ("ap-south-1", None),
        ]);
        let outcome = cisrun_core::testing::audit(&RdsNoPublicAccess, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    }

    fn instance(public: bool, subnets: &[&str]) -> DbInstance {
        DbInstance {
            id: "db".to_string(),
            arn: "arn:aws:rds:eu-west-1:123456789012:db:db".to_string(),
            engine: "postgres".to_string(),
            storage_encrypted: true,
            auto_minor_version_upgrade: true,
            publicly_accessible: public,
            multi_az: true,
            cluster: None,
            vpc: Some("vpc-1".to_string()),
            subnets: subnets.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// vpc-1's main table routes to igw-main; subnet-own has its own private table;
    /// subnet-igw its own public one; subnet-main none (so the main table).
    fn routes() -> SubnetRoutes {
        let mut routes = SubnetRoutes::default();
        routes.add(Some("vpc-1"), true, [], Some("igw-main".to_string()));
        routes.add(Some("vpc-1"), false, ["subnet-own".to_string()], None);
        routes.add(
            Some("vpc-1"),
            false,
            ["subnet-igw".to_string()],
            Some("igw-1".to_string()),
        );
        routes
    }

    fn verdict(
        db: &DbInstance,
        routes: Result<&SubnetRoutes, &AwsError>,
    ) -> (&'static str, String) {
        match judge(db, Some(routes)) {
            Ok(d) => ("pass", d),
            Err(d) => ("fail", d),
        }
    }

    #[test]
    fn the_flag_decides_and_a_flagged_instances_public_subnets_are_named() {
        let routes = routes();
        // The audit checks subnets only of flagged instances.
        assert_eq!(
            verdict(&instance(false, &["subnet-igw"]), Ok(&routes)).0,
            "pass"
        );
        let (status, detail) = verdict(&instance(true, &["subnet-own", "subnet-igw"]), Ok(&routes));
        assert_eq!(status, "fail");
        assert_eq!(
            detail,
            "publicly accessible, in public subnets: subnet-igw (0.0.0.0/0 via igw-1)"
        );
        // No table of its own: the VPC's main table decides (the audit's steps 7 and 8).
        let (status, detail) = verdict(&instance(true, &["subnet-main"]), Ok(&routes));
        assert_eq!(
            (status, detail.as_str()),
            (
                "fail",
                "publicly accessible, in public subnets: subnet-main (0.0.0.0/0 via igw-main)"
            )
        );
        let (status, detail) = verdict(&instance(true, &["subnet-own"]), Ok(&routes));
        assert_eq!(
            (status, detail.as_str()),
            (
                "fail",
                "publicly accessible, in private subnets (no route to an internet gateway)"
            )
        );
        // Unread route tables: still a failure on the flag, which says what was not read.
        let denied = AwsError {
            code: "UnauthorizedOperation".to_string(),
            message: "denied".to_string(),
            action: DESCRIBE_ROUTE_TABLES.to_string(),
            access_denied: true,
        };
        let (status, detail) = verdict(&instance(true, &["subnet-own"]), Err(&denied));
        assert_eq!(status, "fail");
        assert!(detail.contains(DESCRIBE_ROUTE_TABLES), "{detail}");
    }
}
