//! Why a pattern could not be read, and where.

use thiserror::Error;

/// A pattern that [`crate::parse`] cannot read: where (byte offset, line and column,
/// both 1-based, counted in characters) and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ParseError {
    /// Byte offset into the pattern of the first character the parser could not accept.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column of `offset`, in characters.
    pub column: usize,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn at(source: &str, offset: usize, kind: ParseErrorKind) -> ParseError {
        let (line, column) = position(source, offset);
        ParseError {
            offset,
            line,
            column,
            kind,
        }
    }
}

/// The 1-based line and character column of a byte offset.
pub(crate) fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The ways a pattern can fail to parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    /// The pattern does not start with `{`: a term, space-delimited (`[a, b]`) or regex
    /// (`%...%`) pattern, or an empty one. Only JSON patterns are read.
    #[error(
        "not a JSON filter pattern: a JSON pattern is enclosed in `{{ }}`; term, \
         space-delimited and regular-expression patterns are not supported"
    )]
    NotJson,
    /// A token that does not fit where it stands.
    #[error("expected {expected}, found {found}{hint}")]
    Unexpected {
        /// What the grammar allows here.
        expected: String,
        /// What the pattern has here.
        found: String,
        /// A suggestion, starting with `; ` when present.
        hint: String,
    },
    /// A `"` with no closing `"`.
    #[error("unterminated string: no closing `\"`")]
    UnterminatedString,
    /// A backslash in a quoted string not followed by `"` or `\`.
    #[error("unsupported escape `\\{0}` in a quoted string (only `\\\"` and `\\\\` are read)")]
    UnsupportedEscape(char),
    /// A typographic quote where a straight double quote belongs.
    #[error("typographic quote `{0}`: strings are enclosed in straight double quotes `\"`")]
    SmartQuote(char),
    /// A character that may only appear inside double quotes.
    #[error("`{0}` may only appear inside a double-quoted string")]
    MustBeQuoted(char),
    /// A form AWS does not document for JSON patterns, or documents as unsupported.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A number too large for a 64-bit float.
    #[error("number `{0}` is out of range")]
    NumberOutOfRange(String),
    /// More nested parentheses than [`crate::MAX_NESTING`].
    #[error("parentheses nested deeper than {limit} levels")]
    NestingTooDeep {
        /// The limit that was passed.
        limit: usize,
    },
    /// Text after the closing `}`.
    #[error("unexpected text after the closing `}}`: {0}")]
    TrailingText(String),
}
