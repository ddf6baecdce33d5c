//! Does an account's filter match every event the benchmark's pattern matches?
//!
//! Both patterns are expanded into cases ([`crate::dnf`]). The filter covers the
//! required pattern when every satisfiable required case *implies* some filter case, and
//! a case implies another when it implies each of that case's conditions. Implication is
//! decided per field, from rules that hold for every event (see [`covers`]), so a
//! "covered" answer is sound; a filter that covers only through several of its cases at
//! once (`$.a = "x*" || $.a != "x*"` for `$.a = *`) is reported as not covered.

use std::fmt;

use crate::ast::{parse_number, Condition, Pattern, Test, TextPattern};
use crate::dnf::{Case, TooManyCases};

mod bounds;
mod text;

use bounds::NumericBounds;
use text::{disjoint, subset};

/// The answer of [`covers`].
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// Every event the required pattern matches, the filter matches too.
    Covered,
    /// An event the required pattern matches may escape the filter; the gap says which
    /// case and which of the filter's conditions exclude it.
    NotCovered(Gap),
    /// The question was too large to decide.
    NotDecided(NotDecided),
}

impl Coverage {
    /// Whether the answer is [`Coverage::Covered`].
    pub fn is_covered(&self) -> bool {
        matches!(self, Coverage::Covered)
    }
}

/// A case of the required pattern that the filter is not known to match.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The required pattern's case (its conditions, all of which hold) that no filter
    /// case includes.
    pub case: Case,
    /// The filter case that comes closest (fewest conditions the required case does not
    /// imply), or `None` when no filter case can match any event.
    pub nearest: Option<Case>,
    /// The conditions of `nearest` that the required case does not imply: the clauses
    /// by which the filter narrows the benchmark's case, such as an extra
    /// `$.userIdentity.type = "IAMUser"` or a changed `$.eventName = "CreateTrial"`.
    pub narrowing: Vec<Condition>,
}

/// Why [`covers`] gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotDecided {
    /// One of the patterns expands to more than [`crate::MAX_CASES`] cases.
    TooManyCases {
        /// Which pattern.
        side: Side,
        /// The limit.
        limit: usize,
    },
}

/// One of the two patterns given to [`covers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The account's filter.
    Filter,
    /// The benchmark's pattern.
    Required,
}

/// Whether `filter` matches every event that `required` matches.
///
/// Sound: when the answer is [`Coverage::Covered`], no event matched by `required`
/// escapes `filter` under this crate's matching semantics ([`Pattern::matches`]).
/// Complete for the differences that do not change meaning: clause order, whitespace,
/// quoting (`"x"` and `x`), redundant parentheses, regrouping, and extra `||` branches
/// in the filter. Beyond that, a required case implies a filter condition on the same
/// field when:
///
/// - it is the same condition;
/// - `= p` implies `= q` when every string `p` matches, `q` matches
///   (`= "AccessDenied"` implies `= "Access*"`, `= "AccessDeniedX*"` implies
///   `= "AccessDenied*"`, anything implies `= *`);
/// - `= p` implies `!= q` when no string matches both (`= "ConsoleLogin"` implies
///   `!= "HeadBucket"`);
/// - `!= p` implies `!= q` when `p` matches every string `q` matches, and implies `= *`;
/// - numeric conditions (and `= "5"`) bound the field's value to an interval, which
///   implies `< n`, `>= n`, `= n`, `!= n` when the interval lies inside them;
/// - every numeric condition implies `= *`.
///
/// A required case whose conditions contradict (`$.a = "x" && $.a = "y"`,
/// `$.a NOT EXISTS && $.a = *`, `$.n > 5 && $.n < 3`) matches no event and needs no
/// cover. Where a wildcard stands between two literal characters (`"Ev*ent"`), whose
/// reading AWS's guide has changed, only an identical pattern or `*` is implied, so the
/// answer holds under either reading.
///
/// Patterns that expand to more than [`crate::MAX_CASES`] cases give
/// [`Coverage::NotDecided`].
pub fn covers(filter: &Pattern, required: &Pattern) -> Coverage {
    let required_cases = match required.cases() {
        Ok(cases) => cases,
        Err(TooManyCases { limit }) => return not_decided(Side::Required, limit),
    };
    let filter_cases: Vec<Case> = match filter.cases() {
        // A filter case that matches nothing can cover nothing.
        Ok(cases) => cases.into_iter().filter(|case| satisfiable(case)).collect(),
        Err(TooManyCases { limit }) => return not_decided(Side::Filter, limit),
    };
    for case in required_cases {
        if !satisfiable(&case) {
            continue;
        }
        let mut nearest: Option<(&Case, Vec<Condition>)> = None;
        let mut covered = false;
        for filter_case in &filter_cases {
            let missing: Vec<Condition> = filter_case
                .iter()
                .filter(|condition| !implies(&case, condition))
                .cloned()
                .collect();
            if missing.is_empty() {
                covered = true;
                break;
            }
            if nearest
                .as_ref()
                .is_none_or(|(_, fewest)| missing.len() < fewest.len())
            {
                nearest = Some((filter_case, missing));
            }
        }
        if covered {
            continue;
        }
        let (nearest, narrowing) = match nearest {
            Some((filter_case, missing)) => (Some(filter_case.clone()), missing),
            None => (None, Vec::new()),
        };
        return Coverage::NotCovered(Gap {
            case,
            nearest,
            narrowing,
        });
    }
    Coverage::Covered
}

fn not_decided(side: Side, limit: usize) -> Coverage {
    Coverage::NotDecided(NotDecided::TooManyCases { side, limit })
}

/// Whether every event satisfying all of `case` satisfies `target`.
fn implies(case: &[Condition], target: &Condition) -> bool {
    let tests: Vec<&Test> = same_field(case, target).collect();
    tests.iter().any(|test| test_implies(test, &target.test))
        || NumericBounds::of(&tests).is_some_and(|bounds| bounds.imply(&target.test))
}

/// Whether some event can satisfy all of `case`. Only contradictions between
/// conditions on the same field are found, which is enough to be sound: a case wrongly
/// thought satisfiable only asks for a cover it does not need.
fn satisfiable(case: &[Condition]) -> bool {
    case.iter().enumerate().all(|(index, condition)| {
        let tests: Vec<&Test> = same_field(case, condition).collect();
        let alone = !is_never_true(&condition.test);
        let pairs = case[index + 1..]
            .iter()
            .filter(|other| other.selector == condition.selector)
            .all(|other| !conflict(&condition.test, &other.test));
        let bounds = NumericBounds::of(&tests).is_none_or(|bounds| !bounds.is_empty());
        alone && pairs && bounds
    })
}

fn same_field<'a>(case: &'a [Condition], target: &'a Condition) -> impl Iterator<Item = &'a Test> {
    case.iter()
        .filter(move |condition| condition.selector == target.selector)
        .map(|condition| &condition.test)
}

/// A text test as (`!=`, pattern).
fn text(test: &Test) -> Option<(bool, &TextPattern)> {
    match test {
        Test::Text { negated, pattern } => Some((*negated, pattern)),
        _ => None,
    }
}

fn is_numeric(test: &Test) -> bool {
    matches!(test, Test::Number { .. })
}

fn test_implies(known: &Test, target: &Test) -> bool {
    if known == target {
        return true;
    }
    match (text(known), text(target)) {
        (Some((false, p)), Some((false, q))) => subset(p, q),
        (Some((false, p)), Some((true, q))) => disjoint(p, q),
        (Some((true, p)), Some((true, q))) => subset(q, p),
        (Some((true, _)), Some((false, q))) => q.is_match_all(),
        // A numeric condition needs a number or numeric string, whose text `*` matches.
        (None, Some((false, q))) if is_numeric(known) => q.is_match_all(),
        _ => false,
    }
}

/// What kind of field a test requires; tests needing different kinds contradict.
#[derive(PartialEq)]
enum FieldKind {
    Absent,
    Null,
    True,
    False,
    /// A string or number: every comparison needs one.
    StringOrNumber,
}

fn field_kind(test: &Test) -> FieldKind {
    match test {
        Test::NotExists => FieldKind::Absent,
        Test::IsNull => FieldKind::Null,
        Test::IsTrue => FieldKind::True,
        Test::IsFalse => FieldKind::False,
        Test::Text { .. } | Test::Number { .. } => FieldKind::StringOrNumber,
    }
}

fn is_never_true(test: &Test) -> bool {
    matches!(text(test), Some((true, pattern)) if pattern.is_match_all())
}

fn conflict(first: &Test, second: &Test) -> bool {
    if field_kind(first) != field_kind(second) {
        return true;
    }
    let conflict_one_way = |a: &Test, b: &Test| match (text(a), text(b)) {
        (Some((false, p)), Some((false, q))) => disjoint(p, q),
        (Some((false, p)), Some((true, q))) => subset(p, q),
        // Text that is not a number belongs to a string, which numeric tests skip.
        (Some((false, p)), None) if is_numeric(b) => p
            .literal()
            .is_some_and(|literal| parse_number(literal).is_none()),
        _ => false,
    };
    conflict_one_way(first, second) || conflict_one_way(second, first)
}

fn joined(conditions: &[Condition], separator: &str) -> String {
    conditions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

impl fmt::Display for Gap {
    /// One sentence for a control's evidence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let case = joined(&self.case, " && ");
        match &self.nearest {
            Some(_) => write!(
                f,
                "the filter narrows the benchmark's case `{case}` with `{}`",
                joined(&self.narrowing, "`, `")
            ),
            None => write!(
                f,
                "the filter matches no event, so it misses the benchmark's case `{case}`"
            ),
        }
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coverage::Covered => f.write_str("the filter covers the benchmark's pattern"),
            Coverage::NotCovered(gap) => write!(f, "{gap}"),
            Coverage::NotDecided(NotDecided::TooManyCases { side, limit }) => {
                let which = match side {
                    Side::Filter => "the filter",
                    Side::Required => "the benchmark's pattern",
                };
                write!(f, "not decided: {which} expands to more than {limit} cases")
            }
        }
    }
}

#[cfg(test)]
mod tests;
