//! EC2 data, one module per kind of resource, each read once per account and region.
//! (The EC2 client itself is registered in `regions`: it lists the account's regions.)

pub mod addresses;
pub mod ebs;
pub mod flow_logs;
pub mod instances;
pub mod network_acls;
pub mod open_ingress;
pub mod prefix_lists;
pub mod route_tables;
pub mod security_groups;
pub mod vpc_endpoints;
pub mod vpcs;

pub use ebs::{
    ebs_encryption_by_default, read_ebs_encryption_by_default, GET_EBS_ENCRYPTION_BY_DEFAULT,
};
pub use flow_logs::{flow_logs, read_flow_logs, FlowLog, DESCRIBE_FLOW_LOGS};
pub use instances::{instances, read_instances, Instance, DESCRIBE_INSTANCES};
pub use network_acls::{network_acls, NetworkAcl, NetworkAclEntry, DESCRIBE_NETWORK_ACLS};
pub use prefix_lists::{prefix_list, prefix_lists, PrefixList, GET_MANAGED_PREFIX_LIST_ENTRIES};
pub use route_tables::{
    read_route_tables, read_subnet_routes, route_tables, route_tables_by_region, subnet_routes,
    Route, RouteTable, SubnetRoutes, DESCRIBE_ROUTE_TABLES,
};
pub use security_groups::{
    security_groups, SecurityGroup, SecurityGroupRule, DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_SECURITY_GROUP_RULES,
};
pub use vpc_endpoints::{read_vpc_endpoints, vpc_endpoints, VpcEndpoint, DESCRIBE_VPC_ENDPOINTS};
pub use vpcs::{
    peering_connections, read_peering_connections, read_vpcs, vpcs, PeerVpc, PeeringConnection,
    Vpc, DESCRIBE_VPCS, DESCRIBE_VPC_PEERING_CONNECTIONS,
};
