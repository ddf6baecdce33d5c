//! JUnit rendering: every outcome, with hostile text everywhere, validates against Jenkins'
//! schema (xmllint) and reads back (quick-xml) without losing anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use cisrun_core::{
    ControlResult, ErrorDetail, Evidence, Outcome, RunInfo, RunReport, SkipReason, TargetReport,
};
use cisrun_reports::junit::{cdata_safe, testcase_name, testsuite_name, xml_safe};
use quick_xml::events::Event;
use quick_xml::Reader;

/// Control characters XML 1.0 forbids, CDATA's terminator, markup, quotes, non-ASCII.
const NASTY: &str =
    "nul\u{0} soh\u{1} esc\u{1b}[31m ]]> <b>&amp;</b> \"dq\" 'sq' ü 日本 🚀 fffe\u{fffe} end";

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/jenkins-junit-10.xsd")
}

fn assert_valid(xml: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, xml).expect("write junit");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema())
        .arg(&path)
        .output()
        .expect("xmllint is installed (Debian: libxml2-utils)");
    assert!(
        output.status.success(),
        "JUnit does not validate against the Jenkins schema:\n{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(xml)
    );
}

fn result(control_id: &str, number: &str, title: &str, outcome: Outcome) -> ControlResult {
    ControlResult {
        section: "1".into(),
        control_id: control_id.to_string(),
        number: number.to_string(),
        title: title.to_string(),
        level: 1,
        outcome,
        duration_seconds: 0.25,
        plan: None,
        change: None,
    }
}

fn run_info() -> RunInfo {
    RunInfo {
        tool: "cisrun".to_string(),
        tool_version: "0.1.0".to_string(),
        profile: format!("profile {NASTY}"),
        benchmark: "cis-aws-foundations".to_string(),
        version: "v3.0.0".to_string(),
        level: 2,
        command: "audit".to_string(),
        started_at: "2025-06-01T12:00:00+00:00".to_string(),
        duration_seconds: 1.5,
        partition: None,
    }
}

/// One account with every outcome, hostile text in every field; one plain account.
fn hostile_report() -> RunReport {
    let evidence = vec![
        Evidence::new(format!("role/{NASTY}"), format!("detail {NASTY}")),
        Evidence::new("role/plain", "AWSSupportAccess attached"),
    ];
    let results = vec![
        result(
            "ctl-pass",
            "1.1",
            &format!("Pass {NASTY}"),
            Outcome::pass(format!("pass {NASTY}"), evidence.clone()),
        ),
        result(
            "ctl-fail",
            "1.2",
            &format!("Fail {NASTY}"),
            Outcome::fail(format!("fail {NASTY}"), evidence.clone())
                .with_note(format!("note {NASTY}")),
        ),
        result(
            "ctl-error",
            "1.3",
            &format!("Error {NASTY}"),
            Outcome::error(ErrorDetail {
                code: format!("Access<Denied>&\u{1}\"{NASTY}"),
                message: format!("denied {NASTY}"),
                missing_permission: Some(format!("iam:List{NASTY}")),
            }),
        ),
        result(
            "ctl-manual",
            "1.4",
            &format!("Manual {NASTY}"),
            Outcome::skipped(SkipReason::Manual),
        ),
        result(
            "ctl-excepted",
            "1.5",
            &format!("Excepted {NASTY}"),
            Outcome::skipped(SkipReason::Excepted {
                reason: format!("reason {NASTY}"),
                expires: chrono::NaiveDate::from_ymd_opt(2030, 1, 31),
            }),
        ),
        result(
            "ctl-na",
            "1.10",
            &format!("Not applicable {NASTY}"),
            Outcome::skipped(SkipReason::NotApplicable {
                reason: format!("n/a {NASTY}"),
            })
            .with_note(format!("expired exception {NASTY}")),
        ),
        result(
            "ctl-<&>\"",
            "2.1",
            "Hostile id",
            Outcome::pass("", Vec::new()),
        ),
    ];
    RunReport {
        run: run_info(),
        targets: vec![
            TargetReport {
                id: "123456789012".to_string(),
                name: Some(format!("Prod {NASTY}")),
                kind: String::new(),
                attributes: Default::default(),
                results,
            },
            TargetReport {
                id: "210987654321".to_string(),
                name: None,
                kind: String::new(),
                attributes: Default::default(),
                results: vec![result(
                    "ctl-pass",
                    "1.1",
                    "Plain",
                    Outcome::pass("ok", Vec::new()),
                )],
            },
            TargetReport {
                id: "333333333333".to_string(),
                name: Some(String::new()),
                kind: String::new(),
                attributes: Default::default(),
                results: Vec::new(),
            },
        ],
        baseline: None,
    }
}

/// What one `<testcase>` reads back as.
#[derive(Debug, Default, Clone)]
struct Case {
    suite: String,
    name: String,
    classname: String,
    /// `failure`, `error` or `skipped`; empty for a pass.
    kind: String,
    kind_type: String,
    kind_message: String,
    /// The text inside the failure/error/skipped element.
    body: String,
    system_out: String,
}

fn attributes(e: &quick_xml::events::BytesStart) -> Vec<(String, String)> {
    e.attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            (
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                    .expect("attribute value")
                    .into_owned(),
            )
        })
        .collect()
}

fn attribute(attrs: &[(String, String)], key: &str) -> String {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Reads the suites' names and every testcase back with a real XML parser.
fn parse(xml: &[u8]) -> (Vec<String>, Vec<Case>) {
    let text = std::str::from_utf8(xml).expect("UTF-8 XML");
    let mut reader = Reader::from_str(text);
    let (mut suites, mut cases) = (Vec::new(), Vec::new());
    let mut current: Option<Case> = None;
    // The element whose text we are collecting.
    let mut collecting: Option<String> = None;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let attrs = attributes(e);
                let empty = matches!(event, Event::Empty(_));
                match tag.as_str() {
                    "testsuite" => suites.push(attribute(&attrs, "name")),
                    "testcase" => {
                        let case = Case {
                            suite: suites.last().cloned().unwrap_or_default(),
                            name: attribute(&attrs, "name"),
                            classname: attribute(&attrs, "classname"),
                            ..Case::default()
                        };
                        if empty {
                            cases.push(case);
                        } else {
                            current = Some(case);
                        }
                    }
                    "failure" | "error" | "skipped" => {
                        let case = current.as_mut().expect("inside a testcase");
                        case.kind = tag.clone();
                        case.kind_type = attribute(&attrs, "type");
                        case.kind_message = attribute(&attrs, "message");
                        if !empty {
                            collecting = Some(tag);
                        }
                    }
                    "system-out" if !empty => collecting = Some(tag),
                    _ => {}
                }
            }
            Event::CData(t) => {
                let text = t.decode().expect("UTF-8 CDATA").into_owned();
                push_text(&mut current, collecting.as_deref(), &text);
            }
            Event::Text(t) => {
                let text = t.decode().expect("UTF-8 text").into_owned();
                push_text(&mut current, collecting.as_deref(), &text);
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let text = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                };
                push_text(&mut current, collecting.as_deref(), text);
            }
            Event::End(e) => {
                let tag = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if collecting.as_deref() == Some(tag.as_str()) {
                    collecting = None;
                }
                if tag == "testcase" {
                    cases.push(current.take().expect("open testcase"));
                }
            }
            _ => {}
        }
    }
    (suites, cases)
}

fn push_text(case: &mut Option<Case>, element: Option<&str>, text: &str) {
    let (Some(case), Some(element)) = (case.as_mut(), element) else {
        return;
    };
    match element {
        "system-out" => case.system_out.push_str(text),
        _ => case.body.push_str(text),
    }
}

fn case<'a>(cases: &'a [Case], classname: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.classname == classname)
        .unwrap_or_else(|| panic!("no testcase {classname:?} in {cases:#?}"))
}

/// What the body of a control's element should read: its message, evidence and notes.
fn expected_body(outcome: &Outcome) -> String {
    let mut body = format!("{}\n", outcome.message);
    if !outcome.evidence.is_empty() {
        body.push_str(&format!("Evidence:\n{}\n", outcome.evidence_text()));
    }
    for note in &outcome.notes {
        body.push_str(&format!("Note: {note}\n"));
    }
    xml_safe(&body)
}

#[test]
fn xml_safe_escapes_forbidden_characters_visibly() {
    assert_eq!(xml_safe("a\u{0}b\u{1}c\u{1b}d"), "a\\u{0}b\\u{1}c\\u{1b}d");
    assert_eq!(xml_safe("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
    assert_eq!(
        xml_safe("\u{fffe}\u{ffff}\u{fffd}"),
        "\\u{fffe}\\u{ffff}\u{fffd}"
    );
    assert_eq!(xml_safe("ü 日本 🚀 <&>"), "ü 日本 🚀 <&>");
    assert_eq!(cdata_safe("a]]>b"), "a]]]]><![CDATA[>b");
    assert_eq!(cdata_safe("\u{1}]]>"), "\\u{1}]]]]><![CDATA[>");
}

#[test]
fn every_outcome_with_hostile_text_validates_against_the_jenkins_schema() {
    let xml = cisrun_reports::junit::render(&hostile_report()).expect("render JUnit");
    assert_valid(&xml);
}

#[test]
fn nothing_is_lost_reading_the_report_back() {
    let report = hostile_report();
    let xml = cisrun_reports::junit::render(&report).expect("render JUnit");
    let (suites, cases) = parse(&xml);

    // Suites: the account id, and the account's name in parentheses when known.
    assert_eq!(
        suites,
        [
            xml_safe(&format!("123456789012 (Prod {NASTY})")),
            "210987654321".to_string(),
            "333333333333".to_string(),
        ]
    );
    assert_eq!(
        testsuite_name("123456789012", Some("Prod")),
        "123456789012 (Prod)"
    );
    assert_eq!(testsuite_name("123456789012", None), "123456789012");
    assert_eq!(cases.len(), 8, "{cases:#?}");

    let account = &report.targets[0];
    for expected in &account.results {
        let classname = xml_safe(&format!("123456789012.{}", expected.control_id));
        let got = case(&cases, &classname);
        assert_eq!(got.suite, suites[0]);
        assert_eq!(got.name, xml_safe(&testcase_name(expected)));
        assert_eq!(
            got.name,
            xml_safe(&format!("{} {}", expected.number, expected.title))
        );
    }

    let pass = case(&cases, "123456789012.ctl-pass");
    assert_eq!(pass.kind, "");
    assert_eq!(pass.system_out, expected_body(&account.results[0].outcome));

    let fail = case(&cases, "123456789012.ctl-fail");
    assert_eq!(fail.kind, "failure");
    assert_eq!(fail.kind_type, "fail");
    assert_eq!(fail.kind_message, xml_safe(&format!("fail {NASTY}")));
    assert_eq!(fail.body, expected_body(&account.results[1].outcome));

    let error = case(&cases, "123456789012.ctl-error");
    assert_eq!(error.kind, "error");
    assert_eq!(
        error.kind_type,
        xml_safe(&format!("Access<Denied>&\u{1}\"{NASTY}"))
    );
    assert_eq!(
        error.kind_message,
        xml_safe(&account.results[2].outcome.message)
    );
    assert!(
        error
            .body
            .ends_with(&xml_safe(&format!("Missing permission: iam:List{NASTY}\n"))),
        "{:?}",
        error.body
    );

    let manual = case(&cases, "123456789012.ctl-manual");
    assert_eq!(
        (manual.kind.as_str(), manual.kind_type.as_str()),
        ("skipped", "manual")
    );
    assert_eq!(manual.kind_message, "manual control: assess it by hand");

    let excepted = case(&cases, "123456789012.ctl-excepted");
    assert_eq!(
        (excepted.kind.as_str(), excepted.kind_type.as_str()),
        ("skipped", "excepted")
    );
    assert_eq!(
        excepted.kind_message,
        xml_safe(&format!("excepted until 2030-01-31: reason {NASTY}"))
    );
    assert_eq!(excepted.system_out, "", "no notes, no system-out");

    let na = case(&cases, "123456789012.ctl-na");
    assert_eq!(
        (na.kind.as_str(), na.kind_type.as_str()),
        ("skipped", "not_applicable")
    );
    assert_eq!(
        na.kind_message,
        xml_safe(&format!("not applicable: n/a {NASTY}"))
    );
    assert_eq!(
        na.system_out,
        xml_safe(&format!("Note: expired exception {NASTY}\n"))
    );

    let hostile_id = case(&cases, "123456789012.ctl-<&>\"");
    assert_eq!(hostile_id.name, "2.1 Hostile id");

    let plain = case(&cases, "210987654321.ctl-pass");
    assert_eq!(plain.suite, "210987654321");
    assert_eq!(plain.name, "1.1 Plain");
}

#[test]
fn cdata_terminators_survive_and_control_characters_are_visible() {
    let xml = cisrun_reports::junit::render(&hostile_report()).expect("render JUnit");
    let (_, cases) = parse(&xml);
    let fail = case(&cases, "123456789012.ctl-fail");
    for text in [&fail.body, &fail.kind_message] {
        assert!(text.contains(" ]]> "), "{text:?}");
        assert!(text.contains("<b>&amp;</b>"), "{text:?}");
        assert!(text.contains("\"dq\" 'sq' ü 日本 🚀"), "{text:?}");
        assert!(
            text.contains("nul\\u{0} soh\\u{1} esc\\u{1b}[31m"),
            "{text:?}"
        );
        assert!(text.contains("fffe\\u{fffe} end"), "{text:?}");
        assert!(
            !text.contains(['\u{0}', '\u{1}', '\u{1b}', '\u{fffe}']),
            "raw control character in {text:?}"
        );
    }
    // The raw document never carries a forbidden character either.
    let raw = String::from_utf8(xml).expect("UTF-8");
    assert!(!raw.contains(['\u{0}', '\u{1}', '\u{1b}', '\u{fffe}']));
}

#[test]
fn an_empty_run_and_an_account_without_results_validate() {
    let empty = RunReport {
        run: run_info(),
        targets: Vec::new(),
        baseline: None,
    };
    let xml = cisrun_reports::junit::render(&empty).expect("render JUnit");
    assert_valid(&xml);
    let (suites, cases) = parse(&xml);
    assert!(suites.is_empty() && cases.is_empty());
}

#[test]
fn attributes_and_bodies_with_only_hostile_characters_validate() {
    for text in [
        "]]>",
        "]]]]>>",
        "\u{1}",
        "<",
        "&",
        "\"",
        "'",
        "",
        "]",
        "]]",
        "\u{0}]]>\u{0}",
    ] {
        let mut report = hostile_report();
        for result in &mut report.targets[0].results {
            result.title = text.to_string();
            result.outcome.message = text.to_string();
            result.outcome.notes = vec![text.to_string()];
        }
        report.targets[0].name = Some(text.to_string());
        let xml = cisrun_reports::junit::render(&report).expect("render JUnit");
        assert_valid(&xml);
        let (_, cases) = parse(&xml);
        let fail = case(&cases, "123456789012.ctl-fail");
        assert_eq!(fail.kind_message, xml_safe(text));
        assert!(
            fail.body.starts_with(&format!("{}\n", xml_safe(text))),
            "{text:?}: {:?}",
            fail.body
        );
    }
}
