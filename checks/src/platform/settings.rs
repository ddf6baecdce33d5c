//! The profile keys the AWS platform owns: `targets:` (which accounts, and how each is
//! reached) and `regions:` (which of each account's enabled regions regional controls read).

use std::fmt;

use cisrun_core::profile::{NonEmptyString, SettingsError};
use cisrun_core::PlatformSettings;
use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// What an AWS profile says beyond the benchmark: its targets and regions.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub targets: Targets,
    pub regions: Regions,
}

impl PlatformSettings for AwsSettings {
    const KEYS: &'static [&'static str] = &["targets", "regions"];

    fn read<'de, A: de::MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "targets" => self.targets = map.next_value()?,
            "regions" => self.regions = map.next_value()?,
            other => return Err(de::Error::custom(format!("unknown key `{other}`"))),
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), SettingsError> {
        self.targets
            .validate()
            .map_err(|(key, message)| SettingsError {
                key,
                after: (key != "targets").then_some("targets"),
                message: format!("targets: {message}"),
            })?;
        self.regions.validate().map_err(|message| SettingsError {
            key: "regions",
            after: None,
            message: format!("regions: {message}"),
        })
    }

    fn schema(generator: &mut schemars::SchemaGenerator) -> Vec<(&'static str, schemars::Schema)> {
        let targets = described(
            generator.subschema_for::<Targets>(),
            serde_json::to_value(Targets::default()).unwrap_or_default(),
            "Which accounts to audit. Defaults to the account of the current credentials.",
        );
        let regions = described(
            generator.subschema_for::<Regions>(),
            serde_json::to_value(Regions::default()).unwrap_or_default(),
            "Which of each account's enabled regions regional controls read. Defaults to every\n\
             region enabled for the account.",
        );
        vec![("targets", targets), ("regions", regions)]
    }
}

/// A key's schema as schemars writes a documented field with a default: the type's
/// reference, its default value and the description.
fn described(
    reference: schemars::Schema,
    default: serde_json::Value,
    description: &str,
) -> schemars::Schema {
    schemars::json_schema!({
        "$ref": reference.get("$ref").cloned().unwrap_or_default(),
        "default": default,
        "description": description,
    })
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
