//! S3 end to end against moto: buckets in two regions, each read in its own region, with
//! pass and fail for deny-HTTP, Block Public Access (bucket and account level), MFA delete
//! (moto's versioning response cannot be read, so only its error side) and encryption at rest (v1.5.0);
//! the unsafe fixes (a deny-HTTP statement, account-level Block Public Access) only with
//! `--unsafe-fixes`, and their exact rollback.

use std::collections::BTreeMap;

use cisrun_e2e::{
    finding_rows, outcome_status as status, profile_yaml, s3_seed, ControlCase, Fault, FaultProxy,
    TEST_REGIONS,
};
use serde_json::Value;

const DENY_HTTP: &str = "aws-s3-deny-http";
const BPA: &str = "aws-s3-block-public-access";
const MFA: &str = "aws-s3-mfa-delete";
const ENCRYPTION: &str = "aws-s3-bucket-encryption-at-rest";

const EU: &str = "eu-west-1";
const US: &str = "us-west-2";

/// A Level 2 profile of `version` narrowed to `controls` and the test regions.
fn profile(version: &str, controls: &[&str]) -> String {
    profile_yaml(version, controls, TEST_REGIONS, "")
}

/// Each finding's (resource, region) and status.
fn findings(result: &Value) -> BTreeMap<(String, String), String> {
    finding_rows(result)
        .into_iter()
        .map(|(resource, region, status)| ((resource, region), status))
        .collect()
}

fn finding(bucket: &str, region: &str, status: &str) -> ((String, String), String) {
    (
        (format!("arn:aws:s3:::{bucket}"), region.to_string()),
        status.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn buckets_in_two_regions_pass_and_fail_each_in_its_own_region() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    s3_seed::bucket(&endpoint, EU, "cis-good-eu").await;
    s3_seed::bucket(&endpoint, US, "cis-bad-us").await;
    s3_seed::put_policy(
        &endpoint,
        EU,
        "cis-good-eu",
        &s3_seed::deny_http_policy("cis-good-eu"),
    )
    .await;
    s3_seed::put_policy(
        &endpoint,
        US,
        "cis-bad-us",
        &s3_seed::read_only_policy("cis-bad-us"),
    )
    .await;
    s3_seed::bucket_block(&endpoint, EU, "cis-good-eu", [true; 4]).await;
    // Prowler's pass: only IgnorePublicAcls and RestrictPublicBuckets.
    s3_seed::bucket_block(&endpoint, US, "cis-bad-us", [false, true, false, true]).await;

    let results = case.audit(&profile("v3.0.0", &[DENY_HTTP, BPA, MFA]));
    assert_eq!(results.len(), 3, "one result per control: {results:#?}");
    for control in [DENY_HTTP, BPA] {
        let result = &results[control];
        assert_eq!(status(result), "fail", "{control}: {result:#}");
        assert_eq!(
            findings(result),
            BTreeMap::from([
                finding("cis-bad-us", US, "fail"),
                finding("cis-good-eu", EU, "pass"),
            ]),
            "{control}"
        );
    }
    // moto 5.2.5 answers GetBucketVersioning under the root element
    // `GetBucketVersioningResponse`, which the SDK rejects: each bucket is an error that
    // says so, never a verdict. The verdicts are unit-tested (README, "What only unit tests
    // cover").
    let mfa = &results[MFA];
    assert_eq!(status(mfa), "error", "{mfa:#}");
    assert_eq!(
        findings(mfa),
        BTreeMap::from([
            finding("cis-bad-us", US, "error"),
            finding("cis-good-eu", EU, "error"),
        ]),
    );
    let message = mfa["outcome"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("s3:GetBucketVersioning failed: the HTTP 200 response could not be read"),
        "{message}"
    );

    // All four settings for the account pass every bucket.
    s3_seed::account_block(&endpoint, [true; 4]).await;
    // The deny statement in another shape: Action a string, SecureTransport the string.
    let other_shape = s3_seed::deny_http_policy("cis-bad-us")
        .replace(r#"["s3:*"]"#, r#""s3:*""#)
        .replace(":false}", r#":"false"}"#);
    s3_seed::put_policy(&endpoint, US, "cis-bad-us", &other_shape).await;
    let results = case.audit(&profile("v3.0.0", &[DENY_HTTP, BPA]));
    assert_eq!(status(&results[BPA]), "pass", "{:#}", results[BPA]);
    assert_eq!(
        status(&results[DENY_HTTP]),
        "pass",
        "{:#}",
        results[DENY_HTTP]
    );

    // Encryption at rest exists in v1.5.0 only: moto has no default rule.
    s3_seed::encrypt(&endpoint, EU, "cis-good-eu").await;
    let results = case.audit(&profile("v1.5.0", &[ENCRYPTION]));
    assert_eq!(
        status(&results[ENCRYPTION]),
        "fail",
        "{:#}",
        results[ENCRYPTION]
    );
    assert_eq!(
        findings(&results[ENCRYPTION]),
        BTreeMap::from([
            finding("cis-bad-us", US, "fail"),
            finding("cis-good-eu", EU, "pass"),
        ])
    );
    s3_seed::encrypt(&endpoint, US, "cis-bad-us").await;
    let results = case.audit(&profile("v1.5.0", &[ENCRYPTION]));
    assert_eq!(status(&results[ENCRYPTION]), "pass");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_bucket_is_read_once_in_its_own_region_and_a_denied_region_is_its_error_only() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    s3_seed::bucket(&endpoint, EU, "cis-good-eu").await;
    s3_seed::bucket(&endpoint, US, "cis-denied-us").await;
    for (region, bucket) in [(EU, "cis-good-eu"), (US, "cis-denied-us")] {
        s3_seed::put_policy(
            &endpoint,
            region,
            bucket,
            &s3_seed::deny_http_policy(bucket),
        )
        .await;
    }
    let proxy = FaultProxy::start(case.moto.port);
    // A service control policy denying us-west-2: only requests signed for it are refused.
    // Had cisrun read the bucket from another region, it would not see the deny.
    proxy.inject(
        Fault::new(
            "GET ?policy",
            403,
            "AccessDenied",
            "explicit deny in a service control policy",
        )
        .in_region(US),
    );
    let results = case.audit_at(&proxy.endpoint, &profile("v3.0.0", &[DENY_HTTP]));
    let result = &results[DENY_HTTP];
    assert_eq!(status(result), "error", "{result:#}");
    assert_eq!(
        findings(result),
        BTreeMap::from([
            finding("cis-denied-us", US, "error"),
            finding("cis-good-eu", EU, "pass"),
        ])
    );
    assert_eq!(
        result["outcome"]["error"]["missing_permission"], "s3:GetBucketPolicy",
        "{result:#}"
    );
    // Listed once (every page), each policy read once: the floor.
    assert_eq!(proxy.count("GET ?"), 1, "{:?}", proxy.actions());
    assert_eq!(proxy.count("GET ?policy"), 2, "{:?}", proxy.actions());
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_s3_fixes_need_the_flag_and_roll_back_exactly() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    s3_seed::bucket(&endpoint, EU, "cis-with-policy").await;
    s3_seed::bucket(&endpoint, US, "cis-without-policy").await;
    let before = s3_seed::read_only_policy("cis-with-policy");
    s3_seed::put_policy(&endpoint, EU, "cis-with-policy", &before).await;
    let previous_account = [false, true, false, true];
    s3_seed::account_block(&endpoint, previous_account).await;

    let refused = case.apply(&profile("v3.0.0", &[DENY_HTTP, BPA]), &[]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stdout.contains("--unsafe-fixes"),
        "{}",
        refused.stdout
    );
    assert_eq!(
        s3_seed::policy(&endpoint, EU, "cis-with-policy")
            .await
            .as_deref(),
        Some(before.as_str())
    );
    assert_eq!(
        s3_seed::policy(&endpoint, US, "cis-without-policy").await,
        None
    );
    assert_eq!(
        s3_seed::account_block_settings(&endpoint).await,
        Some(previous_account)
    );
    let _ = std::fs::remove_file(case.journal());

    let applied = case.apply(&profile("v3.0.0", &[DENY_HTTP, BPA]), &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let results = case.audit(&profile("v3.0.0", &[DENY_HTTP, BPA]));
    assert_eq!(
        status(&results[DENY_HTTP]),
        "pass",
        "{:#}",
        results[DENY_HTTP]
    );
    assert_eq!(status(&results[BPA]), "pass", "{:#}", results[BPA]);
    let fixed = s3_seed::policy(&endpoint, EU, "cis-with-policy")
        .await
        .expect("a policy");
    assert!(fixed.contains("CisrunDenyInsecureTransport"), "{fixed}");
    assert!(
        fixed.contains("\"Read\""),
        "the old statement is kept: {fixed}"
    );
    assert_eq!(
        s3_seed::account_block_settings(&endpoint).await,
        Some([true; 4])
    );

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert_eq!(
        s3_seed::policy(&endpoint, EU, "cis-with-policy")
            .await
            .as_deref(),
        Some(before.as_str()),
        "the previous policy text, exactly"
    );
    assert_eq!(
        s3_seed::policy(&endpoint, US, "cis-without-policy").await,
        None
    );
    assert_eq!(
        s3_seed::account_block_settings(&endpoint).await,
        Some(previous_account)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_account_block_fix_on_an_account_without_one_rolls_back_to_none() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    s3_seed::bucket(&endpoint, EU, "cis-open").await;
    assert_eq!(s3_seed::account_block_settings(&endpoint).await, None);
    let applied = case.apply(&profile("v3.0.0", &[BPA]), &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert_eq!(
        s3_seed::account_block_settings(&endpoint).await,
        Some([true; 4])
    );
    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert_eq!(s3_seed::account_block_settings(&endpoint).await, None);
}
