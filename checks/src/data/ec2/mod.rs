//! EC2 data, one module per kind of resource, each read once per account and region.
//! (The EC2 client itself is registered in `regions`: it lists the account's regions.)

pub mod ebs;
pub mod instances;
pub mod route_tables;

pub use ebs::{
    ebs_encryption_by_default, read_ebs_encryption_by_default, GET_EBS_ENCRYPTION_BY_DEFAULT,
};
pub use instances::{instances, read_instances, Instance, DESCRIBE_INSTANCES};
pub use route_tables::{read_subnet_routes, subnet_routes, SubnetRoutes, DESCRIBE_ROUTE_TABLES};
