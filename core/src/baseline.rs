//! Comparing a run with an earlier one (`--baseline`, `cisrun diff`), and the exit policy
//! (`--fail-on`) that can build on the comparison.
//!
//! Results are matched by account and control, resource findings by account, control and
//! resource. A *finding* is a `fail` or an `error`. Each result and each evidence item of
//! the new report gets a label:
//!
//! - `new`: not in the baseline at all (a new account, control or resource), or a finding
//!   now whose status differs from the baseline's (pass → fail, fail → error, ...);
//! - `unchanged`: the same status as in the baseline (pass ↔ skipped counts as unchanged);
//! - `fixed`: a finding in the baseline that passes or is skipped now.
//!
//! A baseline finding that is gone from the new report (the control or resource is no
//! longer reported) is listed in [`Comparison::fixed`], so the summary counts it too.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::change::Change;
pub use crate::comparison::{ChangeCounts, Comparison, FixedFinding};
use crate::outcome::Status;
use crate::report::{ControlResult, RunInfo, RunReport};

fn is_finding(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Error)
}

/// The label of something whose status was `before` (`None`: not in the baseline) and is
/// `now`.
pub fn label(before: Option<Status>, now: Status) -> Change {
    match before {
        None => Change::New,
        Some(before) if before == now => Change::Unchanged,
        Some(_) if is_finding(now) => Change::New,
        Some(before) if is_finding(before) => Change::Fixed,
        Some(_) => Change::Unchanged,
    }
}

/// Why `baseline` cannot be the baseline of `current`, if it cannot: reports of another
/// profile, benchmark, version or level measure different things.
pub fn check_compatible(baseline: &RunInfo, current: &RunInfo) -> Result<(), String> {
    let describe = |run: &RunInfo| {
        format!(
            "profile `{}`, {} {} Level {}",
            run.profile, run.benchmark, run.version, run.level
        )
    };
    if baseline.tool != current.tool
        || baseline.profile != current.profile
        || baseline.benchmark != current.benchmark
        || baseline.version != current.version
        || baseline.level != current.level
    {
        return Err(format!(
            "the baseline is a report of {}, this run is {}: compare reports of one profile \
             and benchmark version",
            describe(baseline),
            describe(current)
        ));
    }
    Ok(())
}

fn clear_labels(report: &mut RunReport) {
    report.baseline = None;
    for result in report.targets.iter_mut().flat_map(|a| &mut a.results) {
        result.change = None;
        for evidence in &mut result.outcome.evidence {
            evidence.change = None;
        }
    }
}

/// Labels every result and resource finding of `report` against `baseline`, and records
/// the comparison in `report.baseline`. Call [`check_compatible`] first. Accounts absent
/// from a partition's report (`run.partition`) are another job's share, not fixed.
pub fn apply(report: &mut RunReport, baseline: &RunReport) {
    clear_labels(report);
    let mut before: BTreeMap<(&str, &str), &ControlResult> = BTreeMap::new();
    let mut names: BTreeMap<&str, Option<&String>> = BTreeMap::new();
    for account in &baseline.targets {
        names.insert(&account.id, account.name.as_ref());
        for result in &account.results {
            before.insert((&account.id, &result.control_id), result);
        }
    }
    let mut comparison = Comparison {
        baseline_started_at: baseline.run.started_at.clone(),
        ..Comparison::default()
    };
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let current_accounts: BTreeSet<String> = report.targets.iter().map(|a| a.id.clone()).collect();
    for account in &mut report.targets {
        for result in &mut account.results {
            let key = (account.id.as_str(), result.control_id.as_str());
            let old = before.get(&key).copied();
            seen.insert((account.id.clone(), result.control_id.clone()));
            let change = label(old.map(|r| r.outcome.status), result.outcome.status);
            result.change = Some(change);
            comparison.results.add(change);
            if change == Change::New {
                match result.outcome.status {
                    Status::Fail => comparison.new_failures += 1,
                    Status::Error => comparison.new_errors += 1,
                    _ => {}
                }
            }
            let status = result.outcome.status;
            // A resource judged on its own (regional controls) is compared by its own
            // verdict, so a passing bucket in a failing result is not a new failure.
            let old_resources: BTreeMap<&str, Status> = old
                .map(|r| {
                    r.outcome
                        .evidence
                        .iter()
                        .map(|e| (e.resource.as_str(), e.status.unwrap_or(r.outcome.status)))
                        .collect()
                })
                .unwrap_or_default();
            let mut listed = BTreeSet::new();
            for evidence in &mut result.outcome.evidence {
                let was = old_resources.get(evidence.resource.as_str()).copied();
                let change = label(was, evidence.status.unwrap_or(status));
                evidence.change = Some(change);
                comparison.resources.add(change);
                listed.insert(evidence.resource.clone());
            }
            // Resources the baseline's finding named that this result no longer lists.
            if let Some(old) = old.filter(|r| is_finding(r.outcome.status)) {
                let mut gone = BTreeSet::new();
                for evidence in &old.outcome.evidence {
                    let was_finding = is_finding(evidence.status.unwrap_or(old.outcome.status));
                    if !was_finding
                        || listed.contains(&evidence.resource)
                        || !gone.insert(&evidence.resource)
                    {
                        continue;
                    }
                    comparison.resources.fixed += 1;
                    comparison.fixed.push(FixedFinding {
                        account_id: account.id.clone(),
                        account_name: account.name.clone(),
                        control_id: result.control_id.clone(),
                        number: result.number.clone(),
                        title: result.title.clone(),
                        level: result.level,
                        section: result.section.clone(),
                        was: old.outcome.status,
                        resource: Some(evidence.resource.clone()),
                        detail: evidence.detail.clone(),
                    });
                }
            }
        }
    }
    // Baseline findings whose result is gone.
    let partition = report.run.partition.is_some();
    for account in &baseline.targets {
        if partition && !current_accounts.contains(&account.id) {
            continue;
        }
        for result in &account.results {
            let key = (account.id.clone(), result.control_id.clone());
            if seen.contains(&key) || !is_finding(result.outcome.status) {
                continue;
            }
            comparison.results.fixed += 1;
            let resources: Vec<Option<String>> = if result.outcome.evidence.is_empty() {
                vec![None]
            } else {
                result
                    .outcome
                    .evidence
                    .iter()
                    .map(|e| Some(e.resource.clone()))
                    .collect()
            };
            comparison.resources.fixed += result.outcome.evidence.len();
            for resource in resources {
                let detail = resource
                    .as_ref()
                    .and_then(|r| result.outcome.evidence.iter().find(|e| &e.resource == r))
                    .map_or_else(|| result.outcome.message.clone(), |e| e.detail.clone());
                comparison.fixed.push(FixedFinding {
                    account_id: account.id.clone(),
                    account_name: names.get(account.id.as_str()).and_then(|n| n.cloned()),
                    control_id: result.control_id.clone(),
                    number: result.number.clone(),
                    title: result.title.clone(),
                    level: result.level,
                    section: result.section.clone(),
                    was: result.outcome.status,
                    resource,
                    detail,
                });
            }
        }
    }
    comparison.fixed.sort_by(|a, b| {
        (&a.account_id, &a.number, &a.control_id, &a.resource).cmp(&(
            &b.account_id,
            &b.number,
            &b.control_id,
            &b.resource,
        ))
    });
    report.baseline = Some(comparison);
}

/// Joins the comparisons of partial reports (each labelled against the same baseline) for
/// `cisrun merge`: `None` when some part has none (their labels are then dropped).
pub fn combine(parts: &[Option<&Comparison>]) -> Option<Comparison> {
    let mut combined: Option<Comparison> = None;
    for part in parts {
        let part = (*part)?;
        combined = Some(match combined {
            None => part.clone(),
            Some(mut c) => {
                c.results = c.results.plus(part.results);
                c.resources = c.resources.plus(part.resources);
                c.new_failures += part.new_failures;
                c.new_errors += part.new_errors;
                c.fixed.extend(part.fixed.iter().cloned());
                c
            }
        });
    }
    if let Some(c) = &mut combined {
        c.fixed.sort_by(|a, b| {
            (&a.account_id, &a.number, &a.control_id, &a.resource).cmp(&(
                &b.account_id,
                &b.number,
                &b.control_id,
                &b.resource,
            ))
        });
    }
    combined
}

/// Drops every label (a merge of labelled and unlabelled parts).
pub fn strip(report: &mut RunReport) {
    clear_labels(report);
}

/// What makes a run end with exit code 1 (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Any failure or error (the default).
    #[default]
    All,
    /// Failures and errors labelled `new` against the baseline (everything, without one).
    New,
    /// Failures only: errors are reported but do not fail the run.
    Failures,
    /// Nothing: exit 0 whatever was found.
    None,
}

impl FailOn {
    /// The results of `report` that make it fail under this policy.
    pub fn failing(self, report: &RunReport) -> impl Iterator<Item = &ControlResult> {
        report
            .targets
            .iter()
            .flat_map(|a| &a.results)
            .filter(move |r| {
                let status = r.outcome.status;
                match self {
                    FailOn::All => is_finding(status),
                    FailOn::Failures => status == Status::Fail,
                    FailOn::New => is_finding(status) && r.change.is_none_or(|c| c == Change::New),
                    FailOn::None => false,
                }
            })
    }

    /// True when `report` should end the run with exit code 1.
    pub fn fails(self, report: &RunReport) -> bool {
        self.failing(report).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Evidence, Outcome};
    use crate::report::TargetReport;

    fn result(control: &str, outcome: Outcome) -> ControlResult {
        ControlResult {
            control_id: control.into(),
            number: "1.17".into(),
            title: "t".into(),
            level: 1,
            section: "1".into(),
            outcome,
            duration_seconds: 0.0,
            plan: None,
            change: None,
        }
    }

    fn report(accounts: Vec<(&str, Vec<ControlResult>)>) -> RunReport {
        RunReport {
            run: RunInfo {
                tool: "cisrun".into(),
                tool_version: "0".into(),
                profile: "p".into(),
                benchmark: "b".into(),
                version: "v1".into(),
                level: 1,
                command: "audit".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                duration_seconds: 0.0,
                partition: None,
            },
            targets: accounts
                .into_iter()
                .map(|(id, results)| TargetReport {
                    id: id.into(),
                    name: None,
                    kind: String::new(),
                    attributes: Default::default(),
                    results,
                })
                .collect(),
            baseline: None,
        }
    }

    fn fail(resources: &[&str]) -> Outcome {
        Outcome::fail(
            "bad",
            resources.iter().map(|r| Evidence::new(*r, "bad")).collect(),
        )
    }

    #[test]
    fn labels_follow_the_status_change() {
        use Status::*;
        assert_eq!(label(None, Pass), Change::New);
        assert_eq!(label(Some(Fail), Fail), Change::Unchanged);
        assert_eq!(label(Some(Pass), Fail), Change::New);
        assert_eq!(label(Some(Fail), Error), Change::New);
        assert_eq!(label(Some(Fail), Pass), Change::Fixed);
        assert_eq!(label(Some(Error), Skipped), Change::Fixed);
        assert_eq!(label(Some(Pass), Skipped), Change::Unchanged);
    }

    #[test]
    fn results_and_resources_are_labelled_and_gone_findings_listed() {
        let baseline = report(vec![
            (
                "111111111111",
                vec![
                    result("a", fail(&["r1", "r2"])),
                    result("b", fail(&[])),
                    result("c", Outcome::pass("ok", vec![])),
                ],
            ),
            ("222222222222", vec![result("a", fail(&["x"]))]),
        ]);
        let mut now = report(vec![
            (
                "111111111111",
                vec![result("a", fail(&["r1", "r3"])), result("c", fail(&[]))],
            ),
            ("333333333333", vec![result("a", fail(&[]))]),
        ]);
        apply(&mut now, &baseline);
        let a = &now.targets[0].results[0];
        assert_eq!(a.change, Some(Change::Unchanged));
        assert_eq!(a.outcome.evidence[0].change, Some(Change::Unchanged));
        assert_eq!(a.outcome.evidence[1].change, Some(Change::New));
        assert_eq!(now.targets[0].results[1].change, Some(Change::New));
        assert_eq!(now.targets[1].results[0].change, Some(Change::New));
        let c = now.baseline.as_ref().expect("comparison");
        assert_eq!(c.new_failures, 2);
        // b on 1111 and a on 2222 are gone: fixed results; r2 and x are fixed resources.
        assert_eq!(
            c.results,
            ChangeCounts {
                new: 2,
                unchanged: 1,
                fixed: 2
            }
        );
        assert_eq!(
            c.resources,
            ChangeCounts {
                new: 1,
                unchanged: 1,
                fixed: 2
            }
        );
        let fixed: Vec<_> = c
            .fixed
            .iter()
            .map(|f| {
                (
                    f.account_id.as_str(),
                    f.control_id.as_str(),
                    f.resource.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            fixed,
            [
                ("111111111111", "a", Some("r2")),
                ("111111111111", "b", None),
                ("222222222222", "a", Some("x")),
            ]
        );
        assert!(FailOn::New.fails(&now));
        assert!(FailOn::All.fails(&now));
        assert!(!FailOn::None.fails(&now));
    }

    #[test]
    fn only_new_findings_fail_under_fail_on_new() {
        let baseline = report(vec![("111111111111", vec![result("a", fail(&["r"]))])]);
        let mut now = baseline.clone();
        apply(&mut now, &baseline);
        assert!(!FailOn::New.fails(&now));
        assert!(FailOn::All.fails(&now));
        assert!(FailOn::Failures.fails(&now));
        let mut errored = report(vec![(
            "111111111111",
            vec![result(
                "a",
                Outcome::error(crate::ErrorDetail {
                    code: "AccessDenied".into(),
                    message: "no".into(),
                    missing_permission: None,
                }),
            )],
        )]);
        apply(&mut errored, &baseline);
        assert!(
            FailOn::New.fails(&errored),
            "a new error fails --fail-on new"
        );
        assert!(
            !FailOn::Failures.fails(&errored),
            "errors do not fail --fail-on failures"
        );
    }

    #[test]
    fn a_partition_does_not_call_other_jobs_accounts_fixed() {
        let baseline = report(vec![
            ("111111111111", vec![result("a", fail(&[]))]),
            ("222222222222", vec![result("a", fail(&[]))]),
        ]);
        let mut now = report(vec![("111111111111", vec![result("a", fail(&[]))])]);
        now.run.partition = Some("1/2".into());
        apply(&mut now, &baseline);
        assert_eq!(now.baseline.as_ref().map(|c| c.fixed.len()), Some(0));
    }

    #[test]
    fn a_thousand_targets_by_sixty_controls_compare_unchanged() {
        let baseline = crate::testing::big_report(1000, 60);
        let mut now = baseline.clone();
        apply(&mut now, &baseline);
        let c = now.baseline.as_ref().expect("comparison");
        assert_eq!(c.results.unchanged, 60_000);
        assert_eq!(c.new_failures + c.results.new + c.results.fixed, 0);
    }

    #[test]
    fn another_profile_is_no_baseline() {
        let a = report(vec![]);
        let mut b = report(vec![]);
        b.run.version = "v2".into();
        let error = check_compatible(&a.run, &b.run).unwrap_err();
        assert!(error.contains("v1") && error.contains("v2"), "{error}");
        assert!(check_compatible(&a.run, &a.run).is_ok());
    }

    #[test]
    fn old_reports_without_labels_still_parse() {
        let json = report(vec![("111111111111", vec![result("a", fail(&["r"]))])]);
        let json = serde_json::to_string(&json).expect("serializes");
        assert!(!json.contains("change"), "{json}");
        let parsed: RunReport = serde_json::from_str(&json).expect("parse");
        assert_eq!(parsed.baseline, None);
    }
}
