//! What plugin crates register: benchmarks (with their version tables) and shipped profiles.
//! Controls register in the provider crate that defines their context (`cisrun-checks` for
//! AWS), through the same mechanism.
//!
//! Registration uses `inventory`, re-exported here so that a plugin crate needs no
//! dependency of its own on it. `inventory` registrations of a crate the linker drops vanish
//! silently, so every plugin also declares itself with [`declare_plugin!`], the binary names
//! each plugin it links, and the runner refuses to start when a named plugin registered
//! nothing.

use crate::benchmark::BenchmarkSource;

#[doc(hidden)]
pub mod __private {
    pub use inventory;
}

/// A plugin crate, as [`declare_plugin!`] describes it.
#[derive(Debug)]
pub struct Plugin {
    /// The crate's package name, e.g. `cisrun-checks`.
    pub name: &'static str,
    pub version: &'static str,
}

/// What [`register_benchmark!`] submits.
pub struct BenchmarkRegistration {
    pub plugin: &'static str,
    pub source: BenchmarkSource,
}

/// What [`register_profile!`] submits: a profile shipped inside the binary.
pub struct ProfileRegistration {
    pub plugin: &'static str,
    /// The name users pass to `--profile`, e.g. `cis-aws-foundations-v3.0.0-level1`.
    pub name: &'static str,
    pub yaml: &'static str,
}

inventory::collect!(BenchmarkRegistration);
inventory::collect!(ProfileRegistration);

/// Every registered benchmark, sorted by id.
pub fn benchmarks() -> Vec<&'static BenchmarkRegistration> {
    let mut all: Vec<_> = inventory::iter::<BenchmarkRegistration>
        .into_iter()
        .collect();
    all.sort_by_key(|b| b.source.id);
    all
}

/// Every registered profile, sorted by name.
pub fn profiles() -> Vec<&'static ProfileRegistration> {
    let mut all: Vec<_> = inventory::iter::<ProfileRegistration>.into_iter().collect();
    all.sort_by_key(|p| p.name);
    all
}

/// Declares the calling crate a cisrun plugin: `cisrun_core::declare_plugin!();` in its
/// `lib.rs` defines `pub static PLUGIN`, which the binary names to link the crate.
#[macro_export]
macro_rules! declare_plugin {
    () => {
        /// This crate as a cisrun plugin: name it in the binary's `cisrun::plugins!`.
        pub static PLUGIN: $crate::registry::Plugin = $crate::registry::Plugin {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        };
    };
}

/// Registers a benchmark and its version tables (oldest first):
///
/// ```ignore
/// cisrun_core::register_benchmark! {
///     id: "acme-aws-baseline",
///     title: "ACME AWS baseline",
///     versions: ["v1" => include_str!("../benchmarks/acme-aws-baseline/v1.tsv")],
/// }
/// ```
#[macro_export]
macro_rules! register_benchmark {
    (id: $id:expr, title: $title:expr, versions: [$($version:expr => $table:expr),* $(,)?] $(,)?) => {
        $crate::registry::__private::inventory::submit! {
            $crate::registry::BenchmarkRegistration {
                plugin: env!("CARGO_PKG_NAME"),
                source: $crate::benchmark::BenchmarkSource {
                    id: $id,
                    title: $title,
                    versions: &[$($crate::benchmark::VersionSource { version: $version, table: $table }),*],
                },
            }
        }
    };
}

/// Ships a profile inside the binary: `register_profile!("acme-baseline", include_str!(...))`.
#[macro_export]
macro_rules! register_profile {
    ($name:expr, $yaml:expr $(,)?) => {
        $crate::registry::__private::inventory::submit! {
            $crate::registry::ProfileRegistration {
                plugin: env!("CARGO_PKG_NAME"),
                name: $name,
                yaml: $yaml,
            }
        }
    };
}
