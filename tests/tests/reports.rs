//! Reports through the real binary: hostile text from the profile reaches a JUnit file that
//! still validates, and report files are written atomically where CI asks for them.

use std::path::Path;
use std::process::Command;

use cisrun_e2e::{
    assert_valid_junit, read_json, results_by_control, run, seed, Moto, Run, SUPPORT_ROLE_ONLY,
};

const HEAD: &str = "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n";
const CONTROL: &str = "aws-iam-support-role";
const PROFILE: &str = "only-aws-iam-support-role";

/// The reason as the profile writes it (YAML double-quoted, `\x01` is U+0001) ...
const YAML_REASON: &str = r#""MSP ]]> <&> \"q\" ctl\x01 ü 日本 🚀""#;
/// ... as cisrun reads it ...
const REASON: &str = "MSP ]]> <&> \"q\" ctl\u{1} ü 日本 🚀";
/// ... and as the JUnit report carries it: the control character made visible.
const REASON_IN_XML: &str = "MSP ]]> <&> \"q\" ctl\\u{1} ü 日本 🚀";

/// `xmllint --xpath` on a file: the string value of `expr`.
fn xpath(path: &Path, expr: &str) -> String {
    let output = Command::new("xmllint")
        .arg("--xpath")
        .arg(expr)
        .arg(path)
        .output()
        .expect("xmllint is installed");
    assert!(
        output.status.success(),
        "xmllint --xpath {expr}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut text = String::from_utf8(output.stdout).expect("UTF-8 xpath output");
    // xmllint ends its output with a newline of its own.
    if text.ends_with('\n') {
        text.pop();
    }
    text
}

fn audit_with_exception(
    moto: &Moto,
    expires: &str,
) -> (
    Run,
    cisrun_e2e::Value,
    std::path::PathBuf,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = cisrun_e2e::write_profile(
        dir.path(),
        "profile.yaml",
        &format!("{HEAD}{SUPPORT_ROLE_ONLY}exceptions:\n  - control: {CONTROL}\n    reason: {YAML_REASON}\n{expires}"),
    );
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
    assert_valid_junit(&junit);
    let report = read_json(&json);
    (out, report, junit, dir)
}

#[tokio::test]
async fn a_hostile_exception_reason_reaches_a_valid_junit_report() {
    let moto = Moto::start(); // no support role: only the exception keeps this green
    let (out, report, junit, _dir) = audit_with_exception(&moto, "");
    assert_eq!(out.code, 0, "{out:?}");
    let result = &results_by_control(&report, seed::ACCOUNT)[CONTROL];
    assert_eq!(
        result["outcome"]["skip"]["reason"], REASON,
        "JSON keeps it exactly"
    );
    assert_eq!(
        xpath(&junit, "string(//testcase/skipped/@message)"),
        format!("excepted: {REASON_IN_XML}")
    );
    assert_eq!(
        xpath(&junit, "string(//testcase/skipped/@type)"),
        "excepted"
    );
    // The console makes the control character visible too (no raw escape bytes in CI logs).
    assert!(
        out.stdout.contains(&format!("excepted: {REASON_IN_XML}")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{1}'), "{:?}", out.stdout);
}

#[tokio::test]
async fn a_hostile_reason_of_an_expired_exception_lands_in_the_cdata_note() {
    let moto = Moto::start();
    let (out, report, junit, _dir) = audit_with_exception(&moto, "    expires: 2020-01-01\n");
    assert_eq!(out.code, 1, "{out:?}");
    let result = &results_by_control(&report, seed::ACCOUNT)[CONTROL];
    assert_eq!(result["outcome"]["status"], "fail");
    let note = result["outcome"]["notes"][0].as_str().expect("a note");
    assert!(
        note.ends_with(&format!("(reason given: {REASON})")),
        "{note}"
    );
    let body = xpath(&junit, "string(//testcase/failure)");
    assert!(
        body.contains(&format!("Note: {}", note.replace('\u{1}', "\\u{1}"))),
        "{body}"
    );
    assert!(
        body.contains(REASON_IN_XML),
        "]]> must survive the CDATA: {body}"
    );
    let raw = std::fs::read_to_string(&junit).expect("read junit");
    assert!(raw.contains("<![CDATA["), "{raw}");
    assert!(!raw.contains('\u{1}'), "raw control character in the XML");
}

fn audit_into(moto: &Moto, junit: &Path, json: &Path) -> Run {
    run(moto
        .cisrun()
        .args([
            "audit",
            "--profile",
            moto.narrow_profile(&[CONTROL]).as_str(),
            "--junit",
        ])
        .arg(junit)
        .arg("--json")
        .arg(json))
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".cisrun-") || name.ends_with(".tmp"))
        .collect()
}

#[tokio::test]
async fn reports_go_into_new_directories_replace_old_files_and_leave_no_temp_files() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    let root = tempfile::tempdir().expect("temp dir");

    // Directories that do not exist yet are created.
    let nested = root.path().join("ci/reports/cis");
    let (junit, json) = (nested.join("junit.xml"), nested.join("report.json"));
    let out = audit_into(&moto, &junit, &json);
    assert_eq!(out.code, 0, "{out:?}");
    assert_valid_junit(&junit);
    assert_eq!(read_json(&json)["run"]["profile"], PROFILE);
    assert_eq!(leftovers(&nested), Vec::<String>::new());

    // Existing files are replaced, not appended to or left alone.
    std::fs::write(&junit, "stale junit").expect("write stale");
    std::fs::write(&json, "stale json").expect("write stale");
    let out = audit_into(&moto, &junit, &json);
    assert_eq!(out.code, 0, "{out:?}");
    assert_valid_junit(&junit);
    let report = read_json(&json);
    assert_eq!(
        results_by_control(&report, seed::ACCOUNT)[CONTROL]["outcome"]["status"],
        "pass"
    );
    let mut names: Vec<String> = std::fs::read_dir(&nested)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["junit.xml", "report.json"]);
}

#[tokio::test]
async fn an_impossible_report_path_is_exit_2_naming_the_path() {
    let moto = Moto::start();
    let root = tempfile::tempdir().expect("temp dir");
    let file = root.path().join("regular-file");
    std::fs::write(&file, "not a directory").expect("write file");
    let good = root.path().join("ok.json");

    // A path under a regular file, for either report.
    let under_file = file.join("x.xml");
    let out = audit_into(&moto, &under_file, &good);
    assert_eq!(out.code, 2, "{out:?}");
    out.assert_no_panic();
    assert!(
        out.stderr.contains(&under_file.display().to_string()),
        "the message should name {}: {}",
        under_file.display(),
        out.stderr
    );
    let under_file_json = file.join("x.json");
    let out = audit_into(&moto, &root.path().join("ok.xml"), &under_file_json);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&under_file_json.display().to_string()),
        "{}",
        out.stderr
    );

    // A directory where the file should go.
    let dir_target = root.path().join("a-directory");
    std::fs::create_dir(&dir_target).expect("mkdir");
    let out = audit_into(&moto, &dir_target, &good);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&dir_target.display().to_string()),
        "{}",
        out.stderr
    );
    assert_eq!(leftovers(root.path()), Vec::<String>::new());
    assert_eq!(
        std::fs::read_to_string(&file).expect("file intact"),
        "not a directory"
    );
}
