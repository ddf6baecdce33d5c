//! Splits the text between the braces into tokens, on demand.

use crate::ast::{Operator, Segment, Selector};
use crate::error::{ParseError, ParseErrorKind};

/// One token and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte offset of the token's first character.
    pub offset: usize,
    /// Byte length in the source.
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    OpenBrace,
    CloseBrace,
    OpenParen,
    CloseParen,
    And,
    Or,
    Operator(Operator),
    Selector(Selector),
    /// A double-quoted string, escapes resolved.
    Quoted(String),
    /// An unquoted word: a value, or a keyword such as `IS`.
    Bare(String),
    End,
}

/// Characters an unquoted value may hold. AWS documents letters, digits and `_`; its own
/// examples (`123.123.*`) and the CIS patterns (`delivery.logs.amazonaws.com`,
/// `AccessDenied*`) also use `.` and `*` unquoted, and `-`, `+` (signs, exponents), `:`
/// and `/` are accepted for account filters AWS has already validated.
fn is_bare_char(character: char) -> bool {
    character.is_ascii_alphanumeric()
        || matches!(character, '_' | '-' | '.' | '*' | '+' | ':' | '/')
}

/// Characters of a property name: "alphanumeric strings that also support `-` and `_`"
/// (AWS, Filter pattern syntax, JSON property selectors).
fn is_key_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '_' | '-')
}

fn is_smart_quote(character: char) -> bool {
    matches!(
        character,
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2018}' | '\u{2019}'
    )
}

pub(crate) struct Lexer<'a> {
    source: &'a str,
    position: usize,
    peeked: Option<Token>,
}

impl<'a> Lexer<'a> {
    pub fn new(source: &'a str, position: usize) -> Lexer<'a> {
        Lexer {
            source,
            position,
            peeked: None,
        }
    }

    pub fn source(&self) -> &'a str {
        self.source
    }

    pub fn peek(&mut self) -> Result<&Token, ParseError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lex()?,
        };
        Ok(self.peeked.insert(token))
    }

    pub fn next_token(&mut self) -> Result<Token, ParseError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    /// The source text of a token, for messages.
    pub fn text_of(&self, token: &Token) -> &'a str {
        self.source
            .get(token.offset..token.offset + token.len)
            .unwrap_or_default()
    }

    fn error(&self, offset: usize, kind: ParseErrorKind) -> ParseError {
        ParseError::at(self.source, offset, kind)
    }

    fn rest(&self) -> &'a str {
        &self.source[self.position..]
    }

    fn lex(&mut self) -> Result<Token, ParseError> {
        let trimmed = self.rest().trim_start();
        self.position = self.source.len() - trimmed.len();
        let start = self.position;
        let Some(character) = trimmed.chars().next() else {
            return Ok(Token {
                kind: TokenKind::End,
                offset: start,
                len: 0,
            });
        };
        let two = trimmed.get(..2).unwrap_or("");
        let (kind, len) = match character {
            '{' => (TokenKind::OpenBrace, 1),
            '}' => (TokenKind::CloseBrace, 1),
            '(' => (TokenKind::OpenParen, 1),
            ')' => (TokenKind::CloseParen, 1),
            '&' if two == "&&" => (TokenKind::And, 2),
            '|' if two == "||" => (TokenKind::Or, 2),
            '&' | '|' => {
                return Err(self.error(
                    start,
                    ParseErrorKind::Unexpected {
                        expected: format!("`{character}{character}`"),
                        found: format!("a lone `{character}`"),
                        hint: String::new(),
                    },
                ))
            }
            '!' if two == "!=" => (TokenKind::Operator(Operator::Ne), 2),
            '!' => {
                return Err(self.error(
                    start,
                    ParseErrorKind::Unexpected {
                        expected: "`!=`".to_owned(),
                        found: "a lone `!`".to_owned(),
                        hint: "; negation is written `!=` or `NOT EXISTS`".to_owned(),
                    },
                ))
            }
            '<' if two == "<=" => (TokenKind::Operator(Operator::Le), 2),
            '>' if two == ">=" => (TokenKind::Operator(Operator::Ge), 2),
            '<' => (TokenKind::Operator(Operator::Lt), 1),
            '>' => (TokenKind::Operator(Operator::Gt), 1),
            '=' => (TokenKind::Operator(Operator::Eq), 1),
            '"' => return self.quoted(start),
            '$' => return self.selector(start),
            '%' => {
                return Err(self.error(
                    start,
                    ParseErrorKind::Unsupported(
                        "regular-expression values (`%...%`) are not read by this parser"
                            .to_owned(),
                    ),
                ))
            }
            character if is_smart_quote(character) => {
                return Err(self.error(start, ParseErrorKind::SmartQuote(character)))
            }
            character if is_bare_char(character) => {
                let len = trimmed
                    .find(|character: char| !is_bare_char(character))
                    .unwrap_or(trimmed.len());
                let word = &trimmed[..len];
                // A word running into a character that needs quotes (`a@b`) is one error,
                // not two tokens.
                if let Some(next) = trimmed[len..].chars().next() {
                    if !next.is_whitespace() && !"{}()&|!<>=\"".contains(next) {
                        return Err(self.bad_character(start + len, next));
                    }
                }
                (TokenKind::Bare(word.to_owned()), len)
            }
            character => return Err(self.bad_character(start, character)),
        };
        self.position += len;
        Ok(Token {
            kind,
            offset: start,
            len,
        })
    }

    fn bad_character(&self, offset: usize, character: char) -> ParseError {
        if is_smart_quote(character) {
            self.error(offset, ParseErrorKind::SmartQuote(character))
        } else if character == '\'' {
            self.error(
                offset,
                ParseErrorKind::Unexpected {
                    expected: "a value".to_owned(),
                    found: "`'`".to_owned(),
                    hint: "; strings are enclosed in double quotes `\"`".to_owned(),
                },
            )
        } else {
            self.error(offset, ParseErrorKind::MustBeQuoted(character))
        }
    }

    fn quoted(&mut self, start: usize) -> Result<Token, ParseError> {
        let mut text = String::new();
        let mut characters = self.source[start + 1..].char_indices();
        while let Some((index, character)) = characters.next() {
            match character {
                '"' => {
                    let len = index + 2;
                    self.position = start + len;
                    return Ok(Token {
                        kind: TokenKind::Quoted(text),
                        offset: start,
                        len,
                    });
                }
                '\\' => match characters.next() {
                    Some((_, escaped @ ('"' | '\\'))) => text.push(escaped),
                    Some((_, other)) => {
                        return Err(
                            self.error(start + 1 + index, ParseErrorKind::UnsupportedEscape(other))
                        )
                    }
                    None => break,
                },
                character => text.push(character),
            }
        }
        Err(self.error(start, ParseErrorKind::UnterminatedString))
    }

    fn selector(&mut self, start: usize) -> Result<Token, ParseError> {
        let bytes = self.source.as_bytes();
        let mut at = start + 1;
        let mut segments = Vec::new();
        loop {
            match bytes.get(at) {
                Some(b'.') => {
                    let name_start = at + 1;
                    let name_len = self.source[name_start..]
                        .find(|character: char| !is_key_char(character))
                        .unwrap_or(self.source.len() - name_start);
                    if name_len == 0 {
                        return Err(self.selector_error(name_start, "a property name after `.`"));
                    }
                    segments.push(Segment::Key(
                        self.source[name_start..name_start + name_len].to_owned(),
                    ));
                    at = name_start + name_len;
                }
                Some(b'[') if !segments.is_empty() => {
                    let digits_start = at + 1;
                    let digits_len = self.source[digits_start..]
                        .find(|character: char| !character.is_ascii_digit())
                        .unwrap_or(self.source.len() - digits_start);
                    if digits_len == 0 {
                        return Err(self.selector_error(digits_start, "an array index after `[`"));
                    }
                    let digits = &self.source[digits_start..digits_start + digits_len];
                    let index = digits.parse::<usize>().map_err(|_| {
                        self.error(
                            digits_start,
                            ParseErrorKind::NumberOutOfRange(digits.to_owned()),
                        )
                    })?;
                    let close = digits_start + digits_len;
                    if bytes.get(close) != Some(&b']') {
                        return Err(self.selector_error(close, "`]` after the array index"));
                    }
                    segments.push(Segment::Index(index));
                    at = close + 1;
                }
                _ if segments.is_empty() => {
                    return Err(self.selector_error(at, "`.` and a property name after `$`"))
                }
                _ => break,
            }
        }
        let len = at - start;
        self.position = at;
        Ok(Token {
            kind: TokenKind::Selector(Selector { segments }),
            offset: start,
            len,
        })
    }

    fn selector_error(&self, offset: usize, expected: &str) -> ParseError {
        let found = self.source[offset..].chars().next();
        if found == Some('*') {
            return self.error(
                offset,
                ParseErrorKind::Unsupported(
                    "wildcard selectors (`$.a.*`, `$.a[*]`) are not documented by AWS for \
                     JSON filter patterns"
                        .to_owned(),
                ),
            );
        }
        self.error(
            offset,
            ParseErrorKind::Unexpected {
                expected: expected.to_owned(),
                found: describe_char(found),
                hint: String::new(),
            },
        )
    }
}

pub(crate) fn describe_char(character: Option<char>) -> String {
    match character {
        Some(character) if character.is_whitespace() => "a space".to_owned(),
        Some(character) => format!("`{character}`"),
        None => "the end of the pattern".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Result<Vec<TokenKind>, ParseError> {
        let mut lexer = Lexer::new(source, 0);
        let mut kinds = Vec::new();
        loop {
            let token = lexer.next_token()?;
            if token.kind == TokenKind::End {
                return Ok(kinds);
            }
            kinds.push(token.kind);
        }
    }

    #[test]
    fn compact_and_spaced_forms_give_the_same_tokens() {
        let compact = kinds("($.eventName=DeleteGroupPolicy)||($.a!=b.c*)").unwrap();
        let spaced = kinds(" ( $.eventName = DeleteGroupPolicy ) || ( $.a != b.c* ) ").unwrap();
        assert_eq!(compact, spaced);
        assert_eq!(compact.len(), 11);
    }

    #[test]
    fn selectors_take_keys_and_indexes() {
        let tokens = kinds("$.users[0].id $.coordinates[0][1]").unwrap();
        assert_eq!(
            tokens[0],
            TokenKind::Selector(Selector {
                segments: vec![
                    Segment::Key("users".into()),
                    Segment::Index(0),
                    Segment::Key("id".into())
                ]
            })
        );
        assert_eq!(
            tokens[1],
            TokenKind::Selector(Selector {
                segments: vec![
                    Segment::Key("coordinates".into()),
                    Segment::Index(0),
                    Segment::Index(1)
                ]
            })
        );
    }

    #[test]
    fn quoted_strings_resolve_escapes() {
        assert_eq!(
            kinds(r#""a \"b\" \\ c""#).unwrap(),
            [TokenKind::Quoted(r#"a "b" \ c"#.into())]
        );
        assert_eq!(
            kinds(r#""x\n""#).unwrap_err().kind,
            ParseErrorKind::UnsupportedEscape('n')
        );
        assert_eq!(
            kinds(r#""open"#).unwrap_err().kind,
            ParseErrorKind::UnterminatedString
        );
    }

    #[test]
    fn characters_that_need_quotes_are_errors() {
        let error = kinds("$.a = x@y").unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::MustBeQuoted('@'));
        assert_eq!(error.column, 8);
        assert_eq!(
            kinds("$.a = \u{201C}x\u{201D}").unwrap_err().kind,
            ParseErrorKind::SmartQuote('\u{201C}')
        );
        assert!(matches!(
            kinds("$.a = %ab%").unwrap_err().kind,
            ParseErrorKind::Unsupported(_)
        ));
        assert!(matches!(
            kinds("$.a.*").unwrap_err().kind,
            ParseErrorKind::Unsupported(_)
        ));
        assert!(matches!(
            kinds("$x").unwrap_err().kind,
            ParseErrorKind::Unexpected { .. }
        ));
        assert!(matches!(
            kinds("a & b").unwrap_err().kind,
            ParseErrorKind::Unexpected { .. }
        ));
    }
}
