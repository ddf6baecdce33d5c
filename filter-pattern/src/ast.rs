//! The syntax tree of a JSON filter pattern, and its canonical text.
//!
//! A [`Pattern`] is only made by [`Pattern::parse`], so every tree a caller holds has
//! passed the parser's limits (nesting depth, finite numbers).

use std::fmt;

/// A parsed CloudWatch Logs JSON filter pattern, such as
/// `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`.
///
/// Its [`Display`](fmt::Display) prints a canonical form: every string quoted, one space
/// around operators, and only the parentheses that precedence needs; parsing it gives
/// the same pattern back. Two patterns that differ only in the quoting of a string
/// (`"ConsoleLogin"` and `ConsoleLogin`), whitespace, keyword case, redundant parentheses
/// or the grouping of a chain of one operator print the same and compare equal. A quoted
/// number is a string: `"400"` and `400` differ (see [`crate::matching`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub(crate) expr: Expr,
}

impl Pattern {
    /// The boolean expression inside the braces.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }
}

/// A boolean expression over conditions.
///
/// The parser flattens chains, so an `Or` never holds an `Or` operand and an `And`
/// never holds an `And` operand, and both hold at least two operands.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Matches when any operand matches (`a || b`).
    Or(Vec<Expr>),
    /// Matches when every operand matches (`a && b`).
    And(Vec<Expr>),
    /// A single test on one field.
    Condition(Condition),
}

/// One test on one field of the event: `$.errorCode = "AccessDenied*"`,
/// `$.userIdentity.invokedBy NOT EXISTS`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The field tested.
    pub selector: Selector,
    /// What the field must be.
    pub test: Test,
}

/// A property selector: `$.a.b`, `$.users[0].id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    /// The path from the root of the event, never empty, starting with a key.
    pub segments: Vec<Segment>,
}

/// One step of a [`Selector`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// `.name`: a property of an object.
    Key(String),
    /// `[n]`: an element of an array, zero-based.
    Index(usize),
}

/// What a [`Condition`] asks of its field.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `= "text"` or, negated, `!= "text"`: a string, quoted or not, in which `*` is a
    /// wildcard.
    Text {
        /// `!=` rather than `=`.
        negated: bool,
        /// The string to match.
        pattern: TextPattern,
    },
    /// `= n`, `!= n`, `< n`, `> n`, `<= n`, `>= n` with an unquoted number.
    Number {
        /// The comparison.
        operator: Operator,
        /// The number, always finite.
        value: f64,
    },
    /// `IS NULL`: the field is present and JSON `null`.
    IsNull,
    /// `IS TRUE`: the field is the JSON boolean `true`.
    IsTrue,
    /// `IS FALSE`: the field is the JSON boolean `false`.
    IsFalse,
    /// `NOT EXISTS`: the field is absent.
    NotExists,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Operator {
    /// The operator as written in a pattern.
    pub fn symbol(self) -> &'static str {
        match self {
            Operator::Eq => "=",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Gt => ">",
            Operator::Le => "<=",
            Operator::Ge => ">=",
        }
    }
}

/// A string value with `*` wildcards, kept as the literal parts between the wildcards.
///
/// `"*UnauthorizedOperation"` is the parts `["", "UnauthorizedOperation"]`; a pattern
/// without `*` has one part. Consecutive `*` are one wildcard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextPattern {
    parts: Vec<String>,
}

impl TextPattern {
    /// The pattern for `text`, reading every `*` as a wildcard.
    pub fn new(text: &str) -> TextPattern {
        let mut parts: Vec<String> = text.split('*').map(str::to_owned).collect();
        // `a**b` splits into ["a", "", "b"]: an empty inner part is a doubled wildcard.
        let last = parts.len() - 1;
        let mut index = 0;
        parts.retain(|part| {
            let keep = index == 0 || index == last || !part.is_empty();
            index += 1;
            keep
        });
        TextPattern { parts }
    }

    /// The literal text between wildcards, in order.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }

    /// The pattern as written, with `*` for each wildcard.
    pub fn text(&self) -> String {
        self.parts.join("*")
    }

    /// The exact string this pattern matches, when it has no wildcard.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Whether the pattern is a lone `*`, which matches every string.
    pub fn is_match_all(&self) -> bool {
        self.parts.len() >= 2 && self.parts.iter().all(String::is_empty)
    }

    /// Whether a wildcard stands between two literal characters (`Ev*ent`).
    ///
    /// AWS's guide said until 2021 that such a `*` is literal ("`Ev*ent` will only match
    /// the actual string `Ev*ent`"); the current guide says only that `*` is a wildcard.
    /// Matching reads it as a wildcard; coverage decides nothing that depends on the
    /// reading (see [`crate::covers`]).
    pub fn has_inner_wildcard(&self) -> bool {
        let wildcards = self.parts.len().saturating_sub(1);
        (0..wildcards).any(|star| {
            let leading = star == 0 && self.parts[0].is_empty();
            let trailing = star + 1 == wildcards && self.parts[wildcards].is_empty();
            !leading && !trailing
        })
    }

    /// Whether `text` matches, with each `*` standing for any run of characters.
    pub fn matches(&self, text: &str) -> bool {
        let (first, rest) = match self.parts.split_first() {
            Some(split) => split,
            None => return text.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return text == first;
        };
        if text.len() < first.len() + last.len()
            || !text.starts_with(first.as_str())
            || !text.ends_with(last.as_str())
        {
            return false;
        }
        // Leftmost matching of each middle part is enough for `*`-only patterns.
        let mut window = &text[first.len()..text.len() - last.len()];
        for part in middle {
            match window.find(part.as_str()) {
                Some(at) => window = &window[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Whether `text` is a number in the filter-pattern grammar: an optional sign, digits,
/// an optional fraction and an optional exponent (`-1.5`, `+1000`, `10e-3`), as AWS's
/// guide describes numeric values.
pub(crate) fn is_number_syntax(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    let digits = |at: &mut usize| {
        let start = *at;
        while *at < bytes.len() && bytes[*at].is_ascii_digit() {
            *at += 1;
        }
        *at > start
    };
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        at += 1;
    }
    if !digits(&mut at) {
        return false;
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        if !digits(&mut at) {
            return false;
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if !digits(&mut at) {
            return false;
        }
    }
    at == bytes.len()
}

/// Reads `text` as a finite number in the grammar of [`is_number_syntax`].
///
/// The same function decides whether an unquoted value is a number and whether a string
/// field can be compared numerically, so the parser and the matcher agree.
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    if !is_number_syntax(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|value| value.is_finite())
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{ {} }}", self.expr)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(operands) => write_joined(f, operands, " || ", |_| false),
            // `&&` binds tighter, so only an `||` operand needs parentheses.
            Expr::And(operands) => write_joined(f, operands, " && ", |operand| {
                matches!(operand, Expr::Or(_))
            }),
            Expr::Condition(condition) => write!(f, "{condition}"),
        }
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    operands: &[Expr],
    separator: &str,
    needs_parentheses: impl Fn(&Expr) -> bool,
) -> fmt::Result {
    for (index, operand) in operands.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        if needs_parentheses(operand) {
            write!(f, "({operand})")?;
        } else {
            write!(f, "{operand}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.test {
            Test::Text { negated, pattern } => {
                let operator = if *negated { "!=" } else { "=" };
                write!(f, "{} {operator} {pattern}", self.selector)
            }
            // Rust prints the shortest decimal that reads back as the same f64.
            Test::Number { operator, value } => {
                write!(f, "{} {} {value}", self.selector, operator.symbol())
            }
            Test::IsNull => write!(f, "{} IS NULL", self.selector),
            Test::IsTrue => write!(f, "{} IS TRUE", self.selector),
            Test::IsFalse => write!(f, "{} IS FALSE", self.selector),
            Test::NotExists => write!(f, "{} NOT EXISTS", self.selector),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for TextPattern {
    /// Always quoted, so the output reads back whatever characters the text holds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for character in self.text().chars() {
            if matches!(character, '"' | '\\') {
                f.write_str("\\")?;
            }
            write!(f, "{character}")?;
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_prefix_suffix_and_middle() {
        let prefix = TextPattern::new("AccessDenied*");
        assert!(prefix.matches("AccessDenied"));
        assert!(prefix.matches("AccessDeniedException"));
        assert!(!prefix.matches("XAccessDenied"));

        let suffix = TextPattern::new("*UnauthorizedOperation");
        assert!(suffix.matches("Client.UnauthorizedOperation"));
        assert!(!suffix.matches("UnauthorizedOperations"));

        let middle = TextPattern::new("Ev*ent");
        assert!(middle.matches("Event"));
        assert!(middle.matches("Ev-ent"));
        assert!(!middle.matches("Even"));
        // Prefix and suffix may not overlap.
        assert!(!TextPattern::new("ab*ba").matches("aba"));

        let several = TextPattern::new("*a*b*");
        assert!(several.matches("xaxbx"));
        assert!(!several.matches("ba"));
    }

    #[test]
    fn doubled_wildcards_collapse() {
        assert_eq!(TextPattern::new("a**b"), TextPattern::new("a*b"));
        assert_eq!(TextPattern::new("**"), TextPattern::new("*"));
        assert!(TextPattern::new("***").is_match_all());
        assert_eq!(TextPattern::new("*a").parts(), ["", "a"]);
    }

    #[test]
    fn inner_wildcards_are_those_between_literals() {
        assert!(!TextPattern::new("*").has_inner_wildcard());
        assert!(!TextPattern::new("a*").has_inner_wildcard());
        assert!(!TextPattern::new("*a").has_inner_wildcard());
        assert!(!TextPattern::new("*a*").has_inner_wildcard());
        assert!(!TextPattern::new("abc").has_inner_wildcard());
        assert!(TextPattern::new("a*b").has_inner_wildcard());
        assert!(TextPattern::new("*a*b*").has_inner_wildcard());
    }

    #[test]
    fn numbers_follow_the_documented_grammar() {
        assert_eq!(parse_number("400"), Some(400.0));
        assert_eq!(parse_number("+1000"), Some(1000.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number("10e-3"), Some(0.01));
        assert_eq!(parse_number("1E+3"), Some(1000.0));
        for not_a_number in [
            "",
            "-",
            "1.",
            ".5",
            "1e",
            "1.2.3",
            "123.123.*",
            "0x10",
            "1e999",
        ] {
            assert_eq!(parse_number(not_a_number), None, "{not_a_number}");
        }
    }
}
