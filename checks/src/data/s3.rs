//! S3: the account's buckets, listed once (every page), each read in its own region; and
//! the account-level S3 Block Public Access, read once through S3 Control.
//!
//! A configuration a bucket does not have (no policy, no public access block, no default
//! encryption) is `None`, not an error.

use std::sync::Arc;

use futures::future::join_all;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

impl crate::regions::RegionalClient for aws_sdk_s3::Client {
    const SERVICE: &'static str = "s3";
    fn build(config: &aws_config::SdkConfig) -> Self {
        // A custom endpoint (an emulator, a proxy) rarely serves virtual-hosted buckets.
        let path_style = config.endpoint_url().is_some();
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(path_style)
                .interceptor(crate::aws::RequestCounter)
                .interceptor(crate::aws::response::ResponseGuard::default())
                .build(),
        )
    }
}

impl crate::regions::RegionalClient for aws_sdk_s3control::Client {
    const SERVICE: &'static str = "s3";
    fn build(config: &aws_config::SdkConfig) -> Self {
        let mut builder = aws_sdk_s3control::config::Builder::from(config)
            .interceptor(crate::aws::RequestCounter)
            .interceptor(crate::aws::response::ResponseGuard::default());
        // S3 Control puts the account id in the host (`<account>.s3-control...`), which a
        // custom endpoint (an emulator, a proxy) does not serve: send to it as given.
        if let Some(url) = config.endpoint_url() {
            builder = builder.endpoint_resolver(AsGiven(url.to_string()));
        }
        aws_sdk_s3control::Client::from_conf(builder.build())
    }
}

/// An S3 Control endpoint used as given, without the account-id host prefix.
#[derive(Debug)]
struct AsGiven(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// The action behind `ListBuckets`.
pub const LIST_BUCKETS: &str = "s3:ListAllMyBuckets";
/// The action behind `GetBucketLocation` (for buckets the listing gives no region).
pub const GET_BUCKET_LOCATION: &str = "s3:GetBucketLocation";
/// The action behind `GetBucketPolicy`.
pub const GET_BUCKET_POLICY: &str = "s3:GetBucketPolicy";
/// The action behind `GetBucketVersioning`.
pub const GET_BUCKET_VERSIONING: &str = "s3:GetBucketVersioning";
/// The action behind a bucket's `GetPublicAccessBlock`.
pub const GET_BUCKET_PUBLIC_ACCESS_BLOCK: &str = "s3:GetBucketPublicAccessBlock";
/// The action behind `GetBucketEncryption`.
pub const GET_ENCRYPTION_CONFIGURATION: &str = "s3:GetEncryptionConfiguration";
/// The action behind S3 Control's `GetPublicAccessBlock` (the account's setting).
pub const GET_ACCOUNT_PUBLIC_ACCESS_BLOCK: &str = "s3:GetAccountPublicAccessBlock";

/// The action behind `GetBucketLogging`.
pub const GET_BUCKET_LOGGING: &str = "s3:GetBucketLogging";
/// The action behind `GetBucketAcl`.
pub const GET_BUCKET_ACL: &str = "s3:GetBucketAcl";

/// What every bucket control needs to list the buckets.
pub const BUCKET_LISTING: &[&str] = &[LIST_BUCKETS, GET_BUCKET_LOCATION];

/// One bucket of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    /// Where the bucket lives; the account's home region when its location could not be read.
    pub region: String,
    /// Why the bucket's region is unknown, if it is.
    pub location_error: Option<AwsError>,
}

impl Bucket {
    /// `arn:<partition>:s3:::<bucket>`.
    pub fn arn(&self, account: &AwsAccount) -> String {
        format!("arn:{}:s3:::{}", account.partition, self.name)
    }
}

/// The four S3 Block Public Access settings, of a bucket or of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four on, as the benchmark requires.
    pub const ALL: PublicAccessBlock = PublicAccessBlock {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };

    /// From the four flags as S3 and S3 Control return them: a flag not returned is off.
    pub fn from_flags(
        block_public_acls: Option<bool>,
        ignore_public_acls: Option<bool>,
        block_public_policy: Option<bool>,
        restrict_public_buckets: Option<bool>,
    ) -> Self {
        Self {
            block_public_acls: block_public_acls.unwrap_or(false),
            ignore_public_acls: ignore_public_acls.unwrap_or(false),
            block_public_policy: block_public_policy.unwrap_or(false),
            restrict_public_buckets: restrict_public_buckets.unwrap_or(false),
        }
    }

    pub fn all(&self) -> bool {
        *self == Self::ALL
    }

    /// The settings that are off, by their API names.
    pub fn off(&self) -> Vec<&'static str> {
        [
            (self.block_public_acls, "BlockPublicAcls"),
            (self.ignore_public_acls, "IgnorePublicAcls"),
            (self.block_public_policy, "BlockPublicPolicy"),
            (self.restrict_public_buckets, "RestrictPublicBuckets"),
        ]
        .into_iter()
        .filter(|(on, _)| !on)
        .map(|(_, name)| name)
        .collect()
    }
}

/// A bucket's versioning: its status and MFA delete, as the API names them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Versioning {
    pub status: Option<String>,
    pub mfa_delete: Option<String>,
}

/// `Ok(None)` when the error's code says the configuration was never made (`absent_code`);
/// any other error stays an error.
fn none_if_absent<T>(error: AwsError, absent_code: &str) -> Result<Option<T>, AwsError> {
    if error.code == absent_code {
        Ok(None)
    } else {
        Err(error)
    }
}

/// The region a `GetBucketLocation` constraint names: empty is us-east-1, `EU` eu-west-1.
pub fn region_of_constraint(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    }
}

/// The account's buckets, each with its region.
const BUCKETS: DataKey<Vec<Bucket>> = DataKey::new(LIST_BUCKETS);

/// The account's S3 Block Public Access, `None` when never set.
const ACCOUNT_PUBLIC_ACCESS_BLOCK: DataKey<Option<PublicAccessBlock>> =
    DataKey::new(GET_ACCOUNT_PUBLIC_ACCESS_BLOCK);

/// The account's buckets, listed once per run (every page), each with its region.
pub async fn buckets(account: &AwsAccount) -> Result<Arc<Vec<Bucket>>, AwsError> {
    account
        .fetch_once(&BUCKETS, || async {
            let home = account.home_region();
            let s3 = account.client::<aws_sdk_s3::Client>(&home);
            let client = &s3;
            let entries = read_pages(account.max_pages(), LIST_BUCKETS, |token| async move {
                let page = account
                    .limited(
                        "s3",
                        client.list_buckets().set_continuation_token(token).send(),
                    )
                    .await
                    .map_err(|e| AwsError::from_sdk(LIST_BUCKETS, e))?;
                Ok(Page::new(
                    page.buckets().to_vec(),
                    page.continuation_token(),
                ))
            })
            .await?;
            let mut listed: Vec<(String, Option<String>)> = Vec::new();
            for bucket in &entries {
                if let Some(name) = bucket.name() {
                    listed.push((
                        name.to_string(),
                        bucket
                            .bucket_region()
                            .filter(|r| !r.is_empty())
                            .map(str::to_string),
                    ));
                }
            }
            let mut buckets = join_all(listed.into_iter().map(|(name, region)| {
                let s3 = s3.clone();
                let home = home.clone();
                async move {
                    if let Some(region) = region {
                        return Bucket {
                            name,
                            region,
                            location_error: None,
                        };
                    }
                    let located = account
                        .limited("s3", s3.get_bucket_location().bucket(name.clone()).send())
                        .await
                        .map_err(|e| AwsError::from_sdk(GET_BUCKET_LOCATION, e));
                    match located {
                        Ok(out) => Bucket {
                            region: region_of_constraint(
                                out.location_constraint().map(|c| c.as_str()),
                            ),
                            name,
                            location_error: None,
                        },
                        Err(error) => Bucket {
                            name,
                            region: home,
                            location_error: Some(error),
                        },
                    }
                }
            }))
            .await;
            buckets.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(buckets)
        })
        .await
}

/// Reads `action` of `bucket` once per run with the client of the bucket's region. A bucket
/// whose region is unknown is that error.
async fn per_bucket<T, F, Fut>(
    account: &AwsAccount,
    action: &'static str,
    bucket: &Bucket,
    read: F,
) -> Result<Arc<T>, AwsError>
where
    T: std::any::Any + Send + Sync,
    F: FnOnce(aws_sdk_s3::Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    if let Some(error) = &bucket.location_error {
        return Err(error.clone());
    }
    let s3 = account.client::<aws_sdk_s3::Client>(&bucket.region);
    account
        .fetch_limited(&DataKey::<T>::new(action), &bucket.name, || read(s3))
        .await
}

/// The bucket's policy document as S3 returns it; `None` without one.
pub async fn bucket_policy(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Option<String>>, AwsError> {
    per_bucket(account, GET_BUCKET_POLICY, bucket, |s3| async move {
        read_bucket_policy(&s3, &bucket.name).await
    })
    .await
}

/// [`bucket_policy`] read afresh (for a fix's journal).
pub async fn read_bucket_policy(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<String>, AwsError> {
    match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Ok(out.policy().map(str::to_string)),
        Err(e) => none_if_absent(
            AwsError::from_sdk(GET_BUCKET_POLICY, e),
            "NoSuchBucketPolicy",
        ),
    }
}

/// The bucket's versioning configuration.
pub async fn bucket_versioning(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Versioning>, AwsError> {
    per_bucket(account, GET_BUCKET_VERSIONING, bucket, |s3| async move {
        let out = s3
            .get_bucket_versioning()
            .bucket(&bucket.name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(GET_BUCKET_VERSIONING, e))?;
        Ok(Versioning {
            status: out.status().map(|s| s.as_str().to_string()),
            mfa_delete: out.mfa_delete().map(|s| s.as_str().to_string()),
        })
    })
    .await
}

/// The bucket's own Block Public Access settings; `None` without any.
pub async fn bucket_public_access_block(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Option<PublicAccessBlock>>, AwsError> {
    per_bucket(
        account,
        GET_BUCKET_PUBLIC_ACCESS_BLOCK,
        bucket,
        |s3| async move {
            match s3
                .get_public_access_block()
                .bucket(&bucket.name)
                .send()
                .await
            {
                Ok(out) => Ok(out.public_access_block_configuration().map(|c| {
                    PublicAccessBlock::from_flags(
                        c.block_public_acls(),
                        c.ignore_public_acls(),
                        c.block_public_policy(),
                        c.restrict_public_buckets(),
                    )
                })),
                Err(e) => none_if_absent(
                    AwsError::from_sdk(GET_BUCKET_PUBLIC_ACCESS_BLOCK, e),
                    "NoSuchPublicAccessBlockConfiguration",
                ),
            }
        },
    )
    .await
}

/// The algorithms of the bucket's default encryption rules; `None` without a configuration.
pub async fn bucket_encryption(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Option<Vec<String>>>, AwsError> {
    per_bucket(
        account,
        GET_ENCRYPTION_CONFIGURATION,
        bucket,
        |s3| async move {
            match s3.get_bucket_encryption().bucket(&bucket.name).send().await {
                Ok(out) => Ok(out.server_side_encryption_configuration().map(|c| {
                    c.rules()
                        .iter()
                        .filter_map(|r| r.apply_server_side_encryption_by_default())
                        .map(|d| d.sse_algorithm().as_str().to_string())
                        .collect()
                })),
                Err(e) => none_if_absent(
                    AwsError::from_sdk(GET_ENCRYPTION_CONFIGURATION, e),
                    "ServerSideEncryptionConfigurationNotFoundError",
                ),
            }
        },
    )
    .await
}

/// The account's S3 Block Public Access, read once per run; `None` when never set.
pub async fn account_public_access_block(
    account: &AwsAccount,
) -> Result<Arc<Option<PublicAccessBlock>>, AwsError> {
    account
        .fetch_limited(&ACCOUNT_PUBLIC_ACCESS_BLOCK, "account", || {
            read_account_public_access_block(account)
        })
        .await
}

/// [`account_public_access_block`] read afresh (for a fix's journal).
pub async fn read_account_public_access_block(
    account: &AwsAccount,
) -> Result<Option<PublicAccessBlock>, AwsError> {
    let control = account.client::<aws_sdk_s3control::Client>(&account.home_region());
    match control
        .get_public_access_block()
        .account_id(&account.account_id)
        .send()
        .await
    {
        Ok(out) => Ok(out.public_access_block_configuration().map(|c| {
            PublicAccessBlock::from_flags(
                c.block_public_acls(),
                c.ignore_public_acls(),
                c.block_public_policy(),
                c.restrict_public_buckets(),
            )
        })),
        Err(e) => none_if_absent(
            AwsError::from_sdk(GET_ACCOUNT_PUBLIC_ACCESS_BLOCK, e),
            "NoSuchPublicAccessBlockConfiguration",
        ),
    }
}

/// A bucket known by name only (e.g. a trail's, possibly in another account), located with
/// `GetBucketLocation` once per run; a location that cannot be read is the bucket's
/// `location_error`.
pub async fn locate_bucket(account: &AwsAccount, name: &str) -> Bucket {
    const LOCATION: DataKey<String> = DataKey::new(GET_BUCKET_LOCATION);
    let home = account.home_region();
    let s3 = account.client::<aws_sdk_s3::Client>(&home);
    let located = account
        .fetch_limited(&LOCATION, name, || async {
            s3.get_bucket_location()
                .bucket(name)
                .send()
                .await
                .map(|out| region_of_constraint(out.location_constraint().map(|c| c.as_str())))
                .map_err(|e| AwsError::from_sdk(GET_BUCKET_LOCATION, e))
        })
        .await;
    match located {
        Ok(region) => Bucket {
            name: name.to_string(),
            region: (*region).clone(),
            location_error: None,
        },
        Err(error) => Bucket {
            name: name.to_string(),
            region: home,
            location_error: Some(error),
        },
    }
}

/// The bucket's server access logging target bucket; `None` when logging is off.
pub async fn bucket_logging(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Option<String>>, AwsError> {
    per_bucket(account, GET_BUCKET_LOGGING, bucket, |s3| async move {
        let out = s3
            .get_bucket_logging()
            .bucket(&bucket.name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(GET_BUCKET_LOGGING, e))?;
        Ok(out.logging_enabled().map(|l| l.target_bucket().to_string()))
    })
    .await
}

/// The grantee group URIs of S3's public groups.
pub const PUBLIC_GROUPS: &[&str] = &[
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

/// The bucket ACL's grants to everyone (`AllUsers`) or to any AWS user
/// (`AuthenticatedUsers`), as `AllUsers:READ`.
pub async fn bucket_public_grants(
    account: &AwsAccount,
    bucket: &Bucket,
) -> Result<Arc<Vec<String>>, AwsError> {
    per_bucket(account, GET_BUCKET_ACL, bucket, |s3| async move {
        let out = s3
            .get_bucket_acl()
            .bucket(&bucket.name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(GET_BUCKET_ACL, e))?;
        let mut grants: Vec<String> = out
            .grants()
            .iter()
            .filter_map(|g| {
                let uri = g.grantee()?.uri()?;
                PUBLIC_GROUPS.contains(&uri).then(|| {
                    format!(
                        "{}:{}",
                        uri.rsplit('/').next().unwrap_or(uri),
                        g.permission().map(|p| p.as_str()).unwrap_or("?")
                    )
                })
            })
            .collect();
        grants.sort();
        grants.dedup();
        Ok(grants)
    })
    .await
}

/// The verdict of a bucket control: one finding per bucket (its ARN, its region), `judge`
/// reading what it needs for each bucket concurrently. `Ok((true, detail))` passes,
/// `Ok((false, detail))` fails, an error makes that bucket unread.
pub async fn judge_buckets<F, Fut>(
    account: &AwsAccount,
    subject: &str,
    judge: F,
) -> cisrun_core::Outcome
where
    F: Fn(Bucket) -> Fut,
    Fut: std::future::Future<Output = Result<(bool, String), AwsError>>,
{
    let buckets = match buckets(account).await {
        Ok(buckets) => buckets,
        Err(error) => return cisrun_core::Outcome::error(error.to_detail()),
    };
    let judge = &judge;
    let verdicts = join_all(
        buckets
            .iter()
            .map(|bucket| async move { (bucket.clone(), judge(bucket.clone()).await) }),
    )
    .await;
    let mut findings = cisrun_core::Findings::new(subject);
    for (bucket, verdict) in verdicts {
        let arn = bucket.arn(account);
        match verdict {
            Ok((true, detail)) => findings.pass(arn, Some(&bucket.region), detail),
            Ok((false, detail)) => findings.fail(arn, Some(&bucket.region), detail),
            Err(error) => findings.unread(&bucket.region, arn, error.to_detail()),
        }
    }
    findings.outcome()
}

/// Test helpers: an account whose S3 answers come from `aws-smithy-mocks` rules.
#[cfg(test)]
pub(crate) mod testing {
    use aws_sdk_s3::operation::list_buckets::ListBucketsOutput;
    use aws_sdk_s3::types::Bucket as SdkBucket;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

    use crate::account::AwsAccount;

    /// `buckets` as (name, region), listed by the home region's client (us-east-1).
    pub fn list_rule(buckets: &[(&str, &str)]) -> Rule {
        let buckets: Vec<(String, String)> = buckets
            .iter()
            .map(|(n, r)| (n.to_string(), r.to_string()))
            .collect();
        mock!(aws_sdk_s3::Client::list_buckets).then_output(move || {
            ListBucketsOutput::builder()
                .set_buckets(Some(
                    buckets
                        .iter()
                        .map(|(name, region)| {
                            SdkBucket::builder()
                                .name(name)
                                .bucket_region(region)
                                .build()
                        })
                        .collect(),
                ))
                .build()
        })
    }

    /// An S3 error with `code`.
    pub fn error_meta(code: &str) -> aws_smithy_types::error::ErrorMetadata {
        aws_smithy_types::error::ErrorMetadata::builder()
            .code(code)
            .message(code)
            .build()
    }

    /// An account in us-east-1 (home) whose S3 clients answer with `rules` in every region.
    pub fn account(regions: &[&str], rules: &[Rule]) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let mut account =
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(regions);
        for region in regions {
            let client = mock_client!(aws_sdk_s3, RuleMode::MatchAny, rules);
            account = account.with_client(region, client);
        }
        account
    }

    /// [`account`] with an S3 Control client in us-east-1 answering with `rules`.
    pub fn with_control(account: AwsAccount, rules: &[Rule]) -> AwsAccount {
        let interceptor = rules.iter().fold(
            aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
            |interceptor, rule| interceptor.with_rule(rule),
        );
        let config = aws_sdk_s3control::Config::builder()
            .behavior_version(aws_sdk_s3control::config::BehaviorVersion::latest())
            .region(aws_sdk_s3control::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3control::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        account.with_client("us-east-1", aws_sdk_s3control::Client::from_conf(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(region_of_constraint(None), "us-east-1");
        assert_eq!(region_of_constraint(Some("")), "us-east-1");
        assert_eq!(region_of_constraint(Some("EU")), "eu-west-1");
        assert_eq!(region_of_constraint(Some("us-west-2")), "us-west-2");
    }

    #[tokio::test]
    async fn every_page_is_listed_and_a_bucket_without_a_region_is_located() {
        use aws_sdk_s3::operation::get_bucket_location::GetBucketLocationOutput;
        use aws_sdk_s3::operation::list_buckets::ListBucketsOutput;
        use aws_sdk_s3::types::{Bucket as SdkBucket, BucketLocationConstraint};
        use aws_smithy_mocks::mock;

        let first = mock!(aws_sdk_s3::Client::list_buckets)
            .match_requests(|r| r.continuation_token().is_none())
            .then_output(|| {
                ListBucketsOutput::builder()
                    .buckets(
                        SdkBucket::builder()
                            .name("a")
                            .bucket_region("us-west-2")
                            .build(),
                    )
                    .continuation_token("page-2")
                    .build()
            });
        let second = mock!(aws_sdk_s3::Client::list_buckets)
            .match_requests(|r| r.continuation_token() == Some("page-2"))
            .then_output(|| {
                ListBucketsOutput::builder()
                    .buckets(SdkBucket::builder().name("b").build())
                    .build()
            });
        let location = mock!(aws_sdk_s3::Client::get_bucket_location)
            .match_requests(|r| r.bucket() == Some("b"))
            .then_output(|| {
                GetBucketLocationOutput::builder()
                    .location_constraint(BucketLocationConstraint::Eu)
                    .build()
            });
        let account = testing::account(&["us-east-1"], &[first, second, location]);
        let listed = buckets(&account).await.expect("buckets");
        let listed: Vec<(&str, &str)> = listed
            .iter()
            .map(|b| (b.name.as_str(), b.region.as_str()))
            .collect();
        assert_eq!(listed, [("a", "us-west-2"), ("b", "eu-west-1")]);
    }

    #[test]
    fn all_four_settings_are_needed() {
        assert!(PublicAccessBlock::ALL.all());
        let three = PublicAccessBlock {
            block_public_policy: false,
            ..PublicAccessBlock::ALL
        };
        assert!(!three.all());
        assert_eq!(three.off(), ["BlockPublicPolicy"]);
    }
}
