//! Regions: which ones an account has enabled (found once per account), a client per
//! service and region built on first use from the account's one connection, data fetched
//! once per account, region and kind, and a bound on requests in flight per service.
//!
//! A regional control asks [`AwsAccount::in_each_region`] for its data and decides with
//! [`cisrun_core::Findings`]; it never lists regions or builds clients itself.
//!
//! ```ignore
//! const EBS_DEFAULT: DataKey<bool> = DataKey::new("ec2:GetEbsEncryptionByDefault");
//! let settings = account
//!     .in_each_region(&EBS_DEFAULT, |region| {
//!         let ec2 = account.client::<aws_sdk_ec2::Client>(&region);
//!         async move { /* one call, mapped with AwsError::from_sdk */ }
//!     })
//!     .await?;
//! ```
//!
//! A data module registers the SDK client of its service with [`regional_client!`], so a
//! new service touches its own data module (and the `Cargo.toml`s) only.

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_ec2::config::Region;
use cisrun_core::{Findings, Outcome};
use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;
use crate::platform::settings::Regions;

pub use crate::account::DEFAULT_REQUESTS_PER_SERVICE;

/// The action that lists an account's enabled regions; every regional control needs it.
pub const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";

/// The regions regional controls read, once per account.
const REGIONS: DataKey<Vec<String>> = DataKey::new(DESCRIBE_REGIONS);

/// The region of global calls when the configuration names none.
pub const DEFAULT_HOME_REGION: &str = "us-east-1";

/// An SDK client cisrun can build for any region. Plugin crates whose service is not here
/// use [`AwsAccount::client_with`].
pub trait RegionalClient: Clone + Send + Sync + 'static {
    /// The service's prefix in IAM actions (`ec2`, `s3`, ...): the unit of the request bound.
    const SERVICE: &'static str;
    fn build(config: &SdkConfig) -> Self;
}

/// Makes an SDK crate's client one cisrun builds per region: `regional_client!(aws_sdk_kms
/// => "kms");` in the service's data module (the service is its IAM action prefix).
#[macro_export]
macro_rules! regional_client {
    ($sdk:ident => $service:literal) => {
        impl $crate::regions::RegionalClient for $sdk::Client {
            const SERVICE: &'static str = $service;
            fn build(config: &aws_config::SdkConfig) -> Self {
                $crate::counted_client!($sdk, config)
            }
        }
    };
}

// EC2 lists the account's regions, so its client is the platform's own.
regional_client!(aws_sdk_ec2 => "ec2");

/// One region's share of regional data.
#[derive(Debug)]
pub struct InRegion<T> {
    pub region: String,
    pub data: Result<Arc<T>, AwsError>,
}

/// The resource an unread region's error is filed under when the region has no resource
/// of its own to name.
pub fn region_resource(region: &str) -> String {
    format!("region {region}")
}

/// Hands each readable region's data to `judge`; a region that could not be read is an
/// error in `findings` on `unread_resource(region)`. Returns whether any region was unread.
pub fn judge_each_region<T>(
    findings: &mut Findings,
    regions: &[InRegion<T>],
    unread_resource: impl Fn(&str) -> String,
    mut judge: impl FnMut(&mut Findings, &str, &T),
) -> bool {
    let mut any_unread = false;
    for region in regions {
        match region.data.as_deref() {
            Ok(data) => judge(findings, &region.region, data),
            Err(error) => {
                any_unread = true;
                findings.unread(
                    &region.region,
                    unread_resource(&region.region),
                    error.to_detail(),
                );
            }
        }
    }
    any_unread
}

/// A regional control's verdict on `subject` from a fetcher's regions (the fetcher's own
/// failure, when the regions cannot be listed, is the control's error through `?`): every
/// region is judged as [`judge_each_region`] does and [`Findings::outcome`] decides.
pub fn regional_outcome<T>(
    subject: &str,
    regions: Vec<InRegion<T>>,
    unread_resource: impl Fn(&str) -> String,
    judge: impl FnMut(&mut Findings, &str, &T),
) -> Outcome {
    let mut findings = Findings::new(subject);
    judge_each_region(&mut findings, &regions, unread_resource, judge);
    findings.outcome()
}

impl AwsAccount {
    /// Narrows this account's regions to the profile's `regions:` and bounds its requests in
    /// flight per service (at least 1).
    pub fn with_regions(mut self, regions: Regions, requests_per_service: usize) -> Self {
        self.scope.regions = regions;
        self.scope.requests_per_service = requests_per_service.max(1);
        self
    }

    /// Gives the enabled regions up front instead of asking `ec2:DescribeRegions` (tests).
    #[doc(hidden)]
    pub fn with_enabled_regions(mut self, regions: &[&str]) -> Self {
        self.scope.known_regions = Some(regions.iter().map(|r| r.to_string()).collect());
        self
    }

    /// Uses `client` for its service in `region` (tests with `aws-smithy-mocks`).
    #[doc(hidden)]
    pub fn with_client<C: RegionalClient>(self, region: &str, client: C) -> Self {
        self.scope
            .clients
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                (
                    C::SERVICE.to_string(),
                    region.to_string(),
                    TypeId::of::<C>(),
                ),
                Box::new(client),
            );
        self
    }

    /// The region of the account's configuration: where global calls are signed.
    pub fn home_region(&self) -> String {
        self.sdk_config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| DEFAULT_HOME_REGION.to_string())
    }

    /// The regions regional controls read: those enabled for the account (opt-in regions only
    /// once opted in), narrowed by the profile. One `ec2:DescribeRegions` per account.
    pub async fn regions(&self) -> Result<Arc<Vec<String>>, AwsError> {
        self.fetch_once(&REGIONS, || async {
            let enabled = match &self.scope.known_regions {
                Some(known) => known.clone(),
                None => self.enabled_regions().await?,
            };
            for wanted in &self.scope.regions.include {
                if !enabled.contains(&wanted.0) {
                    tracing::warn!(account = %self.account_id, region = %wanted, "`regions.include` names a region that is not enabled for this account; it is not read");
                }
            }
            let mut kept: Vec<String> = enabled
                .into_iter()
                .filter(|r| self.scope.regions.keeps(r))
                .collect();
            kept.sort();
            Ok(kept)
        })
        .await
    }

    /// The regions regional controls read, if they were already listed (for reports).
    pub fn regions_read(&self) -> Option<Vec<String>> {
        self.fetched(&REGIONS, "").map(|regions| regions.to_vec())
    }

    async fn enabled_regions(&self) -> Result<Vec<String>, AwsError> {
        let home = self.home_region();
        let ec2 = self.client::<aws_sdk_ec2::Client>(&home);
        let out = self
            .limited("ec2", ec2.describe_regions().all_regions(false).send())
            .await
            .map_err(|e| AwsError::from_sdk(DESCRIBE_REGIONS, e))?;
        let names: Vec<String> = out
            .regions()
            .iter()
            .filter(|r| r.opt_in_status() != Some("not-opted-in"))
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect();
        // A region name becomes an endpoint host and report text: one of another shape
        // means the answer cannot be trusted.
        if let Some(bad) = names.iter().find(|r| !crate::accounts::is_region_code(r)) {
            return Err(AwsError::invalid_response(
                DESCRIBE_REGIONS,
                format!(
                    "the region name {} is not a region code",
                    crate::accounts::shown(bad)
                ),
            ));
        }
        Ok(names)
    }

    /// The client of `C`'s service in `region`, built on first use from this account's
    /// connection (its credentials and endpoint), then shared.
    pub fn client<C: RegionalClient>(&self, region: &str) -> C {
        self.client_with(C::SERVICE, region, C::build)
    }

    /// [`AwsAccount::client`] for a client type cisrun does not know: `build` makes it from
    /// the account's configuration set to `region`.
    pub fn client_with<C: Clone + Send + Sync + 'static>(
        &self,
        service: &str,
        region: &str,
        build: impl FnOnce(&SdkConfig) -> C,
    ) -> C {
        let key = (service.to_string(), region.to_string(), TypeId::of::<C>());
        let mut clients = self.scope.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(&key).and_then(|c| c.downcast_ref::<C>()) {
            return client.clone();
        }
        let config = self
            .sdk_config()
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        let client = build(&config);
        clients.insert(key, Box::new(client.clone()));
        client
    }

    /// Runs `request` once a slot for `service` is free: at most the configured number of
    /// requests are in flight per account and service. Wrap single calls or a listing's
    /// pages, never something that waits on another limited call (it could wait forever).
    pub async fn limited<F: Future>(&self, service: &str, request: F) -> F::Output {
        let semaphore = {
            let mut limits = self.scope.limits.lock().unwrap_or_else(|p| p.into_inner());
            limits
                .entry(service.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.scope.requests_per_service)))
                .clone()
        };
        // The semaphore is never closed, so acquiring only fails if it were; run anyway.
        let _permit = semaphore.acquire().await.ok();
        request.await
    }

    /// Fetches the data of `key` for `scope` (a region, or a resource such as a bucket) at
    /// most once per account and run, within the request bound of the key's service.
    /// `fetch` must not call other cached fetchers: they would compete for the same slots
    /// (a joined view uses [`AwsAccount::fetch_once`], which holds none).
    pub async fn fetch_limited<T, F, Fut>(
        &self,
        key: &DataKey<T>,
        scope: &str,
        fetch: F,
    ) -> Result<Arc<T>, AwsError>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        self.fetch_scoped(key, scope, || self.limited(key.service(), fetch()))
            .await
    }

    /// Fetches data of `kind` in every region of the account, concurrently within the request
    /// bound, once per account, region and kind whatever the number of controls that ask.
    /// A region that cannot be read is that region's error; only a failure to list the
    /// regions themselves is the whole call's.
    pub async fn in_each_region<T, F, Fut>(
        &self,
        key: &DataKey<T>,
        fetch: F,
    ) -> Result<Vec<InRegion<T>>, AwsError>
    where
        T: Any + Send + Sync,
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, AwsError>>,
    {
        let regions = self.regions().await?;
        let fetch = &fetch;
        Ok(join_all(regions.iter().map(|region| async move {
            InRegion {
                region: region.clone(),
                data: self
                    .fetch_limited(key, region, || fetch(region.clone()))
                    .await,
            }
        }))
        .await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use crate::platform::settings::RegionName;

    const READ: DataKey<String> = DataKey::new("svc:Read");
    const READ_NUMBER: DataKey<u32> = DataKey::new("svc:Read");
    const READ_NOTHING: DataKey<()> = DataKey::new("svc:Read");

    fn account(regions: &[&str]) -> AwsAccount {
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::Config::builder()
                .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
                .build(),
        );
        AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(regions)
    }

    #[tokio::test]
    async fn the_profile_narrows_the_enabled_regions() {
        let name = |s: &str| RegionName(s.to_string());
        let account = account(&["us-east-1", "eu-west-1", "ap-south-1"]).with_regions(
            Regions {
                include: vec![name("eu-west-1"), name("us-east-1"), name("me-south-1")],
                exclude: vec![name("us-east-1")],
            },
            4,
        );
        assert_eq!(*account.regions().await.expect("regions"), ["eu-west-1"]);
    }

    #[tokio::test]
    async fn each_region_is_fetched_once_whatever_the_number_of_callers() {
        let account = account(&["us-east-1", "eu-west-1"]);
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            let fetched = account
                .in_each_region(&READ, |region| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async move { Ok::<_, AwsError>(region) }
                })
                .await
                .expect("regions");
            assert_eq!(fetched.len(), 2);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn one_region_failing_is_that_regions_error_only() {
        let account = account(&["us-east-1", "eu-west-1"]);
        let fetched = account
            .in_each_region(&READ_NUMBER, |region| async move {
                if region == "eu-west-1" {
                    Err(AwsError {
                        code: "AccessDenied".into(),
                        message: "denied".into(),
                        action: "svc:Read".into(),
                        access_denied: true,
                    })
                } else {
                    Ok(1)
                }
            })
            .await
            .expect("regions");
        let by_region: HashMap<_, _> = fetched
            .iter()
            .map(|r| (r.region.as_str(), r.data.is_ok()))
            .collect();
        assert!(by_region["us-east-1"]);
        assert!(!by_region["eu-west-1"]);
    }

    #[tokio::test]
    async fn requests_in_flight_per_service_stay_within_the_bound() {
        let regions: Vec<String> = (1..=17).map(|i| format!("xx-test-{i}")).collect();
        let refs: Vec<&str> = regions.iter().map(String::as_str).collect();
        let account = account(&refs).with_regions(Regions::default(), 3);
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        account
            .in_each_region(&READ_NOTHING, |_| async {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, AwsError>(())
            })
            .await
            .expect("regions");
        assert_eq!(most.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn clients_are_built_once_per_service_and_region() {
        let account = account(&[]);
        let a = account.client::<aws_sdk_kms::Client>("eu-west-1");
        let b = account.client::<aws_sdk_kms::Client>("eu-west-1");
        let c = account.client::<aws_sdk_kms::Client>("us-east-1");
        assert_eq!(a.config().region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(c.config().region().map(|r| r.as_ref()), Some("us-east-1"));
        assert_eq!(
            account.scope.clients.lock().map(|c| c.len()).unwrap_or(0),
            2
        );
        drop(b);
    }
}
