//! JUnit XML, as dashboards (GitLab, Jenkins, GitHub, Azure DevOps) read it.
//!
//! One `<testsuite>` per account, one `<testcase>` per control. `classname` is
//! `<account id>.<control id>` and `name` is `<CIS number> <title>`: both stay the same
//! between runs, because dashboards track a test's history by them.
//!
//! junit-report writes text as given, so it would emit invalid XML for characters XML 1.0
//! forbids and for `]]>` inside its CDATA sections. Every string passes through
//! [`xml_safe`] (and [`cdata_safe`] for element bodies) before it reaches the writer.
//!
//! Every text is cut at [`TEXT_CAP_CHARS`](cisrun_core::report::TEXT_CAP_CHARS) characters
//! (the JSON report keeps it whole), and a testcase's body lists evidence up to
//! [`BODY_BUDGET`] bytes, then says how many resources it left out: XML readers refuse an
//! attribute or a text node past some size (libxml2: 10,000,000 bytes), whatever AWS sent.

use junit_report::{Duration as JDuration, OffsetDateTime, Report, TestCase, TestSuite};

use cisrun_core::outcome::{Outcome, SkipReason, Status};
use cisrun_core::report::{capped, seconds, ControlResult, ReportError, RunReport};

/// The most bytes of evidence one testcase's body lists before it counts the rest.
pub const BODY_BUDGET: usize = 1_000_000;

/// Replaces characters XML 1.0 cannot carry with a visible `\u{..}` escape, so nothing is
/// silently lost and the document stays well-formed.
pub fn xml_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let allowed = matches!(c,
            '\u{9}' | '\u{A}' | '\u{D}'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'..='\u{10FFFF}');
        if allowed {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// [`xml_safe`], and `]]>` split across two CDATA sections: the text reads back unchanged.
pub fn cdata_safe(text: &str) -> String {
    xml_safe(text).replace("]]>", "]]]]><![CDATA[>")
}

fn duration(result_seconds: f64) -> JDuration {
    JDuration::try_from(seconds(result_seconds)).unwrap_or(JDuration::ZERO)
}

/// The `name` attribute of a control's testcase.
pub fn testcase_name(result: &ControlResult) -> String {
    format!("{} {}", result.number, result.title)
}

/// [`xml_safe`] of `text` cut at the report text cap.
fn shown(text: &str) -> String {
    xml_safe(&capped(text))
}

/// A testcase's body after its message: the baseline label, the evidence (within
/// [`BODY_BUDGET`]) and the notes, each text capped.
fn body(result: &ControlResult) -> String {
    let outcome: &Outcome = &result.outcome;
    let mut body = String::new();
    // The Jenkins schema has no properties on a testcase: the baseline label is a line.
    if let Some(change) = result.change {
        body.push_str(&format!("Baseline: {}\n", change.as_str()));
    }
    if !outcome.evidence.is_empty() {
        body.push_str("Evidence:\n");
        let mut listed = 0;
        for evidence in &outcome.evidence {
            let line = format!(
                "{}: {}\n",
                capped(&evidence.resource),
                capped(&evidence.scoped_detail())
            );
            if body.len() + line.len() > BODY_BUDGET {
                break;
            }
            body.push_str(&line);
            listed += 1;
        }
        let left_out = outcome.evidence.len() - listed;
        if left_out > 0 {
            body.push_str(&format!(
                "… and {left_out} more resource(s): the full list is in the JSON report\n"
            ));
        }
    }
    for note in &outcome.notes {
        body.push_str(&format!("Note: {}\n", capped(note)));
    }
    body
}

fn testcase(account_id: &str, result: &ControlResult) -> TestCase {
    let name = shown(&testcase_name(result));
    let time = duration(result.duration_seconds);
    let outcome = &result.outcome;
    let message = shown(&outcome.message);
    let body = body(result);
    let mut case = match outcome.status {
        Status::Pass => {
            let mut case = TestCase::success(&name, time);
            case.set_system_out(&cdata_safe(&format!(
                "{}\n{body}",
                capped(&outcome.message)
            )));
            case
        }
        Status::Fail => {
            let mut case = TestCase::failure(&name, time, "fail", &message);
            if let junit_report::TestResult::Failure { cause, .. } = &mut case.result {
                *cause = Some(cdata_safe(&format!("{}\n{body}", capped(&outcome.message))));
            }
            case
        }
        Status::Error => {
            let code = outcome
                .error
                .as_ref()
                .map_or("error".to_string(), |e| e.code.clone());
            let mut case = TestCase::error(&name, time, &shown(&code), &message);
            let mut detail = format!("{}\n{body}", capped(&outcome.message));
            if let Some(permission) = outcome
                .error
                .as_ref()
                .and_then(|e| e.missing_permission.as_ref())
            {
                detail.push_str(&format!("Missing permission: {}\n", capped(permission)));
            }
            if let junit_report::TestResult::Error { cause, .. } = &mut case.result {
                *cause = Some(cdata_safe(&detail));
            }
            case
        }
        Status::Skipped => {
            let kind = match &outcome.skip {
                Some(SkipReason::Manual) => "manual",
                Some(SkipReason::Excepted { .. }) => "excepted",
                Some(SkipReason::NotImplemented) => "not_implemented",
                Some(SkipReason::NotApplicable { .. }) | None => "not_applicable",
            };
            let mut case = TestCase::skipped_with_cause(&name, kind, &message);
            case.time = time;
            if !body.is_empty() {
                case.set_system_out(&cdata_safe(&body));
            }
            case
        }
    };
    case.set_classname(&shown(&format!("{account_id}.{}", result.control_id)));
    case
}

/// The `name` of an account's testsuite.
pub fn testsuite_name(account_id: &str, account_name: Option<&str>) -> String {
    match account_name {
        Some(name) if !name.is_empty() => format!("{account_id} ({name})"),
        _ => account_id.to_string(),
    }
}

/// The JUnit XML report, validated in CI against Jenkins' schema.
pub struct JunitFormat;

impl crate::ReportFormat for JunitFormat {
    fn name(&self) -> &'static str {
        "junit"
    }
    fn help(&self) -> &'static str {
        "Write a JUnit XML report here (`-`: standard output)."
    }
    fn what(&self) -> &'static str {
        "JUnit report"
    }
    fn write(
        &self,
        report: &RunReport,
        _: &crate::Context<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), ReportError> {
        let xml = render(report)?;
        out.write_all(&xml).map_err(|e| crate::io_error("junit", e))
    }
}

crate::register_format!(JunitFormat, 10);

/// Renders the JUnit XML report.
pub fn render(report: &RunReport) -> Result<Vec<u8>, ReportError> {
    let timestamp = chrono::DateTime::parse_from_rfc3339(&report.run.started_at)
        .ok()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.timestamp()).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut junit = Report::new();
    for account in &report.targets {
        let mut suite = TestSuite::new(&shown(&testsuite_name(
            &account.id,
            account.name.as_deref(),
        )));
        suite.package = shown(&format!("cisrun/{}", report.run.profile));
        suite.set_timestamp(timestamp);
        suite.add_testcases(account.results.iter().map(|r| testcase(&account.id, r)));
        junit.add_testsuite(suite);
    }
    let mut out = Vec::new();
    junit.write_xml(&mut out).map_err(|e| ReportError::Render {
        format: "junit".to_string(),
        message: e.to_string(),
    })?;
    Ok(out)
}
