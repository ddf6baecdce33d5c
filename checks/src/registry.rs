//! Controls register themselves here with `inventory`; the runner asks for the list.

use cisrun_core::{Benchmark, Catalogue, Control};

use crate::aws::AwsAccount;

/// A control that audits one AWS account.
pub type AwsControl = dyn Control<AwsAccount>;

/// What [`register_control!`] submits.
pub struct Registration(pub &'static AwsControl);

inventory::collect!(Registration);

/// Registers a control: `register_control!(SupportRole);` beside its definition.
#[macro_export]
macro_rules! register_control {
    ($control:expr) => {
        inventory::submit! { $crate::registry::Registration(&$control) }
    };
}

/// The benchmarks whose controls this crate provides.
pub const BENCHMARKS: &[Benchmark] = &[Benchmark {
    id: "cis-aws-foundations",
    title: "CIS Amazon Web Services Foundations Benchmark",
    versions: &[
        "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0",
        "v7.0.0",
    ],
}];

/// Every registered control, sorted by id (inventory's own order is unspecified).
pub fn controls() -> Vec<&'static AwsControl> {
    let mut all: Vec<&'static AwsControl> = inventory::iter::<Registration>
        .into_iter()
        .map(|r| r.0)
        .collect();
    all.sort_by_key(|c| c.meta().id);
    all
}

/// The control with this id.
pub fn find(id: &str) -> Option<&'static AwsControl> {
    inventory::iter::<Registration>
        .into_iter()
        .map(|r| r.0)
        .find(|c| c.meta().id == id)
}

/// The checked catalogue of every registered control.
pub fn catalogue() -> Result<Catalogue, cisrun_core::catalogue::CatalogueError> {
    Catalogue::new(BENCHMARKS, controls().iter().map(|c| c.meta()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_not_empty_and_ids_are_unique() {
        let all = controls();
        assert!(
            !all.is_empty(),
            "no control registered: was the crate linked?"
        );
        let mut ids: Vec<_> = all.iter().map(|c| c.meta().id).collect();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate control ids");
    }

    #[test]
    fn catalogue_is_consistent_and_documented() {
        let catalogue = catalogue().expect("catalogue builds");
        for control in catalogue.controls() {
            assert!(
                !control.numbers.is_empty(),
                "{} has no benchmark number",
                control.id
            );
            assert!(!control.title.is_empty(), "{} has no title", control.id);
            assert!(
                control.doc.missing_sections().is_empty(),
                "{} lacks sections",
                control.id
            );
            assert!(
                control
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}: ids are kebab-case",
                control.id
            );
        }
    }
}
