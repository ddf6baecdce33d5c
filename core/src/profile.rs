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

use crate::catalogue::Catalogue;
use crate::control::{ControlMeta, Level};

/// A parsed, validated profile.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "cisrun profile")]
pub struct Profile {
    /// A short name for reports. Defaults to the file stem.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Benchmark family, e.g. `cis-aws-foundations`.
    pub benchmark: String,
    /// Benchmark version, e.g. `v3.0.0`.
    pub version: String,
    /// 1 or 2. Level 2 includes every Level 1 control.
    pub level: Level,
    #[serde(default)]
    pub controls: Selection,
    /// Per-control parameters, keyed by control id or CIS number.
    #[serde(default, deserialize_with = "deserialize_parameters")]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub parameters: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    #[serde(default)]
    pub targets: Targets,
}

/// Narrows the controls the level selects.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// When present, only these controls run (ids or CIS numbers).
    #[serde(default)]
    pub include: Vec<ControlRef>,
    /// These never run (ids or CIS numbers).
    #[serde(default)]
    pub exclude: Vec<ControlRef>,
}

/// A deliberate, reviewed deviation. An expired exception is reported and not honoured.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub control: ControlRef,
    /// Only this account; every account when absent.
    #[serde(default)]
    pub account: Option<AccountId>,
    /// Why the deviation is accepted. Shown in every report.
    pub reason: NonEmptyString,
    /// Last day the exception holds (YYYY-MM-DD).
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

/// Which accounts to audit.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
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
#[serde(deny_unknown_fields)]
pub struct AssumeRoleSpec {
    /// A role name, e.g. `OrganizationAccountAccessRole`, or an ARN template with
    /// `{account_id}` and optionally `{partition}`.
    pub role: NonEmptyString,
    #[serde(default)]
    pub external_id: Option<String>,
    /// Defaults to `cisrun`.
    #[serde(default)]
    pub session_name: Option<String>,
}

/// A control named by id (`aws-iam-support-role`) or CIS number (`1.17`), resolved when parsed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(into = "String")]
#[schemars(with = "String")]
pub struct ControlRef {
    /// What the profile wrote.
    pub written: String,
    /// The control id it resolved to.
    #[serde(skip)]
    pub id: &'static str,
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
        // Unquoted ids are YAML integers; accept them, but keep leading zeros honest.
        let value = serde_yaml::Value::deserialize(deserializer)?;
        let text = match &value {
            serde_yaml::Value::String(s) => s.clone(),
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => return Err(de::Error::custom("expected a 12-digit account id")),
        };
        AccountId::parse(&text).map_err(de::Error::custom)
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
        schemars::json_schema!({ "type": "string", "minLength": 1 })
    }
}

impl<'de> Deserialize<'de> for NonEmptyString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.trim().is_empty() {
            return Err(de::Error::custom("must not be empty"));
        }
        Ok(Self(text))
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

thread_local! {
    static PARSE_CONTEXT: RefCell<Option<ParseContext>> = const { RefCell::new(None) };
}

fn with_context<T>(f: impl FnOnce(&ParseContext) -> Result<T, String>) -> Result<T, String> {
    PARSE_CONTEXT.with(|cell| match cell.borrow().as_ref() {
        Some(ctx) => f(ctx),
        None => Err("control references can only be read through Profile::parse".to_string()),
    })
}

fn resolve(reference: &str) -> Result<&'static ControlMeta, String> {
    with_context(|ctx| {
        ctx.catalogue
            .resolve(reference, &ctx.benchmark, &ctx.version)
    })
}

impl<'de> Deserialize<'de> for ControlRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_yaml::Value::deserialize(deserializer)?;
        // `1.20` is a YAML float: take the number as written.
        let written = match value {
            serde_yaml::Value::String(s) => s,
            serde_yaml::Value::Number(n) => n.to_string(),
            _ => {
                return Err(de::Error::custom(
                    "expected a control id or a CIS number (quote numbers such as \"1.20\")",
                ))
            }
        };
        let meta = resolve(&written).map_err(de::Error::custom)?;
        Ok(ControlRef {
            id: meta.id,
            written,
        })
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
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<ControlRef>()? {
                let value: serde_yaml::Value = map.next_value()?;
                let meta = resolve(&key.written).map_err(de::Error::custom)?;
                match meta.parameters {
                    None => {
                        return Err(de::Error::custom(format!(
                            "control `{}` takes no parameters",
                            meta.id
                        )))
                    }
                    Some(check) => check(&value).map_err(|message| {
                        de::Error::custom(format!("parameters of `{}`: {message}", meta.id))
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
    deserializer.deserialize_map(ParametersVisitor)
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
    fn at(file: &str, text: &str, needle: Option<&str>, message: String) -> Self {
        Self {
            file: file.to_string(),
            location: needle.and_then(|n| locate(text, n)),
            message,
        }
    }
}

/// 1-based line and column of the first occurrence of `needle`.
fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    let offset = text.find(needle)?;
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Some((line, column))
}

/// The key a first, untyped read finds, so control numbers resolve in the right version.
fn peek_string(text: &str, key: &str) -> Option<String> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    value.get(key)?.as_str().map(str::to_string)
}

impl Profile {
    /// Reads a profile file.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Profile, ProfileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            file: file.clone(),
            location: None,
            message: format!("cannot read the profile: {e}"),
        })?;
        let mut profile = Self::parse(&file, &text, catalogue)?;
        if profile.name.is_none() {
            profile.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(profile)
    }

    /// Parses and validates a profile. `file` names it in errors.
    pub fn parse(file: &str, text: &str, catalogue: &Catalogue) -> Result<Profile, ProfileError> {
        let benchmark = peek_string(text, "benchmark").unwrap_or_default();
        let version = peek_string(text, "version").unwrap_or_default();
        let context = ParseContext {
            catalogue: catalogue.clone(),
            benchmark: benchmark.clone(),
            version: version.clone(),
        };
        PARSE_CONTEXT.with(|cell| *cell.borrow_mut() = Some(context));
        let parsed = serde_yaml::from_str::<Profile>(text);
        PARSE_CONTEXT.with(|cell| *cell.borrow_mut() = None);
        let profile = parsed.map_err(|e| ProfileError {
            file: file.to_string(),
            location: e.location().map(|l| (l.line(), l.column())),
            message: strip_location(&e.to_string()),
        })?;
        profile.validate(file, text, catalogue)?;
        Ok(profile)
    }

    /// Checks what the types alone cannot.
    fn validate(&self, file: &str, text: &str, catalogue: &Catalogue) -> Result<(), ProfileError> {
        let Some(benchmark) = catalogue.benchmark(&self.benchmark) else {
            let known: Vec<&str> = catalogue.benchmarks().iter().map(|b| b.id).collect();
            return Err(ProfileError::at(
                file,
                text,
                Some("benchmark:"),
                format!(
                    "benchmark: unknown benchmark `{}`; expected one of: {}",
                    self.benchmark,
                    known.join(", ")
                ),
            ));
        };
        if !benchmark.versions.contains(&self.version.as_str()) {
            return Err(ProfileError::at(
                file,
                text,
                Some("version:"),
                format!(
                    "version: unknown version `{}` of {}; expected one of: {}",
                    self.version,
                    benchmark.id,
                    benchmark.versions.join(", ")
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
            let meta = catalogue.get(reference.id);
            if meta.and_then(|m| m.number_in(&self.version)).is_none() {
                return Err(ProfileError::at(
                    file,
                    text,
                    Some(&reference.written),
                    format!(
                        "control `{}` is not part of {} {}",
                        reference.written, self.benchmark, self.version
                    ),
                ));
            }
        }
        self.targets.validate().map_err(|(needle, message)| {
            ProfileError::at(file, text, Some(needle), format!("targets: {message}"))
        })
    }

    /// The controls this profile audits, sorted by CIS number.
    pub fn selected(&self, catalogue: &Catalogue) -> Vec<&'static ControlMeta> {
        let mut selected: Vec<&'static ControlMeta> = if self.controls.include.is_empty() {
            catalogue
                .at_level(&self.benchmark, &self.version, self.level)
                .collect()
        } else {
            self.controls
                .include
                .iter()
                .filter_map(|r| catalogue.get(r.id))
                .collect()
        };
        selected.retain(|c| !self.controls.exclude.iter().any(|r| r.id == c.id));
        selected.sort_by(|a, b| {
            crate::catalogue::compare_numbers(
                a.number_in(&self.version).unwrap_or(""),
                b.number_in(&self.version).unwrap_or(""),
            )
        });
        selected.dedup_by_key(|c| c.id);
        selected
    }

    /// The exception that covers `control` in `account`, valid or expired.
    pub fn exception_for(&self, control: &str, account: &str) -> Option<&Exception> {
        self.exceptions
            .iter()
            .find(|e| e.control.id == control && e.account.as_ref().is_none_or(|a| a.0 == account))
    }

    /// The parameters for `control`, or an empty mapping.
    pub fn parameters_for(&self, control: &str) -> serde_yaml::Value {
        self.parameters
            .get(control)
            .cloned()
            .unwrap_or(serde_yaml::Value::Mapping(Default::default()))
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
                        "targets:",
                        "`accounts`, `exclude_accounts` and `organizational_units` need \
                         `source: accounts` or `source: organization`"
                            .to_string(),
                    ));
                }
            }
            TargetSource::Accounts => {
                if self.accounts.is_empty() {
                    return Err((
                        "source:",
                        "`source: accounts` needs a non-empty `accounts` list".to_string(),
                    ));
                }
                if !self.organizational_units.is_empty() {
                    return Err((
                        "organizational_units:",
                        "`organizational_units` needs `source: organization`".to_string(),
                    ));
                }
            }
            TargetSource::Organization => {}
        }
        if self.source != TargetSource::Current && self.assume_role.is_none() {
            return Err((
                "source:",
                "reaching other accounts needs `assume_role` (e.g. `role: OrganizationAccountAccessRole`)"
                    .to_string(),
            ));
        }
        if let Some(spec) = &self.assume_role {
            let role = spec.role.0.as_str();
            if role.starts_with("arn:") {
                if !role.contains("{account_id}") {
                    return Err((
                        "role:",
                        "an assume_role ARN must be a template containing `{account_id}`"
                            .to_string(),
                    ));
                }
            } else if role.contains('/') || role.contains(':') || role.contains('{') {
                return Err((
                    "role:",
                    format!("`{role}` is neither a role name nor an ARN template"),
                ));
            }
        }
        for ou in &self.organizational_units {
            if !(ou.starts_with("ou-") || ou.starts_with("r-")) {
                return Err((
                    "organizational_units:",
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

/// The JSON Schema of the profile format, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Profile)).unwrap_or_default()
}
