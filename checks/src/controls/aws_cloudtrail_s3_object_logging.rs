//! A family of two: S3 object-level logging of write events and of read events, each bucket
//! covered by a logging multi-region trail's data-event selectors.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ControlMeta, Described, ErrorDetail, Evidence, Findings, Input, NoParameters, Outcome,
};

use crate::account::AwsAccount;
use crate::data::cloudtrail::{s3_object_coverage, trails, ObjectAccess, ObjectCoverage, Trails};
use crate::data::s3::buckets;

/// The rule: every bucket's object events of one kind are logged by a multi-region trail
/// that is logging.
pub struct S3ObjectLogging {
    pub meta: ControlMeta,
    pub access: ObjectAccess,
}

impl Described for S3ObjectLogging {
    type Target = AwsAccount;
    type Parameters = NoParameters;

    fn meta(&self) -> &ControlMeta {
        &self.meta
    }
}

/// What the account's trails log for one kind of object access.
#[derive(Debug, Default)]
struct Logged {
    /// A trail that logs every bucket's objects, if any.
    all_buckets: Option<String>,
    /// Buckets named by a trail's selectors, with the trail that names them.
    buckets: Vec<(String, String)>,
    /// Multi-region trails that could not be read, as errors.
    unread: Vec<(String, ErrorDetail)>,
    /// Why each trail does not count, for the evidence of an uncovered bucket.
    not_counted: Vec<String>,
}

impl Logged {
    fn of(trails: &Trails, access: ObjectAccess, me: &str) -> Logged {
        let mut logged = Logged::default();
        for trail in &trails.trails {
            let kind = trail.kind(me);
            if !trail.multi_region {
                logged
                    .not_counted
                    .push(format!("{} ({kind}): not multi-region", trail.arn));
                continue;
            }
            let status = match &trail.status {
                Ok(status) => status,
                Err(error) => {
                    logged
                        .unread
                        .push((trail.home_region.clone(), error.to_detail()));
                    continue;
                }
            };
            if !status.is_logging {
                logged
                    .not_counted
                    .push(format!("{} ({kind}): not logging", trail.arn));
                continue;
            }
            let selectors = match &trail.selectors {
                Ok(selectors) => selectors,
                Err(error) => {
                    logged
                        .unread
                        .push((trail.home_region.clone(), error.to_detail()));
                    continue;
                }
            };
            match s3_object_coverage(selectors, access) {
                ObjectCoverage::AllBuckets => {
                    logged.all_buckets.get_or_insert_with(|| trail.arn.clone());
                }
                ObjectCoverage::Buckets(names) => logged
                    .buckets
                    .extend(names.into_iter().map(|name| (name, trail.arn.clone()))),
                ObjectCoverage::Nothing(why) => {
                    logged
                        .not_counted
                        .push(format!("{} ({kind}): {why}", trail.arn));
                }
            }
        }
        logged
    }

    fn trail_for(&self, bucket: &str) -> Option<&str> {
        self.all_buckets.as_deref().or_else(|| {
            self.buckets
                .iter()
                .find(|(name, _)| name == bucket)
                .map(|(_, trail)| trail.as_str())
        })
    }
}

#[async_trait]
impl Audit for S3ObjectLogging {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let word = match self.access {
            ObjectAccess::Read => "read",
            ObjectAccess::Write => "write",
        };
        let trails = trails(account).await?;
        if trails.read_regions.is_empty() {
            if let Some((_, error)) = trails.unread_regions.first() {
                return Ok(Outcome::error(error.to_detail()));
            }
        }
        let buckets = buckets(account).await.map_err(|e| e.to_detail())?;
        let logged = Logged::of(&trails, self.access, &account.account_id);
        if buckets.is_empty() {
            return Ok(Outcome::pass(
                "the account has no S3 bucket",
                vec![Evidence::new(
                    format!("arn:{}:s3:::*", account.partition),
                    match &logged.all_buckets {
                        Some(trail) => format!("{trail} logs object {word} events of every bucket"),
                        None => "s3:ListBuckets lists no bucket".to_string(),
                    },
                )],
            ));
        }
        let why_not = if logged.not_counted.is_empty() {
            "no multi-region trail logs them".to_string()
        } else {
            logged.not_counted.join("; ")
        };
        let mut findings = Findings::new("buckets");
        for bucket in buckets.iter() {
            let arn = bucket.arn(account);
            let region = Some(bucket.region.as_str());
            match logged.trail_for(&bucket.name) {
                Some(trail) => findings.pass(
                    arn,
                    region,
                    format!("object {word} events logged by {trail}"),
                ),
                // An unreadable multi-region trail may be the one that logs this bucket.
                None if !logged.unread.is_empty() => {
                    let (trail_region, error) = &logged.unread[0];
                    findings.unread(trail_region, arn, error.clone());
                }
                None => findings.fail(
                    arn,
                    region,
                    format!("object {word} events are not logged: {why_not}"),
                ),
            }
        }
        Ok(findings.outcome())
    }
}

cisrun_core::family_member! {
    /// ## Description
    /// S3 object-level API calls that change data (`PutObject`, `DeleteObject`,
    /// `CopyObject` and the like) are CloudTrail *data events*, which trails do not record
    /// unless their event selectors ask for them. Record them for every bucket.
    ///
    /// ## Rationale
    /// Without them nobody can tell who wrote, overwrote or deleted an object: the
    /// management events show only changes to the bucket itself.
    ///
    /// ## Impact
    /// Data events are charged per 100,000 events delivered, and busy buckets produce many.
    ///
    /// ## Audit
    /// The account's trails as `aws-cloudtrail-multi-region` reads them (every enabled
    /// region, one per ARN, status and selectors read in the home region), and every bucket
    /// of `s3:ListBuckets`. A bucket passes when a trail that is multi-region
    /// (`IsMultiRegionTrail`) and logging (`IsLogging`) logs write events of its objects:
    ///
    /// - basic selectors: a data resource of type `AWS::S3::Object` whose values hold
    ///   `arn:<partition>:s3` (every bucket) or `arn:<partition>:s3:::<bucket>/`, in a
    ///   selector whose `ReadWriteType` is `WriteOnly` or `All`;
    /// - advanced selectors: `eventCategory` equals `Data`, `resources.type` admits
    ///   `AWS::S3::Object`, the `readOnly` field (if any) lets `false` through, no other
    ///   field narrows the events, and `resources.ARN` (if any) only selects buckets by
    ///   prefix or by name.
    ///
    /// A single-region trail never counts, and neither does one that has stopped logging.
    /// **fail** for each bucket no such trail covers, with why each trail does not count;
    /// **error** for an uncovered bucket when a multi-region trail's status or selectors
    /// could not be read (that trail may be the one that covers it), or when no region's
    /// trails could be listed. An account with no bucket passes. Prowler passes any trail
    /// with an `AWS::S3::Object` advanced selector, even one that records only reads, and
    /// does not ask whether the trail is logging or multi-region.
    ///
    /// ## Remediation
    /// On a multi-region trail: `aws cloudtrail put-event-selectors --trail-name <trail>
    /// --advanced-event-selectors '[{"Name":"Management","FieldSelectors":[{"Field":
    /// "eventCategory","Equals":["Management"]}]},{"Name":"S3 writes","FieldSelectors":
    /// [{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":
    /// ["AWS::S3::Object"]},{"Field":"readOnly","Equals":["false"]}]}]'` (keep the
    /// management selector, or the trail stops recording management events).
    ///
    /// ## Default value
    /// Trails record no data events.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
    S3ObjectLogging {
        id: "aws-cloudtrail-s3-object-write-logging",
        title: "Ensure that Object-level logging for write events is enabled for S3 bucket",
        permissions: [
            crate::regions::DESCRIBE_REGIONS,
            crate::data::cloudtrail::DESCRIBE_TRAILS,
            crate::data::cloudtrail::GET_TRAIL_STATUS,
            crate::data::cloudtrail::GET_EVENT_SELECTORS,
            crate::data::s3::LIST_BUCKETS,
            crate::data::s3::GET_BUCKET_LOCATION,
        ],
        access: ObjectAccess::Write,
    }
}

cisrun_core::family_member! {
    /// ## Description
    /// S3 object-level API calls that read data (`GetObject`, `HeadObject`,
    /// `GetObjectAcl` and the like) are CloudTrail *data events*, which trails do not
    /// record unless their event selectors ask for them. Record them for every bucket.
    ///
    /// ## Rationale
    /// Without them nobody can tell who read an object: the question every data-leak
    /// investigation asks first.
    ///
    /// ## Impact
    /// Data events are charged per 100,000 events delivered; read events usually outnumber
    /// writes by far.
    ///
    /// ## Audit
    /// As `aws-cloudtrail-s3-object-write-logging`, for read events: a basic selector's
    /// `ReadWriteType` must be `ReadOnly` or `All`, and an advanced selector's `readOnly`
    /// field (if any) must let `true` through. A bucket passes when a multi-region trail
    /// that is logging logs read events of its objects; **fail** for each bucket none
    /// covers; **error** for an uncovered bucket when a multi-region trail could not be
    /// read. An account with no bucket passes.
    ///
    /// ## Remediation
    /// On a multi-region trail, add an advanced event selector with `eventCategory`
    /// `Data`, `resources.type` `AWS::S3::Object` and `readOnly` `true` (or no `readOnly`
    /// field, for reads and writes), keeping the management-event selector.
    ///
    /// ## Default value
    /// Trails record no data events.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
    S3ObjectLogging {
        id: "aws-cloudtrail-s3-object-read-logging",
        title: "Ensure that Object-level logging for read events is enabled for S3 bucket",
        permissions: [
            crate::regions::DESCRIBE_REGIONS,
            crate::data::cloudtrail::DESCRIBE_TRAILS,
            crate::data::cloudtrail::GET_TRAIL_STATUS,
            crate::data::cloudtrail::GET_EVENT_SELECTORS,
            crate::data::s3::LIST_BUCKETS,
            crate::data::s3::GET_BUCKET_LOCATION,
        ],
        access: ObjectAccess::Read,
    }
}
