//! Regions end to end against moto, on the regional template control (EBS encryption by
//! default): every enabled region read once, the profile's `regions:` narrowing, the
//! regional verdict (fail > error > pass) with one result per account, a region whose calls
//! are denied, structured findings in the JSON report, and a per-region fix that rolls back
//! exactly.

use std::collections::BTreeMap;

use cisrun_e2e::{
    finding_rows, ocsf_check, outcome_status as status, regional_profile_yaml, results_by_control,
    sdk_config_in, seed, ControlCase, Fault, FaultProxy, TEST_REGIONS,
};
use serde_json::Value;

const EBS: &str = "aws-ec2-ebs-default-encryption";

/// Audits with `yaml` through `endpoint`; the EBS result (the account's only one) and the
/// JSON report. The OCSF findings are left in `findings.ocsf.json`.
fn audit_at(case: &ControlCase, endpoint: &str, yaml: &str) -> (Value, Value) {
    let ocsf = case.path("findings.ocsf.json");
    let report = case.audit_report_at(endpoint, yaml, &["--ocsf", ocsf.to_str().expect("utf-8")]);
    let results = results_by_control(&report, seed::ACCOUNT);
    assert_eq!(results.len(), 1, "one result per account: {results:#?}");
    (results[EBS].clone(), report)
}

fn audit(case: &ControlCase, yaml: &str) -> Value {
    audit_at(case, &case.moto.endpoint, yaml).0
}

async fn enable_ebs_default(case: &ControlCase, region: &str) {
    ec2_in(&case.moto.endpoint, region)
        .await
        .enable_ebs_encryption_by_default()
        .send()
        .await
        .expect("enable EBS encryption by default");
}

async fn ebs_default(case: &ControlCase, region: &str) -> bool {
    ec2_in(&case.moto.endpoint, region)
        .await
        .get_ebs_encryption_by_default()
        .send()
        .await
        .expect("get EBS encryption by default")
        .ebs_encryption_by_default()
        .unwrap_or(false)
}

async fn ec2_in(endpoint: &str, region: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk_config_in(endpoint, region).await)
}

/// Each finding's region and status, by region.
fn findings(result: &Value) -> BTreeMap<String, String> {
    finding_rows(result)
        .into_iter()
        .map(|(_, region, status)| (region, status))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_region_is_read_and_one_region_off_fails_the_account() {
    let case = ControlCase::new();
    for region in &TEST_REGIONS[..3] {
        enable_ebs_default(&case, region).await;
    }
    let yaml = regional_profile_yaml(&[EBS], TEST_REGIONS);
    let result = audit(&case, &yaml);
    assert_eq!(status(&result), "fail", "{result:#}");
    let expected: BTreeMap<String, String> = TEST_REGIONS
        .iter()
        .map(|r| {
            let status = if *r == "us-west-2" { "fail" } else { "pass" };
            (r.to_string(), status.to_string())
        })
        .collect();
    assert_eq!(findings(&result), expected);
    let first = &result["outcome"]["evidence"][0];
    assert_eq!(
        first["resource"],
        "arn:aws:ec2:us-west-2:123456789012:ebs-encryption-by-default"
    );
    assert!(
        result["outcome"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("us-west-2")),
        "{result:#}"
    );

    enable_ebs_default(&case, "us-west-2").await;
    let result = audit(&case, &yaml);
    assert_eq!(status(&result), "pass", "{result:#}");
    assert_eq!(findings(&result).len(), TEST_REGIONS.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_regions_every_enabled_region_is_read_once() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    // moto lists opt-in regions as `not-opted-in` even without AllRegions; AWS would not.
    // Either way they are not the account's: only the others are read.
    let listed = ec2_in(&case.moto.endpoint, "us-east-1")
        .await
        .describe_regions()
        .send()
        .await
        .expect("describe regions");
    let enabled = listed
        .regions()
        .iter()
        .filter(|r| r.opt_in_status() != Some("not-opted-in"))
        .count();
    assert!(
        enabled < listed.regions().len(),
        "moto lists opt-in regions"
    );
    let yaml = cisrun_e2e::narrow_profile_yaml(&[EBS]);
    let (result, _) = audit_at(&case, &proxy.endpoint, &yaml);
    assert_eq!(status(&result), "fail");
    assert_eq!(findings(&result).len(), enabled, "{result:#}");
    assert_eq!(proxy.count("DescribeRegions"), 1);
    assert_eq!(proxy.count("GetEbsEncryptionByDefault"), enabled);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_region_is_that_regions_error_and_the_verdict_follows_the_rule() {
    let case = ControlCase::new();
    for region in TEST_REGIONS {
        enable_ebs_default(&case, region).await;
    }
    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(
        Fault::new(
            "GetEbsEncryptionByDefault",
            403,
            "UnauthorizedOperation",
            "You are not authorized to perform this operation (explicit deny in a service control policy)",
        )
        .in_region("eu-central-1"),
    );
    let yaml = regional_profile_yaml(&[EBS], TEST_REGIONS);

    // Every readable region passes: the account's result is an error naming the region.
    let (result, report) = audit_at(&case, &proxy.endpoint, &yaml);
    assert_eq!(status(&result), "error", "{result:#}");
    let by_region = findings(&result);
    assert_eq!(by_region["eu-central-1"], "error");
    assert_eq!(by_region["eu-west-1"], "pass");
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(message.contains("eu-central-1"), "{message}");
    assert!(
        message.contains("ec2:GetEbsEncryptionByDefault"),
        "{message}"
    );
    assert_eq!(
        result["outcome"]["error"]["missing_permission"],
        "ec2:GetEbsEncryptionByDefault"
    );
    assert_eq!(report["accounts"][0]["results"][0]["control_id"], EBS);

    // A readable region that fails decides the verdict: fail, the unread region still listed.
    ec2_in(&case.moto.endpoint, "us-west-2")
        .await
        .disable_ebs_encryption_by_default()
        .send()
        .await
        .expect("disable");
    let (result, _) = audit_at(&case, &proxy.endpoint, &yaml);
    assert_eq!(status(&result), "fail", "{result:#}");
    let by_region = findings(&result);
    assert_eq!(by_region["us-west-2"], "fail");
    assert_eq!(by_region["eu-central-1"], "error");

    // OCSF: one finding per region, each with its region and its own compliance status.
    let summary = ocsf_check(&case.dir.path().join("findings.ocsf.json"));
    assert_eq!(summary["events"], TEST_REGIONS.len(), "{summary:#}");
    let mut regions: Vec<&str> = summary["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    regions.sort_unstable();
    let mut expected = TEST_REGIONS.to_vec();
    expected.sort_unstable();
    assert_eq!(regions, expected);
    assert_eq!(summary["compliance_status"]["Pass"], 2, "{summary:#}");
    assert_eq!(summary["compliance_status"]["Fail"], 1, "{summary:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn exclude_drops_a_region_and_bad_region_keys_are_errors_with_a_location() {
    let case = ControlCase::new();
    for region in &TEST_REGIONS[..3] {
        enable_ebs_default(&case, region).await;
    }
    let yaml = format!(
        "{}regions:\n  exclude: [us-west-2]\n",
        cisrun_e2e::narrow_profile_yaml(&[EBS])
    );
    let by_region = findings(&audit(&case, &yaml));
    assert!(!by_region.contains_key("us-west-2"), "{by_region:?}");
    assert_eq!(by_region["eu-west-1"], "pass");
    assert_eq!(by_region["us-east-2"], "fail");

    for (bad, expected) in [
        (
            "regions:\n  includes: [eu-west-1]\n",
            "unknown field `includes`",
        ),
        ("regions:\n  include: [eu-west]\n", "not an AWS region code"),
        (
            "regions:\n  include: [eu-west-1]\n  exclude: [eu-west-1]\n",
            "both included and excluded",
        ),
    ] {
        let yaml = format!("{}{bad}", cisrun_e2e::narrow_profile_yaml(&[EBS]));
        let profile = case.profile(&yaml);
        let out = case.cisrun_at(
            &case.moto.endpoint,
            &["audit", "--profile", profile.to_str().expect("utf-8")],
        );
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains(expected), "{bad}: {}", out.stderr);
        let location = format!("{}:", profile.display());
        assert!(out.stderr.contains(&location), "{}", out.stderr);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fix_turns_on_each_region_that_was_off_and_rollback_restores_exactly_those() {
    let case = ControlCase::new();
    enable_ebs_default(&case, "eu-west-1").await;
    let profile = case.profile(&regional_profile_yaml(&[EBS], TEST_REGIONS));
    let profile = profile.to_str().expect("utf-8");
    let journal = case.dir.path().join("journal.jsonl");
    let journal = journal.to_str().expect("utf-8");

    let plan = case.cisrun_at(&case.moto.endpoint, &["remediate", "--profile", profile]);
    assert_eq!(plan.code, 1, "a plan with changes: {plan:?}");
    for region in &TEST_REGIONS[1..] {
        assert!(plan.stdout.contains(region), "{region}: {}", plan.stdout);
    }
    assert!(
        !ebs_default(&case, "us-west-2").await,
        "the plan changed nothing"
    );

    // A safe fix: applied without --unsafe-fixes.
    let applied = case.cisrun_at(
        &case.moto.endpoint,
        &[
            "remediate",
            "--profile",
            profile,
            "--apply",
            "--journal",
            journal,
        ],
    );
    assert_eq!(applied.code, 0, "{applied:?}");
    for region in TEST_REGIONS {
        assert!(
            ebs_default(&case, region).await,
            "{region} on after the fix"
        );
    }
    assert_eq!(
        status(&audit(&case, &regional_profile_yaml(&[EBS], TEST_REGIONS))),
        "pass"
    );

    let rolled_back = case.cisrun_at(&case.moto.endpoint, &["rollback", "--journal", journal]);
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert!(
        ebs_default(&case, "eu-west-1").await,
        "was on before: stays on"
    );
    for region in &TEST_REGIONS[1..] {
        assert!(!ebs_default(&case, region).await, "{region} off again");
    }
}

/// A region name of another shape in `DescribeRegions` (it would become an endpoint host and
/// report text) makes the regional control an error naming the action; no report carries it
/// raw.
#[tokio::test(flavor = "multi_thread")]
async fn a_region_name_of_another_shape_is_an_error_and_no_report_prints_it_raw() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(Fault::answer(
        "DescribeRegions",
        "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><regionInfo><item><regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus></item><item><regionName>&lt;img src=x onerror=alert(1)&gt;</regionName><optInStatus>opt-in-not-required</optInStatus></item></regionInfo></DescribeRegionsResponse>",
    ));
    let markdown = case.path("summary.md");
    let report = case.audit_report_at(
        &proxy.endpoint,
        &cisrun_e2e::narrow_profile_yaml(&[EBS]),
        &["--markdown", markdown.to_str().expect("utf-8")],
    );
    let result = &results_by_control(&report, seed::ACCOUNT)[EBS];
    assert_eq!(status(result), "error", "{result:#}");
    let error = &result["outcome"]["error"];
    assert_eq!(error["code"], "InvalidResponse", "{error:#}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("is not a region code"), "{message}");
    let summary = std::fs::read_to_string(&markdown).expect("markdown report");
    assert!(!summary.contains("<img"), "{summary}");
    assert_eq!(proxy.count("GetEbsEncryptionByDefault"), 0);
}

/// An account id from `sts:GetCallerIdentity` that is not 12 digits is refused where it
/// enters: the run says so, and the hostile text is never printed raw.
#[tokio::test(flavor = "multi_thread")]
async fn a_caller_account_id_of_another_shape_is_refused() {
    let case = ControlCase::new();
    let proxy = FaultProxy::start(case.moto.port);
    proxy.inject(Fault::answer(
        "GetCallerIdentity",
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/x</Arn><UserId>AIDAX</UserId><Account>&lt;img src=x onerror=alert(1)&gt;\n| injected |</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
    ));
    let profile = case.profile(&cisrun_e2e::narrow_profile_yaml(&[EBS]));
    let markdown = case.path("summary.md");
    let out = case.cisrun_at(
        &proxy.endpoint,
        &[
            "audit",
            "--profile",
            profile.to_str().expect("utf-8"),
            "--markdown",
            markdown.to_str().expect("utf-8"),
        ],
    );
    assert_ne!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    out.assert_no_panic();
    let printed = format!("{}{}", out.stdout, out.stderr);
    assert!(printed.contains("is not 12 digits"), "{printed}");
    assert!(!printed.contains("<img"), "{printed}");
    if let Ok(summary) = std::fs::read_to_string(&markdown) {
        assert!(!summary.contains("<img"), "{summary}");
    }
}
