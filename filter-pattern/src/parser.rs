//! Recursive descent over the JSON filter-pattern grammar.
//!
//! ```text
//! pattern   = "{" or_expr "}"
//! or_expr   = and_expr { "||" and_expr }
//! and_expr  = primary { "&&" primary }
//! primary   = "(" or_expr ")" | condition
//! condition = selector ( operator value | "IS" ( "NULL" | "TRUE" | "FALSE" ) | "NOT" "EXISTS" )
//! ```
//!
//! `&&` binds tighter than `||`: AWS's guide says compound expressions "support the use
//! of parentheses and the following standard order of operations: () > && > ||"
//! (CloudWatch Logs User Guide, "Filter pattern syntax for metric filters, subscription
//! filters, filter log events, and Live Tail", JSON compound expressions; the same
//! sentence is in every version of that page since 2018 in
//! `awsdocs/amazon-cloudwatch-logs-user-guide`, `doc_source/FilterAndPatternSyntax.md`).
//! So `a || b && c` is `a || (b && c)`.

use crate::ast::{is_number_syntax, parse_number, Condition, Expr, Pattern, Test, TextPattern};
use crate::ast::{Operator, Selector};
use crate::error::{position, ParseError, ParseErrorKind};
use crate::lexer::{Lexer, Token, TokenKind};

/// How deeply parentheses may nest. The CIS patterns nest two levels; the limit keeps
/// parsing, matching and printing far from the stack's end on any input.
pub const MAX_NESTING: usize = 32;

/// Parses a JSON filter pattern.
///
/// The whole pattern must be enclosed in `{ }`; anything else (a term pattern such as
/// `ERROR`, a space-delimited pattern such as `[ip, user]`, an empty pattern) is
/// [`ParseErrorKind::NotJson`]. Whitespace is free between tokens. Never panics.
///
/// ```
/// let pattern = cisrun_filter_pattern::parse(
///     r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#,
/// )?;
/// assert_eq!(
///     pattern.to_string(),
///     r#"{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "DisableKey" || $.eventName = "ScheduleKeyDeletion") }"#,
/// );
/// # Ok::<(), cisrun_filter_pattern::ParseError>(())
/// ```
pub fn parse(source: &str) -> Result<Pattern, ParseError> {
    let start = source.len() - source.trim_start().len();
    if !source[start..].starts_with('{') {
        return Err(ParseError::at(source, start, ParseErrorKind::NotJson));
    }
    let mut parser = Parser {
        lexer: Lexer::new(source, start + 1),
        depth: 0,
    };
    let expr = parser.or_expr()?;
    let close = parser.lexer.next_token()?;
    if close.kind != TokenKind::CloseBrace {
        return Err(parser.unexpected(&close, "`&&`, `||` or `}` to close the pattern"));
    }
    let after = close.offset + close.len;
    let trailing = source[after..].trim_start();
    if !trailing.is_empty() {
        let offset = source.len() - trailing.len();
        return Err(ParseError::at(
            source,
            offset,
            ParseErrorKind::TrailingText(shorten(trailing)),
        ));
    }
    Ok(Pattern { expr })
}

impl std::str::FromStr for Pattern {
    type Err = ParseError;

    fn from_str(source: &str) -> Result<Pattern, ParseError> {
        parse(source)
    }
}

impl Pattern {
    /// Parses a JSON filter pattern; see [`parse`].
    pub fn parse(source: &str) -> Result<Pattern, ParseError> {
        parse(source)
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    depth: usize,
}

impl Parser<'_> {
    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.and_expr()?];
        while self.lexer.peek()?.kind == TokenKind::Or {
            self.lexer.next_token()?;
            operands.push(self.and_expr()?);
        }
        Ok(flatten(operands, Junction::Or))
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut operands = vec![self.primary()?];
        while self.lexer.peek()?.kind == TokenKind::And {
            self.lexer.next_token()?;
            operands.push(self.primary()?);
        }
        Ok(flatten(operands, Junction::And))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let token = self.lexer.next_token()?;
        let text = self.lexer.text_of(&token);
        match token.kind {
            TokenKind::OpenParen => {
                if self.depth >= MAX_NESTING {
                    return Err(self.error_at(
                        token.offset,
                        ParseErrorKind::NestingTooDeep { limit: MAX_NESTING },
                    ));
                }
                self.depth += 1;
                let inner = self.or_expr()?;
                self.depth -= 1;
                let close = self.lexer.next_token()?;
                if close.kind != TokenKind::CloseParen {
                    let (_, column) = position(self.lexer.source(), token.offset);
                    let expected = format!("`&&`, `||` or `)` to close the `(` at column {column}");
                    return Err(self.unexpected(&close, &expected));
                }
                Ok(inner)
            }
            TokenKind::Selector(selector) => Ok(Expr::Condition(self.condition(selector, text)?)),
            _ => Err(self.unexpected(
                &token,
                "a condition such as `$.eventName = \"ConsoleLogin\"`, or `(`",
            )),
        }
    }

    fn condition(
        &mut self,
        selector: Selector,
        selector_text: &str,
    ) -> Result<Condition, ParseError> {
        let token = self.lexer.next_token()?;
        let test = match &token.kind {
            TokenKind::Operator(operator) => self.compared_value(*operator)?,
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("IS") => self.is_keyword()?,
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("NOT") => {
                let exists = self.lexer.next_token()?;
                match &exists.kind {
                    TokenKind::Bare(word) if word.eq_ignore_ascii_case("EXISTS") => Test::NotExists,
                    _ => return Err(self.unexpected(&exists, "`EXISTS` after `NOT`")),
                }
            }
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("EXISTS") => {
                return Err(self.error_at(
                    token.offset,
                    ParseErrorKind::Unsupported(
                        "`EXISTS` (AWS supports only `NOT EXISTS`; `$.field = *` matches a \
                         field holding a string or number)"
                            .to_owned(),
                    ),
                ))
            }
            _ => {
                let expected = format!(
                    "a comparison operator (`=`, `!=`, `<`, `>`, `<=`, `>=`), `IS` or \
                     `NOT EXISTS` after `{selector_text}`"
                );
                return Err(self.unexpected(&token, &expected));
            }
        };
        Ok(Condition { selector, test })
    }

    fn compared_value(&mut self, operator: Operator) -> Result<Test, ParseError> {
        let token = self.lexer.next_token()?;
        let numeric_only = !matches!(operator, Operator::Eq | Operator::Ne);
        let test = match &token.kind {
            TokenKind::Bare(word) if is_number_syntax(word) => match parse_number(word) {
                Some(value) => Test::Number { operator, value },
                None => {
                    return Err(
                        self.error_at(token.offset, ParseErrorKind::NumberOutOfRange(word.clone()))
                    )
                }
            },
            TokenKind::Bare(word) | TokenKind::Quoted(word) if !numeric_only => Test::Text {
                negated: operator == Operator::Ne,
                pattern: TextPattern::new(word),
            },
            _ if numeric_only => {
                let expected = format!("a number after `{}`", operator.symbol());
                return Err(self.unexpected(&token, &expected));
            }
            _ => {
                let expected = format!("a value after `{}`", operator.symbol());
                return Err(self.unexpected(&token, &expected));
            }
        };
        Ok(test)
    }

    fn is_keyword(&mut self) -> Result<Test, ParseError> {
        let token = self.lexer.next_token()?;
        match &token.kind {
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("NULL") => Ok(Test::IsNull),
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("TRUE") => Ok(Test::IsTrue),
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("FALSE") => Ok(Test::IsFalse),
            TokenKind::Bare(word) if word.eq_ignore_ascii_case("NOT") => Err(self.error_at(
                token.offset,
                ParseErrorKind::Unsupported(
                    "`IS NOT` (AWS documents it as unsupported)".to_owned(),
                ),
            )),
            _ => Err(self.unexpected(&token, "`NULL`, `TRUE` or `FALSE` after `IS`")),
        }
    }

    fn error_at(&self, offset: usize, kind: ParseErrorKind) -> ParseError {
        ParseError::at(self.lexer.source(), offset, kind)
    }

    fn unexpected(&self, token: &Token, expected: &str) -> ParseError {
        let found = match token.kind {
            TokenKind::End => "the end of the pattern".to_owned(),
            _ => format!("`{}`", shorten(self.lexer.text_of(token))),
        };
        // A second word where a connective belongs is most often an unquoted phrase.
        let hint = if expected.starts_with("`&&`")
            && matches!(token.kind, TokenKind::Bare(_) | TokenKind::Quoted(_))
        {
            "; a value containing spaces must be enclosed in double quotes".to_owned()
        } else {
            String::new()
        };
        self.error_at(
            token.offset,
            ParseErrorKind::Unexpected {
                expected: expected.to_owned(),
                found,
                hint,
            },
        )
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Junction {
    Or,
    And,
}

/// One operand stays itself; an operand of the same junction is spliced in, so
/// redundant parentheses and regrouping leave no trace in the tree.
fn flatten(mut operands: Vec<Expr>, junction: Junction) -> Expr {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    let mut flat = Vec::with_capacity(operands.len());
    for operand in operands {
        match (operand, junction) {
            (Expr::Or(inner), Junction::Or) | (Expr::And(inner), Junction::And) => {
                flat.extend(inner)
            }
            (other, _) => flat.push(other),
        }
    }
    match junction {
        Junction::Or => Expr::Or(flat),
        Junction::And => Expr::And(flat),
    }
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Segment;

    fn error(source: &str) -> ParseError {
        match parse(source) {
            Ok(pattern) => panic!("{source} parsed as {pattern}"),
            Err(error) => error,
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let pattern = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }").unwrap();
        let Expr::Or(operands) = pattern.expr() else {
            panic!("top is not ||: {pattern}");
        };
        assert!(matches!(operands[0], Expr::Condition(_)));
        assert!(matches!(&operands[1], Expr::And(inner) if inner.len() == 2));
        assert_eq!(pattern.to_string(), "{ $.a = 1 || $.b = 2 && $.c = 3 }");
        let grouped = parse("{ ($.a = 1 || $.b = 2) && $.c = 3 }").unwrap();
        assert_eq!(grouped.to_string(), "{ ($.a = 1 || $.b = 2) && $.c = 3 }");
        assert_ne!(pattern, grouped);
    }

    #[test]
    fn quoting_whitespace_and_redundant_parentheses_do_not_change_the_tree() {
        let forms = [
            r#"{ $.eventName = "ConsoleLogin" && $.errorMessage = "Failed authentication" }"#,
            r#"{($.eventName=ConsoleLogin)&&($.errorMessage="Failed authentication")}"#,
            "{\n  ((($.eventName = ConsoleLogin)))\n  &&\t($.errorMessage = \"Failed authentication\")\n}",
        ];
        let first = parse(forms[0]).unwrap();
        for form in forms {
            assert_eq!(parse(form).unwrap(), first, "{form}");
        }
        assert_eq!(first.to_string(), forms[0]);
    }

    #[test]
    fn chains_are_flattened() {
        let left = parse("{ ($.a = 1 || $.b = 2) || $.c = 3 }").unwrap();
        let right = parse("{ $.a = 1 || ($.b = 2 || $.c = 3) }").unwrap();
        assert_eq!(left, right);
        assert!(matches!(left.expr(), Expr::Or(operands) if operands.len() == 3));
    }

    #[test]
    fn every_test_form_parses() {
        let pattern = parse(
            "{ $.a IS NULL && $.b IS TRUE && $.c is false && $.d NOT EXISTS && $.e >= -1.5e2 \
             && $.f < +3 && $.g <= 0 && $.h > 10 && $.users[0].id != 2 && $.i = \"x*\" }",
        )
        .unwrap();
        assert_eq!(
            pattern.to_string(),
            "{ $.a IS NULL && $.b IS TRUE && $.c IS FALSE && $.d NOT EXISTS && $.e >= -150 \
             && $.f < 3 && $.g <= 0 && $.h > 10 && $.users[0].id != 2 && $.i = \"x*\" }"
        );
        let Expr::And(operands) = pattern.expr() else {
            panic!("not a conjunction");
        };
        let Expr::Condition(condition) = &operands[8] else {
            panic!("not a condition");
        };
        assert_eq!(
            condition.selector.segments,
            [
                Segment::Key("users".into()),
                Segment::Index(0),
                Segment::Key("id".into())
            ]
        );
    }

    #[test]
    fn unquoted_numbers_are_numbers_and_quoted_ones_are_text() {
        let pattern = parse(r#"{ $.a = 400 || $.a = "400" || $.a = 1.2.3 }"#).unwrap();
        assert_eq!(
            pattern.to_string(),
            r#"{ $.a = 400 || $.a = "400" || $.a = "1.2.3" }"#
        );
    }

    #[test]
    fn errors_name_the_place_and_what_was_expected() {
        let missing_operator = error("{ $.eventName ConsoleLogin }");
        assert_eq!(missing_operator.offset, 14);
        assert_eq!(missing_operator.column, 15);
        assert_eq!(
            missing_operator.to_string(),
            "line 1, column 15: expected a comparison operator (`=`, `!=`, `<`, `>`, `<=`, `>=`), \
             `IS` or `NOT EXISTS` after `$.eventName`, found `ConsoleLogin`"
        );

        let phrase =
            error("{ ($.eventName = ConsoleLogin) && ($.errorMessage = Failed authentication) }");
        assert!(
            phrase.to_string().contains(
                "found `authentication`; a value containing spaces must be enclosed in double quotes"
            ),
            "{phrase}"
        );

        let unclosed = error("{ ($.a = 1 }");
        assert!(
            unclosed
                .to_string()
                .contains("to close the `(` at column 3"),
            "{unclosed}"
        );
        assert!(error("{ $.a = 1")
            .to_string()
            .contains("found the end of the pattern"));
        assert!(error("{ $.a < x }")
            .to_string()
            .contains("expected a number after `<`"));
        assert!(error("{ $.a >= \"5\" }")
            .to_string()
            .contains("expected a number after `>=`"));
        assert!(error("{ $.a = }")
            .to_string()
            .contains("expected a value after `=`"));
        assert!(error("{ $.a IS MAYBE }")
            .to_string()
            .contains("`NULL`, `TRUE` or `FALSE`"));
        assert!(error("{ $.a NOT THERE }")
            .to_string()
            .contains("`EXISTS` after `NOT`"));
        assert!(matches!(
            error("{ $.a EXISTS }").kind,
            ParseErrorKind::Unsupported(_)
        ));
        assert!(matches!(
            error("{ $.a IS NOT NULL }").kind,
            ParseErrorKind::Unsupported(_)
        ));
        assert!(matches!(
            error("{}").kind,
            ParseErrorKind::Unexpected { .. }
        ));
        assert!(matches!(
            error("{ $.a = 1e999 }").kind,
            ParseErrorKind::NumberOutOfRange(_)
        ));
        assert!(matches!(
            error("{ $.a = 1 } x").kind,
            ParseErrorKind::TrailingText(_)
        ));
        let second_line = error("{\n  $.a = 1 &&\n  $.b ?\n}");
        assert_eq!((second_line.line, second_line.column), (3, 7));
    }

    #[test]
    fn patterns_outside_braces_are_not_json() {
        for source in [
            "",
            "   ",
            "ERROR",
            "\"Failed login\"",
            "[ip, user, status=404]",
            "%ERR%",
            "?ERROR ?WARN",
        ] {
            assert_eq!(error(source).kind, ParseErrorKind::NotJson, "{source:?}");
        }
        assert!(error("ERROR")
            .to_string()
            .contains("not a JSON filter pattern"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(100), ")".repeat(100));
        assert_eq!(
            error(&deep).kind,
            ParseErrorKind::NestingTooDeep { limit: MAX_NESTING }
        );
        let allowed = format!(
            "{{ {}$.a = 1{} }}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&allowed).is_ok());
    }
}
