//! One AWS account as the controls see it (the AWS platform's target): its identity, its
//! one connection, the data fetched once per account under typed keys, and where its
//! regional controls look ([`crate::regions`] adds the regional methods).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use tokio::sync::{OnceCell, Semaphore};

use crate::aws::{pages, AwsError};
use crate::platform::settings::Regions;

/// Requests in flight per account and AWS service, unless the runner says otherwise: low
/// enough that a run over many accounts and regions does not trip AWS's per-account
/// throttling on its own, high enough that 17 regions are read in a few round trips.
pub const DEFAULT_REQUESTS_PER_SERVICE: usize = 8;

/// Built clients by service, region and client type: `s3` and `s3control` share a service.
type ClientCache = HashMap<(String, String, TypeId), Box<dyn Any + Send + Sync>>;

/// Where an account's regional controls look and how hard they may pull.
pub(crate) struct RegionScope {
    pub(crate) regions: Regions,
    pub(crate) requests_per_service: usize,
    /// Enabled regions given up front (unit tests), instead of `ec2:DescribeRegions`.
    pub(crate) known_regions: Option<Vec<String>>,
    pub(crate) clients: Mutex<ClientCache>,
    pub(crate) limits: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Default for RegionScope {
    fn default() -> Self {
        Self {
            regions: Regions::default(),
            requests_per_service: DEFAULT_REQUESTS_PER_SERVICE,
            known_regions: None,
            clients: Mutex::new(HashMap::new()),
            limits: Mutex::new(HashMap::new()),
        }
    }
}

type Fetched = Result<Arc<dyn Any + Send + Sync>, AwsError>;

/// A kind of account data fetched once per account (and scope: a region, a bucket): its
/// name (the action that reads it, e.g. `iam:GetAccountAuthorizationDetails`) and the type
/// of its value. The cache keys on both, so two kinds of data cannot meet under one key:
/// asking for a key's data with another type does not compile.
pub struct DataKey<T> {
    name: &'static str,
    value: std::marker::PhantomData<fn() -> T>,
}

impl<T> DataKey<T> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            value: std::marker::PhantomData,
        }
    }

    /// The action that reads the data.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The AWS service of the action, e.g. `iam`: the unit of the request bound.
    pub fn service(&self) -> &'static str {
        self.name.split(':').next().unwrap_or(self.name)
    }
}

/// Where a fetched value is cached: its type, its kind's name and its scope.
type CacheKey = (std::any::TypeId, &'static str, String);

/// One AWS account as the controls see it. Data that several controls need is fetched once
/// per account through [`AwsAccount::fetch_once`].
pub struct AwsAccount {
    pub account_id: String,
    /// The account's name in the Organization, when known.
    pub account_name: Option<String>,
    /// `aws`, `aws-cn` or `aws-us-gov`, from the caller identity's ARN.
    pub partition: String,
    /// The identity cisrun acts as in this account.
    pub caller_arn: String,
    config: SdkConfig,
    iam: aws_sdk_iam::Client,
    cache: Mutex<HashMap<CacheKey, Arc<OnceCell<Fetched>>>>,
    /// Where regional controls look, and how many requests they send at once.
    pub(crate) scope: RegionScope,
    /// The most pages one listing may have (`--max-pages`).
    max_pages: usize,
}

impl fmt::Debug for AwsAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsAccount")
            .field("account_id", &self.account_id)
            .field("partition", &self.partition)
            .finish_non_exhaustive()
    }
}

impl AwsAccount {
    /// A context whose identity is already known (tests, or an Organization listing).
    pub fn new(
        config: SdkConfig,
        account_id: String,
        partition: String,
        caller_arn: String,
    ) -> Self {
        let iam = crate::counted_client!(aws_sdk_iam, &config);
        Self {
            account_id,
            account_name: None,
            partition,
            caller_arn,
            config,
            iam,
            cache: Mutex::new(HashMap::new()),
            scope: Default::default(),
            max_pages: pages::DEFAULT_MAX_PAGES,
        }
    }

    /// A context around a given IAM client (unit tests with `aws-smithy-mocks`).
    #[doc(hidden)]
    pub fn for_tests(iam: aws_sdk_iam::Client, account_id: &str, partition: &str) -> Self {
        Self {
            account_id: account_id.to_string(),
            account_name: None,
            partition: partition.to_string(),
            caller_arn: format!("arn:{partition}:iam::{account_id}:root"),
            config: SdkConfig::builder().build(),
            iam,
            cache: Mutex::new(HashMap::new()),
            scope: Default::default(),
            max_pages: pages::DEFAULT_MAX_PAGES,
        }
    }

    /// Bounds every listing of this account at `max_pages` pages (at least 1).
    pub fn with_max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages.max(1);
        self
    }

    /// The most pages one listing of this account may have.
    pub fn max_pages(&self) -> usize {
        self.max_pages
    }

    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.account_name = name;
        self
    }

    pub fn iam(&self) -> &aws_sdk_iam::Client {
        &self.iam
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// `arn:<partition>:iam::aws:policy/<name>`: an AWS-managed policy in this partition.
    pub fn aws_managed_policy_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{name}", self.partition)
    }

    /// Fetches the data of `key` at most once per account, even when controls ask
    /// concurrently; errors are remembered too, so every control sees the same answer. A
    /// fetcher may build on other fetchers (a joined view): it holds no request slot itself.
    pub async fn fetch_once<T, F, Fut>(
        &self,
        key: &DataKey<T>,
        fetch: F,
    ) -> Result<Arc<T>, AwsError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        self.fetch_scoped(key, "", fetch).await
    }

    /// [`AwsAccount::fetch_once`] for one scope of the data (a region, a bucket, a policy).
    pub async fn fetch_scoped<T, F, Fut>(
        &self,
        key: &DataKey<T>,
        scope: &str,
        fetch: F,
    ) -> Result<Arc<T>, AwsError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache
                .entry((std::any::TypeId::of::<T>(), key.name, scope.to_string()))
                .or_default()
                .clone()
        };
        let fetched = cell
            .get_or_init(|| async {
                fetch()
                    .await
                    .map(|value| Arc::new(value) as Arc<dyn Any + Send + Sync>)
            })
            .await;
        match fetched {
            // The cache keys on the type: the downcast cannot fail, but is not unwrapped.
            Ok(value) => value.clone().downcast::<T>().map_err(|_| AwsError {
                code: "InternalError".to_string(),
                message: format!("cached data of `{}` has another type", key.name),
                action: key.name.to_string(),
                access_denied: false,
            }),
            Err(error) => Err(error.clone()),
        }
    }

    /// The data of `key` in `scope` if it was already fetched (and read), without asking.
    pub fn fetched<T: Any + Send + Sync>(&self, key: &DataKey<T>, scope: &str) -> Option<Arc<T>> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let cell = cache.get(&(std::any::TypeId::of::<T>(), key.name, scope.to_string()))?;
        match cell.get()? {
            Ok(value) => value.clone().downcast::<T>().ok(),
            Err(_) => None,
        }
    }
}
