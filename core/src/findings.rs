//! The verdict of a control that judges many resources, possibly across regions.
//!
//! One rule for every such control, so results stay one per account and comparable: *fail*
//! if any resource (or region setting) fails; otherwise *error* if any region could not be
//! read; otherwise *pass*. Every resource is listed with its region and verdict, and so is
//! every region that could not be read.

use crate::outcome::{ErrorDetail, Evidence, Outcome, Status};

/// Collects a control's findings, then decides with [`Findings::outcome`].
#[derive(Debug, Clone)]
pub struct Findings {
    /// What was judged, plural, for messages: `"EBS default encryption settings"`.
    subject: String,
    evidence: Vec<Evidence>,
    unread: Vec<(String, ErrorDetail)>,
}

/// How many failing resources a message names before it says "and N more".
const NAMED_IN_MESSAGE: usize = 3;

impl Findings {
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            evidence: Vec::new(),
            unread: Vec::new(),
        }
    }

    /// A resource that meets the recommendation.
    pub fn pass(
        &mut self,
        resource: impl Into<String>,
        region: Option<&str>,
        detail: impl Into<String>,
    ) {
        self.evidence
            .push(Evidence::finding(resource, region, Status::Pass, detail));
    }

    /// A resource that does not.
    pub fn fail(
        &mut self,
        resource: impl Into<String>,
        region: Option<&str>,
        detail: impl Into<String>,
    ) {
        self.evidence
            .push(Evidence::finding(resource, region, Status::Fail, detail));
    }

    /// A region (or a resource in it) that could not be read.
    pub fn unread(&mut self, region: &str, resource: impl Into<String>, error: ErrorDetail) {
        self.evidence.push(Evidence::finding(
            resource,
            Some(region),
            Status::Error,
            error.message.clone(),
        ));
        self.unread.push((region.to_string(), error));
    }

    /// Number of failing resources so far.
    pub fn failures(&self) -> usize {
        self.count(Status::Fail)
    }

    fn count(&self, status: Status) -> usize {
        self.evidence
            .iter()
            .filter(|e| e.status == Some(status))
            .count()
    }

    /// The verdict: fail > error > pass.
    pub fn outcome(mut self) -> Outcome {
        self.evidence.sort_by(|a, b| {
            (rank(a.status), &a.region, &a.resource).cmp(&(rank(b.status), &b.region, &b.resource))
        });
        let failed = self.count(Status::Fail);
        let judged = failed + self.count(Status::Pass);
        let unread_note = (!self.unread.is_empty()).then(|| {
            format!(
                "could not read {}: {}",
                plural(self.unread_regions().len(), "region"),
                self.unread_regions().join(", ")
            )
        });
        if failed > 0 {
            let named: Vec<String> = self
                .evidence
                .iter()
                .filter(|e| e.status == Some(Status::Fail))
                .take(NAMED_IN_MESSAGE)
                .map(|e| match &e.region {
                    Some(region) => format!("{} ({region})", e.resource),
                    None => e.resource.clone(),
                })
                .collect();
            let more = failed.saturating_sub(named.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let message = format!(
                "{failed} of {judged} {} fail: {}{more}",
                self.subject,
                named.join(", ")
            );
            let outcome = Outcome::fail(message, self.evidence);
            return match unread_note {
                Some(note) => outcome.with_note(note),
                None => outcome,
            };
        }
        if let Some(first) = self.unread.first() {
            let regions = self.unread_regions();
            let detail = ErrorDetail {
                code: first.1.code.clone(),
                // The first message whole is in its region's evidence: quoted here, cut.
                message: format!(
                    "{} in {}: {}",
                    crate::text::capped(&first.1.message),
                    plural(regions.len(), "region"),
                    regions.join(", ")
                ),
                missing_permission: first.1.missing_permission.clone(),
            };
            let mut outcome = Outcome::error(detail);
            outcome.evidence = self.evidence;
            return outcome;
        }
        let message = if judged == 0 {
            format!("no {} found", self.subject)
        } else {
            format!("all {judged} {} pass", self.subject)
        };
        Outcome::pass(message, self.evidence)
    }

    fn unread_regions(&self) -> Vec<String> {
        let mut regions: Vec<String> = self.unread.iter().map(|(r, _)| r.clone()).collect();
        regions.sort();
        regions.dedup();
        regions
    }
}

/// Failures first, then errors, then passes.
fn rank(status: Option<Status>) -> u8 {
    match status {
        Some(Status::Fail) => 0,
        Some(Status::Error) => 1,
        _ => 2,
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(action: &str) -> ErrorDetail {
        ErrorDetail {
            code: "UnauthorizedOperation".to_string(),
            message: format!("{action} failed: denied"),
            missing_permission: Some(action.to_string()),
        }
    }

    #[test]
    fn a_failure_anywhere_fails_even_when_a_region_is_unread() {
        let mut findings = Findings::new("settings");
        findings.pass("a", Some("eu-west-1"), "on");
        findings.fail("b", Some("us-east-1"), "off");
        findings.unread("ap-south-1", "region ap-south-1", denied("ec2:X"));
        let outcome = findings.outcome();
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(outcome.message, "1 of 2 settings fail: b (us-east-1)");
        assert_eq!(outcome.evidence[0].resource, "b");
        assert_eq!(outcome.evidence[1].status, Some(Status::Error));
        assert!(outcome.notes[0].contains("ap-south-1"));
    }

    #[test]
    fn an_unread_region_without_failures_is_an_error_naming_region_and_action() {
        let mut findings = Findings::new("settings");
        findings.pass("a", Some("eu-west-1"), "on");
        findings.unread("ap-south-1", "region ap-south-1", denied("ec2:X"));
        let outcome = findings.outcome();
        assert_eq!(outcome.status, Status::Error);
        let error = outcome.error.expect("an error detail");
        assert!(error.message.contains("ap-south-1"), "{}", error.message);
        assert!(error.message.contains("ec2:X"), "{}", error.message);
        assert_eq!(error.missing_permission.as_deref(), Some("ec2:X"));
        assert_eq!(outcome.evidence.len(), 2);
    }

    #[test]
    fn all_pass_or_nothing_found_passes() {
        let mut findings = Findings::new("buckets");
        findings.pass("a", None, "ok");
        assert_eq!(findings.outcome().message, "all 1 buckets pass");
        let empty = Findings::new("buckets").outcome();
        assert_eq!(empty.status, Status::Pass);
        assert_eq!(empty.message, "no buckets found");
    }

    #[test]
    fn messages_name_three_failures_then_count_the_rest() {
        let mut findings = Findings::new("keys");
        for i in 0..5 {
            findings.fail(format!("k{i}"), None, "off");
        }
        assert_eq!(
            findings.outcome().message,
            "5 of 5 keys fail: k0, k1, k2 and 2 more"
        );
    }
}
