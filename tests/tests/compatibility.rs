//! Reports written before targets had platforms still work: as a `--baseline`, in `diff`
//! and in `merge`. The fixture `tests/fixtures/report-before-platforms.json` is the JSON
//! report the release before the platform seam wrote (`accounts[].account_id`, no `kind`)
//! for the profile beside it, on the account this test seeds the same way.

use cisrun_e2e::seed::{self, ACCOUNT};
use cisrun_e2e::{
    iam_seed, ocsf_check, read_json, regional_seed, repo_root, results_by_control, run, Moto,
};

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

#[tokio::test]
async fn a_report_of_the_release_before_platforms_is_a_baseline_and_merges() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::user_with_policy(&iam, "ops", &seed::aws_policy("AdministratorAccess")).await;
    iam_seed::password_policy(&iam, 8, None).await;
    regional_seed::ebs_default_on(&moto.endpoint, "eu-west-1").await;

    let dir = tempfile::tempdir().expect("temp dir");
    let profile = dir.path().join("compat.yaml");
    std::fs::copy(fixture("report-before-platforms.profile.yaml"), &profile).expect("profile");
    let old = fixture("report-before-platforms.json");
    let json = dir.path().join("new.json");
    let out = run(moto
        .cisrun()
        .args(["audit", "--profile"])
        .arg(&profile)
        .arg("--baseline")
        .arg(&old)
        .arg("--json")
        .arg(&json)
        .args(["--fail-on", "new"]))
    .expect_code(0);
    let report = read_json(&json);
    let comparison = &report["baseline"];
    assert_eq!(comparison["results"]["unchanged"], 5, "{}", out.stdout);
    assert_eq!(comparison["new_failures"], 0);
    assert_eq!(comparison["results"]["fixed"], 0);
    let results = results_by_control(&report, ACCOUNT);
    assert_eq!(results["aws-iam-support-role"]["change"], "unchanged");
    // The new report keeps the old keys, and says what kind of target this is.
    assert_eq!(report["accounts"][0]["account_id"], ACCOUNT);
    assert_eq!(report["accounts"][0]["kind"], "aws-account");

    // diff and merge read the old report; its OCSF events know it is AWS from its benchmark.
    let ocsf = dir.path().join("old.ocsf.json");
    run(moto
        .cisrun()
        .arg("diff")
        .arg(&old)
        .arg(&json)
        .arg("--ocsf")
        .arg(&ocsf))
    .expect_code(0);
    ocsf_check(&ocsf);
    let events = read_json(&ocsf);
    assert_eq!(events[0]["cloud"]["provider"], "AWS", "{}", events[0]);
    let merged = dir.path().join("merged.json");
    run(moto
        .cisrun()
        .arg("merge")
        .arg(&old)
        .arg("--json")
        .arg(&merged))
    .expect_code(1);
    assert_eq!(
        results_by_control(&read_json(&merged), ACCOUNT)["aws-iam-no-full-admin-policies"]
            ["outcome"]["status"],
        "fail"
    );
}
