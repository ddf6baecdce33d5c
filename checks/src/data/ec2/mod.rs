//! EC2 data, one module per kind of resource, each read once per account and region.
//! (The EC2 client itself is registered in `regions`: it lists the account's regions.)

pub mod ebs;
pub mod instances;
pub mod network_acls;
pub mod open_ingress;
pub mod prefix_lists;
pub mod route_tables;
pub mod security_groups;

pub use ebs::{
    ebs_encryption_by_default, read_ebs_encryption_by_default, GET_EBS_ENCRYPTION_BY_DEFAULT,
};
pub use instances::{instances, read_instances, Instance, DESCRIBE_INSTANCES};
pub use network_acls::{network_acls, NetworkAcl, NetworkAclEntry, DESCRIBE_NETWORK_ACLS};
pub use prefix_lists::{prefix_list, prefix_lists, PrefixList, GET_MANAGED_PREFIX_LIST_ENTRIES};
pub use route_tables::{read_subnet_routes, subnet_routes, SubnetRoutes, DESCRIBE_ROUTE_TABLES};
pub use security_groups::{
    security_groups, SecurityGroup, SecurityGroupRule, DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_SECURITY_GROUP_RULES,
};
