//! IAM data shared by controls.

use std::sync::Arc;

use crate::aws::{AwsAccount, AwsError};

/// Who a managed policy is attached to, every page read, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    /// (role name, role id)
    pub roles: Vec<(String, String)>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

/// Reads every page of `iam:ListEntitiesForPolicy` for `policy_arn`.
async fn list_entities(
    iam: &aws_sdk_iam::Client,
    policy_arn: &str,
) -> Result<PolicyEntities, AwsError> {
    let mut pages = iam
        .list_entities_for_policy()
        .policy_arn(policy_arn)
        // Fewer pages; and moto, without MaxItems, silently returns only the first 100 roles.
        .max_items(1000)
        .into_paginator()
        .send();
    let mut entities = PolicyEntities::default();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| AwsError::from_sdk("iam:ListEntitiesForPolicy", e))?;
        entities.roles.extend(page.policy_roles().iter().map(|r| {
            (
                r.role_name().unwrap_or_default().to_string(),
                r.role_id().unwrap_or_default().to_string(),
            )
        }));
        entities.users.extend(
            page.policy_users()
                .iter()
                .map(|u| u.user_name().unwrap_or_default().to_string()),
        );
        entities.groups.extend(
            page.policy_groups()
                .iter()
                .map(|g| g.group_name().unwrap_or_default().to_string()),
        );
    }
    // Stable reports: AWS (and moto) return entities in no particular order.
    entities.roles.sort();
    entities.users.sort();
    entities.groups.sort();
    Ok(entities)
}

/// The users, groups and roles `policy_arn` is attached to in `account`, fetched once per
/// account and policy.
pub async fn policy_entities(
    account: &AwsAccount,
    policy_arn: &str,
) -> Result<Arc<PolicyEntities>, AwsError> {
    account
        .fetch_once(&format!("iam:ListEntitiesForPolicy {policy_arn}"), || {
            list_entities(account.iam(), policy_arn)
        })
        .await
}

/// `iam:GetAccountSummary`'s `SummaryMap`: account-wide counts and flags such as
/// `AccountMFAEnabled`, `AccountAccessKeysPresent` and `AccountPasswordPresent`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSummary {
    pub values: std::collections::BTreeMap<String, i32>,
}

impl AccountSummary {
    /// The value of a `SummaryMap` key; `None` when AWS did not send it.
    pub fn get(&self, key: &str) -> Option<i32> {
        self.values.get(key).copied()
    }
}

/// The account summary, fetched once per account.
pub async fn account_summary(account: &AwsAccount) -> Result<Arc<AccountSummary>, AwsError> {
    account
        .fetch_once("iam:GetAccountSummary", || async {
            let out = account
                .iam()
                .get_account_summary()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("iam:GetAccountSummary", e))?;
            let values = out
                .summary_map()
                .map(|map| {
                    map.iter()
                        .map(|(key, value)| (key.as_str().to_string(), *value))
                        .collect()
                })
                .unwrap_or_default();
            Ok(AccountSummary { values })
        })
        .await
}
