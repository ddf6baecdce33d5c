//! Evidence without a verdict: what the manual recommendations cisrun gathers evidence for
//! report. A person decides; cisrun lists what they need to decide, region by region.
//!
//! The outcome is *skipped (manual)* with the evidence attached, so it counts as neither a
//! pass nor a failure in any report or exit policy; each evidence entry has a region and no
//! status of its own. A region that could not be read makes the outcome an *error* naming
//! the region and the action: incomplete evidence is never shown as complete.

use cisrun_core::{ErrorDetail, Evidence, Outcome, SkipReason, Status};

use crate::aws::AwsError;
use crate::regions::region_resource;

/// Collects evidence for a manual recommendation, then reports it with
/// [`ManualEvidence::outcome`].
#[derive(Debug, Default)]
pub struct ManualEvidence {
    evidence: Vec<Evidence>,
    unread: Vec<(String, ErrorDetail)>,
}

impl ManualEvidence {
    pub fn new() -> Self {
        Self::default()
    }

    /// What the reviewer should look at: a resource in `region` and what cisrun found.
    pub fn add(
        &mut self,
        resource: impl Into<String>,
        region: Option<&str>,
        detail: impl Into<String>,
    ) {
        let mut evidence = Evidence::new(resource, detail);
        evidence.region = region.map(str::to_string);
        self.evidence.push(evidence);
    }

    /// A region (or a resource in it) whose data could not be read.
    pub fn unread(&mut self, region: &str, resource: impl Into<String>, error: &AwsError) {
        let detail = error.to_detail();
        self.evidence.push(Evidence::finding(
            resource,
            Some(region),
            Status::Error,
            detail.message.clone(),
        ));
        self.unread.push((region.to_string(), detail));
    }

    /// [`ManualEvidence::unread`] for a whole region.
    pub fn unread_region(&mut self, region: &str, error: &AwsError) {
        self.unread(region, region_resource(region), error);
    }

    /// How many entries (readable ones) were gathered.
    pub fn len(&self) -> usize {
        self.evidence.len() - self.unread.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// *Skipped (manual)* with the evidence and `summary` as its message, or an *error* if
    /// something could not be read.
    pub fn outcome(mut self, summary: impl Into<String>) -> Outcome {
        self.evidence
            .sort_by(|a, b| (&a.region, &a.resource).cmp(&(&b.region, &b.resource)));
        if let Some((_, first)) = self.unread.first() {
            let mut regions: Vec<&str> = self.unread.iter().map(|(r, _)| r.as_str()).collect();
            regions.sort_unstable();
            regions.dedup();
            let mut outcome = Outcome::error(ErrorDetail {
                code: first.code.clone(),
                message: format!(
                    "{} in {} region(s): {} (the evidence of the other regions is listed)",
                    first.message,
                    regions.len(),
                    regions.join(", ")
                ),
                missing_permission: first.missing_permission.clone(),
            });
            outcome.evidence = self.evidence;
            return outcome;
        }
        let mut outcome = Outcome::skipped(SkipReason::Manual);
        outcome.message = format!(
            "manual: assess it by hand from the evidence: {}",
            summary.into()
        );
        outcome.evidence = self.evidence;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_skipped_manual_and_an_unread_region_is_an_error() {
        let mut evidence = ManualEvidence::new();
        evidence.add("vpc-1", Some("eu-west-1"), "no endpoints");
        let outcome = evidence.outcome("1 VPC");
        assert_eq!(outcome.status, Status::Skipped);
        assert_eq!(outcome.skip, Some(SkipReason::Manual));
        assert_eq!(outcome.evidence.len(), 1);
        assert_eq!(outcome.evidence[0].status, None);

        let mut evidence = ManualEvidence::new();
        evidence.add("vpc-1", Some("eu-west-1"), "no endpoints");
        evidence.unread_region(
            "ap-south-1",
            &AwsError {
                code: "UnauthorizedOperation".into(),
                message: "denied".into(),
                action: "ec2:DescribeVpcs".into(),
                access_denied: true,
            },
        );
        assert_eq!(evidence.len(), 1);
        let outcome = evidence.outcome("1 VPC");
        assert_eq!(outcome.status, Status::Error);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.evidence.len(), 2);
    }
}
