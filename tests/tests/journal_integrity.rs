//! A journal cannot be turned against what cisrun did not change: tampered journals end as
//! exit 2 (the integrity chain) or a refusal, `--force` or not, and moto's state afterwards
//! is what it was. Two kinds of tamperer: a naive one who edits lines, and one who also
//! recomputes the plain SHA-256 chain (which only a key, `--journal-key-file`, stops).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cisrun_e2e::{
    cisrun_against, iam_seed, profile_yaml, run, s3_seed, seed, ControlCase, Run, TEST_REGIONS,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

const SUPPORT: &str = "aws-iam-support-role";
const DENY_HTTP: &str = "aws-s3-deny-http";
const LENGTH: &str = "aws-iam-password-min-length";
const EU: &str = "eu-west-1";

const CREATE_ROLE: &str = "  aws-iam-support-role:\n    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:user/oncall\"]\n";

fn support_profile(parameters: &str) -> String {
    profile_yaml("v3.0.0", &[SUPPORT], &[], parameters)
}

/// Every role with its tags and attached policies.
async fn roles(iam: &aws_sdk_iam::Client) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    let listed = iam.list_roles().send().await.expect("list roles");
    for role in listed.roles() {
        let name = role.role_name();
        let attached = iam
            .list_attached_role_policies()
            .role_name(name)
            .send()
            .await
            .expect("attached policies");
        let mut policies: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .collect();
        policies.sort();
        let tags = iam
            .list_role_tags()
            .role_name(name)
            .send()
            .await
            .expect("tags");
        let mut tags: Vec<String> = tags
            .tags()
            .iter()
            .map(|t| format!("{}={}", t.key(), t.value()))
            .collect();
        tags.sort();
        state.insert(
            name.to_string(),
            format!("id={} policies={policies:?} tags={tags:?}", role.role_id()),
        );
    }
    state
}

/// The journal's lines as cisrun chained them: each without its integrity field.
fn contents(journal: &Path) -> Vec<String> {
    std::fs::read_to_string(journal)
        .expect("journal")
        .lines()
        .map(|line| {
            let at = line.rfind(r#","integrity":""#).expect("an integrity field");
            format!("{}}}", &line[..at])
        })
        .collect()
}

/// What a tamperer who knows the plain chain writes: `lines` chained with SHA-256 as cisrun
/// does (the previous line's tag, a line break, the line's content).
fn forge(journal: &Path, lines: &[String]) {
    let mut previous = String::new();
    let mut text = String::new();
    for content in lines {
        let mut digest = Sha256::new();
        digest.update(previous.as_bytes());
        digest.update(b"\n");
        digest.update(content.as_bytes());
        let tag = hex::encode(digest.finalize());
        let body = content.strip_suffix('}').expect("an object");
        text.push_str(&format!("{body},\"integrity\":\"sha256:{tag}\"}}\n"));
        previous = tag;
    }
    std::fs::write(journal, text).expect("write journal");
}

/// `lines` without their `applied` entries.
fn without_applied(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.contains(r#""entry":"applied""#))
        .cloned()
        .collect()
}

/// The journal edited by hand: each line with `from` replaced by `to`, integrity fields
/// left as they were.
fn edit_in_place(journal: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(journal).expect("journal");
    assert!(text.contains(from), "{from} in {text}");
    std::fs::write(journal, text.replace(from, to)).expect("write journal");
}

/// The journal with the step data of line `index` (0-based) edited by `edit`, its integrity
/// field kept as it was; the edited lines without integrity fields (to forge a chain).
fn edit_step_data(journal: &Path, index: usize, edit: impl Fn(&mut Value)) -> Vec<String> {
    let text = std::fs::read_to_string(journal).expect("journal");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut edited = contents(journal);
    let mut entry: Value = serde_json::from_str(&edited[index]).expect("json");
    edit(&mut entry["step"]["data"]);
    edited[index] = serde_json::to_string(&entry).expect("json");
    let field = &lines[index][lines[index].rfind(r#","integrity":""#).expect("field")..];
    let body = edited[index].strip_suffix('}').expect("an object");
    lines[index] = format!("{body}{field}");
    std::fs::write(journal, format!("{}\n", lines.join("\n"))).expect("write journal");
    edited
}

fn rollback(case: &ControlCase, extra: &[&str]) -> Run {
    let journal = case.journal();
    let mut args = vec!["rollback", "--journal", journal.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    let out = case.cisrun(&args);
    out.assert_no_panic();
    out
}

/// A refusal by the integrity check: exit 2, naming the first edited line; `--force` too.
fn expect_integrity_refusal(case: &ControlCase, line: usize, extra: &[&str]) {
    let location = format!("journal.jsonl:{line}:");
    for force in [&[][..], &["--force"][..]] {
        let mut args = extra.to_vec();
        args.extend_from_slice(force);
        let out = rollback(case, &args).expect_code(2);
        assert!(out.stderr.contains(&location), "{location} in {out:?}");
        assert!(out.stderr.contains("nothing was undone"), "{out:?}");
    }
}

/// A refusal after the integrity check passed (a forged plain chain): exit 1 with `phrase`
/// (`forced_phrase` with `--force`).
fn expect_refusal(case: &ControlCase, phrase: &str, forced_phrase: &str) {
    let out = rollback(case, &[]).expect_code(1);
    assert!(out.stderr.contains(phrase), "{phrase:?} in {out:?}");
    let out = rollback(case, &["--force"]).expect_code(1);
    assert!(
        out.stderr.contains(forced_phrase),
        "{forced_phrase:?} in {out:?}"
    );
}

#[tokio::test]
async fn a_journal_renamed_to_another_teams_role_never_detaches_its_policy() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    case.apply(&support_profile(CREATE_ROLE), &[])
        .expect_code(0);
    // Another team's support role, created after the apply.
    seed::role(&iam, "victim-support").await;
    seed::attach_to_role(
        &iam,
        "victim-support",
        &seed::aws_policy("AWSSupportAccess"),
    )
    .await;
    let before = roles(&iam).await;
    let original = contents(&case.journal());

    // Edited by hand: the first line naming the role (the header, which quotes the profile)
    // is refused.
    edit_in_place(&case.journal(), "cisrun-support", "victim-support");
    expect_integrity_refusal(&case, 1, &[]);
    assert_eq!(roles(&iam).await, before);

    // The chain recomputed, `applied` lines kept: the victim is not as the apply left the
    // role (drift); forced, the undo finds no cisrun marker on it.
    let renamed: Vec<String> = original
        .iter()
        .map(|l| l.replace("cisrun-support", "victim-support"))
        .collect();
    forge(&case.journal(), &renamed);
    expect_refusal(&case, "drift", "is not one cisrun changed");
    assert_eq!(roles(&iam).await, before);

    // The chain recomputed without the `applied` lines: refused, forced or not.
    forge(&case.journal(), &without_applied(&renamed));
    expect_refusal(&case, "no outcome", "--force does not override this");
    assert_eq!(roles(&iam).await, before);

    // The journal as cisrun wrote it still rolls back, and only cisrun's role.
    forge(&case.journal(), &original);
    rollback(&case, &[]).expect_code(0);
    let after = roles(&iam).await;
    assert!(!after.contains_key("cisrun-support"), "{after:?}");
    assert_eq!(after["victim-support"], before["victim-support"]);
}

#[tokio::test]
async fn an_existing_role_is_recognised_by_its_id_not_its_name() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    seed::role(&iam, "team-role").await;
    case.apply(
        &support_profile("  aws-iam-support-role:\n    existing_role: team-role\n"),
        &[],
    )
    .expect_code(0);
    seed::role(&iam, "victim-support").await;
    seed::attach_to_role(
        &iam,
        "victim-support",
        &seed::aws_policy("AWSSupportAccess"),
    )
    .await;
    let before = roles(&iam).await;
    let original = contents(&case.journal());
    assert!(original[1].contains("role_id"), "{}", original[1]);

    let renamed: Vec<String> = original
        .iter()
        .map(|l| l.replace("team-role", "victim-support"))
        .collect();
    forge(&case.journal(), &renamed);
    // The other role looks the same (same trust, same policy): only its id tells.
    expect_refusal(&case, "its id is", "its id is");
    assert_eq!(roles(&iam).await, before);

    forge(&case.journal(), &original);
    rollback(&case, &[]).expect_code(0);
    let after = roles(&iam).await;
    assert!(
        after["team-role"].contains("policies=[]"),
        "detached from the role the apply changed: {after:?}"
    );
    assert_eq!(after["victim-support"], before["victim-support"]);
}

#[tokio::test]
async fn moved_or_removed_lines_are_refused_naming_the_first_one_out_of_place() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    case.apply(&support_profile(CREATE_ROLE), &[])
        .expect_code(0);
    let before = roles(&iam).await;
    let text = std::fs::read_to_string(case.journal()).expect("journal");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let original = contents(&case.journal());

    let write = |order: &[usize]| {
        let chosen: Vec<&str> = order.iter().map(|i| lines[*i]).collect();
        std::fs::write(case.journal(), format!("{}\n", chosen.join("\n"))).expect("write");
    };
    write(&[0, 2, 1, 3, 4]);
    expect_integrity_refusal(&case, 2, &[]);
    write(&[0, 1, 3, 4]);
    expect_integrity_refusal(&case, 3, &[]);
    write(&[0, 1, 2, 3, 3, 4]);
    expect_integrity_refusal(&case, 5, &[]);
    assert_eq!(roles(&iam).await, before);

    // A journal of the release before integrity fields: refused with the reason.
    std::fs::write(case.journal(), format!("{}\n", original.join("\n"))).expect("write");
    let old = rollback(&case, &[]).expect_code(2);
    assert!(old.stderr.contains("no integrity fields"), "{old:?}");
    assert_eq!(roles(&iam).await, before);
}

/// `cisrun rollback` with `CISRUN_JOURNAL_KEY_FILE` set.
fn rollback_with_key_env(case: &ControlCase, key: &Path) -> Run {
    let journal = case.journal();
    let mut command = cisrun_against(&case.moto.endpoint, case.moto.home.path());
    command
        .current_dir(case.dir.path())
        .env("CISRUN_JOURNAL_KEY_FILE", key)
        .args(["rollback", "--journal"])
        .arg(&journal);
    run(&mut command)
}

fn key_file(case: &ControlCase, name: &str, key: &str) -> PathBuf {
    let path = case.path(name);
    std::fs::write(&path, key).expect("key file");
    path
}

#[tokio::test]
async fn a_keyed_journal_needs_its_key_and_cannot_be_forged_without_it() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    let before_apply = roles(&iam).await;
    let key = key_file(&case, "journal.key", "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n");
    let wrong = key_file(
        &case,
        "wrong.key",
        "this is not the key it was written with\n",
    );
    let key_arg = key.to_str().expect("utf-8");
    case.apply(
        &support_profile(CREATE_ROLE),
        &["--journal-key-file", key_arg],
    )
    .expect_code(0);
    let text = std::fs::read_to_string(case.journal()).expect("journal");
    assert!(
        text.lines()
            .all(|l| l.contains(r#""integrity":"hmac-sha256:"#)),
        "{text}"
    );
    seed::role(&iam, "victim-support").await;
    seed::attach_to_role(
        &iam,
        "victim-support",
        &seed::aws_policy("AWSSupportAccess"),
    )
    .await;
    let before = roles(&iam).await;

    let without = rollback(&case, &[]).expect_code(2);
    assert!(without.stderr.contains("--journal-key-file"), "{without:?}");
    expect_integrity_refusal(
        &case,
        1,
        &["--journal-key-file", wrong.to_str().expect("utf-8")],
    );
    // Edited by someone without the key, chain recomputed the only way they can.
    let original = text.clone();
    let renamed: Vec<String> = contents(&case.journal())
        .iter()
        .map(|l| l.replace("cisrun-support", "victim-support"))
        .collect();
    forge(&case.journal(), &renamed);
    let forged = rollback(&case, &["--journal-key-file", key_arg, "--force"]).expect_code(2);
    assert!(
        forged.stderr.contains("journal.jsonl:1:") && forged.stderr.contains("not chained"),
        "{forged:?}"
    );
    // Edited in place: the key's chain breaks at the edited line.
    std::fs::write(case.journal(), &original).expect("write");
    edit_in_place(&case.journal(), "cisrun-support", "victim-support");
    expect_integrity_refusal(&case, 1, &["--journal-key-file", key_arg]);
    assert_eq!(roles(&iam).await, before);

    // The journal as written, with the key from the environment: rolled back, and what
    // rollback appends is chained with the key too.
    std::fs::write(case.journal(), &original).expect("write");
    let done = rollback_with_key_env(&case, &key);
    assert_eq!(done.code, 0, "{done:?}");
    let mut after = roles(&iam).await;
    assert_eq!(
        after.remove("victim-support"),
        before.get("victim-support").cloned()
    );
    assert_eq!(after, before_apply);
    let again = rollback_with_key_env(&case, &key);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("nothing to roll back"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_previous_bucket_policy_or_a_renamed_bucket_is_never_written() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    s3_seed::bucket(&endpoint, EU, "cis-data").await;
    let profile = profile_yaml("v3.0.0", &[DENY_HTTP], TEST_REGIONS, "");
    case.apply(&profile, &["--unsafe-fixes"]).expect_code(0);
    let fixed = s3_seed::policy(&endpoint, EU, "cis-data")
        .await
        .expect("cisrun's policy");
    // Another team's bucket, with its own policy.
    s3_seed::bucket(&endpoint, EU, "victim-bucket").await;
    let victim = s3_seed::read_only_policy("victim-bucket");
    s3_seed::put_policy(&endpoint, EU, "victim-bucket", &victim).await;
    let state = || async {
        (
            s3_seed::policy(&endpoint, EU, "cis-data").await,
            s3_seed::policy(&endpoint, EU, "victim-bucket").await,
        )
    };
    let before = state().await;
    assert_eq!(before, (Some(fixed), Some(victim.clone())));
    let original = contents(&case.journal());
    let apply_line = original
        .iter()
        .position(|l| l.contains(r#""entry":"apply""#))
        .expect("an apply line");

    // `previous` edited to a public-read policy where there was none.
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cis-data/*"}]}"#;
    let edited = edit_step_data(&case.journal(), apply_line, |data| {
        data["previous"] = Value::String(public.to_string());
    });
    expect_integrity_refusal(&case, apply_line + 1, &[]);
    assert_eq!(state().await, before);
    forge(&case.journal(), &edited);
    expect_refusal(&case, "journal was edited", "journal was edited");
    assert_eq!(state().await, before);

    // Renamed to the other bucket: never deleted, with `applied` or without.
    let renamed: Vec<String> = original
        .iter()
        .map(|l| l.replace("cis-data", "victim-bucket"))
        .collect();
    forge(&case.journal(), &original);
    edit_in_place(&case.journal(), "cis-data", "victim-bucket");
    expect_integrity_refusal(&case, apply_line + 1, &[]);
    forge(&case.journal(), &renamed);
    expect_refusal(&case, "drift", "no statement `CisrunDenyInsecureTransport`");
    forge(&case.journal(), &without_applied(&renamed));
    expect_refusal(&case, "no outcome", "no outcome");
    assert_eq!(state().await, before);

    forge(&case.journal(), &original);
    rollback(&case, &[]).expect_code(0);
    assert_eq!(state().await, (None, Some(victim)));
}

#[tokio::test]
async fn an_edited_previous_password_policy_is_never_written() {
    let case = ControlCase::new();
    let iam = case.moto.iam().await;
    iam_seed::password_policy(&iam, 8, Some(5)).await;
    let original_policy = iam_seed::password_policy_text(&iam).await;
    case.apply(&profile_yaml("v3.0.0", &[LENGTH], &[], ""), &[])
        .expect_code(0);
    let fixed = iam_seed::password_policy_text(&iam).await;
    let original = contents(&case.journal());

    // A weaker previous policy: no symbols or numbers required.
    let edited = edit_step_data(&case.journal(), 1, |data| {
        data["previous"]["require_symbols"] = Value::Bool(false);
        data["previous"]["require_numbers"] = Value::Bool(false);
        data["previous"]["minimum_password_length"] = Value::from(6);
    });
    expect_integrity_refusal(&case, 2, &[]);
    assert_eq!(iam_seed::password_policy_text(&iam).await, fixed);
    forge(&case.journal(), &edited);
    expect_refusal(&case, "require_numbers", "require_symbols");
    assert_eq!(iam_seed::password_policy_text(&iam).await, fixed);

    forge(&case.journal(), &original);
    rollback(&case, &[]).expect_code(0);
    assert_eq!(iam_seed::password_policy_text(&iam).await, original_policy);
}
