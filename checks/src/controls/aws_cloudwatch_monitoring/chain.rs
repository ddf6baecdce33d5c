//! The monitoring chain: a compliant multi-region trail, its CloudWatch Logs log group, a
//! metric filter whose pattern covers the benchmark's, an alarm on the filter's metric, an
//! SNS topic among the alarm's actions, and a confirmed subscriber of that topic.
//!
//! [`monitoring_data`] reads everything the chain needs once per account, whatever the
//! pattern: the trails, the metric filters of every compliant trail's log group, the alarms
//! of each such log group's region, and the subscriptions of every topic an alarm on one of
//! those filters notifies. Every monitoring control then walks the same data with its own
//! pattern ([`walk`]), so fifteen controls cost the requests of one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cisrun_core::{ErrorDetail, Evidence};
use cisrun_filter_pattern::cis::CisPattern;
use cisrun_filter_pattern::{covers, parse, Coverage, Pattern};
use futures::future::join_all;

use crate::account::{AwsAccount, DataKey};
use crate::aws::AwsError;
use crate::data::cloudtrail::{self, logs_all_management_events, NotCompliant, Trail, Trails};
use crate::data::cloudwatch::{self, MetricAlarm};
use crate::data::logs::{self, LogGroupFilters, MetricFilter};
use crate::data::sns::{self, TopicSubscriptions};

/// A log group by region and name.
pub type LogGroupKey = (String, String);

/// What the monitoring chain reads of one account, once.
#[derive(Debug)]
pub struct MonitoringData {
    pub trails: Arc<Trails>,
    /// The metric filters of each compliant trail's log group.
    pub filters: BTreeMap<LogGroupKey, Result<Arc<LogGroupFilters>, AwsError>>,
    /// The metric alarms of each region holding such a log group with filters.
    pub alarms: BTreeMap<String, Result<Arc<Vec<MetricAlarm>>, AwsError>>,
    /// The subscriptions of each topic an alarm on one of those filters notifies.
    pub subscriptions: BTreeMap<String, Result<Arc<TopicSubscriptions>, AwsError>>,
}

/// The joined view, once per account.
const MONITORING: DataKey<MonitoringData> = DataKey::new("cloudwatch:MonitoringChain");

/// The chain's data, read once per account and run.
pub async fn monitoring_data(account: &AwsAccount) -> Result<Arc<MonitoringData>, ErrorDetail> {
    let trails = cloudtrail::trails(account).await?;
    account
        // Boxed: the joined fetch nests deep enough to overflow the compiler's layout query.
        .fetch_once(&MONITORING, || Box::pin(read(account, trails)))
        .await
        .map_err(ErrorDetail::from)
}

/// Where a trail delivers, when its log group can be read from `account_id`.
enum Delivery {
    None,
    /// The log group lives in another account (an organization trail's, seen from a member).
    OtherAccount {
        arn: String,
        owner: String,
    },
    /// `CloudWatchLogsLogGroupArn` is not an ARN cisrun can use.
    Malformed(String),
    Group(LogGroupKey),
}

fn delivery(trail: &Trail, account_id: &str) -> Delivery {
    let Some(arn) = trail.log_group_arn.as_deref() else {
        return Delivery::None;
    };
    let owner = arn.split(':').nth(4).unwrap_or_default();
    let region = trail
        .log_group_region()
        .filter(|r| crate::accounts::is_region_code(r));
    match (region, trail.log_group_name().filter(|n| !n.is_empty())) {
        (Some(region), Some(name)) if owner == account_id => {
            Delivery::Group((region.to_string(), name.to_string()))
        }
        (Some(_), Some(_)) if !owner.is_empty() => Delivery::OtherAccount {
            arn: arn.to_string(),
            owner: owner.to_string(),
        },
        _ => Delivery::Malformed(arn.to_string()),
    }
}

/// The log group the fix writes to: that of the first compliant trail (by ARN) whose log
/// group is in the audited account, with the trail's name.
pub fn delivery_group(
    account: &AwsAccount,
    data: &MonitoringData,
) -> Option<(String, LogGroupKey)> {
    data.trails
        .compliant()
        .find_map(|trail| match delivery(trail, &account.account_id) {
            Delivery::Group(key) => Some((trail.name.clone(), key)),
            _ => None,
        })
}

async fn read(account: &AwsAccount, trails: Arc<Trails>) -> Result<MonitoringData, AwsError> {
    let groups: BTreeSet<LogGroupKey> = trails
        .compliant()
        .filter_map(|trail| match delivery(trail, &account.account_id) {
            Delivery::Group(key) => Some(key),
            _ => None,
        })
        .collect();
    let filters: BTreeMap<LogGroupKey, _> = join_all(groups.into_iter().map(|key| async move {
        let filters = logs::metric_filters(account, &key.0, &key.1).await;
        (key, filters)
    }))
    .await
    .into_iter()
    .collect();
    // Alarms only where a log group has a filter that publishes a metric.
    let regions: BTreeSet<String> = filters
        .iter()
        .filter(|(_, f)| {
            f.as_ref()
                .is_ok_and(|f| f.filters.iter().any(|f| !f.transformations.is_empty()))
        })
        .map(|((region, _), _)| region.clone())
        .collect();
    let alarms: BTreeMap<String, _> = join_all(regions.into_iter().map(|region| async move {
        let alarms = cloudwatch::alarms(account, &region).await;
        (region, alarms)
    }))
    .await
    .into_iter()
    .collect();
    let mut topics: BTreeSet<String> = BTreeSet::new();
    for ((region, _), group) in &filters {
        let (Ok(group), Some(Ok(alarms))) = (group, alarms.get(region)) else {
            continue;
        };
        for transformation in group.filters.iter().flat_map(|f| &f.transformations) {
            for alarm in alarms
                .iter()
                .filter(|a| a.watches(&transformation.metric_name, &transformation.namespace))
            {
                topics.extend(alarm.sns_topics().map(str::to_string));
            }
        }
    }
    let subscriptions: BTreeMap<String, _> = join_all(topics.into_iter().map(|topic| async move {
        let subscriptions = sns::subscriptions(account, &topic).await;
        (topic, subscriptions)
    }))
    .await
    .into_iter()
    .collect();
    Ok(MonitoringData {
        trails,
        filters,
        alarms,
        subscriptions,
    })
}

/// One pattern an account filter may cover to comply, parsed.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub entry: &'static CisPattern,
    pub pattern: Pattern,
}

/// The links of the chain, in the order the audit walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Link {
    Trail,
    LogGroup,
    Filter,
    Alarm,
    Topic,
    Subscriber,
}

impl Link {
    /// What is missing when this link is, for the outcome's message.
    pub fn missing(self) -> &'static str {
        match self {
            Link::Trail => {
                "no multi-region trail that is logging and records all management events"
            }
            Link::LogGroup => "no compliant trail delivers to a CloudWatch Logs log group",
            Link::Filter => {
                "no metric filter on the trail's log group covers the benchmark's pattern"
            }
            Link::Alarm => "no alarm watches the metric of a covering filter",
            Link::Topic => "no alarm on a covering filter notifies an SNS topic",
            Link::Subscriber => "no topic those alarms notify has a confirmed subscriber",
        }
    }
}

/// A chain that holds from the trail to a subscriber.
#[derive(Debug, Clone)]
pub struct Complete {
    pub evidence: Vec<Evidence>,
    /// `filter F -> alarm A -> topic T -> email:x`, for the message.
    pub summary: String,
    /// Things to know that do not change the verdict.
    pub notes: Vec<String>,
}

/// How far one walk got.
#[derive(Debug, Clone)]
pub enum Walk {
    Complete(Complete),
    /// The chain stops at `missing`; the evidence says where and why.
    Broken {
        missing: Link,
        evidence: Vec<Evidence>,
    },
    /// Something on the way could not be read (or decided): neither a pass nor a fail.
    Unread {
        error: ErrorDetail,
        evidence: Vec<Evidence>,
    },
}

impl Walk {
    fn broken(missing: Link, resource: impl Into<String>, detail: impl Into<String>) -> Walk {
        Walk::Broken {
            missing,
            evidence: vec![Evidence::new(resource, detail)],
        }
    }

    fn unread(error: ErrorDetail, resource: impl Into<String>) -> Walk {
        let evidence = vec![Evidence::new(
            resource,
            format!("could not be read: {}", error.message),
        )];
        Walk::Unread { error, evidence }
    }

    fn prepend(mut self, first: Evidence) -> Walk {
        match &mut self {
            Walk::Complete(Complete { evidence, .. })
            | Walk::Broken { evidence, .. }
            | Walk::Unread { evidence, .. } => evidence.insert(0, first),
        }
        self
    }
}

/// The best of several walks: any complete one; else, if any could not be read, that (an
/// unread branch might have completed the chain); else the one that got furthest, with the
/// evidence of every branch that stopped there.
fn best(walks: Vec<Walk>) -> Option<Walk> {
    let mut furthest: Option<(Link, Vec<Evidence>)> = None;
    let mut unread: Option<(ErrorDetail, Vec<Evidence>)> = None;
    for walk in walks {
        match walk {
            Walk::Complete(complete) => return Some(Walk::Complete(complete)),
            Walk::Unread { error, evidence } => match &mut unread {
                None => unread = Some((error, evidence)),
                Some((_, all)) => all.extend(evidence),
            },
            Walk::Broken { missing, evidence } => match &mut furthest {
                Some((link, all)) if *link == missing => all.extend(evidence),
                Some((link, _)) if *link > missing => {}
                _ => furthest = Some((missing, evidence)),
            },
        }
    }
    if let Some((error, mut evidence)) = unread {
        if let Some((_, broken)) = furthest {
            evidence.extend(broken);
        }
        return Some(Walk::Unread { error, evidence });
    }
    furthest.map(|(missing, evidence)| Walk::Broken { missing, evidence })
}

/// Whether one filter's pattern covers one of `required`.
#[derive(Debug, Clone)]
pub enum FilterCoverage {
    /// It covers this requirement.
    Covered(&'static CisPattern),
    /// It misses events the requirement matches: why (the narrowing clause).
    NotCovered(String),
    /// Its pattern cannot be read or the question is too large: why.
    Undecided(String),
}

/// Decides whether `pattern` (an account filter's) covers one of `required`.
pub fn filter_coverage(pattern: &str, required: &[Requirement]) -> FilterCoverage {
    let Some(first) = required.first() else {
        return FilterCoverage::Undecided("no benchmark pattern to compare with".to_string());
    };
    // AWS: an empty pattern matches every log event.
    if pattern.trim().is_empty() {
        return FilterCoverage::Covered(first.entry);
    }
    let filter = match parse(pattern) {
        Ok(filter) => filter,
        Err(error) => {
            return FilterCoverage::Undecided(format!("its pattern cannot be read ({error})"))
        }
    };
    let mut gap: Option<String> = None;
    let mut undecided: Option<String> = None;
    for requirement in required {
        match covers(&filter, &requirement.pattern) {
            Coverage::Covered => return FilterCoverage::Covered(requirement.entry),
            Coverage::NotCovered(found) => {
                gap.get_or_insert_with(|| found.to_string());
            }
            decided @ Coverage::NotDecided(_) => {
                undecided.get_or_insert_with(|| decided.to_string());
            }
        }
    }
    match (undecided, gap) {
        (Some(why), _) => FilterCoverage::Undecided(why),
        (None, Some(gap)) => FilterCoverage::NotCovered(gap),
        (None, None) => FilterCoverage::Undecided("nothing was compared".to_string()),
    }
}

/// A defect note when `filter` also matches what a defective published pattern lets
/// through and its correction excludes.
fn defect_note(filter: &MetricFilter, entry: &CisPattern) -> Option<String> {
    let corrected = parse(entry.corrected?).ok()?;
    let published = parse(entry.published).ok()?;
    let filter_pattern = parse(&filter.pattern).ok()?;
    let broader = !covers(&corrected, &published).is_covered();
    (broader && covers(&filter_pattern, &published).is_covered()).then(|| {
        format!(
            "metric filter {} also matches what the benchmark's published pattern matches by \
             a defect, which its correction excludes: {}",
            filter.name, entry.note
        )
    })
}

/// The evidence resource of a log group.
fn log_group_resource(account: &AwsAccount, (region, name): &LogGroupKey) -> String {
    format!(
        "arn:{}:logs:{region}:{}:log-group:{name}",
        account.partition, account.account_id
    )
}

fn detail_of(error: &AwsError) -> ErrorDetail {
    error.to_detail()
}

/// Walks the chain of every trail for `required` and returns the best walk.
pub fn walk(account: &AwsAccount, data: &MonitoringData, required: &[Requirement]) -> Walk {
    let walks: Vec<Walk> = data
        .trails
        .trails
        .iter()
        .map(|trail| walk_trail(account, data, trail, required))
        .collect();
    let found = best(walks);
    let complete = matches!(found, Some(Walk::Complete(_)));
    // A region whose trails could not be listed may hide the trail that passes.
    if !complete {
        if let Some((region, error)) = data.trails.unread_regions.first() {
            let regions: Vec<&str> = data
                .trails
                .unread_regions
                .iter()
                .map(|(r, _)| r.as_str())
                .collect();
            let mut detail = detail_of(error);
            detail.message = format!(
                "{} (DescribeTrails in {})",
                detail.message,
                regions.join(", ")
            );
            let mut unread = Walk::unread(detail, format!("region {region}"));
            if let Some(Walk::Broken { evidence, .. } | Walk::Unread { evidence, .. }) = found {
                if let Walk::Unread { evidence: all, .. } = &mut unread {
                    all.extend(evidence);
                }
            }
            return unread;
        }
    }
    found.unwrap_or_else(|| {
        Walk::broken(
            Link::Trail,
            format!("account/{}", account.account_id),
            "the account has no CloudTrail trail",
        )
    })
}

fn walk_trail(
    account: &AwsAccount,
    data: &MonitoringData,
    trail: &Trail,
    required: &[Requirement],
) -> Walk {
    let whose = trail.kind(&account.account_id);
    match logs_all_management_events(trail) {
        Err(NotCompliant::Fails(why)) => {
            return Walk::broken(
                Link::Trail,
                &trail.arn,
                format!("{whose}: not a trail the chain can start from: {why}"),
            )
        }
        Err(NotCompliant::Unread(error)) => return Walk::unread(detail_of(&error), &trail.arn),
        Ok(()) => {}
    }
    let key = match delivery(trail, &account.account_id) {
        Delivery::Group(key) => key,
        Delivery::None => {
            return Walk::broken(
                Link::LogGroup,
                &trail.arn,
                format!(
                    "{whose}, logging all management events, delivers to no CloudWatch Logs \
                     log group (CloudWatchLogsLogGroupArn is not set)"
                ),
            )
        }
        Delivery::OtherAccount { arn, owner } => {
            return Walk::unread(
                ErrorDetail {
                    code: "LogGroupInOtherAccount".to_string(),
                    message: format!(
                        "the {whose} delivers to log group {arn} of account {owner}: its metric \
                         filters and alarms can only be read there (audit that account)"
                    ),
                    missing_permission: None,
                },
                &trail.arn,
            )
        }
        Delivery::Malformed(arn) => {
            return Walk::unread(
                AwsError::invalid_response(
                    cloudtrail::DESCRIBE_TRAILS,
                    format!(
                        "the trail's CloudWatchLogsLogGroupArn {} is not a log group ARN",
                        crate::accounts::shown(&arn)
                    ),
                )
                .to_detail(),
                &trail.arn,
            )
        }
    };
    let trail_evidence = Evidence::finding(
        &trail.arn,
        Some(&trail.home_region),
        cisrun_core::Status::Pass,
        format!(
            "{whose}, logging all management events, delivers to log group {} ({})",
            key.1, key.0
        ),
    );
    walk_log_group(account, data, &key, required).prepend(trail_evidence)
}

fn walk_log_group(
    account: &AwsAccount,
    data: &MonitoringData,
    key: &LogGroupKey,
    required: &[Requirement],
) -> Walk {
    let resource = log_group_resource(account, key);
    let group = match data.filters.get(key) {
        Some(Ok(group)) => group,
        Some(Err(error)) => return Walk::unread(detail_of(error), resource),
        None => {
            return Walk::unread(
                ErrorDetail {
                    code: "InternalError".to_string(),
                    message: format!("log group {} was not read", key.1),
                    missing_permission: None,
                },
                resource,
            )
        }
    };
    if !group.exists {
        return Walk::broken(
            Link::LogGroup,
            resource,
            format!("log group {} does not exist in {}", key.1, key.0),
        );
    }
    if group.filters.is_empty() {
        return Walk::broken(Link::Filter, resource, "the log group has no metric filter");
    }
    let mut walks = Vec::new();
    let mut not_covering = Vec::new();
    for filter in &group.filters {
        let filter_resource = format!("{resource}:metric-filter:{}", filter.name);
        match filter_coverage(&filter.pattern, required) {
            FilterCoverage::Covered(entry) => {
                let note = defect_note(filter, entry);
                let which = if entry.corrected.is_some() {
                    "the benchmark's pattern (corrected)"
                } else {
                    "the benchmark's pattern"
                };
                let evidence = Evidence::finding(
                    &filter_resource,
                    Some(&key.0),
                    cisrun_core::Status::Pass,
                    format!("metric filter {} covers {which}", filter.name),
                );
                let mut below = walk_filter(data, key, filter, &filter_resource).prepend(evidence);
                if let Walk::Complete(complete) = &mut below {
                    complete.summary = format!(
                        "metric filter {} on log group {} -> {}",
                        filter.name, key.1, complete.summary
                    );
                    complete.notes.extend(note);
                }
                walks.push(below);
            }
            FilterCoverage::NotCovered(gap) => not_covering.push(Evidence::finding(
                &filter_resource,
                Some(&key.0),
                cisrun_core::Status::Fail,
                format!(
                    "metric filter {} does not cover the benchmark's pattern: {gap}",
                    filter.name
                ),
            )),
            FilterCoverage::Undecided(why) => {
                // Only a filter whose alarm chain holds could pass: then the answer matters.
                if let Walk::Complete(_) = walk_filter(data, key, filter, &filter_resource) {
                    walks.push(Walk::unread(
                        ErrorDetail {
                            code: "UndecidedFilterPattern".to_string(),
                            message: format!(
                                "cannot decide whether metric filter {} covers the \
                                 benchmark's pattern: {why}",
                                filter.name
                            ),
                            missing_permission: None,
                        },
                        &filter_resource,
                    ));
                } else {
                    not_covering.push(Evidence::finding(
                        &filter_resource,
                        Some(&key.0),
                        cisrun_core::Status::Fail,
                        format!("metric filter {}: {why}", filter.name),
                    ));
                }
            }
        }
    }
    if walks.is_empty() {
        return Walk::Broken {
            missing: Link::Filter,
            evidence: not_covering,
        };
    }
    best(walks).unwrap_or_else(|| Walk::broken(Link::Filter, resource, "no filter"))
}

fn walk_filter(
    data: &MonitoringData,
    key: &LogGroupKey,
    filter: &MetricFilter,
    resource: &str,
) -> Walk {
    let region = &key.0;
    if filter.transformations.is_empty() {
        return Walk::broken(
            Link::Alarm,
            resource,
            format!("metric filter {} publishes no metric", filter.name),
        );
    }
    let alarms = match data.alarms.get(region) {
        Some(Ok(alarms)) => alarms,
        Some(Err(error)) => {
            return Walk::unread(detail_of(error), format!("alarms of region {region}"))
        }
        None => {
            return Walk::unread(
                ErrorDetail {
                    code: "InternalError".to_string(),
                    message: format!("the alarms of {region} were not read"),
                    missing_permission: None,
                },
                format!("alarms of region {region}"),
            )
        }
    };
    let mut walks = Vec::new();
    for transformation in &filter.transformations {
        let metric = format!(
            "{}/{}",
            transformation.namespace, transformation.metric_name
        );
        if !transformation.dimensions.is_empty() {
            walks.push(Walk::broken(
                Link::Alarm,
                resource,
                format!(
                    "metric filter {} publishes {metric} with dimensions ({}): an alarm on the \
                     metric sees each combination of values separately",
                    filter.name,
                    transformation.dimensions.join(", ")
                ),
            ));
            continue;
        }
        let watching: Vec<&MetricAlarm> = alarms
            .iter()
            .filter(|a| a.watches(&transformation.metric_name, &transformation.namespace))
            .collect();
        if watching.is_empty() {
            walks.push(Walk::broken(
                Link::Alarm,
                resource,
                format!(
                    "no alarm in {region} watches the metric {metric} of metric filter {}",
                    filter.name
                ),
            ));
            continue;
        }
        for alarm in watching {
            let evidence = Evidence::finding(
                &alarm.arn,
                Some(region),
                cisrun_core::Status::Pass,
                format!("alarm {} watches {metric}", alarm.name),
            );
            walks.push(walk_alarm(data, alarm, &filter.name).prepend(evidence));
        }
    }
    best(walks).unwrap_or_else(|| Walk::broken(Link::Alarm, resource, "no metric"))
}

fn walk_alarm(data: &MonitoringData, alarm: &MetricAlarm, filter: &str) -> Walk {
    if !alarm.actions_enabled {
        return Walk::broken(
            Link::Topic,
            &alarm.arn,
            format!(
                "alarm {}'s actions are disabled: it notifies nobody",
                alarm.name
            ),
        );
    }
    let topics: Vec<&str> = alarm.sns_topics().collect();
    if topics.is_empty() {
        return Walk::broken(
            Link::Topic,
            &alarm.arn,
            format!(
                "alarm {} (on metric filter {filter}) notifies no SNS topic",
                alarm.name
            ),
        );
    }
    let walks = topics
        .into_iter()
        .map(|topic| walk_topic(data, topic, &alarm.name))
        .collect();
    best(walks).unwrap_or_else(|| Walk::broken(Link::Topic, &alarm.arn, "no topic"))
}

fn walk_topic(data: &MonitoringData, topic: &str, alarm: &str) -> Walk {
    let region = sns::topic_region(topic);
    let subscriptions = match data.subscriptions.get(topic) {
        Some(Ok(subscriptions)) => subscriptions,
        Some(Err(error)) => return Walk::unread(detail_of(error), topic),
        None => {
            return Walk::unread(
                ErrorDetail {
                    code: "InternalError".to_string(),
                    message: format!("the subscriptions of {topic} were not read"),
                    missing_permission: None,
                },
                topic,
            )
        }
    };
    if !subscriptions.exists {
        return Walk::broken(
            Link::Topic,
            topic,
            format!("alarm {alarm} notifies topic {topic}, which does not exist"),
        );
    }
    let Some(subscriber) = subscriptions.subscriptions.iter().find(|s| s.confirmed()) else {
        let pending = subscriptions.subscriptions.len();
        return Walk::broken(
            Link::Subscriber,
            topic,
            if pending == 0 {
                format!("topic {topic} (notified by alarm {alarm}) has no subscription")
            } else {
                format!(
                    "topic {topic} (notified by alarm {alarm}) has no confirmed subscription \
                     ({pending} pending confirmation)"
                )
            },
        );
    };
    let topic_name = topic.rsplit(':').next().unwrap_or(topic);
    Walk::Complete(Complete {
        evidence: vec![
            Evidence::finding(
                topic,
                region,
                cisrun_core::Status::Pass,
                format!("alarm {alarm} notifies topic {topic_name}"),
            ),
            Evidence::finding(
                &subscriber.arn,
                region,
                cisrun_core::Status::Pass,
                format!("confirmed subscriber {}", subscriber.describe()),
            ),
        ],
        summary: format!(
            "alarm {alarm} -> topic {topic_name} -> {}",
            subscriber.describe()
        ),
        notes: Vec::new(),
    })
}
