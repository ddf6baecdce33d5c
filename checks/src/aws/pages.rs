//! One pagination layer for every listing cisrun reads.
//!
//! The SDK's paginators stop silently when a page repeats the previous token, never look at
//! `IsTruncated`, and have no bound: a repeated token lists items twice, a fresh token on
//! every page runs until the process is killed, and `IsTruncated=true` without a token is
//! taken as the last page (a policy on the unread page then passes). [`read_pages`] trusts a
//! listing only when it ends as AWS says it ends:
//!
//! - a token seen before is an error ([`REPEATED_TOKEN`]): the listing would loop, and its
//!   items would be counted twice;
//! - a page that says it is truncated but gives no token is an error ([`TRUNCATED`]) (a
//!   token on a page that says it is the last is followed: reading more never hides
//!   anything);
//! - more than the account's page bound (`--max-pages`, default [`DEFAULT_MAX_PAGES`]) is an
//!   error ([`TOO_MANY_PAGES`]).
//!
//! Every error names the action, so the controls that need the listing are *errors*, never a
//! pass or a fail on part of it.
//!
//! ```ignore
//! let users = read_pages(account.page_limit(), "iam:ListUsers", |marker| async move {
//!     let out = iam.list_users().set_marker(marker).send().await
//!         .map_err(|e| AwsError::from_sdk("iam:ListUsers", e))?;
//!     Ok(Page::new(out.users().to_vec(), out.marker()).truncated(out.is_truncated()))
//! })
//! .await?;
//! ```

use std::collections::HashSet;
use std::future::Future;

use crate::aws::AwsError;

/// Pages one listing may have unless `--max-pages` says otherwise: far above any real
/// account (10,000 pages of 1,000 roles is ten million roles), low enough that a listing
/// that never ends is stopped in minutes, not hours.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// Error codes of listings that cannot be trusted.
pub const REPEATED_TOKEN: &str = "RepeatedPageToken";
pub const TRUNCATED: &str = "TruncatedListing";
pub const TOO_MANY_PAGES: &str = "TooManyPages";

/// One page of a listing: its items, the token of the next page (`Marker`, `NextToken`,
/// `NextMarker`, `ContinuationToken`), and `IsTruncated` where the API has it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    pub truncated: Option<bool>,
}

impl<T> Page<T> {
    /// A page of an API without `IsTruncated`: the token alone says whether more follow.
    pub fn new(items: Vec<T>, next: Option<&str>) -> Self {
        Self {
            items,
            next: next.filter(|t| !t.is_empty()).map(str::to_string),
            truncated: None,
        }
    }

    /// The page's `IsTruncated` (IAM, S3 object listings).
    pub fn truncated(mut self, truncated: bool) -> Self {
        self.truncated = Some(truncated);
        self
    }

    /// The page's `IsTruncated`, when AWS sent it.
    pub fn truncated_if_sent(mut self, truncated: Option<bool>) -> Self {
        self.truncated = truncated;
        self
    }
}

fn untrusted(code: &str, action: &str, message: String) -> AwsError {
    AwsError {
        code: code.to_string(),
        message,
        action: action.to_string(),
        access_denied: false,
    }
}

/// A token as an error message shows it: tokens can be long, and come from the network.
fn shown(token: &str) -> String {
    const SHOWN: usize = 40;
    let mut text: String = token.chars().take(SHOWN).collect();
    if token.chars().count() > SHOWN {
        text.push('…');
    }
    text.escape_debug().to_string()
}

/// Reads every page of the listing `action`: `page(token)` fetches one page (`None` for the
/// first). Returns the items of every page in order, or an error naming `action` when the
/// listing cannot be trusted (see the module documentation) or a page cannot be read.
pub async fn read_pages<T, F, Fut>(
    max_pages: usize,
    action: &str,
    mut page: F,
) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, AwsError>>,
{
    let mut items = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut token: Option<String> = None;
    let mut number = 0;
    loop {
        number += 1;
        if number > max_pages {
            return Err(untrusted(
                TOO_MANY_PAGES,
                action,
                format!(
                    "the listing has more than {max_pages} pages, cisrun's bound: not trusting \
                     it (raise --max-pages if the account really is this large)"
                ),
            ));
        }
        let this = page(token.take()).await?;
        items.extend(this.items);
        match (this.truncated, this.next) {
            (Some(true), None) => {
                return Err(untrusted(
                    TRUNCATED,
                    action,
                    format!(
                        "page {number} says more pages follow (IsTruncated=true) but gives no \
                         token to read them"
                    ),
                ))
            }
            (_, None) => return Ok(items),
            (_, Some(next)) => {
                if !seen.insert(next.clone()) {
                    return Err(untrusted(
                        REPEATED_TOKEN,
                        action,
                        format!(
                            "page {number} gives the token `{}` that an earlier page gave: the \
                             listing would repeat itself",
                            shown(&next)
                        ),
                    ));
                }
                token = Some(next);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listing of pages given as (items, next token, IsTruncated).
    async fn list(
        max_pages: usize,
        pages: Vec<(Vec<u32>, Option<&'static str>, Option<bool>)>,
    ) -> (Result<Vec<u32>, AwsError>, Vec<Option<String>>) {
        let asked = std::sync::Mutex::new(Vec::new());
        let result = read_pages(max_pages, "svc:List", |token| {
            let index = {
                let mut asked = asked.lock().unwrap_or_else(|p| p.into_inner());
                asked.push(token);
                asked.len() - 1
            };
            let page = pages.get(index.min(pages.len() - 1)).cloned();
            async move {
                let (items, next, truncated) = page.unwrap_or_default();
                Ok(Page::new(items, next).truncated_if_sent(truncated))
            }
        })
        .await;
        (result, asked.into_inner().unwrap_or_default())
    }

    #[tokio::test]
    async fn every_page_is_read_once_in_order() {
        let (items, asked) = list(
            10,
            vec![
                (vec![1, 2], Some("a"), Some(true)),
                (vec![3], Some("b"), None),
                (vec![4], None, Some(false)),
            ],
        )
        .await;
        assert_eq!(items.expect("items"), [1, 2, 3, 4]);
        assert_eq!(asked, [None, Some("a".into()), Some("b".into())]);
        // An empty token is no token (EC2 sends `NextToken: ""` on the last page).
        let (items, _) = list(10, vec![(vec![1], Some(""), None)]).await;
        assert_eq!(items.expect("items"), [1]);
    }

    #[tokio::test]
    async fn a_repeated_token_is_an_error_not_a_second_count() {
        let (result, asked) = list(
            10,
            vec![
                (vec![1], Some("same"), Some(true)),
                (vec![1], Some("same"), Some(true)),
            ],
        )
        .await;
        let error = result.expect_err("repeated");
        assert_eq!(error.code, REPEATED_TOKEN);
        assert_eq!(error.action, "svc:List");
        assert!(error.message.contains("same"), "{error}");
        assert_eq!(asked.len(), 2);
    }

    #[tokio::test]
    async fn a_truncated_page_without_a_token_is_an_error() {
        let (result, _) = list(10, vec![(vec![1], None, Some(true))]).await;
        assert_eq!(result.expect_err("truncated").code, TRUNCATED);
        let (result, asked) = list(
            10,
            vec![
                (vec![1], Some("x"), Some(false)),
                (vec![2], None, Some(false)),
            ],
        )
        .await;
        assert_eq!(result.expect("followed"), [1, 2]);
        assert_eq!(asked.len(), 2);
    }

    #[tokio::test]
    async fn a_listing_that_never_ends_stops_at_the_bound() {
        let counter = std::sync::atomic::AtomicUsize::new(0);
        let result = read_pages(50, "svc:List", |_| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { Ok(Page::new(vec![n], Some(&format!("fresh-{n}"))).truncated(true)) }
        })
        .await;
        let error = result.expect_err("endless");
        assert_eq!(error.code, TOO_MANY_PAGES);
        assert!(error.message.contains("50"), "{error}");
        assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 50);
    }

    #[tokio::test]
    async fn a_page_error_is_the_listings_error() {
        let result: Result<Vec<u8>, _> = read_pages(5, "svc:List", |_| async {
            Err(AwsError {
                code: "AccessDenied".into(),
                message: "no".into(),
                action: "svc:List".into(),
                access_denied: true,
            })
        })
        .await;
        assert!(result.expect_err("denied").access_denied);
    }

    #[test]
    fn tokens_are_shown_short_and_escaped() {
        assert_eq!(shown("abc"), "abc");
        let long = "x".repeat(100);
        assert_eq!(shown(&long).chars().count(), 41);
        assert_eq!(shown("a\nb"), "a\\nb");
    }
}
