//! The profile key the linux-host platform owns: `targets:`, the root directories to audit.
//!
//! ```yaml
//! targets:
//!   roots: ["/", "/mnt/image"]   # default: ["/"], this machine
//! ```

use std::fmt;

use cisrun_core::profile::SettingsError;
use cisrun_core::PlatformSettings;
use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// What a linux-host profile says beyond the benchmark: which roots to audit.
#[derive(Debug, Clone, Default)]
pub struct HostSettings {
    pub targets: Targets,
}

impl PlatformSettings for HostSettings {
    const KEYS: &'static [&'static str] = &["targets"];

    fn read<'de, A: de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "targets" => self.targets = map.next_value()?,
            other => return Err(de::Error::custom(format!("unknown key `{other}`"))),
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), SettingsError> {
        self.targets.validate().map_err(|message| SettingsError {
            key: "roots",
            after: Some("targets"),
            message: format!("targets.roots: {message}"),
        })
    }

    fn schema(generator: &mut schemars::SchemaGenerator) -> Vec<(&'static str, schemars::Schema)> {
        let reference = generator.subschema_for::<Targets>();
        let targets = schemars::json_schema!({
            "$ref": reference.get("$ref").cloned().unwrap_or_default(),
            "default": serde_json::to_value(Targets::default()).unwrap_or_default(),
            "description": "Which root directories to audit: `/` is this machine (its running \
                            kernel too); any other root (a mounted image, a container's \
                            filesystem) is audited from its files only. Defaults to `/`.",
        });
        vec![("targets", targets)]
    }
}

/// The roots to audit, each one target.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `roots`")]
pub struct Targets {
    /// Absolute paths of root directories, e.g. `/` or `/mnt/image`.
    #[serde(default = "this_machine")]
    pub roots: Vec<RootPath>,
}

fn this_machine() -> Vec<RootPath> {
    vec![RootPath("/".to_string())]
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            roots: this_machine(),
        }
    }
}

impl Targets {
    fn validate(&self) -> Result<(), String> {
        if self.roots.is_empty() {
            return Err("name at least one root, e.g. `/`".to_string());
        }
        for (index, root) in self.roots.iter().enumerate() {
            if self.roots[..index].contains(root) {
                return Err(format!("`{root}` is listed twice"));
            }
        }
        Ok(())
    }
}

/// An absolute root directory, normalized (`//mnt/image/` is `/mnt/image`): the target's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RootPath(pub String);

impl RootPath {
    /// Checks and normalizes a root as a profile writes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        if !text.starts_with('/') {
            return Err(format!(
                "`{text}` is not an absolute path: a root is e.g. `/` or `/mnt/image`"
            ));
        }
        let mut parts = Vec::new();
        for part in text.split('/') {
            match part {
                "" | "." => {}
                // A root written with `..` may not be the directory it looks like.
                ".." => return Err(format!("`{text}`: write the root without `..`")),
                name => parts.push(name),
            }
        }
        Ok(Self(format!("/{}", parts.join("/"))))
    }
}

impl fmt::Display for RootPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for RootPath {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RootPath".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An absolute path of a root directory, e.g. `/` or `/mnt/image`.",
            "type": "string",
            "pattern": "^/"
        })
    }
}

impl<'de> Deserialize<'de> for RootPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor, not a detour through `Value`: errors then carry the exact location.
        struct RootVisitor;
        impl Visitor<'_> for RootVisitor {
            type Value = RootPath;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an absolute path of a root directory, e.g. `/mnt/image`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RootPath, E> {
                RootPath::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(RootVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_absolute_and_normalized() {
        assert_eq!(RootPath::parse("/").map(|r| r.0), Ok("/".to_string()));
        assert_eq!(
            RootPath::parse("//mnt/./image/").map(|r| r.0),
            Ok("/mnt/image".to_string())
        );
        for bad in ["", "mnt/image", "./image", "/mnt/../etc"] {
            assert!(RootPath::parse(bad).is_err(), "{bad}");
        }
        let twice = Targets {
            roots: vec![RootPath("/".into()), RootPath("/".into())],
        };
        assert!(twice.validate().is_err());
        assert!(Targets { roots: vec![] }.validate().is_err());
        assert!(Targets::default().validate().is_ok());
    }
}
