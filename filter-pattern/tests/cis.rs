//! The benchmark's patterns: each parses (or its defect is asserted and corrected),
//! covers itself, and the defects are real.

use cisrun_filter_pattern::cis::{
    patterns_for, CisPattern, Variant, CONTROL_IDS, PATTERNS, VERSIONS,
};
use cisrun_filter_pattern::{covers, parse, Coverage, ParseErrorKind, Pattern};
use serde_json::json;

fn pattern(text: &str) -> Pattern {
    parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn entry(control_id: &str, version: &str) -> &'static CisPattern {
    patterns_for(control_id, version)
        .find(|pattern| pattern.variant == Variant::Standard)
        .unwrap_or_else(|| panic!("no pattern for {control_id} {version}"))
}

/// The one published pattern that does not parse, and the reason the parser gives.
const UNPARSABLE_CONTROL: &str = "aws-cloudwatch-console-auth-failures";
const UNPARSABLE_VERSIONS: [&str; 4] = ["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"];
const UNPARSABLE_REASON: &str =
    "found `authentication`; a value containing spaces must be enclosed in double quotes";

#[test]
fn every_control_has_one_standard_pattern_per_version_and_4_2_an_sso_alternative() {
    for control_id in CONTROL_IDS {
        for version in VERSIONS {
            let variants: Vec<Variant> = patterns_for(control_id, version)
                .map(|pattern| pattern.variant)
                .collect();
            let expected = if control_id == "aws-cloudwatch-console-signin-without-mfa" {
                vec![Variant::Standard, Variant::SsoAlternative]
            } else {
                vec![Variant::Standard]
            };
            assert_eq!(variants, expected, "{control_id} {version}");
        }
    }
    for entry in PATTERNS {
        assert!(
            CONTROL_IDS.contains(&entry.control_id),
            "{}",
            entry.control_id
        );
        assert!(entry
            .versions
            .iter()
            .all(|version| VERSIONS.contains(version)));
        assert_eq!(
            entry.corrected.is_some(),
            !entry.note.is_empty(),
            "{entry:?}"
        );
    }
}

#[test]
fn every_published_pattern_parses_or_its_defect_is_known_and_corrected() {
    for entry in PATTERNS {
        let expected_to_fail =
            entry.control_id == UNPARSABLE_CONTROL && entry.versions == UNPARSABLE_VERSIONS;
        match parse(entry.published) {
            Ok(_) => assert!(!expected_to_fail, "{entry:?} was expected not to parse"),
            Err(error) => {
                assert!(
                    expected_to_fail,
                    "{} {:?}: {error}",
                    entry.control_id, entry.versions
                );
                assert!(error.to_string().contains(UNPARSABLE_REASON), "{error}");
                assert!(matches!(error.kind, ParseErrorKind::Unexpected { .. }));
                assert!(entry.corrected.is_some(), "{entry:?}");
            }
        }
        if let Some(corrected) = entry.corrected {
            pattern(corrected);
        }
    }
}

#[test]
fn every_pattern_covers_itself() {
    for entry in PATTERNS {
        for text in [Some(entry.published), entry.corrected]
            .into_iter()
            .flatten()
        {
            let Ok(parsed) = parse(text) else { continue };
            assert_eq!(covers(&parsed, &parsed), Coverage::Covered, "{text}");
            // The canonical form reads back as the same pattern.
            assert_eq!(pattern(&parsed.to_string()), parsed, "{text}");
        }
    }
}

#[test]
fn the_unauthorized_calls_defect_of_v1_4_0_matches_almost_everything() {
    let entry = entry("aws-cloudwatch-unauthorized-api-calls", "v1.4.0");
    let published = pattern(entry.published);
    let corrected = pattern(entry.effective());
    // A successful call from an ordinary address: no error code at all.
    let ordinary = json!({
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DescribeInstances",
        "sourceIPAddress": "203.0.113.7",
    });
    assert!(published.matches(&ordinary));
    assert!(!corrected.matches(&ordinary));
    let denied = json!({
        "eventName": "GetObject",
        "errorCode": "AccessDenied",
        "sourceIPAddress": "203.0.113.7",
    });
    assert!(published.matches(&denied) && corrected.matches(&denied));
    let excluded = json!({
        "eventName": "GetBucketAcl",
        "errorCode": "AccessDenied",
        "sourceIPAddress": "delivery.logs.amazonaws.com",
    });
    assert!(!corrected.matches(&excluded));

    // The published form is broader: a filter equal to it covers the correction, a
    // filter equal to the correction does not cover the published form.
    assert_eq!(covers(&published, &corrected), Coverage::Covered);
    let Coverage::NotCovered(gap) = covers(&corrected, &published) else {
        panic!("the correction covers the published form");
    };
    assert_eq!(gap.case.len(), 1, "{gap}");
}

#[test]
fn the_unauthorized_calls_precedence_defect_of_v4_0_1() {
    let entry = entry("aws-cloudwatch-unauthorized-api-calls", "v7.0.0");
    let published = pattern(entry.published);
    let corrected = pattern(entry.effective());
    // `&&` binds tighter: the exclusions do not reach `*UnauthorizedOperation`.
    let from_delivery = json!({
        "eventName": "DescribeInstances",
        "errorCode": "Client.UnauthorizedOperation",
        "sourceIPAddress": "delivery.logs.amazonaws.com",
    });
    assert!(published.matches(&from_delivery));
    assert!(!corrected.matches(&from_delivery));
    assert_eq!(covers(&published, &corrected), Coverage::Covered);
    assert!(!covers(&corrected, &published).is_covered());
    // The v1.4.0 correction and the v4.0.1 correction are one pattern.
    assert_eq!(
        pattern(entry.effective()),
        pattern(self::entry("aws-cloudwatch-unauthorized-api-calls", "v1.4.0").effective())
    );
}

#[test]
fn the_route_table_precedence_defect_of_v3_0_0() {
    for version in ["v3.0.0", "v4.0.1", "v7.0.0"] {
        let entry = entry("aws-cloudwatch-route-table-changes", version);
        let published = pattern(entry.published);
        let corrected = pattern(entry.effective());
        let elsewhere =
            json!({"eventSource": "example.amazonaws.com", "eventName": "CreateRouteTable"});
        assert!(published.matches(&elsewhere), "{version}");
        assert!(!corrected.matches(&elsewhere), "{version}");
        assert_eq!(covers(&published, &corrected), Coverage::Covered);
        // The pattern of v1.4.0 to v2.0.0 (no event source) still complies.
        let older = pattern(self::entry("aws-cloudwatch-route-table-changes", "v2.0.0").published);
        assert_eq!(covers(&older, &corrected), Coverage::Covered, "{version}");
        let Coverage::NotCovered(gap) = covers(&corrected, &older) else {
            panic!("the correction covers the older pattern");
        };
        assert_eq!(
            gap.narrowing[0].to_string(),
            r#"$.eventSource = "ec2.amazonaws.com""#
        );
    }
}

#[test]
fn the_unquoted_phrase_of_v4_0_1_is_the_quoted_pattern_of_v3_0_0() {
    let newer = entry("aws-cloudwatch-console-auth-failures", "v4.0.1");
    let older = entry("aws-cloudwatch-console-auth-failures", "v3.0.0");
    assert!(parse(newer.published).is_err());
    assert_eq!(pattern(newer.effective()), pattern(older.published));
}

#[test]
fn quoting_changes_between_versions_change_no_pattern() {
    for control_id in [
        "aws-cloudwatch-console-signin-without-mfa",
        "aws-cloudwatch-root-usage",
        "aws-cloudwatch-organizations-changes",
    ] {
        let older: Vec<Pattern> = patterns_for(control_id, "v3.0.0")
            .map(|entry| pattern(entry.effective()))
            .collect();
        let newer: Vec<Pattern> = patterns_for(control_id, "v4.0.1")
            .map(|entry| pattern(entry.effective()))
            .collect();
        assert_eq!(older, newer, "{control_id}");
    }
}

#[test]
fn the_sso_alternative_is_the_standard_pattern_narrowed() {
    let mut entries = patterns_for("aws-cloudwatch-console-signin-without-mfa", "v5.0.0");
    let (Some(standard), Some(sso)) = (entries.next(), entries.next()) else {
        panic!("two patterns expected");
    };
    let (standard, sso) = (pattern(standard.effective()), pattern(sso.effective()));
    assert_eq!(covers(&standard, &sso), Coverage::Covered);
    let Coverage::NotCovered(gap) = covers(&sso, &standard) else {
        panic!("the SSO alternative covers the standard pattern");
    };
    let narrowing: Vec<String> = gap.narrowing.iter().map(ToString::to_string).collect();
    assert_eq!(
        narrowing,
        [
            r#"$.userIdentity.type = "IAMUser""#,
            r#"$.responseElements.ConsoleLogin = "Success""#
        ]
    );
}

#[test]
fn security_group_changes_grew_in_v5_0_0() {
    let older = pattern(entry("aws-cloudwatch-security-group-changes", "v4.0.1").effective());
    let newer = pattern(entry("aws-cloudwatch-security-group-changes", "v5.0.0").effective());
    assert_eq!(covers(&newer, &older), Coverage::Covered);
    let Coverage::NotCovered(gap) = covers(&older, &newer) else {
        panic!("the v4.0.1 pattern covers v5.0.0");
    };
    assert_eq!(
        gap.case[0].to_string(),
        r#"$.eventName = "ModifySecurityGroupRules""#
    );
}

#[test]
fn published_defective_forms_cover_their_corrections() {
    // Each defect of the table broadens the pattern, so an account that copied the
    // published text complies with "covers the corrected pattern".
    for entry in PATTERNS {
        let (Some(corrected), Ok(published)) = (entry.corrected, parse(entry.published)) else {
            continue;
        };
        assert_eq!(
            covers(&published, &pattern(corrected)),
            Coverage::Covered,
            "{} {:?}",
            entry.control_id,
            entry.versions
        );
    }
}

#[test]
fn a_filter_without_the_exclusions_complies_with_every_version() {
    // The pattern without exclusions (CIS v1.2.0's 3.1) is broader than the correction.
    let without_exclusions =
        pattern(r#"{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}"#);
    for version in VERSIONS {
        let required = pattern(entry("aws-cloudwatch-unauthorized-api-calls", version).effective());
        assert_eq!(
            covers(&without_exclusions, &required),
            Coverage::Covered,
            "{version}"
        );
    }
    // An extra exclusion narrows it, and is named.
    let required = pattern(entry("aws-cloudwatch-unauthorized-api-calls", "v5.0.0").effective());
    let narrowed = pattern(
        r#"{ ($.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*") && $.sourceIPAddress != "delivery.logs.amazonaws.com" && $.eventName != "HeadBucket" && $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }"#,
    );
    let Coverage::NotCovered(gap) = covers(&narrowed, &required) else {
        panic!("a narrowed filter covers the benchmark");
    };
    assert_eq!(
        gap.narrowing[0].to_string(),
        r#"$.userIdentity.invokedBy != "cloudfront.amazonaws.com""#
    );
}
