//! The shipped profiles against an account that complies with every implemented control:
//! each profile passes, and reports every recommendation of its version, implemented or not.
//! A new control extends `compliant_account` once; nothing here changes.

use cisrun_e2e::{
    assert_valid_junit, compliant_account, read_json, run, Moto, Value, MOTO_CANNOT_PASS,
};

const SHIPPED: [(&str, usize); 4] = [
    ("cis-aws-foundations-v3.0.0-level1", 42),
    ("cis-aws-foundations-v3.0.0-level2", 62),
    ("cis-aws-foundations-v7.0.0-level1", 41),
    ("cis-aws-foundations-v7.0.0-level2", 70),
];

#[tokio::test]
async fn every_shipped_profile_passes_a_compliant_account() {
    let moto = Moto::start();
    compliant_account(&moto).await;
    let dir = tempfile::tempdir().expect("temp dir");
    for (profile, recommendations) in SHIPPED {
        let (junit, json) = (dir.path().join("j.xml"), dir.path().join("r.json"));
        let out = run(moto
            .cisrun()
            .env("AWS_MAX_ATTEMPTS", cisrun_e2e::WHOLE_PROFILE_MAX_ATTEMPTS)
            .args(["audit", "--profile", profile, "--junit"])
            .arg(&junit)
            .arg("--json")
            .arg(&json));
        out.assert_no_panic();
        assert_valid_junit(&junit);
        let report = read_json(&json);
        let results: Vec<Value> = report["accounts"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            results.len(),
            recommendations,
            "{profile}: every recommendation"
        );
        let mut assessed = 0;
        for result in &results {
            let id = result["control_id"].as_str().unwrap_or_default();
            let status = result["outcome"]["status"].as_str().unwrap_or_default();
            let kind = result["outcome"]["skip"]["kind"]
                .as_str()
                .unwrap_or_default();
            if MOTO_CANNOT_PASS.contains(&id) {
                continue;
            }
            match (status, kind) {
                ("pass", _) => assessed += 1,
                ("skipped", "manual" | "not_implemented") => {}
                _ => panic!("{profile}: {id} is {status} on a compliant account:\n{result:#}"),
            }
        }
        assert!(assessed >= 1, "{profile}: nothing was assessed");
        let xml = std::fs::read_to_string(&junit).expect("junit");
        assert!(
            xml.contains(r#"type="not_implemented""#) || !out.stdout.contains("not implemented")
        );
        if MOTO_CANNOT_PASS.is_empty() {
            assert_eq!(out.code, 0, "{profile}: {}", out.stdout);
        }
    }
}
