//! cisrun's controls, and the AWS plumbing they share.
//!
//! Each control is one file in `src/controls/`; `build.rs` declares it as a module and the
//! control registers itself with [`register_control!`]. Nothing else lists controls.

pub mod accounts;
pub mod aws;
pub mod registry;

/// Every control, one module per file in `src/controls/`.
pub mod controls {
    include!(concat!(env!("OUT_DIR"), "/controls.rs"));
}

pub use aws::{AwsAccount, AwsError};
pub use registry::{catalogue, controls, find, AwsControl, Registration, BENCHMARKS};
