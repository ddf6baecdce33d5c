//! A control's parameters: a type of its own, read and checked once, when the profile is
//! read, then handed to the audit and the fix as that type.

use std::any::Any;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// A control's parameters as a type: serde reads them (unknown keys are errors), schemars
/// describes them for `cisrun schema`, and [`ControlParameters::validate`] checks what the
/// types alone cannot. The profile is checked once, when it is read.
pub trait ControlParameters: DeserializeOwned + JsonSchema + Send + Sync + 'static {
    /// True for [`NoParameters`]: a `parameters:` block for the control is then an error.
    const NONE: bool = false;

    /// Rules across fields (e.g. "either this or that"). Runs when the profile is read.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The parameters of a control that takes none.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParameters {}

impl ControlParameters for NoParameters {
    const NONE: bool = true;
}

/// A control's parameters, read and checked, as the type the control declared (erased for
/// the runner, which hands them back to the control that read them).
pub type CheckedParameters = Arc<dyn Any + Send + Sync>;

/// Reads a `parameters:` block (`None`: the profile gives none, so the type's defaults) as
/// `P`, checked. The message names what is wrong.
pub fn read<P: ControlParameters>(block: Option<&serde_yaml::Value>) -> Result<P, String> {
    if P::NONE {
        if block.is_some() {
            return Err("this control takes no parameters".to_string());
        }
        let none: P = serde_yaml::from_value(serde_yaml::Value::Mapping(Default::default()))
            .map_err(|e| e.to_string())?;
        return Ok(none);
    }
    let value = block
        .cloned()
        .unwrap_or_else(|| serde_yaml::Value::Mapping(Default::default()));
    let value = match value {
        // `aws-x:` with nothing after it is an empty block.
        serde_yaml::Value::Null => serde_yaml::Value::Mapping(Default::default()),
        other => other,
    };
    let typed: P = serde_yaml::from_value(value).map_err(|e| e.to_string())?;
    typed.validate()?;
    Ok(typed)
}

/// How the catalogue describes a control's parameters (`cisrun schema`).
#[derive(Debug, Clone, Copy)]
pub struct ParameterSchema {
    pub schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl ParameterSchema {
    /// The schema of parameters of type `P`, or `None` when it takes none.
    pub fn of<P: ControlParameters>() -> Option<Self> {
        (!P::NONE).then_some(Self {
            schema: schema_of::<P>,
        })
    }
}

fn schema_of<P: ControlParameters>(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<P>()
}

/// What a control's audit and fix get besides their target.
#[derive(Debug)]
pub struct Input<'a, P> {
    /// The control's parameters, checked when the profile was read.
    pub parameters: &'a P,
    /// The benchmark version the profile audits (e.g. `v7.0.0`), for the few controls whose
    /// rule differs between versions.
    pub version: &'a str,
}

impl<P> Clone for Input<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Input<'_, P> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    struct Limit {
        #[serde(default = "ten")]
        max: u32,
    }

    fn ten() -> u32 {
        10
    }

    impl ControlParameters for Limit {
        fn validate(&self) -> Result<(), String> {
            (self.max > 0)
                .then_some(())
                .ok_or("max must be at least 1".into())
        }
    }

    #[test]
    fn blocks_are_read_once_as_their_type() {
        assert_eq!(read::<Limit>(None).map(|l| l.max), Ok(10));
        let block: serde_yaml::Value = serde_yaml::from_str("max: 3").expect("yaml");
        assert_eq!(read::<Limit>(Some(&block)).map(|l| l.max), Ok(3));
        let zero: serde_yaml::Value = serde_yaml::from_str("max: 0").expect("yaml");
        assert!(read::<Limit>(Some(&zero)).is_err());
        let unknown: serde_yaml::Value = serde_yaml::from_str("mx: 3").expect("yaml");
        assert!(read::<Limit>(Some(&unknown))
            .unwrap_err()
            .contains("unknown field"));
        assert!(read::<NoParameters>(None).is_ok());
        assert!(read::<NoParameters>(Some(&block))
            .unwrap_err()
            .contains("takes no parameters"));
        assert!(ParameterSchema::of::<NoParameters>().is_none());
        assert!(ParameterSchema::of::<Limit>().is_some());
    }
}
