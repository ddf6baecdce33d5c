//! The platforms, benchmarks and controls compiled into this build, checked against each
//! other.
//!
//! Benchmarks bring their version tables (every recommendation, implemented or not) and
//! name their platform; plugins bring controls, each of one platform's target. The
//! catalogue joins them by control id: a table row whose control is compiled in is
//! implemented; a registered control that no table lists is an error, since no profile
//! could ever run it; so is a control or benchmark of a platform no plugin registered.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::benchmark::{Benchmark, Recommendation, TableError, Version};
use crate::control::DynControl;
use crate::meta::Level;
use crate::platform::DynPlatform;
use crate::profile::{ProfileContext, ProfileReader};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("two controls share the id `{0}`")]
    DuplicateId(&'static str),
    #[error("benchmark `{0}` is registered twice")]
    DuplicateBenchmark(String),
    #[error("platform `{0}` is registered twice")]
    DuplicatePlatform(&'static str),
    #[error(
        "control `{id}` audits `{target}`, which is the target of no registered platform: \
         link the plugin crate that registers its platform"
    )]
    NoPlatform {
        id: &'static str,
        target: &'static str,
    },
    #[error(
        "benchmark `{benchmark}` is for platform `{platform}`, which no linked plugin \
         registers"
    )]
    UnknownPlatform { benchmark: String, platform: String },
    #[error(
        "benchmark `{benchmark}` ({platform}) lists control `{id}`, which is a control of \
         platform `{other}`"
    )]
    WrongPlatform {
        benchmark: String,
        platform: String,
        id: &'static str,
        other: &'static str,
    },
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

struct Inner {
    benchmarks: Vec<Benchmark>,
    controls: Vec<&'static dyn DynControl>,
    platforms: Vec<&'static dyn DynPlatform>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field(
                "benchmarks",
                &self.benchmarks.iter().map(|b| &b.id).collect::<Vec<_>>(),
            )
            .field("controls", &self.controls.len())
            .field(
                "platforms",
                &self.platforms.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Every platform, benchmark and control compiled in, sorted, checked for consistency.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalogue {
    inner: Arc<Inner>,
}

impl Catalogue {
    /// Builds the catalogue; fails if ids collide, a control lacks a documentation section,
    /// a control is in no table, or a control or benchmark belongs to no registered platform.
    pub fn new(
        mut benchmarks: Vec<Benchmark>,
        mut controls: Vec<&'static dyn DynControl>,
        mut platforms: Vec<&'static dyn DynPlatform>,
    ) -> Result<Self, CatalogueError> {
        // inventory's order is unspecified: sort so every listing and report is stable.
        benchmarks.sort_by(|a, b| a.id.cmp(&b.id));
        for pair in benchmarks.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(CatalogueError::DuplicateBenchmark(pair[0].id.clone()));
            }
        }
        platforms.sort_by_key(|p| p.name());
        for pair in platforms.windows(2) {
            if pair[0].name() == pair[1].name() {
                return Err(CatalogueError::DuplicatePlatform(pair[0].name()));
            }
        }
        controls.sort_by_key(|c| c.meta().id);
        for pair in controls.windows(2) {
            if pair[0].meta().id == pair[1].meta().id {
                return Err(CatalogueError::DuplicateId(pair[0].meta().id));
            }
        }
        let listed: BTreeSet<&str> = benchmarks
            .iter()
            .flat_map(|b| &b.versions)
            .flat_map(|v| &v.recommendations)
            .map(|r| r.control_id.as_str())
            .collect();
        let platform_of = |control: &dyn DynControl| {
            platforms
                .iter()
                .find(|p| p.target_type() == control.target_type())
                .copied()
        };
        for control in &controls {
            let meta = control.meta();
            let missing = meta.doc.missing_sections();
            if !missing.is_empty() {
                return Err(CatalogueError::Undocumented {
                    id: meta.id,
                    missing: missing.join(", "),
                });
            }
            if !listed.contains(meta.id) {
                return Err(CatalogueError::Unlisted(meta.id));
            }
            if platform_of(*control).is_none() {
                return Err(CatalogueError::NoPlatform {
                    id: meta.id,
                    target: control.target_type_name(),
                });
            }
        }
        for benchmark in &benchmarks {
            if !platforms.iter().any(|p| p.name() == benchmark.platform) {
                return Err(CatalogueError::UnknownPlatform {
                    benchmark: benchmark.id.clone(),
                    platform: benchmark.platform.clone(),
                });
            }
            let ids: BTreeSet<&str> = benchmark
                .versions
                .iter()
                .flat_map(|v| &v.recommendations)
                .map(|r| r.control_id.as_str())
                .collect();
            for id in ids {
                let Some(control) = controls.iter().find(|c| c.meta().id == id) else {
                    continue;
                };
                let other = platform_of(*control).map_or("", |p| p.name());
                if other != benchmark.platform {
                    return Err(CatalogueError::WrongPlatform {
                        benchmark: benchmark.id.clone(),
                        platform: benchmark.platform.clone(),
                        id: control.meta().id,
                        other,
                    });
                }
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                benchmarks,
                controls,
                platforms,
            }),
        })
    }

    /// All controls, sorted by id.
    pub fn controls(&self) -> &[&'static dyn DynControl] {
        &self.inner.controls
    }

    /// All platforms, sorted by name.
    pub fn platforms(&self) -> &[&'static dyn DynPlatform] {
        &self.inner.platforms
    }

    /// The platform named `name`.
    pub fn platform(&self, name: &str) -> Option<&'static dyn DynPlatform> {
        self.inner
            .platforms
            .iter()
            .find(|p| p.name() == name)
            .copied()
    }

    /// The platform whose target `control` audits.
    pub fn platform_of(&self, control: &dyn DynControl) -> Option<&'static dyn DynPlatform> {
        self.inner
            .platforms
            .iter()
            .find(|p| p.target_type() == control.target_type())
            .copied()
    }

    /// The platform of targets of kind `kind` (a report's `kind`), if compiled in.
    pub fn platform_of_kind(&self, kind: &str) -> Option<&'static dyn DynPlatform> {
        self.inner
            .platforms
            .iter()
            .find(|p| p.target_kind() == kind)
            .copied()
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
    pub fn get(&self, id: &str) -> Option<&'static dyn DynControl> {
        self.inner
            .controls
            .binary_search_by(|c| c.meta().id.cmp(id))
            .ok()
            .map(|i| self.inner.controls[i])
    }

    /// How this build covers a recommendation.
    pub fn coverage(&self, recommendation: &Recommendation) -> Coverage {
        match self.get(&recommendation.control_id) {
            Some(control) if control.meta().assessment == crate::Assessment::Automated => {
                Coverage::Automated
            }
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

impl ProfileContext for Catalogue {
    fn benchmark(&self, id: &str) -> Option<&Benchmark> {
        Catalogue::benchmark(self, id)
    }

    fn benchmark_ids(&self) -> Vec<&str> {
        self.benchmarks().iter().map(|b| b.id.as_str()).collect()
    }

    fn resolve(
        &self,
        reference: &str,
        benchmark: &str,
        version: &str,
    ) -> Result<&Recommendation, String> {
        Catalogue::resolve(self, reference, benchmark, version)
    }

    fn control(&self, id: &str) -> Option<&'static dyn DynControl> {
        self.get(id)
    }

    fn reader(&self, benchmark: &str) -> Option<ProfileReader> {
        let benchmark = Catalogue::benchmark(self, benchmark)?;
        self.platform(&benchmark.platform)
            .map(|p| p.profile_reader())
    }
}

impl Catalogue {
    /// The JSON Schema of the profile format (`cisrun schema`), with every control's
    /// parameters and every platform's keys and target ids.
    pub fn profile_schema(&self) -> serde_json::Value {
        let mut generator = schemars::SchemaGenerator::default();
        let mut parameters = serde_json::Map::new();
        for control in self.controls() {
            if let Some(spec) = control.parameter_schema() {
                let schema = (spec.schema)(&mut generator);
                parameters.insert(control.meta().id.to_string(), schema.to_value());
            }
        }
        let mut platform_keys = Vec::new();
        for platform in self.platforms() {
            platform_keys.extend(platform.settings_schema(&mut generator));
        }
        let target_ids = self
            .platforms()
            .iter()
            .filter_map(|p| p.target_id_schema())
            .collect();
        crate::profile::json_schema(generator, parameters, platform_keys, target_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::{Automated, Manual};
    use crate::testing::{self, TestControl};

    static KNOWN: Automated<TestControl> = testing::control("known", "Known");
    static STRAY: Automated<TestControl> = testing::control("stray", "Stray");
    static OTHER_PLATFORM: Manual<testing::OtherControl> = Manual(testing::OtherControl(
        testing::meta("known", "Known elsewhere"),
    ));

    fn bench() -> Benchmark {
        let header = "number\tlevel\tassessment\tsection\tcontrol_id\ttitle\n";
        testing::benchmark(
            "b",
            &[
                (
                    "v1",
                    &format!(
                        "{header}1.1\t1\tautomated\t1\tknown\tKnown one\n1.2\t2\tmanual\t1\tmissing\tMissing\n"
                    ),
                ),
                ("v2", &format!("{header}2.1\t1\tautomated\t2\tmissing\tMissing\n")),
            ],
        )
    }

    fn platforms() -> Vec<&'static dyn DynPlatform> {
        vec![&testing::PLATFORM]
    }

    #[test]
    fn a_control_no_table_lists_is_an_error() {
        let err = Catalogue::new(vec![bench()], vec![&KNOWN, &STRAY], platforms()).unwrap_err();
        assert_eq!(err, CatalogueError::Unlisted("stray"));
    }

    #[test]
    fn controls_and_benchmarks_need_their_platform() {
        let err = Catalogue::new(vec![bench()], vec![&KNOWN], vec![]).unwrap_err();
        assert!(
            matches!(err, CatalogueError::NoPlatform { id: "known", .. }),
            "{err}"
        );
        let mut foreign = bench();
        foreign.platform = "elsewhere".into();
        let err = Catalogue::new(vec![foreign], vec![&KNOWN], platforms()).unwrap_err();
        assert!(
            matches!(err, CatalogueError::UnknownPlatform { .. }),
            "{err}"
        );
        let err = Catalogue::new(
            vec![bench()],
            vec![&OTHER_PLATFORM],
            vec![&testing::PLATFORM, &testing::OTHER_PLATFORM],
        )
        .unwrap_err();
        assert!(
            matches!(err, CatalogueError::WrongPlatform { id: "known", .. }),
            "{err}"
        );
    }

    #[test]
    fn resolves_ids_and_numbers_and_reports_coverage() {
        let catalogue =
            Catalogue::new(vec![bench()], vec![&KNOWN], platforms()).expect("catalogue");
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
        assert_eq!(
            catalogue.platform_of(&KNOWN).map(|p| p.name()),
            Some("test")
        );
    }
}
