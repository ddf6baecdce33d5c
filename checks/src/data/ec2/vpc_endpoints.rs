//! VPC endpoints, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

/// The action that lists VPC endpoints.
pub const DESCRIBE_VPC_ENDPOINTS: &str = "ec2:DescribeVpcEndpoints";

/// What the endpoint control reads of one VPC endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcEndpoint {
    /// `vpce-...`.
    pub id: String,
    pub vpc_id: String,
    /// `com.amazonaws.<region>.s3`, or a PrivateLink service's name.
    pub service_name: String,
    /// `Gateway`, `Interface`, `GatewayLoadBalancer`, ...
    pub endpoint_type: Option<String>,
    /// `available`, `pending`, `deleted`, ...
    pub state: Option<String>,
    /// Interface endpoints: the subnets they have a network interface in.
    pub subnets: Vec<String>,
    /// Gateway endpoints: the route tables that route to them.
    pub route_tables: Vec<String>,
}

impl VpcEndpoint {
    /// An endpoint of an AWS service (`com.amazonaws.<region>.…`, `aws.sagemaker.…`), not
    /// of a PrivateLink endpoint service someone runs (`com.amazonaws.vpce.…`, or any other
    /// name).
    pub fn is_aws_service(&self) -> bool {
        (self.service_name.starts_with("com.amazonaws.")
            && !self.service_name.starts_with("com.amazonaws.vpce."))
            || self.service_name.starts_with("aws.")
    }

    /// The service's short name: `s3` of `com.amazonaws.eu-west-1.s3`.
    pub fn service(&self) -> &str {
        let parts: Vec<&str> = self.service_name.splitn(3, '.').collect();
        match parts.as_slice() {
            ["com", "amazonaws", rest] => rest.split_once('.').map_or(*rest, |(_, s)| s),
            _ => &self.service_name,
        }
    }
}

/// The VPC endpoints of one region, every page.
pub async fn read_vpc_endpoints(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<VpcEndpoint>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let endpoints = read_pages(
        account.max_pages(),
        DESCRIBE_VPC_ENDPOINTS,
        |token| async move {
            let page = ec2
                .describe_vpc_endpoints()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_VPC_ENDPOINTS, e))?;
            Ok(Page::new(page.vpc_endpoints().to_vec(), page.next_token()))
        },
    )
    .await?;
    Ok(endpoints
        .iter()
        .filter_map(|e| {
            Some(VpcEndpoint {
                id: e.vpc_endpoint_id()?.to_string(),
                vpc_id: e.vpc_id()?.to_string(),
                service_name: e.service_name().unwrap_or_default().to_string(),
                endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_string()),
                state: e.state().map(|s| s.as_str().to_string()),
                subnets: e.subnet_ids().to_vec(),
                route_tables: e.route_table_ids().to_vec(),
            })
        })
        .collect())
}

/// One region's VPC endpoints.
const VPC_ENDPOINTS: DataKey<Vec<VpcEndpoint>> = DataKey::new(DESCRIBE_VPC_ENDPOINTS);

/// The VPC endpoints of every region of the account, read once per run.
pub async fn vpc_endpoints(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<VpcEndpoint>>>, AwsError> {
    account
        .in_each_region(&VPC_ENDPOINTS, |region| async move {
            read_vpc_endpoints(account, &region).await
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(service: &str) -> VpcEndpoint {
        VpcEndpoint {
            id: "vpce-1".into(),
            vpc_id: "vpc-1".into(),
            service_name: service.into(),
            endpoint_type: None,
            state: None,
            subnets: Vec::new(),
            route_tables: Vec::new(),
        }
    }

    #[test]
    fn aws_services_are_told_from_privatelink_services() {
        let s3 = endpoint("com.amazonaws.eu-west-1.s3");
        assert!(s3.is_aws_service());
        assert_eq!(s3.service(), "s3");
        assert_eq!(
            endpoint("com.amazonaws.us-east-1.ecr.dkr").service(),
            "ecr.dkr"
        );
        let partner = endpoint("com.amazonaws.vpce.eu-west-1.vpce-svc-0123");
        assert!(!partner.is_aws_service());
        assert!(!endpoint("acme.payments.svc").is_aws_service());
    }
}
