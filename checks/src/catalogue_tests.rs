//! The catalogue this crate registers, checked: every control documented and listed,
//! every table complete, every control of a table registered (or reported not implemented).

use cisrun_core::{Catalogue, Coverage, DynControl};

fn catalogue() -> Catalogue {
    cisrun_core::registry::catalogue().expect("catalogue builds")
}

fn controls() -> Vec<&'static dyn DynControl> {
    cisrun_core::registry::controls()
        .into_iter()
        .map(|r| r.control)
        .collect()
}

fn find(id: &str) -> Option<&'static dyn DynControl> {
    controls().into_iter().find(|c| c.meta().id == id)
}

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
    let catalogue = catalogue();
    for control in catalogue.controls() {
        let control = control.meta();
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
    let catalogue = catalogue();
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
            let registered = find(&recommendation.control_id).is_some();
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

/// The catalogue is complete: every recommendation of every version's table has a control
/// (automated or manual), so a version added without its controls fails here.
#[test]
fn no_recommendation_of_any_version_is_unimplemented() {
    let catalogue = catalogue();
    let cis = catalogue
        .benchmark("cis-aws-foundations")
        .expect("CIS AWS Foundations is registered");
    // The partial tables (v1.2.0, v1.3.0) list only what cisrun implements.
    let complete: Vec<&str> = cis
        .versions
        .iter()
        .filter(|v| !v.partial)
        .map(|v| v.version.as_str())
        .collect();
    for version in [
        "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0",
    ] {
        assert!(complete.contains(&version), "{version} in {complete:?}");
    }
    let missing: Vec<String> = cis
        .versions
        .iter()
        .flat_map(|version| {
            version
                .recommendations
                .iter()
                .filter(|r| catalogue.coverage(r) == Coverage::NotImplemented)
                .map(move |r| format!("{} {} ({})", version.version, r.number, r.control_id))
        })
        .collect();
    assert!(missing.is_empty(), "not implemented: {missing:#?}");
}
