//! The command line: listings, documentation, flags, logging, and garbage that must never
//! make cisrun panic or hang.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cisrun_e2e::{run, run_within, seed, Moto, Offline, Run, Value};

const CONTROL: &str = "aws-iam-support-role";
const SHIPPED: [&str; 4] = [
    "cis-aws-foundations-v3.0.0-level1",
    "cis-aws-foundations-v3.0.0-level2",
    "cis-aws-foundations-v7.0.0-level1",
    "cis-aws-foundations-v7.0.0-level2",
];

fn cisrun(args: &[&str]) -> Run {
    let out = run(Offline::new().cisrun().args(args));
    out.assert_no_panic();
    out
}

fn json_stdout(out: &Run) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
}

#[test]
fn list_table_shows_the_support_role_control() {
    let out = cisrun(&["list"]).expect_code(0);
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with(CONTROL))
        .unwrap_or_else(|| panic!("no {CONTROL} row:\n{}", out.stdout));
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        &columns[..4],
        [CONTROL, "yes", "yes", "(safe)"],
        "id, automated, remediation: {row}"
    );
    let numbers = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with(CONTROL))
        .nth(1)
        .unwrap_or_default();
    assert!(numbers.contains("v1.3.0–v4.0.1 1.17 (L1)"), "{numbers}");
    assert!(numbers.contains("v7.0.0 2.15 (L1)"), "{numbers}");
    assert!(
        out.stdout.contains(
            "Ensure a support role has been created to manage incidents with AWS Support"
        ),
        "{}",
        out.stdout
    );
    let header: Vec<&str> = out
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(&header[..3], ["ID", "AUTOMATED", "REMEDIATION"]);
}

#[test]
fn list_json_has_unique_ids_and_every_versions_number() {
    let out = cisrun(&["list", "--format", "json"]).expect_code(0);
    let rows = json_stdout(&out);
    let rows = rows.as_array().expect("an array");
    assert!(!rows.is_empty());
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().expect("id")).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    let support = rows
        .iter()
        .find(|r| r["id"] == CONTROL)
        .expect("the support-role control");
    assert_eq!(support["automated"], true);
    assert_eq!(support["permissions"][0], "iam:ListEntitiesForPolicy");
    let per_version = support["numbers"]["cis-aws-foundations"]
        .as_object()
        .expect("numbers: benchmark -> version -> recommendation");
    let numbers: BTreeMap<String, String> = per_version
        .iter()
        .map(|(v, r)| {
            assert_eq!(r["level"], 1, "{v}");
            (v.clone(), r["number"].as_str().expect("number").to_string())
        })
        .collect();
    let expected: BTreeMap<String, String> = [
        ("v1.2.0", "1.20"),
        ("v1.3.0", "1.17"),
        ("v1.4.0", "1.17"),
        ("v1.5.0", "1.17"),
        ("v2.0.0", "1.17"),
        ("v3.0.0", "1.17"),
        ("v4.0.1", "1.17"),
        ("v5.0.0", "1.16"),
        ("v6.0.0", "2.16"),
        ("v7.0.0", "2.15"),
    ]
    .into_iter()
    .map(|(v, n)| (v.to_string(), n.to_string()))
    .collect();
    assert_eq!(numbers, expected);
}

#[test]
fn profiles_lists_the_shipped_profiles_and_each_parses() {
    let out = cisrun(&["profiles"]).expect_code(0);
    for stem in SHIPPED {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(stem)),
            "{stem} missing:\n{}",
            out.stdout
        );
    }
    let rows = json_stdout(&cisrun(&["profiles", "--format", "json"]).expect_code(0));
    let names: Vec<&str> = rows
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, SHIPPED);
    for row in rows.as_array().expect("array") {
        let total = row["recommendations"].as_u64().expect("count");
        let implemented = row["implemented"].as_u64().expect("count");
        assert!(
            total >= 40 && implemented >= 1 && implemented <= total,
            "{row}"
        );
    }

    // Every control a shipped profile names (include, exclude, exceptions, parameters)
    // resolves to a listed control, by id or by its number in the profile's version.
    let list = json_stdout(&cisrun(&["list", "--format", "json"]));
    let list = list.as_array().expect("array");
    for stem in SHIPPED {
        let path = cisrun_e2e::repo_root().join(format!("profiles/{stem}.yaml"));
        let text = std::fs::read_to_string(&path).expect("read shipped profile");
        let yaml: Value =
            serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(&text).expect("YAML"))
                .expect("JSON");
        let version = yaml["version"].as_str().expect("version");
        let mut named: Vec<String> = Vec::new();
        for key in ["include", "exclude"] {
            for r in yaml["controls"][key].as_array().into_iter().flatten() {
                named.push(r.as_str().expect("quoted reference").to_string());
            }
        }
        for e in yaml["exceptions"].as_array().into_iter().flatten() {
            named.push(e["control"].as_str().expect("control").to_string());
        }
        for key in yaml["parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            named.push(key.clone());
        }
        for reference in named {
            assert!(
                list.iter().any(|c| c["id"] == reference.as_str()
                    || c["numbers"]["cis-aws-foundations"][version]["number"]
                        == reference.as_str()),
                "{stem} names `{reference}`, which is no control of {version}"
            );
        }
        // And the binary accepts it as --profile by stem and by path (it gets past the
        // profile; the deny-everything AWS endpoint then makes the run an error, not a usage error).
        for reference in [stem.to_string(), path.display().to_string()] {
            let out = cisrun(&["audit", "--profile", &reference]);
            assert_eq!(out.code, 1, "{reference}: {out:?}");
        }
    }
}

#[test]
fn explain_prints_every_documentation_section() {
    let out = cisrun(&["explain", CONTROL]).expect_code(0);
    let mut last = 0;
    for section in [
        "Description",
        "Rationale",
        "Impact",
        "Audit",
        "Remediation",
        "Default value",
        "References",
    ] {
        let heading = format!("\n## {section}\n");
        let at = out
            .stdout
            .find(&heading)
            .unwrap_or_else(|| panic!("no {heading:?} in:\n{}", out.stdout));
        assert!(at > last, "{section} is out of order");
        last = at;
        let body = out.stdout[at + heading.len()..].trim_start();
        assert!(!body.starts_with("##"), "{section} is empty");
    }
    assert!(out.stdout.contains("1.17"), "{}", out.stdout);
    assert!(
        out.stdout.contains("https://docs.aws.amazon.com/"),
        "{}",
        out.stdout
    );
}

#[test]
fn explain_an_unknown_control_is_exit_2() {
    let out = cisrun(&["explain", "nope"]).expect_code(2);
    assert!(
        out.stderr.contains("unknown control `nope`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cisrun list"),
        "says where the ids are: {}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    let out = cisrun(&["explain", "aws-iam-suport-role"]).expect_code(2);
    assert!(
        out.stderr.contains(&format!("did you mean {CONTROL}")),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_flags_are_exit_2() {
    for args in [
        &["--bogus"][..],
        &["frobnicate"],
        &[],
        &["list", "--format", "xml"],
        &["audit"],
        &["audit", "--profile"],
        &["audit", "--profile", "x.yaml", "--concurrency", "0"],
        &["audit", "--profile", "x.yaml", "--partition", "3/2"],
        &["audit", "--profile", "x.yaml", "--junit"],
        &["explain"],
        &["schema", "extra"],
    ] {
        let out = cisrun(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains("error") || out.stderr.contains("Usage"),
            "{args:?}: {}",
            out.stderr
        );
        assert_eq!(out.stdout, "", "{args:?}: usage errors go to stderr");
    }
}

#[test]
fn help_and_version_are_exit_0() {
    let out = cisrun(&["--help"]).expect_code(0);
    for command in ["list", "explain", "profiles", "schema", "audit"] {
        assert!(
            out.stdout.contains(command),
            "--help lacks {command}:\n{}",
            out.stdout
        );
    }
    let out = cisrun(&["audit", "--help"]).expect_code(0);
    assert!(
        out.stdout.contains("--profile") && out.stdout.contains("--junit"),
        "{}",
        out.stdout
    );
    let out = cisrun(&["--version"]).expect_code(0);
    assert_eq!(
        out.stdout.trim(),
        format!("cisrun {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn logs_go_to_stderr_and_stdout_is_only_the_summary() {
    let moto = Moto::start();
    let iam = moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    let profile = moto.narrow_profile(&[CONTROL]);
    for verbosity in ["-v", "-vv"] {
        let out = run(moto
            .cisrun()
            .args([verbosity, "audit", "--profile", profile.as_str()]))
        .expect_code(0);
        assert!(
            out.stderr.contains("INFO"),
            "{verbosity}: no logs on stderr:\n{}",
            out.stderr
        );
        assert!(out.stderr.contains("starting audit"), "{}", out.stderr);
        for level in ["INFO", "DEBUG", "WARN", "TRACE"] {
            assert!(
                !out.stdout.contains(level),
                "{verbosity}: {level} log on stdout:\n{}",
                out.stdout
            );
        }
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(
            lines,
            [
                "cisrun audit: only-aws-iam-support-role (cis-aws-foundations v3.0.0, Level 2)",
                "",
                "account 123456789012",
                "  PASS  1.17   Ensure a support role has been created to manage incidents with AWS Support",
                lines[4],
                "",
                lines[6],
            ],
            "{verbosity}: stdout is only the summary"
        );
        assert!(
            lines[4].starts_with("               ")
                && lines[4].contains("AWSSupportAccess is attached to 1 role(s): Support"),
            "{}",
            lines[4]
        );
        assert!(
            lines[6]
                .starts_with("1 account(s), 1 result(s): 1 pass, 0 fail, 0 error, 0 skipped in "),
            "{}",
            lines[6]
        );
    }
    // Without -v a clean run says nothing on stderr.
    let out = run(moto.cisrun().args(["audit", "--profile", profile.as_str()])).expect_code(0);
    assert_eq!(out.stderr, "", "a clean run logs nothing by default");
}

/// Garbage profiles: each is exit 2 quickly, with the file named, and never a panic.
#[test]
fn garbage_profiles_never_panic_hang_or_pass() {
    let head = "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n";
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    bytes.extend_from_slice(b"\xff\xfe\x00");
    let laughs = {
        let mut yaml = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let refs = vec![format!("*{previous}"); 9].join(",");
            yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        yaml.push_str(head);
        yaml
    };
    let ten_mb_comments = format!(
        "{head}{}colour: red\n",
        "# padding padding padding padding padding padding padding padding padding\n"
            .repeat(140_000)
    );
    // (what, file content, expected line and column, phrase on stderr)
    type Case<'a> = (&'a str, Vec<u8>, Option<(usize, usize)>, &'a str);
    let cases: Vec<Case> = vec![
        ("binary garbage", bytes, None, "not UTF-8"),
        (
            "UTF-8 garbage with control characters",
            "\u{1}\u{2}\u{3}{[}]\u{7f}".into(),
            None,
            "invalid YAML",
        ),
        ("billion laughs", laughs.into_bytes(), None, "invalid YAML"),
        (
            "deeply nested flow",
            format!("benchmark: {}\n", "[".repeat(200_000)).into_bytes(),
            Some((1, 76)),
            "nested more than",
        ),
        (
            "deeply nested blocks",
            format!(
                "{head}description:\n{}",
                (1..400)
                    .map(|i| format!("{}k:\n", " ".repeat(i)))
                    .collect::<String>()
            )
            .into_bytes(),
            None,
            "recursion limit",
        ),
        (
            "10 MB, the mistake at the end",
            ten_mb_comments.into_bytes(),
            Some((140_004, 1)),
            "unknown field `colour`",
        ),
        (
            "an undefined alias",
            b"benchmark: *nothing\n".to_vec(),
            Some((1, 12)),
            "unknown anchor",
        ),
        (
            "a huge integer",
            format!("{head}level: 99999999999999999999999\n")
                .replace("level: 1\n", "")
                .into_bytes(),
            None,
            "level",
        ),
        (
            "a map as a key",
            format!("{head}{{a: b}}: c\n").into_bytes(),
            Some((4, 1)),
            "invalid type: map",
        ),
        (
            "several documents",
            format!("{head}---\n{head}").into_bytes(),
            None,
            "more than one document",
        ),
    ];
    for (what, content, location, phrase) in cases {
        let offline = Offline::new();
        let path = offline.path().join("garbage.yaml");
        std::fs::write(&path, &content).expect("write garbage");
        let mut command = offline.cisrun();
        command.arg("audit").arg("--profile").arg(&path);
        let out = run_within(&mut command, Duration::from_secs(20));
        out.assert_no_panic();
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        let named = match location {
            Some((line, column)) => format!("{}:{line}:{column}: ", path.display()),
            None => format!("{}:", path.display()),
        };
        assert!(
            out.stderr.contains(&named),
            "{what}: should name {named}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(phrase),
            "{what}: should say {phrase:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.len() < 10_000,
            "{what}: the error echoes the input: {} bytes",
            out.stderr.len()
        );
    }
}

#[test]
fn a_valid_10_mb_profile_is_read_quickly() {
    let offline = Offline::new();
    let path = offline.profile(
        "big.yaml",
        &format!(
            "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\ndescription: \"{}\"\n",
            "x".repeat(10 * 1024 * 1024)
        ),
    );
    let mut command = offline.cisrun();
    command.arg("audit").arg("--profile").arg(&path);
    let out = run_within(&mut command, Duration::from_secs(20));
    out.assert_no_panic();
    // Past the profile: the deny-everything AWS endpoint makes the control an error (1), not usage (2).
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn byte_order_mark_and_crlf_line_endings_are_fine() {
    let offline = Offline::new();
    let path = offline.path().join("windows.yaml");
    std::fs::write(
        &path,
        "\u{feff}benchmark: cis-aws-foundations\r\nversion: v3.0.0\r\nlevel: 1\r\ncontrols:\r\n  include: [\"1.17\"]\r\n",
    )
    .expect("write");
    let mut command = offline.cisrun();
    command.arg("audit").arg("--profile").arg(&path);
    let out = run_within(&mut command, Duration::from_secs(20));
    assert_eq!(out.code, 1, "{}", out.stderr);
    // And errors in such a file point at the right place.
    std::fs::write(
        &path,
        "\u{feff}benchmark: cis-aws-foundations\r\nversion: v3.0.0\r\nlevel: 7\r\n",
    )
    .expect("write");
    let out = run(offline.cisrun().arg("audit").arg("--profile").arg(&path));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&format!("{}:3:8: ", path.display())),
        "{}",
        out.stderr
    );
}

#[test]
fn garbage_arguments_never_panic() {
    let long = "x".repeat(100_000);
    let weird: Vec<Vec<&str>> = vec![
        vec!["audit", "--profile", ""],
        vec!["audit", "--profile", "\u{1}\u{1b}[31m"],
        vec!["audit", "--profile", &long],
        vec!["audit", "--profile", "/"],
        vec!["audit", "--profile", "/dev/null"],
        vec!["explain", ""],
        vec!["explain", "../../etc/passwd"],
        vec!["list", "--format", ""],
        vec!["-vvvvvvvvvvvv", "explain", "nope"],
    ];
    for args in weird {
        let offline = Offline::new();
        let mut command = offline.cisrun();
        command.args(&args);
        let out = run_within(&mut command, Duration::from_secs(20));
        out.assert_no_panic();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("error") || out.stderr.contains("error:"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

/// `cisrun list | head -1`: a reader that stops reading ends the printing quietly (no
/// panic, exit 0), as a Unix filter does. The pipe is closed before cisrun writes a byte,
/// so every write it makes fails with a broken pipe.
#[test]
fn a_reader_that_stops_early_ends_the_printing_without_a_panic() {
    use std::process::Stdio;
    for args in [
        vec!["list"],
        vec!["list", "--format", "markdown"],
        vec!["explain", CONTROL],
        vec!["permissions", "--format", "markdown"],
    ] {
        let offline = Offline::new();
        let mut child = offline
            .cisrun()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cisrun");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// The catalogue is complete: `cisrun coverage --format json` shows every recommendation of
/// every version from v1.4.0 to v7.0.0 as automated or manual, none not implemented.
#[test]
fn coverage_shows_every_version_complete() {
    let out = cisrun(&["coverage", "--format", "json"]).expect_code(0);
    let versions = json_stdout(&out);
    let versions = versions.as_array().expect("an array of versions");
    let mut complete = BTreeSet::new();
    for version in versions {
        let name = version["version"].as_str().expect("a version").to_string();
        let missing: Vec<&str> = version["recommendations"]
            .as_array()
            .expect("recommendations")
            .iter()
            .filter(|r| r["coverage"] == "not_implemented")
            .filter_map(|r| r["number"].as_str())
            .collect();
        assert!(missing.is_empty(), "{name}: not implemented: {missing:?}");
        assert_eq!(version["totals"]["not_implemented"], 0, "{name}");
        if version["partial"] == false {
            assert!(
                version["totals"]["total"].as_u64().unwrap_or(0) > 40,
                "{name}"
            );
            complete.insert(name);
        }
    }
    for version in [
        "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0",
    ] {
        assert!(complete.contains(version), "{version} in {complete:?}");
    }
}
