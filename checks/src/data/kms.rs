//! KMS keys and their rotation, per region.

use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState, OriginType};

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::regions::InRegion;

crate::regional_client!(aws_sdk_kms => "kms");

/// The action that lists keys.
pub const LIST_KEYS: &str = "kms:ListKeys";
/// The action that reads a key's metadata.
pub const DESCRIBE_KEY: &str = "kms:DescribeKey";
/// The action that reads whether a key rotates.
pub const GET_KEY_ROTATION_STATUS: &str = "kms:GetKeyRotationStatus";

/// Whether a customer-managed key rotates, or why the question does not apply.
#[derive(Debug, Clone)]
pub enum Rotation {
    /// An enabled symmetric key with AWS KMS key material: automatic rotation is on.
    Enabled,
    /// Such a key whose automatic rotation is off.
    Disabled,
    /// A key that cannot rotate automatically (asymmetric or HMAC, imported or custom key
    /// store material) or is not enabled: not a finding. The reason, for the log.
    NotApplicable(String),
    /// The key's metadata or rotation could not be read (a key policy can deny the auditor).
    Unread(AwsError),
}

/// One customer-managed key of a region.
#[derive(Debug, Clone)]
pub struct KmsKey {
    pub id: String,
    pub arn: String,
    pub rotation: Rotation,
}

/// Whether automatic rotation is on for one key.
pub async fn read_key_rotation(
    account: &AwsAccount,
    region: &str,
    key_id: &str,
) -> Result<bool, AwsError> {
    let kms = account.client::<aws_sdk_kms::Client>(region);
    let out = kms
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(GET_KEY_ROTATION_STATUS, e))?;
    Ok(out.key_rotation_enabled())
}

/// The customer-managed keys of one region (AWS-managed keys are left out), every page, with
/// the rotation of those that can rotate.
pub async fn read_keys(account: &AwsAccount, region: &str) -> Result<Vec<KmsKey>, AwsError> {
    let kms = account.client::<aws_sdk_kms::Client>(region);
    let client = &kms;
    let entries = read_pages(account.max_pages(), LIST_KEYS, |marker| async move {
        let page = client
            .list_keys()
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(LIST_KEYS, e))?;
        Ok(Page::new(page.keys().to_vec(), page.next_marker()).truncated(page.truncated()))
    })
    .await?;
    let mut listed = Vec::new();
    for key in &entries {
        if let Some(id) = key.key_id() {
            let arn = key.key_arn().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "arn:{}:kms:{region}:{}:key/{id}",
                    account.partition, account.account_id
                )
            });
            listed.push((id.to_string(), arn));
        }
    }
    let mut keys = Vec::new();
    for (id, arn) in listed {
        let described = kms.describe_key().key_id(&id).send().await;
        let metadata = match described {
            Ok(out) => match out.key_metadata {
                Some(metadata) => metadata,
                None => continue,
            },
            Err(e) => {
                keys.push(KmsKey {
                    id,
                    arn,
                    rotation: Rotation::Unread(AwsError::from_sdk(DESCRIBE_KEY, e)),
                });
                continue;
            }
        };
        if metadata.key_manager() != Some(&KeyManagerType::Customer) {
            continue;
        }
        let spec = metadata.key_spec();
        let rotation = if spec.is_some_and(|s| *s != KeySpec::SymmetricDefault) {
            Rotation::NotApplicable(format!(
                "{} keys do not rotate automatically",
                spec.map(|s| s.as_str()).unwrap_or_default()
            ))
        } else if metadata.origin() != Some(&OriginType::AwsKms) && metadata.origin().is_some() {
            Rotation::NotApplicable(format!(
                "key material of origin {} cannot rotate automatically",
                metadata.origin().map(|o| o.as_str()).unwrap_or_default()
            ))
        } else if metadata.key_state() != Some(&KeyState::Enabled) {
            Rotation::NotApplicable(format!(
                "the key is {}",
                metadata
                    .key_state()
                    .map(|s| s.as_str())
                    .unwrap_or("not enabled")
            ))
        } else {
            match read_key_rotation(account, region, &id).await {
                Ok(true) => Rotation::Enabled,
                Ok(false) => Rotation::Disabled,
                Err(error) => Rotation::Unread(error),
            }
        };
        keys.push(KmsKey {
            arn: metadata.arn().map(str::to_string).unwrap_or(arn),
            id,
            rotation,
        });
    }
    Ok(keys)
}

/// One region's customer-managed keys.
const KEYS: DataKey<Vec<KmsKey>> = DataKey::new(LIST_KEYS);

/// The customer-managed keys of every region of the account, read once per run.
pub async fn keys(account: &AwsAccount) -> Result<Vec<InRegion<Vec<KmsKey>>>, AwsError> {
    account
        .in_each_region(
            &KEYS,
            |region| async move { read_keys(account, &region).await },
        )
        .await
}
