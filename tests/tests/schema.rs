//! The profile format's JSON Schema: `cisrun schema`, the committed
//! `profiles/profile.schema.json`, and the shipped profiles that reference it.

use cisrun_e2e::{repo_root, run, Offline, Value};

const REGENERATE: &str = "regenerate it with `cargo build -p cisrun && \
                          target/debug/cisrun schema > profiles/profile.schema.json`";

fn schema_from_binary() -> (String, Value) {
    let out = run(Offline::new().cisrun().arg("schema")).expect_code(0);
    let value = serde_json::from_str(&out.stdout).expect("`cisrun schema` prints JSON");
    (out.stdout, value)
}

fn validator() -> jsonschema::Validator {
    let (_, schema) = schema_from_binary();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is a valid JSON Schema")
}

/// A YAML profile as the JSON an editor's schema validator sees.
fn yaml_to_json(yaml: &str) -> Value {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("YAML");
    serde_json::to_value(value).expect("YAML that JSON can represent")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn shipped_profiles() -> Vec<(String, String)> {
    let mut profiles: Vec<(String, String)> = std::fs::read_dir(repo_root().join("profiles"))
        .expect("profiles/")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read profile");
            (path.display().to_string(), text)
        })
        .collect();
    profiles.sort();
    profiles
}

#[test]
fn the_committed_schema_is_what_cisrun_schema_prints() {
    let (printed, _) = schema_from_binary();
    let path = repo_root().join("profiles/profile.schema.json");
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is missing ({e}): {REGENERATE}", path.display()));
    assert!(
        committed == printed,
        "{} differs from `cisrun schema`: {REGENERATE}",
        path.display()
    );
}

#[test]
fn the_schema_is_useful_to_editors() {
    let (_, schema) = schema_from_binary();
    assert_eq!(schema["title"], "cisrun profile");
    assert_eq!(schema["type"], "object");
    assert_eq!(schema["additionalProperties"], false, "{schema:#}");
    assert_eq!(
        schema["required"],
        serde_json::json!(["benchmark", "version", "level"])
    );
    let properties = schema["properties"].as_object().expect("properties");
    // Sorted: the order of a parsed map depends on serde_json's features.
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "benchmark",
            "controls",
            "description",
            "exceptions",
            "level",
            "name",
            "parameters",
            "regions",
            "targets",
            "version"
        ]
    );
    for (key, property) in properties {
        let description = property["description"].as_str().unwrap_or_default();
        assert!(
            description.len() > 10,
            "property `{key}` has no description for editors: {property:#}"
        );
    }
    // Every object in the format refuses unknown keys, and documents its fields.
    for name in [
        "Selection",
        "Exception",
        "Targets",
        "AssumeRoleSpec",
        "Regions",
    ] {
        let definition = &schema["$defs"][name];
        assert_eq!(
            definition["additionalProperties"], false,
            "{name}: {definition:#}"
        );
        for (key, property) in definition["properties"].as_object().expect("properties") {
            assert!(
                property["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{name}.{key} has no description: {property:#}"
            );
        }
    }
    assert_eq!(schema["$defs"]["Level"]["enum"], serde_json::json!([1, 2]));
    assert_eq!(schema["$defs"]["AccountId"]["pattern"], "^[0-9]{12}$");
}

#[test]
fn every_shipped_profile_references_and_satisfies_the_schema() {
    let validator = validator();
    let profiles = shipped_profiles();
    assert_eq!(profiles.len(), 4, "{profiles:?}");
    for (path, text) in profiles {
        assert_eq!(
            text.lines().next(),
            Some("# yaml-language-server: $schema=./profile.schema.json"),
            "{path} should start with the yaml-language-server schema comment"
        );
        let errors = schema_errors(&validator, &yaml_to_json(&text));
        assert!(errors.is_empty(), "{path} violates the schema: {errors:#?}");
    }
}

#[test]
fn a_full_profile_satisfies_the_schema_and_cisrun() {
    let yaml = r#"
name: full
description: Every key the format has.
benchmark: cis-aws-foundations
version: v3.0.0
level: 2
controls:
  include: [aws-iam-support-role, "1.17"]
  exclude: []
parameters:
  aws-iam-support-role:
    role_name: cisrun-support
    trusted_principals: [arn:aws:iam::123456789012:role/Responders]
exceptions:
  - control: "1.17"
    account: "123456789012"
    reason: Handled by the MSP
    expires: 2030-01-31
targets:
  source: accounts
  accounts: ["123456789012", "210987654321"]
  exclude_accounts: ["210987654321"]
  assume_role:
    role: OrganizationAccountAccessRole
    external_id: xyz
    session_name: cisrun
"#;
    let errors = schema_errors(&validator(), &yaml_to_json(yaml));
    assert!(errors.is_empty(), "{errors:#?}");
    // cisrun accepts it too: the audit gets past the profile (and then fails to reach AWS).
    let offline = Offline::new();
    offline.profile("full.yaml", yaml);
    let out = run(offline.cisrun().args(["audit", "--profile", "full.yaml"]));
    assert!(
        !out.stderr.contains("full.yaml:"),
        "cisrun rejected a profile the schema accepts:\n{}",
        out.stderr
    );
}

#[test]
fn the_schema_rejects_what_cisrun_rejects() {
    let validator = validator();
    let head = "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 1\n";
    let cases = [
        ("unknown top-level key", format!("{head}colour: red\n"), "/"),
        (
            "unknown key in an exception",
            format!("{head}exceptions:\n  - control: aws-iam-support-role\n    reason: ok\n    acount: \"123456789012\"\n"),
            "/exceptions/0",
        ),
        (
            "unknown key in controls",
            format!("{head}controls:\n  inclde: [aws-iam-support-role]\n"),
            "/controls",
        ),
        (
            "unknown key in targets",
            format!("{head}targets:\n  acounts: []\n"),
            "/targets",
        ),
        (
            "level 3",
            "benchmark: cis-aws-foundations\nversion: v3.0.0\nlevel: 3\n".to_string(),
            "/level",
        ),
        ("missing level", "benchmark: cis-aws-foundations\nversion: v3.0.0\n".to_string(), "/"),
        (
            "short account id",
            format!("{head}exceptions:\n  - control: aws-iam-support-role\n    account: \"12345\"\n    reason: ok\n"),
            "/exceptions/0/account",
        ),
        (
            "empty reason",
            format!("{head}exceptions:\n  - control: aws-iam-support-role\n    reason: \"\"\n"),
            "/exceptions/0/reason",
        ),
        (
            "bad date",
            format!("{head}exceptions:\n  - control: aws-iam-support-role\n    reason: ok\n    expires: 2024-13-01\n"),
            "/exceptions/0/expires",
        ),
        (
            "unknown target source",
            format!("{head}targets:\n  source: everything\n"),
            "/targets/source",
        ),
        ("a list", "- benchmark: cis-aws-foundations\n".to_string(), "/"),
    ];
    for (what, yaml, pointer) in cases {
        let errors = schema_errors(&validator, &yaml_to_json(&yaml));
        let pointer = if pointer == "/" { "" } else { pointer };
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{pointer}: "))),
            "{what}: the schema should reject it at `{pointer}`; errors: {errors:#?}"
        );
        let offline = Offline::new();
        offline.profile("p.yaml", &yaml);
        let out = run(offline.cisrun().args(["audit", "--profile", "p.yaml"]));
        assert_eq!(out.code, 2, "{what}: cisrun should reject it too: {out:?}");
    }
}
