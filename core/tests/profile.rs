//! Profile parsing rules that the shipped catalogue (one control) cannot exercise: a test
//! catalogue with controls numbered 1.1 and 1.10, and exceptions that overlap.

use cisrun_core::catalogue::Catalogue;
use cisrun_core::control::Automated;
use cisrun_core::testing::{self, TestControl};
use cisrun_core::Profile;

static ONE: Automated<TestControl> = testing::control("test-one", "One");
static TEN: Automated<TestControl> = testing::control("test-ten", "Ten");

const TABLE: &str = "number\tlevel\tassessment\tsection\tcontrol_id\ttitle\n\
                     1.1\t1\tautomated\t1\ttest-one\tOne\n\
                     1.10\t2\tautomated\t1\ttest-ten\tTen\n\
                     1.11\t1\tmanual\t1\ttest-missing\tNot implemented\n";

fn catalogue() -> Catalogue {
    Catalogue::new(
        vec![testing::benchmark("test-bench", &[("v1", TABLE)])],
        vec![&ONE, &TEN],
        vec![&testing::PLATFORM],
    )
    .expect("test catalogue")
}

const HEAD: &str = "benchmark: test-bench\nversion: v1\nlevel: 2\n";

fn parse(yaml: &str) -> Result<Profile, cisrun_core::profile::ProfileError> {
    Profile::parse("p.yaml", yaml, &catalogue())
}

#[test]
fn quoted_numbers_resolve_exactly() {
    let profile = parse(&format!(
        "{HEAD}controls:\n  include: [\"1.1\", \"1.10\"]\n"
    ))
    .expect("valid profile");
    let ids: Vec<String> = profile
        .selected(&catalogue())
        .into_iter()
        .map(|r| r.control_id)
        .collect();
    assert_eq!(ids, ["test-one", "test-ten"]);
}

#[test]
fn a_level_selects_not_implemented_recommendations_too() {
    let profile = parse(HEAD).expect("valid profile");
    let numbers: Vec<String> = profile
        .selected(&catalogue())
        .into_iter()
        .map(|r| r.number)
        .collect();
    assert_eq!(numbers, ["1.1", "1.10", "1.11"]);
    let profile = parse(&format!("{HEAD}controls:\n  include: [test-missing]\n"))
        .expect("a not-implemented recommendation can be named");
    assert_eq!(profile.selected(&catalogue()).len(), 1);
}

#[test]
fn parameters_for_a_control_that_is_not_compiled_in_are_refused() {
    let error = parse(&format!("{HEAD}parameters:\n  test-missing: {{a: 1}}\n"))
        .expect_err("not implemented");
    assert!(error.message.contains("not implemented"), "{error}");
}

#[test]
fn an_unquoted_number_that_could_mean_two_controls_is_refused() {
    // YAML reads both `1.1` and `1.10` as 1.1: refuse to guess.
    for written in ["1.1", "1.10"] {
        let error = parse(&format!("{HEAD}controls:\n  include: [{written}]\n"))
            .expect_err("ambiguous unquoted number");
        assert_eq!(error.location, Some((5, 13)), "{error}");
        assert!(error.message.contains("is ambiguous"), "{error}");
        assert!(error.message.contains("quote it"), "{error}");
    }
}

#[test]
fn error_display_is_file_line_column_message() {
    let error = parse(&format!("{HEAD}colour: red\n")).expect_err("unknown key");
    assert_eq!(error.file, "p.yaml");
    assert_eq!(error.location, Some((4, 1)));
    assert!(
        error
            .to_string()
            .starts_with("p.yaml:4:1: unknown field `colour`"),
        "{error}"
    );
}

#[test]
fn a_valid_exception_wins_over_an_expired_one_and_specific_over_general() {
    let profile = parse(&format!(
        "{HEAD}exceptions:\n\
         \x20 - {{control: test-one, reason: expired, expires: 2020-01-01}}\n\
         \x20 - {{control: \"1.1\", reason: general}}\n\
         \x20 - {{control: test-one, account: \"111111111111\", reason: specific}}\n\
         \x20 - {{control: test-ten, reason: old, expires: 2020-01-01}}\n\
         \x20 - {{control: test-ten, reason: older, expires: 2019-01-01}}\n"
    ))
    .expect("valid profile");
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let reason = |control: &str, account: &str| {
        profile
            .exception_on(control, account, today)
            .map(|e| e.reason.0.clone())
    };
    assert_eq!(
        reason("test-one", "111111111111").as_deref(),
        Some("specific")
    );
    assert_eq!(
        reason("test-one", "222222222222").as_deref(),
        Some("general")
    );
    // Only expired ones: the one that lapsed last, so the report can say so.
    let ten = profile
        .exception_on("test-ten", "222222222222", today)
        .expect("an expired exception");
    assert_eq!(ten.reason.0, "old");
    assert!(ten.expired(today));
    assert!(profile
        .exception_on("nope", "222222222222", today)
        .is_none());
}

#[test]
fn an_exception_holds_through_its_expiry_day() {
    let profile = parse(&format!(
        "{HEAD}exceptions:\n  - {{control: test-one, reason: r, expires: 2025-06-01}}\n"
    ))
    .expect("valid profile");
    let exception = &profile.exceptions[0];
    let day = |d| chrono::NaiveDate::from_ymd_opt(2025, 6, d).expect("date");
    assert!(!exception.expired(day(1)));
    assert!(exception.expired(day(2)));
}
