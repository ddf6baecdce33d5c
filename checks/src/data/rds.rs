//! RDS DB instances and clusters, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_rds => "rds");

/// The action that lists DB instances.
pub const DESCRIBE_DB_INSTANCES: &str = "rds:DescribeDBInstances";
/// The action that lists DB clusters.
pub const DESCRIBE_DB_CLUSTERS: &str = "rds:DescribeDBClusters";

/// Engines that `DescribeDBInstances` and `DescribeDBClusters` also list but that belong to
/// other services (Amazon DocumentDB, Amazon Neptune): not RDS databases for the benchmark.
const OTHER_SERVICES: &[&str] = &["docdb", "neptune"];

fn is_rds(engine: Option<&str>) -> bool {
    !engine.is_some_and(|e| OTHER_SERVICES.contains(&e))
}

/// What the RDS controls read of one DB instance.
#[derive(Debug, Clone)]
pub struct DbInstance {
    pub id: String,
    pub arn: String,
    pub engine: String,
    pub storage_encrypted: bool,
    pub auto_minor_version_upgrade: bool,
    pub publicly_accessible: bool,
    pub multi_az: bool,
    /// The cluster the instance belongs to (Aurora, Multi-AZ DB clusters), if any.
    pub cluster: Option<String>,
    /// The VPC of its DB subnet group.
    pub vpc: Option<String>,
    /// The subnets of its DB subnet group.
    pub subnets: Vec<String>,
}

/// What the RDS controls read of one DB cluster.
#[derive(Debug, Clone)]
pub struct DbCluster {
    pub id: String,
    pub arn: String,
    pub engine: String,
    pub multi_az: bool,
}

/// The RDS DB instances of one region (not DocumentDB or Neptune), every page.
pub async fn read_db_instances(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<DbInstance>, AwsError> {
    let rds = &account.client::<aws_sdk_rds::Client>(region);
    let listed = read_pages(
        account.max_pages(),
        DESCRIBE_DB_INSTANCES,
        |marker| async move {
            let page = rds
                .describe_db_instances()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_DB_INSTANCES, e))?;
            Ok(Page::new(page.db_instances().to_vec(), page.marker()))
        },
    )
    .await?;
    let mut instances = Vec::new();
    for db in &listed {
        let Some(id) = db.db_instance_identifier() else {
            continue;
        };
        if !is_rds(db.engine()) {
            continue;
        }
        instances.push(DbInstance {
            id: id.to_string(),
            arn: db.db_instance_arn().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "arn:{}:rds:{region}:{}:db:{id}",
                    account.partition, account.account_id
                )
            }),
            engine: db.engine().unwrap_or_default().to_string(),
            storage_encrypted: db.storage_encrypted().unwrap_or(false),
            auto_minor_version_upgrade: db.auto_minor_version_upgrade().unwrap_or(false),
            publicly_accessible: db.publicly_accessible().unwrap_or(false),
            multi_az: db.multi_az().unwrap_or(false),
            cluster: db.db_cluster_identifier().map(str::to_string),
            vpc: db
                .db_subnet_group()
                .and_then(|g| g.vpc_id())
                .map(str::to_string),
            subnets: db
                .db_subnet_group()
                .map(|g| {
                    g.subnets()
                        .iter()
                        .filter_map(|s| s.subnet_identifier().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(instances)
}

/// The RDS DB clusters of one region (not DocumentDB or Neptune), every page.
pub async fn read_db_clusters(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<DbCluster>, AwsError> {
    let rds = &account.client::<aws_sdk_rds::Client>(region);
    let listed = read_pages(
        account.max_pages(),
        DESCRIBE_DB_CLUSTERS,
        |marker| async move {
            let page = rds
                .describe_db_clusters()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_DB_CLUSTERS, e))?;
            Ok(Page::new(page.db_clusters().to_vec(), page.marker()))
        },
    )
    .await?;
    let mut clusters = Vec::new();
    for cluster in &listed {
        let Some(id) = cluster.db_cluster_identifier() else {
            continue;
        };
        if !is_rds(cluster.engine()) {
            continue;
        }
        clusters.push(DbCluster {
            id: id.to_string(),
            arn: cluster
                .db_cluster_arn()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "arn:{}:rds:{region}:{}:cluster:{id}",
                        account.partition, account.account_id
                    )
                }),
            engine: cluster.engine().unwrap_or_default().to_string(),
            multi_az: cluster.multi_az().unwrap_or(false),
        });
    }
    Ok(clusters)
}

/// One region's DB instances.
const DB_INSTANCES: DataKey<Vec<DbInstance>> = DataKey::new(DESCRIBE_DB_INSTANCES);
/// One region's DB clusters.
const DB_CLUSTERS: DataKey<Vec<DbCluster>> = DataKey::new(DESCRIBE_DB_CLUSTERS);

/// The DB instances of every region of the account, read once per run.
pub async fn db_instances(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<DbInstance>>>, AwsError> {
    account
        .in_each_region(&DB_INSTANCES, |region| async move {
            read_db_instances(account, &region).await
        })
        .await
}

/// The DB clusters of every region of the account, read once per run.
pub async fn db_clusters(account: &AwsAccount) -> Result<Vec<InRegion<Vec<DbCluster>>>, AwsError> {
    account
        .in_each_region(&DB_CLUSTERS, |region| async move {
            read_db_clusters(account, &region).await
        })
        .await
}
