//! CIS AWS Foundations: VPC endpoints are used for access to AWS services. Manual: cisrun
//! lists each VPC with the AWS-service endpoints it has, and the VPCs with none.

use std::collections::BTreeMap;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::ec2::{vpc_endpoints, vpcs, VpcEndpoint, DESCRIBE_VPCS, DESCRIBE_VPC_ENDPOINTS};
use crate::evidence::ManualEvidence;
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// VPC endpoints (gateway endpoints for S3 and DynamoDB, interface endpoints for most
    /// other services) let workloads reach AWS services over the AWS network, without an
    /// internet gateway, a NAT gateway or public addresses. Use them for the AWS services
    /// your VPCs' workloads call.
    ///
    /// ## Rationale
    /// Traffic to AWS services that stays off the internet is exposed to fewer network
    /// threats, needs fewer egress paths, and can be bound by endpoint policies (a data
    /// perimeter).
    ///
    /// ## Impact
    /// Endpoints have to be created per VPC (and interface endpoints per subnet or zone),
    /// route tables and security groups adjusted, and interface endpoints cost per hour and
    /// per gigabyte.
    ///
    /// ## Audit
    /// Manual: which VPCs hold sensitive workloads and which services they use are
    /// judgements. cisrun reports this recommendation as skipped (manual) with the evidence,
    /// read in every region enabled for the account (`ec2:DescribeVpcs` and
    /// `ec2:DescribeVpcEndpoints`, once per region):
    ///
    /// - each VPC, with its AWS-service endpoints: the service (`s3`, `dynamodb`, `ssm`,
    ///   ...), the type (`Gateway`, `Interface`), the state, and the route tables (gateway
    ///   endpoints) or subnets (interface endpoints) it serves;
    /// - each VPC with no AWS-service endpoint, marked `NONE` (its workloads reach AWS
    ///   services over the internet or a NAT gateway, if at all);
    /// - endpoints of PrivateLink services that are not AWS's are listed apart.
    /// - A region that cannot be read makes the result an **error** naming the region and
    ///   the action; the evidence of the other regions is still listed.
    ///
    /// Then, for the VPCs in scope, check that the services their workloads use have
    /// endpoints, and that the route tables of the relevant subnets send S3 and DynamoDB
    /// traffic to the gateway endpoint's prefix list rather than to an internet or NAT
    /// gateway.
    ///
    /// ## Remediation
    /// Create the endpoints the workloads need, e.g.
    /// `aws ec2 create-vpc-endpoint --vpc-id <vpc-id> --service-name com.amazonaws.<region>.s3 --route-table-ids <rtb-id>`
    /// (gateway) or
    /// `aws ec2 create-vpc-endpoint --vpc-id <vpc-id> --vpc-endpoint-type Interface --service-name com.amazonaws.<region>.ssm --subnet-ids <subnet-ids> --security-group-ids <sg-id>`
    /// (interface). cisrun does not create endpoints: which services a VPC needs is a
    /// design decision.
    ///
    /// ## Default value
    /// A VPC has no endpoints.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/concepts.html
    /// - https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
    /// - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html
    pub struct VpcEndpoints {
        id: "aws-ec2-vpc-endpoints",
        title: "Ensure VPC Endpoints are used for access to AWS Services",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_VPCS, DESCRIBE_VPC_ENDPOINTS],
    }
}

/// `s3 (Gateway, available, route tables rtb-1)`.
fn describe(endpoint: &VpcEndpoint) -> String {
    let serves = match (
        endpoint.route_tables.is_empty(),
        endpoint.subnets.is_empty(),
    ) {
        (false, _) => format!(", route tables {}", endpoint.route_tables.join(" ")),
        (true, false) => format!(", subnets {}", endpoint.subnets.join(" ")),
        (true, true) => String::new(),
    };
    format!(
        "{} {} ({}, {}{serves})",
        endpoint.id,
        if endpoint.is_aws_service() {
            endpoint.service()
        } else {
            &endpoint.service_name
        },
        endpoint.endpoint_type.as_deref().unwrap_or("no type"),
        endpoint.state.as_deref().unwrap_or("no state"),
    )
}

#[async_trait]
impl Audit for VpcEndpoints {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let (vpcs, endpoints) = futures::join!(vpcs(account), vpc_endpoints(account));
        let (vpcs, endpoints) = (vpcs?, endpoints?);
        let mut evidence = ManualEvidence::new();
        let (mut total, mut without) = (0, 0);
        for region_vpcs in &vpcs {
            let region = region_vpcs.region.as_str();
            let region_endpoints = endpoints
                .iter()
                .find(|e| e.region == region)
                .map(|e| &e.data);
            let (vpcs, endpoints) = match (&region_vpcs.data, region_endpoints) {
                (Ok(vpcs), Some(Ok(endpoints))) => (vpcs, endpoints),
                (Err(error), _) | (_, Some(Err(error))) => {
                    evidence.unread_region(region, error);
                    continue;
                }
                // Both listings cover the same regions.
                (Ok(_), None) => continue,
            };
            let mut by_vpc: BTreeMap<&str, Vec<&VpcEndpoint>> = BTreeMap::new();
            for endpoint in endpoints.iter() {
                by_vpc
                    .entry(endpoint.vpc_id.as_str())
                    .or_default()
                    .push(endpoint);
            }
            for vpc in vpcs.iter() {
                total += 1;
                let own = by_vpc.get(vpc.id.as_str()).cloned().unwrap_or_default();
                let (aws, other): (Vec<&VpcEndpoint>, Vec<&VpcEndpoint>) =
                    own.into_iter().partition(|e| e.is_aws_service());
                let mut detail = if aws.is_empty() {
                    without += 1;
                    format!("{}: NONE: no VPC endpoint for an AWS service", vpc.label())
                } else {
                    let listed: Vec<String> = aws.iter().map(|e| describe(e)).collect();
                    format!(
                        "{}: {} AWS-service endpoint(s): {}",
                        vpc.label(),
                        aws.len(),
                        listed.join("; ")
                    )
                };
                if !other.is_empty() {
                    let listed: Vec<String> = other.iter().map(|e| describe(e)).collect();
                    detail.push_str(&format!(
                        "; other PrivateLink endpoints: {}",
                        listed.join("; ")
                    ));
                }
                evidence.add(&vpc.arn, Some(region), detail);
            }
        }
        let summary = if total == 0 {
            "no VPCs".to_string()
        } else {
            format!("{total} VPC(s), {without} with no AWS-service endpoint (marked NONE)")
        };
        Ok(evidence.outcome(summary))
    }
}
