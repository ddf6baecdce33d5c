//! Managed prefix lists, per region and list: the CIDRs of a list that a security-group rule
//! names, read only for the lists rules name, each once per run.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::data::ec2::addresses::{everywhere_in, AddressFamily};

/// The action that reads a managed prefix list's entries.
pub const GET_MANAGED_PREFIX_LIST_ENTRIES: &str = "ec2:GetManagedPrefixListEntries";

/// The entries of one managed prefix list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixList {
    pub id: String,
    /// Its CIDRs, as EC2 returns them.
    pub cidrs: Vec<String>,
}

impl PrefixList {
    /// The families whose every address an entry of the list is (`0.0.0.0/0`, `::/0`).
    pub fn open_families(&self) -> Vec<AddressFamily> {
        let mut families: Vec<AddressFamily> =
            self.cidrs.iter().filter_map(|c| everywhere_in(c)).collect();
        families.sort();
        families.dedup();
        families
    }
}

/// The entries of the prefix list `id` in `region`, every page.
pub async fn read_prefix_list(
    account: &AwsAccount,
    region: &str,
    id: &str,
) -> Result<PrefixList, AwsError> {
    let ec2 = &account.client::<aws_sdk_ec2::Client>(region);
    let cidrs = read_pages(
        account.max_pages(),
        GET_MANAGED_PREFIX_LIST_ENTRIES,
        |token| async move {
            let page = ec2
                .get_managed_prefix_list_entries()
                .prefix_list_id(id)
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(GET_MANAGED_PREFIX_LIST_ENTRIES, e))?;
            let cidrs = page
                .entries()
                .iter()
                .map(|entry| entry.cidr().map(str::to_string))
                .collect::<Vec<_>>();
            Ok(Page::new(cidrs, page.next_token()))
        },
    )
    .await?;
    // An entry without a CIDR is an answer cisrun cannot judge, not an entry to skip.
    let cidrs: Option<Vec<String>> = cidrs.into_iter().collect();
    let cidrs = cidrs.ok_or_else(|| {
        AwsError::invalid_response(
            GET_MANAGED_PREFIX_LIST_ENTRIES,
            format!("an entry of the prefix list {id} has no CIDR"),
        )
    })?;
    Ok(PrefixList {
        id: id.to_string(),
        cidrs,
    })
}

/// One prefix list of one region.
const PREFIX_LIST: DataKey<PrefixList> = DataKey::new(GET_MANAGED_PREFIX_LIST_ENTRIES);

/// The prefix list `id` of `region`, read at most once per run.
pub async fn prefix_list(
    account: &AwsAccount,
    region: &str,
    id: &str,
) -> Result<Arc<PrefixList>, AwsError> {
    account
        .fetch_limited(&PREFIX_LIST, &format!("{region}/{id}"), || {
            read_prefix_list(account, region, id)
        })
        .await
}

/// The prefix lists `ids` of `region`, concurrently: each list's entries or its own error.
pub async fn prefix_lists(
    account: &AwsAccount,
    region: &str,
    ids: &[String],
) -> BTreeMap<String, Result<Arc<PrefixList>, AwsError>> {
    join_all(
        ids.iter()
            .map(|id| async move { (id.clone(), prefix_list(account, region, id).await) }),
    )
    .await
    .into_iter()
    .collect()
}
