//! Control references: a control id (`aws-iam-support-role`) or a CIS number (`"1.17"`) of
//! the profile's benchmark version, resolved while the profile is read so that a mistake is
//! reported where it was written.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::Serialize;

use super::context::ProfileContext;

/// A control named by id (`aws-iam-support-role`) or CIS number (`1.17`), resolved when parsed
/// against the profile's benchmark version (implemented or not).
#[derive(Debug, Clone, Serialize)]
#[serde(into = "String")]
pub struct ControlRef {
    /// What the profile wrote.
    pub written: String,
    /// The control id it resolved to (empty while the benchmark or version is unknown).
    #[serde(skip)]
    pub id: String,
}

impl JsonSchema for ControlRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ControlRef".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A control id (see `cisrun list`) or a CIS \
                            number of the profile's version, quoted (e.g. \"1.17\"): YAML reads \
                            an unquoted 1.20 as the number 1.2.",
            "type": "string",
            "minLength": 1
        })
    }
}

impl From<ControlRef> for String {
    fn from(r: ControlRef) -> String {
        r.written
    }
}

/// What reading a profile needs to resolve references and check values where they are
/// written: the catalogue, the benchmark and version the profile names (read ahead), and
/// how its platform checks a target id. Handed down explicitly (serde seeds), never kept in
/// a global.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    pub catalogue: &'a dyn ProfileContext,
    pub benchmark: &'a str,
    pub version: &'a str,
    pub target_id: fn(&str) -> Result<String, String>,
}

impl Context<'_> {
    /// Whether `benchmark` and `version` name something cisrun knows. When not, the fields
    /// themselves report the error, and control references are left unresolved.
    pub fn known(&self) -> bool {
        self.catalogue
            .version(self.benchmark, self.version)
            .is_some()
    }
}

/// How a control reference was written in YAML.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Written {
    /// A string (quoted or plain).
    Text,
    /// An unquoted decimal: YAML already dropped trailing zeros (`1.20` became `1.2`).
    Float,
}

/// Resolves a reference in the profile's benchmark version to the control id of its
/// recommendation. `Ok(None)` when the benchmark or version is unknown (that field reports
/// the error).
fn resolve(ctx: &Context<'_>, reference: &str, written: Written) -> Result<Option<String>, String> {
    {
        if !ctx.known() {
            return Ok(None);
        }
        let (catalogue, benchmark, version) = (ctx.catalogue, &ctx.benchmark, &ctx.version);
        match catalogue.resolve(reference, benchmark, version) {
            Ok(found) => {
                if written == Written::Float {
                    // `1.10` and `1.1` read the same unquoted: refuse to guess.
                    let padded = format!("{reference}0");
                    if let Ok(other) = catalogue.resolve(&padded, benchmark, version) {
                        if other.control_id != found.control_id {
                            return Err(format!(
                                "the unquoted number {reference} is ambiguous: YAML reads {padded} \
                                 as {reference} too ({} is `{}`, {padded} is `{}`); quote it, \
                                 e.g. \"{reference}\"",
                                reference, found.control_id, other.control_id
                            ));
                        }
                    }
                }
                Ok(Some(found.control_id.clone()))
            }
            Err(base) if base.contains("is not part of") => Err(base),
            Err(base) => Err(unknown_control_message(ctx, reference, written, base)),
        }
    }
}

/// The catalogue's message, plus the likeliest explanation of the mistake.
fn unknown_control_message(
    ctx: &Context<'_>,
    reference: &str,
    written: Written,
    base: String,
) -> String {
    let mut hints = Vec::new();
    if written == Written::Float {
        hints.push(format!(
            "YAML reads an unquoted decimal as a number and drops trailing zeros \
             (1.20 becomes 1.2): quote CIS numbers as written, e.g. \"{reference}0\""
        ));
    }
    let benchmark = ctx.catalogue.benchmark(ctx.benchmark);
    let here = benchmark.and_then(|b| b.version(ctx.version));
    let elsewhere: Vec<String> = benchmark
        .into_iter()
        .flat_map(|b| &b.versions)
        .filter_map(|v| v.by_number(reference).map(|r| (v, r)))
        .map(|(v, r)| {
            let renumbered = here
                .and_then(|h| h.by_control(&r.control_id))
                .map(|m| format!("; {} numbers it {}", ctx.version, m.number))
                .unwrap_or_default();
            format!("`{}` in {}{renumbered}", r.control_id, v.version)
        })
        .collect();
    if !elsewhere.is_empty() {
        hints.push(format!(
            "{reference} is the number of {} (numbers depend on the profile's `version`)",
            elsewhere.join(", ")
        ));
    }
    if let Some(close) = here
        .into_iter()
        .flat_map(|v| &v.recommendations)
        .map(|r| (strsim::levenshtein(reference, &r.control_id), &r.control_id))
        .filter(|(d, _)| *d <= 3)
        .min()
    {
        hints.push(format!("did you mean `{}`?", close.1));
    }
    if hints.is_empty() {
        base
    } else {
        format!("{base}; {}", hints.join("; "))
    }
}

/// Reads one control reference, resolved in the context's benchmark version.
#[derive(Clone, Copy)]
pub(crate) struct ControlRefSeed<'a>(pub Context<'a>);

impl<'de> DeserializeSeed<'de> for ControlRefSeed<'_> {
    type Value = ControlRef;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ControlRef, D::Error> {
        struct RefVisitor<'a>(Context<'a>);
        impl RefVisitor<'_> {
            fn build<E: de::Error>(&self, written: String, how: Written) -> Result<ControlRef, E> {
                let id = resolve(&self.0, &written, how).map_err(E::custom)?;
                Ok(ControlRef {
                    id: id.unwrap_or_default(),
                    written,
                })
            }
        }
        impl Visitor<'_> for RefVisitor<'_> {
            type Value = ControlRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a control id or a CIS number (quote numbers such as \"1.20\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ControlRef, E> {
                self.build(v.to_string(), Written::Text)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ControlRef, E> {
                self.build(v.to_string(), Written::Text)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ControlRef, E> {
                self.build(v.to_string(), Written::Text)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ControlRef, E> {
                // `{:?}` keeps the decimal point: 1.2 -> "1.2", 2.0 -> "2.0".
                self.build(format!("{v:?}"), Written::Float)
            }
        }
        deserializer.deserialize_any(RefVisitor(self.0))
    }
}
