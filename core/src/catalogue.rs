//! The set of controls compiled into this build, and the benchmarks they belong to.
//!
//! The provider crate collects its controls (with `inventory`) and hands their metadata
//! here; this module sorts them, checks them and resolves what a profile names.

use std::collections::BTreeMap;

use crate::control::{ControlMeta, Level};

/// A benchmark family and the versions cisrun knows of it.
#[derive(Debug, Clone, Copy)]
pub struct Benchmark {
    /// e.g. `cis-aws-foundations`
    pub id: &'static str,
    pub title: &'static str,
    /// Oldest first, e.g. `v1.2.0`.
    pub versions: &'static [&'static str],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("two controls share the id `{0}`")]
    DuplicateId(&'static str),
    #[error("controls `{first}` and `{second}` share number {number} in {benchmark} {version}")]
    DuplicateNumber {
        benchmark: &'static str,
        version: &'static str,
        number: &'static str,
        first: &'static str,
        second: &'static str,
    },
    #[error("control `{id}` names unknown benchmark `{benchmark}` or version `{version}`")]
    UnknownBenchmark {
        id: &'static str,
        benchmark: &'static str,
        version: &'static str,
    },
    #[error("control `{id}` lacks documentation sections: {missing}")]
    Undocumented { id: &'static str, missing: String },
}

/// Every control compiled in, sorted by id, checked for consistency.
#[derive(Debug, Clone)]
pub struct Catalogue {
    benchmarks: Vec<Benchmark>,
    controls: Vec<&'static ControlMeta>,
}

impl Catalogue {
    /// Builds the catalogue; fails if ids or numbers collide, a control names an unknown
    /// benchmark version, or its documentation lacks a required section.
    pub fn new(
        benchmarks: &[Benchmark],
        mut controls: Vec<&'static ControlMeta>,
    ) -> Result<Self, CatalogueError> {
        // inventory's order is unspecified: sort so every listing and report is stable.
        controls.sort_by_key(|c| c.id);
        for pair in controls.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(CatalogueError::DuplicateId(pair[0].id));
            }
        }
        let mut seen: BTreeMap<(&str, &str, &str), &'static str> = BTreeMap::new();
        for control in &controls {
            let missing = control.doc.missing_sections();
            if !missing.is_empty() {
                return Err(CatalogueError::Undocumented {
                    id: control.id,
                    missing: missing.join(", "),
                });
            }
            for n in control.numbers {
                let known = benchmarks
                    .iter()
                    .any(|b| b.id == control.benchmark && b.versions.contains(&n.version));
                if !known {
                    return Err(CatalogueError::UnknownBenchmark {
                        id: control.id,
                        benchmark: control.benchmark,
                        version: n.version,
                    });
                }
                if let Some(first) =
                    seen.insert((control.benchmark, n.version, n.number), control.id)
                {
                    return Err(CatalogueError::DuplicateNumber {
                        benchmark: control.benchmark,
                        version: n.version,
                        number: n.number,
                        first,
                        second: control.id,
                    });
                }
            }
        }
        Ok(Self {
            benchmarks: benchmarks.to_vec(),
            controls,
        })
    }

    /// All controls, sorted by id.
    pub fn controls(&self) -> &[&'static ControlMeta] {
        &self.controls
    }

    pub fn benchmarks(&self) -> &[Benchmark] {
        &self.benchmarks
    }

    pub fn benchmark(&self, id: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.id == id)
    }

    pub fn get(&self, id: &str) -> Option<&'static ControlMeta> {
        self.controls
            .binary_search_by(|c| c.id.cmp(id))
            .ok()
            .map(|i| self.controls[i])
    }

    /// Resolves a control id, or a CIS number in `benchmark` `version`, to a control.
    pub fn resolve(
        &self,
        reference: &str,
        benchmark: &str,
        version: &str,
    ) -> Result<&'static ControlMeta, String> {
        if let Some(control) = self.get(reference) {
            return Ok(control);
        }
        let by_number = self
            .controls
            .iter()
            .find(|c| c.benchmark == benchmark && c.number_in(version) == Some(reference));
        match by_number {
            Some(control) => Ok(control),
            None => {
                let known: Vec<String> = self
                    .in_version(benchmark, version)
                    .map(|c| match c.number_in(version) {
                        Some(n) => format!("{} ({n})", c.id),
                        None => c.id.to_string(),
                    })
                    .collect();
                Err(format!(
                    "unknown control `{reference}`: expected a control id or a CIS number of \
                     {benchmark} {version}; known: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            }
        }
    }

    /// Controls that belong to `benchmark` `version`, sorted by id.
    pub fn in_version<'a>(
        &'a self,
        benchmark: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'static ControlMeta> + 'a {
        self.controls
            .iter()
            .copied()
            .filter(move |c| c.benchmark == benchmark && c.number_in(version).is_some())
    }

    /// Controls a profile of this benchmark, version and level audits before include/exclude.
    pub fn at_level<'a>(
        &'a self,
        benchmark: &'a str,
        version: &'a str,
        level: Level,
    ) -> impl Iterator<Item = &'static ControlMeta> + 'a {
        self.in_version(benchmark, version)
            .filter(move |c| c.level <= level)
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
