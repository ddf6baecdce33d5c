//! SNS: who receives a topic's messages, read once per topic and run.
//!
//! The monitoring recommendations end at a subscriber of the topic an alarm notifies.
//! [`subscriptions`] lists a topic's subscriptions with every page of
//! `ListSubscriptionsByTopic`, in the topic's region; [`Subscription::confirmed`] tells a
//! real subscriber from one that never confirmed (`PendingConfirmation`). A topic that does
//! not exist is an answer ([`TopicSubscriptions::exists`] false), not an error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

crate::regional_client!(aws_sdk_sns => "sns");

/// The action that lists a topic's subscriptions.
pub const LIST_SUBSCRIPTIONS_BY_TOPIC: &str = "sns:ListSubscriptionsByTopic";

/// One subscription of a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription's ARN, or `PendingConfirmation` / `Deleted` in its place.
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
}

impl Subscription {
    /// Whether this is a confirmed subscription: AWS gives its ARN only once the subscriber
    /// confirmed (an unconfirmed one shows `PendingConfirmation` instead).
    pub fn confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }

    /// `email:security@example.com`, for evidence.
    pub fn describe(&self) -> String {
        format!("{}:{}", self.protocol, self.endpoint)
    }
}

/// A topic's subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSubscriptions {
    /// False when SNS says the topic does not exist.
    pub exists: bool,
    pub subscriptions: Vec<Subscription>,
}

/// One topic's subscriptions, scoped by the topic's ARN.
const SUBSCRIPTIONS: DataKey<TopicSubscriptions> = DataKey::new(LIST_SUBSCRIPTIONS_BY_TOPIC);

/// The region of a topic ARN (`arn:<partition>:sns:<region>:<account>:<name>`), when it is
/// a region code (it becomes an endpoint host).
pub fn topic_region(topic_arn: &str) -> Option<&str> {
    topic_arn
        .split(':')
        .nth(3)
        .filter(|r| crate::accounts::is_region_code(r))
}

/// The subscriptions of `topic_arn`, every page, read once per run in the topic's region.
pub async fn subscriptions(
    account: &AwsAccount,
    topic_arn: &str,
) -> Result<Arc<TopicSubscriptions>, AwsError> {
    account
        .fetch_limited(&SUBSCRIPTIONS, topic_arn, || {
            read_subscriptions(account, topic_arn)
        })
        .await
}

/// The subscriptions of `topic_arn`, every page, read now (not cached).
pub async fn read_subscriptions(
    account: &AwsAccount,
    topic_arn: &str,
) -> Result<TopicSubscriptions, AwsError> {
    let Some(region) = topic_region(topic_arn) else {
        return Err(AwsError::invalid_response(
            LIST_SUBSCRIPTIONS_BY_TOPIC,
            format!(
                "the topic ARN {} names no region",
                crate::accounts::shown(topic_arn)
            ),
        ));
    };
    let client = account.client::<aws_sdk_sns::Client>(region);
    let client = &client;
    // Set when SNS answers that the topic does not exist: an answer, not an error.
    let missing = &AtomicBool::new(false);
    let subscriptions = read_pages(
        account.max_pages(),
        LIST_SUBSCRIPTIONS_BY_TOPIC,
        |token| async move {
            let out = client
                .list_subscriptions_by_topic()
                .topic_arn(topic_arn)
                .set_next_token(token)
                .send()
                .await;
            match out {
                Ok(out) => Ok(Page::new(
                    out.subscriptions()
                        .iter()
                        .map(|s| Subscription {
                            arn: s.subscription_arn().unwrap_or_default().to_string(),
                            protocol: s.protocol().unwrap_or_default().to_string(),
                            endpoint: s.endpoint().unwrap_or_default().to_string(),
                        })
                        .collect(),
                    out.next_token(),
                )),
                Err(error)
                    if error.as_service_error().and_then(|e| e.code()) == Some("NotFound") =>
                {
                    missing.store(true, Ordering::Relaxed);
                    Ok(Page::new(Vec::new(), None))
                }
                Err(error) => Err(AwsError::from_sdk(LIST_SUBSCRIPTIONS_BY_TOPIC, error)),
            }
        },
    )
    .await?;
    Ok(TopicSubscriptions {
        exists: !missing.load(Ordering::Relaxed),
        subscriptions: if missing.load(Ordering::Relaxed) {
            Vec::new()
        } else {
            subscriptions
        },
    })
}
