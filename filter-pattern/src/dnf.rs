//! A pattern as a disjunction of cases (disjunctive normal form): it matches an event
//! exactly when one of its cases does, and a case is a conjunction of conditions.

use std::collections::HashSet;

use thiserror::Error;

use crate::ast::{Condition, Expr, Pattern};

/// The most cases a pattern may expand to. `&&` over `||` multiplies cases
/// (`(a || b) && (c || d)` has four), so expansion stops here instead of exhausting
/// memory; the largest CIS pattern has 18 cases.
pub const MAX_CASES: usize = 4096;

/// One way for a pattern to match: every condition holds. Conditions are in the order
/// the pattern gives them, without repeats.
pub type Case = Vec<Condition>;

/// The pattern's disjunctive normal form would exceed [`MAX_CASES`] cases.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the pattern expands to more than {limit} cases (`&&` over `||` multiplies them)")]
pub struct TooManyCases {
    /// The limit that was passed.
    pub limit: usize,
}

impl Pattern {
    /// The pattern's cases: it matches an event exactly when one of them does.
    ///
    /// ```
    /// let pattern = cisrun_filter_pattern::parse("{ $.a = 1 && ($.b = 2 || $.c = 3) }")?;
    /// let cases: Vec<String> = pattern
    ///     .cases()?
    ///     .iter()
    ///     .map(|case| case.iter().map(ToString::to_string).collect::<Vec<_>>().join(" && "))
    ///     .collect();
    /// assert_eq!(cases, ["$.a = 1 && $.b = 2", "$.a = 1 && $.c = 3"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cases(&self) -> Result<Vec<Case>, TooManyCases> {
        expand(&self.expr, MAX_CASES)
    }
}

pub(crate) fn expand(expr: &Expr, limit: usize) -> Result<Vec<Case>, TooManyCases> {
    let cases = match expr {
        Expr::Condition(condition) => vec![vec![condition.clone()]],
        Expr::Or(operands) => {
            let mut cases = Vec::new();
            for operand in operands {
                cases.extend(expand(operand, limit)?);
                if cases.len() > limit {
                    return Err(TooManyCases { limit });
                }
            }
            cases
        }
        Expr::And(operands) => {
            let mut cases: Vec<Case> = vec![Vec::new()];
            for operand in operands {
                let right = expand(operand, limit)?;
                let product = cases.len().checked_mul(right.len());
                if product.is_none_or(|product| product > limit) {
                    return Err(TooManyCases { limit });
                }
                let mut next = Vec::with_capacity(cases.len() * right.len());
                for left in &cases {
                    for extra in &right {
                        let mut case = left.clone();
                        for condition in extra {
                            if !case.contains(condition) {
                                case.push(condition.clone());
                            }
                        }
                        next.push(case);
                    }
                }
                cases = next;
            }
            cases
        }
    };
    Ok(without_repeats(cases))
}

/// Drops cases that hold the same conditions as an earlier one, in any order.
fn without_repeats(cases: Vec<Case>) -> Vec<Case> {
    let mut seen = HashSet::new();
    cases
        .into_iter()
        .filter(|case| {
            let mut key: Vec<String> = case.iter().map(ToString::to_string).collect();
            key.sort();
            seen.insert(key)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn case_texts(source: &str) -> Vec<String> {
        parse(source)
            .unwrap()
            .cases()
            .unwrap()
            .iter()
            .map(|case| {
                case.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" && ")
            })
            .collect()
    }

    #[test]
    fn distributes_and_over_or() {
        assert_eq!(
            case_texts("{ ($.a = 1 || $.b = 2) && ($.c = 3 || $.d = 4) }"),
            [
                "$.a = 1 && $.c = 3",
                "$.a = 1 && $.d = 4",
                "$.b = 2 && $.c = 3",
                "$.b = 2 && $.d = 4"
            ]
        );
    }

    #[test]
    fn repeats_are_dropped() {
        assert_eq!(
            case_texts("{ ($.a = 1 && $.a = 1) || ($.b = 2 && $.a = 1) || ($.a = 1 && $.b = 2) }"),
            ["$.a = 1", "$.b = 2 && $.a = 1"]
        );
    }

    #[test]
    fn expansion_is_bounded() {
        // n factors of two branches on distinct fields: 2^n cases.
        let factors = |n: usize| {
            let factors: Vec<String> = (0..n)
                .map(|i| format!("($.a{i} = 1 || $.b{i} = 2)"))
                .collect();
            parse(&format!("{{ {} }}", factors.join(" && "))).unwrap()
        };
        assert_eq!(factors(13).cases(), Err(TooManyCases { limit: MAX_CASES }));
        assert_eq!(factors(12).cases().map(|cases| cases.len()), Ok(4096));
    }
}
