//! Security Hub subscription, per region.

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_securityhub => "securityhub");

/// The action that reads a region's hub.
pub const DESCRIBE_HUB: &str = "securityhub:DescribeHub";

/// Whether Security Hub is on in a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hub {
    /// `DescribeHub` answered: the hub's ARN.
    Enabled { arn: String },
    /// `DescribeHub` said the account is not subscribed: AWS's message.
    NotEnabled { reason: String },
}

/// One region's hub. "Not subscribed" (`InvalidAccessException`) is an answer, not an error;
/// a denied call is an error.
pub async fn read_hub(account: &AwsAccount, region: &str) -> Result<Hub, AwsError> {
    let securityhub = account.client::<aws_sdk_securityhub::Client>(region);
    match securityhub.describe_hub().send().await {
        Ok(out) => Ok(Hub::Enabled {
            arn: out.hub_arn().unwrap_or_default().to_string(),
        }),
        Err(error) => {
            let service = error.as_service_error();
            let code = service.and_then(|e| e.code()).unwrap_or_default();
            let message = service.and_then(|e| e.message()).unwrap_or_default();
            if code == "InvalidAccessException" || message.contains("not subscribed") {
                Ok(Hub::NotEnabled {
                    reason: if message.is_empty() {
                        code.to_string()
                    } else {
                        message.to_string()
                    },
                })
            } else {
                Err(AwsError::from_sdk(DESCRIBE_HUB, error))
            }
        }
    }
}

/// One region's hub.
const HUB: DataKey<Hub> = DataKey::new(DESCRIBE_HUB);

/// The hub of every region of the account, read once per run.
pub async fn hubs(account: &AwsAccount) -> Result<Vec<InRegion<Hub>>, AwsError> {
    account
        .in_each_region(
            &HUB,
            |region| async move { read_hub(account, &region).await },
        )
        .await
}
