//! The README's generated blocks are what the binary prints: one source of truth.
//! `scripts/update-readme` regenerates them.

use cisrun_e2e::{repo_root, run, Offline, MOTO_CANNOT_PASS};

fn assert_readme_block(marker: &str, args: &[&str]) {
    let offline = Offline::new();
    let out = run(offline.cisrun().args(args)).expect_code(0);
    assert!(!out.stdout.trim().is_empty(), "{args:?} printed nothing");
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let start = readme
        .find(&format!("<!-- {marker}:start -->"))
        .unwrap_or_else(|| panic!("README has a {marker}:start marker"));
    let end = readme
        .find(&format!("<!-- {marker}:end -->"))
        .unwrap_or_else(|| panic!("README has a {marker}:end marker"));
    assert!(
        readme[start..end].contains(&out.stdout),
        "README.md's {marker} block is out of date: run scripts/update-readme"
    );
}

#[test]
fn the_readme_catalogue_is_what_cisrun_list_prints() {
    assert_readme_block("catalogue", &["list", "--format", "markdown"]);
}

#[test]
fn the_readme_permissions_table_is_what_cisrun_permissions_prints() {
    assert_readme_block("permissions", &["permissions", "--format", "markdown"]);
}

#[test]
fn the_readme_coverage_table_is_what_cisrun_coverage_prints() {
    assert_readme_block("coverage", &["coverage", "--format", "markdown"]);
}

#[test]
fn the_readme_lists_every_control_moto_cannot_make_pass() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let start = readme
        .find("## What only unit tests cover")
        .expect("README has a \"What only unit tests cover\" section");
    let section = &readme[start..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];
    for id in MOTO_CANNOT_PASS {
        assert!(
            section.contains(&format!("| `{id}`")),
            "README's \"What only unit tests cover\" has no row for {id}"
        );
    }
}
