//! EFS file systems, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_efs => "elasticfilesystem");

/// The action that lists file systems.
pub const DESCRIBE_FILE_SYSTEMS: &str = "elasticfilesystem:DescribeFileSystems";

/// What the EFS control reads of one file system.
#[derive(Debug, Clone)]
pub struct FileSystem {
    pub id: String,
    pub arn: String,
    pub encrypted: bool,
}

/// The file systems of one region, every page.
pub async fn read_file_systems(
    account: &AwsAccount,
    region: &str,
) -> Result<Vec<FileSystem>, AwsError> {
    let efs = &account.client::<aws_sdk_efs::Client>(region);
    let listed = read_pages(
        account.max_pages(),
        DESCRIBE_FILE_SYSTEMS,
        |marker| async move {
            let page = efs
                .describe_file_systems()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(DESCRIBE_FILE_SYSTEMS, e))?;
            Ok(Page::new(page.file_systems().to_vec(), page.next_marker()))
        },
    )
    .await?;
    let mut file_systems = Vec::new();
    for fs in &listed {
        let id = fs.file_system_id();
        file_systems.push(FileSystem {
            id: id.to_string(),
            arn: fs.file_system_arn().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "arn:{}:elasticfilesystem:{region}:{}:file-system/{id}",
                    account.partition, account.account_id
                )
            }),
            encrypted: fs.encrypted().unwrap_or(false),
        });
    }
    Ok(file_systems)
}

/// One region's file systems.
const FILE_SYSTEMS: DataKey<Vec<FileSystem>> = DataKey::new(DESCRIBE_FILE_SYSTEMS);

/// The file systems of every region of the account, read once per run.
pub async fn file_systems(
    account: &AwsAccount,
) -> Result<Vec<InRegion<Vec<FileSystem>>>, AwsError> {
    account
        .in_each_region(&FILE_SYSTEMS, |region| async move {
            read_file_systems(account, &region).await
        })
        .await
}
