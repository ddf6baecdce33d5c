//! cisrun's model: controls, outcomes, profiles and reports. It knows no cloud: a provider
//! crate (`cisrun-checks`) supplies the controls and the context they audit.

pub mod baseline;
pub mod benchmark;
pub mod catalogue;
pub mod control;
pub mod findings;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod outcome;
pub mod partition;
pub mod profile;
pub mod registry;
pub mod remediation;
pub mod report;

pub use benchmark::{Benchmark, Recommendation};
pub use catalogue::{Catalogue, Coverage};
pub use control::{
    Assessment, Control, ControlDoc, ControlMeta, ControlParameters, Level, ParameterSpec,
    Parameters,
};
pub use findings::Findings;
pub use outcome::{ErrorDetail, Evidence, Outcome, SkipReason, Status};
pub use profile::Profile;
pub use remediation::{FixSafety, Plan, Remediation, RemediationError, Step};
pub use report::{AccountReport, ControlResult, RunInfo, RunReport};
