//! The README's control catalogue is the controls' own documentation: one source of truth.

use cisrun_e2e::{repo_root, run, Offline};

#[test]
fn the_readme_catalogue_is_what_cisrun_list_prints() {
    let offline = Offline::new();
    let out = run(offline.cisrun().args(["list", "--format", "markdown"])).expect_code(0);
    assert!(out.stdout.contains("#### Audit"), "{}", out.stdout);
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let start = readme
        .find("<!-- catalogue:start -->")
        .expect("README has a catalogue:start marker");
    let end = readme
        .find("<!-- catalogue:end -->")
        .expect("README has a catalogue:end marker");
    let section = &readme[start..end];
    assert!(
        section.contains(&out.stdout),
        "README.md's control catalogue is out of date: replace what lies between the catalogue \
         markers with the output of `cisrun list --format markdown`"
    );
}
