//! `cisrun-linux` driven as users drive it: audits of fixture roots with every report, the
//! commands that describe the build, bad profiles, and a read-only audit of this machine.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{cisrun, is_root, path_str, profile, read_json, repo_root, statuses, Tree};

const IDS: [&str; 4] = [
    "linux-ip-forwarding-disabled",
    "linux-password-expiration",
    "linux-shadow-permissions",
    "linux-sshd-permit-root-login-disabled",
];

fn all(status: &str) -> BTreeMap<String, String> {
    IDS.iter()
        .map(|id| (id.to_string(), status.to_string()))
        .collect()
}

/// Validates JUnit against the Jenkins schema the project's other tests use.
fn assert_valid_junit(path: &std::path::Path) {
    let Ok(output) = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(repo_root().join("tests/fixtures/jenkins-junit-10.xsd"))
        .arg(path)
        .output()
    else {
        eprintln!(
            "SKIPPED: JUnit schema validation: xmllint is not installed (Debian: libxml2-utils)"
        );
        return;
    };
    assert!(
        output.status.success(),
        "JUnit does not validate:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn audits_write_every_report_and_exit_codes_follow_the_verdicts() {
    let work = tempfile::tempdir().expect("temp dir");
    let good = Tree::compliant();
    let bad = Tree::non_compliant();
    let out = |name: &str| work.path().join(name);

    let compliant = profile(work.path(), "good.yaml", &[good.root()], &[]);
    let run = cisrun(&[
        "audit",
        "--profile",
        path_str(&compliant),
        "--junit",
        path_str(&out("junit.xml")),
        "--json",
        path_str(&out("report.json")),
        "--markdown",
        path_str(&out("report.md")),
        "--html",
        path_str(&out("report.html")),
        "--ocsf",
        path_str(&out("report.ocsf.json")),
    ]);
    if !is_root() {
        eprintln!("SKIPPED: the compliant audit's exit 0 needs root (/etc/shadow must be uid 0)");
        return;
    }
    let run = run.expect_code(0);
    assert!(run.stdout.contains("compliant-image"), "{}", run.stdout);
    let report = read_json(&out("report.json"));
    assert_eq!(statuses(&report, &good.root()), all("pass"), "{report:#}");
    assert_eq!(report["accounts"][0]["kind"], "linux-host");
    assert_eq!(report["accounts"][0]["attributes"]["live"], false);
    assert_valid_junit(&out("junit.xml"));
    let junit = std::fs::read_to_string(out("junit.xml")).expect("junit");
    assert!(
        junit.contains("5.1.20 Ensure sshd PermitRootLogin is disabled"),
        "{junit}"
    );
    assert!(
        junit.contains(&format!("{}.linux-shadow-permissions", good.root())),
        "{junit}"
    );
    let markdown = std::fs::read_to_string(out("report.md")).expect("markdown");
    assert!(
        markdown.contains("No failures or errors in: "),
        "{markdown}"
    );
    let html = std::fs::read_to_string(out("report.html")).expect("html");
    assert!(
        html.contains("<html") && html.contains("compliant-image"),
        "{html}"
    );
    let ocsf = read_json(&out("report.ocsf.json"));
    let events = ocsf.as_array().expect("OCSF events");
    assert!(!events.is_empty());
    for event in events {
        assert_eq!(event["class_uid"], 2003);
        assert_eq!(event["device"]["hostname"], "compliant-image", "{event:#}");
        assert_eq!(event["device"]["type_id"], 0);
        assert_eq!(event["device"]["os"]["type_id"], 200);
        assert!(
            event.get("cloud").is_none(),
            "a host has no cloud: {event:#}"
        );
        assert_eq!(event["metadata"]["profiles"], serde_json::json!(["host"]));
    }

    let failing = profile(work.path(), "bad.yaml", &[bad.root()], &[]);
    let run = cisrun(&[
        "audit",
        "--profile",
        path_str(&failing),
        "--json",
        path_str(&out("bad.json")),
        "--junit",
        path_str(&out("bad.xml")),
        "--markdown",
        path_str(&out("bad.md")),
    ])
    .expect_code(1);
    let report = read_json(&out("bad.json"));
    assert_eq!(
        statuses(&report, &bad.root()),
        all("fail"),
        "{}",
        run.stdout
    );
    let results = common::results(&report, &bad.root());
    let sshd = results["linux-sshd-permit-root-login-disabled"]["outcome"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(
        sshd.contains("Match Address 192.0.2.0/24 (/etc/ssh/sshd_config.d/10-cis.conf:2)"),
        "{sshd}"
    );
    let forwarding = &results["linux-ip-forwarding-disabled"]["outcome"]["evidence"][0]["detail"];
    assert!(
        forwarding
            .as_str()
            .unwrap_or("")
            .contains("99-router.conf:1"),
        "{forwarding}"
    );
    assert_valid_junit(&out("bad.xml"));
    let markdown = std::fs::read_to_string(out("bad.md")).expect("markdown");
    assert!(
        markdown.contains("7.1.5") && markdown.contains("mode 0644"),
        "{markdown}"
    );

    // Two roots are two targets of one run; `--fail-on none` keeps exit 0.
    let both = profile(work.path(), "both.yaml", &[good.root(), bad.root()], &[]);
    cisrun(&[
        "audit",
        "--profile",
        path_str(&both),
        "--json",
        path_str(&out("both.json")),
    ])
    .expect_code(1);
    let report = read_json(&out("both.json"));
    assert_eq!(report["accounts"].as_array().map(Vec::len), Some(2));
    cisrun(&["audit", "--profile", path_str(&both), "--fail-on", "none"]).expect_code(0);
}

#[test]
fn unreadable_files_are_errors_naming_them_never_verdicts() {
    let work = tempfile::tempdir().expect("temp dir");
    let tree = Tree::unreadable();
    let path = profile(work.path(), "p.yaml", &[tree.root()], &[]);
    let json = work.path().join("r.json");
    cisrun(&[
        "audit",
        "--profile",
        path_str(&path),
        "--json",
        path_str(&json),
    ])
    .expect_code(1);
    let report = read_json(&json);
    assert_eq!(statuses(&report, &tree.root()), all("error"), "{report:#}");
    let results = common::results(&report, &tree.root());
    for (id, named) in [
        (
            "linux-sshd-permit-root-login-disabled",
            "/etc/ssh/sshd_config.d/10-cis.conf is a directory",
        ),
        (
            "linux-shadow-permissions",
            "/etc/shadow leads through the symbolic link",
        ),
        (
            "linux-password-expiration",
            "/etc/login.defs is a directory",
        ),
        ("linux-ip-forwarding-disabled", "/etc/sysctl.d/70-gone.conf"),
    ] {
        let message = results[id]["outcome"]["message"].as_str().unwrap_or("");
        assert!(message.contains(named), "{id}: {message}");
        assert!(
            message.contains(&tree.root()),
            "{id} names the root: {message}"
        );
    }
    // A root that is not a directory: every control is an error for it, the others still run.
    let missing = format!("{}/nothing-here", tree.root());
    let path = profile(
        work.path(),
        "missing.yaml",
        std::slice::from_ref(&missing),
        &[],
    );
    cisrun(&[
        "audit",
        "--profile",
        path_str(&path),
        "--json",
        path_str(&json),
    ])
    .expect_code(1);
    assert_eq!(statuses(&read_json(&json), &missing), all("error"));
}

#[test]
fn list_coverage_explain_profiles_schema_and_permissions_describe_the_platform() {
    let list = cisrun(&["list", "--format", "json"]).expect_code(0);
    let controls: serde_json::Value = serde_json::from_str(&list.stdout).expect("JSON");
    let rows = controls.as_array().expect("rows");
    assert_eq!(rows.len(), 4, "{}", list.stdout);
    for row in rows {
        assert_eq!(row["platform"], "linux-host", "{row}");
    }
    let coverage = cisrun(&["coverage", "--benchmark", "cis-debian-linux"]).expect_code(0);
    assert!(
        coverage.stdout.contains("4 automated"),
        "{}",
        coverage.stdout
    );
    let explain = cisrun(&["explain", "linux-shadow-permissions"]).expect_code(0);
    for part in ["## Audit", "## Remediation", "7.1.5", "`chown:/etc/shadow`"] {
        assert!(explain.stdout.contains(part), "{part}: {}", explain.stdout);
    }
    cisrun(&["explain", "linux-shadow-permission"]).expect_code(2);
    let profiles = cisrun(&["profiles"]).expect_code(0);
    assert!(
        profiles.stdout.contains("cis-debian-linux-v1.0.0-level1"),
        "{}",
        profiles.stdout
    );
    let schema = cisrun(&["schema"]).expect_code(0);
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).expect("schema");
    assert!(schema["properties"]["targets"].is_object(), "{schema:#}");
    assert!(schema.to_string().contains("RootPath"), "{schema:#}");
    let max_days = &schema["$defs"]["PasswordExpirationParameters"]["properties"]["max_days"];
    assert_eq!(max_days["default"], 365, "{schema:#}");
    assert_eq!(max_days["maximum"], 365, "{schema:#}");

    let work = tempfile::tempdir().expect("temp dir");
    let path = profile(
        work.path(),
        "p.yaml",
        &["/".to_string(), "/mnt/image".to_string()],
        &[],
    );
    let permissions =
        cisrun(&["permissions", "--profile", path_str(&path), "--remediate"]).expect_code(0);
    let document: serde_json::Value = serde_json::from_str(&permissions.stdout).expect("JSON");
    assert_eq!(document["roots"], serde_json::json!(["/", "/mnt/image"]));
    assert_eq!(
        document["files"]["/etc/shadow"],
        serde_json::json!(["chmod", "chown", "read", "stat"])
    );
    assert!(document["actions"]
        .as_array()
        .is_some_and(|a| a.contains(&"read:/etc/login.defs".into())));
    let audit_only = cisrun(&["permissions", "--profile", path_str(&path)]).expect_code(0);
    assert!(
        !audit_only.stdout.contains("chmod"),
        "{}",
        audit_only.stdout
    );
}

#[test]
fn bad_profiles_exit_2_naming_file_line_and_column() {
    let work = tempfile::tempdir().expect("temp dir");
    let head = "benchmark: cis-debian-linux\nversion: v1.0.0\nlevel: 1\n";
    for (name, body, location, phrase) in [
        (
            "unknown.yaml",
            "targets:\n  roots: [\"/\"]\n  rots: [\"/x\"]\n",
            "unknown.yaml:6:3",
            "unknown field `rots`",
        ),
        (
            "relative.yaml",
            "targets:\n  roots: [\"/\", \"mnt/image\"]\n",
            "relative.yaml:5:",
            "not an absolute path",
        ),
        (
            "twice.yaml",
            "targets:\n  roots: [\"/\", \"//\"]\n",
            "twice.yaml:5:3",
            "listed twice",
        ),
        (
            "limit.yaml",
            "parameters:\n  linux-password-expiration:\n    max_days: 400\n",
            "limit.yaml:",
            "limit of 365",
        ),
        (
            "exception.yaml",
            "exceptions:\n  - control: \"7.1.5\"\n    account: relative/root\n    reason: image\n",
            "exception.yaml:6:",
            "not an absolute path",
        ),
    ] {
        let path = work.path().join(name);
        std::fs::write(&path, format!("{head}{body}")).expect("profile");
        let run = cisrun(&["audit", "--profile", path_str(&path)]).expect_code(2);
        assert!(run.stderr.contains(location), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(phrase), "{name}: {}", run.stderr);
    }
}

/// What the same files say on this machine, computed here independently of cisrun.
mod this_machine {
    use std::os::unix::fs::MetadataExt;

    pub fn shadow() -> &'static str {
        let Ok(metadata) = std::fs::metadata("/etc/shadow") else {
            return "fail";
        };
        let shadow_gid = std::fs::read_to_string("/etc/group")
            .ok()
            .and_then(|groups| {
                groups.lines().find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.first() == Some(&"shadow"))
                        .then(|| f.get(2)?.parse::<u32>().ok())
                        .flatten()
                })
            });
        let group_ok = metadata.gid() == 0 || Some(metadata.gid()) == shadow_gid;
        let ok = metadata.uid() == 0 && group_ok && metadata.mode() & 0o7777 & !0o640 == 0;
        if ok {
            "pass"
        } else {
            "fail"
        }
    }

    pub fn password_expiration() -> &'static str {
        let in_range = |v: &str| v.parse::<i64>().is_ok_and(|d| (1..=365).contains(&d));
        let defaults = std::fs::read_to_string("/etc/login.defs")
            .ok()
            .and_then(|text| {
                text.lines()
                    .filter_map(|l| {
                        let mut w = l.split_whitespace();
                        (w.next() == Some("PASS_MAX_DAYS"))
                            .then(|| w.next().unwrap_or("").to_string())
                    })
                    .next_back()
            });
        let defaults_ok = defaults.is_some_and(|v| in_range(&v));
        let shadow = std::fs::read_to_string("/etc/shadow").unwrap_or_default();
        let accounts_ok = shadow.lines().all(|l| {
            let f: Vec<&str> = l.split(':').collect();
            let hashed = f
                .get(1)
                .is_some_and(|h| h.len() > 1 && h.starts_with('$') && h[1..].contains('$'));
            !hashed || f.get(4).is_some_and(|m| in_range(m.trim()))
        });
        if defaults_ok && accounts_ok {
            "pass"
        } else {
            "fail"
        }
    }

    /// `sysctl --system`'s order: `*.conf` of the five directories by name (the first
    /// directory holding a name wins), then /etc/sysctl.conf; the last setting counts.
    fn saved(key: &str) -> Option<String> {
        let mut names = std::collections::BTreeMap::new();
        for dir in [
            "/etc/sysctl.d",
            "/run/sysctl.d",
            "/usr/local/lib/sysctl.d",
            "/usr/lib/sysctl.d",
            "/lib/sysctl.d",
        ] {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".conf") {
                    names.entry(name).or_insert(entry.path());
                }
            }
        }
        let mut files: Vec<std::path::PathBuf> = names.into_values().collect();
        files.push("/etc/sysctl.conf".into());
        let mut value = None;
        for file in files {
            if std::fs::read_link(&file).is_ok_and(|t| t == std::path::Path::new("/dev/null")) {
                continue;
            }
            for line in std::fs::read_to_string(&file).unwrap_or_default().lines() {
                let line = line.trim().trim_start_matches('-');
                if let Some((k, v)) = line.split_once('=') {
                    if k.trim().replace('/', ".") == key && !line.starts_with('#') {
                        value = Some(v.trim().to_string());
                    }
                }
            }
        }
        value
    }

    pub fn ip_forwarding() -> &'static str {
        let running = |path: &str| {
            std::fs::read_to_string(path)
                .map(|v| v.trim().to_string())
                .ok()
        };
        let mut ok = running("/proc/sys/net/ipv4/ip_forward").as_deref() == Some("0")
            && saved("net.ipv4.ip_forward").as_deref() == Some("0");
        let ipv6_on = std::path::Path::new("/proc/sys/net/ipv6").exists()
            && !(running("/proc/sys/net/ipv6/conf/all/disable_ipv6").as_deref() == Some("1")
                && running("/proc/sys/net/ipv6/conf/default/disable_ipv6").as_deref() == Some("1"));
        if ipv6_on {
            ok &= running("/proc/sys/net/ipv6/conf/all/forwarding").as_deref() == Some("0")
                && saved("net.ipv6.conf.all.forwarding").as_deref() == Some("0");
        }
        if ok {
            "pass"
        } else {
            "fail"
        }
    }
}

#[test]
fn this_machine_is_audited_read_only_and_the_verdicts_are_its_files() {
    use std::os::unix::fs::MetadataExt;
    let work = tempfile::tempdir().expect("temp dir");
    let before = std::fs::metadata("/etc/shadow").map(|m| (m.mode(), m.uid(), m.gid(), m.ctime()));
    let path = profile(work.path(), "here.yaml", &["/".to_string()], &[]);
    let json = work.path().join("here.json");
    let run = cisrun(&[
        "audit",
        "--profile",
        path_str(&path),
        "--json",
        path_str(&json),
    ]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    let report = read_json(&json);
    let got = statuses(&report, "/");
    assert_eq!(report["accounts"][0]["attributes"]["live"], true);
    assert_eq!(
        got["linux-shadow-permissions"],
        this_machine::shadow(),
        "{report:#}"
    );
    assert_eq!(
        got["linux-password-expiration"],
        this_machine::password_expiration(),
        "{report:#}"
    );
    assert_eq!(
        got["linux-ip-forwarding-disabled"],
        this_machine::ip_forwarding(),
        "{report:#}"
    );
    let sshd = &got["linux-sshd-permit-root-login-disabled"];
    if std::path::Path::new("/etc/ssh/sshd_config").exists() {
        // sshd -T is the benchmark's own audit, where sshd and its host keys are present.
        match Command::new("sshd").arg("-T").output() {
            Ok(out) if out.status.success() => {
                let effective =
                    String::from_utf8_lossy(&out.stdout).contains("permitrootlogin no\n");
                assert_eq!(sshd, if effective { "pass" } else { "fail" }, "{report:#}");
            }
            _ => assert!(sshd == "pass" || sshd == "fail", "{report:#}"),
        }
    } else {
        assert_eq!(sshd, "skipped", "no sshd_config: not applicable");
    }
    let after = std::fs::metadata("/etc/shadow").map(|m| (m.mode(), m.uid(), m.gid(), m.ctime()));
    assert_eq!(before.ok(), after.ok(), "an audit changes nothing");
}

/// Checked with `cargo tree` (in this test, not only in the build): the crate and what it
/// links must name no AWS crate.
#[test]
fn the_platform_links_no_aws_crate() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "cisrun-linux-host",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .current_dir(repo_root())
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.contains("cisrun v0.1.0"), "{tree}");
    let aws: Vec<&str> = tree
        .lines()
        .filter(|l| l.starts_with("aws-") || l.contains("cisrun-checks"))
        .collect();
    assert!(aws.is_empty(), "AWS crates linked: {aws:?}");
}

/// The README's "Writing a platform" shows the example's real files, so the two cannot
/// drift apart.
#[test]
fn the_readme_platform_section_is_the_example() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Writing a platform\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a `## Writing a platform` section");
    for file in [
        "src/bin/cisrun-linux.rs",
        "src/lib.rs",
        "benchmarks/cis-debian-linux-v1.0.0.tsv",
        "profiles/cis-debian-linux-v1.0.0-level1.yaml",
    ] {
        let text = std::fs::read_to_string(repo_root().join("examples/linux-host").join(file))
            .expect("example file");
        assert!(
            section.contains(text.trim_end()),
            "README's platform section does not show examples/linux-host/{file} as it is"
        );
    }
    // The Platform impl is too long to quote whole: its head is quoted, line for line.
    let platform = std::fs::read_to_string(repo_root().join("examples/linux-host/src/platform.rs"))
        .expect("platform.rs");
    let head = platform
        .split("impl Platform for LinuxHostPlatform {")
        .nth(1)
        .and_then(|rest| rest.split("    async fn open(").next())
        .expect("the Platform impl");
    assert!(
        section.contains(head.trim_end()),
        "README's platform section does not quote the Platform impl's head as it is"
    );
}

/// An exception names a root as its target id (the profile's `target:` key, or `account:`),
/// however it is spelled: `/img/` is the target `/img`.
#[test]
fn an_exception_for_a_root_skips_its_control_there_only() {
    let work = tempfile::tempdir().expect("temp dir");
    let (excepted, other) = (Tree::non_compliant(), Tree::non_compliant());
    let path = work.path().join("p.yaml");
    let text = format!(
        "benchmark: cis-debian-linux\nversion: v1.0.0\nlevel: 1\ntargets:\n  roots: [\"{}\", \"{}\"]\n\
         exceptions:\n  - control: \"7.1.5\"\n    target: \"{}/\"\n    reason: built elsewhere\n",
        excepted.root(),
        other.root(),
        excepted.root()
    );
    std::fs::write(&path, text).expect("profile");
    let json = work.path().join("r.json");
    cisrun(&[
        "audit",
        "--profile",
        path_str(&path),
        "--json",
        path_str(&json),
    ])
    .expect_code(1);
    let report = read_json(&json);
    assert_eq!(
        statuses(&report, &excepted.root())["linux-shadow-permissions"],
        "skipped"
    );
    assert_eq!(
        statuses(&report, &other.root())["linux-shadow-permissions"],
        "fail"
    );
}
