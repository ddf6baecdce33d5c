//! The networking controls end to end against moto: security groups open to the whole
//! internet (IPv4 and IPv6 told apart, CIFS), default security groups, network ACLs, each
//! pass and fail with its region, and each unsafe fix applied with `--unsafe-fixes` and
//! rolled back to exactly the rules that were there.

use std::collections::BTreeMap;

use cisrun_e2e::network_seed::{self, Source};
use cisrun_e2e::{finding_rows, outcome_status as status, profile_yaml, ControlCase};
use serde_json::Value;

const IPV4: &str = "aws-ec2-sg-no-admin-ports-ipv4";
const IPV6: &str = "aws-ec2-sg-no-admin-ports-ipv6";
const CIFS: &str = "aws-ec2-cifs-restricted";
const DEFAULT_SG: &str = "aws-ec2-default-sg-restricts-all";
const NACL: &str = "aws-ec2-nacl-no-admin-ports-ingress";

const EU: &str = "eu-west-1";
const US: &str = "us-west-2";
const REGIONS: &[&str] = &[EU, US];

/// A CIS AWS v7.0.0 Level 2 profile (it has every control here) narrowed to `controls` and
/// to [`REGIONS`].
fn profile(controls: &[&str]) -> String {
    profile_yaml("v7.0.0", controls, REGIONS, "")
}

/// Audits `controls`; their results by control id.
fn audit(case: &ControlCase, controls: &[&str]) -> BTreeMap<String, Value> {
    let results = case.audit(&profile(controls));
    assert_eq!(results.len(), controls.len(), "{results:#?}");
    results
}

/// Each finding's (region, status) by resource id (the ARN's last part).
fn findings(result: &Value) -> BTreeMap<String, (String, String)> {
    finding_rows(result)
        .into_iter()
        .map(|(resource, region, status)| {
            let id = resource.rsplit('/').next().unwrap_or_default().to_string();
            (id, (region, status))
        })
        .collect()
}

fn finding(region: &str, status: &str) -> (String, String) {
    (region.to_string(), status.to_string())
}

/// The evidence detail of the finding on `id`.
fn detail(result: &Value, id: &str) -> String {
    result["outcome"]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["resource"].as_str().is_some_and(|r| r.ends_with(id)))
        .and_then(|e| e["detail"].as_str())
        .unwrap_or_else(|| panic!("no finding on {id}: {result:#}"))
        .to_string()
}

/// Both regions with default groups and ACLs that pass: what each test starts from.
async fn restricted(case: &ControlCase) {
    for region in REGIONS {
        network_seed::restrict_defaults(&case.moto.endpoint, region).await;
    }
}

/// Groups no instance uses, in the default VPC of [`EU`] unless said: `range` opens TCP
/// 0-1024 to IPv4 (and keeps a 443 rule), `v6` opens TCP 22 to IPv6 only, `udp` opens UDP
/// 3389 to IPv4, `listed` opens TCP 3389 through a prefix list holding 0.0.0.0/0,
/// `narrow` opens 22 to 10.0.0.0/8 only, and `smb` in [`US`] opens 445 to IPv6.
struct Groups {
    range: String,
    v6: String,
    udp: String,
    listed: String,
    narrow: String,
    smb: String,
}

async fn seeded_groups(case: &ControlCase) -> Groups {
    let endpoint = &case.moto.endpoint;
    let vpc = network_seed::default_vpc(endpoint, EU).await;
    let us_vpc = network_seed::default_vpc(endpoint, US).await;
    let group = |name: &'static str, region: &'static str, vpc: String| async move {
        network_seed::group(endpoint, region, &vpc, name).await
    };
    let groups = Groups {
        range: group("range", EU, vpc.clone()).await,
        v6: group("v6", EU, vpc.clone()).await,
        udp: group("udp", EU, vpc.clone()).await,
        listed: group("listed", EU, vpc.clone()).await,
        narrow: group("narrow", EU, vpc.clone()).await,
        smb: group("smb", US, us_vpc).await,
    };
    let world = network_seed::prefix_list(endpoint, EU, "world", &["0.0.0.0/0"]).await;
    let rule = |group: String, protocol: &'static str, ports, source: Source<'static>| async move {
        network_seed::ingress(endpoint, EU, &group, protocol, ports, source, None, None).await
    };
    network_seed::ingress(
        endpoint,
        EU,
        &groups.range,
        "tcp",
        (0, 1024),
        Source::Cidr("0.0.0.0/0"),
        Some("admin range"),
        Some(("owner", "ops")),
    )
    .await;
    rule(
        groups.range.clone(),
        "tcp",
        (443, 443),
        Source::Cidr("0.0.0.0/0"),
    )
    .await;
    rule(groups.v6.clone(), "tcp", (22, 22), Source::Cidr("::/0")).await;
    rule(
        groups.udp.clone(),
        "udp",
        (3389, 3389),
        Source::Cidr("0.0.0.0/0"),
    )
    .await;
    network_seed::ingress(
        endpoint,
        EU,
        &groups.listed,
        "tcp",
        (3389, 3389),
        Source::PrefixList(&world),
        None,
        None,
    )
    .await;
    rule(
        groups.narrow.clone(),
        "tcp",
        (22, 22),
        Source::Cidr("10.0.0.0/8"),
    )
    .await;
    network_seed::ingress(
        endpoint,
        EU,
        &groups.narrow,
        "-1",
        (-1, -1),
        Source::Group(&groups.range),
        None,
        None,
    )
    .await;
    network_seed::ingress(
        endpoint,
        US,
        &groups.smb,
        "tcp",
        (445, 445),
        Source::Cidr("::/0"),
        None,
        None,
    )
    .await;
    groups
}

#[tokio::test(flavor = "multi_thread")]
async fn security_groups_open_to_the_internet_fail_per_family_port_and_region() {
    let case = ControlCase::new();
    restricted(&case).await;
    let groups = seeded_groups(&case).await;

    let results = audit(&case, &[IPV4, IPV6, CIFS, DEFAULT_SG]);
    let ipv4 = findings(&results[IPV4]);
    assert_eq!(status(&results[IPV4]), "fail", "{:#}", results[IPV4]);
    assert_eq!(
        ipv4[&groups.range],
        finding(EU, "fail"),
        "0-1024 includes 22"
    );
    assert_eq!(ipv4[&groups.udp], finding(EU, "fail"), "UDP 3389 counts");
    assert_eq!(
        ipv4[&groups.listed],
        finding(EU, "fail"),
        "a prefix list holding 0.0.0.0/0"
    );
    assert_eq!(
        ipv4[&groups.v6],
        finding(EU, "pass"),
        "IPv6 is the other control's"
    );
    assert_eq!(ipv4[&groups.narrow], finding(EU, "pass"));
    assert_eq!(ipv4[&groups.smb], finding(US, "pass"));
    let listed = detail(&results[IPV4], &groups.listed);
    assert!(
        listed.contains("tcp 3389 from prefix list pl-")
            && listed.contains("the list holds 0.0.0.0/0"),
        "{listed}"
    );
    let range = detail(&results[IPV4], &groups.range);
    assert!(
        range.contains("tcp 0-1024 from 0.0.0.0/0 (port 22)") && !range.contains("443"),
        "{range}"
    );

    let ipv6 = findings(&results[IPV6]);
    let failing: Vec<&String> = ipv6
        .iter()
        .filter(|(_, (_, s))| s == "fail")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failing, [&groups.v6], "{:#}", results[IPV6]);

    let cifs = findings(&results[CIFS]);
    assert_eq!(
        cifs[&groups.smb],
        finding(US, "fail"),
        "445 from ::/0 in the other region"
    );
    assert_eq!(
        cifs[&groups.range],
        finding(EU, "fail"),
        "0-1024 includes 445"
    );
    assert_eq!(cifs[&groups.udp], finding(EU, "pass"));

    // Every default group of both regions has had its rules removed.
    assert_eq!(
        status(&results[DEFAULT_SG]),
        "pass",
        "{:#}",
        results[DEFAULT_SG]
    );
    let regions: Vec<String> = findings(&results[DEFAULT_SG])
        .into_values()
        .map(|(region, _)| region)
        .collect();
    assert!(regions.contains(&EU.to_string()) && regions.contains(&US.to_string()));

    // The ports are a parameter: with 5985 alone, nothing here fails the IPv4 control.
    let parameters = format!("  {IPV4}:\n    ports: [5985]\n");
    let results = case.audit(&profile_yaml("v7.0.0", &[IPV4], REGIONS, &parameters));
    assert_eq!(status(&results[IPV4]), "pass", "{:#}", results[IPV4]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_open_ingress_fixes_revoke_exactly_the_offending_rules_and_roll_back_exactly() {
    let case = ControlCase::new();
    restricted(&case).await;
    let groups = seeded_groups(&case).await;
    let endpoint = case.moto.endpoint.clone();
    let all = [
        (EU, &groups.range),
        (EU, &groups.v6),
        (EU, &groups.udp),
        (EU, &groups.listed),
        (EU, &groups.narrow),
        (US, &groups.smb),
    ];
    let mut before = BTreeMap::new();
    for (region, group) in all {
        before.insert(
            group.clone(),
            network_seed::rules(&endpoint, region, group).await,
        );
    }
    let controls = [IPV4, IPV6, CIFS];

    let refused = case.apply(&profile(&controls), &[]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stdout.contains("--unsafe-fixes"),
        "{}",
        refused.stdout
    );
    for (region, group) in all {
        assert_eq!(
            network_seed::rules(&endpoint, region, group).await,
            before[group],
            "nothing changed without --unsafe-fixes"
        );
    }
    let _ = std::fs::remove_file(case.journal());

    let applied = case.apply(&profile(&controls), &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert!(
        applied.stdout.contains(&groups.range) && applied.stdout.contains("vpc-"),
        "the plan names each group and VPC: {}",
        applied.stdout
    );
    let results = audit(&case, &controls);
    for control in controls {
        assert_eq!(
            status(&results[control]),
            "pass",
            "{control}: {:#}",
            results[control]
        );
    }
    // Only the offending rules went: the 443 rule and the narrow group stay.
    let range = network_seed::rules(&endpoint, EU, &groups.range).await;
    assert!(
        range.iter().all(|r| !r.contains("Some(0)-Some(1024)"))
            && range.iter().any(|r| r.contains("Some(443)")),
        "{range:?}"
    );
    assert_eq!(
        network_seed::rules(&endpoint, EU, &groups.narrow).await,
        before[&groups.narrow]
    );
    let journal = std::fs::read_to_string(case.journal()).expect("journal");
    assert!(
        journal.contains("\"SecurityGroupRuleId\"") && journal.contains("admin range"),
        "each rule as EC2 returned it: {journal}"
    );

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    for (region, group) in all {
        assert_eq!(
            network_seed::rules(&endpoint, region, group).await,
            before[group],
            "{group}: every rule back, with its description and tags"
        );
    }
    let results = audit(&case, &controls);
    for control in controls {
        assert_eq!(
            status(&results[control]),
            "fail",
            "{control}: {:#}",
            results[control]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn default_groups_with_rules_fail_and_the_fix_strips_and_restores_them() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    restricted(&case).await;
    // A new VPC's default group, given the inbound rule AWS gives it (its own members),
    // next to the EU default VPC's, which keeps moto's outbound allow-all.
    let vpc = network_seed::vpc(&endpoint, EU, "10.20.0.0/16").await;
    let new_default = network_seed::default_group(&endpoint, EU, &vpc).await;
    network_seed::ingress(
        &endpoint,
        EU,
        &new_default,
        "-1",
        (-1, -1),
        Source::Group(&new_default),
        Some("members"),
        None,
    )
    .await;
    let us_default = network_seed::default_group(
        &endpoint,
        US,
        &network_seed::default_vpc(&endpoint, US).await,
    )
    .await;
    let before = network_seed::rules(&endpoint, EU, &new_default).await;
    assert!(
        before.len() >= 2,
        "an inbound and an outbound rule: {before:?}"
    );

    let results = audit(&case, &[DEFAULT_SG]);
    let result = &results[DEFAULT_SG];
    assert_eq!(status(result), "fail", "{result:#}");
    let rows = findings(result);
    assert_eq!(rows[&new_default], finding(EU, "fail"));
    assert_eq!(rows[&us_default], finding(US, "pass"));
    let text = detail(result, &new_default);
    assert!(
        text.contains(&vpc) && text.contains(&format!("all traffic from group {new_default}")),
        "{text}"
    );

    let applied = case.apply(&profile(&[DEFAULT_SG]), &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    assert!(network_seed::rules(&endpoint, EU, &new_default)
        .await
        .is_empty());
    let results = audit(&case, &[DEFAULT_SG]);
    assert_eq!(
        status(&results[DEFAULT_SG]),
        "pass",
        "{:#}",
        results[DEFAULT_SG]
    );

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    assert_eq!(
        network_seed::rules(&endpoint, EU, &new_default).await,
        before,
        "each rule back in both directions"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn network_acls_allowing_the_internet_fail_with_their_rule_order_and_roll_back() {
    let case = ControlCase::new();
    let endpoint = case.moto.endpoint.clone();
    // US keeps moto's default ACL (rule 100 allows everything); EU's is closed.
    network_seed::restrict_defaults(&endpoint, EU).await;
    let vpc = network_seed::default_vpc(&endpoint, EU).await;
    let us_default = network_seed::default_acl(
        &endpoint,
        US,
        &network_seed::default_vpc(&endpoint, US).await,
    )
    .await;
    let eu_default = network_seed::default_acl(&endpoint, EU, &vpc).await;
    let shadowed = network_seed::acl(&endpoint, EU, &vpc).await;
    network_seed::acl_entry(
        &endpoint,
        EU,
        &shadowed,
        90,
        false,
        "6",
        Some((22, 22)),
        "0.0.0.0/0",
    )
    .await;
    network_seed::acl_entry(
        &endpoint,
        EU,
        &shadowed,
        100,
        true,
        "6",
        Some((0, 1024)),
        "0.0.0.0/0",
    )
    .await;
    let v6 = network_seed::acl(&endpoint, EU, &vpc).await;
    network_seed::acl_entry(
        &endpoint,
        EU,
        &v6,
        100,
        true,
        "17",
        Some((3389, 3389)),
        "::/0",
    )
    .await;
    let narrow = network_seed::acl(&endpoint, EU, &vpc).await;
    network_seed::acl_entry(&endpoint, EU, &narrow, 100, true, "-1", None, "10.0.0.0/8").await;
    network_seed::acl_entry(
        &endpoint,
        EU,
        &narrow,
        110,
        true,
        "6",
        Some((443, 443)),
        "0.0.0.0/0",
    )
    .await;
    let mut before = BTreeMap::new();
    for (region, acl) in [(US, &us_default), (EU, &shadowed), (EU, &v6), (EU, &narrow)] {
        before.insert(
            acl.clone(),
            network_seed::acl_entries(&endpoint, region, acl).await,
        );
    }

    let results = audit(&case, &[NACL]);
    let result = &results[NACL];
    assert_eq!(status(result), "fail", "{result:#}");
    let rows = findings(result);
    assert_eq!(
        rows[&us_default],
        finding(US, "fail"),
        "the default ACL allows all"
    );
    assert_eq!(
        rows[&shadowed],
        finding(EU, "fail"),
        "a shadowed ALLOW still fails"
    );
    assert_eq!(rows[&v6], finding(EU, "fail"), "UDP 3389 from ::/0");
    assert_eq!(rows[&narrow], finding(EU, "pass"));
    assert_eq!(rows[&eu_default], finding(EU, "pass"));
    let text = detail(result, &shadowed);
    assert!(
        text.contains("rule 100: allow tcp 0-1024 from 0.0.0.0/0 (port 22)")
            && text.contains("shadowed by earlier DENY entries: tcp 22 denied first by rule 90"),
        "{text}"
    );
    let text = detail(result, &us_default);
    assert!(
        text.contains("(default, in vpc-") && text.contains("not shadowed"),
        "{text}"
    );

    let applied = case.apply(&profile(&[NACL]), &["--unsafe-fixes"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let results = audit(&case, &[NACL]);
    assert_eq!(status(&results[NACL]), "pass", "{:#}", results[NACL]);
    let after = network_seed::acl_entries(&endpoint, EU, &shadowed).await;
    assert_eq!(after.len(), 1, "the DENY stays: {after:?}");
    assert_eq!(
        network_seed::acl_entries(&endpoint, EU, &narrow).await,
        before[&narrow]
    );
    let journal = std::fs::read_to_string(case.journal()).expect("journal");
    assert!(journal.contains("\"RuleNumber\":100"), "{journal}");

    let rolled_back = case.rollback();
    assert_eq!(rolled_back.code, 0, "{rolled_back:?}");
    for (region, acl) in [(US, &us_default), (EU, &shadowed), (EU, &v6), (EU, &narrow)] {
        assert_eq!(
            network_seed::acl_entries(&endpoint, region, acl).await,
            before[acl],
            "{acl}: every entry back with its rule number"
        );
    }
}
