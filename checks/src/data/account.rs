//! AWS Account Management data (`account:` actions), fetched once per account.

use std::sync::Arc;

use aws_sdk_account::types::AlternateContactType;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;

/// The IAM action [`security_contact`] needs.
pub const GET_ALTERNATE_CONTACT: &str = "account:GetAlternateContact";

/// The account's Account Management client (not data, but built once the same way).
const CLIENT: DataKey<aws_sdk_account::Client> = DataKey::new("account:client");

/// The security alternate contact, `None` when none is registered.
const SECURITY_CONTACT: DataKey<Option<AlternateContact>> =
    DataKey::new("account:GetAlternateContact");

/// The account's Account Management client, built once per account from its SDK
/// configuration (with the request counter).
pub async fn account_client(
    account: &AwsAccount,
) -> Result<Arc<aws_sdk_account::Client>, AwsError> {
    account
        .fetch_once(&CLIENT, || async {
            Ok(crate::counted_client!(
                aws_sdk_account,
                account.sdk_config()
            ))
        })
        .await
}

/// Makes `account` use `client` for Account Management calls (unit tests with
/// `aws-smithy-mocks`); call it before anything else asks for the client.
#[doc(hidden)]
pub async fn use_account_client(account: &AwsAccount, client: aws_sdk_account::Client) {
    let _ = account
        .fetch_once(&CLIENT, || async move { Ok(client) })
        .await;
}

/// An alternate contact as Account Management returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlternateContact {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
}

/// The account's security alternate contact; `None` when none is registered
/// (`ResourceNotFoundException`). Fetched once per account.
pub async fn security_contact(
    account: &AwsAccount,
) -> Result<Arc<Option<AlternateContact>>, AwsError> {
    account
        .fetch_scoped(&SECURITY_CONTACT, "SECURITY", || async {
            let client = account_client(account).await?;
            let result = client
                .get_alternate_contact()
                .alternate_contact_type(AlternateContactType::Security)
                .send()
                .await;
            match result {
                Ok(out) => Ok(Some(
                    out.alternate_contact()
                        .map(|c| AlternateContact {
                            name: c.name().map(str::to_string),
                            title: c.title().map(str::to_string),
                            email_address: c.email_address().map(str::to_string),
                            phone_number: c.phone_number().map(str::to_string),
                        })
                        .unwrap_or_default(),
                )),
                Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                    Ok(None)
                }
                Err(e) => Err(AwsError::from_sdk(GET_ALTERNATE_CONTACT, e)),
            }
        })
        .await
}
