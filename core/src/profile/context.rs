//! What reading a profile needs to know of the build (its benchmarks, controls and the
//! reader of each platform), as a trait: the catalogue implements it, and the profile
//! model stays below the catalogue and the platforms.

use crate::benchmark::{Benchmark, Recommendation, Version};
use crate::control::DynControl;
use crate::meta::Level;

use super::{Profile, ProfileError, ProfileSource};

/// How one platform reads profiles of its benchmarks.
#[derive(Clone, Copy)]
pub struct ProfileReader {
    pub platform: &'static str,
    pub read: fn(&ProfileSource, &dyn ProfileContext) -> Result<Profile, ProfileError>,
}

/// The build as the profile reader sees it.
pub trait ProfileContext {
    /// The benchmark with this id.
    fn benchmark(&self, id: &str) -> Option<&Benchmark>;
    /// Every benchmark's id, for messages.
    fn benchmark_ids(&self) -> Vec<&str>;
    /// A control id, or a number of `benchmark` `version`, resolved to its recommendation.
    fn resolve(
        &self,
        reference: &str,
        benchmark: &str,
        version: &str,
    ) -> Result<&Recommendation, String>;
    /// The control with this id, if compiled in.
    fn control(&self, id: &str) -> Option<&'static dyn DynControl>;
    /// The reader of profiles of `benchmark`'s platform.
    fn reader(&self, benchmark: &str) -> Option<ProfileReader>;

    /// A version of a benchmark.
    fn version(&self, benchmark: &str, version: &str) -> Option<&Version> {
        self.benchmark(benchmark)?.version(version)
    }

    /// The recommendations of `level` (and below) of a version, in the table's order.
    fn at_level(&self, benchmark: &str, version: &str, level: Level) -> Vec<&Recommendation> {
        self.version(benchmark, version)
            .into_iter()
            .flat_map(|v| &v.recommendations)
            .filter(|r| r.level <= level)
            .collect()
    }
}
