//! The interval a field's numeric value must lie in, from the numeric conditions of a
//! case.

use crate::ast::{parse_number, Operator, Test};

#[derive(Debug, Clone, Copy)]
struct Bound {
    value: f64,
    inclusive: bool,
}

/// The interval a field's numeric value must lie in, less some excluded points.
#[derive(Debug, Default)]
pub(super) struct NumericBounds {
    lower: Option<Bound>,
    upper: Option<Bound>,
    excluded: Vec<f64>,
}

impl NumericBounds {
    /// The bounds the tests impose, or `None` when none of them is numeric.
    pub(super) fn of(tests: &[&Test]) -> Option<NumericBounds> {
        let mut bounds = NumericBounds::default();
        let mut numeric = false;
        for test in tests {
            let (operator, value) = match test {
                Test::Number { operator, value } => (*operator, *value),
                // `= "5"` holds only for a field whose text is `5`: the number 5.
                Test::Text {
                    negated: false,
                    pattern,
                } => match pattern.literal().and_then(parse_number) {
                    Some(value) => (Operator::Eq, value),
                    None => continue,
                },
                _ => continue,
            };
            numeric = true;
            let bound = |inclusive| Bound { value, inclusive };
            match operator {
                Operator::Eq => {
                    bounds.raise_lower(bound(true));
                    bounds.lower_upper(bound(true));
                }
                Operator::Ne => bounds.excluded.push(value),
                Operator::Lt => bounds.lower_upper(bound(false)),
                Operator::Le => bounds.lower_upper(bound(true)),
                Operator::Gt => bounds.raise_lower(bound(false)),
                Operator::Ge => bounds.raise_lower(bound(true)),
            }
        }
        numeric.then_some(bounds)
    }

    fn raise_lower(&mut self, new: Bound) {
        let tighter = self
            .lower
            .is_none_or(|old| new.value > old.value || (new.value == old.value && !new.inclusive));
        if tighter {
            self.lower = Some(new);
        }
    }

    fn lower_upper(&mut self, new: Bound) {
        let tighter = self
            .upper
            .is_none_or(|old| new.value < old.value || (new.value == old.value && !new.inclusive));
        if tighter {
            self.upper = Some(new);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match (self.lower, self.upper) {
            (Some(lower), Some(upper)) => {
                lower.value > upper.value
                    || (lower.value == upper.value
                        && (!lower.inclusive
                            || !upper.inclusive
                            || self.excluded.contains(&lower.value)))
            }
            _ => false,
        }
    }

    fn below(&self, value: f64) -> bool {
        self.lower
            .is_some_and(|lower| value < lower.value || (value == lower.value && !lower.inclusive))
    }

    fn above(&self, value: f64) -> bool {
        self.upper
            .is_some_and(|upper| value > upper.value || (value == upper.value && !upper.inclusive))
    }

    /// Whether every value inside the bounds satisfies `test`.
    pub(super) fn imply(&self, test: &Test) -> bool {
        let Test::Number {
            operator,
            value: target,
        } = test
        else {
            return false;
        };
        let target = *target;
        match operator {
            Operator::Eq => matches!(
                (self.lower, self.upper),
                (Some(lower), Some(upper)) if lower.value == target && upper.value == target
            ),
            Operator::Ne => {
                self.excluded.contains(&target) || self.below(target) || self.above(target)
            }
            Operator::Lt => self.upper.is_some_and(|upper| {
                upper.value < target || (upper.value == target && !upper.inclusive)
            }),
            Operator::Le => self.upper.is_some_and(|upper| upper.value <= target),
            Operator::Gt => self.lower.is_some_and(|lower| {
                lower.value > target || (lower.value == target && !lower.inclusive)
            }),
            Operator::Ge => self.lower.is_some_and(|lower| lower.value >= target),
        }
    }
}
