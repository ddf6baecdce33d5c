//! CloudTrail controls end to end against moto: trails read in every region, judged as the
//! benchmark's text says (multi-region, logging, all management events, validation, KMS,
//! the trail bucket's access logging and publicity, S3 object-level logging), unreadable
//! parts as errors, and the safe log-file-validation fix applied and rolled back.

use std::collections::BTreeMap;

use cisrun_e2e::trail_seed::{self, Trail};
use cisrun_e2e::{outcome_status as status, profile_yaml, s3_seed, ControlCase, Fault, FaultProxy};
use serde_json::Value;

const MULTI_REGION: &str = "aws-cloudtrail-multi-region";
const VALIDATION: &str = "aws-cloudtrail-log-file-validation";
const KMS: &str = "aws-cloudtrail-kms-encryption";
const ACCESS_LOGGING: &str = "aws-cloudtrail-bucket-access-logging";
const NOT_PUBLIC: &str = "aws-cloudtrail-bucket-not-public";
const WRITES: &str = "aws-cloudtrail-s3-object-write-logging";
const READS: &str = "aws-cloudtrail-s3-object-read-logging";
const CLOUDWATCH: &str = "aws-cloudtrail-cloudwatch-logs";

/// v2.0.0 has every CloudTrail recommendation (bucket not public and CloudWatch Logs were
/// dropped in v3.0.0).
const ALL: &[&str] = &[
    MULTI_REGION,
    VALIDATION,
    KMS,
    ACCESS_LOGGING,
    NOT_PUBLIC,
    WRITES,
    READS,
    CLOUDWATCH,
];
const REGIONS: &[&str] = &["us-east-1", "eu-west-1"];

fn message(result: &Value) -> &str {
    result["outcome"]["message"].as_str().unwrap_or_default()
}

/// Every evidence detail of a result, one per line, for `contains` checks.
fn details(result: &Value) -> String {
    result["outcome"]["evidence"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    format!(
                        "{} [{}] {}",
                        e["resource"].as_str().unwrap_or_default(),
                        e["status"].as_str().unwrap_or_default(),
                        e["detail"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn statuses(results: &BTreeMap<String, Value>) -> BTreeMap<&str, &str> {
    results
        .iter()
        .map(|(id, result)| (id.as_str(), status(result)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compliant_multi_region_trail_passes_every_control_moto_can_show() {
    let case = ControlCase::new();
    trail_seed::compliant(&case.moto.endpoint).await;
    let results = case.audit(&profile_yaml("v2.0.0", ALL, REGIONS, ""));
    let mut expected: BTreeMap<&str, &str> = ALL.iter().map(|id| (*id, "pass")).collect();
    // moto never reports a CloudWatch Logs delivery, and this trail has no log group.
    expected.insert(CLOUDWATCH, "fail");
    assert_eq!(statuses(&results), expected, "{results:#?}");
    let multi = &results[MULTI_REGION];
    assert!(
        details(multi).contains("multi-region trail of this account"),
        "{multi:#}"
    );
    // The trail's bucket is read once, in its own region, for both bucket controls.
    assert!(
        details(&results[ACCESS_LOGGING]).contains("server access logging to cisrun-trail-logs")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_single_region_trail_logging_everything_is_not_enough() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let trail = Trail {
        multi_region: false,
        ..Trail::compliant("regional", "eu-west-1", "regional-logs")
    };
    trail_seed::bucket(endpoint, trail.region, trail.bucket, true).await;
    trail_seed::create(endpoint, &trail).await;
    trail_seed::advanced_selectors(endpoint, trail.region, trail.name, None).await;
    let results = case.audit(&profile_yaml(
        "v3.0.0",
        &[MULTI_REGION, VALIDATION, WRITES, READS],
        REGIONS,
        "",
    ));
    let multi = &results[MULTI_REGION];
    assert_eq!(status(multi), "fail", "{multi:#}");
    assert!(details(multi).contains("single-region"), "{multi:#}");
    // Validation is judged trail by trail: this one has it.
    assert_eq!(status(&results[VALIDATION]), "pass");
    // Object-level logging needs a multi-region trail.
    for id in [WRITES, READS] {
        let result = &results[id];
        assert_eq!(status(result), "fail", "{id}: {result:#}");
        assert!(details(result).contains("not multi-region"), "{result:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_object_selector_logs_reads_not_writes() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let trail = Trail::compliant("main", "us-east-1", "main-logs");
    trail_seed::bucket(endpoint, trail.region, trail.bucket, true).await;
    trail_seed::create(endpoint, &trail).await;
    // Prowler passes the write check on this selector.
    trail_seed::advanced_selectors(endpoint, trail.region, trail.name, Some("true")).await;
    s3_seed::bucket(endpoint, "eu-west-1", "data-eu").await;
    let results = case.audit(&profile_yaml(
        "v3.0.0",
        &[WRITES, READS, MULTI_REGION],
        REGIONS,
        "",
    ));
    assert_eq!(status(&results[READS]), "pass", "{:#}", results[READS]);
    assert_eq!(status(&results[MULTI_REGION]), "pass");
    let writes = &results[WRITES];
    assert_eq!(status(writes), "fail", "{writes:#}");
    let text = details(writes);
    assert!(text.contains("arn:aws:s3:::data-eu [fail]"), "{text}");
    assert!(text.contains("arn:aws:s3:::main-logs [fail]"), "{text}");
    assert!(text.contains("excludes write events"), "{text}");

    // A second trail whose basic selectors name one bucket: only that bucket's objects are
    // logged.
    let second = Trail::compliant("second", "us-east-1", "main-logs");
    trail_seed::create(endpoint, &second).await;
    trail_seed::basic_selectors(
        endpoint,
        second.region,
        second.name,
        "All",
        &["arn:aws:s3:::data-eu/"],
    )
    .await;
    let results = case.audit(&profile_yaml("v3.0.0", &[WRITES], REGIONS, ""));
    let text = details(&results[WRITES]);
    assert!(text.contains("arn:aws:s3:::data-eu [pass]"), "{text}");
    assert!(text.contains("arn:aws:s3:::main-logs [fail]"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn management_events_narrowed_to_writes_fail_the_multi_region_control() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let trail = Trail::compliant("main", "us-east-1", "main-logs");
    trail_seed::bucket(endpoint, trail.region, trail.bucket, true).await;
    trail_seed::create(endpoint, &trail).await;
    trail_seed::basic_selectors(endpoint, trail.region, trail.name, "WriteOnly", &[]).await;
    let results = case.audit(&profile_yaml("v3.0.0", &[MULTI_REGION], REGIONS, ""));
    let multi = &results[MULTI_REGION];
    assert_eq!(status(multi), "fail", "{multi:#}");
    assert!(
        details(multi).contains("write-only management events"),
        "{multi:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trail_bucket_open_to_any_aws_user_or_to_everyone_is_public() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let trail = Trail {
        validation: false,
        kms: false,
        ..Trail::compliant("main", "us-east-1", "open-logs")
    };
    trail_seed::bucket(endpoint, trail.region, trail.bucket, false).await;
    trail_seed::create(endpoint, &trail).await;
    // Prowler reads only AllUsers grants: AuthenticatedUsers is any AWS account.
    s3_seed::s3(endpoint, trail.region)
        .await
        .put_bucket_acl()
        .bucket(trail.bucket)
        .acl(aws_sdk_s3::types::BucketCannedAcl::AuthenticatedRead)
        .send()
        .await
        .expect("put bucket acl");
    let everyone = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}]}}"#,
        trail.bucket
    );
    s3_seed::put_policy(endpoint, trail.region, trail.bucket, &everyone).await;
    let results = case.audit(&profile_yaml(
        "v2.0.0",
        &[NOT_PUBLIC, ACCESS_LOGGING, VALIDATION, KMS],
        REGIONS,
        "",
    ));
    let public = &results[NOT_PUBLIC];
    assert_eq!(status(public), "fail", "{public:#}");
    let text = details(public);
    assert!(text.contains("AuthenticatedUsers:READ"), "{text}");
    assert!(
        text.contains(r#"statement "Everyone" allows Principal *"#),
        "{text}"
    );
    for id in [ACCESS_LOGGING, VALIDATION, KMS] {
        assert_eq!(status(&results[id]), "fail", "{id}: {:#}", results[id]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn what_cannot_be_read_is_an_error_never_a_fail() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    trail_seed::compliant(endpoint).await;
    let proxy = FaultProxy::start(case.moto.port);
    // The bucket may be another account's: its logging setting cannot be read from here.
    proxy.inject(Fault::new(
        "GET ?logging",
        403,
        "AccessDenied",
        "Access Denied",
    ));
    // A region whose trails cannot be listed hides no multi-region trail.
    proxy.inject(
        Fault::new("DescribeTrails", 403, "AccessDeniedException", "denied").in_region("eu-west-1"),
    );
    let results = case.audit_at(
        &proxy.endpoint,
        &profile_yaml(
            "v3.0.0",
            &[ACCESS_LOGGING, MULTI_REGION, VALIDATION],
            REGIONS,
            "",
        ),
    );
    let logging = &results[ACCESS_LOGGING];
    assert_eq!(status(logging), "error", "{logging:#}");
    let text = details(logging);
    assert!(
        text.contains("arn:aws:s3:::cisrun-trail-logs [error]"),
        "{text}"
    );
    assert!(text.contains("s3:GetBucketLogging failed"), "{text}");
    assert_eq!(
        status(&results[MULTI_REGION]),
        "pass",
        "{:#}",
        results[MULTI_REGION]
    );
    assert!(
        results[MULTI_REGION].to_string().contains("eu-west-1"),
        "the note names the unread region"
    );

    // The home region's status cannot be read: the trail may be compliant, so it is an
    // error, not a fail.
    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(Fault::new(
        "GetTrailStatus",
        403,
        "AccessDeniedException",
        "denied",
    ));
    let results = case.audit_at(
        &proxy.endpoint,
        &profile_yaml("v3.0.0", &[MULTI_REGION, WRITES], REGIONS, ""),
    );
    for id in [MULTI_REGION, WRITES] {
        let result = &results[id];
        assert_eq!(status(result), "error", "{id}: {result:#}");
        assert!(
            result.to_string().contains("cloudtrail:GetTrailStatus"),
            "{id}: {result:#}"
        );
    }
    assert_eq!(
        proxy.count("GetTrailStatus"),
        1,
        "read once, for both controls"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_trail_at_all_fails_every_trail_control() {
    let case = ControlCase::new();
    let results = case.audit(&profile_yaml("v2.0.0", ALL, REGIONS, ""));
    for id in [
        MULTI_REGION,
        VALIDATION,
        KMS,
        ACCESS_LOGGING,
        NOT_PUBLIC,
        CLOUDWATCH,
    ] {
        assert_eq!(status(&results[id]), "fail", "{id}: {:#}", results[id]);
    }
    // No bucket, no trail: nothing's objects go unlogged.
    for id in [WRITES, READS] {
        assert_eq!(status(&results[id]), "pass", "{id}: {:#}", results[id]);
        assert!(message(&results[id]).contains("no S3 bucket"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_validation_fix_turns_it_on_and_rollback_turns_it_off_again() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let trail = Trail {
        validation: false,
        ..Trail::compliant("unvalidated", "eu-west-1", "unvalidated-logs")
    };
    trail_seed::bucket(endpoint, trail.region, trail.bucket, true).await;
    let arn = trail_seed::create(endpoint, &trail).await;
    assert!(arn.ends_with(":trail/unvalidated"), "{arn}");
    let yaml = profile_yaml("v3.0.0", &[VALIDATION], REGIONS, "");

    let profile = case.profile(&yaml);
    let plan = case.cisrun(&["remediate", "--profile", profile.to_str().expect("utf-8")]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stdout
            .contains("trail unvalidated (home region eu-west-1)"),
        "the plan names the trail: {}",
        plan.stdout
    );

    let applied = case.apply(&yaml, &[]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert!(trail_seed::validation(endpoint, trail.region, trail.name).await);
    assert_eq!(status(&case.audit(&yaml)[VALIDATION]), "pass");

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert!(!trail_seed::validation(endpoint, trail.region, trail.name).await);
    assert_eq!(status(&case.audit(&yaml)[VALIDATION]), "fail");
}

/// An organization trail of the management account counts for it, and the evidence says
/// whose trail it is. (moto shows an organization trail only to the account that owns it,
/// so a member's view is unit-tested: `Trail::whose` in checks/src/data/cloudtrail.rs.)
#[tokio::test(flavor = "multi_thread")]
async fn an_organization_trail_counts_and_the_evidence_says_whose_it_is() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let config = cisrun_e2e::sdk_config_in(endpoint, "us-east-1").await;
    cisrun_e2e::org::create(&config, "member", 1).await;
    let trail = Trail::compliant("org-trail", "us-east-1", "org-trail-logs");
    trail_seed::bucket(endpoint, trail.region, trail.bucket, true).await;
    let cloudtrail = trail_seed::cloudtrail(endpoint, trail.region).await;
    cloudtrail
        .create_trail()
        .name(trail.name)
        .s3_bucket_name(trail.bucket)
        .is_multi_region_trail(true)
        .is_organization_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("create the organization trail");
    cloudtrail
        .start_logging()
        .name(trail.name)
        .send()
        .await
        .expect("start logging");
    trail_seed::advanced_selectors(endpoint, trail.region, trail.name, None).await;
    let results = case.audit(&profile_yaml(
        "v3.0.0",
        &[MULTI_REGION, VALIDATION],
        REGIONS,
        "",
    ));
    for id in [MULTI_REGION, VALIDATION] {
        let result = &results[id];
        assert_eq!(status(result), "pass", "{id}: {result:#}");
    }
    let multi = &results[MULTI_REGION];
    assert!(
        details(multi).contains("multi-region organization trail of this account"),
        "{multi:#}"
    );
}
