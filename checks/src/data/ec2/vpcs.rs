//! VPCs and VPC peering connections, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

/// The action that lists VPCs.
pub const DESCRIBE_VPCS: &str = "ec2:DescribeVpcs";
/// The action that lists VPC peering connections.
pub const DESCRIBE_VPC_PEERING_CONNECTIONS: &str = "ec2:DescribeVpcPeeringConnections";

/// What the VPC controls read of one VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    /// `arn:<partition>:ec2:<region>:<account>:vpc/<id>`.
    pub arn: String,
    /// The region's default VPC (AWS creates one in every region).
    pub is_default: bool,
    /// Its IPv4 and IPv6 CIDR blocks that are associated (not disassociated).
    pub cidr_blocks: Vec<String>,
    /// Its `Name` tag.
    pub name: Option<String>,
}

impl Vpc {
    /// `vpc-1 (default)`, `vpc-2 "prod"`: the VPC as evidence names it.
    pub fn label(&self) -> String {
        match (&self.name, self.is_default) {
            (_, true) => format!("{} (default VPC)", self.id),
            (Some(name), false) => format!("{} \"{name}\"", self.id),
            (None, false) => self.id.clone(),
        }
    }
}

fn associated(state: Option<&str>) -> bool {
    !matches!(state, Some("disassociated" | "disassociating" | "failed"))
}

/// The VPCs of one region, every page.
pub async fn read_vpcs(account: &AwsAccount, region: &str) -> Result<Vec<Vpc>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let vpcs = read_pages(account.max_pages(), DESCRIBE_VPCS, |token| async move {
        let page = ec2
            .describe_vpcs()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(DESCRIBE_VPCS, e))?;
        Ok(Page::new(page.vpcs().to_vec(), page.next_token()))
    })
    .await?;
    Ok(vpcs
        .iter()
        .filter_map(|vpc| {
            let id = vpc.vpc_id()?;
            let mut cidr_blocks: Vec<String> = vpc
                .cidr_block_association_set()
                .iter()
                .filter(|a| {
                    associated(
                        a.cidr_block_state()
                            .and_then(|s| s.state())
                            .map(|s| s.as_str()),
                    )
                })
                .filter_map(|a| a.cidr_block().map(str::to_string))
                .collect();
            if cidr_blocks.is_empty() {
                cidr_blocks.extend(vpc.cidr_block().map(str::to_string));
            }
            cidr_blocks.extend(
                vpc.ipv6_cidr_block_association_set()
                    .iter()
                    .filter(|a| {
                        associated(
                            a.ipv6_cidr_block_state()
                                .and_then(|s| s.state())
                                .map(|s| s.as_str()),
                        )
                    })
                    .filter_map(|a| a.ipv6_cidr_block().map(str::to_string)),
            );
            Some(Vpc {
                id: id.to_string(),
                arn: format!(
                    "arn:{}:ec2:{region}:{}:vpc/{id}",
                    account.partition, account.account_id
                ),
                is_default: vpc.is_default().unwrap_or(false),
                cidr_blocks,
                name: vpc
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some("Name"))
                    .and_then(|t| t.value())
                    .map(str::to_string),
            })
        })
        .collect())
}

/// One region's VPCs.
const VPCS: DataKey<Vec<Vpc>> = DataKey::new(DESCRIBE_VPCS);

/// The VPCs of every region of the account, read once per run.
pub async fn vpcs(account: &AwsAccount) -> Result<Vec<InRegion<Vec<Vpc>>>, AwsError> {
    account
        .in_each_region(
            &VPCS,
            |region| async move { read_vpcs(account, &region).await },
        )
        .await
}

/// One side of a peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerVpc {
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub vpc_id: Option<String>,
    /// The CIDR blocks of that VPC the peering exposes (IPv4 and IPv6).
    pub cidr_blocks: Vec<String>,
}

impl PeerVpc {
    fn from_sdk(info: Option<&aws_sdk_ec2::types::VpcPeeringConnectionVpcInfo>) -> Self {
        let Some(info) = info else {
            return Self::default();
        };
        let mut cidr_blocks: Vec<String> = info
            .cidr_block_set()
            .iter()
            .filter_map(|c| c.cidr_block().map(str::to_string))
            .collect();
        if cidr_blocks.is_empty() {
            cidr_blocks.extend(info.cidr_block().map(str::to_string));
        }
        cidr_blocks.extend(
            info.ipv6_cidr_block_set()
                .iter()
                .filter_map(|c| c.ipv6_cidr_block().map(str::to_string)),
        );
        Self {
            account_id: info.owner_id().map(str::to_string),
            region: info.region().map(str::to_string),
            vpc_id: info.vpc_id().map(str::to_string),
            cidr_blocks,
        }
    }

    /// `vpc-1 (account 1234…, eu-west-1)`.
    pub fn label(&self) -> String {
        let mut where_ = Vec::new();
        if let Some(account) = &self.account_id {
            where_.push(format!("account {account}"));
        }
        if let Some(region) = &self.region {
            where_.push(region.clone());
        }
        let vpc = self.vpc_id.as_deref().unwrap_or("an unnamed VPC");
        if where_.is_empty() {
            vpc.to_string()
        } else {
            format!("{vpc} ({})", where_.join(", "))
        }
    }
}

/// A VPC peering connection as one region lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringConnection {
    /// `pcx-...`.
    pub id: String,
    /// `active`, `pending-acceptance`, `deleted`, ...
    pub status: String,
    pub requester: PeerVpc,
    pub accepter: PeerVpc,
}

impl PeeringConnection {
    /// The side of the connection that is not `vpc` (the other VPC a route in `vpc` reaches).
    pub fn peer_of(&self, vpc: &str) -> &PeerVpc {
        if self.requester.vpc_id.as_deref() == Some(vpc) {
            &self.accepter
        } else {
            &self.requester
        }
    }
}

/// The peering connections of one region, every page (deleted and rejected ones too: AWS
/// lists them for a while; the controls say which status each has).
pub async fn read_peering_connections(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<PeeringConnection>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let connections = read_pages(
        account.max_pages(),
        DESCRIBE_VPC_PEERING_CONNECTIONS,
        |token| async move {
            let page = ec2
                .describe_vpc_peering_connections()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_VPC_PEERING_CONNECTIONS, e))?;
            Ok(Page::new(
                page.vpc_peering_connections().to_vec(),
                page.next_token(),
            ))
        },
    )
    .await?;
    Ok(connections
        .iter()
        .filter_map(|c| {
            Some(PeeringConnection {
                id: c.vpc_peering_connection_id()?.to_string(),
                status: c
                    .status()
                    .and_then(|s| s.code())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                requester: PeerVpc::from_sdk(c.requester_vpc_info()),
                accepter: PeerVpc::from_sdk(c.accepter_vpc_info()),
            })
        })
        .collect())
}

/// One region's peering connections.
const PEERING_CONNECTIONS: DataKey<Vec<PeeringConnection>> =
    DataKey::new(DESCRIBE_VPC_PEERING_CONNECTIONS);

/// The peering connections of every region of the account, read once per run.
pub async fn peering_connections(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<PeeringConnection>>>, AwsError> {
    account
        .in_each_region(&PEERING_CONNECTIONS, |region| async move {
            read_peering_connections(account, &region).await
        })
        .await
}
