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

/// The README's "Adding a control" describes the code as it is: the files and folders it
/// names exist, the template has the length it says, and every macro it names is one.
#[test]
fn the_adding_a_control_section_names_what_exists() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let section = readme
        .split("## Adding a control\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has an `## Adding a control` section");
    let spans: Vec<&str> = section.split('`').skip(1).step_by(2).collect();
    assert!(spans.len() > 20, "{spans:?}");
    let mut wrong = Vec::new();
    for span in &spans {
        let is_path = span.contains('/')
            && !span.contains(' ')
            && (span.ends_with(".rs") || span.ends_with('/'))
            && !span.contains('<');
        if is_path && !repo_root().join(span).exists() {
            wrong.push(format!("`{span}` does not exist"));
        }
        for (prefix, dir) in [("cisrun_core::", "core/src"), ("crate::", "checks/src")] {
            let Some(name) = span.strip_prefix(prefix).and_then(|s| s.split('!').next()) else {
                continue;
            };
            if !span.contains('!') {
                continue;
            }
            let defined = std::fs::read_dir(repo_root().join(dir))
                .expect("source folder")
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .any(|text| text.contains(&format!("macro_rules! {name}")));
            if !defined {
                wrong.push(format!("`{span}`: no macro `{name}` in {dir}"));
            }
        }
    }
    let template = "checks/src/controls/aws_iam_root_access_key.rs";
    let lines = std::fs::read_to_string(repo_root().join(template))
        .expect("the template")
        .lines()
        .count();
    if !section.contains(&format!("`{template}` ({lines} lines")) {
        wrong.push(format!("the template has {lines} lines"));
    }
    assert!(
        wrong.is_empty(),
        "README's Adding a control is out of step:\n{}",
        wrong.join("\n")
    );
}
