//! Every format against hostile text in every field, and against texts of any length: no raw
//! HTML, no line that breaks out of a Markdown table, no XML 1.0 forbidden character, every
//! text cut at the cap with a note, and each report linear in the number of resources.

use std::path::Path;
use std::process::Command;

use cisrun_core::report::{cut_note, TEXT_CAP_CHARS};
use cisrun_core::{
    Catalogue, ControlResult, ErrorDetail, Evidence, Outcome, RunInfo, RunReport, SkipReason,
    Status, TargetReport,
};
use cisrun_reports::{format, render, Context};
use serde_json::Value;

/// Markup, a table row of its own, Markdown syntax, control characters, template markers.
const HOSTILE: &str = "<img src=x onerror=alert(1)></td></script>\n| injected | row | x | y |\r\n\
    # heading [link](javascript:alert(1)) `code` *b* _i_ \\ & &amp; \u{1}\u{1b}[31m\u{7f} \
    \u{2028}\u{2029} ]]> __DATA__ __TITLE__ \"dq\" 'sq' end";

/// A text of 20 MiB, as a hostile endpoint's error message would be.
fn huge(marker: &str) -> String {
    format!("{marker}{}", "A".repeat(20 * 1024 * 1024))
}

fn context_catalogue() -> Catalogue {
    Catalogue::new(vec![], vec![], vec![&cisrun_core::testing::PLATFORM]).expect("a catalogue")
}

fn run_info(profile: &str) -> RunInfo {
    RunInfo {
        tool: "cisrun".into(),
        tool_version: "0".into(),
        profile: profile.into(),
        benchmark: "cis-aws-foundations".into(),
        version: "v3.0.0".into(),
        level: 1,
        command: "audit".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        duration_seconds: 1.0,
        partition: None,
    }
}

fn result(control_id: &str, number: &str, title: &str, outcome: Outcome) -> ControlResult {
    ControlResult {
        control_id: control_id.into(),
        number: number.into(),
        title: title.into(),
        level: 1,
        section: "1".into(),
        outcome,
        duration_seconds: 0.0,
        plan: None,
        change: None,
    }
}

/// Two accounts (the first with a hostile id and name) and every status, hostile text in
/// every field a format prints.
fn hostile_report() -> RunReport {
    let evidence = || {
        vec![
            Evidence::finding(
                format!("role/{HOSTILE}"),
                Some(HOSTILE),
                Status::Fail,
                format!("detail {HOSTILE}"),
            ),
            Evidence::new("role/plain", "plain detail"),
        ]
    };
    let results = |id: &str| {
        vec![
            result(
                &format!("ctl-fail-{HOSTILE}"),
                &format!("1.{HOSTILE}"),
                &format!("Fail {HOSTILE}"),
                Outcome::fail(format!("fail {HOSTILE}"), evidence())
                    .with_note(format!("note {HOSTILE}")),
            ),
            result(
                "ctl-error",
                "1.2",
                "Error",
                Outcome::error(ErrorDetail {
                    code: format!("Code{HOSTILE}"),
                    message: format!("{id} denied {HOSTILE}"),
                    missing_permission: Some(format!("iam:List{HOSTILE}")),
                }),
            ),
            result(
                "ctl-pass",
                "1.3",
                "Pass",
                Outcome::pass(format!("pass {HOSTILE}"), evidence()),
            ),
            result(
                "ctl-skip",
                "1.4",
                "Skip",
                Outcome::skipped(SkipReason::Excepted {
                    reason: format!("reason {HOSTILE}"),
                    expires: None,
                }),
            ),
        ]
    };
    RunReport {
        run: run_info(&format!("profile {HOSTILE}")),
        targets: vec![
            TargetReport {
                id: format!("acct {HOSTILE}"),
                name: Some(format!("name {HOSTILE}")),
                kind: String::new(),
                attributes: Default::default(),
                results: results("first"),
            },
            TargetReport {
                id: "210987654321".into(),
                name: None,
                kind: String::new(),
                attributes: Default::default(),
                results: results("second"),
            },
        ],
        baseline: None,
    }
}

/// One account, one failing result that lists `resources` roles in its message (as the
/// support role's and 1.16's messages do) and has one evidence each.
fn report_with_resources(resources: usize) -> RunReport {
    let names: Vec<String> = (0..resources).map(|i| format!("role-{i:06}")).collect();
    let evidence = names
        .iter()
        .map(|n| Evidence::new(format!("arn:aws:iam::123456789012:role/{n}"), "attached"))
        .collect();
    RunReport {
        run: run_info("bench"),
        targets: vec![TargetReport {
            id: "123456789012".into(),
            name: None,
            kind: String::new(),
            attributes: Default::default(),
            results: vec![result(
                "aws-iam-support-role",
                "1.17",
                "Ensure a support role has been created",
                Outcome::pass(
                    format!("attached to {resources} role(s): {}", names.join(", ")),
                    evidence,
                ),
            )],
        }],
        baseline: None,
    }
}

/// A report whose AWS texts are 20 MiB each: the error message, an evidence resource and
/// detail, a note, an account name.
fn huge_report() -> RunReport {
    let mut report = hostile_report();
    let account = &mut report.targets[1];
    account.name = Some(huge("NAME"));
    account.results[0].outcome.evidence = vec![Evidence::new(huge("RESOURCE"), huge("DETAIL"))];
    account.results[0].outcome.notes = vec![huge("NOTE")];
    account.results[1].outcome = Outcome::error(ErrorDetail {
        code: "InvalidResponse".into(),
        message: huge("ERROR"),
        missing_permission: None,
    });
    report
}

fn rendered(name: &str, report: &RunReport) -> String {
    let catalogue = context_catalogue();
    let context = Context {
        catalogue: &catalogue,
    };
    let format = format(name).unwrap_or_else(|| panic!("no format {name}"));
    String::from_utf8(render(format, report, &context).expect("rendered")).expect("UTF-8")
}

fn assert_valid_junit(xml: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, xml).expect("write junit");
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/jenkins-junit-10.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(&path)
        .output()
        .expect("xmllint is installed (Debian: libxml2-utils)");
    assert!(
        output.status.success(),
        "JUnit does not validate: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Characters XML 1.0 forbids.
fn forbidden_in_xml(c: char) -> bool {
    !matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// The cap's note for a 20 MiB text that starts with `marker`.
fn huge_note(marker: &str) -> String {
    cut_note(huge(marker).chars().count() - TEXT_CAP_CHARS)
}

#[test]
fn junit_with_twenty_megabyte_texts_validates_and_cuts_each_with_a_note() {
    let xml = rendered("junit", &huge_report());
    assert_valid_junit(&xml);
    assert!(xml.len() < 200_000, "{} bytes", xml.len());
    for marker in ["NAME", "RESOURCE", "DETAIL", "NOTE", "ERROR"] {
        assert!(xml.contains(marker), "{marker} is shown");
    }
    assert!(
        xml.contains(&huge_note("NOTE")),
        "the note says what was cut"
    );
    assert!(!xml.contains(forbidden_in_xml), "no forbidden character");
}

#[test]
fn junit_with_hostile_text_everywhere_validates() {
    let xml = rendered("junit", &hostile_report());
    assert_valid_junit(&xml);
    assert!(!xml.contains(forbidden_in_xml), "no forbidden character");
}

#[test]
fn junit_lists_evidence_within_its_budget_and_counts_the_rest() {
    let xml = rendered("junit", &report_with_resources(30_000));
    assert_valid_junit(&xml);
    assert!(
        xml.len() < cisrun_reports::junit::BODY_BUDGET + 20_000,
        "{} bytes",
        xml.len()
    );
    assert!(
        xml.contains("more resource(s): the full list is in the JSON report"),
        "the cut is said"
    );
}

#[test]
fn json_keeps_every_text_whole_and_the_error_message_once() {
    let report = huge_report();
    let text = rendered("json", &report);
    let parsed: RunReport = serde_json::from_str(&text).expect("the JSON report reads back");
    assert_eq!(parsed, report, "nothing is cut");
    let error = &parsed.targets[1].results[1].outcome;
    assert!(
        error.message.len() < 2 * TEXT_CAP_CHARS,
        "the message quotes it cut"
    );
    for marker in ["NAME", "RESOURCE", "DETAIL", "NOTE", "ERROR"] {
        let whole = format!("{marker}{}", "A".repeat(2 * TEXT_CAP_CHARS));
        assert_eq!(
            text.matches(&whole).count(),
            1,
            "{marker}: the whole text once"
        );
    }
}

/// Lines of a Markdown table: each must have as many cell separators (an unescaped `|`) as
/// its header.
fn unescaped_pipes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '|') => count += 1,
            _ => escaped = false,
        }
    }
    count
}

fn assert_markdown_safe(markdown: &str) {
    for tag in ["<img", "</td", "</script", "<script"] {
        assert!(!markdown.contains(tag), "raw HTML {tag}: {markdown}");
    }
    let without_known = markdown
        .replace("<details>", "")
        .replace("</details>", "")
        .replace("<summary>", "")
        .replace("</summary>", "");
    assert!(!without_known.contains('<'), "raw markup: {markdown}");
    let mut columns = None;
    for line in markdown.lines() {
        assert!(!line.starts_with("| injected"), "a row broke out: {line}");
        assert!(
            !line.starts_with("# heading"),
            "a heading broke out: {line}"
        );
        if line.starts_with('|') {
            let pipes = unescaped_pipes(line);
            match columns {
                None => columns = Some(pipes),
                Some(expected) => assert_eq!(pipes, expected, "cells of {line}"),
            }
        } else {
            columns = None;
        }
        assert!(
            !line.contains(|c: char| c.is_control() && c != '\t'),
            "control character in {line:?}"
        );
    }
}

#[test]
fn markdown_escapes_every_field() {
    let markdown = rendered("markdown", &hostile_report());
    assert_markdown_safe(&markdown);
    assert!(
        markdown.contains("acct &lt;img"),
        "the account id, escaped: {markdown}"
    );
    // Every account passing: the collapsed list of ids is escaped too.
    let mut passing = hostile_report();
    for target in &mut passing.targets {
        for result in &mut target.results {
            result.outcome = Outcome::pass("ok", vec![]);
        }
    }
    for i in 0..12 {
        let mut extra = passing.targets[0].clone();
        extra.id = format!("{i} {HOSTILE}");
        passing.targets.push(extra);
    }
    assert_markdown_safe(&rendered("markdown", &passing));
}

#[test]
fn markdown_cuts_long_reasons_with_a_note() {
    let markdown = rendered("markdown", &huge_report());
    assert_markdown_safe(&markdown);
    assert!(markdown.len() < 100_000, "{} bytes", markdown.len());
    assert!(
        markdown.contains("more characters; full text in the JSON report)"),
        "{markdown}"
    );
}

/// The page outside its data element, and the data.
fn html_parts(page: &str) -> (String, Value) {
    const OPEN: &str = "<script type=\"application/json\" id=\"cisrun-data\">";
    let start = page.find(OPEN).expect("the data element") + OPEN.len();
    let end = start + page[start..].find("</script>").expect("its end");
    let outside = format!("{}{}", &page[..start], &page[end..]);
    let data = serde_json::from_str(&page[start..end]).expect("the data is JSON");
    (outside, data)
}

#[test]
fn html_carries_hostile_text_only_as_escaped_data() {
    let page = rendered("html", &hostile_report());
    let (outside, data) = html_parts(&page);
    assert!(!outside.contains("<img"), "raw HTML outside the data");
    assert_eq!(
        outside.matches("</script>").count(),
        2,
        "no script element closed early"
    );
    assert_eq!(
        page.matches("id=\"cisrun-data\"").count(),
        1,
        "__DATA__ in a text stays text"
    );
    assert!(outside.contains("profile &lt;img"), "the title is escaped");
    assert_eq!(data["accounts"][0][1], format!("name {HOSTILE}"));
    let strings = data["strings"].as_array().expect("strings");
    assert!(strings
        .iter()
        .any(|s| s == &Value::from(format!("note {HOSTILE}"))));
}

#[test]
fn html_cuts_every_text_at_the_cap() {
    let page = rendered("html", &huge_report());
    assert!(page.len() < 200_000, "{} bytes", page.len());
    let (_, data) = html_parts(&page);
    let strings = data["strings"].as_array().expect("strings");
    for s in strings {
        let s = s.as_str().expect("a string");
        assert!(
            s.chars().count() <= TEXT_CAP_CHARS + 80,
            "{} chars",
            s.len()
        );
    }
    assert!(strings.iter().any(|s| s
        .as_str()
        .is_some_and(|s| s.starts_with("DETAIL") && s.ends_with(&huge_note("DETAIL")))));
}

#[test]
fn ocsf_events_carry_their_own_resource_and_cut_texts() {
    let text = rendered("ocsf", &hostile_report());
    let events: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
    let plain = events
        .iter()
        .find(|e| e["resources"][0]["uid"] == "role/plain" && e["status_code"] == "FAIL")
        .expect("the plain role's event");
    assert_eq!(plain["status_detail"], "plain detail");
    assert_eq!(plain["compliance"]["status_detail"], "plain detail");
    assert!(
        !plain["message"]
            .as_str()
            .unwrap_or_default()
            .contains("fail <img"),
        "not the result's message: {plain:#}"
    );
    let text = rendered("ocsf", &huge_report());
    assert!(text.len() < 200_000, "{} bytes", text.len());
    let _: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
}

#[test]
fn every_report_grows_linearly_with_resources() {
    for name in ["junit", "json", "markdown", "html", "ocsf"] {
        let small = rendered(name, &report_with_resources(2_000)).len();
        let large = rendered(name, &report_with_resources(8_000)).len();
        assert!(
            large <= small * 4 + 10_000,
            "{name}: {small} bytes for 2,000 resources, {large} for 8,000"
        );
    }
}
