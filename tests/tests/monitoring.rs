//! The fifteen CloudWatch monitoring controls end to end against moto: the chain from a
//! compliant trail to a confirmed subscriber, each link missing in turn, a trail and log
//! group in another region, denied regions (an error, never a fail), the requests fifteen
//! controls cost (those of one), and the fix applied and rolled back.

use std::collections::BTreeMap;

use cisrun_e2e::monitoring_seed::{
    alarm, alarm_names, complete_chain, deliver_to, log_group, metric_filter, metric_filter_names,
    multi_region, subscribe, topic, trail,
};
use cisrun_e2e::{outcome_status as status, profile_yaml, ControlCase, Fault, FaultProxy};
use cisrun_filter_pattern::cis::{patterns_for, CONTROL_IDS};
use serde_json::Value;

const ROOT: &str = "aws-cloudwatch-root-usage";
const EU: &str = "eu-west-1";
const US: &str = "us-west-2";
const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "us-west-2"];

fn pattern(id: &str, version: &str) -> &'static str {
    patterns_for(id, version)
        .next()
        .expect("a pattern")
        .effective()
}

fn audit_at(case: &ControlCase, endpoint: &str, controls: &[&str]) -> BTreeMap<String, Value> {
    case.audit_at(endpoint, &profile_yaml("v3.0.0", controls, REGIONS, ""))
}

fn audit_root(case: &ControlCase) -> Value {
    audit_at(case, &case.moto.endpoint, &[ROOT])[ROOT].clone()
}

fn message(result: &Value) -> &str {
    result["outcome"]["message"].as_str().expect("a message")
}

/// The result fails, and its message says `expected`.
fn assert_fails_with(result: &Value, expected: &str) {
    assert_eq!(status(result), "fail", "{result:#}");
    assert!(message(result).contains(expected), "{expected}: {result:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_missing_link_is_named_in_turn_until_the_chain_passes() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    let endpoint = endpoint.as_str();

    assert_fails_with(&audit_root(&case), "the account has no CloudTrail trail");

    let trail_arn = trail(endpoint, EU, "main", false).await;
    assert_fails_with(&audit_root(&case), "single-region trail");

    multi_region(endpoint, EU, "main").await;
    assert_fails_with(
        &audit_root(&case),
        "delivers to no CloudWatch Logs log group",
    );

    let group = log_group(endpoint, EU, "cloudtrail-events").await;
    deliver_to(endpoint, EU, &trail_arn, &group).await;
    assert_fails_with(&audit_root(&case), "the log group has no metric filter");

    // The benchmark's pattern narrowed by an extra condition: the clause is named.
    let narrowed = "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && \
         $.eventType != \"AwsServiceEvent\" && $.sourceIPAddress = \"203.0.113.*\" }";
    metric_filter(
        endpoint,
        EU,
        "cloudtrail-events",
        "narrow",
        narrowed,
        "narrow",
    )
    .await;
    let result = audit_root(&case);
    assert_fails_with(&result, "no metric filter on the trail's log group covers");
    assert!(
        message(&result).contains(r#"$.sourceIPAddress = "203.0.113.*""#),
        "{result:#}"
    );

    // Reordered and unquoted: covers.
    metric_filter(
        endpoint,
        EU,
        "cloudtrail-events",
        "root",
        "{ $.eventType != AwsServiceEvent && $.userIdentity.invokedBy NOT EXISTS && $.userIdentity.type = Root }",
        "root-usage",
    )
    .await;
    assert_fails_with(&audit_root(&case), "no alarm watches the metric");

    alarm(endpoint, EU, "root-usage", "root-usage", &[]).await;
    assert_fails_with(&audit_root(&case), "notifies no SNS topic");

    let alerts = topic(endpoint, EU, "security-alerts").await;
    alarm(endpoint, EU, "root-usage", "root-usage", &[&alerts]).await;
    assert_fails_with(&audit_root(&case), "has no subscription");

    subscribe(endpoint, EU, &alerts).await;
    let result = audit_root(&case);
    assert_eq!(status(&result), "pass", "{result:#}");
    let evidence = result["outcome"]["evidence"].to_string();
    for link in [
        "trail/main",
        "metric filter root covers",
        "alarm root-usage watches CISBenchmark/root-usage",
        "notifies topic security-alerts",
        "confirmed subscriber email:security@example.com",
    ] {
        assert!(evidence.contains(link), "{link}: {result:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trail_in_another_region_is_followed_to_its_log_groups_region() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.as_str();
    let trail_arn = trail(endpoint, US, "oregon", true).await;
    let group = log_group(endpoint, US, "events").await;
    deliver_to(endpoint, US, &trail_arn, &group).await;
    metric_filter(
        endpoint,
        US,
        "events",
        "root",
        pattern(ROOT, "v3.0.0"),
        "root-usage",
    )
    .await;
    // An alarm on the same metric name, but in another region, watches another metric.
    let eu_topic = topic(endpoint, EU, "eu-alerts").await;
    subscribe(endpoint, EU, &eu_topic).await;
    alarm(endpoint, EU, "root-usage", "root-usage", &[&eu_topic]).await;
    assert_fails_with(&audit_root(&case), "no alarm in us-west-2 watches");

    let us_topic = topic(endpoint, US, "us-alerts").await;
    subscribe(endpoint, US, &us_topic).await;
    alarm(endpoint, US, "root-usage", "root-usage", &[&us_topic]).await;
    let result = audit_root(&case);
    assert_eq!(status(&result), "pass", "{result:#}");
    assert!(
        result["outcome"]["evidence"].to_string().contains(US),
        "{result:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_region_is_an_error_never_a_fail() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    complete_chain(&endpoint, EU, "v3.0.0").await;
    let proxy = FaultProxy::start(case.moto.port);

    // Trails unread in one region, but the chain holds: a pass is a pass.
    proxy.inject(
        Fault::new(
            "DescribeTrails",
            403,
            "AccessDeniedException",
            "denied by SCP",
        )
        .in_region("us-east-1"),
    );
    let result = audit_at(&case, &proxy.endpoint, &[ROOT])[ROOT].clone();
    assert_eq!(status(&result), "pass", "{result:#}");

    // The alarms of the log group's region denied: an error naming the action.
    proxy.inject(Fault::new("DescribeAlarms", 403, "AccessDenied", "denied by SCP").in_region(EU));
    let result = audit_at(&case, &proxy.endpoint, &[ROOT])[ROOT].clone();
    assert_eq!(status(&result), "error", "{result:#}");
    assert!(
        message(&result).contains("cloudwatch:DescribeAlarms"),
        "{result:#}"
    );

    // An account whose chain is broken, with a region's trails unread: an error, since
    // the unread region might hold what is missing.
    proxy.clear();
    proxy.inject(
        Fault::new(
            "DescribeTrails",
            403,
            "AccessDeniedException",
            "denied by SCP",
        )
        .in_region("us-east-1"),
    );
    let id = "aws-cloudwatch-vpc-changes";
    cisrun_e2e::monitoring_seed::alarm(&endpoint, EU, id, "another-metric", &[]).await;
    let result = audit_at(&case, &proxy.endpoint, &[id])[id].clone();
    assert_eq!(status(&result), "error", "{result:#}");
    assert!(
        message(&result).contains("cloudtrail:DescribeTrails"),
        "{result:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fifteen_controls_cost_the_requests_of_one() {
    let case = ControlCase::new();
    complete_chain(&case.moto.endpoint, EU, "v3.0.0").await;
    let proxy = FaultProxy::start(case.moto.port);
    const ACTIONS: [&str; 6] = [
        "DescribeTrails",
        "GetTrailStatus",
        "GetEventSelectors",
        "DescribeMetricFilters",
        "DescribeAlarms",
        "ListSubscriptionsByTopic",
    ];
    let counts =
        |proxy: &FaultProxy| -> Vec<usize> { ACTIONS.iter().map(|a| proxy.count(a)).collect() };

    let one = audit_at(&case, &proxy.endpoint, &[ROOT]);
    assert_eq!(status(&one[ROOT]), "pass", "{:#}", one[ROOT]);
    let for_one = counts(&proxy);
    // The floor: DescribeTrails per region, status and selectors once for the one trail,
    // one listing of the log group's filters, of its region's alarms, of the topic.
    assert_eq!(
        for_one,
        [REGIONS.len(), 1, 1, 1, 1, 1],
        "{:?}",
        proxy.actions()
    );

    proxy.forget();
    let all = audit_at(&case, &proxy.endpoint, &CONTROL_IDS);
    for id in CONTROL_IDS {
        assert_eq!(status(&all[id]), "pass", "{id}: {:#}", all[id]);
    }
    assert_eq!(counts(&proxy), for_one, "{:?}", proxy.actions());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fix_adds_a_filter_and_an_alarm_and_rollback_removes_exactly_them() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    let endpoint = endpoint.as_str();
    let trail_arn = trail(endpoint, EU, "main", true).await;
    let group = log_group(endpoint, EU, "cloudtrail-events").await;
    deliver_to(endpoint, EU, &trail_arn, &group).await;
    let alerts = topic(endpoint, EU, "security-alerts").await;
    subscribe(endpoint, EU, &alerts).await;
    // Someone else's filter and alarm, which the fix and its rollback leave alone.
    metric_filter(
        endpoint,
        EU,
        "cloudtrail-events",
        "theirs",
        "{ $.eventName = CreateTrail }",
        "theirs",
    )
    .await;
    alarm(endpoint, EU, "theirs", "theirs", &[&alerts]).await;
    assert_fails_with(
        &audit_root(&case),
        "no metric filter on the trail's log group covers",
    );

    let parameters = format!("  {ROOT}:\n    alarm_topic_arn: {alerts}\n");
    let yaml = profile_yaml("v3.0.0", &[ROOT], REGIONS, &parameters);

    // Without the topic the fix does not start.
    let refused = case.apply(&profile_yaml("v3.0.0", &[ROOT], REGIONS, ""), &[]);
    assert_ne!(refused.code, 0, "{refused:?}");
    assert!(
        format!("{}{}", refused.stdout, refused.stderr).contains("alarm_topic_arn"),
        "{refused:?}"
    );
    let _ = std::fs::remove_file(case.journal());

    let applied = case.apply(&yaml, &[]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let name = format!("cisrun-{ROOT}");
    assert_eq!(
        metric_filter_names(endpoint, EU, "cloudtrail-events").await,
        vec![name.clone(), "theirs".to_string()]
    );
    assert_eq!(
        alarm_names(endpoint, EU).await,
        vec![name.clone(), "theirs".to_string()]
    );
    let result = audit_root(&case);
    assert_eq!(status(&result), "pass", "{result:#}");
    let journal = std::fs::read_to_string(case.journal()).expect("journal");
    assert!(journal.contains("logs:PutMetricFilter"), "{journal}");
    assert!(journal.contains("cloudwatch:PutMetricAlarm"), "{journal}");

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert_eq!(
        metric_filter_names(endpoint, EU, "cloudtrail-events").await,
        vec!["theirs".to_string()]
    );
    assert_eq!(alarm_names(endpoint, EU).await, vec!["theirs".to_string()]);
    assert_fails_with(
        &audit_root(&case),
        "no metric filter on the trail's log group covers",
    );
}
