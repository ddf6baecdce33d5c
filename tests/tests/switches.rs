//! Per-region service switches end to end against moto: AWS Config recording in every
//! region (global resource types in one), Security Hub enabled in every region, and IAM
//! Access Analyzer, which moto does not emulate: its result is an error naming the action,
//! never a pass or a fail. One result per account, one finding per region.

use std::collections::BTreeMap;

use cisrun_e2e::switches_seed::{config_recording, config_stop, security_hub_on};
use cisrun_e2e::{finding_rows, outcome_status as status, profile_yaml, ControlCase, TEST_REGIONS};
use serde_json::Value;

const CONFIG: &str = "aws-config-all-regions";
const SECURITY_HUB: &str = "aws-securityhub-enabled";
const ACCESS_ANALYZER: &str = "aws-accessanalyzer-all-regions";

/// Audits `control` in the test regions: its result, the only one for the account.
fn audit(case: &ControlCase, control: &str) -> Value {
    let results = case.audit(&profile_yaml("v3.0.0", &[control], TEST_REGIONS, ""));
    assert_eq!(results.len(), 1, "one result per account: {results:#?}");
    results[control].clone()
}

/// Each finding's status by region (`-` for an account-wide finding).
fn findings(result: &Value) -> BTreeMap<String, String> {
    finding_rows(result)
        .into_iter()
        .map(|(_, region, status)| (region, status))
        .collect()
}

fn expected(failing: &[&str], global: &str) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = TEST_REGIONS
        .iter()
        .map(|r| {
            let status = if failing.contains(r) { "fail" } else { "pass" };
            (r.to_string(), status.to_string())
        })
        .collect();
    map.insert("-".to_string(), global.to_string());
    map
}

#[tokio::test(flavor = "multi_thread")]
async fn config_recording_everywhere_with_global_types_in_one_region_passes_and_gaps_fail() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    // Global types only in eu-west-1; nothing at all in us-west-2.
    for region in &TEST_REGIONS[..3] {
        config_recording(&endpoint, region, *region == "eu-west-1").await;
    }
    let result = audit(&case, CONFIG);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(findings(&result), expected(&["us-west-2"], "pass"));
    assert_eq!(
        result["outcome"]["evidence"][0]["resource"],
        "arn:aws:config:us-west-2:123456789012:config-recorder"
    );

    // Recording in us-west-2 too, but stopped in eu-central-1: two regions' failures differ.
    config_recording(&endpoint, "us-west-2", false).await;
    config_stop(&endpoint, "eu-central-1").await;
    let result = audit(&case, CONFIG);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(findings(&result), expected(&["eu-central-1"], "pass"));
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(message.contains("eu-central-1"), "{message}");

    // Started again: every region records, global types in one region only: pass.
    config_recording(&endpoint, "eu-central-1", false).await;
    let result = audit(&case, CONFIG);
    assert_eq!(status(&result), "pass", "{result:#}");
    assert_eq!(findings(&result), expected(&[], "pass"));
}

#[tokio::test(flavor = "multi_thread")]
async fn config_without_global_types_in_any_region_fails_on_that_rule_alone() {
    let case = ControlCase::new();
    for region in TEST_REGIONS {
        config_recording(&case.moto.endpoint, region, false).await;
    }
    let result = audit(&case, CONFIG);
    assert_eq!(status(&result), "fail", "{result:#}");
    assert_eq!(findings(&result), expected(&[], "fail"));
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(message.contains("global-resource-types"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn security_hub_in_some_regions_fails_and_in_every_region_passes() {
    let case = ControlCase::new();
    for region in &TEST_REGIONS[..2] {
        security_hub_on(&case.moto.endpoint, region).await;
    }
    let result = audit(&case, SECURITY_HUB);
    assert_eq!(status(&result), "fail", "{result:#}");
    let by_region = findings(&result);
    assert_eq!(by_region["us-east-1"], "fail");
    assert_eq!(by_region["us-west-2"], "fail");
    assert_eq!(by_region["eu-west-1"], "pass");
    assert_eq!(by_region.len(), TEST_REGIONS.len());
    // Not subscribed is an answer, not an error.
    assert!(result["outcome"]["error"].is_null(), "{result:#}");

    for region in &TEST_REGIONS[2..] {
        security_hub_on(&case.moto.endpoint, region).await;
    }
    let result = audit(&case, SECURITY_HUB);
    assert_eq!(status(&result), "pass", "{result:#}");
    assert_eq!(findings(&result).len(), TEST_REGIONS.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn access_analyzer_against_moto_is_an_error_naming_list_analyzers() {
    let case = ControlCase::new();
    let result = audit(&case, ACCESS_ANALYZER);
    assert_eq!(status(&result), "error", "{result:#}");
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(
        message.contains("access-analyzer:ListAnalyzers"),
        "{message}"
    );
    let by_region = findings(&result);
    assert_eq!(by_region.len(), TEST_REGIONS.len(), "{result:#}");
    assert!(by_region.values().all(|s| s == "error"), "{by_region:?}");
}
