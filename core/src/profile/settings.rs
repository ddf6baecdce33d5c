//! The profile keys a platform owns: read by the platform's own type, through the same
//! reader as every other key.

/// A platform's settings break a rule across their fields: the key to point at (found
/// after the key `after`, when given) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub key: &'static str,
    pub after: Option<&'static str>,
    pub message: String,
}

/// The profile keys a platform owns (for AWS `targets:` and `regions:`), read and checked
/// when the profile is read, with file, line and column, like every other key.
pub trait PlatformSettings: Default + Send + Sync + 'static {
    /// The top-level keys this platform reads.
    const KEYS: &'static [&'static str];

    /// Reads the value of `key` (one of [`PlatformSettings::KEYS`]) from the profile.
    fn read<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// Rules across fields, once every key is read.
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }

    /// Each key's JSON Schema, for `cisrun schema`.
    fn schema(generator: &mut schemars::SchemaGenerator) -> Vec<(&'static str, schemars::Schema)>;
}

/// A platform without profile keys of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSettings;

impl PlatformSettings for NoSettings {
    const KEYS: &'static [&'static str] = &[];

    fn read<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        _map: &mut A,
    ) -> Result<(), A::Error> {
        Err(serde::de::Error::custom(format!("unknown key `{key}`")))
    }

    fn schema(_: &mut schemars::SchemaGenerator) -> Vec<(&'static str, schemars::Schema)> {
        Vec::new()
    }
}
