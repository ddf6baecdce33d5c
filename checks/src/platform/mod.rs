//! The AWS platform: an AWS account is a target; the profile's `targets:` say which
//! accounts (the current credentials', a list, or an Organization's) and how each is
//! reached, and `regions:` which of their regions regional controls read. Every AWS default
//! (the credential chain, STS and Organizations, IAM policies, OCSF's cloud fields) lives
//! here, not in the runner.

pub mod permissions;
pub mod settings;
pub mod targets;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_config::SdkConfig;
use cisrun_core::platform::{OcsfTarget, PermissionRow};
use cisrun_core::{
    ErrorDetail, Platform, PlatformError, RunLimits, TargetIdentity, TargetRef, TargetReport,
};

use crate::account::AwsAccount;
use crate::aws::{load_config, ClientSettings};
pub use settings::AwsSettings;
use targets::{Access, Connector, Target};

/// The AWS platform.
#[derive(Debug, Clone, Copy)]
pub struct Aws;

/// What an AWS run holds: the base credentials' configuration and how accounts are reached.
pub struct AwsSession {
    config: SdkConfig,
    settings: AwsSettings,
    connector: Connector,
    max_pages: usize,
}

#[async_trait::async_trait]
impl Platform for Aws {
    type Target = AwsAccount;
    type Settings = AwsSettings;
    type Session = AwsSession;

    const NAME: &'static str = "aws";
    const TARGET_KIND: &'static str = "aws-account";
    const TARGET_NOUN: &'static str = "account";

    fn target_id(written: &str) -> Result<String, String> {
        settings::AccountId::parse(written).map(|id| id.0)
    }

    fn target_id_schema() -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "description": "A 12-digit AWS account id (quote it).",
            "type": "string",
            "pattern": "^[0-9]{12}$"
        }))
    }

    async fn open(
        &self,
        settings: &AwsSettings,
        limits: RunLimits,
    ) -> Result<AwsSession, PlatformError> {
        let config = load_config(ClientSettings::default()).await;
        Ok(AwsSession {
            connector: Connector::new(&config, settings).with_limits(&limits),
            config,
            settings: settings.clone(),
            max_pages: limits.max_pages,
        })
    }

    async fn targets(&self, session: &AwsSession) -> Result<Vec<TargetRef>, PlatformError> {
        let targets =
            targets::resolve(&session.config, &session.settings, session.max_pages).await?;
        Ok(targets
            .into_iter()
            .map(|target| TargetRef {
                id: target.account_id.clone(),
                name: target.account_name.clone(),
                how: Arc::new(target),
            })
            .collect())
    }

    async fn connect(
        &self,
        session: &AwsSession,
        target: &TargetRef,
    ) -> Result<AwsAccount, ErrorDetail> {
        let target = match target.how.downcast_ref::<Target>() {
            Some(target) => target.clone(),
            None => Target {
                account_id: target.id.clone(),
                account_name: target.name.clone(),
                access: Access::Base(None),
            },
        };
        session
            .connector
            .connect(&target)
            .await
            .map_err(|e| e.to_detail())
    }

    fn identity(&self, account: &AwsAccount) -> TargetIdentity {
        let mut attributes = BTreeMap::new();
        attributes.insert(
            "partition".to_string(),
            serde_json::Value::String(account.partition.clone()),
        );
        if let Some(regions) = account.regions_read() {
            attributes.insert("regions".to_string(), serde_json::json!(regions));
        }
        TargetIdentity {
            id: account.account_id.clone(),
            name: account.account_name.clone(),
            attributes,
        }
    }

    fn permissions(
        &self,
        settings: &AwsSettings,
        actions: &BTreeSet<&'static str>,
    ) -> serde_json::Value {
        permissions::policy(settings, actions)
    }

    fn permission_rows(&self) -> Vec<PermissionRow> {
        permissions::rows()
    }

    fn requests_sent(&self) -> Option<u64> {
        Some(crate::aws::requests_sent())
    }

    fn ocsf(&self, target: &TargetReport) -> OcsfTarget {
        let partition = target
            .attributes
            .get("partition")
            .and_then(|p| p.as_str())
            .unwrap_or("aws")
            .to_string();
        OcsfTarget {
            cloud: Some(serde_json::json!({
                "provider": "AWS",
                "account": {
                    "uid": target.id,
                    "name": target.name.clone().unwrap_or_else(|| target.id.clone()),
                    "type_id": 10,
                    "type": "AWS Account",
                },
            })),
            device: None,
            partition: Some(partition),
            target_type: "AWS::::Account".to_string(),
            resource_type: "AWS::Resource".to_string(),
            profiles: vec!["cloud".to_string()],
        }
    }
}

cisrun_core::register_platform!(Aws);
