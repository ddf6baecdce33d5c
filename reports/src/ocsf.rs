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
//! A result without evidence gives one event whose resource is the account.

use serde_json::{json, Value};

use crate::outcome::Status;
use crate::report::{AccountReport, ControlResult, RunReport};

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

fn benchmark_name(benchmark: &str, version: &str) -> String {
    let name = match benchmark {
        "cis-aws-foundations" => "CIS AWS Foundations Benchmark".to_string(),
        other => other.to_string(),
    };
    format!("{name} {version}")
}

/// The start of the run in milliseconds since the epoch (0 when unreadable).
fn time_ms(started_at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(started_at).map_or(0, |t| t.timestamp_millis())
}

/// What one event is about: the account, or one resource a result lists.
struct Subject<'a> {
    uid: &'a str,
    detail: &'a str,
    change: Option<&'a str>,
    /// The resource's own verdict when the control judged it alone, else the result's.
    status: Status,
    region: Option<&'a str>,
}

fn event(
    report: &RunReport,
    account: &AccountReport,
    result: &ControlResult,
    subject: Subject<'_>,
) -> Value {
    let run = &report.run;
    let (resource_uid, detail, change) = (subject.uid, subject.detail, subject.change);
    let status = subject.status;
    let (compliance_id, compliance_name) = compliance_status(status);
    let (finding_id, finding_name) = finding_status(status);
    let (severity_id, severity_name) = severity(status);
    let standard = benchmark_name(&run.benchmark, &run.version);
    let time = time_ms(&run.started_at);
    let uid = format!(
        "cisrun/{}/{}/{}/{}/{}",
        run.benchmark, run.version, account.account_id, result.control_id, resource_uid
    );
    let mut status_detail = result.outcome.message.clone();
    if let Some(skip) = &result.outcome.skip {
        if let Ok(Value::Object(o)) = serde_json::to_value(skip) {
            if let Some(Value::String(kind)) = o.get("kind") {
                status_detail = format!("{kind}: {status_detail}");
            }
        }
    }
    let resource_type = if resource_uid == account.account_id {
        "AWS::::Account"
    } else {
        "AWS::Resource"
    };
    json!({
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
        "message": format!("CIS {} {}: {}", result.number, result.title, result.outcome.message),
        "time": time,
        "time_dt": run.started_at,
        "metadata": {
            "version": OCSF_VERSION,
            "uid": uid,
            "event_code": result.control_id,
            "profiles": ["cloud"],
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
            "status_detail": result.outcome.message,
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
            "cloud_partition": "aws",
            "region": subject.region,
            "data": { "detail": detail },
        }],
        "cloud": {
            "provider": "AWS",
            "region": subject.region,
            "account": {
                "uid": account.account_id,
                "name": account.account_name.clone().unwrap_or_else(|| account.account_id.clone()),
                "type_id": 10,
                "type": "AWS Account",
            },
        },
        "unmapped": {
            "cis_level": result.level,
            "cis_section": result.section,
            "cisrun_control_id": result.control_id,
            "cisrun_profile": run.profile,
            "cisrun_status": status.as_str(),
            "baseline_change": change,
        },
    })
}

/// Every event of the report.
pub fn events(report: &RunReport) -> Vec<Value> {
    let mut events = Vec::new();
    for account in &report.accounts {
        for result in &account.results {
            if result.outcome.evidence.is_empty() {
                let change = result.change.map(|c| c.as_str());
                events.push(event(
                    report,
                    account,
                    result,
                    Subject {
                        uid: &account.account_id,
                        detail: &result.outcome.message,
                        change,
                        status: result.outcome.status,
                        region: None,
                    },
                ));
            } else {
                for evidence in &result.outcome.evidence {
                    let change = evidence.change.or(result.change).map(|c| c.as_str());
                    events.push(event(
                        report,
                        account,
                        result,
                        Subject {
                            uid: &evidence.resource,
                            detail: &evidence.detail,
                            change,
                            status: evidence.status.unwrap_or(result.outcome.status),
                            region: evidence.region.as_deref(),
                        },
                    ));
                }
            }
        }
    }
    events
}

/// The events as a JSON array, one event a line.
pub fn render(report: &RunReport) -> String {
    let events = events(report);
    let mut out = String::from("[\n");
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&event.to_string());
    }
    out.push_str("\n]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_resource_or_per_result_without_evidence() {
        let report = crate::markdown::tests::big_report(2, 3);
        let events = events(&report);
        // Per account: control 0 or 1 or 2 passes (no evidence: 1 event), the others fail
        // with 5 resources each.
        assert_eq!(events.len(), 2 * (1 + 5 + 5));
        let text = render(&report);
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
