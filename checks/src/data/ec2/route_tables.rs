//! Route tables, per region, read once: their routes (peering, gateways), and which subnets
//! route to the internet.

use std::collections::HashMap;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

/// The action that lists route tables.
pub const DESCRIBE_ROUTE_TABLES: &str = "ec2:DescribeRouteTables";

/// Which subnets of one region route to the internet, from its route tables.
#[derive(Debug, Default, Clone)]
pub struct SubnetRoutes {
    /// Subnet → the internet gateway its own route table sends the internet to, if any.
    explicit: HashMap<String, Option<String>>,
    /// VPC → the same for its main route table, which serves subnets with no table of their own.
    main: HashMap<String, Option<String>>,
}

impl SubnetRoutes {
    /// The internet gateway that `subnet` (in `vpc`) routes `0.0.0.0/0` or `::/0` to: its
    /// explicitly associated route table, else its VPC's main one. `None`: a private subnet,
    /// or one no route table names.
    pub fn internet_gateway(&self, vpc: Option<&str>, subnet: &str) -> Option<&str> {
        match self.explicit.get(subnet) {
            Some(gateway) => gateway.as_deref(),
            None => vpc
                .and_then(|vpc| self.main.get(vpc))
                .and_then(|gateway| gateway.as_deref()),
        }
    }

    /// Records one route table: its associations and the internet gateway it routes to.
    pub fn add(
        &mut self,
        vpc: Option<&str>,
        main: bool,
        subnets: impl IntoIterator<Item = String>,
        gateway: Option<String>,
    ) {
        if main {
            if let Some(vpc) = vpc {
                self.main.insert(vpc.to_string(), gateway.clone());
            }
        }
        for subnet in subnets {
            self.explicit.insert(subnet, gateway.clone());
        }
    }
}

/// The internet gateway a route table sends the whole internet to: an active `0.0.0.0/0` or
/// `::/0` route to an `igw-` gateway (a blackhole route sends nothing anywhere).
fn internet_route(table: &RouteTable) -> Option<String> {
    table.routes.iter().find_map(|route| {
        let everywhere = route.destination == "0.0.0.0/0" || route.destination == "::/0";
        let active = route.state.as_deref() != Some("blackhole");
        let gateway = route.gateway.as_deref().filter(|g| g.starts_with("igw-"))?;
        (everywhere && active).then(|| gateway.to_string())
    })
}

/// One route of a route table, as the VPC controls read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The destination: an IPv4 or IPv6 CIDR block, or a prefix list id.
    pub destination: String,
    /// The VPC peering connection it targets (`pcx-...`), if any.
    pub peering_connection: Option<String>,
    /// The gateway it targets (`igw-...`, `vgw-...`, `vpce-...`, `local`), if any.
    pub gateway: Option<String>,
    /// `active` or `blackhole`.
    pub state: Option<String>,
}

/// One route table, as the VPC controls read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTable {
    /// `rtb-...`.
    pub id: String,
    pub vpc_id: Option<String>,
    /// The VPC's main route table (it serves subnets without one of their own).
    pub main: bool,
    /// The subnets explicitly associated with it.
    pub subnets: Vec<String>,
    pub routes: Vec<Route>,
}

fn route_from_sdk(route: &aws_sdk_ec2::types::Route) -> Option<Route> {
    let destination = route
        .destination_cidr_block()
        .or(route.destination_ipv6_cidr_block())
        .or(route.destination_prefix_list_id())?;
    Some(Route {
        destination: destination.to_string(),
        peering_connection: route.vpc_peering_connection_id().map(str::to_string),
        gateway: route.gateway_id().map(str::to_string),
        state: route.state().map(|s| s.as_str().to_string()),
    })
}

/// The route tables of one region, every page.
pub async fn read_route_tables(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<RouteTable>, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let tables = read_pages(
        account.max_pages(),
        DESCRIBE_ROUTE_TABLES,
        |token| async move {
            let page = ec2
                .describe_route_tables()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_ROUTE_TABLES, e))?;
            Ok(Page::new(page.route_tables().to_vec(), page.next_token()))
        },
    )
    .await?;
    Ok(tables
        .iter()
        .filter_map(|table| {
            let associations = table.associations();
            Some(RouteTable {
                id: table.route_table_id()?.to_string(),
                vpc_id: table.vpc_id().map(str::to_string),
                main: associations.iter().any(|a| a.main() == Some(true)),
                subnets: associations
                    .iter()
                    .filter_map(|a| a.subnet_id().map(str::to_string))
                    .collect(),
                routes: table.routes().iter().filter_map(route_from_sdk).collect(),
            })
        })
        .collect())
}

/// Which subnets are public, from a region's route tables.
pub fn subnet_routes_of(tables: &[RouteTable]) -> SubnetRoutes {
    let mut routes = SubnetRoutes::default();
    for table in tables {
        routes.add(
            table.vpc_id.as_deref(),
            table.main,
            table.subnets.iter().cloned(),
            internet_route(table),
        );
    }
    routes
}

/// The route tables of one region, every page, as which subnets are public.
pub async fn read_subnet_routes(
    account: &AwsAccount,
    region: &str,
) -> Result<SubnetRoutes, AwsError> {
    Ok(subnet_routes_of(&read_route_tables(account, region).await?))
}

/// One region's route tables.
const ROUTE_TABLES: DataKey<Vec<RouteTable>> = DataKey::new(DESCRIBE_ROUTE_TABLES);

/// The route tables of one region, read at most once per run, only where a control asks.
pub async fn route_tables(
    account: &AwsAccount,
    region: &str,
) -> Result<std::sync::Arc<Vec<RouteTable>>, AwsError> {
    account
        .fetch_limited(&ROUTE_TABLES, region, || read_route_tables(account, region))
        .await
}

/// The route tables of every region of the account, read once per run.
pub async fn route_tables_by_region(
    account: &AwsAccount,
) -> Result<Vec<crate::regions::InRegion<Vec<RouteTable>>>, AwsError> {
    account
        .in_each_region(&ROUTE_TABLES, |region| async move {
            read_route_tables(account, &region).await
        })
        .await
}

/// One region's subnet routes: a view of its route tables.
const SUBNET_ROUTES: DataKey<SubnetRoutes> = DataKey::new(DESCRIBE_ROUTE_TABLES);

/// The subnet routes of one region, from its route tables (read once per run, whatever the
/// number of controls that read them).
pub async fn subnet_routes(
    account: &AwsAccount,
    region: &str,
) -> Result<std::sync::Arc<SubnetRoutes>, AwsError> {
    account
        .fetch_scoped(&SUBNET_ROUTES, region, || async {
            Ok(subnet_routes_of(&route_tables(account, region).await?))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{Route as SdkRoute, RouteState};

    fn table(routes: Vec<SdkRoute>) -> RouteTable {
        RouteTable {
            id: "rtb-1".to_string(),
            vpc_id: None,
            main: false,
            subnets: Vec::new(),
            routes: routes.iter().filter_map(route_from_sdk).collect(),
        }
    }

    fn route(cidr: &str, gateway: &str, state: RouteState) -> SdkRoute {
        let route = SdkRoute::builder().gateway_id(gateway).state(state);
        if cidr.contains(':') {
            route.destination_ipv6_cidr_block(cidr).build()
        } else {
            route.destination_cidr_block(cidr).build()
        }
    }

    #[test]
    fn only_an_active_default_route_to_an_internet_gateway_is_public() {
        use RouteState::{Active, Blackhole};
        let public = |routes| internet_route(&table(routes));
        assert_eq!(
            public(vec![route("0.0.0.0/0", "igw-1", Active)]).as_deref(),
            Some("igw-1")
        );
        assert_eq!(
            public(vec![route("::/0", "igw-6", Active)]).as_deref(),
            Some("igw-6")
        );
        assert_eq!(public(vec![route("0.0.0.0/0", "igw-1", Blackhole)]), None);
        assert_eq!(public(vec![route("10.0.0.0/8", "igw-1", Active)]), None);
        assert_eq!(public(vec![route("0.0.0.0/0", "vgw-1", Active)]), None);
        assert_eq!(public(vec![route("172.31.0.0/16", "local", Active)]), None);
    }
}
