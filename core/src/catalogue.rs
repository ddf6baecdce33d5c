//! The benchmarks and controls compiled into this build, checked against each other.
//!
//! Benchmarks bring their version tables (every recommendation, implemented or not);
//! plugins bring controls. The catalogue joins them by control id: a table row whose control
//! is compiled in is implemented; a registered control that no table lists is an error,
//! since no profile could ever run it.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::benchmark::{Benchmark, Recommendation, TableError, Version};
use crate::control::{ControlMeta, Level};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("two controls share the id `{0}`")]
    DuplicateId(&'static str),
    #[error("benchmark `{0}` is registered twice")]
    DuplicateBenchmark(String),
    #[error("control `{id}` lacks documentation sections: {missing}")]
    Undocumented { id: &'static str, missing: String },
    #[error(
        "control `{0}` is registered, but no benchmark version lists it: add a row with this \
         control id to its benchmark's table"
    )]
    Unlisted(&'static str),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// How a recommendation of a version is covered by this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// A control with audit code.
    Automated,
    /// A control with documentation only: a person assesses it.
    Manual,
    /// No control is compiled in.
    NotImplemented,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Automated => "automated",
            Coverage::Manual => "manual",
            Coverage::NotImplemented => "not implemented",
        }
    }
}

#[derive(Debug)]
struct Inner {
    benchmarks: Vec<Benchmark>,
    controls: Vec<&'static ControlMeta>,
}

/// Every benchmark and control compiled in, sorted, checked for consistency. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalogue {
    inner: Arc<Inner>,
}

impl Catalogue {
    /// Builds the catalogue; fails if ids collide, a control lacks a documentation section,
    /// or a control is in no table.
    pub fn new(
        mut benchmarks: Vec<Benchmark>,
        mut controls: Vec<&'static ControlMeta>,
    ) -> Result<Self, CatalogueError> {
        // inventory's order is unspecified: sort so every listing and report is stable.
        benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
        for pair in benchmarks.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(CatalogueError::DuplicateBenchmark(pair[0].id.clone()));
            }
        }
        controls.sort_by_key(|c| c.id);
        for pair in controls.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(CatalogueError::DuplicateId(pair[0].id));
            }
        }
        let listed: BTreeSet<&str> = benchmarks
            .iter()
            .flat_map(|b| &b.versions)
            .flat_map(|v| &v.recommendations)
            .map(|r| r.control_id.as_str())
            .collect();
        for control in &controls {
            let missing = control.doc.missing_sections();
            if !missing.is_empty() {
                return Err(CatalogueError::Undocumented {
                    id: control.id,
                    missing: missing.join(", "),
                });
            }
            if !listed.contains(control.id) {
                return Err(CatalogueError::Unlisted(control.id));
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                benchmarks,
                controls,
            }),
        })
    }

    /// All controls, sorted by id.
    pub fn controls(&self) -> &[&'static ControlMeta] {
        &self.inner.controls
    }

    /// All benchmarks, sorted by id.
    pub fn benchmarks(&self) -> &[Benchmark] {
        &self.inner.benchmarks
    }

    pub fn benchmark(&self, id: &str) -> Option<&Benchmark> {
        self.inner.benchmarks.iter().find(|b| b.id == id)
    }

    pub fn version(&self, benchmark: &str, version: &str) -> Option<&Version> {
        self.benchmark(benchmark)?.version(version)
    }

    /// The control with this id, if compiled in.
    pub fn get(&self, id: &str) -> Option<&'static ControlMeta> {
        self.inner
            .controls
            .binary_search_by(|c| c.id.cmp(id))
            .ok()
            .map(|i| self.inner.controls[i])
    }

    /// How this build covers a recommendation.
    pub fn coverage(&self, recommendation: &Recommendation) -> Coverage {
        match self.get(&recommendation.control_id) {
            Some(meta) if meta.assessment == crate::Assessment::Automated => Coverage::Automated,
            Some(_) => Coverage::Manual,
            None => Coverage::NotImplemented,
        }
    }

    /// Every (benchmark, version, recommendation) a control id implements, oldest first.
    pub fn recommendations_of<'a>(
        &'a self,
        control_id: &'a str,
    ) -> impl Iterator<Item = (&'a Benchmark, &'a Version, &'a Recommendation)> + 'a {
        self.inner.benchmarks.iter().flat_map(move |b| {
            b.versions
                .iter()
                .filter_map(move |v| v.by_control(control_id).map(|r| (b, v, r)))
        })
    }

    /// Resolves a control id, or a number of `benchmark` `version`, to that version's
    /// recommendation.
    pub fn resolve(
        &self,
        reference: &str,
        benchmark: &str,
        version: &str,
    ) -> Result<&Recommendation, String> {
        let Some(table) = self.version(benchmark, version) else {
            return Err(format!("unknown benchmark version {benchmark} {version}"));
        };
        if let Some(found) = table
            .by_control(reference)
            .or_else(|| table.by_number(reference))
        {
            return Ok(found);
        }
        let elsewhere: Vec<&str> = self
            .recommendations_of(reference)
            .filter(|(b, _, _)| b.id == benchmark)
            .map(|(_, v, _)| v.version.as_str())
            .collect();
        if !elsewhere.is_empty() {
            return Err(format!(
                "control `{reference}` is not part of {benchmark} {version}; it is in {}",
                elsewhere.join(", ")
            ));
        }
        Err(format!(
            "unknown control `{reference}`: expected a control id or a CIS number of \
             {benchmark} {version} (see `cisrun coverage --version {version}`)"
        ))
    }

    /// The recommendations a profile of this benchmark, version and level selects before
    /// include/exclude, in the table's order.
    pub fn at_level<'a>(
        &'a self,
        benchmark: &str,
        version: &str,
        level: Level,
    ) -> impl Iterator<Item = &'a Recommendation> + 'a {
        self.version(benchmark, version)
            .into_iter()
            .flat_map(|v| &v.recommendations)
            .filter(move |r| r.level <= level)
    }
}

/// Sorts dotted CIS numbers numerically: 1.2 < 1.10 < 2.1.
pub fn compare_numbers(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u32> {
        s.split('.')
            .map(|p| p.parse().unwrap_or(u32::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::parse_table;
    use crate::control::{Assessment, ControlDoc};

    const DOC: &str = "## Description\nd\n## Rationale\nr\n## Impact\ni\n## Audit\na\n\
                       ## Remediation\nr\n## Default value\nd\n## References\n- x\n";

    static KNOWN: ControlMeta = ControlMeta {
        id: "known",
        title: "Known",
        assessment: Assessment::Automated,
        doc: ControlDoc(DOC),
        parameters: None,
        permissions: &[],
    };
    static STRAY: ControlMeta = ControlMeta {
        id: "stray",
        title: "Stray",
        assessment: Assessment::Automated,
        doc: ControlDoc(DOC),
        parameters: None,
        permissions: &[],
    };

    fn bench() -> Benchmark {
        let header = "number\tlevel\tassessment\tsection\tcontrol_id\ttitle\n";
        let v1 = format!(
            "{header}1.1\t1\tautomated\t1\tknown\tKnown one\n1.2\t2\tmanual\t1\tmissing\tMissing\n"
        );
        let v2 = format!("{header}2.1\t1\tautomated\t2\tmissing\tMissing\n");
        Benchmark {
            id: "b".into(),
            title: "B".into(),
            plugin: "test".into(),
            versions: vec![
                parse_table("b", "v1", &v1).expect("v1"),
                parse_table("b", "v2", &v2).expect("v2"),
            ],
        }
    }

    #[test]
    fn a_control_no_table_lists_is_an_error() {
        let err = Catalogue::new(vec![bench()], vec![&KNOWN, &STRAY]).unwrap_err();
        assert_eq!(err, CatalogueError::Unlisted("stray"));
    }

    #[test]
    fn resolves_ids_and_numbers_and_reports_coverage() {
        let catalogue = Catalogue::new(vec![bench()], vec![&KNOWN]).expect("catalogue");
        assert_eq!(
            catalogue
                .resolve("1.2", "b", "v1")
                .map(|r| r.control_id.as_str()),
            Ok("missing")
        );
        assert_eq!(
            catalogue
                .resolve("known", "b", "v1")
                .map(|r| r.number.as_str()),
            Ok("1.1")
        );
        let err = catalogue.resolve("known", "b", "v2").unwrap_err();
        assert!(err.contains("it is in v1"), "{err}");
        let v1 = catalogue.version("b", "v1").expect("v1");
        let coverage: Vec<_> = v1
            .recommendations
            .iter()
            .map(|r| catalogue.coverage(r))
            .collect();
        assert_eq!(coverage, [Coverage::Automated, Coverage::NotImplemented]);
        assert_eq!(catalogue.at_level("b", "v1", Level::One).count(), 1);
        assert_eq!(catalogue.at_level("b", "v1", Level::Two).count(), 2);
    }
}
