//! A platform and controls for tests of the model itself (and of the profile reader):
//! nothing here is registered, so no binary ever sees them.

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::benchmark::{parse_table, Benchmark};
use crate::control::{Audit, Automated, Described};
use crate::doc::ControlDoc;
use crate::meta::{Assessment, ControlMeta};
use crate::outcome::{ErrorDetail, Outcome};
use crate::parameters::{Input, NoParameters};
use crate::platform::{
    NoSettings, OcsfTarget, Platform, PlatformError, Registered, RunLimits, TargetIdentity,
    TargetRef,
};
use crate::report::TargetReport;

/// Documentation with every required heading.
pub const DOC: ControlDoc = ControlDoc(
    "## Description\nd\n## Rationale\nr\n## Impact\ni\n## Audit\na\n## Remediation\nr\n## Default value\nv\n## References\nx\n",
);

/// What the test platform's controls audit.
pub struct TestTarget;

/// A platform whose one target passes every control.
#[derive(Debug, Clone, Copy)]
pub struct TestPlatform;

#[async_trait]
impl Platform for TestPlatform {
    type Target = TestTarget;
    type Settings = NoSettings;
    type Session = ();
    const NAME: &'static str = "test";
    const TARGET_KIND: &'static str = "test-target";
    const TARGET_NOUN: &'static str = "target";

    fn target_id(id: &str) -> Result<String, String> {
        (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| id.to_string())
            .ok_or_else(|| format!("`{id}` is not a test target id: expected 12 digits"))
    }

    async fn open(&self, _: &NoSettings, _: RunLimits) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn targets(&self, _: &()) -> Result<Vec<TargetRef>, PlatformError> {
        Ok(Vec::new())
    }

    async fn connect(&self, _: &(), _: &TargetRef) -> Result<TestTarget, ErrorDetail> {
        Ok(TestTarget)
    }

    fn identity(&self, _: &TestTarget) -> TargetIdentity {
        TargetIdentity::default()
    }

    fn permissions(&self, _: &NoSettings, actions: &BTreeSet<&'static str>) -> serde_json::Value {
        serde_json::json!(actions)
    }

    fn ocsf(&self, _: &TargetReport) -> OcsfTarget {
        OcsfTarget::default()
    }
}

/// The test platform, as registered.
pub static PLATFORM: Registered<TestPlatform> = Registered(TestPlatform);

/// A second platform, for "control of another platform" tests.
#[derive(Debug, Clone, Copy)]
pub struct OtherPlatform;

/// What [`OtherPlatform`]'s controls audit.
pub struct OtherTarget;

#[async_trait]
impl Platform for OtherPlatform {
    type Target = OtherTarget;
    type Settings = NoSettings;
    type Session = ();
    const NAME: &'static str = "other";
    const TARGET_KIND: &'static str = "other-target";
    const TARGET_NOUN: &'static str = "target";

    fn target_id(id: &str) -> Result<String, String> {
        Ok(id.to_string())
    }

    async fn open(&self, _: &NoSettings, _: RunLimits) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn targets(&self, _: &()) -> Result<Vec<TargetRef>, PlatformError> {
        Ok(Vec::new())
    }

    async fn connect(&self, _: &(), _: &TargetRef) -> Result<OtherTarget, ErrorDetail> {
        Ok(OtherTarget)
    }

    fn identity(&self, _: &OtherTarget) -> TargetIdentity {
        TargetIdentity::default()
    }

    fn permissions(&self, _: &NoSettings, _: &BTreeSet<&'static str>) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn ocsf(&self, _: &TargetReport) -> OcsfTarget {
        OcsfTarget::default()
    }
}

/// The other platform, as registered.
pub static OTHER_PLATFORM: Registered<OtherPlatform> = Registered(OtherPlatform);

/// Metadata of an automated test control.
pub const fn meta(id: &'static str, title: &'static str) -> ControlMeta {
    ControlMeta {
        id,
        title,
        assessment: Assessment::Automated,
        doc: DOC,
        permissions: &[],
    }
}

/// A test control: one type, many instances (a family of its own).
pub struct TestControl(pub ControlMeta);

impl Described for TestControl {
    type Target = TestTarget;
    type Parameters = NoParameters;
    fn meta(&self) -> &ControlMeta {
        &self.0
    }
}

#[async_trait]
impl Audit for TestControl {
    async fn audit(
        &self,
        _: &TestTarget,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(Outcome::pass("passes", Vec::new()))
    }
}

/// An automated test control with this id and title.
pub const fn control(id: &'static str, title: &'static str) -> Automated<TestControl> {
    Automated(TestControl(meta(id, title)))
}

/// A control of [`OtherPlatform`].
pub struct OtherControl(pub ControlMeta);

impl Described for OtherControl {
    type Target = OtherTarget;
    type Parameters = NoParameters;
    fn meta(&self) -> &ControlMeta {
        &self.0
    }
}

/// A benchmark of the test platform from (version, table) pairs.
pub fn benchmark(id: &str, versions: &[(&str, &str)]) -> Benchmark {
    Benchmark {
        id: id.to_string(),
        title: id.to_string(),
        short_title: id.to_string(),
        platform: TestPlatform::NAME.to_string(),
        plugin: "tests".to_string(),
        versions: versions
            .iter()
            .map(|(version, table)| parse_table(id, version, table).expect("a valid table"))
            .collect(),
    }
}

/// A report of `targets` targets by `controls` results, two thirds failing with five
/// resources each, some labelled new: for tests of size and speed.
pub fn big_report(targets: usize, controls: usize) -> crate::report::RunReport {
    use crate::change::Change;
    use crate::outcome::Evidence;
    use crate::report::{ControlResult, RunInfo, RunReport};
    let targets = (0..targets)
        .map(|a| TargetReport {
            id: format!("{:012}", a + 1),
            name: Some(format!("team-{a} | prod <x>")),
            kind: TestPlatform::TARGET_KIND.to_string(),
            attributes: Default::default(),
            results: (0..controls)
                .map(|c| ControlResult {
                    control_id: format!("test-control-{c}"),
                    number: format!("{}.{}", c / 20 + 1, c % 20 + 1),
                    title: format!("Ensure something rather long is configured properly {c}"),
                    level: (c % 2 + 1) as u8,
                    section: format!("{}", c / 20 + 1),
                    outcome: if (a + c) % 3 == 0 {
                        Outcome::pass("fine", vec![])
                    } else {
                        Outcome::fail(
                            format!("{} resources are not compliant: {}", c, "x".repeat(300)),
                            (0..5)
                                .map(|i| {
                                    Evidence::new(
                                        format!("test:{:012}:resource/r{i}", a + 1),
                                        "missing",
                                    )
                                })
                                .collect(),
                        )
                    },
                    duration_seconds: 0.0,
                    plan: None,
                    change: Some(if c % 7 == 0 {
                        Change::New
                    } else {
                        Change::Unchanged
                    }),
                })
                .collect(),
        })
        .collect();
    RunReport {
        run: RunInfo {
            tool: "cisrun".into(),
            tool_version: "0.0.0".into(),
            profile: "big".into(),
            benchmark: "test-bench".into(),
            version: "v1".into(),
            level: 2,
            command: "audit".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_seconds: 1.5,
            partition: None,
        },
        targets,
        baseline: None,
    }
}

/// Runs a control's audit as the runner does, with its parameters' defaults and no
/// benchmark version: an error is the outcome's. For unit tests of controls.
pub async fn audit<C: Audit>(control: &C, target: &C::Target) -> Outcome {
    match crate::parameters::read::<C::Parameters>(None) {
        Ok(parameters) => audit_as(control, target, &parameters, "").await,
        Err(message) => Outcome::error(ErrorDetail {
            code: "InvalidParameters".to_string(),
            message,
            missing_permission: None,
        }),
    }
}

/// [`audit`] with these parameters and benchmark version.
pub async fn audit_as<C: Audit>(
    control: &C,
    target: &C::Target,
    parameters: &C::Parameters,
    version: &str,
) -> Outcome {
    control
        .audit(
            target,
            Input {
                parameters,
                version,
            },
        )
        .await
        .unwrap_or_else(Outcome::error)
}

/// Parameters of type `P` from a YAML block, checked as the profile reader checks them.
pub fn parameters<P: crate::ControlParameters>(yaml: &str) -> Result<P, String> {
    let block: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    crate::parameters::read::<P>(Some(&block))
}
