//! The AWS platform and cisrun's controls for CIS AWS Foundations, with the AWS plumbing
//! every AWS control shares.
//!
//! Each control is one file (or, with a fix, one folder) in `src/controls/`; `build.rs`
//! declares it as a module and the control declares and registers itself with
//! [`cisrun_core::control!`]. The benchmark's version tables are data in `benchmarks/`.
//! Nothing else lists controls or numbers.
//!
//! Plugin crates outside this repository depend on this crate for [`AwsAccount`] (the
//! target their AWS controls audit) and the shared fetchers in [`data`].

pub mod account;
pub mod accounts;
pub mod aws;
pub mod data;
pub mod evidence;
pub mod platform;
pub mod policy;
pub mod regions;

/// Every control, one module per file (or folder) in `src/controls/`.
pub mod controls;

#[cfg(test)]
mod catalogue_tests;
#[cfg(test)]
mod fault_tests;

pub use account::{AwsAccount, DataKey};
pub use aws::AwsError;
pub use platform::Aws;

cisrun_core::declare_plugin!();

cisrun_core::register_benchmark! {
    id: "cis-aws-foundations",
    title: "CIS Amazon Web Services Foundations Benchmark",
    short_title: "CIS AWS Foundations Benchmark",
    platform: "aws",
    versions: [
        "v1.2.0" => include_str!("../benchmarks/cis-aws-foundations/v1.2.0.tsv"),
        "v1.3.0" => include_str!("../benchmarks/cis-aws-foundations/v1.3.0.tsv"),
        "v1.4.0" => include_str!("../benchmarks/cis-aws-foundations/v1.4.0.tsv"),
        "v1.5.0" => include_str!("../benchmarks/cis-aws-foundations/v1.5.0.tsv"),
        "v2.0.0" => include_str!("../benchmarks/cis-aws-foundations/v2.0.0.tsv"),
        "v3.0.0" => include_str!("../benchmarks/cis-aws-foundations/v3.0.0.tsv"),
        "v4.0.1" => include_str!("../benchmarks/cis-aws-foundations/v4.0.1.tsv"),
        "v5.0.0" => include_str!("../benchmarks/cis-aws-foundations/v5.0.0.tsv"),
        "v6.0.0" => include_str!("../benchmarks/cis-aws-foundations/v6.0.0.tsv"),
        "v7.0.0" => include_str!("../benchmarks/cis-aws-foundations/v7.0.0.tsv"),
    ],
}

// The shipped profiles in `profiles/`, one `register_profile!` each (see build.rs).
include!(concat!(env!("OUT_DIR"), "/profiles.rs"));
