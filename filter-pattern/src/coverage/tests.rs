use super::*;
use crate::parse;

fn coverage(filter: &str, required: &str) -> Coverage {
    covers(&parse(filter).unwrap(), &parse(required).unwrap())
}

fn covered(filter: &str, required: &str) -> bool {
    coverage(filter, required).is_covered()
}

fn narrowing(filter: &str, required: &str) -> Vec<String> {
    match coverage(filter, required) {
        Coverage::NotCovered(gap) => gap.narrowing.iter().map(ToString::to_string).collect(),
        other => panic!("{filter} vs {required}: {other:?}"),
    }
}

const MFA: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;

#[test]
fn identity_reordering_quoting_and_extra_branches_cover() {
    assert!(covered(MFA, MFA));
    assert!(covered(
        "{ $.additionalEventData.MFAUsed != Yes && $.eventName = ConsoleLogin }",
        MFA
    ));
    assert!(covered(
        r#"{ $.eventName = "Other" || ((($.additionalEventData.MFAUsed != "Yes")) && $.eventName = "ConsoleLogin") }"#,
        MFA
    ));
}

#[test]
fn an_extra_condition_narrows_and_is_named() {
    let filter = r#"{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "Yes" && $.userIdentity.type = "IAMUser" }"#;
    assert_eq!(
        narrowing(filter, MFA),
        [r#"$.userIdentity.type = "IAMUser""#]
    );
    let Coverage::NotCovered(gap) = coverage(filter, MFA) else {
        panic!("covered");
    };
    assert_eq!(
        gap.to_string(),
        r#"the filter narrows the benchmark's case `$.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "Yes"` with `$.userIdentity.type = "IAMUser"`"#
    );
}

#[test]
fn a_dropped_branch_or_changed_value_is_not_covered() {
    let required = "{ $.eventName = CreateTrail || $.eventName = DeleteTrail }";
    assert!(!covered("{ $.eventName = CreateTrail }", required));
    assert_eq!(
        narrowing(
            "{ $.eventName = CreateTrial || $.eventName = DeleteTrail }",
            required
        ),
        [r#"$.eventName = "CreateTrial""#]
    );
    // The nearest filter case is the one with fewest conditions not implied.
    let Coverage::NotCovered(gap) = coverage(
        "{ ($.eventName = CreateTrail && $.a = 1 && $.b = 2) || ($.eventName = CreateTrail && $.c = 3) }",
        required,
    ) else {
        panic!("covered");
    };
    assert_eq!(gap.narrowing.len(), 1);
    assert_eq!(gap.narrowing[0].to_string(), "$.c = 3");
}

#[test]
fn wildcards_broaden_and_exclusions_follow_from_equality() {
    assert!(covered(
        r#"{ $.errorCode = "Access*" }"#,
        r#"{ $.errorCode = "AccessDenied" }"#
    ));
    assert!(covered(
        r#"{ $.errorCode = "AccessDenied*" }"#,
        r#"{ $.errorCode = "AccessDeniedX*" }"#
    ));
    assert!(covered(
        r#"{ $.errorCode = "*Operation" }"#,
        r#"{ $.errorCode = "*UnauthorizedOperation" }"#
    ));
    assert!(covered(
        r#"{ $.errorCode = "*Denied*" }"#,
        r#"{ $.errorCode = "AccessDenied*" }"#
    ));
    assert!(covered(
        r#"{ $.errorCode = * }"#,
        r#"{ $.errorCode = "AccessDenied*" }"#
    ));
    assert!(!covered(
        r#"{ $.errorCode = "AccessDenied*" }"#,
        r#"{ $.errorCode = "Access*" }"#
    ));
    assert!(!covered(
        r#"{ $.errorCode = "AccessDenied" }"#,
        r#"{ $.errorCode = "AccessDenied*" }"#
    ));
    // `= "ConsoleLogin"` can be no `HeadBucket`.
    assert!(covered(
        r#"{ $.eventName != "HeadBucket" }"#,
        r#"{ $.eventName = "ConsoleLogin" }"#
    ));
    assert!(covered(
        r#"{ $.eventName != "Head*" }"#,
        r#"{ $.eventName = "Get*" }"#
    ));
    assert!(!covered(
        r#"{ $.eventName != "Head*" }"#,
        r#"{ $.eventName = "H*" }"#
    ));
    // A broader exclusion implies a narrower one.
    assert!(covered(
        r#"{ $.eventName != "HeadBucket" }"#,
        r#"{ $.eventName != "Head*" }"#
    ));
    assert!(!covered(
        r#"{ $.eventName != "Head*" }"#,
        r#"{ $.eventName != "HeadBucket" }"#
    ));
    // `!=` needs a value, which `= *` asks for.
    assert!(covered("{ $.a = * }", r#"{ $.a != "x" }"#));
    // `!=` does not match a missing field, so it does not cover "anything".
    assert!(!covered(r#"{ $.a != "x" }"#, "{ $.b = 1 }"));
}

#[test]
fn inner_wildcards_are_only_decided_by_identity() {
    assert!(covered(r#"{ $.a = "Ev*ent" }"#, r#"{ $.a = "Ev*ent" }"#));
    assert!(covered(r#"{ $.a = * }"#, r#"{ $.a = "Ev*ent" }"#));
    // True if `*` is a wildcard, false if it is literal: not claimed.
    assert!(!covered(r#"{ $.a = "Ev*ent" }"#, r#"{ $.a = "Event" }"#));
    assert!(!covered(r#"{ $.a != "Ev*ent" }"#, r#"{ $.a = "Event" }"#));
}

#[test]
fn numeric_ranges() {
    assert!(covered("{ $.latency > 100 }", "{ $.latency > 500 }"));
    assert!(covered("{ $.latency >= 500 }", "{ $.latency > 500 }"));
    assert!(covered("{ $.latency > 499 }", "{ $.latency = 500 }"));
    assert!(covered("{ $.latency != 7 }", "{ $.latency > 500 }"));
    assert!(covered(
        "{ $.latency = 500 }",
        "{ $.latency >= 500 && $.latency <= 500 }"
    ));
    assert!(covered(
        "{ $.latency < 10 }",
        "{ $.latency > 2 && $.latency < 5 }"
    ));
    assert!(covered("{ $.latency = * }", "{ $.latency < 5 }"));
    assert!(covered("{ $.code = 404 }", r#"{ $.code = "404" }"#));
    assert!(!covered("{ $.latency > 500 }", "{ $.latency >= 500 }"));
    assert!(!covered(r#"{ $.code = "404" }"#, "{ $.code = 404 }"));
    assert!(!covered("{ $.latency > 5 }", "{ $.latency != 3 }"));
}

#[test]
fn contradictory_cases_need_no_cover() {
    let nothing = r#"{ $.zzz = "never" }"#;
    for required in [
        r#"{ $.a = "x" && $.a = "y" }"#,
        r#"{ $.a = "x*" && $.a = "y*" }"#,
        r#"{ $.a = "x" && $.a != "x*" }"#,
        "{ $.a NOT EXISTS && $.a = * }",
        "{ $.a IS NULL && $.a IS TRUE }",
        "{ $.n > 5 && $.n < 3 }",
        "{ $.n = 5 && $.n != 5 }",
        "{ $.n > 5 && $.n <= 5 }",
        r#"{ $.n = "abc" && $.n > 1 }"#,
        r#"{ $.a != * }"#,
    ] {
        assert!(covered(nothing, required), "{required}");
    }
    // Only the satisfiable case needs a cover.
    assert!(covered(
        r#"{ $.b = 1 }"#,
        r#"{ ($.a = "x" && $.a = "y") || $.b = 1 }"#
    ));
    assert!(!covered(nothing, r#"{ $.a = "x" && $.a = "x*" }"#));
    assert!(!covered(nothing, "{ $.n >= 5 && $.n <= 5 }"));
}

#[test]
fn a_filter_that_matches_nothing_covers_nothing() {
    let Coverage::NotCovered(gap) = coverage(r#"{ $.a = "x" && $.a = "y" }"#, "{ $.b = 1 }") else {
        panic!("covered");
    };
    assert_eq!(gap.nearest, None);
    assert!(gap.to_string().starts_with("the filter matches no event"));
}

#[test]
fn too_many_cases_is_not_decided() {
    let factors: Vec<String> = (0..13)
        .map(|i| format!("($.a{i} = 1 || $.b{i} = 2)"))
        .collect();
    let huge = format!("{{ {} }}", factors.join(" && "));
    assert_eq!(
        coverage(&huge, MFA),
        Coverage::NotDecided(NotDecided::TooManyCases {
            side: Side::Filter,
            limit: crate::MAX_CASES
        })
    );
    assert!(matches!(
        coverage(MFA, &huge),
        Coverage::NotDecided(NotDecided::TooManyCases {
            side: Side::Required,
            ..
        })
    ));
}
