//! Unit tests of the monitoring family, against `aws-smithy-mocks` answers: what moto cannot
//! produce (an unconfirmed subscription, listings of several pages, a log group in another
//! account), the decision per version, and the documentation's patterns.

use std::sync::Arc;

use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use cisrun_core::control::AnyTarget;
use cisrun_core::{DynControl, Outcome, Status};
use cisrun_filter_pattern::cis::{self, Variant, CONTROL_IDS, PATTERNS, VERSIONS};
use cisrun_filter_pattern::{covers, parse};

use crate::account::AwsAccount;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:security-alerts";
const LOG_GROUP: &str = "arn:aws:logs:eu-west-1:123456789012:log-group:ct-logs:*";

fn control(id: &str) -> &'static dyn DynControl {
    cisrun_core::registry::controls()
        .into_iter()
        .map(|r| r.control)
        .find(|c| c.meta().id == id)
        .unwrap_or_else(|| panic!("{id} is registered"))
}

/// The account's monitoring set-up, as the mocks answer it.
/// One page of alarms: (name, metric, actions).
type AlarmPage = Vec<(String, String, Vec<String>)>;

#[derive(Clone)]
struct Setup {
    /// The trail's log group ARN.
    log_group: Option<String>,
    /// Metric filters by page: (name, pattern, metric).
    filters: Vec<Vec<(String, String, String)>>,
    /// Alarms by page: (name, metric, actions).
    alarms: Option<Vec<AlarmPage>>,
    /// Subscriptions by page: subscription ARNs.
    subscriptions: Vec<Vec<String>>,
}

impl Setup {
    /// A chain that holds for `pattern`.
    fn passing(pattern: &str) -> Setup {
        Setup {
            log_group: Some(LOG_GROUP.to_string()),
            filters: vec![vec![(
                "cis-filter".to_string(),
                pattern.to_string(),
                "cis-metric".to_string(),
            )]],
            alarms: Some(vec![vec![(
                "cis-alarm".to_string(),
                "cis-metric".to_string(),
                vec![TOPIC.to_string()],
            )]]),
            subscriptions: vec![vec![format!("{TOPIC}:0b1d6f4e")]],
        }
    }
}

/// A page index from a token the mocks gave: `None` is the first page.
fn page_of(token: Option<&str>) -> usize {
    token.and_then(|t| t.parse().ok()).unwrap_or(0)
}

fn next_token(pages: usize, page: usize) -> Option<String> {
    (page + 1 < pages).then(|| (page + 1).to_string())
}

fn cloudtrail(log_group: Option<String>) -> (aws_sdk_cloudtrail::Client, Vec<Rule>) {
    use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType, Trail};
    use aws_sdk_cloudtrail::Client;
    let trail = Trail::builder()
        .name("main")
        .trail_arn(format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main"))
        .home_region(REGION)
        .is_multi_region_trail(true)
        .set_cloud_watch_logs_log_group_arn(log_group)
        .build();
    let rules = vec![
        mock!(Client::describe_trails).then_output(move || {
            aws_sdk_cloudtrail::operation::describe_trails::DescribeTrailsOutput::builder()
                .trail_list(trail.clone())
                .build()
        }),
        mock!(Client::get_trail_status).then_output(|| {
            aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput::builder()
                .is_logging(true)
                .build()
        }),
        mock!(Client::get_event_selectors).then_output(|| {
            aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput::builder()
                .event_selectors(
                    EventSelector::builder()
                        .read_write_type(ReadWriteType::All)
                        .include_management_events(true)
                        .build(),
                )
                .build()
        }),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    (
        mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, refs.as_slice()),
        rules,
    )
}

fn logs(pages: Vec<Vec<(String, String, String)>>) -> (aws_sdk_cloudwatchlogs::Client, Vec<Rule>) {
    use aws_sdk_cloudwatchlogs::types::{MetricFilter, MetricTransformation};
    use aws_sdk_cloudwatchlogs::Client;
    let rules = vec![
        mock!(Client::describe_metric_filters).then_compute_output(move |input| {
            let page = page_of(input.next_token());
            let filters = pages.get(page).cloned().unwrap_or_default();
            aws_sdk_cloudwatchlogs::operation::describe_metric_filters::DescribeMetricFiltersOutput::builder()
                .set_metric_filters(Some(
                    filters
                        .into_iter()
                        .map(|(name, pattern, metric)| {
                            MetricFilter::builder()
                                .filter_name(name)
                                .filter_pattern(pattern)
                                .metric_transformations(
                                    MetricTransformation::builder()
                                        .metric_name(metric)
                                        .metric_namespace("CISBenchmark")
                                        .metric_value("1")
                                        .build()
                                        .expect("transformation"),
                                )
                                .build()
                        })
                        .collect(),
                ))
                .set_next_token(next_token(pages.len(), page))
                .build()
        }),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    (
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, refs.as_slice()),
        rules,
    )
}

type AlarmPages = Option<Vec<Vec<(String, String, Vec<String>)>>>;

fn cloudwatch(pages: AlarmPages) -> (aws_sdk_cloudwatch::Client, Vec<Rule>) {
    use aws_sdk_cloudwatch::operation::describe_alarms::{
        DescribeAlarmsError, DescribeAlarmsOutput,
    };
    use aws_sdk_cloudwatch::types::MetricAlarm;
    use aws_sdk_cloudwatch::Client;
    let rule = match pages {
        None => mock!(Client::describe_alarms).then_error(|| {
            DescribeAlarmsError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not allowed")
                    .build(),
            )
        }),
        Some(pages) => mock!(Client::describe_alarms).then_compute_output(move |input| {
            let page = page_of(input.next_token());
            let alarms = pages.get(page).cloned().unwrap_or_default();
            DescribeAlarmsOutput::builder()
                .set_metric_alarms(Some(
                    alarms
                        .into_iter()
                        .map(|(name, metric, actions)| {
                            MetricAlarm::builder()
                                .alarm_arn(format!(
                                    "arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"
                                ))
                                .alarm_name(name)
                                .metric_name(metric)
                                .namespace("CISBenchmark")
                                .actions_enabled(true)
                                .set_alarm_actions(Some(actions))
                                .build()
                        })
                        .collect(),
                ))
                .set_next_token(next_token(pages.len(), page))
                .build()
        }),
    };
    let rules = vec![rule];
    let refs: Vec<&Rule> = rules.iter().collect();
    (
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, refs.as_slice()),
        rules,
    )
}

fn sns(pages: Vec<Vec<String>>) -> (aws_sdk_sns::Client, Vec<Rule>) {
    use aws_sdk_sns::types::Subscription;
    use aws_sdk_sns::Client;
    let rules = vec![
        mock!(Client::list_subscriptions_by_topic).then_compute_output(move |input| {
            let page = page_of(input.next_token());
            let arns = pages.get(page).cloned().unwrap_or_default();
            aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicOutput::builder()
                .set_subscriptions(Some(
                    arns.into_iter()
                        .map(|arn| {
                            Subscription::builder()
                                .subscription_arn(arn)
                                .protocol("email")
                                .endpoint("security@example.com")
                                .topic_arn(TOPIC)
                                .build()
                        })
                        .collect(),
                ))
                .set_next_token(next_token(pages.len(), page))
                .build()
        }),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    (
        mock_client!(aws_sdk_sns, RuleMode::MatchAny, refs.as_slice()),
        rules,
    )
}

/// An account answering as `setup` says, and every mock rule (to count calls).
fn account(setup: Setup) -> (Arc<AwsAccount>, Vec<Rule>) {
    let iam = mock_client!(aws_sdk_iam, []);
    let (trail_client, mut rules) = cloudtrail(setup.log_group);
    let (logs_client, logs_rules) = logs(setup.filters);
    let (cloudwatch_client, cloudwatch_rules) = cloudwatch(setup.alarms);
    let (sns_client, sns_rules) = sns(setup.subscriptions);
    rules.extend(logs_rules);
    rules.extend(cloudwatch_rules);
    rules.extend(sns_rules);
    let account = AwsAccount::for_tests(iam, ACCOUNT, "aws")
        .with_enabled_regions(&[REGION])
        .with_client(REGION, trail_client)
        .with_client(REGION, logs_client)
        .with_client(REGION, cloudwatch_client)
        .with_client(REGION, sns_client);
    (Arc::new(account), rules)
}

async fn audit(id: &str, account: &AwsAccount, version: &str) -> Outcome {
    let control = control(id);
    let parameters = control.read_parameters(None).expect("no parameters");
    control
        .audit(account as &AnyTarget, &parameters, version)
        .await
}

const MFA: &str = "aws-cloudwatch-console-signin-without-mfa";

#[tokio::test]
async fn a_whole_chain_passes_and_names_every_link() {
    let (account, _) = account(Setup::passing(
        // Reordered and unquoted: still the benchmark's pattern.
        "{ $.additionalEventData.MFAUsed != Yes && $.eventName = ConsoleLogin }",
    ));
    let outcome = audit(MFA, &account, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
    let text = outcome.evidence_text();
    for link in [
        "trail/main",
        "log group ct-logs",
        "metric filter cis-filter covers",
        "alarm cis-alarm watches CISBenchmark/cis-metric",
        "notifies topic security-alerts",
        "confirmed subscriber email:security@example.com",
    ] {
        assert!(text.contains(link), "{link} in\n{text}");
    }
}

#[tokio::test]
async fn an_unconfirmed_subscription_is_no_subscriber() {
    let mut setup = Setup::passing(
        cis::patterns_for(MFA, "v3.0.0")
            .next()
            .expect("pattern")
            .published,
    );
    setup.subscriptions = vec![vec!["PendingConfirmation".to_string()]];
    let (account, _) = account(setup);
    let outcome = audit(MFA, &account, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome
            .message
            .contains("no topic those alarms notify has a confirmed subscriber")
            && outcome.message.contains("1 pending confirmation"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn every_listing_is_read_to_its_last_page() {
    let pattern = cis::patterns_for(MFA, "v7.0.0")
        .next()
        .expect("pattern")
        .published;
    let setup = Setup {
        log_group: Some(LOG_GROUP.to_string()),
        filters: vec![
            vec![(
                "other".into(),
                "{ $.eventName = CreateTrail }".into(),
                "other".into(),
            )],
            vec![("cis-filter".into(), pattern.into(), "cis-metric".into())],
        ],
        alarms: Some(vec![
            vec![("a1".into(), "unrelated".into(), vec![TOPIC.into()])],
            vec![("cis-alarm".into(), "cis-metric".into(), vec![TOPIC.into()])],
        ]),
        subscriptions: vec![
            vec!["PendingConfirmation".into()],
            vec![format!("{TOPIC}:5e1f")],
        ],
    };
    let (account, rules) = account(setup);
    let outcome = audit(MFA, &account, "v7.0.0").await;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
    // Two pages each of filters, alarms and subscriptions.
    let calls: Vec<usize> = rules.iter().skip(3).map(Rule::num_calls).collect();
    assert_eq!(calls, [2, 2, 2]);
}

#[tokio::test]
async fn a_narrowing_clause_is_named() {
    let (account, _) = account(Setup::passing(
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.sourceIPAddress = "10.*") }"#,
    ));
    let outcome = audit(MFA, &account, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome.message.contains("no metric filter"),
        "{}",
        outcome.message
    );
    assert!(
        outcome.message.contains(r#"$.sourceIPAddress = "10.*""#),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn the_sso_alternative_passes() {
    let alternative = cis::patterns_for(MFA, "v4.0.1")
        .find(|p| p.variant == Variant::SsoAlternative)
        .expect("alternative");
    let (account, _) = account(Setup::passing(alternative.published));
    let outcome = audit(MFA, &account, "v4.0.1").await;
    assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
}

#[tokio::test]
async fn each_link_missing_is_named() {
    let pattern = cis::patterns_for(MFA, "v3.0.0")
        .next()
        .expect("pattern")
        .published;
    let cases: Vec<(Setup, &str)> = vec![
        (
            Setup {
                log_group: None,
                ..Setup::passing(pattern)
            },
            "no compliant trail delivers to a CloudWatch Logs log group",
        ),
        (
            Setup {
                filters: vec![vec![]],
                ..Setup::passing(pattern)
            },
            "the log group has no metric filter",
        ),
        (
            Setup {
                alarms: Some(vec![vec![]]),
                ..Setup::passing(pattern)
            },
            "no alarm watches the metric of a covering filter",
        ),
        (
            Setup {
                alarms: Some(vec![vec![(
                    "cis-alarm".into(),
                    "cis-metric".into(),
                    vec!["arn:aws:automate:eu-west-1:ec2:stop".into()],
                )]]),
                ..Setup::passing(pattern)
            },
            "notifies no SNS topic",
        ),
        (
            Setup {
                subscriptions: vec![vec![]],
                ..Setup::passing(pattern)
            },
            "has no subscription",
        ),
    ];
    for (setup, expected) in cases {
        let (account, _) = account(setup);
        let outcome = audit(MFA, &account, "v3.0.0").await;
        assert_eq!(
            outcome.status,
            Status::Fail,
            "{expected}: {}",
            outcome.message
        );
        assert!(
            outcome.message.contains(expected),
            "{expected}: {}",
            outcome.message
        );
    }
}

#[tokio::test]
async fn a_denied_alarm_listing_is_an_error_not_a_fail() {
    let pattern = cis::patterns_for(MFA, "v3.0.0")
        .next()
        .expect("pattern")
        .published;
    let (account, _) = account(Setup {
        alarms: None,
        ..Setup::passing(pattern)
    });
    let outcome = audit(MFA, &account, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert!(
        outcome.message.contains("cloudwatch:DescribeAlarms"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn a_log_group_of_another_account_is_an_error_naming_it() {
    let (account, _) = account(Setup {
        log_group: Some("arn:aws:logs:eu-west-1:999988887777:log-group:org-trail:*".into()),
        ..Setup::passing("{ $.eventName = * }")
    });
    let outcome = audit(MFA, &account, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert!(
        outcome.message.contains("999988887777"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn an_empty_pattern_covers_and_an_unreadable_one_is_undecided() {
    let (empty, _) = account(Setup::passing(""));
    assert_eq!(audit(MFA, &empty, "v3.0.0").await.status, Status::Pass);
    let (unreadable, _) = account(Setup::passing("\"ConsoleLogin\""));
    let outcome = audit(MFA, &unreadable, "v3.0.0").await;
    assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
    assert!(
        outcome.message.contains("cannot decide"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn a_filter_written_for_v4_0_1_misses_v5_0_0s_event() {
    let id = "aws-cloudwatch-security-group-changes";
    let old = cis::patterns_for(id, "v4.0.1")
        .next()
        .expect("pattern")
        .published;
    let (account, _) = account(Setup::passing(old));
    assert_eq!(audit(id, &account, "v4.0.1").await.status, Status::Pass);
    let outcome = audit(id, &account, "v5.0.0").await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome.message.contains("ModifySecurityGroupRules"),
        "{}",
        outcome.message
    );
}

/// Each version's published pattern and its correction, as an account's filter: both pass
/// where the published text parses (a defective published pattern is broader than its
/// correction), and the v1.4.0 to v3.0.0 unauthorized-calls text is noted.
#[tokio::test]
async fn published_and_corrected_patterns_pass_in_their_versions() {
    for entry in PATTERNS.iter().filter(|p| p.variant == Variant::Standard) {
        for version in entry.versions {
            let mut forms = vec![entry.effective()];
            if entry.corrected.is_some() && parse(entry.published).is_ok() {
                forms.push(entry.published);
            }
            for form in forms {
                let (account, _) = account(Setup::passing(form));
                let outcome = audit(entry.control_id, &account, version).await;
                assert_eq!(
                    outcome.status,
                    Status::Pass,
                    "{} {version} {form}: {}",
                    entry.control_id,
                    outcome.message
                );
                let noted = outcome.notes.iter().any(|n| n.contains("by a defect"));
                let broader_than_correction = form == entry.published
                    && entry.corrected.is_some_and(|c| {
                        !covers(
                            &parse(c).expect("correction"),
                            &parse(form).expect("published"),
                        )
                        .is_covered()
                    });
                assert_eq!(
                    noted, broader_than_correction,
                    "{} {version}",
                    entry.control_id
                );
            }
        }
    }
}

#[tokio::test]
async fn the_corrected_pattern_is_required_not_the_defective_one() {
    // A filter equal to the correction of v4.0.1's unauthorized-calls pattern, narrowed to
    // one error code, misses `*UnauthorizedOperation`.
    let id = "aws-cloudwatch-unauthorized-api-calls";
    let (account, _) = account(Setup::passing(
        r#"{ ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#,
    ));
    let outcome = audit(id, &account, "v4.0.1").await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome.message.contains("UnauthorizedOperation"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn fifteen_controls_send_the_requests_of_one() {
    let (account, rules) = account(Setup::passing("{ $.eventName = * }"));
    audit(MFA, &account, "v3.0.0").await;
    let after_one: Vec<usize> = rules.iter().map(Rule::num_calls).collect();
    for id in CONTROL_IDS {
        audit(id, &account, "v3.0.0").await;
    }
    let after_all: Vec<usize> = rules.iter().map(Rule::num_calls).collect();
    assert_eq!(after_one, after_all);
    assert!(after_one.iter().all(|n| *n == 1), "{after_one:?}");
}

#[tokio::test]
async fn a_version_without_patterns_is_held_to_the_newest() {
    let id = "aws-cloudwatch-security-group-changes";
    let old = cis::patterns_for(id, "v4.0.1")
        .next()
        .expect("pattern")
        .published;
    let (account, _) = account(Setup::passing(old));
    let outcome = audit(id, &account, "").await;
    assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
    assert!(
        outcome.notes.iter().any(|n| n.contains("v7.0.0")),
        "{:?}",
        outcome.notes
    );
}

/// The `{ ... }` code spans of a documentation section, on one line each.
fn documented_patterns(text: &str) -> Vec<String> {
    text.split('`')
        .filter(|span| span.starts_with('{') && span.ends_with('}'))
        .map(str::to_string)
        .collect()
}

/// The documentation says which forms are accepted: every version's required pattern is, up
/// to meaning, one that the control's Audit section shows.
#[test]
fn each_versions_pattern_is_in_the_documentation() {
    for id in CONTROL_IDS {
        let doc = control(id).meta().doc.section("Audit").expect("Audit");
        let shown: Vec<_> = documented_patterns(&doc)
            .iter()
            .map(|p| parse(p).unwrap_or_else(|e| panic!("{id}: {p}: {e}")))
            .collect();
        for version in VERSIONS {
            for entry in cis::patterns_for(id, version) {
                let required = parse(entry.effective()).expect("effective parses");
                let found = shown.iter().any(|p| {
                    covers(p, &required).is_covered() && covers(&required, p).is_covered()
                });
                assert!(
                    found,
                    "{id} {version}: {} is not documented",
                    entry.effective()
                );
            }
        }
    }
}

/// Issue #17's bar for these fifteen: every monitoring recommendation of every version has a
/// control.
#[test]
fn the_monitoring_recommendations_are_complete_in_every_version() {
    let catalogue = cisrun_core::registry::catalogue().expect("catalogue builds");
    let cis = catalogue
        .benchmark("cis-aws-foundations")
        .expect("CIS AWS Foundations is registered");
    for version in VERSIONS {
        let table = cis.version(version).expect(version);
        for id in CONTROL_IDS {
            let recommendation = table
                .recommendations
                .iter()
                .find(|r| r.control_id == id)
                .unwrap_or_else(|| panic!("{version} has {id}"));
            assert_ne!(
                catalogue.coverage(recommendation),
                cisrun_core::Coverage::NotImplemented,
                "{version} {id}"
            );
        }
    }
}
