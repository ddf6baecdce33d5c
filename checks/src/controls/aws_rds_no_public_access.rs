//! CIS AWS Foundations: RDS instances are not publicly accessible (2.3.3 in v1.5.0–v3.0.0,
//! 2.2.3 in v4.0.1–v5.0.0, 3.2.3 in v6.0.0–v7.0.0). Regional: every DB instance of every
//! enabled region.

use async_trait::async_trait;
use cisrun_core::{Assessment, Control, ControlMeta, Outcome, Parameters};

use crate::aws::AwsAccount;
use crate::controls::aws_rds_encryption_at_rest::judge_db_instances;
use crate::data::rds::DESCRIBE_DB_INSTANCES;
use crate::regions::DESCRIBE_REGIONS;
use crate::register_control;

cisrun_core::documented_control! {
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
    /// profile's `regions:`), `rds:DescribeDBInstances` (every page) lists the DB instances;
    /// each must have `PubliclyAccessible` = `false`. DocumentDB and Neptune instances are
    /// left out.
    ///
    /// - One finding per DB instance, named by its ARN, with its region.
    /// - **fail** if any instance is publicly accessible; otherwise **error** if a region
    ///   could not be read; otherwise **pass** (also when there are no DB instances).
    /// - The benchmark's audit goes on to check whether the instance's subnets route to an
    ///   internet gateway. cisrun fails on the flag alone: an instance in private subnets
    ///   with the flag on is one route-table change away from the internet, and the fix is
    ///   the same. Prowler instead passes flagged instances unless a security group also
    ///   opens the port to the world.
    ///
    /// Permissions: `ec2:DescribeRegions`, `rds:DescribeDBInstances`.
    ///
    /// ## Remediation
    /// No automatic fix (clients may depend on the public endpoint). Per instance:
    /// `aws rds modify-db-instance --region <region> --db-instance-identifier <id>
    /// --no-publicly-accessible --apply-immediately`, and keep DB subnet groups to private
    /// subnets.
    ///
    /// ## Default value
    /// Off through the API and CLI; the console offers it at creation.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding
    /// - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html
    pub struct RdsNoPublicAccess;
}

static META: ControlMeta = ControlMeta {
    id: "aws-rds-no-public-access",
    title: "Ensure that RDS instances are not publicly accessible",
    assessment: Assessment::Automated,
    doc: RdsNoPublicAccess::DOC,
    parameters: None,
    permissions: &[DESCRIBE_REGIONS, DESCRIBE_DB_INSTANCES],
};

register_control!(RdsNoPublicAccess);

#[async_trait]
impl Control<AwsAccount> for RdsNoPublicAccess {
    fn meta(&self) -> &'static ControlMeta {
        &META
    }

    async fn audit(&self, account: &AwsAccount, _parameters: &Parameters) -> Outcome {
        judge_db_instances(account, |db| {
            if db.publicly_accessible {
                Err("publicly accessible".to_string())
            } else {
                Ok("not publicly accessible".to_string())
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
        let outcome = RdsNoPublicAccess
            .audit(&account, &Parameters::default())
            .await;
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
        let outcome = RdsNoPublicAccess
            .audit(&account, &Parameters::default())
            .await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    }
}
