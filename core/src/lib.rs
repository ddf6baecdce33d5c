//! cisrun's model: platforms, controls, outcomes, profiles and reports. It knows no
//! platform: plugin crates register platforms (the context their controls audit, how their
//! targets are found and reached) and controls through the macros here, and the runner
//! drives them all alike.

pub mod baseline;
pub mod benchmark;
pub mod catalogue;
pub mod change;
pub mod comparison;
pub mod control;
pub mod doc;
pub mod findings;
pub mod meta;
pub mod outcome;
pub mod parameters;
pub mod partition;
pub mod platform;
pub mod profile;
pub mod registry;
pub mod remediation;
pub mod report;
#[doc(hidden)]
pub mod testing;
pub mod text;

pub use benchmark::{Benchmark, Recommendation};
pub use catalogue::{Catalogue, Coverage};
pub use change::Change;
pub use control::{Audit, Described, DynControl, DynFix};
pub use doc::ControlDoc;
pub use findings::Findings;
pub use meta::{Assessment, ControlMeta, Level};
pub use outcome::{ErrorDetail, Evidence, Outcome, SkipReason, Status};
pub use parameters::{CheckedParameters, ControlParameters, Input, NoParameters};
pub use platform::{
    DynPlatform, Platform, PlatformError, PlatformSettings, RunLimits, TargetIdentity, TargetRef,
};
pub use profile::{Profile, ProfileSource};
pub use remediation::{FixSafety, Plan, Remediation, RemediationError, Step};
pub use report::{ControlResult, RunInfo, RunReport, TargetReport};

#[doc(hidden)]
pub use async_trait::async_trait;
