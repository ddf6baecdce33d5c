//! CloudWatch Logs metric filter patterns in the JSON syntax: parse them, match them
//! against JSON log events, and decide whether one pattern *covers* another.
//!
//! The CIS AWS Foundations Benchmark's monitoring recommendations (4.1–4.15 in v1.4.0 to
//! v5.0.0, 5.1–5.15 in v6.0.0 and v7.0.0) each give a filter pattern; an account complies
//! when one of its metric filters catches every event that pattern catches. Comparing the
//! filter's text with regular expressions fails reordered clauses and passes filters
//! narrowed by an extra condition, so this crate decides semantically:
//!
//! ```
//! use cisrun_filter_pattern::{covers, parse, Coverage};
//!
//! let required = parse(r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#)?;
//!
//! // Reordered and unquoted: still covers.
//! let reordered = parse("{ $.additionalEventData.MFAUsed != Yes && $.eventName = ConsoleLogin }")?;
//! assert!(covers(&reordered, &required).is_covered());
//!
//! // An extra condition narrows the benchmark's pattern, and is named.
//! let narrowed = parse(r#"{ $.eventName = "ConsoleLogin" && $.additionalEventData.MFAUsed != "Yes" && $.userIdentity.type = "IAMUser" }"#)?;
//! let Coverage::NotCovered(gap) = covers(&narrowed, &required) else { panic!() };
//! assert_eq!(gap.narrowing[0].to_string(), r#"$.userIdentity.type = "IAMUser""#);
//! # Ok::<(), cisrun_filter_pattern::ParseError>(())
//! ```
//!
//! Modules: [`parse`] reads a pattern (`lexer`, [`parser`]) into a [`Pattern`]
//! ([`ast`]); [`Pattern::matches`] ([`matching`]) evaluates it; [`covers`] ([`dnf`],
//! [`coverage`]) compares two; [`cis`] holds the benchmark's patterns per version.

pub mod ast;
pub mod cis;
pub mod coverage;
pub mod dnf;
pub mod error;
mod lexer;
pub mod matching;
pub mod parser;

pub use ast::{Condition, Expr, Operator, Pattern, Segment, Selector, Test, TextPattern};
pub use coverage::{covers, Coverage, Gap, NotDecided, Side};
pub use dnf::MAX_CASES;
pub use error::{ParseError, ParseErrorKind};
pub use parser::{parse, MAX_NESTING};
