//! Route tables, per region: which subnets route to the internet.

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
fn internet_route(table: &aws_sdk_ec2::types::RouteTable) -> Option<String> {
    table.routes().iter().find_map(|route| {
        let everywhere = route.destination_cidr_block() == Some("0.0.0.0/0")
            || route.destination_ipv6_cidr_block() == Some("::/0");
        let active = route.state() != Some(&aws_sdk_ec2::types::RouteState::Blackhole);
        let gateway = route.gateway_id().filter(|g| g.starts_with("igw-"))?;
        (everywhere && active).then(|| gateway.to_string())
    })
}

/// The route tables of one region, every page, as which subnets are public.
pub async fn read_subnet_routes(
    account: &AwsAccount,
    region: &str,
) -> Result<SubnetRoutes, AwsError> {
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
    let mut routes = SubnetRoutes::default();
    {
        for table in &tables {
            let associations = table.associations();
            routes.add(
                table.vpc_id(),
                associations.iter().any(|a| a.main() == Some(true)),
                associations
                    .iter()
                    .filter_map(|a| a.subnet_id().map(str::to_string)),
                internet_route(table),
            );
        }
    }
    Ok(routes)
}

/// One region's subnet routes.
const SUBNET_ROUTES: DataKey<SubnetRoutes> = DataKey::new(DESCRIBE_ROUTE_TABLES);

/// The subnet routes of one region, read at most once per run, only where a control asks.
pub async fn subnet_routes(
    account: &AwsAccount,
    region: &str,
) -> Result<std::sync::Arc<SubnetRoutes>, AwsError> {
    account
        .fetch_limited(&SUBNET_ROUTES, region, || {
            read_subnet_routes(account, region)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{Route, RouteState, RouteTable};

    fn table(routes: Vec<Route>) -> RouteTable {
        RouteTable::builder().set_routes(Some(routes)).build()
    }

    fn route(cidr: &str, gateway: &str, state: RouteState) -> Route {
        let route = Route::builder().gateway_id(gateway).state(state);
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
