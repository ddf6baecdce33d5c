//! YAML profiles: which benchmark, version and level to audit, which controls, with what
//! parameters and exceptions, and the keys the benchmark's platform owns (for AWS, which
//! accounts and regions).
//!
//! Every key is checked: an unknown key, control or target id is an error that names the
//! file, line and column, never something silently ignored. A profile is read once: its
//! text ([`ProfileSource`]) is what `remediate` journals, and each control's parameters are
//! read as the control's type, once, here.

mod context;
mod errors;
mod read;
mod refs;
mod settings;

use std::any::Any;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::benchmark::Recommendation;
use crate::meta::Level;
use crate::parameters::CheckedParameters;

pub use context::{ProfileContext, ProfileReader};
pub use errors::ProfileError;
pub(crate) use read::parse_for;
pub use refs::ControlRef;
pub use settings::{NoSettings, PlatformSettings, SettingsError};

/// A profile's text and the name errors give its file: read once, journaled as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSource {
    pub file: String,
    pub text: String,
}

impl ProfileSource {
    /// Reads a profile file: UTF-8 text, or an error naming where it stops being UTF-8.
    pub fn read(path: &Path) -> Result<Self, ProfileError> {
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
        Ok(Self { file, text })
    }
}

/// A parsed, validated profile.
#[derive(Clone)]
pub struct Profile {
    /// A short name for reports (JUnit `package`, JSON `run.profile`). Defaults to the file
    /// stem.
    pub name: Option<String>,
    pub description: Option<String>,
    /// Benchmark family, e.g. `cis-aws-foundations`.
    pub benchmark: String,
    /// Benchmark version, e.g. `v3.0.0`.
    pub version: String,
    pub level: Level,
    pub controls: Selection,
    /// The parameter blocks the profile gives, keyed by control id, as written.
    pub parameters: BTreeMap<String, serde_yaml::Value>,
    pub exceptions: Vec<Exception>,
    /// The platform of the profile's benchmark, e.g. `aws`.
    pub platform: String,
    /// What was read.
    pub source: ProfileSource,
    settings: Arc<dyn Any + Send + Sync>,
    /// Every implemented control's parameters of the benchmark version, read as its type.
    checked: BTreeMap<String, Result<CheckedParameters, String>>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("benchmark", &self.benchmark)
            .field("version", &self.version)
            .field("level", &self.level)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

/// The profile format's core keys, for the JSON Schema (`cisrun schema`); each platform adds
/// its own keys. The reader itself is [`Profile::parse`].
#[derive(JsonSchema)]
#[schemars(
    title = "cisrun profile",
    description = "A cisrun profile: which CIS benchmark, version and level to audit, which \
                   controls, with what parameters and exceptions, against which targets (the \
                   keys of the benchmark's platform). Every key is checked: unknown keys are \
                   errors.",
    deny_unknown_fields
)]
#[allow(dead_code)]
struct ProfileSchema {
    /// A short name for reports (JUnit `package`, JSON `run.profile`). Defaults to the file stem.
    #[serde(default)]
    name: Option<String>,
    /// What this profile is for, shown by `cisrun profiles`.
    #[serde(default)]
    description: Option<String>,
    /// Benchmark family, e.g. `cis-aws-foundations`.
    benchmark: String,
    /// Benchmark version, e.g. `v3.0.0`: CIS numbers in this profile are read in this version.
    #[schemars(example = &"v3.0.0")]
    version: String,
    /// 1 or 2. Level 2 includes every Level 1 control.
    level: Level,
    /// Narrows the controls the level selects.
    #[serde(default)]
    controls: Selection,
    /// Per-control parameters, keyed by control id or CIS number, e.g.
    /// `aws-iam-support-role: {role_name: cisrun-support}`. Each control checks its own keys.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, serde_json::Value>>")]
    parameters: BTreeMap<String, serde_yaml::Value>,
    /// Reviewed deviations: an excepted control is reported as skipped (kind `excepted`)
    /// until the exception expires.
    #[serde(default)]
    exceptions: Vec<Exception>,
}

/// Narrows the controls the level selects.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
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
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Exception {
    /// The control excepted: its id or CIS number.
    pub control: ControlRef,
    /// Only this account; every account when absent.
    #[serde(default)]
    #[schemars(with = "Option<TargetIdSchema>")]
    pub account: Option<String>,
    /// Why the deviation is accepted. Shown in every report.
    pub reason: NonEmptyString,
    /// Last day the exception holds (YYYY-MM-DD). Afterwards the control is audited again and
    /// the result carries a note.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

/// The schema of a target id: each platform's (see [`json_schema`]).
struct TargetIdSchema;

impl JsonSchema for TargetIdSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TargetId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "description": "A target's id.", "type": "string" })
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
        impl serde::de::Visitor<'_> for NonEmptyVisitor {
            type Value = NonEmptyString;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-empty string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NonEmptyString, E> {
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

impl Profile {
    /// Reads a profile file.
    pub fn load(path: &Path, catalogue: &dyn ProfileContext) -> Result<Profile, ProfileError> {
        let source = ProfileSource::read(path)?;
        let mut profile = Self::parse_source(&source, catalogue)?;
        if profile.name.is_none() {
            profile.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(profile)
    }

    /// Parses and validates a profile's text. `file` names it in errors.
    pub fn parse(
        file: &str,
        text: &str,
        catalogue: &dyn ProfileContext,
    ) -> Result<Profile, ProfileError> {
        Self::parse_source(
            &ProfileSource {
                file: file.to_string(),
                text: text.to_string(),
            },
            catalogue,
        )
    }

    /// Parses and validates a profile: its benchmark names its platform, which reads the
    /// keys it owns.
    pub fn parse_source(
        source: &ProfileSource,
        catalogue: &dyn ProfileContext,
    ) -> Result<Profile, ProfileError> {
        let peeked = read::peek(source)?;
        let reader = peeked
            .benchmark
            .as_deref()
            .and_then(|id| catalogue.reader(id));
        match reader {
            Some(reader) => (reader.read)(source, catalogue),
            // The benchmark is unknown: reading with no platform reports it where written.
            None => read::parse_for::<NoSettings>("", |id| Ok(id.to_string()), source, catalogue),
        }
    }

    /// The recommendations this profile audits, implemented or not, sorted by number.
    pub fn selected(&self, catalogue: &dyn ProfileContext) -> Vec<Recommendation> {
        let mut selected: Vec<Recommendation> = if self.controls.include.is_empty() {
            catalogue
                .at_level(&self.benchmark, &self.version, self.level)
                .into_iter()
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
        selected.sort_by(|a, b| crate::benchmark::compare_numbers(&a.number, &b.number));
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
                e.control.id == control && e.account.as_ref().is_none_or(|a| a == account)
            })
        };
        covering()
            .filter(|e| !e.expired(today))
            .max_by_key(|e| e.account.is_some())
            .or_else(|| covering().max_by_key(|e| e.expires))
    }

    /// The parameters of `control`, read and checked as its type when the profile was read
    /// (from its block, or its defaults when the profile gives none). `Err` says why the
    /// defaults do not do (a parameter the control requires).
    pub fn parameters_for(&self, control: &str) -> Result<&CheckedParameters, String> {
        match self.checked.get(control) {
            Some(Ok(parameters)) => Ok(parameters),
            Some(Err(message)) => Err(format!("parameters.{control}: {message}")),
            None => Err(format!(
                "control `{control}` is not among the profile's benchmark version's controls"
            )),
        }
    }

    /// The platform's settings (the profile keys it owns), as the type it read them into.
    pub fn settings<S: 'static>(&self) -> Option<&S> {
        self.settings.downcast_ref::<S>()
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

/// The JSON Schema of the profile format, for editors: the core keys, and what the build
/// adds, generated with `generator` (so their definitions are shared): every control's
/// parameters, every platform's keys and target ids.
pub fn json_schema(
    generator: schemars::SchemaGenerator,
    parameters: serde_json::Map<String, serde_json::Value>,
    platform_keys: Vec<(&'static str, schemars::Schema)>,
    target_ids: Vec<serde_json::Value>,
) -> serde_json::Value {
    let mut root =
        serde_json::to_value(generator.into_root_schema_for::<ProfileSchema>()).unwrap_or_default();
    if let Some(serde_json::Value::Object(properties)) = root.pointer_mut("/properties") {
        for (key, schema) in platform_keys {
            properties.insert(key.to_string(), schema.to_value());
        }
    }
    // A target id is whatever the platforms accept.
    if let Some(target_id) = root.pointer_mut("/$defs/TargetId") {
        match target_ids.as_slice() {
            [] => {}
            [one] => *target_id = one.clone(),
            many => *target_id = serde_json::json!({ "anyOf": many }),
        }
    }
    if let Some(schema) = root.pointer_mut("/properties/parameters") {
        *schema = serde_json::json!({
            "description": "Per-control parameters, keyed by control id (or a quoted CIS number \
                            of the profile's version). Each control's keys are checked when the \
                            profile is read.",
            "type": ["object", "null"],
            "properties": parameters,
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
