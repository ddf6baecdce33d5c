//! Property tests: the parser never panics and reads back its own output; expansion
//! into cases keeps the meaning; `covers` is sound on CloudTrail-shaped events and
//! complete on the differences that do not change a pattern's meaning.

mod support;

use std::sync::OnceLock;

use cisrun_filter_pattern::cis::PATTERNS;
use cisrun_filter_pattern::{covers, parse, Coverage, Expr, Pattern, Test};
use proptest::prelude::*;
use serde_json::Value as Json;
use support::{event, instances, render, witness, Leaf, LeafTest, Style, Tree, CLOUDTRAIL_FIELDS};

/// The distinct patterns the benchmark requires (corrections where there are some).
fn benchmark_patterns() -> &'static [Pattern] {
    static PATTERNS_PARSED: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS_PARSED.get_or_init(|| {
        let mut parsed: Vec<Pattern> = Vec::new();
        for entry in PATTERNS {
            let pattern = parse(entry.effective()).unwrap_or_else(|error| panic!("{error}"));
            if !parsed.contains(&pattern) {
                parsed.push(pattern);
            }
        }
        parsed
    })
}

/// Every string the benchmark's patterns mention, as matching instances, and some
/// near misses.
fn benchmark_strings() -> Vec<String> {
    let mut strings = Vec::new();
    for pattern in benchmark_patterns() {
        collect_texts(pattern.expr(), &mut strings);
    }
    let mut instances: Vec<String> = strings.iter().flat_map(|text| instances(text)).collect();
    instances.extend(
        [
            "AccessDenied",
            "Client.UnauthorizedOperation",
            "No",
            "Yes",
            "Failure",
            "AssumedRole",
        ]
        .map(str::to_owned),
    );
    instances.sort();
    instances.dedup();
    instances
}

fn collect_texts(expr: &Expr, into: &mut Vec<String>) {
    match expr {
        Expr::Or(operands) | Expr::And(operands) => operands
            .iter()
            .for_each(|operand| collect_texts(operand, into)),
        Expr::Condition(condition) => {
            if let Test::Text { pattern, .. } = &condition.test {
                into.push(pattern.text());
            }
        }
    }
}

fn cloudtrail_event() -> impl Strategy<Value = Json> {
    event(CLOUDTRAIL_FIELDS, benchmark_strings())
}

/// A condition on a CloudTrail field, with values from the benchmark's strings.
fn cloudtrail_leaf() -> impl Strategy<Value = Leaf> {
    let field = proptest::sample::select(CLOUDTRAIL_FIELDS.to_vec());
    let text = proptest::sample::select(benchmark_strings());
    let test = prop_oneof![
        6 => (any::<bool>(), text.clone()).prop_map(|(negated, text)| LeafTest::Text { negated, text }),
        2 => (text, 0..4u8).prop_map(|(text, kind)| LeafTest::Text { negated: false, text: broaden(&text, kind) }),
        1 => Just(LeafTest::NotExists),
        1 => Just(LeafTest::IsNull),
        1 => (proptest::sample::select(vec!["=", "!=", "<", ">", "<=", ">="]), -5.0f64..5.0)
            .prop_map(|(operator, value)| LeafTest::Number { operator, value: value.round() }),
    ];
    (field, test).prop_map(|(field, test)| Leaf {
        field: field.to_owned(),
        test,
    })
}

/// A wildcard form of `text` that matches `text`: a prefix, a suffix, an infix, or `*`.
fn broaden(text: &str, kind: u8) -> String {
    let cut = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(at, _)| at);
    match kind {
        0 => format!("{}*", &text[..cut]),
        1 => format!("*{}", &text[cut..]),
        2 => format!("*{}*", &text[cut..]),
        _ => "*".to_owned(),
    }
}

/// A change to a pattern tree: some keep its meaning, some widen it, some narrow it.
#[derive(Debug, Clone)]
enum Mutation {
    Shuffle(u64),
    AddBranch(Leaf),
    AddClause(Leaf),
    DropOperand(usize, usize),
    ReplaceLeaf(usize, Leaf),
    BroadenLeaf(usize, u8),
    NegateLeaf(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<u64>().prop_map(Mutation::Shuffle),
        cloudtrail_leaf().prop_map(Mutation::AddBranch),
        cloudtrail_leaf().prop_map(Mutation::AddClause),
        (any::<usize>(), any::<usize>()).prop_map(|(at, which)| Mutation::DropOperand(at, which)),
        (any::<usize>(), cloudtrail_leaf()).prop_map(|(at, leaf)| Mutation::ReplaceLeaf(at, leaf)),
        (any::<usize>(), 0..4u8).prop_map(|(at, kind)| Mutation::BroadenLeaf(at, kind)),
        any::<usize>().prop_map(Mutation::NegateLeaf),
    ]
}

fn apply(tree: &mut Tree, mutation: &Mutation) {
    match mutation {
        Mutation::Shuffle(seed) => tree.shuffle(&mut seed.clone()),
        Mutation::AddBranch(leaf) => *tree = Tree::Or(vec![tree.clone(), Tree::Leaf(leaf.clone())]),
        Mutation::AddClause(leaf) => {
            *tree = Tree::And(vec![tree.clone(), Tree::Leaf(leaf.clone())])
        }
        Mutation::DropOperand(at, which) => tree.drop_operand(*at, *which),
        Mutation::ReplaceLeaf(at, replacement) => {
            tree.change_leaf(*at, &mut |leaf| *leaf = replacement.clone())
        }
        Mutation::BroadenLeaf(at, kind) => tree.change_leaf(*at, &mut |leaf| {
            if let LeafTest::Text { text, .. } = &mut leaf.test {
                *text = broaden(text, *kind);
            }
        }),
        Mutation::NegateLeaf(at) => tree.change_leaf(*at, &mut |leaf| {
            if let LeafTest::Text { negated, .. } = &mut leaf.test {
                *negated = !*negated;
            }
        }),
    }
}

fn reparse(tree: &Tree, style: &Style) -> Pattern {
    let text = render(tree, style);
    parse(&text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

/// Events to test `required` ⇒ `filter` on: random ones and, for each of the required
/// pattern's cases, random ones rewritten to satisfy it.
fn events_for(required: &Pattern, random: &[Json]) -> Vec<Json> {
    let mut events = random.to_vec();
    if let Ok(cases) = required.cases() {
        for (index, case) in cases.iter().enumerate() {
            let base = &random[index % random.len()];
            events.push(witness(base, case, ""));
            events.push(witness(base, case, "Zq"));
        }
    }
    events
}

fn assert_sound(
    filter: &Pattern,
    required: &Pattern,
    events: &[Json],
) -> Result<(), TestCaseError> {
    if covers(filter, required).is_covered() {
        for event in events {
            prop_assert!(
                !required.matches(event) || filter.matches(event),
                "covers({filter}, {required}) said yes, but {event} escapes the filter"
            );
        }
    }
    Ok(())
}

/// Conditions over a small domain, so that random pairs often cover each other.
fn small_leaf() -> impl Strategy<Value = Leaf> {
    let field = proptest::sample::select(vec!["a", "b", "c.d", "e[0]"]);
    let text = proptest::sample::select(vec![
        "x", "xy", "y", "ab", "abc", "b", "5", "10", "", "x*", "*y", "*b*", "a*", "*", "a*c",
        "ab*c",
    ]);
    let test = prop_oneof![
        6 => (any::<bool>(), text).prop_map(|(negated, text)| LeafTest::Text { negated, text: text.to_owned() }),
        3 => (proptest::sample::select(vec!["=", "!=", "<", ">", "<=", ">="]), proptest::sample::select(vec![-1.0, 0.0, 2.5, 5.0, 10.0]))
            .prop_map(|(operator, value)| LeafTest::Number { operator, value }),
        1 => Just(LeafTest::NotExists),
        1 => Just(LeafTest::IsNull),
        1 => Just(LeafTest::IsTrue),
        1 => Just(LeafTest::IsFalse),
    ];
    (field, test).prop_map(|(field, test)| Leaf {
        field: field.to_owned(),
        test,
    })
}

fn small_tree() -> impl Strategy<Value = Tree> {
    small_leaf()
        .prop_map(Tree::Leaf)
        .prop_recursive(3, 10, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..4).prop_map(Tree::Or),
                proptest::collection::vec(inner, 2..4).prop_map(Tree::And),
            ]
        })
}

fn small_event() -> impl Strategy<Value = Json> {
    let strings: Vec<String> = [
        "x", "xy", "xZqy", "y", "ab", "abc", "aZqc", "a*c", "b", "5", "10", "2.5", "", "zz",
    ]
    .map(str::to_owned)
    .to_vec();
    proptest::collection::vec(support::field_value(strings), 4).prop_map(|values| {
        let mut event = Json::Object(Default::default());
        for (field, value) in ["a", "b", "c.d", "e"].iter().zip(values) {
            match (field, value) {
                (_, None) => {}
                (&"e", Some(value)) => support::set(
                    &mut event,
                    &support::path("e"),
                    Some(Json::Array(vec![value])),
                ),
                (field, Some(value)) => {
                    support::set(&mut event, &support::path(field), Some(value))
                }
            }
        }
        event
    })
}

fn style() -> impl Strategy<Value = Style> {
    proptest::collection::vec(any::<u8>(), 1..32).prop_map(Style::new)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_pattern_like_text(
        text in r#"\{[ {}()$.a-z0-9_\[\]=!<>&|"*\\%“”'@-]{0,80}\}?"#,
    ) {
        if let Ok(pattern) = parse(&text) {
            prop_assert_eq!(parse(&pattern.to_string()), Ok(pattern));
        }
    }

    #[test]
    fn rendering_choices_do_not_change_the_pattern(tree in small_tree(), first in style(), second in style()) {
        let canonical = reparse(&tree, &Style::plain());
        prop_assert_eq!(&reparse(&tree, &first), &canonical);
        prop_assert_eq!(&reparse(&tree, &second), &canonical);
        prop_assert_eq!(parse(&canonical.to_string()), Ok(canonical.clone()));
    }

    #[test]
    fn cases_keep_the_meaning(tree in small_tree(), events in proptest::collection::vec(small_event(), 1..12)) {
        let pattern = reparse(&tree, &Style::plain());
        let cases = pattern.cases().unwrap_or_default();
        prop_assume!(!cases.is_empty());
        for event in &events {
            let by_cases = cases.iter().any(|case| case.iter().all(|condition| condition.matches(event)));
            prop_assert_eq!(pattern.matches(event), by_cases, "{} on {}", pattern, event);
        }
    }

    #[test]
    fn covers_is_sound_on_small_patterns(
        filter in small_tree(),
        required in small_tree(),
        random in proptest::collection::vec(small_event(), 4..16),
    ) {
        let filter = reparse(&filter, &Style::plain());
        let required = reparse(&required, &Style::plain());
        let events = events_for(&required, &random);
        assert_sound(&filter, &required, &events)?;
        let events = events_for(&filter, &random);
        assert_sound(&required, &filter, &events)?;
    }

    #[test]
    fn covers_is_sound_on_mutated_benchmark_patterns(
        base in 0..64usize,
        mutations in proptest::collection::vec(mutation(), 1..5),
        rendering in style(),
        random in proptest::collection::vec(cloudtrail_event(), 4..12),
    ) {
        let base = &benchmark_patterns()[base % benchmark_patterns().len()];
        let mut tree = Tree::of(base.expr());
        for mutation in &mutations {
            apply(&mut tree, mutation);
        }
        let mutated = reparse(&tree, &rendering);
        assert_sound(&mutated, base, &events_for(base, &random))?;
        assert_sound(base, &mutated, &events_for(&mutated, &random))?;
    }

    #[test]
    fn reordering_requoting_and_extra_branches_cover(
        base in 0..64usize,
        seed in any::<u64>(),
        rendering in style(),
        branches in proptest::collection::vec(cloudtrail_leaf(), 0..3),
    ) {
        let base = &benchmark_patterns()[base % benchmark_patterns().len()];
        let mut tree = Tree::of(base.expr());
        tree.shuffle(&mut seed.clone());
        let same = reparse(&tree, &rendering);
        prop_assert_eq!(covers(&same, base), Coverage::Covered);
        prop_assert_eq!(covers(base, &same), Coverage::Covered);
        let mut widened = vec![tree];
        widened.extend(branches.into_iter().map(Tree::Leaf));
        let widened = reparse(&Tree::Or(widened), &rendering);
        prop_assert_eq!(covers(&widened, base), Coverage::Covered, "{}", widened);
    }

    #[test]
    fn a_narrowing_clause_on_another_field_is_named(
        base in 0..64usize,
        extra in cloudtrail_leaf(),
        rendering in style(),
    ) {
        let base = &benchmark_patterns()[base % benchmark_patterns().len()];
        let tree = Tree::of(base.expr());
        let mut fields = Vec::new();
        tree.fields(&mut fields);
        prop_assume!(!fields.contains(&extra.field));
        prop_assume!(!matches!(&extra.test, LeafTest::Text { negated: true, text } if text.chars().all(|c| c == '*')));
        let narrowed = reparse(&Tree::And(vec![tree, Tree::Leaf(extra.clone())]), &rendering);
        let clause = reparse(&Tree::Leaf(extra), &Style::plain());
        let Expr::Condition(clause) = clause.expr() else {
            return Err(TestCaseError::fail("a leaf did not parse to a condition"));
        };
        match covers(&narrowed, base) {
            Coverage::NotCovered(gap) => prop_assert_eq!(&gap.narrowing, &vec![clause.clone()], "{}", gap),
            other => return Err(TestCaseError::fail(format!("{narrowed} vs {base}: {other:?}"))),
        }
    }
}

/// Conditions on one field `a`, so that every pair meets in the per-field rules.
fn one_field_conditions() -> impl Strategy<Value = Tree> {
    proptest::collection::vec(small_leaf(), 1..3).prop_map(|leaves| {
        Tree::And(
            leaves
                .into_iter()
                .map(|mut leaf| {
                    leaf.field = "a".to_owned();
                    Tree::Leaf(leaf)
                })
                .collect(),
        )
    })
}

fn one_field_events() -> impl Strategy<Value = Vec<Json>> {
    let strings: Vec<String> = [
        "x", "xy", "xZqy", "xyz", "zxy", "y", "ab", "abz", "abc", "aZqc", "a*c", "ab*c", "b", "zb",
        "5", "10", "2.5", "-1", "", "zz",
    ]
    .map(str::to_owned)
    .to_vec();
    proptest::collection::vec(support::field_value(strings), 8..16).prop_map(|values| {
        values
            .into_iter()
            .map(|value| {
                let mut event = Json::Object(Default::default());
                support::set(&mut event, &support::path("a"), value);
                event
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// Every per-field rule (wildcard inclusion and disjointness, exclusions, numeric
    /// bounds, kinds of value) meets every other here.
    #[test]
    fn covers_is_sound_on_conditions_of_one_field(
        filter in one_field_conditions(),
        required in one_field_conditions(),
        random in one_field_events(),
    ) {
        let filter = reparse(&filter, &Style::plain());
        let required = reparse(&required, &Style::plain());
        assert_sound(&filter, &required, &events_for(&required, &random))?;
        assert_sound(&required, &filter, &events_for(&filter, &random))?;
    }
}

/// Every condition on one field over a small domain of texts and numbers.
fn every_condition_on_one_field() -> Vec<String> {
    let texts = [
        "x", "xy", "y", "ab", "abc", "b", "5", "10", "", "x*", "xy*", "*y", "*xy", "*b", "*b*",
        "*ab*", "a*", "ab*", "b*", "*", "a*c", "ab*c",
    ];
    let mut conditions = Vec::new();
    for text in texts {
        conditions.push(format!("$.a = \"{text}\""));
        conditions.push(format!("$.a != \"{text}\""));
    }
    for operator in ["=", "!=", "<", ">", "<=", ">="] {
        for number in ["-1", "0", "2.5", "5", "10"] {
            conditions.push(format!("$.a {operator} {number}"));
        }
    }
    for keyword in ["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"] {
        conditions.push(format!("$.a {keyword}"));
    }
    conditions
}

fn every_value_of_one_field() -> Vec<Json> {
    let mut values: Vec<Option<Json>> = [
        "x", "xy", "xZqy", "xyz", "zxy", "y", "ab", "abz", "abc", "aZqc", "a*c", "ab*c", "b", "zb",
        "zbz", "5", "05", "1e1", "10", "2.5", "-1", "0", "", "zz", "*",
    ]
    .iter()
    .map(|text| Some(Json::String(text.to_string())))
    .collect();
    values.extend(
        [-3.0, -1.0, 0.0, 1.0, 2.5, 3.0, 5.0, 7.0, 10.0, 11.0]
            .iter()
            .map(|number| Some(serde_json::json!(number))),
    );
    values.extend([
        Some(serde_json::json!(5)),
        Some(Json::Null),
        Some(Json::Bool(true)),
        Some(Json::Bool(false)),
        Some(serde_json::json!(["x"])),
        Some(serde_json::json!({"k": "x"})),
        None,
    ]);
    values
        .into_iter()
        .map(|value| {
            let mut event = Json::Object(Default::default());
            support::set(&mut event, &support::path("a"), value);
            event
        })
        .collect()
}

/// Exhaustive over one field: a filter condition against every required condition and
/// every conjunction of two, checked on every value the domain holds.
#[test]
fn covers_is_sound_on_every_pair_of_conditions_of_one_field() {
    let conditions = every_condition_on_one_field();
    let events = every_value_of_one_field();
    let filters: Vec<Pattern> = conditions
        .iter()
        .map(|condition| parse(&format!("{{ {condition} }}")).unwrap())
        .collect();
    let mut checked = 0;
    for first in &conditions {
        for second in &conditions {
            let required = parse(&format!("{{ {first} && {second} }}")).unwrap();
            let matched: Vec<&Json> = events
                .iter()
                .filter(|event| required.matches(event))
                .collect();
            for filter in &filters {
                if covers(filter, &required).is_covered() {
                    checked += 1;
                    for event in &matched {
                        assert!(
                            filter.matches(event),
                            "covers({filter}, {required}) said yes, but {event} escapes the filter"
                        );
                    }
                }
            }
        }
    }
    // The domain is rich enough for the rules to be exercised often.
    assert!(checked > 50_000, "only {checked} covered pairs");
}
