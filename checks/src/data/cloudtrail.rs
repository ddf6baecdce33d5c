//! CloudTrail: the account's trails, read once per run and shared by every logging and
//! monitoring control.
//!
//! [`trails`] lists trails with `DescribeTrails` (shadow trails included) in every enabled
//! region, keeps one per ARN, and reads each trail's `GetTrailStatus` and
//! `GetEventSelectors` once, in the trail's **home region** (where the trail lives; a
//! multi-region trail is only a shadow elsewhere). An organization trail that a member
//! account sees counts for that member; [`Trail::owner`] says whose it is.
//!
//! What cannot be read stays an error where it belongs and hides nothing else: a region whose
//! `DescribeTrails` fails is in [`Trails::unread_regions`]; a trail whose status or selectors
//! cannot be read carries that error in [`Trail::status`] / [`Trail::selectors`].
//!
//! [`logs_all_management_events`] is the one judgement "a multi-region trail that is logging
//! and records all management events", which the CloudTrail controls and the CloudWatch
//! monitoring chain start from ([`Trails::compliant`]). For the monitoring chain a compliant
//! trail gives [`Trail::log_group_arn`] (its CloudWatch Logs log group; the group lives in
//! the region its ARN names, see [`Trail::log_group_region`]) and [`Trail::home_region`].

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_cloudtrail::types::ReadWriteType;
use chrono::{DateTime, Utc};
use cisrun_core::{ErrorDetail, Evidence, Findings, Outcome};

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;

crate::regional_client!(aws_sdk_cloudtrail => "cloudtrail");

/// The action that lists a region's trails.
pub const DESCRIBE_TRAILS: &str = "cloudtrail:DescribeTrails";
/// The action that reads whether a trail is logging.
pub const GET_TRAIL_STATUS: &str = "cloudtrail:GetTrailStatus";
/// The action that reads a trail's event selectors.
pub const GET_EVENT_SELECTORS: &str = "cloudtrail:GetEventSelectors";
/// The action that changes a trail's settings (the log file validation fix).
pub const UPDATE_TRAIL: &str = "cloudtrail:UpdateTrail";

/// What every control reading the trails with their status and selectors needs.
pub const TRAIL_READING: &[&str] = &[
    crate::regions::DESCRIBE_REGIONS,
    DESCRIBE_TRAILS,
    GET_TRAIL_STATUS,
    GET_EVENT_SELECTORS,
];

/// A trail's `GetTrailStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrailStatus {
    pub is_logging: bool,
    /// `LatestCloudWatchLogsDeliveryTime` (moto never returns it).
    pub latest_cloudwatch_logs_delivery: Option<DateTime<Utc>>,
    /// `LatestCloudWatchLogsDeliveryError`, when the last delivery failed.
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
}

/// One basic event selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All` (AWS's default when not given).
    pub read_write_type: String,
    /// AWS's default when not given is `true`.
    pub include_management_events: bool,
    pub exclude_management_event_sources: Vec<String>,
    pub data_resources: Vec<DataResource>,
}

/// A basic selector's data resource: a type (`AWS::S3::Object`) and ARN prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataResource {
    pub resource_type: String,
    pub values: Vec<String>,
}

/// One advanced event selector: its field selectors are ANDed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub fields: Vec<FieldSelector>,
}

/// One field of an advanced selector and its conditions (within a field, values are ORed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    pub field: String,
    pub equals: Vec<String>,
    pub starts_with: Vec<String>,
    pub ends_with: Vec<String>,
    pub not_equals: Vec<String>,
    pub not_starts_with: Vec<String>,
    pub not_ends_with: Vec<String>,
}

impl FieldSelector {
    /// Whether the field accepts exactly the value `value` and nothing narrows it
    /// (`Equals` naming it, or no condition at all).
    fn admits(&self, value: &str) -> bool {
        let no_negation = self.not_equals.iter().all(|v| v != value)
            && self
                .not_starts_with
                .iter()
                .all(|p| !value.starts_with(p.as_str()))
            && self
                .not_ends_with
                .iter()
                .all(|s| !value.ends_with(s.as_str()));
        let positive =
            (self.equals.is_empty() && self.starts_with.is_empty() && self.ends_with.is_empty())
                || self.equals.iter().any(|v| v == value)
                || self
                    .starts_with
                    .iter()
                    .any(|p| value.starts_with(p.as_str()))
                || self.ends_with.iter().any(|s| value.ends_with(s.as_str()));
        positive && no_negation
    }

    /// The field's conditions, for evidence: `readOnly Equals [true]`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (name, values) in [
            ("Equals", &self.equals),
            ("StartsWith", &self.starts_with),
            ("EndsWith", &self.ends_with),
            ("NotEquals", &self.not_equals),
            ("NotStartsWith", &self.not_starts_with),
            ("NotEndsWith", &self.not_ends_with),
        ] {
            if !values.is_empty() {
                parts.push(format!("{name} [{}]", values.join(", ")));
            }
        }
        format!("{} {}", self.field, parts.join(" "))
    }
}

impl AdvancedSelector {
    pub fn field(&self, name: &str) -> Option<&FieldSelector> {
        self.fields.iter().find(|f| f.field == name)
    }

    /// The selector's category (`eventCategory` Equals), `Management` or `Data`.
    pub fn selects_category(&self, category: &str) -> bool {
        self.field("eventCategory")
            .is_some_and(|f| f.admits(category))
    }

    /// Which of read (`readOnly` true) and write (`readOnly` false) events the selector's
    /// `readOnly` field lets through: both when the field is absent.
    pub fn read_write(&self) -> (bool, bool) {
        match self.field("readOnly") {
            None => (true, true),
            Some(f) => (f.admits("true"), f.admits("false")),
        }
    }
}

/// A trail's event selectors: basic or advanced (a trail uses one kind).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selectors {
    pub basic: Vec<EventSelector>,
    pub advanced: Vec<AdvancedSelector>,
}

/// One trail as its home region describes it.
#[derive(Debug, Clone)]
pub struct Trail {
    pub arn: String,
    pub name: String,
    /// Where the trail was created; its status and selectors are read there.
    pub home_region: String,
    /// The account that owns the trail (from its ARN): another account for an organization
    /// trail seen from a member.
    pub owner: String,
    pub multi_region: bool,
    pub organization_trail: bool,
    pub log_file_validation: bool,
    /// `KmsKeyId`: the KMS key that encrypts the log files, when SSE-KMS is on.
    pub kms_key_id: Option<String>,
    pub s3_bucket: Option<String>,
    /// `CloudWatchLogsLogGroupArn`: where the trail also delivers its events.
    pub log_group_arn: Option<String>,
    pub cloudwatch_logs_role_arn: Option<String>,
    pub status: Result<TrailStatus, AwsError>,
    pub selectors: Result<Selectors, AwsError>,
}

impl Trail {
    /// Whether `account_id` owns this trail (and so can change it).
    pub fn owned_by(&self, account_id: &str) -> bool {
        self.owner == account_id
    }

    /// Whose trail this is, for evidence: `"trail of this account"` or `"organization trail
    /// of account 111122223333"`.
    pub fn whose(&self, account_id: &str) -> String {
        match (self.owned_by(account_id), self.organization_trail) {
            (true, true) => "organization trail of this account".to_string(),
            (true, false) => "trail of this account".to_string(),
            (false, true) => format!("organization trail of account {}", self.owner),
            (false, false) => format!("trail of account {}", self.owner),
        }
    }

    /// `single-region trail` or `multi-region trail`, with whose it is.
    pub fn kind(&self, account_id: &str) -> String {
        format!(
            "{} {}",
            if self.multi_region {
                "multi-region"
            } else {
                "single-region"
            },
            self.whose(account_id)
        )
    }

    /// The region of the trail's CloudWatch Logs log group (the 4th field of its ARN).
    pub fn log_group_region(&self) -> Option<&str> {
        self.log_group_arn
            .as_deref()
            .and_then(|arn| arn.split(':').nth(3))
            .filter(|r| !r.is_empty())
    }

    /// The log group's name (`arn:...:log-group:<name>[:*]`).
    pub fn log_group_name(&self) -> Option<&str> {
        let arn = self.log_group_arn.as_deref()?;
        let rest = arn.split_once(":log-group:")?.1;
        Some(rest.strip_suffix(":*").unwrap_or(rest))
    }
}

/// Why a trail does not meet [`logs_all_management_events`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotCompliant {
    /// The trail was read and falls short: why, for evidence.
    #[error("{0}")]
    Fails(String),
    /// The trail's status or selectors could not be read: neither a pass nor a fail.
    #[error("{}", .0.message)]
    Unread(AwsError),
}

/// The shared judgement: the trail is multi-region, logging, and records every management
/// event, read and write. Basic selectors need `IncludeManagementEvents` true and
/// `ReadWriteType` `All` (or read-only and write-only selectors that together cover both),
/// with no excluded management event source; advanced selectors need `eventCategory`
/// `Management` selectors whose only other field, `readOnly`, together lets both kinds
/// through. A single-region trail never satisfies it.
pub fn logs_all_management_events(trail: &Trail) -> Result<(), NotCompliant> {
    if !trail.multi_region {
        return Err(NotCompliant::Fails(
            "it is a single-region trail (IsMultiRegionTrail is false)".to_string(),
        ));
    }
    let status = trail
        .status
        .as_ref()
        .map_err(|e| NotCompliant::Unread(e.clone()))?;
    if !status.is_logging {
        return Err(NotCompliant::Fails(
            "it is not logging (IsLogging is false)".to_string(),
        ));
    }
    let selectors = trail
        .selectors
        .as_ref()
        .map_err(|e| NotCompliant::Unread(e.clone()))?;
    management_events_shortfall(selectors).map_or(Ok(()), |why| Err(NotCompliant::Fails(why)))
}

/// Why the selectors do not record every management event, read and write, if they do not.
pub fn management_events_shortfall(selectors: &Selectors) -> Option<String> {
    let (mut read, mut write) = (false, false);
    let mut narrowed: Vec<String> = Vec::new();
    if !selectors.advanced.is_empty() {
        for selector in &selectors.advanced {
            if !selector.selects_category("Management") {
                continue;
            }
            let narrowing: Vec<String> = selector
                .fields
                .iter()
                .filter(|f| f.field != "eventCategory" && f.field != "readOnly")
                .map(FieldSelector::describe)
                .collect();
            if !narrowing.is_empty() {
                narrowed.push(format!(
                    "management selector {} narrows by {}",
                    selector.name.as_deref().unwrap_or("(unnamed)"),
                    narrowing.join(" and ")
                ));
                continue;
            }
            let (r, w) = selector.read_write();
            read |= r;
            write |= w;
        }
    } else {
        for selector in &selectors.basic {
            if !selector.include_management_events {
                continue;
            }
            if !selector.exclude_management_event_sources.is_empty() {
                narrowed.push(format!(
                    "a selector excludes management events of {}",
                    selector.exclude_management_event_sources.join(", ")
                ));
                continue;
            }
            match selector.read_write_type.as_str() {
                "All" => (read, write) = (true, true),
                "ReadOnly" => read = true,
                "WriteOnly" => write = true,
                _ => {}
            }
        }
    }
    if read && write {
        return None;
    }
    let missing = match (read, write) {
        (false, false) => "no management events",
        (true, false) => "read-only management events only (write events are not recorded)",
        _ => "write-only management events only (read events are not recorded)",
    };
    let kind = if selectors.advanced.is_empty() {
        "event selectors"
    } else {
        "advanced event selectors"
    };
    let mut why = format!("its {kind} record {missing}");
    if !narrowed.is_empty() {
        why.push_str(&format!("; {}", narrowed.join("; ")));
    }
    Some(why)
}

/// Which objects a trail's selectors log, for one kind of S3 object access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectCoverage {
    /// Every bucket's objects.
    AllBuckets,
    /// The objects of these buckets only (all or part of them).
    Buckets(Vec<String>),
    /// None, with why for evidence.
    Nothing(String),
}

/// Read or write S3 object events (object-level logging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAccess {
    Read,
    Write,
}

impl ObjectAccess {
    fn word(self) -> &'static str {
        match self {
            ObjectAccess::Read => "read",
            ObjectAccess::Write => "write",
        }
    }
}

/// The bucket whose every object an S3 object ARN prefix selects, `Some(None)` for every
/// bucket (`arn:<partition>:s3` or `arn:<partition>:s3:::`), `None` for a prefix that
/// selects only some keys of a bucket (or is not an S3 ARN).
fn bucket_of_prefix(value: &str) -> Option<Option<String>> {
    let rest = value.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    if rest == "s3" || rest == "s3:::" {
        return Some(None);
    }
    let path = rest.strip_prefix("s3:::")?;
    // `bucket/` (or `bucket`) is every object of the bucket; `bucket/logs/` only some.
    let bucket = path.strip_suffix('/').unwrap_or(path);
    (!bucket.is_empty() && !bucket.contains('/')).then(|| Some(bucket.to_string()))
}

/// Which buckets' object `access` events the selectors log.
pub fn s3_object_coverage(selectors: &Selectors, access: ObjectAccess) -> ObjectCoverage {
    let mut buckets: Vec<String> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    if !selectors.advanced.is_empty() {
        for selector in &selectors.advanced {
            let name = selector.name.as_deref().unwrap_or("(unnamed)");
            if !selector.selects_category("Data")
                || !selector
                    .field("resources.type")
                    .is_some_and(|f| f.admits("AWS::S3::Object"))
            {
                continue;
            }
            let (read, write) = selector.read_write();
            let wanted = match access {
                ObjectAccess::Read => read,
                ObjectAccess::Write => write,
            };
            if !wanted {
                why.push(format!(
                    "S3 object selector {name} excludes {} events ({})",
                    access.word(),
                    selector
                        .field("readOnly")
                        .map(FieldSelector::describe)
                        .unwrap_or_default()
                ));
                continue;
            }
            let others: Vec<&FieldSelector> = selector
                .fields
                .iter()
                .filter(|f| {
                    !matches!(
                        f.field.as_str(),
                        "eventCategory" | "resources.type" | "readOnly" | "resources.ARN"
                    )
                })
                .collect();
            if !others.is_empty() {
                why.push(format!(
                    "S3 object selector {name} narrows by {}",
                    others
                        .iter()
                        .map(|f| f.describe())
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
                continue;
            }
            match selector.field("resources.ARN") {
                None => return ObjectCoverage::AllBuckets,
                Some(arn)
                    if arn.not_equals.is_empty()
                        && arn.not_starts_with.is_empty()
                        && arn.not_ends_with.is_empty()
                        && arn.ends_with.is_empty() =>
                {
                    // `Equals` names single objects; only a prefix selects a bucket.
                    for value in &arn.starts_with {
                        match bucket_of_prefix(value) {
                            Some(None) => return ObjectCoverage::AllBuckets,
                            Some(Some(bucket)) => buckets.push(bucket),
                            None => {}
                        }
                    }
                }
                Some(arn) => why.push(format!(
                    "S3 object selector {name} narrows by {}",
                    arn.describe()
                )),
            }
        }
    } else {
        for selector in &selectors.basic {
            let covers = matches!(
                (selector.read_write_type.as_str(), access),
                ("All", _) | ("ReadOnly", ObjectAccess::Read) | ("WriteOnly", ObjectAccess::Write)
            );
            for resource in &selector.data_resources {
                if resource.resource_type != "AWS::S3::Object" {
                    continue;
                }
                if !covers {
                    why.push(format!(
                        "its S3 object data events are {}",
                        selector.read_write_type
                    ));
                    continue;
                }
                for value in &resource.values {
                    match bucket_of_prefix(value) {
                        Some(None) => return ObjectCoverage::AllBuckets,
                        Some(Some(bucket)) => buckets.push(bucket),
                        None => {}
                    }
                }
            }
        }
    }
    if !buckets.is_empty() {
        buckets.sort();
        buckets.dedup();
        return ObjectCoverage::Buckets(buckets);
    }
    if why.is_empty() {
        why.push(format!(
            "no event selector logs S3 object {} events",
            access.word()
        ));
    }
    ObjectCoverage::Nothing(why.join("; "))
}

/// The account's trails, one per ARN.
#[derive(Debug, Clone, Default)]
pub struct Trails {
    /// Sorted by ARN.
    pub trails: Vec<Trail>,
    /// Regions whose `DescribeTrails` failed: a single-region trail there may be unseen.
    pub unread_regions: Vec<(String, AwsError)>,
    /// Regions whose trails were listed.
    pub read_regions: Vec<String>,
}

impl Trails {
    /// The trails that meet [`logs_all_management_events`].
    pub fn compliant(&self) -> impl Iterator<Item = &Trail> {
        self.trails
            .iter()
            .filter(|t| logs_all_management_events(t).is_ok())
    }
}

/// The verdict of a control that judges every trail on its own: `judge` files each trail's
/// finding (its ARN, its home region); a region whose trails could not be listed is that
/// region's error; no trail at all fails. The rule is [`Findings`]'s: fail > error > pass.
pub fn judge_each_trail(
    account: &AwsAccount,
    subject: &str,
    trails: &Trails,
    mut judge: impl FnMut(&mut Findings, &Trail),
) -> Outcome {
    if trails.trails.is_empty() && trails.unread_regions.is_empty() {
        return Outcome::fail(
            "no CloudTrail trail in any region",
            vec![Evidence::new(
                format!(
                    "arn:{}:cloudtrail::{}:trails",
                    account.partition, account.account_id
                ),
                "cloudtrail:DescribeTrails lists no trail in any region",
            )],
        );
    }
    let mut findings = Findings::new(subject);
    for trail in &trails.trails {
        judge(&mut findings, trail);
    }
    for (region, error) in &trails.unread_regions {
        findings.unread(
            region,
            crate::regions::region_resource(region),
            error.to_detail(),
        );
    }
    findings.outcome()
}

/// The verdict of a control that judges the S3 bucket each trail delivers to: one finding
/// per bucket (its ARN, its region; the evidence names the trails that use it), `judge`
/// reading what it needs for each bucket concurrently. The bucket may belong to another
/// account (an organization's log archive): what cannot be read there, its location
/// included, is that bucket's *error* naming the action, never a fail. No trail at all
/// fails, as in [`judge_each_trail`].
pub async fn judge_trail_buckets<F, Fut>(account: &AwsAccount, trails: &Trails, judge: F) -> Outcome
where
    F: Fn(crate::data::s3::Bucket) -> Fut,
    Fut: std::future::Future<Output = Result<(bool, String), AwsError>>,
{
    if trails.trails.is_empty() && trails.unread_regions.is_empty() {
        return judge_each_trail(account, "trail buckets", trails, |_, _| {});
    }
    let mut by_bucket: BTreeMap<&str, Vec<&Trail>> = BTreeMap::new();
    let mut findings = Findings::new("trail buckets");
    for trail in &trails.trails {
        match trail.s3_bucket.as_deref().filter(|b| !b.is_empty()) {
            Some(bucket) => by_bucket.entry(bucket).or_default().push(trail),
            None => findings.fail(
                &trail.arn,
                Some(&trail.home_region),
                "the trail names no S3 bucket (S3BucketName is empty)",
            ),
        }
    }
    let judge = &judge;
    let verdicts =
        futures::future::join_all(by_bucket.into_iter().map(|(name, users)| async move {
            let bucket = crate::data::s3::locate_bucket(account, name).await;
            let verdict = judge(bucket.clone()).await;
            (bucket, users, verdict)
        }))
        .await;
    for (bucket, users, verdict) in verdicts {
        let arn = bucket.arn(account);
        let used_by = format!(
            "bucket of {}",
            users
                .iter()
                .map(|t| t.arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        match verdict {
            Ok((true, detail)) => {
                findings.pass(arn, Some(&bucket.region), format!("{used_by}: {detail}"))
            }
            Ok((false, detail)) => {
                findings.fail(arn, Some(&bucket.region), format!("{used_by}: {detail}"))
            }
            Err(error) => {
                let mut detail = error.to_detail();
                detail.message = format!("{used_by}: {}", detail.message);
                findings.unread(&bucket.region, arn, detail);
            }
        }
    }
    for (region, error) in &trails.unread_regions {
        findings.unread(
            region,
            crate::regions::region_resource(region),
            error.to_detail(),
        );
    }
    findings.outcome()
}

/// One region's `DescribeTrails` answer.
const REGION_TRAILS: DataKey<Vec<aws_sdk_cloudtrail::types::Trail>> = DataKey::new(DESCRIBE_TRAILS);
/// One trail's status, scoped by its ARN.
const TRAIL_STATUS: DataKey<TrailStatus> = DataKey::new(GET_TRAIL_STATUS);
/// One trail's selectors, scoped by its ARN.
const TRAIL_SELECTORS: DataKey<Selectors> = DataKey::new(GET_EVENT_SELECTORS);
/// The joined view.
const TRAILS: DataKey<Trails> = DataKey::new("cloudtrail:Trails");

/// The region of a trail ARN (`arn:aws:cloudtrail:<region>:<account>:trail/<name>`) and its
/// account.
fn arn_region_and_account(arn: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = arn.split(':');
    let region = parts.nth(3).filter(|s| !s.is_empty());
    let account = parts.next().filter(|s| !s.is_empty());
    (region, account)
}

/// The error with the region it happened in, for evidence.
pub fn in_region(mut error: AwsError, region: &str) -> AwsError {
    error.message = format!("{} (in {region})", error.message);
    error
}

fn to_chrono(time: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

/// A trail's status, read in its home region.
pub async fn read_trail_status(
    account: &AwsAccount,
    home_region: &str,
    arn: &str,
) -> Result<TrailStatus, AwsError> {
    let client = account.client::<aws_sdk_cloudtrail::Client>(home_region);
    let out = client
        .get_trail_status()
        .name(arn)
        .send()
        .await
        .map_err(|e| in_region(AwsError::from_sdk(GET_TRAIL_STATUS, e), home_region))?;
    Ok(TrailStatus {
        is_logging: out.is_logging().unwrap_or(false),
        latest_cloudwatch_logs_delivery: out
            .latest_cloud_watch_logs_delivery_time()
            .and_then(to_chrono),
        latest_cloudwatch_logs_delivery_error: out
            .latest_cloud_watch_logs_delivery_error()
            .filter(|e| !e.is_empty())
            .map(str::to_string),
    })
}

/// A trail's event selectors, read in its home region.
pub async fn read_selectors(
    account: &AwsAccount,
    home_region: &str,
    arn: &str,
) -> Result<Selectors, AwsError> {
    let client = account.client::<aws_sdk_cloudtrail::Client>(home_region);
    let out = client
        .get_event_selectors()
        .trail_name(arn)
        .send()
        .await
        .map_err(|e| in_region(AwsError::from_sdk(GET_EVENT_SELECTORS, e), home_region))?;
    Ok(Selectors {
        basic: out
            .event_selectors()
            .iter()
            .map(|s| EventSelector {
                read_write_type: s
                    .read_write_type()
                    .map(ReadWriteType::as_str)
                    .unwrap_or("All")
                    .to_string(),
                include_management_events: s.include_management_events().unwrap_or(true),
                exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
                data_resources: s
                    .data_resources()
                    .iter()
                    .map(|r| DataResource {
                        resource_type: r.r#type().unwrap_or_default().to_string(),
                        values: r.values().to_vec(),
                    })
                    .collect(),
            })
            .collect(),
        advanced: out
            .advanced_event_selectors()
            .iter()
            .map(|s| AdvancedSelector {
                name: s.name().map(str::to_string),
                fields: s
                    .field_selectors()
                    .iter()
                    .map(|f| FieldSelector {
                        field: f.field().to_string(),
                        equals: f.equals().to_vec(),
                        starts_with: f.starts_with().to_vec(),
                        ends_with: f.ends_with().to_vec(),
                        not_equals: f.not_equals().to_vec(),
                        not_starts_with: f.not_starts_with().to_vec(),
                        not_ends_with: f.not_ends_with().to_vec(),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The account's trails with their status and selectors, read once per run.
pub async fn trails(account: &AwsAccount) -> Result<Arc<Trails>, ErrorDetail> {
    account
        // Boxed: the joined fetch nests deep enough to overflow the compiler's layout query.
        .fetch_once(&TRAILS, || Box::pin(read_trails(account)))
        .await
        .map_err(ErrorDetail::from)
}

async fn read_trails(account: &AwsAccount) -> Result<Trails, AwsError> {
    let listed = account
        .in_each_region(&REGION_TRAILS, |region| async move {
            let client = account.client::<aws_sdk_cloudtrail::Client>(&region);
            let out = client
                .describe_trails()
                .include_shadow_trails(true)
                .send()
                .await
                // Filed under its region by `in_each_region`: the message need not repeat it.
                .map_err(|e| AwsError::from_sdk(DESCRIBE_TRAILS, e))?;
            Ok(out.trail_list().to_vec())
        })
        .await?;
    let mut out = Trails::default();
    // Keyed by ARN: a multi-region trail is listed by every region.
    let mut by_arn: BTreeMap<String, (String, aws_sdk_cloudtrail::types::Trail)> = BTreeMap::new();
    for region in listed {
        match region.data {
            Ok(list) => {
                out.read_regions.push(region.region.clone());
                for trail in list.iter() {
                    let Some(arn) = trail.trail_arn().filter(|a| !a.is_empty()) else {
                        continue;
                    };
                    by_arn
                        .entry(arn.to_string())
                        .or_insert_with(|| (region.region.clone(), trail.clone()));
                }
            }
            Err(error) => out.unread_regions.push((region.region, error)),
        }
    }
    let reads = by_arn
        .into_iter()
        .map(|(arn, (listed_in, trail))| async move {
            let (arn_region, arn_account) = arn_region_and_account(&arn);
            let home_region = trail
                .home_region()
                .filter(|r| !r.is_empty())
                .or(arn_region)
                .unwrap_or(&listed_in)
                .to_string();
            let owner = arn_account.unwrap_or(&account.account_id).to_string();
            let status = account
                .fetch_limited(&TRAIL_STATUS, &arn, || {
                    read_trail_status(account, &home_region, &arn)
                })
                .await
                .map(|s| (*s).clone());
            let selectors = account
                .fetch_limited(&TRAIL_SELECTORS, &arn, || {
                    read_selectors(account, &home_region, &arn)
                })
                .await
                .map(|s| (*s).clone());
            let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
            Trail {
                name: trail.name().unwrap_or_default().to_string(),
                owner,
                multi_region: trail.is_multi_region_trail().unwrap_or(false),
                organization_trail: trail.is_organization_trail().unwrap_or(false),
                log_file_validation: trail.log_file_validation_enabled().unwrap_or(false),
                kms_key_id: text(trail.kms_key_id()),
                s3_bucket: text(trail.s3_bucket_name()),
                log_group_arn: text(trail.cloud_watch_logs_log_group_arn()),
                cloudwatch_logs_role_arn: text(trail.cloud_watch_logs_role_arn()),
                status,
                selectors,
                home_region,
                arn,
            }
        });
    out.trails = futures::future::join_all(reads).await;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, equals: &[&str]) -> FieldSelector {
        FieldSelector {
            field: name.to_string(),
            equals: equals.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn advanced(fields: Vec<FieldSelector>) -> Selectors {
        Selectors {
            basic: Vec::new(),
            advanced: vec![AdvancedSelector {
                name: Some("s".to_string()),
                fields,
            }],
        }
    }

    fn basic(read_write: &str, management: bool, data: &[(&str, &[&str])]) -> EventSelector {
        EventSelector {
            read_write_type: read_write.to_string(),
            include_management_events: management,
            exclude_management_event_sources: Vec::new(),
            data_resources: data
                .iter()
                .map(|(t, v)| DataResource {
                    resource_type: t.to_string(),
                    values: v.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn trail(multi_region: bool, logging: bool, selectors: Selectors) -> Trail {
        Trail {
            arn: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t".to_string(),
            name: "t".to_string(),
            home_region: "eu-west-1".to_string(),
            owner: "111122223333".to_string(),
            multi_region,
            organization_trail: false,
            log_file_validation: false,
            kms_key_id: None,
            s3_bucket: None,
            log_group_arn: Some(
                "arn:aws:logs:eu-west-1:111122223333:log-group:ct-logs:*".to_string(),
            ),
            cloudwatch_logs_role_arn: None,
            status: Ok(TrailStatus {
                is_logging: logging,
                ..Default::default()
            }),
            selectors: Ok(selectors),
        }
    }

    #[test]
    fn basic_selectors_need_all_management_events() {
        let all = Selectors {
            basic: vec![basic("All", true, &[])],
            advanced: vec![],
        };
        assert_eq!(
            logs_all_management_events(&trail(true, true, all.clone())),
            Ok(())
        );
        let why = |t: Trail| {
            logs_all_management_events(&t)
                .expect_err("fails")
                .to_string()
        };
        assert!(why(trail(false, true, all.clone())).contains("single-region"));
        assert!(why(trail(true, false, all)).contains("not logging"));
        let read_only = Selectors {
            basic: vec![basic("ReadOnly", true, &[])],
            advanced: vec![],
        };
        assert!(why(trail(true, true, read_only)).contains("read-only"));
        let split = Selectors {
            basic: vec![basic("ReadOnly", true, &[]), basic("WriteOnly", true, &[])],
            advanced: vec![],
        };
        assert_eq!(
            logs_all_management_events(&trail(true, true, split)),
            Ok(())
        );
        let none = Selectors {
            basic: vec![basic("All", false, &[])],
            advanced: vec![],
        };
        assert!(why(trail(true, true, none)).contains("no management events"));
        let mut excluded = basic("All", true, &[]);
        excluded.exclude_management_event_sources = vec!["kms.amazonaws.com".to_string()];
        let excluded = Selectors {
            basic: vec![excluded],
            advanced: vec![],
        };
        assert!(why(trail(true, true, excluded)).contains("kms.amazonaws.com"));
        assert!(why(trail(true, true, Selectors::default())).contains("no management"));
    }

    #[test]
    fn advanced_management_selectors_must_not_narrow_by_read_only() {
        let ok = advanced(vec![field("eventCategory", &["Management"])]);
        assert_eq!(logs_all_management_events(&trail(true, true, ok)), Ok(()));
        let read_only = advanced(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true"]),
        ]);
        let why = logs_all_management_events(&trail(true, true, read_only))
            .expect_err("fails")
            .to_string();
        assert!(why.contains("read-only"), "{why}");
        let narrowed = advanced(vec![
            field("eventCategory", &["Management"]),
            FieldSelector {
                field: "eventSource".to_string(),
                not_equals: vec!["kms.amazonaws.com".to_string()],
                ..Default::default()
            },
        ]);
        let why = logs_all_management_events(&trail(true, true, narrowed))
            .expect_err("fails")
            .to_string();
        assert!(
            why.contains("eventSource NotEquals [kms.amazonaws.com]"),
            "{why}"
        );
    }

    #[test]
    fn unreadable_status_is_not_a_shortfall() {
        let mut t = trail(true, true, Selectors::default());
        t.status = Err(AwsError {
            code: "AccessDenied".to_string(),
            message: "denied".to_string(),
            action: GET_TRAIL_STATUS.to_string(),
            access_denied: true,
        });
        assert!(matches!(
            logs_all_management_events(&t),
            Err(NotCompliant::Unread(_))
        ));
    }

    #[test]
    fn s3_object_coverage_reads_basic_and_advanced_selectors() {
        let all = Selectors {
            basic: vec![basic(
                "WriteOnly",
                true,
                &[("AWS::S3::Object", &["arn:aws:s3"])],
            )],
            advanced: vec![],
        };
        assert_eq!(
            s3_object_coverage(&all, ObjectAccess::Write),
            ObjectCoverage::AllBuckets
        );
        assert!(matches!(
            s3_object_coverage(&all, ObjectAccess::Read),
            ObjectCoverage::Nothing(_)
        ));
        let listed = Selectors {
            basic: vec![basic(
                "All",
                true,
                &[(
                    "AWS::S3::Object",
                    &["arn:aws:s3:::b1/", "arn:aws:s3:::b2/logs"],
                )],
            )],
            advanced: vec![],
        };
        assert_eq!(
            s3_object_coverage(&listed, ObjectAccess::Read),
            ObjectCoverage::Buckets(vec!["b1".to_string()]),
            "b2/logs selects only some of b2's objects"
        );
        let trailing = Selectors {
            basic: vec![basic(
                "All",
                true,
                &[("AWS::S3::Object", &["arn:aws:s3:::"])],
            )],
            advanced: vec![],
        };
        assert_eq!(
            s3_object_coverage(&trailing, ObjectAccess::Write),
            ObjectCoverage::AllBuckets
        );
        // Prowler passes the write check on this read-only selector.
        let read_only = advanced(vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
            field("readOnly", &["true"]),
        ]);
        assert_eq!(
            s3_object_coverage(&read_only, ObjectAccess::Read),
            ObjectCoverage::AllBuckets
        );
        match s3_object_coverage(&read_only, ObjectAccess::Write) {
            ObjectCoverage::Nothing(why) => assert!(why.contains("excludes write"), "{why}"),
            other => panic!("{other:?}"),
        }
        let by_arn = advanced(vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
            FieldSelector {
                field: "resources.ARN".to_string(),
                starts_with: vec!["arn:aws:s3:::b3/".to_string()],
                ..Default::default()
            },
        ]);
        assert_eq!(
            s3_object_coverage(&by_arn, ObjectAccess::Write),
            ObjectCoverage::Buckets(vec!["b3".to_string()])
        );
        let narrowed = advanced(vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
            field("eventName", &["PutObject"]),
        ]);
        assert!(matches!(
            s3_object_coverage(&narrowed, ObjectAccess::Write),
            ObjectCoverage::Nothing(_)
        ));
    }

    #[test]
    fn log_group_region_and_name_come_from_its_arn() {
        let t = trail(true, true, Selectors::default());
        assert_eq!(t.log_group_region(), Some("eu-west-1"));
        assert_eq!(t.log_group_name(), Some("ct-logs"));
        assert_eq!(
            arn_region_and_account("arn:aws:cloudtrail:us-west-2:999:trail/x"),
            (Some("us-west-2"), Some("999"))
        );
    }
}
