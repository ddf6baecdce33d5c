//! OCSF findings (`--ocsf`): one Compliance Finding event (class 2003, OCSF 1.5) per
//! account, control and resource, as a JSON array, for security data lakes and AWS Security
//! Hub's OCSF ingestion.
//!
//! Mapping: `compliance.control` and `compliance.requirements` carry the CIS number,
//! `compliance.status_id` the verdict (pass 1, error 2 "warning": not evaluated, fail 3,
//! skipped 99 "other" with `status` saying why), `unmapped.cis_level` and
//! `finding_info.types` the CIS level. The finding's own `status_id` is 1 "new" for a fail or
//! an error, 4 "resolved" for a pass, 3 "suppressed" for a skip; `severity_id` is 3
//! "medium" for a fail or an error, 1 "informational" otherwise (CIS grades no severity).
//! A result without evidence gives one event whose resource is the target. What is
//! platform-specific (the `cloud` or `device` object, the partition, resource types) comes
//! from the target's platform ([`OcsfTarget`]).
//!
//! An event about one resource says what was found on that resource (`status_detail`,
//! `message`, the resource's `data.detail`), never the result's message, which may list
//! every resource: the file grows with the number of resources, not with its square. Every
//! text is cut at [`TEXT_CAP_CHARS`](cisrun_core::report::TEXT_CAP_CHARS) characters; the
//! JSON report keeps it whole.

use serde_json::{json, Value};

use cisrun_core::outcome::Status;
use cisrun_core::platform::OcsfTarget;
use cisrun_core::report::{capped, ControlResult, RunReport, TargetReport};

use crate::Context;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";

fn compliance_status(status: Status) -> (u8, &'static str) {
    match status {
        Status::Pass => (1, "Pass"),
        Status::Error => (2, "Warning"),
        Status::Fail => (3, "Fail"),
        Status::Skipped => (99, "Skipped"),
    }
}

fn finding_status(status: Status) -> (u8, &'static str) {
    match status {
        Status::Fail | Status::Error => (1, "New"),
        Status::Pass => (4, "Resolved"),
        Status::Skipped => (3, "Suppressed"),
    }
}

fn severity(status: Status) -> (u8, &'static str) {
    match status {
        Status::Fail | Status::Error => (3, "Medium"),
        Status::Pass | Status::Skipped => (1, "Informational"),
    }
}

/// The start of the run in milliseconds since the epoch (0 when unreadable).
fn time_ms(started_at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(started_at).map_or(0, |t| t.timestamp_millis())
}

/// What one event is about: the account, or one resource a result lists.
struct Subject<'a> {
    uid: &'a str,
    /// What was found: the result's message for the account, the resource's own detail.
    detail: &'a str,
    /// True for one of the resources the result lists.
    resource: bool,
    change: Option<&'a str>,
    /// The resource's own verdict when the control judged it alone, else the result's.
    status: Status,
    region: Option<&'a str>,
}

/// What one target's events share: its platform's OCSF description and the standard.
struct Target<'a> {
    report: &'a TargetReport,
    ocsf: OcsfTarget,
    standard: String,
}

fn event(
    report: &RunReport,
    target: &Target<'_>,
    result: &ControlResult,
    subject: Subject<'_>,
) -> Value {
    let account = target.report;
    let run = &report.run;
    let resource_uid = capped(subject.uid);
    let resource_uid = resource_uid.as_ref();
    let detail = capped(subject.detail);
    let detail = detail.as_ref();
    let change = subject.change;
    let status = subject.status;
    let (compliance_id, compliance_name) = compliance_status(status);
    let (finding_id, finding_name) = finding_status(status);
    let (severity_id, severity_name) = severity(status);
    let standard = target.standard.clone();
    let time = time_ms(&run.started_at);
    let account_id = capped(&account.id);
    let uid = format!(
        "cisrun/{}/{}/{account_id}/{}/{resource_uid}",
        run.benchmark, run.version, result.control_id
    );
    let mut status_detail = detail.to_string();
    if let Some(skip) = &result.outcome.skip {
        if let Ok(Value::Object(o)) = serde_json::to_value(skip) {
            if let Some(Value::String(kind)) = o.get("kind") {
                status_detail = format!("{kind}: {status_detail}");
            }
        }
    }
    let message = if subject.resource {
        format!(
            "CIS {} {}: {resource_uid}: {detail}",
            result.number, result.title
        )
    } else {
        format!("CIS {} {}: {detail}", result.number, result.title)
    };
    let resource_type = if resource_uid == account_id {
        target.ocsf.target_type.as_str()
    } else {
        target.ocsf.resource_type.as_str()
    };
    let mut event = json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": finding_id,
        "status": finding_name,
        "status_code": status.as_str().to_uppercase(),
        "status_detail": status_detail,
        "message": message,
        "time": time,
        "time_dt": run.started_at,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": uid,
            "event_code": result.control_id,
            "profiles": target.ocsf.profiles,
            "product": {
                "name": "cisrun",
                "vendor_name": "cisrun",
                "version": run.tool_version,
            },
        },
        "finding_info": {
            "uid": uid,
            "title": format!("CIS {} {}", result.number, result.title),
            "desc": result.title,
            "types": [standard, format!("Level {}", result.level)],
            "created_time": time,
        },
        "compliance": {
            "control": result.number,
            "requirements": [result.number],
            "standards": [standard],
            "status_id": compliance_id,
            "status": compliance_name,
            "status_detail": status_detail,
            "checks": [{
                "uid": result.control_id,
                "name": result.title,
                "status": compliance_name,
                "status_id": compliance_id,
                "standards": [standard],
                "version": run.version,
            }],
        },
        "resources": [{
            "uid": resource_uid,
            "type": resource_type,
            "cloud_partition": target.ocsf.partition,
            "region": subject.region,
            "data": { "detail": detail },
        }],
        "unmapped": {
            "cis_level": result.level,
            "cis_section": result.section,
            "cisrun_control_id": result.control_id,
            "cisrun_profile": run.profile,
            "cisrun_status": status.as_str(),
            "baseline_change": change,
        },
    });
    if let Some(cloud) = &target.ocsf.cloud {
        let mut cloud = cloud.clone();
        cloud["region"] = json!(subject.region);
        event["cloud"] = cloud;
    }
    if let Some(device) = &target.ocsf.device {
        event["device"] = device.clone();
    }
    event
}

/// How a target's events describe it: its platform's OCSF fields, or generic ones when no
/// compiled-in platform knows its kind.
fn target<'a>(report: &RunReport, account: &'a TargetReport, context: &Context<'_>) -> Target<'a> {
    let ocsf = context
        .platform_of(report, account)
        .map(|p| p.ocsf(account))
        .unwrap_or_else(|| OcsfTarget {
            target_type: "Target".to_string(),
            resource_type: "Resource".to_string(),
            ..OcsfTarget::default()
        });
    Target {
        report: account,
        ocsf,
        standard: format!(
            "{} {}",
            context.standard_name(&report.run.benchmark),
            report.run.version
        ),
    }
}

/// Every event of the report, one target at a time.
pub fn for_each_event(
    report: &RunReport,
    context: &Context<'_>,
    mut emit: impl FnMut(Value) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for account in &report.targets {
        let target = target(report, account, context);
        let target = &target;
        for result in &account.results {
            if result.outcome.evidence.is_empty() {
                let change = result.change.map(|c| c.as_str());
                emit(event(
                    report,
                    target,
                    result,
                    Subject {
                        uid: &account.id,
                        detail: &result.outcome.message,
                        resource: false,
                        change,
                        status: result.outcome.status,
                        region: None,
                    },
                ))?;
            } else {
                for evidence in &result.outcome.evidence {
                    let change = evidence.change.or(result.change).map(|c| c.as_str());
                    emit(event(
                        report,
                        target,
                        result,
                        Subject {
                            uid: &evidence.resource,
                            detail: &evidence.detail,
                            resource: true,
                            change,
                            status: evidence.status.unwrap_or(result.outcome.status),
                            region: evidence.region.as_deref(),
                        },
                    ))?;
                }
            }
        }
    }
    Ok(())
}

/// Every event of the report, in memory (tests, small reports).
pub fn events(report: &RunReport, context: &Context<'_>) -> Vec<Value> {
    let mut events = Vec::new();
    // Collecting into memory cannot fail.
    let _ = for_each_event(report, context, |event| {
        events.push(event);
        Ok(())
    });
    events
}

/// OCSF Compliance Finding events, streamed as a JSON array, one event a line.
pub struct OcsfFormat;

impl crate::ReportFormat for OcsfFormat {
    fn name(&self) -> &'static str {
        "ocsf"
    }
    fn help(&self) -> &'static str {
        "Write OCSF Compliance Finding events (a JSON array) here (`-`: standard output)."
    }
    fn what(&self) -> &'static str {
        "OCSF findings"
    }
    fn write(
        &self,
        report: &RunReport,
        context: &Context<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), cisrun_core::report::ReportError> {
        let mut first = true;
        out.write_all(b"[\n")
            .and_then(|()| {
                for_each_event(report, context, |event| {
                    if !first {
                        out.write_all(b",\n")?;
                    }
                    first = false;
                    serde_json::to_writer(&mut *out, &event).map_err(std::io::Error::other)
                })
            })
            .and_then(|()| out.write_all(b"\n]\n"))
            .map_err(|e| crate::io_error("ocsf", e))
    }
}

crate::register_format!(OcsfFormat, 50);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_resource_or_per_result_without_evidence() {
        let report = crate::markdown::tests::big_report(2, 3);
        let catalogue = crate::markdown::tests::catalogue();
        let context = Context {
            catalogue: &catalogue,
        };
        let events = events(&report, &context);
        // Per account: control 0 or 1 or 2 passes (no evidence: 1 event), the others fail
        // with 5 resources each.
        assert_eq!(events.len(), 2 * (1 + 5 + 5));
        let text =
            String::from_utf8(crate::render(&OcsfFormat, &report, &context).expect("rendered"))
                .expect("UTF-8");
        let parsed: Vec<Value> = serde_json::from_str(&text).expect("a JSON array");
        assert_eq!(parsed.len(), events.len());
        let fail = parsed
            .iter()
            .find(|e| e["status_code"] == "FAIL")
            .expect("a failing event");
        assert_eq!(fail["class_uid"], 2003);
        assert_eq!(fail["compliance"]["status_id"], 3);
        assert!(fail["compliance"]["requirements"][0].is_string());
        assert_eq!(fail["time"], 1767225600000i64);
    }
}
