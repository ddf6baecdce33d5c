//! EBS encryption by default, per region.

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;
use crate::regions::InRegion;

/// The action that reads the EBS encryption default.
pub const GET_EBS_ENCRYPTION_BY_DEFAULT: &str = "ec2:GetEbsEncryptionByDefault";

/// Whether new EBS volumes are encrypted by default in one region.
pub async fn read_ebs_encryption_by_default(
    account: &AwsAccount,
    region: &str,
) -> Result<bool, AwsError> {
    let ec2 = account.client::<aws_sdk_ec2::Client>(region);
    let out = ec2
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(GET_EBS_ENCRYPTION_BY_DEFAULT, e))?;
    // The API always answers; a missing flag is treated as off, as the console shows it.
    Ok(out.ebs_encryption_by_default().unwrap_or(false))
}

/// One region's EBS encryption default.
const EBS_DEFAULT: DataKey<bool> = DataKey::new(GET_EBS_ENCRYPTION_BY_DEFAULT);

/// The EBS encryption default in every region of the account, read once per run.
pub async fn ebs_encryption_by_default(
    account: &AwsAccount,
) -> Result<Vec<InRegion<bool>>, AwsError> {
    account
        .in_each_region(&EBS_DEFAULT, |region| async move {
            read_ebs_encryption_by_default(account, &region).await
        })
        .await
}
