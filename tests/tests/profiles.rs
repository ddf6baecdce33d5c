//! YAML profiles end to end: every mistake is exit 2 with `file:line:column` and a helpful
//! message (no AWS needed), and what a valid profile says is what the audit does (moto).

use std::path::Path;

use cisrun_e2e::{
    assert_valid_junit, read_json, results_by_control, run, seed, Moto, Offline, Run, Value,
};

const HEAD: &str = "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n";
const CONTROL: &str = "aws-iam-support-role";
const TITLE: &str = "Ensure a support role has been created to manage incidents with AWS Support";

/// Audits `yaml` offline and checks the error: exit 2, `<path>:<line>:<column>: ` on stderr,
/// every phrase present, nothing on stdout.
#[track_caller]
fn assert_profile_error(yaml: &str, line: usize, column: usize, phrases: &[&str]) -> Run {
    let offline = Offline::new();
    let path = offline.profile("profile.yaml", yaml);
    let out = run(offline.cisrun().args(["audit", "--profile"]).arg(&path));
    assert_error_at(&out, &path, line, column, phrases);
    out
}

#[track_caller]
fn assert_error_at(out: &Run, path: &Path, line: usize, column: usize, phrases: &[&str]) {
    assert_eq!(out.code, 2, "exit code for a bad profile\n{out:?}");
    out.assert_no_panic();
    let location = format!("{}:{line}:{column}: ", path.display());
    assert!(
        out.stderr.contains(&location),
        "stderr should name {location}\n--- stderr\n{}",
        out.stderr
    );
    for phrase in phrases {
        assert!(
            out.stderr.contains(phrase),
            "stderr should contain {phrase:?}\n--- stderr\n{}",
            out.stderr
        );
    }
    assert_eq!(
        out.stdout, "",
        "nothing on stdout when the run cannot start"
    );
}

// ---- unknown keys ----------------------------------------------------------------------

#[test]
fn unknown_top_level_key() {
    assert_profile_error(
        &format!("{HEAD}colour: red\n"),
        4,
        1,
        &["unknown field `colour`", "expected one of", "`exceptions`"],
    );
}

#[test]
fn unknown_key_in_controls() {
    assert_profile_error(
        &format!("{HEAD}controls:\n  include: [aws-iam-support-role]\n  inclde: [x]\n"),
        6,
        3,
        &["controls: unknown field `inclde`", "`include` or `exclude`"],
    );
}

#[test]
fn unknown_key_in_exceptions() {
    assert_profile_error(
        &format!(
            "{HEAD}exceptions:\n  - control: aws-iam-support-role\n    reason: ok\n    acount: \"123456789012\"\n"
        ),
        7,
        5,
        &["exceptions[0]: unknown field `acount`", "`account`"],
    );
}

#[test]
fn unknown_key_in_targets() {
    assert_profile_error(
        &format!("{HEAD}targets:\n  source: current\n  acounts: []\n"),
        6,
        3,
        &["targets: unknown field `acounts`", "`accounts`"],
    );
}

#[test]
fn unknown_key_in_assume_role() {
    assert_profile_error(
        &format!(
            "{HEAD}targets:\n  source: accounts\n  accounts: [\"111111111111\"]\n  assume_role:\n    role: Audit\n    sesion_name: ci\n"
        ),
        9,
        5,
        &["targets.assume_role: unknown field `sesion_name`", "`session_name`"],
    );
}

#[test]
fn unknown_target_source() {
    assert_profile_error(
        &format!("{HEAD}targets:\n  source: everything\n"),
        5,
        11,
        &["unknown variant `everything`", "`organization`"],
    );
}

// ---- control references ----------------------------------------------------------------

#[test]
fn misspelled_control_in_include_suggests_the_right_id() {
    assert_profile_error(
        &format!("{HEAD}controls:\n  include: [aws-iam-suport-role]\n"),
        5,
        13,
        &[
            "controls.include[0]: unknown control `aws-iam-suport-role`",
            "did you mean `aws-iam-support-role`?",
        ],
    );
}

#[test]
fn misspelled_control_in_exclude_points_at_the_list_item() {
    assert_profile_error(
        &format!("{HEAD}controls:\n  exclude:\n    - aws-iam-suport-role\n"),
        6,
        7,
        &[
            "controls.exclude[0]: unknown control `aws-iam-suport-role`",
            "did you mean `aws-iam-support-role`?",
        ],
    );
}

#[test]
fn misspelled_control_in_exceptions() {
    assert_profile_error(
        &format!("{HEAD}exceptions:\n  - control: aws-iam-suport-role\n    reason: accepted\n"),
        5,
        14,
        &["exceptions[0].control: unknown control `aws-iam-suport-role`"],
    );
}

#[test]
fn misspelled_control_in_parameters() {
    assert_profile_error(
        &format!("{HEAD}parameters:\n  aws-iam-suport-role:\n    role_name: support\n"),
        5,
        3,
        &[
            "parameters: unknown control `aws-iam-suport-role`",
            "did you mean",
        ],
    );
}

#[test]
fn unknown_cis_number_lists_the_known_ones() {
    assert_profile_error(
        &format!("{HEAD}controls:\n  include: [\"9.99\"]\n"),
        5,
        13,
        &[
            "unknown control `9.99`",
            "CIS number of cis-aws-foundations v3.0.0",
            "cisrun coverage --version v3.0.0",
        ],
    );
}

#[test]
fn a_number_from_another_version_says_which_version_it_belongs_to() {
    assert_profile_error(
        &format!("{HEAD}controls:\n  include: [\"2.15\"]\n"),
        5,
        13,
        &[
            "unknown control `2.15`",
            "2.15 is the number of ",
            "`aws-iam-support-role` in v7.0.0; v3.0.0 numbers it 1.17",
        ],
    );
}

#[test]
fn unquoted_number_that_does_not_resolve_suggests_quoting() {
    // YAML reads `1.20` as the float 1.2.
    assert_profile_error(
        "benchmark: cis-aws-foundations\nversion: v1.2.0\nlevel: 1\ncontrols:\n  include: [1.20]\n",
        5,
        13,
        &[
            "unknown control `1.2`",
            "drops trailing zeros",
            "quote CIS numbers as written, e.g. \"1.20\"",
        ],
    );
}

// ---- benchmark, version, level ---------------------------------------------------------

#[test]
fn level_3() {
    assert_profile_error(
        "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 3\n",
        3,
        8,
        &["level: level must be 1 or 2", "got 3"],
    );
}

#[test]
fn level_as_text() {
    assert_profile_error(
        "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: two\n",
        3,
        8,
        &["level 1 or 2"],
    );
}

#[test]
fn unknown_version() {
    assert_profile_error(
        "benchmark: cis-aws-foundations\nversion: v3.1.0\nlevel: 1\n",
        2,
        10,
        &[
            "unknown version `v3.1.0`",
            "expected one of: v1.2.0",
            "v7.0.0",
        ],
    );
}

#[test]
fn unknown_version_is_reported_before_the_controls_that_depend_on_it() {
    assert_profile_error(
        "benchmark: cis-aws-foundations\nlevel: 1\ncontrols:\n  include: [\"1.17\"]\nversion: v9\n",
        5,
        10,
        &["unknown version `v9`"],
    );
}

#[test]
fn unknown_benchmark() {
    assert_profile_error(
        "benchmark: cis-gcp-foundations\nversion: v3.0.0\nlevel: 1\n",
        1,
        12,
        &[
            "unknown benchmark `cis-gcp-foundations`",
            "expected one of: cis-aws-foundations",
        ],
    );
}

#[test]
fn missing_required_key() {
    assert_profile_error(
        "benchmark: cis-aws-foundations\nversion: v3.0.0\n",
        1,
        1,
        &["missing field `level`"],
    );
}

// ---- exceptions ------------------------------------------------------------------------

#[test]
fn bad_dates_in_expires() {
    for date in [
        "2024-13-01",
        "2025-02-30",
        "next-year",
        "2025-1-5",
        "\"31.12.2025\"",
    ] {
        assert_profile_error(
            &format!(
                "{HEAD}exceptions:\n  - control: aws-iam-support-role\n    reason: accepted\n    expires: {date}\n"
            ),
            7,
            14,
            &["exceptions[0].expires: ", "not a valid date", "YYYY-MM-DD"],
        );
    }
}

#[test]
fn account_ids_must_have_12_digits() {
    for account in [
        "\"12345\"",
        "12345",
        "\"1234567890123\"",
        "\"12345678901a\"",
    ] {
        assert_profile_error(
            &format!(
                "{HEAD}exceptions:\n  - control: aws-iam-support-role\n    account: {account}\n    reason: accepted\n"
            ),
            6,
            14,
            &["exceptions[0].account: ", "is not an AWS account id: expected 12 digits"],
        );
    }
    assert_profile_error(
        &format!(
            "{HEAD}targets:\n  source: accounts\n  accounts:\n    - \"111111111111\"\n    - \"22222222222\"\n  assume_role: {{role: Audit}}\n"
        ),
        8,
        7,
        &["targets.accounts[1]: `22222222222` is not an AWS account id"],
    );
}

#[test]
fn empty_reason() {
    for reason in ["\"\"", "\"   \""] {
        assert_profile_error(
            &format!(
                "{HEAD}exceptions:\n  - control: aws-iam-support-role\n    reason: {reason}\n"
            ),
            6,
            13,
            &["exceptions[0].reason: must not be empty"],
        );
    }
}

#[test]
fn missing_reason() {
    assert_profile_error(
        &format!("{HEAD}exceptions:\n  - control: aws-iam-support-role\n"),
        5,
        5,
        &["exceptions[0]: missing field `reason`"],
    );
}

// ---- parameters ------------------------------------------------------------------------

#[test]
fn unknown_parameter_key_points_at_the_key() {
    assert_profile_error(
        &format!(
            "{HEAD}parameters:\n  aws-iam-support-role:\n    path: /\n    rolename: support\n"
        ),
        7,
        5,
        &[
            "parameters of `aws-iam-support-role`: unknown field `rolename`",
            "`role_name`",
        ],
    );
}

// ---- the file itself -------------------------------------------------------------------

#[test]
fn yaml_syntax_errors() {
    assert_profile_error(
        &format!("{HEAD}name: \"unterminated\n"),
        5,
        1,
        &["invalid YAML", "quoted scalar"],
    );
    assert_profile_error(
        &format!("{HEAD}\tname: x\n"),
        4,
        1,
        &["invalid YAML", "tab"],
    );
    assert_profile_error(
        &format!("{HEAD}controls:\n  include:\n  - a\n exclude: []\n"),
        7,
        2,
        &["invalid YAML", "did not find expected key"],
    );
}

#[test]
fn duplicate_key_points_at_the_second_one() {
    assert_profile_error(
        &format!("{HEAD}level: 2\n"),
        4,
        1,
        &["invalid YAML: duplicate entry with key \"level\""],
    );
}

#[test]
fn empty_file_and_comment_only_file() {
    for text in ["", "\n\n", "# nothing here\n", "---\n"] {
        assert_profile_error(
            text,
            1,
            1,
            &["the profile is empty", "`benchmark`, `version` and `level`"],
        );
    }
}

#[test]
fn a_list_instead_of_a_map() {
    assert_profile_error(
        "- benchmark: cis-aws-foundations\n- version: v3.0.0\n",
        1,
        1,
        &["invalid type: sequence", "expected a profile: a mapping"],
    );
}

#[test]
fn a_scalar_instead_of_a_map() {
    assert_profile_error(
        "cis-aws-foundations v3.0.0\n",
        1,
        1,
        &["expected a profile: a mapping"],
    );
}

#[test]
fn missing_profile_file() {
    let offline = Offline::new();
    let path = offline.path().join("does-not-exist.yaml");
    let out = run(offline.cisrun().args(["audit", "--profile"]).arg(&path));
    assert_eq!(out.code, 2, "{out:?}");
    out.assert_no_panic();
    assert!(
        out.stderr
            .contains(&format!("{}: cannot read the profile", path.display())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("No such file"), "{}", out.stderr);
}

#[test]
fn unreadable_profile_a_directory() {
    let offline = Offline::new();
    let path = offline.path().join("profile.yaml");
    std::fs::create_dir(&path).expect("mkdir");
    let out = run(offline.cisrun().args(["audit", "--profile"]).arg(&path));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("{}: cannot read the profile", path.display())),
        "{}",
        out.stderr
    );
}

#[test]
fn a_name_that_is_neither_a_file_nor_a_shipped_profile() {
    let offline = Offline::new();
    let out = run(offline
        .cisrun()
        .args(["audit", "--profile", "cis-aws-foundations-v9-level1"]));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("neither a profile file nor a shipped profile")
            && out.stderr.contains("cis-aws-foundations-v3.0.0-level1"),
        "{}",
        out.stderr
    );
}

#[test]
fn not_utf8() {
    let offline = Offline::new();
    let path = offline.path().join("latin1.yaml");
    std::fs::write(&path, b"benchmark: cis-aws-foundations\nname: caf\xe9\n").expect("write");
    let out = run(offline.cisrun().args(["audit", "--profile"]).arg(&path));
    assert_error_at(&out, &path, 2, 10, &["not UTF-8"]);
}

// ---- valid profiles against moto -------------------------------------------------------

/// Audits `yaml` against `moto`; returns the run, the JSON report and the JUnit text.
fn audit(moto: &Moto, yaml: &str) -> (Run, Value, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = cisrun_e2e::write_profile(dir.path(), "profile.yaml", yaml);
    let (junit, json) = (dir.path().join("junit.xml"), dir.path().join("report.json"));
    let out = run(moto
        .cisrun()
        .arg("audit")
        .arg("--profile")
        .arg(&profile)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json));
    out.assert_no_panic();
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert_valid_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("read junit");
    (out, read_json(&json), xml)
}

fn support_result(report: &Value) -> Value {
    results_by_control(report, seed::ACCOUNT)
        .remove(CONTROL)
        .unwrap_or_else(|| panic!("no {CONTROL} result in {report:#}"))
}

async fn seed_support_role(moto: &Moto) {
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
}

#[tokio::test]
async fn include_by_cis_number_selects_the_control() {
    let moto = Moto::start();
    seed_support_role(&moto).await;
    let (out, report, _) = audit(&moto, &format!("{HEAD}controls:\n  include: [\"1.17\"]\n"));
    assert_eq!(out.code, 0, "{out:?}");
    let results = results_by_control(&report, seed::ACCOUNT);
    assert_eq!(results.keys().collect::<Vec<_>>(), [CONTROL]);
    assert_eq!(results[CONTROL]["number"], "1.17");
    assert_eq!(results[CONTROL]["outcome"]["status"], "pass");
}

#[tokio::test]
async fn exclude_leaves_nothing_to_audit_and_exits_0() {
    let moto = Moto::start(); // nothing seeded: the control would fail
    let (out, report, xml) = audit(
        &moto,
        &format!(
            "{HEAD}controls:\n  include: [aws-iam-support-role]\n  exclude: [aws-iam-support-role]\n"
        ),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let results = results_by_control(&report, seed::ACCOUNT);
    assert!(results.is_empty(), "{report:#}");
    assert!(!xml.contains("<testcase"), "{xml}");
    assert!(out.stdout.contains("0 result(s)"), "{}", out.stdout);
}

fn exception_yaml(extra: &str) -> String {
    format!(
        "{HEAD}controls:\n  include: [aws-iam-support-role]\nexceptions:\n  - control: aws-iam-support-role\n    reason: Support handled by the MSP\n{extra}"
    )
}

#[tokio::test]
async fn a_valid_exception_for_every_account_skips_a_failing_control() {
    let moto = Moto::start(); // no support role: the control fails
    let (out, report, xml) = audit(&moto, &exception_yaml(""));
    assert_eq!(out.code, 0, "{out:?}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "skipped");
    assert_eq!(result["outcome"]["skip"]["kind"], "excepted");
    assert_eq!(
        result["outcome"]["skip"]["reason"],
        "Support handled by the MSP"
    );
    assert_eq!(
        result["outcome"]["message"],
        "excepted: Support handled by the MSP"
    );
    assert!(
        xml.contains(r#"<skipped type="excepted" message="excepted: Support handled by the MSP""#),
        "{xml}"
    );
    assert!(out.stdout.contains("SKIP"), "{}", out.stdout);
}

#[tokio::test]
async fn a_valid_exception_for_this_account_with_an_expiry_skips() {
    let moto = Moto::start();
    let (out, report, _) = audit(
        &moto,
        &exception_yaml("    account: \"123456789012\"\n    expires: 2999-12-31\n"),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "skipped");
    assert_eq!(result["outcome"]["skip"]["kind"], "excepted");
    assert_eq!(result["outcome"]["skip"]["expires"], "2999-12-31");
    assert_eq!(
        result["outcome"]["message"],
        "excepted until 2999-12-31: Support handled by the MSP"
    );
}

#[tokio::test]
async fn an_exception_for_another_account_is_not_applied() {
    let moto = Moto::start();
    let (out, report, _) = audit(&moto, &exception_yaml("    account: \"210987654321\"\n"));
    assert_eq!(out.code, 1, "{out:?}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "fail");
    assert!(result["outcome"].get("notes").is_none(), "{result:#}");
}

#[tokio::test]
async fn an_expired_exception_is_not_honoured_and_says_so() {
    let moto = Moto::start();
    let (out, report, xml) = audit(&moto, &exception_yaml("    expires: 2020-01-01\n"));
    assert_eq!(out.code, 1, "{out:?}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "fail");
    let notes = result["outcome"]["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{result:#}");
    let note = notes[0].as_str().expect("note text");
    assert!(note.contains("expired on 2020-01-01"), "{note}");
    assert!(note.contains("Support handled by the MSP"), "{note}");
    assert!(
        out.stdout.contains(&format!("note: {note}")),
        "{}",
        out.stdout
    );
    assert!(xml.contains(&format!("Note: {note}")), "{xml}");
}

#[tokio::test]
async fn a_valid_account_exception_wins_over_an_expired_general_one() {
    let moto = Moto::start();
    let yaml = format!(
        "{HEAD}controls:\n  include: [aws-iam-support-role]\nexceptions:\n  - control: aws-iam-support-role\n    reason: old\n    expires: 2020-01-01\n  - control: \"1.17\"\n    account: \"123456789012\"\n    reason: current\n"
    );
    let (out, report, _) = audit(&moto, &yaml);
    assert_eq!(out.code, 0, "{out:?}");
    let result = support_result(&report);
    assert_eq!(result["outcome"]["status"], "skipped");
    assert_eq!(result["outcome"]["skip"]["reason"], "current");
}

#[tokio::test]
async fn every_version_numbers_the_control_its_own_way() {
    let moto = Moto::start();
    seed_support_role(&moto).await;
    for (version, number) in [
        ("v1.2.0", "1.20"),
        ("v1.3.0", "1.17"),
        ("v4.0.1", "1.17"),
        ("v5.0.0", "1.16"),
        ("v6.0.0", "2.16"),
        ("v7.0.0", "2.15"),
    ] {
        // Selected by its (quoted) number in that version.
        let yaml = format!(
            "benchmark: cis-aws-foundations\nversion: {version}\nlevel: 1\ncontrols:\n  include: [\"{number}\"]\n"
        );
        let (out, report, xml) = audit(&moto, &yaml);
        assert_eq!(out.code, 0, "{version}: {out:?}");
        assert_eq!(support_result(&report)["number"], number, "{version}");
        let name = format!(r#"<testcase name="{number} {TITLE}""#);
        assert!(xml.contains(&name), "{version}: {name} not in\n{xml}");
        assert!(
            xml.contains(&format!(r#"classname="123456789012.{CONTROL}""#)),
            "{xml}"
        );
        let line = format!("PASS  {number:<6} {TITLE}");
        assert!(
            out.stdout.contains(&line),
            "{line:?} not in\n{}",
            out.stdout
        );
    }
}

#[tokio::test]
async fn a_shipped_profile_works_from_an_empty_directory() {
    let moto = Moto::start();
    cisrun_e2e::compliant_account(&moto).await;
    let empty = tempfile::tempdir().expect("empty cwd");
    let json = moto.home.path().join("report.json");
    let out = run(moto
        .cisrun()
        .env("AWS_MAX_ATTEMPTS", cisrun_e2e::WHOLE_PROFILE_MAX_ATTEMPTS)
        .current_dir(empty.path())
        .args([
            "audit",
            "--profile",
            "cis-aws-foundations-v7.0.0-level1",
            "--json",
        ])
        .arg(&json));
    // moto cannot make the root controls pass (cisrun_e2e::MOTO_CANNOT_PASS): findings, not
    // a usage error.
    assert_eq!(out.code, 1, "{out:?}");
    let report = read_json(&json);
    assert_eq!(
        report["run"]["profile"],
        "cis-aws-foundations-v7.0.0-level1"
    );
    assert_eq!(report["run"]["version"], "v7.0.0");
    assert_eq!(support_result(&report)["number"], "2.15");
    assert_eq!(
        std::fs::read_dir(empty.path()).expect("list cwd").count(),
        0,
        "the run wrote into its working directory"
    );
}
