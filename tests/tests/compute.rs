//! EC2 instances, RDS, EFS and KMS controls end to end against moto: resources in several
//! regions, pass and fail findings each with its region, one result per account and
//! control, and the KMS rotation fix applied and rolled back exactly.

use std::collections::BTreeMap;

use cisrun_e2e::compute_seed::{self, Db};
use cisrun_e2e::{finding_rows, outcome_status as status, profile_yaml, seed, ControlCase};
use serde_json::Value;

const IAM_ROLES: &str = "aws-ec2-instance-iam-roles";
const IMDSV2: &str = "aws-ec2-imdsv2-required";
const RDS_ENCRYPTION: &str = "aws-rds-encryption-at-rest";
const RDS_MINOR: &str = "aws-rds-auto-minor-version-upgrade";
const RDS_PUBLIC: &str = "aws-rds-no-public-access";
const RDS_MULTI_AZ: &str = "aws-rds-multi-az";
const EFS: &str = "aws-efs-encryption";
const KMS: &str = "aws-kms-cmk-rotation";

/// The regions these tests read: two where resources pass, two where they fail.
const REGIONS: &[&str] = &["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"];

/// A CIS AWS v7.0.0 Level 2 profile (every control here is in it) narrowed to `controls`
/// and to [`REGIONS`].
fn profile(controls: &[&str]) -> String {
    profile_yaml("v7.0.0", controls, REGIONS, "")
}

/// Audits `controls`; their results by control id.
fn audit(case: &ControlCase, controls: &[&str]) -> BTreeMap<String, Value> {
    let results = case.audit(&profile(controls));
    assert_eq!(
        results.len(),
        controls.len(),
        "one result per control: {results:#?}"
    );
    results
}

/// Each finding's status by resource, with its region.
fn findings(result: &Value) -> BTreeMap<String, (String, String)> {
    finding_rows(result)
        .into_iter()
        .map(|(resource, region, status)| (resource, (region, status)))
        .collect()
}

fn finding(region: &str, status: &str) -> (String, String) {
    (region.to_string(), status.to_string())
}

fn instance_arn(region: &str, id: &str) -> String {
    format!("arn:aws:ec2:{region}:{}:instance/{id}", seed::ACCOUNT)
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_pass_and_fail_region_by_region() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let profile = compute_seed::instance_profile(endpoint, "app").await;
    let good_eu = compute_seed::instance(endpoint, "eu-west-1", Some(&profile), true).await;
    let good_us = compute_seed::instance(endpoint, "us-west-2", Some(&profile), true).await;
    let bad_us = compute_seed::instance(endpoint, "us-east-1", None, false).await;
    let gone = compute_seed::instance(endpoint, "eu-central-1", None, false).await;
    compute_seed::terminate(endpoint, "eu-central-1", &gone).await;

    let results = audit(&case, &[IAM_ROLES, IMDSV2]);
    let expected = BTreeMap::from([
        (
            instance_arn("eu-west-1", &good_eu),
            finding("eu-west-1", "pass"),
        ),
        (
            instance_arn("us-west-2", &good_us),
            finding("us-west-2", "pass"),
        ),
        (
            instance_arn("us-east-1", &bad_us),
            finding("us-east-1", "fail"),
        ),
    ]);
    for control in [IAM_ROLES, IMDSV2] {
        let result = &results[control];
        assert_eq!(status(result), "fail", "{control}: {result:#}");
        assert_eq!(
            findings(result),
            expected,
            "{control}: the terminated instance is ignored"
        );
        let message = result["outcome"]["message"].as_str().expect("message");
        assert!(
            message.starts_with("1 of 3 EC2 instances fail"),
            "{message}"
        );
    }

    compute_seed::terminate(endpoint, "us-east-1", &bad_us).await;
    let results = audit(&case, &[IAM_ROLES, IMDSV2]);
    for control in [IAM_ROLES, IMDSV2] {
        assert_eq!(status(&results[control]), "pass", "{:#}", results[control]);
        assert_eq!(findings(&results[control]).len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rds_instances_pass_and_fail_region_by_region() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let good_eu = compute_seed::db_instance(endpoint, "eu-west-1", "good-eu", Db::COMPLIANT).await;
    let good_us = compute_seed::db_instance(endpoint, "us-west-2", "good-us", Db::COMPLIANT).await;
    let bad = compute_seed::db_instance(endpoint, "eu-central-1", "bad", Db::NONCOMPLIANT).await;
    let controls = [RDS_ENCRYPTION, RDS_MINOR, RDS_PUBLIC, RDS_MULTI_AZ];

    let results = audit(&case, &controls);
    let expected = BTreeMap::from([
        (good_eu.clone(), finding("eu-west-1", "pass")),
        (good_us.clone(), finding("us-west-2", "pass")),
        (bad.clone(), finding("eu-central-1", "fail")),
    ]);
    for control in controls {
        let result = &results[control];
        assert_eq!(status(result), "fail", "{control}: {result:#}");
        assert_eq!(findings(result), expected, "{control}");
    }
    // Manual in the benchmark, checked automatically: the report says so.
    assert!(
        results[RDS_MULTI_AZ].to_string().contains("manual"),
        "{:#}",
        results[RDS_MULTI_AZ]
    );

    // One flag at a time: only the control that reads it fails.
    let single = Db {
        auto_minor_version_upgrade: false,
        ..Db::COMPLIANT
    };
    case.moto.reset();
    compute_seed::db_instance(&case.moto.endpoint, "eu-west-1", "good", Db::COMPLIANT).await;
    compute_seed::db_instance(&case.moto.endpoint, "us-east-1", "no-upgrades", single).await;
    let results = audit(&case, &controls);
    for control in controls {
        let expected = if control == RDS_MINOR { "fail" } else { "pass" };
        assert_eq!(
            status(&results[control]),
            expected,
            "{control}: {:#}",
            results[control]
        );
        assert_eq!(findings(&results[control]).len(), 2, "{control}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_publicly_accessible_rds_instance_fails_and_its_public_subnets_are_named() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let gateway = compute_seed::db_subnet_group(endpoint, "eu-west-1", "public", true)
        .await
        .expect("an internet gateway");
    compute_seed::db_subnet_group(endpoint, "us-west-2", "private", false).await;
    let flagged = Db {
        publicly_accessible: true,
        ..Db::COMPLIANT
    };
    let exposed =
        compute_seed::db_instance_in(endpoint, "eu-west-1", "exposed", flagged, "public").await;
    let unflagged =
        compute_seed::db_instance_in(endpoint, "eu-west-1", "unflagged", Db::COMPLIANT, "public")
            .await;
    let flagged_private =
        compute_seed::db_instance_in(endpoint, "us-west-2", "flagged", flagged, "private").await;

    let results = audit(&case, &[RDS_PUBLIC]);
    let result = &results[RDS_PUBLIC];
    assert_eq!(status(result), "fail", "{result:#}");
    assert_eq!(
        findings(result),
        BTreeMap::from([
            (exposed.clone(), finding("eu-west-1", "fail")),
            // The audit checks the subnets of flagged instances only.
            (unflagged, finding("eu-west-1", "pass")),
            (flagged_private.clone(), finding("us-west-2", "fail")),
        ])
    );
    let detail = |arn: &str| {
        result["outcome"]["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .find(|e| e["resource"] == arn)
            .and_then(|e| e["detail"].as_str())
            .expect("a detail")
            .to_string()
    };
    // Public through the VPC's main route table: the subnets have none of their own.
    let exposed_detail = detail(&exposed);
    assert!(
        exposed_detail.starts_with("publicly accessible, in public subnets: subnet-")
            && exposed_detail.contains(&format!("(0.0.0.0/0 via {gateway})")),
        "{exposed_detail}"
    );
    assert_eq!(
        detail(&flagged_private),
        "publicly accessible, in private subnets (no route to an internet gateway)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn efs_file_systems_pass_and_fail_region_by_region() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let good_eu = compute_seed::file_system(endpoint, "eu-west-1", "good-eu", true).await;
    let good_us = compute_seed::file_system(endpoint, "us-east-1", "good-us", true).await;
    let bad = compute_seed::file_system(endpoint, "us-west-2", "bad", false).await;

    let results = audit(&case, &[EFS]);
    assert_eq!(status(&results[EFS]), "fail", "{:#}", results[EFS]);
    assert_eq!(
        findings(&results[EFS]),
        BTreeMap::from([
            (good_eu, finding("eu-west-1", "pass")),
            (good_us, finding("us-east-1", "pass")),
            (bad.clone(), finding("us-west-2", "fail")),
        ])
    );
    let message = results[EFS]["outcome"]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains(&bad) && message.contains("us-west-2"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_rotation_fails_per_key_and_the_fix_rolls_back_exactly() {
    let case = ControlCase::new();
    let endpoint = &case.moto.endpoint;
    let rotating = compute_seed::key(endpoint, "eu-west-1", false, true).await;
    let off_eu = compute_seed::key(endpoint, "eu-west-1", false, false).await;
    let off_us = compute_seed::key(endpoint, "us-east-1", false, false).await;
    // Imported key material cannot rotate automatically: not a finding.
    let imported = compute_seed::key(endpoint, "us-west-2", true, false).await;

    let results = audit(&case, &[KMS]);
    assert_eq!(status(&results[KMS]), "fail", "{:#}", results[KMS]);
    assert_eq!(
        findings(&results[KMS]),
        BTreeMap::from([
            (rotating.clone(), finding("eu-west-1", "pass")),
            (off_eu.clone(), finding("eu-west-1", "fail")),
            (off_us.clone(), finding("us-east-1", "fail")),
        ]),
        "the imported key {imported} is not judged"
    );

    let profile = case.profile(&profile(&[KMS]));
    let profile = profile.to_str().expect("utf-8");
    let journal = case.journal();
    let journal = journal.to_str().expect("utf-8");

    let plan = case.cisrun(&["remediate", "--profile", profile]);
    assert_eq!(plan.code, 1, "a plan with changes: {plan:?}");
    assert!(
        plan.stdout.contains(&off_eu) || plan.stdout.contains("eu-west-1"),
        "{}",
        plan.stdout
    );
    assert!(
        !compute_seed::key_rotation(endpoint, "us-east-1", &off_us).await,
        "the plan changed nothing"
    );

    // A safe fix: applied without --unsafe-fixes.
    let applied = case.cisrun(&[
        "remediate",
        "--profile",
        profile,
        "--apply",
        "--journal",
        journal,
    ]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert!(compute_seed::key_rotation(endpoint, "eu-west-1", &off_eu).await);
    assert!(compute_seed::key_rotation(endpoint, "us-east-1", &off_us).await);
    assert!(
        !compute_seed::key_rotation(endpoint, "us-west-2", &imported).await,
        "imported key untouched"
    );
    let results = audit(&case, &[KMS]);
    assert_eq!(status(&results[KMS]), "pass", "{:#}", results[KMS]);
    let recorded = std::fs::read_to_string(journal).expect("journal");
    assert!(recorded.contains("key_rotation_enabled"), "{recorded}");

    let rolled_back = case.cisrun(&["rollback", "--journal", journal]);
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert!(
        compute_seed::key_rotation(endpoint, "eu-west-1", &rotating).await,
        "was on before: stays on"
    );
    assert!(
        !compute_seed::key_rotation(endpoint, "eu-west-1", &off_eu).await,
        "off again"
    );
    assert!(
        !compute_seed::key_rotation(endpoint, "us-east-1", &off_us).await,
        "off again"
    );
}
