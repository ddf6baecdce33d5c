//! What plugin crates register: platforms, controls, benchmarks (with their version tables)
//! and shipped profiles, each through a macro of this crate.
//!
//! Registration uses `inventory`, re-exported here so that a plugin crate needs no
//! dependency of its own on it. `inventory` registrations of a crate the linker drops vanish
//! silently, so every plugin also declares itself with [`declare_plugin!`], the binary names
//! each plugin it links, and the runner refuses to start when a named plugin registered
//! nothing.

use crate::benchmark::BenchmarkSource;
use crate::control::DynControl;
use crate::platform::DynPlatform;

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

/// What [`register_platform!`] submits.
pub struct PlatformRegistration {
    pub plugin: &'static str,
    pub platform: &'static dyn DynPlatform,
}

/// What [`register_control!`] (and [`control!`](crate::control!)) submits.
pub struct ControlRegistration {
    pub plugin: &'static str,
    pub control: &'static dyn DynControl,
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

inventory::collect!(PlatformRegistration);
inventory::collect!(ControlRegistration);
inventory::collect!(BenchmarkRegistration);
inventory::collect!(ProfileRegistration);

/// Every registered platform, sorted by name.
pub fn platforms() -> Vec<&'static PlatformRegistration> {
    let mut all: Vec<_> = inventory::iter::<PlatformRegistration>
        .into_iter()
        .collect();
    all.sort_by_key(|p| p.platform.name());
    all
}

/// Every registered control, sorted by id (inventory's own order is unspecified).
pub fn controls() -> Vec<&'static ControlRegistration> {
    let mut all: Vec<_> = inventory::iter::<ControlRegistration>.into_iter().collect();
    all.sort_by_key(|c| c.control.meta().id);
    all
}

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

/// The catalogue of everything the linked plugins registered, checked.
pub fn catalogue() -> Result<crate::catalogue::Catalogue, crate::catalogue::CatalogueError> {
    let benchmarks = benchmarks()
        .into_iter()
        .map(|b| b.source.parse(b.plugin))
        .collect::<Result<Vec<_>, _>>()?;
    crate::catalogue::Catalogue::new(
        benchmarks,
        controls().into_iter().map(|c| c.control).collect(),
        platforms().into_iter().map(|p| p.platform).collect(),
    )
}

/// How many things (platforms, controls, benchmarks, profiles) `plugin` registered.
pub fn registrations_of(plugin: &str) -> usize {
    platforms().iter().filter(|p| p.plugin == plugin).count()
        + controls().iter().filter(|c| c.plugin == plugin).count()
        + benchmarks().iter().filter(|b| b.plugin == plugin).count()
        + profiles().iter().filter(|p| p.plugin == plugin).count()
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

/// Registers a platform: `register_platform!(Aws);` where `Aws` implements
/// [`Platform`](crate::Platform).
#[macro_export]
macro_rules! register_platform {
    ($platform:expr) => {
        $crate::registry::__private::inventory::submit! {
            $crate::registry::PlatformRegistration {
                plugin: env!("CARGO_PKG_NAME"),
                platform: &$crate::platform::Registered($platform),
            }
        }
    };
}

/// Registers one control instance: `control!` does it for a declared control; a family
/// registers each of its instances with it, e.g.
/// `register_control!(cisrun_core::control::Automated(Alarm { .. }))`.
#[macro_export]
macro_rules! register_control {
    ($control:expr) => {
        $crate::registry::__private::inventory::submit! {
            $crate::registry::ControlRegistration {
                plugin: env!("CARGO_PKG_NAME"),
                control: &$control,
            }
        }
    };
}

/// Registers a benchmark of a platform and its version tables (oldest first):
///
/// ```ignore
/// cisrun_core::register_benchmark! {
///     id: "acme-aws-baseline",
///     title: "ACME AWS baseline",
///     platform: "aws",
///     versions: ["v1" => include_str!("../benchmarks/acme-aws-baseline/v1.tsv")],
/// }
/// ```
///
/// `short_title:` (optional) is the name reports such as OCSF give the standard.
#[macro_export]
macro_rules! register_benchmark {
    (
        id: $id:expr,
        title: $title:expr,
        $(short_title: $short:expr,)?
        platform: $platform:expr,
        versions: [$($version:expr => $table:expr),* $(,)?] $(,)?
    ) => {
        $crate::registry::__private::inventory::submit! {
            $crate::registry::BenchmarkRegistration {
                plugin: env!("CARGO_PKG_NAME"),
                source: $crate::benchmark::BenchmarkSource {
                    id: $id,
                    title: $title,
                    short_title: $crate::__first_expr!($(Some($short))? ; None),
                    platform: $platform,
                    versions: &[$($crate::benchmark::VersionSource { version: $version, table: $table }),*],
                },
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __first_expr {
    ($given:expr ; $default:expr) => {
        $given
    };
    ( ; $default:expr) => {
        $default
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
