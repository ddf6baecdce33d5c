//! An outside team's cisrun: `examples/plugin` builds `acme-cisrun` from the project's crates
//! (by path) plus its own benchmark, controls and profile. Driven here as users drive it.

use std::path::Path;

use cisrun_e2e::{
    assert_valid_junit, binary_against, built_binary, read_json, repo_root, results_by_control,
    run, seed, write_profile, Moto, Run,
};

fn acme(moto: &Moto) -> std::process::Command {
    binary_against(
        &built_binary("acme-cisrun"),
        &moto.endpoint,
        moto.home.path(),
    )
}

fn offline(args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temp dir");
    let out = run(binary_against(
        &built_binary("acme-cisrun"),
        "http://127.0.0.1:9",
        home.path(),
    )
    .args(args));
    out.assert_no_panic();
    out
}

#[test]
fn list_profiles_explain_and_schema_show_built_in_and_acme_parts() {
    let list = offline(&["list"]).expect_code(0);
    for id in [
        "aws-iam-support-role",
        "acme-iam-admin-only-through-roles",
        "acme-iam-user-limit",
    ] {
        assert!(list.stdout.contains(id), "{id} missing:\n{}", list.stdout);
    }
    assert!(list.stdout.contains("in 2 benchmark(s)"), "{}", list.stdout);
    let profiles = offline(&["profiles"]).expect_code(0);
    assert!(
        profiles.stdout.contains("acme-aws-baseline-v1")
            && profiles
                .stdout
                .contains("cis-aws-foundations-v3.0.0-level1"),
        "{}",
        profiles.stdout
    );
    let explain = offline(&["explain", "acme-iam-user-limit"]).expect_code(0);
    assert!(explain.stdout.contains("## Audit"), "{}", explain.stdout);
    assert!(
        explain.stdout.contains("acme-aws-baseline v1 1.2"),
        "{}",
        explain.stdout
    );
    let coverage = offline(&["coverage", "--benchmark", "acme-aws-baseline"]).expect_code(0);
    assert!(
        coverage.stdout.contains("4 automated"),
        "{}",
        coverage.stdout
    );
    let schema = offline(&["schema"]).expect_code(0);
    assert!(schema.stdout.contains("\"max_users\""), "{}", schema.stdout);
    // The shipped cisrun has none of ACME's parts.
    let plain = run(cisrun_e2e::cisrun_offline(Path::new("/tmp")).arg("list")).expect_code(0);
    assert!(!plain.stdout.contains("acme-"), "{}", plain.stdout);
}

/// A family (one rule type, two registered instances) is two controls everywhere: `list`,
/// `explain`, `coverage`, `permissions` and every report name each instance on its own.
#[tokio::test]
async fn a_family_of_two_is_two_controls_in_every_listing_and_report() {
    let list = offline(&["list"]).expect_code(0);
    for (id, title) in [
        (
            "acme-iam-no-admin-on-users",
            "AdministratorAccess is attached to no IAM user",
        ),
        (
            "acme-iam-no-poweruser-on-users",
            "PowerUserAccess is attached to no IAM user",
        ),
    ] {
        let row = list
            .stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} is not listed:\n{}", list.stdout));
        assert!(row.contains(title), "{row}");
    }
    let admin = offline(&["explain", "acme-iam-no-admin-on-users"]).expect_code(0);
    let power = offline(&["explain", "acme-iam-no-poweruser-on-users"]).expect_code(0);
    assert!(
        admin.stdout.contains("acme-aws-baseline v1 1.3"),
        "{}",
        admin.stdout
    );
    assert!(
        power.stdout.contains("acme-aws-baseline v1 1.4"),
        "{}",
        power.stdout
    );
    assert!(
        power.stdout.contains("as good as administrator"),
        "{}",
        power.stdout
    );
    assert!(
        !admin.stdout.contains("as good as administrator"),
        "{}",
        admin.stdout
    );
    let coverage = offline(&[
        "coverage",
        "--benchmark",
        "acme-aws-baseline",
        "--format",
        "json",
    ])
    .expect_code(0);
    let coverage: serde_json::Value = serde_json::from_str(&coverage.stdout).expect("json");
    let automated: Vec<&str> = coverage[0]["recommendations"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["coverage"] == "automated")
        .filter_map(|r| r["control_id"].as_str())
        .collect();
    assert!(
        automated.contains(&"acme-iam-no-admin-on-users"),
        "{automated:?}"
    );
    assert!(
        automated.contains(&"acme-iam-no-poweruser-on-users"),
        "{automated:?}"
    );

    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::user_with_policy(&iam, "ops", &seed::aws_policy("PowerUserAccess")).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("r.json"));
    run(acme(&moto)
        .args(["audit", "--profile", "acme-aws-baseline-v1", "--junit"])
        .arg(&junit)
        .arg("--json")
        .arg(&json))
    .expect_code(1);
    assert_valid_junit(&junit);
    let results = results_by_control(&read_json(&json), seed::ACCOUNT);
    assert_eq!(
        results["acme-iam-no-admin-on-users"]["outcome"]["status"],
        "pass"
    );
    assert_eq!(
        results["acme-iam-no-poweruser-on-users"]["outcome"]["status"],
        "fail"
    );
    assert_eq!(
        results["acme-iam-no-poweruser-on-users"]["outcome"]["evidence"][0]["resource"],
        "user/ops"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("1.3 AdministratorAccess is attached to no IAM user"),
        "{xml}"
    );
    assert!(
        xml.contains("1.4 PowerUserAccess is attached to no IAM user"),
        "{xml}"
    );
}

#[tokio::test]
async fn the_acme_profile_audits_and_writes_valid_junit() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::user_with_policy(&iam, "ops", &seed::aws_policy("AdministratorAccess")).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("r.json"));
    let out = run(acme(&moto)
        .args(["audit", "--profile", "acme-aws-baseline-v1", "--junit"])
        .arg(&junit)
        .arg("--json")
        .arg(&json))
    .expect_code(1);
    assert_valid_junit(&junit);
    let results = results_by_control(&read_json(&json), seed::ACCOUNT);
    let status = |id: &str| {
        results[id]["outcome"]["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(
        status("acme-iam-admin-only-through-roles"),
        "fail",
        "{}",
        out.stdout
    );
    assert_eq!(status("acme-iam-user-limit"), "pass", "{}", out.stdout);
    assert_eq!(results["acme-iam-user-limit"]["number"], "1.2");
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains("1.1 AdministratorAccess is attached only to roles"),
        "{xml}"
    );

    // Typed parameters reach the audit; a tighter limit fails.
    let profile = write_profile(
        dir.path(),
        "tight.yaml",
        "benchmark: acme-aws-baseline\nversion: v1\nlevel: 1\nparameters:\n  acme-iam-user-limit:\n    max_users: 1\n",
    );
    seed::user_with_policy(&iam, "dev", &seed::aws_policy("ReadOnlyAccess")).await;
    let out = run(acme(&moto)
        .arg("audit")
        .arg("--profile")
        .arg(&profile)
        .arg("--json")
        .arg(&json))
    .expect_code(1);
    let results = results_by_control(&read_json(&json), seed::ACCOUNT);
    assert_eq!(
        results["acme-iam-user-limit"]["outcome"]["status"], "fail",
        "{}",
        out.stdout
    );
}

#[test]
fn bad_typed_parameters_are_refused_when_the_profile_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (value, phrase) in [
        ("0", "max_users must be at least 1"),
        ("many", "invalid type"),
    ] {
        let profile = write_profile(
            dir.path(),
            "bad.yaml",
            &format!(
                "benchmark: acme-aws-baseline\nversion: v1\nlevel: 1\nparameters:\n  acme-iam-user-limit:\n    max_users: {value}\n"
            ),
        );
        let out = offline(&["audit", "--profile", profile.to_str().expect("UTF-8")]).expect_code(2);
        assert!(out.stderr.contains(phrase), "{value}: {}", out.stderr);
        assert!(out.stderr.contains("bad.yaml:"), "{}", out.stderr);
    }
}

/// The README's "Writing a plugin crate" shows the example's real files, so the two cannot
/// drift apart.
#[test]
fn the_readme_plugin_section_is_the_example() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split("## Writing a plugin crate")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a `## Writing a plugin crate` section");
    for file in [
        "src/bin/acme-cisrun.rs",
        "src/lib.rs",
        "src/controls/acme_iam_user_limit.rs",
        "benchmarks/acme-aws-baseline-v1.tsv",
        "profiles/acme-aws-baseline-v1.yaml",
    ] {
        let text = std::fs::read_to_string(repo_root().join("examples/plugin").join(file))
            .expect("example file");
        assert!(
            section.contains(text.trim_end()),
            "README's plugin section does not show examples/plugin/{file} as it is"
        );
    }
}
