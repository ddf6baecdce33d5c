//! `cisrun remediate` and `cisrun rollback` end to end against moto.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cisrun_e2e::{
    assert_valid_junit, read_json, results_by_control, run, seed, write_profile, Fault, FaultProxy,
    Moto, Run, SUPPORT_ROLE_ONLY,
};

const CONTROL: &str = "aws-iam-support-role";

/// Every role with its path, tags and attached policies: the IAM state remediation may touch.
async fn snapshot(iam: &aws_sdk_iam::Client) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    let roles = iam
        .list_roles()
        .max_items(1000)
        .send()
        .await
        .expect("list roles");
    for role in roles.roles() {
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
            format!("role{}{name}", role.path()),
            format!("policies={policies:?} tags={tags:?}"),
        );
    }
    state
}

struct Case {
    moto: Moto,
    dir: tempfile::TempDir,
    profile: PathBuf,
}

impl Case {
    fn new(parameters: &str) -> Case {
        let moto = Moto::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let profile = write_profile(
            dir.path(),
            "remediate.yaml",
            &format!(
                "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n{SUPPORT_ROLE_ONLY}parameters:\n  {CONTROL}:\n{parameters}"
            ),
        );
        Case { moto, dir, profile }
    }

    /// A proxy in front of this case's moto that denies these actions.
    fn denying(&self, actions: &[&str]) -> FaultProxy {
        let proxy = FaultProxy::start(self.moto.port);
        for action in actions {
            proxy.inject(Fault::new(
                action,
                403,
                "AccessDenied",
                &format!("not authorized to perform iam:{action}"),
            ));
        }
        proxy
    }

    fn journal(&self) -> PathBuf {
        self.dir.path().join("journal.jsonl")
    }

    fn cisrun(&self, endpoint: Option<&str>, args: &[&str]) -> Run {
        let mut command = self.moto.cisrun();
        command.current_dir(self.dir.path());
        if let Some(endpoint) = endpoint {
            command.env("AWS_ENDPOINT_URL", endpoint);
        }
        run(command.args(args))
    }

    fn remediate(&self, endpoint: Option<&str>, extra: &[&str]) -> Run {
        let profile = self.profile.to_str().expect("utf-8 path");
        let mut args = vec!["remediate", "--profile", profile];
        args.extend_from_slice(extra);
        self.cisrun(endpoint, &args)
    }

    fn apply(&self, endpoint: Option<&str>) -> Run {
        let journal = self.journal();
        self.remediate(
            endpoint,
            &["--apply", "--journal", journal.to_str().expect("utf-8")],
        )
    }

    fn rollback(&self, extra: &[&str]) -> Run {
        let journal = self.journal();
        let mut args = vec!["rollback", "--journal", journal.to_str().expect("utf-8")];
        args.extend_from_slice(extra);
        self.cisrun(None, &args)
    }

    fn audit_status(&self) -> String {
        let json = self.dir.path().join("audit.json");
        let profile = self.profile.to_str().expect("utf-8");
        self.cisrun(
            None,
            &[
                "audit",
                "--profile",
                profile,
                "--json",
                json.to_str().expect("utf-8"),
            ],
        );
        let report = read_json(&json);
        results_by_control(&report, seed::ACCOUNT)[CONTROL]["outcome"]["status"]
            .as_str()
            .expect("status")
            .to_string()
    }
}

const CREATE: &str = "    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:role/Responders\", \"arn:aws:iam::123456789012:user/oncall\"]\n    tags: {team: security}\n    max_session_duration: 7200\n";

#[tokio::test]
async fn plan_shows_the_changes_and_changes_nothing() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    seed::role(&iam, "Unrelated").await;
    let before = snapshot(&iam).await;
    let junit = case.dir.path().join("plan.xml");
    let out = case
        .remediate(
            None,
            &["--json", "-", "--junit", junit.to_str().expect("utf-8")],
        )
        .expect_code(1);
    assert_eq!(snapshot(&iam).await, before, "a plan must change nothing");
    assert!(!case.journal().exists());
    assert_valid_junit(&junit);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let result = &results_by_control(&report, seed::ACCOUNT)[CONTROL];
    assert_eq!(result["outcome"]["status"], "fail");
    let steps = result["plan"]["steps"].as_array().expect("plan steps");
    let actions: Vec<&str> = steps.iter().filter_map(|s| s["action"].as_str()).collect();
    assert_eq!(actions, ["iam:CreateRole", "iam:AttachRolePolicy"]);
    assert_eq!(
        steps[0]["resource"],
        "arn:aws:iam::123456789012:role/cisrun-support"
    );
    let principals = &steps[0]["data"]["trust_policy"]["Statement"][0]["Principal"]["AWS"];
    assert_eq!(
        principals,
        &serde_json::json!([
            "arn:aws:iam::123456789012:role/Responders",
            "arn:aws:iam::123456789012:user/oncall"
        ])
    );
    // The readable plan on the console.
    let console = case.remediate(None, &[]).expect_code(1);
    assert!(
        console.stdout.contains("1. iam:CreateRole"),
        "{}",
        console.stdout
    );
    assert!(
        console.stdout.contains("2. iam:AttachRolePolicy"),
        "{}",
        console.stdout
    );
}

#[tokio::test]
async fn apply_fixes_apply_again_is_a_no_op_and_rollback_restores_the_account() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    seed::role(&iam, "Unrelated").await;
    let before = snapshot(&iam).await;
    assert_eq!(case.audit_status(), "fail");

    let applied = case.apply(None).expect_code(0);
    assert!(applied.stdout.contains("fixed"), "{}", applied.stdout);
    assert!(case.journal().exists());
    assert_eq!(case.audit_status(), "pass");
    let after = snapshot(&iam).await;
    let role = &after["role/cisrun-support"];
    assert!(
        role.contains("arn:aws:iam::aws:policy/AWSSupportAccess"),
        "{role}"
    );
    assert!(
        role.contains("cisrun:created-by=aws-iam-support-role"),
        "{role}"
    );
    assert!(role.contains("team=security"), "{role}");
    let created = iam
        .get_role()
        .role_name("cisrun-support")
        .send()
        .await
        .expect("role");
    assert_eq!(
        created.role().and_then(|r| r.max_session_duration()),
        Some(7200)
    );

    // A second apply finds nothing to do and writes no journal.
    let second = case.dir.path().join("second.jsonl");
    let again = case
        .remediate(
            None,
            &["--apply", "--journal", second.to_str().expect("utf-8")],
        )
        .expect_code(0);
    assert!(
        again.stdout.contains("nothing to change"),
        "{}",
        again.stdout
    );
    assert!(!second.exists());
    assert_eq!(snapshot(&iam).await, after);

    // `--json -`: standard output is exactly the JSON summary, the narration on stderr.
    let rolled = case.rollback(&["--json", "-"]).expect_code(0);
    let summary: serde_json::Value =
        serde_json::from_str(&rolled.stdout).expect("stdout is exactly the JSON summary");
    assert_eq!(summary["undone"], 2, "{}", rolled.stdout);
    assert!(
        rolled.stderr.contains("rolled back 2 change(s)"),
        "{}",
        rolled.stderr
    );
    assert!(!case.dir.path().join("-").exists(), "no file named -");
    assert_eq!(snapshot(&iam).await, before);
    assert_eq!(case.audit_status(), "fail");
    // Rolling back twice does nothing more, and still writes its summary.
    let twice = case.rollback(&[]).expect_code(0);
    assert!(
        twice.stdout.contains("nothing to roll back"),
        "{}",
        twice.stdout
    );
    let summary_file = case.dir.path().join("rollback.json");
    case.rollback(&["--json", summary_file.to_str().expect("utf-8")])
        .expect_code(0);
    assert_eq!(read_json(&summary_file)["undone"], 0);
}

#[tokio::test]
async fn method_two_attaches_to_an_existing_role_and_rollback_only_detaches() {
    let case = Case::new("    existing_role: IncidentResponders\n");
    let iam = case.moto.iam().await;
    seed::role(&iam, "IncidentResponders").await;
    let before = snapshot(&iam).await;
    case.apply(None).expect_code(0);
    assert!(snapshot(&iam).await["role/IncidentResponders"].contains("AWSSupportAccess"));
    assert_eq!(case.audit_status(), "pass");
    case.rollback(&[]).expect_code(0);
    assert_eq!(
        snapshot(&iam).await,
        before,
        "the existing role stays, without the policy"
    );
}

#[tokio::test]
async fn a_denied_attachment_undoes_the_created_role() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    let before = snapshot(&iam).await;
    let proxy = case.denying(&["AttachRolePolicy"]);
    let json = case.dir.path().join("apply.json");
    let journal = case.journal();
    let out = case
        .remediate(
            Some(&proxy.endpoint),
            &[
                "--apply",
                "--journal",
                journal.to_str().expect("utf-8"),
                "--json",
                json.to_str().expect("utf-8"),
            ],
        )
        .expect_code(1);
    let report = read_json(&json);
    let result = &results_by_control(&report, seed::ACCOUNT)[CONTROL];
    assert_eq!(result["outcome"]["status"], "error", "{}", out.stdout);
    assert_eq!(result["outcome"]["error"]["code"], "AccessDenied");
    assert_eq!(
        result["outcome"]["error"]["missing_permission"],
        "iam:AttachRolePolicy"
    );
    let message = result["outcome"]["message"].as_str().expect("message");
    assert!(message.contains("undone (iam:CreateRole)"), "{message}");
    assert_eq!(
        snapshot(&iam).await,
        before,
        "the half-done change was undone"
    );
    let entries = std::fs::read_to_string(&journal).expect("journal");
    for entry in [r#""entry":"apply_failed""#, r#""entry":"undone""#] {
        assert!(entries.contains(entry), "{entries}");
    }
    // Nothing is left for rollback to do.
    assert!(case
        .rollback(&[])
        .expect_code(0)
        .stdout
        .contains("nothing to roll back"));
}

#[tokio::test]
async fn what_cannot_be_undone_stays_in_the_journal_for_rollback() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    let before = snapshot(&iam).await;
    let proxy = case.denying(&["AttachRolePolicy", "DeleteRole"]);
    let out = case.apply(Some(&proxy.endpoint)).expect_code(1);
    assert!(
        out.stdout.contains("cisrun rollback --journal"),
        "{}",
        out.stdout
    );
    assert!(snapshot(&iam).await.contains_key("role/cisrun-support"));
    case.rollback(&[]).expect_code(0);
    assert_eq!(snapshot(&iam).await, before);
}

#[tokio::test]
async fn rollback_stops_on_drift_and_says_what_differs_unless_forced() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    let before = snapshot(&iam).await;
    case.apply(None).expect_code(0);
    // Someone changes the role cisrun created.
    iam.tag_role()
        .role_name("cisrun-support")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("owner")
                .value("someone-else")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag role");
    let drifted = snapshot(&iam).await;
    let out = case.rollback(&[]).expect_code(1);
    assert!(out.stderr.contains("drift"), "{}", out.stderr);
    assert!(out.stderr.contains("tags"), "{}", out.stderr);
    assert!(out.stderr.contains("someone-else"), "{}", out.stderr);
    assert_eq!(snapshot(&iam).await, drifted, "nothing is undone on drift");
    case.rollback(&["--force"]).expect_code(0);
    assert_eq!(snapshot(&iam).await, before);
}

#[tokio::test]
async fn rollback_never_deletes_a_role_cisrun_did_not_create() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    case.apply(None).expect_code(0);
    iam.untag_role()
        .role_name("cisrun-support")
        .tag_keys("cisrun:created-by")
        .send()
        .await
        .expect("untag");
    let untagged = snapshot(&iam).await;
    // Without the marker, the role is not cisrun's: the policy is not even detached.
    let out = case.rollback(&["--force"]).expect_code(1);
    assert!(
        out.stderr.contains("is not one cisrun changed"),
        "{}",
        out.stderr
    );
    assert_eq!(snapshot(&iam).await, untagged);
}

#[tokio::test]
async fn a_step_cut_short_by_a_crash_is_refused_if_it_took_effect_and_skipped_if_not() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    let before = snapshot(&iam).await;
    case.apply(None).expect_code(0);
    let applied = snapshot(&iam).await;
    // Simulate a crash right after the attachment: its `applied` line never reached disk.
    // (Lines cut off the end are the one edit a chain cannot show.)
    let journal = std::fs::read_to_string(case.journal()).expect("journal");
    let lines: Vec<&str> = journal.lines().collect();
    assert_eq!(lines.len(), 5, "{journal}");
    std::fs::write(case.journal(), format!("{}\n", lines[..4].join("\n"))).expect("truncate");
    // The attachment took effect, but nothing the apply recorded confirms it: refused,
    // forced or not, and nothing is undone.
    for extra in [&[][..], &["--force"][..]] {
        let out = case.rollback(extra).expect_code(1);
        assert!(out.stderr.contains("no outcome"), "{}", out.stderr);
        assert!(
            out.stderr.contains("iam:AttachRolePolicy"),
            "{}",
            out.stderr
        );
        assert_eq!(snapshot(&iam).await, applied);
    }
    // Undone by hand, the step is as before it: it never took effect, and rollback goes on.
    iam.detach_role_policy()
        .role_name("cisrun-support")
        .policy_arn(seed::aws_policy("AWSSupportAccess"))
        .send()
        .await
        .expect("detach");
    let out = case.rollback(&[]).expect_code(0);
    assert!(out.stdout.contains("never took effect"), "{}", out.stdout);
    assert_eq!(snapshot(&iam).await, before);
}

fn expect_refusal(parameters: &str, phrase: &str) {
    let case = Case::new(parameters);
    let out = case.apply(None).expect_code(2);
    assert!(
        out.stderr.contains(phrase),
        "expected {phrase:?} in:\n{}",
        out.stderr
    );
    // Where in the profile: file and line of the control's parameters.
    let location = format!("{}:7:", case.profile.display());
    assert!(
        out.stderr.contains(&location),
        "expected {location:?} in:\n{}",
        out.stderr
    );
    assert!(!case.journal().exists(), "a refused run writes no journal");
}

#[test]
fn refuses_a_wildcard_principal() {
    expect_refusal(
        "    role_name: r\n    trusted_principals: [\"*\"]\n",
        "wildcard",
    );
    expect_refusal(
        "    role_name: r\n    trusted_principals: [\"arn:aws:iam::*:root\"]\n",
        "wildcard",
    );
}

#[test]
fn refuses_malformed_and_non_iam_principals() {
    for principal in [
        "alice",
        "arn:aws:iam::12345:root",
        "arn:aws:sts::123456789012:assumed-role/x/y",
        "ec2.amazonaws.com",
    ] {
        expect_refusal(
            &format!("    role_name: r\n    trusted_principals: [\"{principal}\"]\n"),
            "is not an IAM user, role or account-root ARN",
        );
    }
}

#[test]
fn refuses_reserved_paths_and_aws_role_names() {
    expect_refusal("    role_name: r\n    path: /aws-service-role/\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n", "reserved");
    expect_refusal("    role_name: r\n    path: /aws-reserved/sso/\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n", "reserved");
    expect_refusal("    role_name: AWSServiceRoleForSupport\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n", "AWS uses for its own roles");
}

#[test]
fn missing_or_conflicting_parameters_say_which_and_where() {
    expect_refusal("    tags: {a: b}\n", "role_name: missing");
    expect_refusal("    {}\n", "missing `role_name` and `trusted_principals`");
    expect_refusal("    role_name: r\n", "trusted_principals: missing");
    expect_refusal("    role_name: r\n    existing_role: x\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n", "not both");
    expect_refusal(
        "    existing_role: x\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n",
        "only applies when cisrun creates the role",
    );
}

#[tokio::test]
async fn refuses_service_linked_and_service_roles_as_existing_roles() {
    for (role, path, principal) in [
        (
            "AWSServiceRoleForSupport",
            "/aws-service-role/support.amazonaws.com/",
            r#"{"Service":"support.amazonaws.com"}"#,
        ),
        ("EC2Default", "/", r#"{"Service":"ec2.amazonaws.com"}"#),
    ] {
        let case = Case::new(&format!("    existing_role: {role}\n"));
        let iam = case.moto.iam().await;
        iam.create_role()
            .role_name(role)
            .path(path)
            .assume_role_policy_document(format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
            ))
            .send()
            .await
            .expect("create role");
        let before = snapshot(&iam).await;
        let out = case.apply(None).expect_code(1);
        assert!(out.stdout.contains("will not attach"), "{}", out.stdout);
        assert_eq!(snapshot(&iam).await, before);
    }
}

#[tokio::test]
async fn refuses_to_take_over_a_role_it_did_not_create() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    seed::role(&iam, "cisrun-support").await;
    let before = snapshot(&iam).await;
    let out = case.apply(None).expect_code(1);
    assert!(
        out.stdout.contains("cisrun did not create it"),
        "{}",
        out.stdout
    );
    assert_eq!(snapshot(&iam).await, before);
}

#[tokio::test]
async fn a_compliant_account_gets_an_empty_plan() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    seed::role(&iam, "Support").await;
    seed::attach_to_role(&iam, "Support", &seed::aws_policy("AWSSupportAccess")).await;
    let out = case.remediate(None, &["--json", "-"]).expect_code(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let result = &results_by_control(&report, seed::ACCOUNT)[CONTROL];
    assert_eq!(result["plan"]["steps"], serde_json::json!([]));
    assert_eq!(result["outcome"]["status"], "pass");
}

#[tokio::test]
async fn path_boundary_and_session_length_are_applied_and_rolled_back() {
    let case = Case::new(
        "    role_name: cisrun-support\n    path: /incident/\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n    permissions_boundary: arn:aws:iam::aws:policy/ReadOnlyAccess\n    max_session_duration: 43200\n",
    );
    let iam = case.moto.iam().await;
    let before = snapshot(&iam).await;
    let plan = case.remediate(None, &["--json", "-"]).expect_code(1);
    let report: serde_json::Value = serde_json::from_str(&plan.stdout).expect("json");
    let steps = &results_by_control(&report, seed::ACCOUNT)[CONTROL]["plan"]["steps"];
    assert_eq!(
        steps[0]["resource"],
        "arn:aws:iam::123456789012:role/incident/cisrun-support"
    );
    case.apply(None).expect_code(0);
    let role = iam
        .get_role()
        .role_name("cisrun-support")
        .send()
        .await
        .expect("role")
        .role
        .expect("role");
    assert_eq!(role.path(), "/incident/");
    assert_eq!(role.max_session_duration(), Some(43200));
    assert_eq!(
        role.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some("arn:aws:iam::aws:policy/ReadOnlyAccess")
    );
    case.rollback(&[]).expect_code(0);
    assert_eq!(snapshot(&iam).await, before);
}

#[test]
fn refuses_out_of_range_session_length_and_bad_boundaries() {
    expect_refusal(
        "    role_name: r\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n    max_session_duration: 60\n",
        "outside 3600..=43200",
    );
    expect_refusal(
        "    role_name: r\n    trusted_principals: [\"arn:aws:iam::123456789012:root\"]\n    permissions_boundary: ReadOnly\n",
        "not a managed policy ARN",
    );
}

#[test]
fn a_missing_or_damaged_journal_is_exit_2() {
    let offline = cisrun_e2e::Offline::new();
    let missing = run(offline
        .cisrun()
        .args(["rollback", "--journal", "nope.jsonl"]))
    .expect_code(2);
    assert!(missing.stderr.contains("nope.jsonl"), "{}", missing.stderr);
    let damaged = offline.path().join("damaged.jsonl");
    std::fs::write(&damaged, "not json\n").expect("write");
    let out = run(offline
        .cisrun()
        .arg("rollback")
        .arg("--journal")
        .arg(&damaged))
    .expect_code(2);
    assert!(out.stderr.contains("damaged.jsonl:1"), "{}", out.stderr);
}

#[tokio::test]
async fn a_later_apply_finishes_on_the_role_cisrun_created_if_it_trusts_the_same_principals() {
    let case = Case::new(CREATE);
    let iam = case.moto.iam().await;
    // The first apply creates the role, then cannot attach the policy or delete the role.
    let proxy = case.denying(&["AttachRolePolicy", "DeleteRole"]);
    case.apply(Some(&proxy.endpoint)).expect_code(1);
    assert!(snapshot(&iam).await.contains_key("role/cisrun-support"));

    // A profile that now names other principals must not reuse that role.
    let other = write_profile(
        case.dir.path(),
        "other.yaml",
        &format!(
            "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\nparameters:\n  {CONTROL}:\n    role_name: cisrun-support\n    trusted_principals: [\"arn:aws:iam::123456789012:user/someone-else\"]\n"
        ),
    );
    let refused = case.cisrun(
        None,
        &["remediate", "--profile", other.to_str().expect("utf-8")],
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stdout.contains("roll back that apply first"),
        "{}",
        refused.stdout
    );

    // The same profile finishes the job: only the attachment is left to do.
    let plan = case.remediate(None, &["--json", "-"]).expect_code(1);
    let report: serde_json::Value = serde_json::from_str(&plan.stdout).expect("json");
    let steps = &results_by_control(&report, seed::ACCOUNT)[CONTROL]["plan"]["steps"];
    assert_eq!(steps.as_array().map(Vec::len), Some(1), "{steps:#}");
    assert_eq!(steps[0]["action"], "iam:AttachRolePolicy");
    let second = case.dir.path().join("second.jsonl");
    case.remediate(
        None,
        &["--apply", "--journal", second.to_str().expect("utf-8")],
    )
    .expect_code(0);
    assert_eq!(case.audit_status(), "pass");
}

#[test]
fn a_journal_without_apply_is_a_usage_error() {
    let offline = cisrun_e2e::Offline::new();
    let out = run(offline.cisrun().args([
        "remediate",
        "--profile",
        "cis-aws-foundations-v3.0.0-level1",
        "--journal",
        "j.jsonl",
    ]))
    .expect_code(2);
    assert!(out.stderr.contains("--apply"), "{}", out.stderr);
    assert!(!offline.path().join("j.jsonl").exists());
}
