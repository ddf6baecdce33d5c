//! Reading a profile's YAML: every value checked where it is written, so that an error names
//! its file, line and column. The context (catalogue, benchmark and version, the platform's
//! target-id check) is handed down with serde seeds; the keys the benchmark's platform owns
//! are read by its [`PlatformSettings`].

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::context::ProfileContext;
use super::errors::{
    check_flow_depth, refine_location, strip_location, ProfileError, MAX_FLOW_DEPTH,
};
use super::refs::{Context, ControlRef, ControlRefSeed};
use super::settings::PlatformSettings;
use super::{Exception, NonEmptyString, Profile, ProfileSource, Selection};
use crate::meta::Level;

/// The core keys of a profile, in the order errors list them.
const CORE_KEYS: [&str; 8] = [
    "name",
    "description",
    "benchmark",
    "version",
    "level",
    "controls",
    "parameters",
    "exceptions",
];

/// What a first, untyped read finds: the benchmark and version that control numbers are
/// resolved in.
pub(crate) struct Peeked {
    pub benchmark: Option<String>,
    pub version: Option<String>,
}

/// Editors on Windows may start the file with a byte-order mark; YAML allows it, but
/// serde_yaml reads it as a second document.
fn text_of(source: &ProfileSource) -> &str {
    source.text.strip_prefix('\u{feff}').unwrap_or(&source.text)
}

fn yaml_error(file: &str, text: &str, e: serde_yaml::Error) -> ProfileError {
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
}

/// The first, untyped read: syntax errors, the document's shape, the benchmark and version.
pub(crate) fn peek(source: &ProfileSource) -> Result<Peeked, ProfileError> {
    let file = source.file.as_str();
    let text = text_of(source);
    check_flow_depth(text).map_err(|location| ProfileError {
        file: file.to_string(),
        location: Some(location),
        message: format!("invalid YAML: `[`/`{{` nested more than {MAX_FLOW_DEPTH} levels deep"),
    })?;
    let untyped: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let mut error = yaml_error(file, text, e);
        error.message = format!("invalid YAML: {}", error.message);
        error
    })?;
    if untyped.is_null() {
        return Err(ProfileError {
            file: file.to_string(),
            location: Some((1, 1)),
            message: "the profile is empty: expected a mapping with `benchmark`, `version` and \
                      `level`"
                .to_string(),
        });
    }
    let peek = |key: &str| {
        untyped
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    Ok(Peeked {
        benchmark: peek("benchmark"),
        version: peek("version"),
    })
}

/// Reads a profile whose benchmark is a platform's with settings `S`.
pub(crate) fn parse_for<S: PlatformSettings>(
    platform: &str,
    target_id: fn(&str) -> Result<String, String>,
    source: &ProfileSource,
    catalogue: &dyn ProfileContext,
) -> Result<Profile, ProfileError> {
    let file = source.file.as_str();
    let text = text_of(source);
    let peeked = peek(source)?;
    let benchmark = peeked.benchmark.unwrap_or_default();
    let version = peeked.version.unwrap_or_default();
    let ctx = Context {
        catalogue,
        benchmark: &benchmark,
        version: &version,
        target_id,
    };
    let draft = ProfileSeed::<S> {
        ctx,
        settings: PhantomData,
    }
    .deserialize(serde_yaml::Deserializer::from_str(text))
    .map_err(|e| yaml_error(file, text, e))?;
    let settings = draft.settings;
    let profile = Profile {
        name: draft.name,
        description: draft.description,
        benchmark: draft.benchmark,
        version: draft.version,
        level: draft.level,
        controls: draft.controls,
        parameters: draft.parameters,
        exceptions: draft.exceptions,
        platform: platform.to_string(),
        source: source.clone(),
        settings: Arc::new(()),
        checked: BTreeMap::new(),
    };
    validate(&profile, file, text, catalogue)?;
    settings
        .validate()
        .map_err(|error| ProfileError::at(file, text, error.key, error.after, error.message))?;
    let checked = check_parameters(&profile, catalogue);
    Ok(Profile {
        settings: Arc::new(settings),
        checked,
        ..profile
    })
}

/// Checks what the values alone cannot: that the benchmark version exists, and that every
/// reference resolved in it.
fn validate(
    profile: &Profile,
    file: &str,
    text: &str,
    catalogue: &dyn ProfileContext,
) -> Result<(), ProfileError> {
    if catalogue
        .version(&profile.benchmark, &profile.version)
        .is_none()
    {
        return Err(ProfileError::at(
            file,
            text,
            "version",
            None,
            format!(
                "unknown benchmark version {} {}",
                profile.benchmark, profile.version
            ),
        ));
    }
    let refs = profile
        .controls
        .include
        .iter()
        .chain(&profile.controls.exclude)
        .chain(profile.exceptions.iter().map(|e| &e.control));
    for reference in refs {
        if catalogue
            .resolve(&reference.id, &profile.benchmark, &profile.version)
            .is_err()
        {
            return Err(ProfileError::at(
                file,
                text,
                "controls",
                None,
                format!(
                    "control `{}` is not part of {} {}",
                    reference.written, profile.benchmark, profile.version
                ),
            ));
        }
    }
    Ok(())
}

/// Every implemented control of the benchmark version, with its parameters read as its
/// type: the block the profile gives (already checked while reading), or its defaults.
fn check_parameters(
    profile: &Profile,
    catalogue: &dyn ProfileContext,
) -> BTreeMap<String, Result<crate::parameters::CheckedParameters, String>> {
    let Some(version) = catalogue.version(&profile.benchmark, &profile.version) else {
        return BTreeMap::new();
    };
    version
        .recommendations
        .iter()
        .filter_map(|r| catalogue.control(&r.control_id))
        .map(|control| {
            let id = control.meta().id;
            (
                id.to_string(),
                control.read_parameters(profile.parameters.get(id)),
            )
        })
        .collect()
}

/// What the typed read gathers, before validation.
struct Draft<S> {
    name: Option<String>,
    description: Option<String>,
    benchmark: String,
    version: String,
    level: Level,
    controls: Selection,
    parameters: BTreeMap<String, serde_yaml::Value>,
    exceptions: Vec<Exception>,
    settings: S,
}

struct ProfileSeed<'a, S> {
    ctx: Context<'a>,
    settings: PhantomData<S>,
}

impl<'de, S: PlatformSettings> DeserializeSeed<'de> for ProfileSeed<'_, S> {
    type Value = Draft<S>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Draft<S>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// `Some(value)` once: a key given twice is an error where it is written the second time.
fn once<T, E: de::Error>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de, S: PlatformSettings> Visitor<'de> for ProfileSeed<'_, S> {
    type Value = Draft<S>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a profile: a mapping with `benchmark`, `version` and `level`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Draft<S>, A::Error> {
        let ctx = self.ctx;
        let (mut name, mut description, mut benchmark, mut version, mut level) =
            (None, None, None, None, None);
        let (mut controls, mut parameters, mut exceptions) = (None, None, None);
        let mut settings = S::default();
        let mut seen_settings: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => once(&mut name, "name", map.next_value::<Option<String>>()?)?,
                "description" => once(
                    &mut description,
                    "description",
                    map.next_value::<Option<String>>()?,
                )?,
                "benchmark" => once(
                    &mut benchmark,
                    "benchmark",
                    map.next_value_seed(BenchmarkSeed(ctx))?,
                )?,
                "version" => once(
                    &mut version,
                    "version",
                    map.next_value_seed(VersionSeed(ctx))?,
                )?,
                "level" => once(&mut level, "level", map.next_value::<LevelValue>()?.0)?,
                "controls" => once(
                    &mut controls,
                    "controls",
                    map.next_value_seed(SelectionSeed(ctx))?,
                )?,
                "parameters" => once(
                    &mut parameters,
                    "parameters",
                    map.next_value_seed(ParametersSeed(ctx))?,
                )?,
                "exceptions" => once(
                    &mut exceptions,
                    "exceptions",
                    map.next_value_seed(ListSeed(ExceptionSeed(ctx)))?,
                )?,
                other if S::KEYS.contains(&other) => {
                    if seen_settings.iter().any(|k| k == other) {
                        return Err(de::Error::custom(format!("duplicate field `{other}`")));
                    }
                    seen_settings.push(other.to_string());
                    settings.read(other, &mut map)?;
                }
                other => {
                    let expected: Vec<String> = CORE_KEYS
                        .iter()
                        .chain(S::KEYS)
                        .map(|k| format!("`{k}`"))
                        .collect();
                    return Err(de::Error::custom(format!(
                        "unknown field `{other}`, expected one of {}",
                        expected.join(", ")
                    )));
                }
            }
        }
        Ok(Draft {
            name: name.flatten(),
            description: description.flatten(),
            benchmark: benchmark.ok_or_else(|| de::Error::missing_field("benchmark"))?,
            version: version.ok_or_else(|| de::Error::missing_field("version"))?,
            level: level.ok_or_else(|| de::Error::missing_field("level"))?,
            controls: controls.unwrap_or_default(),
            parameters: parameters.unwrap_or_default(),
            exceptions: exceptions.unwrap_or_default(),
            settings,
        })
    }
}

/// A YAML list, each item read with the same seed.
#[derive(Clone, Copy)]
struct ListSeed<T>(T);

impl<'de, T> DeserializeSeed<'de> for ListSeed<T>
where
    T: DeserializeSeed<'de> + Copy,
{
    type Value = Vec<T::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T> Visitor<'de> for ListSeed<T>
where
    T: DeserializeSeed<'de> + Copy,
{
    type Value = Vec<T::Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.0)? {
            items.push(item);
        }
        Ok(items)
    }
}

/// `benchmark:`: a registered benchmark id.
#[derive(Clone, Copy)]
struct BenchmarkSeed<'a>(Context<'a>);

impl<'de> DeserializeSeed<'de> for BenchmarkSeed<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for BenchmarkSeed<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a benchmark id (`cisrun coverage` lists them)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        let catalogue = self.0.catalogue;
        match catalogue.benchmark(v) {
            Some(_) => Ok(v.to_string()),
            None => {
                let known = catalogue.benchmark_ids();
                Err(E::custom(format!(
                    "unknown benchmark `{v}`; expected one of: {}",
                    known.join(", ")
                )))
            }
        }
    }
}

/// `version:`: a version of the profile's benchmark.
#[derive(Clone, Copy)]
struct VersionSeed<'a>(Context<'a>);

impl<'de> DeserializeSeed<'de> for VersionSeed<'_> {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for VersionSeed<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a benchmark version such as \"v3.0.0\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        match self.0.catalogue.benchmark(self.0.benchmark) {
            // An unknown benchmark is reported by `benchmark:` itself.
            None => Ok(v.to_string()),
            Some(b) if b.version(v).is_some() => Ok(v.to_string()),
            Some(b) => Err(E::custom(format!(
                "unknown version `{v}` of {}; expected one of: {}",
                b.id,
                b.version_names().join(", ")
            ))),
        }
    }
}

/// `level:`: 1 or 2.
struct LevelValue(Level);

impl<'de> serde::Deserialize<'de> for LevelValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LevelVisitor;
        impl Visitor<'_> for LevelVisitor {
            type Value = LevelValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("level 1 or 2 (a number; Level 2 includes Level 1)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LevelValue, E> {
                match v {
                    1 => Ok(LevelValue(Level::One)),
                    2 => Ok(LevelValue(Level::Two)),
                    _ => Err(E::custom(format!(
                        "level must be 1 or 2 (Level 2 includes Level 1), got {v}"
                    ))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LevelValue, E> {
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
}

/// `controls:`: `include` and/or `exclude`.
#[derive(Clone, Copy)]
struct SelectionSeed<'a>(Context<'a>);

impl<'de> DeserializeSeed<'de> for SelectionSeed<'_> {
    type Value = Selection;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Selection, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SelectionSeed<'_> {
    type Value = Selection;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping with `include` and/or `exclude`")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Selection, E> {
        Ok(Selection::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Selection, A::Error> {
        let (mut include, mut exclude) = (None, None);
        let refs = ListSeed(ControlRefSeed(self.0));
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "include" => once(&mut include, "include", map.next_value_seed(refs)?)?,
                "exclude" => once(&mut exclude, "exclude", map.next_value_seed(refs)?)?,
                other => return Err(de::Error::unknown_field(other, &["include", "exclude"])),
            }
        }
        Ok(Selection {
            include: include.unwrap_or_default(),
            exclude: exclude.unwrap_or_default(),
        })
    }
}

/// One exception.
#[derive(Clone, Copy)]
struct ExceptionSeed<'a>(Context<'a>);

const EXCEPTION_KEYS: &[&str] = &["control", "account", "target", "reason", "expires"];

impl<'de> DeserializeSeed<'de> for ExceptionSeed<'_> {
    type Value = Exception;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Exception, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExceptionSeed<'_> {
    type Value = Exception;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "an exception: a mapping with `control`, `reason` and optionally `account` (or \
             `target`) and `expires`",
        )
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Exception, A::Error> {
        let (mut control, mut account, mut reason, mut expires) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "control" => once(
                    &mut control,
                    "control",
                    map.next_value_seed(ControlRefSeed(self.0))?,
                )?,
                // `target` and `account` (the AWS word, kept for AWS profiles) are one key.
                "account" | "target" => once(
                    &mut account,
                    "account",
                    map.next_value_seed(TargetIdSeed(self.0.target_id))?,
                )?,
                "reason" => once(&mut reason, "reason", map.next_value::<NonEmptyString>()?)?,
                "expires" => once(&mut expires, "expires", map.next_value::<DateValue>()?.0)?,
                other => return Err(de::Error::unknown_field(other, EXCEPTION_KEYS)),
            }
        }
        Ok(Exception {
            control: control.ok_or_else(|| de::Error::missing_field("control"))?,
            account,
            reason: reason.ok_or_else(|| de::Error::missing_field("reason"))?,
            expires: expires.flatten(),
        })
    }
}

/// An exception's `account:`: a target id, as the platform checks it.
#[derive(Clone, Copy)]
struct TargetIdSeed(fn(&str) -> Result<String, String>);

impl<'de> DeserializeSeed<'de> for TargetIdSeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        // Unquoted ids are YAML integers: accept them (leading zeros are lost, so such ids
        // fail the platform's check, whose message says to quote them).
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for TargetIdSeed {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a target id in quotes, e.g. \"123456789012\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        (self.0)(v).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.visit_str(&v.to_string())
    }
}

/// `parameters:`: each key resolved to a control id, each block checked as the control's
/// parameters where it is written.
#[derive(Clone, Copy)]
struct ParametersSeed<'a>(Context<'a>);

impl<'de> DeserializeSeed<'de> for ParametersSeed<'_> {
    type Value = BTreeMap<String, serde_yaml::Value>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ParametersSeed<'_> {
    type Value = BTreeMap<String, serde_yaml::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map from control id to that control's parameters")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key_seed(ControlRefSeed(self.0))? {
            let key: ControlRef = key;
            let value: serde_yaml::Value = map.next_value()?;
            if key.id.is_empty() {
                // Unknown benchmark or version: that field reports the error.
                out.insert(key.written, value);
                continue;
            }
            let control = self.0.catalogue.control(&key.id).ok_or_else(|| {
                de::Error::custom(format!(
                    "control `{}` is not implemented in this cisrun, so it takes no parameters",
                    key.id
                ))
            })?;
            let id = control.meta().id;
            if control.parameter_schema().is_none() {
                return Err(de::Error::custom(format!(
                    "control `{id}` takes no parameters"
                )));
            }
            control.read_parameters(Some(&value)).map_err(|message| {
                de::Error::custom(format!(
                    "parameters of `{id}`: {}",
                    strip_location(&message)
                ))
            })?;
            if out.insert(id.to_string(), value).is_some() {
                return Err(de::Error::custom(format!(
                    "parameters of `{id}` are given twice"
                )));
            }
        }
        Ok(out)
    }
}

/// `expires:`: a date YYYY-MM-DD.
struct DateValue(Option<NaiveDate>);

impl<'de> serde::Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_date(deserializer).map(DateValue)
    }
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
