//! YAML profiles: which benchmark, version and level to audit, which controls, with what
//! parameters and exceptions, against which targets.
//!
//! Every key is checked: an unknown key, control or account id is an error that names the
//! file, line and column, never something silently ignored.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::benchmark::Recommendation;
use crate::catalogue::Catalogue;
use crate::control::{Level, Parameters};

/// A parsed, validated profile.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a profile: a mapping with `benchmark`, `version` and `level`"
)]
#[schemars(
    title = "cisrun profile",
    description = "A cisrun profile: which CIS benchmark, version and level to audit, which \
                   controls, with what parameters and exceptions, against which AWS accounts. \
                   Every key is checked: unknown keys are errors."
)]
pub struct Profile {
    /// A short name for reports (JUnit `package`, JSON `run.profile`). Defaults to the file stem.
    #[serde(default)]
    pub name: Option<String>,
    /// What this profile is for, shown by `cisrun profiles`.
    #[serde(default)]
    pub description: Option<String>,
    /// Benchmark family, e.g. `cis-aws-foundations`.
    #[serde(deserialize_with = "deserialize_benchmark")]
    #[schemars(example = &"cis-aws-foundations")]
    pub benchmark: String,
    /// Benchmark version, e.g. `v3.0.0`: CIS numbers in this profile are read in this version.
    #[serde(deserialize_with = "deserialize_version")]
    #[schemars(example = &"v3.0.0")]
    pub version: String,
    /// 1 or 2. Level 2 includes every Level 1 control.
    #[serde(deserialize_with = "deserialize_level")]
    pub level: Level,
    /// Narrows the controls the level selects.
    #[serde(default)]
    pub controls: Selection,
    /// Per-control parameters, keyed by control id or CIS number, e.g.
    /// `aws-iam-support-role: {role_name: cisrun-support}`. Each control checks its own keys.
    #[serde(default, deserialize_with = "deserialize_parameters")]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, serde_json::Value>>")]
    pub parameters: BTreeMap<String, serde_yaml::Value>,
    /// Reviewed deviations: an excepted control is reported as skipped (kind `excepted`)
    /// until the exception expires.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// Which accounts to audit. Defaults to the account of the current credentials.
    #[serde(default)]
    pub targets: Targets,
    /// Which of each account's enabled regions regional controls read. Defaults to every
    /// region enabled for the account.
    #[serde(default)]
    pub regions: Regions,
}

/// Narrows the regions regional controls read. An account's regions are the ones enabled
/// for it (`ec2:DescribeRegions`); these lists only ever remove regions from that set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `include` and/or `exclude`"
)]
pub struct Regions {
    /// When present, only these regions (those of them enabled for the account), e.g. for an
    /// organization whose service control policies deny every other region.
    #[serde(default)]
    pub include: Vec<RegionName>,
    /// These regions are never read.
    #[serde(default)]
    pub exclude: Vec<RegionName>,
}

impl Regions {
    /// Whether regional controls read `region`.
    pub fn keeps(&self, region: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|r| r.0 == region))
            && !self.exclude.iter().any(|r| r.0 == region)
    }

    fn validate(&self) -> Result<(), String> {
        if let Some(both) = self.include.iter().find(|r| self.exclude.contains(r)) {
            return Err(format!("`{both}` is both included and excluded"));
        }
        Ok(())
    }
}

/// An AWS region code such as `eu-west-1` or `us-gov-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RegionName(pub String);

impl JsonSchema for RegionName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RegionName".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An AWS region code, e.g. `eu-west-1`.",
            "type": "string",
            "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"
        })
    }
}

impl fmt::Display for RegionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RegionName {
    /// Checks the shape of a region code (`xx-word-N`, `xx-word-word-N`); whether the
    /// region exists is for the account to say.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('-').collect();
        let shaped = parts.len() >= 3
            && parts[0].len() == 2
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts
                .last()
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if shaped {
            Ok(Self(text.to_string()))
        } else {
            Err(format!(
                "`{text}` is not an AWS region code: expected e.g. `eu-west-1`"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for RegionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RegionVisitor;
        impl Visitor<'_> for RegionVisitor {
            type Value = RegionName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an AWS region code, e.g. `eu-west-1`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RegionName, E> {
                RegionName::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(RegionVisitor)
    }
}

/// Narrows the controls the level selects.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `include` and/or `exclude`"
)]
pub struct Selection {
    /// When present, only these controls run (ids or CIS numbers of the profile's version;
    /// quote numbers such as "1.20").
    #[serde(default)]
    pub include: Vec<ControlRef>,
    /// These never run (ids or CIS numbers of the profile's version).
    #[serde(default)]
    pub exclude: Vec<ControlRef>,
}

/// A deliberate, reviewed deviation. An expired exception is reported and not honoured.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an exception: a mapping with `control`, `reason` and optionally `account` and `expires`"
)]
pub struct Exception {
    /// The control excepted: its id or CIS number.
    pub control: ControlRef,
    /// Only this account; every account when absent.
    #[serde(default)]
    pub account: Option<AccountId>,
    /// Why the deviation is accepted. Shown in every report.
    pub reason: NonEmptyString,
    /// Last day the exception holds (YYYY-MM-DD). Afterwards the control is audited again and
    /// the result carries a note.
    #[serde(default, deserialize_with = "deserialize_date")]
    pub expires: Option<NaiveDate>,
}

/// Which accounts to audit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `source` and the keys that source needs"
)]
pub struct Targets {
    /// `current` (default): the account of the current credentials; `accounts`: the listed
    /// accounts; `organization`: every ACTIVE account of the AWS Organization.
    #[serde(default)]
    pub source: TargetSource,
    /// With `source: accounts`, the accounts to audit; with `source: organization`, only these.
    #[serde(default)]
    pub accounts: Vec<AccountId>,
    /// Accounts never audited.
    #[serde(default)]
    pub exclude_accounts: Vec<AccountId>,
    /// With `source: organization`: only accounts under these OUs or roots (ids), recursively.
    #[serde(default)]
    pub organizational_units: Vec<String>,
    /// How to reach each account other than the current one.
    #[serde(default)]
    pub assume_role: Option<AssumeRoleSpec>,
}

/// Where the list of accounts comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetSource {
    /// The account of the current credentials.
    #[default]
    Current,
    /// The accounts listed under `accounts`.
    Accounts,
    /// Every ACTIVE account of the AWS Organization.
    Organization,
}

/// The role assumed in each target account.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `role` and optionally `external_id` and `session_name`"
)]
pub struct AssumeRoleSpec {
    /// A role name, e.g. `OrganizationAccountAccessRole`, or an ARN template with
    /// `{account_id}` and optionally `{partition}`.
    pub role: NonEmptyString,
    /// The external id the role's trust policy requires, if any.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The role session name. Defaults to `cisrun`.
    #[serde(default)]
    pub session_name: Option<String>,
}

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
            "description": "A control id (e.g. `aws-iam-support-role`, see `cisrun list`) or a CIS \
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

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AccountId(pub String);

impl JsonSchema for AccountId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AccountId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A 12-digit AWS account id (quote it).",
            "type": "string",
            "pattern": "^[0-9]{12}$"
        })
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AccountId {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_string()))
        } else {
            Err(format!(
                "`{text}` is not an AWS account id: expected 12 digits (quote it in YAML)"
            ))
        }
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor, not a detour through `Value`: errors then carry the exact location.
        // Unquoted ids are YAML integers; accept them (leading zeros are lost, so such ids
        // fail the 12-digit check and the message says to quote them).
        struct AccountIdVisitor;
        impl Visitor<'_> for AccountIdVisitor {
            type Value = AccountId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 12-digit AWS account id in quotes, e.g. \"123456789012\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AccountId, E> {
                AccountId::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AccountId, E> {
                AccountId::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AccountId, E> {
                AccountId::parse(&v.to_string()).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AccountIdVisitor)
    }
}

/// A string that must not be blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonEmptyString(pub String);

impl JsonSchema for NonEmptyString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NonEmptyString".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "minLength": 1, "pattern": "\\S" })
    }
}

impl<'de> Deserialize<'de> for NonEmptyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NonEmptyVisitor;
        impl Visitor<'_> for NonEmptyVisitor {
            type Value = NonEmptyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-empty string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NonEmptyString, E> {
                if v.trim().is_empty() {
                    return Err(E::custom("must not be empty"));
                }
                Ok(NonEmptyString(v.to_string()))
            }
        }
        deserializer.deserialize_str(NonEmptyVisitor)
    }
}

impl std::ops::Deref for NonEmptyString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// What the deserializers need to resolve control references while parsing, so that their
/// errors carry the YAML location.
#[derive(Clone)]
struct ParseContext {
    catalogue: Catalogue,
    benchmark: String,
    version: String,
}

impl ParseContext {
    /// Whether `benchmark` and `version` name something cisrun knows. When not, the fields
    /// themselves report the error, and control references are left unresolved.
    fn known(&self) -> bool {
        self.catalogue
            .version(&self.benchmark, &self.version)
            .is_some()
    }
}

thread_local! {
    static PARSE_CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

fn with_context<T>(f: impl FnOnce(&ParseContext) -> Result<T, String>) -> Result<T, String> {
    PARSE_CONTEXT.with(|cell| match cell.borrow().as_ref() {
        Some(ctx) => f(ctx),
        None => Err("profiles can only be read through Profile::parse".to_string()),
    })
}

/// Clears the parse context even when parsing unwinds.
struct ContextGuard;

impl ContextGuard {
    fn set(context: ParseContext) -> Self {
        PARSE_CONTEXT.with(|cell| *cell.borrow_mut() = Some(context));
        ContextGuard
    }
}

impl Drop for ContextGuard {
    fn drop(&mut self) {
        PARSE_CONTEXT.with(|cell| *cell.borrow_mut() = None);
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
fn resolve(reference: &str, written: Written) -> Result<Option<String>, String> {
    with_context(|ctx| {
        if !ctx.known() {
            return Ok(None);
        }
        let (catalogue, benchmark, version) = (&ctx.catalogue, &ctx.benchmark, &ctx.version);
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
    })
}

/// The catalogue's message, plus the likeliest explanation of the mistake.
fn unknown_control_message(
    ctx: &ParseContext,
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
    let benchmark = ctx.catalogue.benchmark(&ctx.benchmark);
    let here = benchmark.and_then(|b| b.version(&ctx.version));
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

impl<'de> Deserialize<'de> for ControlRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ControlRefVisitor;
        impl ControlRefVisitor {
            fn build<E: de::Error>(written: String, how: Written) -> Result<ControlRef, E> {
                let id = resolve(&written, how).map_err(E::custom)?;
                Ok(ControlRef {
                    id: id.unwrap_or_default(),
                    written,
                })
            }
        }
        impl Visitor<'_> for ControlRefVisitor {
            type Value = ControlRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a control id or a CIS number (quote numbers such as \"1.20\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ControlRef, E> {
                Self::build(v.to_string(), Written::Text)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ControlRef, E> {
                Self::build(v.to_string(), Written::Text)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ControlRef, E> {
                Self::build(v.to_string(), Written::Text)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ControlRef, E> {
                // `{:?}` keeps the decimal point: 1.2 -> "1.2", 2.0 -> "2.0".
                Self::build(format!("{v:?}"), Written::Float)
            }
        }
        deserializer.deserialize_any(ControlRefVisitor)
    }
}

/// Reads `parameters:`, resolving each key to a control id and checking the control's block.
fn deserialize_parameters<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, serde_yaml::Value>, D::Error> {
    struct ParametersVisitor;
    impl<'de> Visitor<'de> for ParametersVisitor {
        type Value = BTreeMap<String, serde_yaml::Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map from control id to that control's parameters")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<ControlRef>()? {
                let value: serde_yaml::Value = map.next_value()?;
                if key.id.is_empty() {
                    // Unknown benchmark or version: that field reports the error.
                    out.insert(key.written, value);
                    continue;
                }
                let meta = with_context(|ctx| Ok(ctx.catalogue.get(&key.id)))
                    .ok()
                    .flatten()
                    .ok_or_else(|| {
                        de::Error::custom(format!(
                            "control `{}` is not implemented in this cisrun, so it takes no \
                             parameters",
                            key.id
                        ))
                    })?;
                match meta.parameters {
                    None => {
                        return Err(de::Error::custom(format!(
                            "control `{}` takes no parameters",
                            meta.id
                        )))
                    }
                    Some(spec) => (spec.check)(&value).map_err(|message| {
                        de::Error::custom(format!(
                            "parameters of `{}`: {}",
                            meta.id,
                            strip_location(&message)
                        ))
                    })?,
                }
                if out.insert(meta.id.to_string(), value).is_some() {
                    return Err(de::Error::custom(format!(
                        "parameters of `{}` are given twice",
                        meta.id
                    )));
                }
            }
            Ok(out)
        }
    }
    deserializer.deserialize_any(ParametersVisitor)
}

fn deserialize_benchmark<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct BenchmarkVisitor;
    impl Visitor<'_> for BenchmarkVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a benchmark id such as `cis-aws-foundations`")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            with_context(|ctx| match ctx.catalogue.benchmark(v) {
                Some(_) => Ok(v.to_string()),
                None => {
                    let known: Vec<&str> = ctx
                        .catalogue
                        .benchmarks()
                        .iter()
                        .map(|b| b.id.as_str())
                        .collect();
                    Err(format!(
                        "unknown benchmark `{v}`; expected one of: {}",
                        known.join(", ")
                    ))
                }
            })
            .map_err(E::custom)
        }
    }
    deserializer.deserialize_str(BenchmarkVisitor)
}

fn deserialize_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct VersionVisitor;
    impl Visitor<'_> for VersionVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a benchmark version such as \"v3.0.0\"")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            with_context(|ctx| match ctx.catalogue.benchmark(&ctx.benchmark) {
                // An unknown benchmark is reported by `benchmark:` itself.
                None => Ok(v.to_string()),
                Some(b) if b.version(v).is_some() => Ok(v.to_string()),
                Some(b) => Err(format!(
                    "unknown version `{v}` of {}; expected one of: {}",
                    b.id,
                    b.version_names().join(", ")
                )),
            })
            .map_err(E::custom)
        }
    }
    deserializer.deserialize_str(VersionVisitor)
}

fn deserialize_level<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Level, D::Error> {
    struct LevelVisitor;
    impl Visitor<'_> for LevelVisitor {
        type Value = Level;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("level 1 or 2 (a number; Level 2 includes Level 1)")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Level, E> {
            match v {
                1 => Ok(Level::One),
                2 => Ok(Level::Two),
                _ => Err(E::custom(format!(
                    "level must be 1 or 2 (Level 2 includes Level 1), got {v}"
                ))),
            }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Level, E> {
            match u64::try_from(v) {
                Ok(v) => self.visit_u64(v),
                Err(_) => Err(E::custom(format!(
                    "level must be 1 or 2 (Level 2 includes Level 1), got {v}"
                ))),
            }
        }
    }
    deserializer.deserialize_any(LevelVisitor)
}

fn deserialize_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    struct DateVisitor;
    impl<'de> Visitor<'de> for DateVisitor {
        type Value = Option<NaiveDate>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a date YYYY-MM-DD, e.g. 2025-12-31")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let well_formed = v.len() == 10
                && v.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(date) if well_formed => Ok(Some(date)),
                _ => Err(E::custom(format!(
                    "`{v}` is not a valid date: expected YYYY-MM-DD, e.g. 2025-12-31"
                ))),
            }
        }
    }
    deserializer.deserialize_option(DateVisitor)
}

/// A profile that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ProfileError {
    pub file: String,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl ProfileError {
    fn at(file: &str, text: &str, key: &str, after: Option<&str>, message: String) -> Self {
        Self {
            file: file.to_string(),
            location: locate_key(text, key, after).or(Some((1, 1))),
            message,
        }
    }
}

/// The byte offset where 1-based `line` begins.
fn line_offset(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// 1-based line and column of the YAML key `key` (e.g. `source`): the first line, after the
/// line that starts with key `after` when given, that starts with `key:` (after indentation
/// and an optional `- `). Comments never match.
fn locate_key(text: &str, key: &str, after: Option<&str>) -> Option<(usize, usize)> {
    let start = match after {
        Some(anchor) => locate_key(text, anchor, None)?.0,
        None => 1,
    };
    text.lines()
        .enumerate()
        .skip(start - 1)
        .find_map(|(i, line)| {
            let body = line.trim_start();
            let body = body.strip_prefix("- ").map_or(body, str::trim_start);
            let rest = body.strip_prefix(key)?;
            let is_key = rest.starts_with(':') || rest.starts_with("\":") || rest.starts_with("':");
            let column = line.chars().count() - body.chars().count() + 1;
            is_key.then_some((i + 1, column))
        })
}

/// Points errors serde_yaml cannot place at the key they are about: an unknown key in a
/// control's `parameters` block (reported where the block begins) and a duplicate key
/// (reported at the start of the document).
fn refine_location(text: &str, message: &str, location: (usize, usize)) -> (usize, usize) {
    let quoted = |open: &str, close: char| {
        message
            .split_once(open)
            .and_then(|(_, rest)| rest.split_once(close))
            .map(|(field, _)| field.to_string())
    };
    if let Some(field) = quoted("unknown field `", '`') {
        let tail = &text[line_offset(text, location.0)..];
        if let Some((line, column)) = locate_key(tail, &field, None) {
            return (location.0 + line - 1, column);
        }
    } else if let Some(key) = quoted("duplicate entry with key \"", '"') {
        // The second occurrence is the duplicate.
        if let Some((first, _)) = locate_key(text, &key, None) {
            let tail = &text[line_offset(text, first + 1)..];
            if let Some((line, column)) = locate_key(tail, &key, None) {
                return (first + line, column);
            }
        }
    }
    location
}

/// Deepest `[`/`{` nesting a profile may use. serde_yaml stops at 128 levels, but only after
/// its parser has read the whole document, which takes time quadratic in the nesting: 100 000
/// `[` take most of a minute. Real profiles nest 3 or 4 levels.
const MAX_FLOW_DEPTH: usize = 64;

/// Finds flow collections nested deeper than [`MAX_FLOW_DEPTH`], before the YAML parser does.
/// Quoted strings and comments are skipped; brackets inside plain scalars may be counted,
/// which only matters for text with dozens of unclosed brackets.
fn check_flow_depth(text: &str) -> Result<(), (usize, usize)> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            (line, column, comment) = (line + 1, 0, false);
            previous = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
                column += 1;
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' if previous.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Err((line, column));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    Ok(())
}

impl Profile {
    /// Reads a profile file.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Profile, ProfileError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ProfileError {
            file: file.clone(),
            location: None,
            message: format!("cannot read the profile: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            ProfileError {
                file: file.clone(),
                location: Some((line, column)),
                message: "not UTF-8 text: expected a YAML profile".to_string(),
            }
        })?;
        let mut profile = Self::parse(&file, &text, catalogue)?;
        if profile.name.is_none() {
            profile.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(profile)
    }

    /// Parses and validates a profile. `file` names it in errors.
    pub fn parse(file: &str, text: &str, catalogue: &Catalogue) -> Result<Profile, ProfileError> {
        // Editors on Windows may start the file with a byte-order mark; YAML allows it, but
        // serde_yaml reads it as a second document.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let yaml_error = |e: serde_yaml::Error| {
            let message = strip_location(&e.to_string());
            let location = e
                .location()
                .map(|l| refine_location(text, &message, (l.line(), l.column())))
                .or(Some((1, 1)));
            ProfileError {
                file: file.to_string(),
                location,
                message,
            }
        };
        check_flow_depth(text).map_err(|location| ProfileError {
            file: file.to_string(),
            location: Some(location),
            message: format!(
                "invalid YAML: `[`/`{{` nested more than {MAX_FLOW_DEPTH} levels deep"
            ),
        })?;
        // A first, untyped read: syntax errors, the document's shape, and the benchmark and
        // version that control numbers are resolved in.
        let untyped: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            let mut error = yaml_error(e);
            error.message = format!("invalid YAML: {}", error.message);
            error
        })?;
        let peek = |key: &str| {
            untyped
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        match &untyped {
            serde_yaml::Value::Mapping(_) => {}
            serde_yaml::Value::Null => {
                return Err(ProfileError {
                    file: file.to_string(),
                    location: Some((1, 1)),
                    message: "the profile is empty: expected a mapping with `benchmark`, \
                              `version` and `level`"
                        .to_string(),
                })
            }
            _ => {} // the typed read names what it found
        }
        let context = ParseContext {
            catalogue: catalogue.clone(),
            benchmark: peek("benchmark").unwrap_or_default(),
            version: peek("version").unwrap_or_default(),
        };
        let profile = {
            let _guard = ContextGuard::set(context);
            serde_yaml::from_str::<Profile>(text).map_err(yaml_error)?
        };
        profile.validate(file, text, catalogue)?;
        Ok(profile)
    }

    /// Checks what the types alone cannot.
    fn validate(&self, file: &str, text: &str, catalogue: &Catalogue) -> Result<(), ProfileError> {
        // The fields check these while parsing; this guards the references left unresolved.
        let known = catalogue.version(&self.benchmark, &self.version).is_some();
        if !known {
            return Err(ProfileError::at(
                file,
                text,
                "version",
                None,
                format!(
                    "unknown benchmark version {} {}",
                    self.benchmark, self.version
                ),
            ));
        }
        let refs = self
            .controls
            .include
            .iter()
            .chain(&self.controls.exclude)
            .chain(self.exceptions.iter().map(|e| &e.control));
        for reference in refs {
            if catalogue
                .resolve(&reference.id, &self.benchmark, &self.version)
                .is_err()
            {
                return Err(ProfileError::at(
                    file,
                    text,
                    "controls",
                    None,
                    format!(
                        "control `{}` is not part of {} {}",
                        reference.written, self.benchmark, self.version
                    ),
                ));
            }
        }
        self.targets.validate().map_err(|(key, message)| {
            let after = (key != "targets").then_some("targets");
            ProfileError::at(file, text, key, after, format!("targets: {message}"))
        })?;
        self.regions.validate().map_err(|message| {
            ProfileError::at(file, text, "regions", None, format!("regions: {message}"))
        })
    }

    /// The recommendations this profile audits, implemented or not, sorted by number.
    pub fn selected(&self, catalogue: &Catalogue) -> Vec<Recommendation> {
        let mut selected: Vec<Recommendation> = if self.controls.include.is_empty() {
            catalogue
                .at_level(&self.benchmark, &self.version, self.level)
                .cloned()
                .collect()
        } else {
            self.controls
                .include
                .iter()
                .filter_map(|r| {
                    catalogue
                        .resolve(&r.id, &self.benchmark, &self.version)
                        .ok()
                        .cloned()
                })
                .collect()
        };
        selected.retain(|r| !self.controls.exclude.iter().any(|e| e.id == r.control_id));
        selected.sort_by(|a, b| crate::catalogue::compare_numbers(&a.number, &b.number));
        selected.dedup_by(|a, b| a.control_id == b.control_id);
        selected
    }

    /// The exception that covers `control` in `account`, valid or expired, as of today (UTC).
    /// See [`Profile::exception_on`].
    pub fn exception_for(&self, control: &str, account: &str) -> Option<&Exception> {
        self.exception_on(control, account, chrono::Utc::now().date_naive())
    }

    /// The exception that covers `control` in `account` on `today`: a valid one when any
    /// applies (an account-specific one before one for every account); otherwise the expired
    /// one that lapsed last, so the report can say so.
    pub fn exception_on(
        &self,
        control: &str,
        account: &str,
        today: NaiveDate,
    ) -> Option<&Exception> {
        let covering = || {
            self.exceptions.iter().filter(move |e| {
                e.control.id == control && e.account.as_ref().is_none_or(|a| a.0 == account)
            })
        };
        covering()
            .filter(|e| !e.expired(today))
            .max_by_key(|e| e.account.is_some())
            .or_else(|| covering().max_by_key(|e| e.expires))
    }

    /// The parameters for `control` (checked when the profile was read, or an empty
    /// mapping), with the profile's benchmark version.
    pub fn parameters_for(&self, control: &str) -> Parameters {
        self.parameters
            .get(control)
            .cloned()
            .map(Parameters::new)
            .unwrap_or_default()
            .with_benchmark_version(&self.version)
    }

    /// The profile's display name.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            format!(
                "{}-{}-level{}",
                self.benchmark,
                self.version,
                self.level.number()
            )
        })
    }
}

impl Exception {
    /// Whether the exception has lapsed on `today` (it holds through its expiry date).
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

impl Targets {
    /// Cross-field rules; on error, a string to locate in the file and a message.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        match self.source {
            TargetSource::Current => {
                if !self.accounts.is_empty()
                    || !self.exclude_accounts.is_empty()
                    || !self.organizational_units.is_empty()
                {
                    return Err((
                        "targets",
                        "`accounts`, `exclude_accounts` and `organizational_units` need \
                         `source: accounts` or `source: organization`"
                            .to_string(),
                    ));
                }
            }
            TargetSource::Accounts => {
                if self.accounts.is_empty() {
                    return Err((
                        "source",
                        "`source: accounts` needs a non-empty `accounts` list".to_string(),
                    ));
                }
                if !self.organizational_units.is_empty() {
                    return Err((
                        "organizational_units",
                        "`organizational_units` needs `source: organization`".to_string(),
                    ));
                }
            }
            TargetSource::Organization => {}
        }
        if self.source != TargetSource::Current && self.assume_role.is_none() {
            return Err((
                "source",
                "reaching other accounts needs `assume_role` (e.g. `role: OrganizationAccountAccessRole`)"
                    .to_string(),
            ));
        }
        if let Some(spec) = &self.assume_role {
            let role = spec.role.0.as_str();
            if role.starts_with("arn:") {
                if !role.contains("{account_id}") {
                    return Err((
                        "role",
                        "an assume_role ARN must be a template containing `{account_id}`"
                            .to_string(),
                    ));
                }
            } else if role.contains('/') || role.contains(':') || role.contains('{') {
                return Err((
                    "role",
                    format!("`{role}` is neither a role name nor an ARN template"),
                ));
            }
        }
        for ou in &self.organizational_units {
            if !(ou.starts_with("ou-") || ou.starts_with("r-")) {
                return Err((
                    "organizational_units",
                    format!("`{ou}` is not an organizational unit id (ou-...) or root id (r-...)"),
                ));
            }
        }
        Ok(())
    }
}

/// serde_yaml appends " at line L column C"; the error carries that separately.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The JSON Schema of the profile format, for editors, with the parameters of every
/// control in `catalogue` under `parameters`.
pub fn json_schema(catalogue: &Catalogue) -> serde_json::Value {
    let mut generator = schemars::SchemaGenerator::default();
    let mut controls = serde_json::Map::new();
    for control in catalogue.controls() {
        if let Some(spec) = control.parameters {
            let schema = (spec.schema)(&mut generator);
            controls.insert(control.id.to_string(), schema.to_value());
        }
    }
    let mut root =
        serde_json::to_value(generator.into_root_schema_for::<Profile>()).unwrap_or_default();
    if let Some(parameters) = root.pointer_mut("/properties/parameters") {
        *parameters = serde_json::json!({
            "description": "Per-control parameters, keyed by control id (or a quoted CIS number \
                            of the profile's version). Each control's keys are checked when the \
                            profile is read.",
            "type": ["object", "null"],
            "properties": controls,
            "additionalProperties": { "type": "object" }
        });
    }
    sorted_keys(root)
}

/// Object keys in sorted order, so the schema's text is the same whichever serde_json
/// features the build happened to unify (`preserve_order` keeps insertion order).
fn sorted_keys(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted_keys).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod region_tests {
    use super::*;

    #[test]
    fn region_codes_are_checked_by_shape() {
        for good in [
            "eu-west-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-central-2",
        ] {
            assert!(RegionName::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "eu",
            "eu-west",
            "EU-west-1",
            "euwest1",
            "eu-west-x",
            "e-west-1",
        ] {
            assert!(RegionName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn include_narrows_and_exclude_removes() {
        let name = |s: &str| RegionName(s.to_string());
        let all = Regions::default();
        assert!(all.keeps("eu-west-1"));
        let some = Regions {
            include: vec![name("eu-west-1"), name("us-east-1")],
            exclude: vec![name("us-east-1")],
        };
        assert!(some.keeps("eu-west-1"));
        assert!(!some.keeps("us-east-1"));
        assert!(!some.keeps("ap-south-1"));
        assert!(some.validate().is_err());
    }
}
