//! The shadow fix through the real binary: the plan changes nothing, `--apply` journals and
//! fixes, `rollback` restores the exact mode and owner, and a file changed since is refused.

mod common;

use std::os::unix::fs::MetadataExt;

use common::{cisrun, is_root, path_str, profile, read_json, Tree};

/// Mode, uid and gid of a file, as `stat` shows them.
fn state(path: &std::path::Path) -> (u32, u32, u32) {
    let metadata = std::fs::metadata(path).expect("stat");
    (metadata.mode() & 0o7777, metadata.uid(), metadata.gid())
}

/// An image whose /etc/shadow is world-readable and owned by a user: both steps are needed.
fn drifted_image() -> Option<Tree> {
    if !is_root() {
        eprintln!("SKIPPED: the shadow fix's chown needs root");
        return None;
    }
    let tree = Tree::compliant();
    tree.mode("/etc/shadow", 0o664)
        .owner("/etc/shadow", 1000, 1000);
    Some(tree)
}

#[test]
fn the_plan_changes_nothing_apply_fixes_and_rollback_restores_exactly() {
    let Some(tree) = drifted_image() else { return };
    let work = tempfile::tempdir().expect("temp dir");
    let shadow = tree.path("/etc/shadow");
    let path = profile(work.path(), "fix.yaml", &[tree.root()], &["7.1.5"]);
    let plan_json = work.path().join("plan.json");
    cisrun(&[
        "remediate",
        "--profile",
        path_str(&path),
        "--json",
        path_str(&plan_json),
    ])
    .expect_code(1);
    assert_eq!(
        state(&shadow),
        (0o664, 1000, 1000),
        "the plan changes nothing"
    );
    let plan = read_json(&plan_json);
    let result = &common::results(&plan, &tree.root())["linux-shadow-permissions"];
    let steps = result["plan"]["steps"].as_array().expect("steps");
    let actions: Vec<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(
        actions,
        ["chown:/etc/shadow", "chmod:/etc/shadow"],
        "{result:#}"
    );
    assert_eq!(steps[0]["data"]["previous_uid"], 1000);
    assert_eq!(steps[1]["data"]["mode"], "0640");
    assert_eq!(result["plan"]["safety"], "safe");

    let journal = work.path().join("journal.jsonl");
    let applied = cisrun(&[
        "remediate",
        "--profile",
        path_str(&path),
        "--apply",
        "--journal",
        path_str(&journal),
    ])
    .expect_code(0);
    assert!(applied.stdout.contains("fixed"), "{}", applied.stdout);
    assert_eq!(state(&shadow), (0o640, 0, 42), "root:shadow 0640");
    let entries = std::fs::read_to_string(&journal).expect("journal");
    assert!(entries.contains("\"previous_mode\":\"0664\""), "{entries}");
    // The last applied line records the state the fix left (key order is serde's business).
    let after = entries
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|entry| entry["entry"] == "applied")
        .map(|entry| entry["after"].clone());
    assert_eq!(
        after,
        Some(serde_json::json!({"exists": true, "gid": 42, "mode": "0640", "uid": 0})),
        "the after-state: {entries}"
    );
    // A second apply has nothing to do.
    let again = work.path().join("again.jsonl");
    cisrun(&[
        "remediate",
        "--profile",
        path_str(&path),
        "--apply",
        "--journal",
        path_str(&again),
    ])
    .expect_code(0);
    assert!(!again.exists(), "nothing changed, no journal");

    let rolled = cisrun(&["rollback", "--journal", path_str(&journal)]).expect_code(0);
    assert!(
        rolled.stdout.contains("rolled back 2 change(s)"),
        "{}",
        rolled.stdout
    );
    assert_eq!(state(&shadow), (0o664, 1000, 1000), "exactly as before");
    let twice = cisrun(&["rollback", "--journal", path_str(&journal)]).expect_code(0);
    assert!(
        twice.stdout.contains("nothing to roll back"),
        "{}",
        twice.stdout
    );
}

#[test]
fn a_file_changed_since_the_apply_is_refused_on_rollback() {
    let Some(tree) = drifted_image() else { return };
    let work = tempfile::tempdir().expect("temp dir");
    let shadow = tree.path("/etc/shadow");
    let path = profile(work.path(), "fix.yaml", &[tree.root()], &["7.1.5"]);
    let journal = work.path().join("journal.jsonl");
    cisrun(&[
        "remediate",
        "--profile",
        path_str(&path),
        "--apply",
        "--journal",
        path_str(&journal),
    ])
    .expect_code(0);
    // Someone tightens the file further after cisrun's fix.
    tree.mode("/etc/shadow", 0o600);
    let refused = cisrun(&["rollback", "--journal", path_str(&journal)]).expect_code(1);
    assert!(refused.stderr.contains("drift"), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("mode: expected \"0640\", found \"0600\""),
        "{}",
        refused.stderr
    );
    assert_eq!(state(&shadow), (0o600, 0, 42), "nothing was undone");
    cisrun(&["rollback", "--journal", path_str(&journal), "--force"]).expect_code(0);
    assert_eq!(
        state(&shadow),
        (0o664, 1000, 1000),
        "--force undoes cisrun's changes"
    );
}
