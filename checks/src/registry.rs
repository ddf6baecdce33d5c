//! AWS controls register themselves here; the runner asks for the list.
//!
//! A plugin crate registers its controls with [`register_control!`] exactly as the controls
//! of this crate do; it needs no dependency on `inventory`.

use cisrun_core::catalogue::CatalogueError;
use cisrun_core::{Catalogue, Control};

use crate::aws::AwsAccount;

/// A control that audits one AWS account.
pub type AwsControl = dyn Control<AwsAccount>;

/// What [`register_control!`] submits.
pub struct Registration {
    /// The registering crate's package name.
    pub plugin: &'static str,
    pub control: &'static AwsControl,
}

cisrun_core::registry::__private::inventory::collect!(Registration);

/// Registers a control: `register_control!(SupportRole);` beside its definition.
#[macro_export]
macro_rules! register_control {
    ($control:expr) => {
        $crate::__private::inventory::submit! {
            $crate::registry::Registration { plugin: env!("CARGO_PKG_NAME"), control: &$control }
        }
    };
}

fn registrations() -> impl Iterator<Item = &'static Registration> {
    cisrun_core::registry::__private::inventory::iter::<Registration>.into_iter()
}

/// Every registered control, sorted by id (inventory's own order is unspecified).
pub fn controls() -> Vec<&'static AwsControl> {
    let mut all: Vec<&'static AwsControl> = registrations().map(|r| r.control).collect();
    all.sort_by_key(|c| c.meta().id);
    all
}

/// The control with this id.
pub fn find(id: &str) -> Option<&'static AwsControl> {
    registrations()
        .map(|r| r.control)
        .find(|c| c.meta().id == id)
}

/// How many controls `plugin` (a package name) registered.
pub fn controls_of(plugin: &str) -> usize {
    registrations().filter(|r| r.plugin == plugin).count()
}

/// The checked catalogue of every registered benchmark and control.
pub fn catalogue() -> Result<Catalogue, CatalogueError> {
    let benchmarks = cisrun_core::registry::benchmarks()
        .into_iter()
        .map(|b| b.source.parse(b.plugin))
        .collect::<Result<Vec<_>, _>>()?;
    Catalogue::new(benchmarks, controls().iter().map(|c| c.meta()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cisrun_core::Coverage;

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
            assert!(!control.title.is_empty(), "{} has no title", control.id);
            assert!(
                control.doc.missing_sections().is_empty(),
                "{} lacks sections",
                control.id
            );
            assert!(
                catalogue.recommendations_of(control.id).next().is_some(),
                "{} is in no benchmark table",
                control.id
            );
            if control.assessment == cisrun_core::Assessment::Automated {
                assert!(
                    !control.permissions.is_empty(),
                    "{} audits AWS but declares no IAM permissions",
                    control.id
                );
            }
        }
    }

    /// Tables to registry: every CIS AWS table is complete (or marked partial), and every
    /// control id a table names either is registered or is reported as not implemented.
    #[test]
    fn tables_and_registry_agree_in_both_directions() {
        let catalogue = catalogue().expect("catalogue builds");
        let cis = catalogue
            .benchmark("cis-aws-foundations")
            .expect("CIS AWS Foundations is registered");
        // Published counts (shared/cis-aws/README.md): total recommendations per version.
        let expected = [
            ("v1.4.0", 58),
            ("v1.5.0", 63),
            ("v2.0.0", 64),
            ("v3.0.0", 62),
            ("v4.0.1", 64),
            ("v5.0.0", 63),
            ("v6.0.0", 63),
            ("v7.0.0", 70),
        ];
        for (version, count) in expected {
            let table = cis.version(version).expect(version);
            assert!(!table.partial, "{version} must be complete");
            assert_eq!(table.recommendations.len(), count, "{version}");
        }
        for version in &cis.versions {
            for recommendation in &version.recommendations {
                let registered = crate::find(&recommendation.control_id).is_some();
                let coverage = catalogue.coverage(recommendation);
                assert_eq!(
                    registered,
                    coverage != Coverage::NotImplemented,
                    "{} {}",
                    version.version,
                    recommendation.control_id
                );
            }
        }
    }

    /// Issue #8's bar: the IAM section (1 up to v5.0.0, 2 from v6.0.0) has a control for
    /// every recommendation of every complete version.
    #[test]
    fn the_iam_section_is_complete_in_every_version() {
        let catalogue = catalogue().expect("catalogue builds");
        let cis = catalogue
            .benchmark("cis-aws-foundations")
            .expect("CIS AWS Foundations is registered");
        for version in cis.versions.iter().filter(|v| !v.partial) {
            let iam = if version.version.as_str() >= "v6.0.0" {
                "2"
            } else {
                "1"
            };
            let missing: Vec<&str> = version
                .recommendations
                .iter()
                .filter(|r| r.section == iam)
                .filter(|r| catalogue.coverage(r) == Coverage::NotImplemented)
                .map(|r| r.number.as_str())
                .collect();
            assert!(missing.is_empty(), "{}: {missing:?}", version.version);
        }
    }
}
