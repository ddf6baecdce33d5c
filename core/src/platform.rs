//! What a platform is: the kind of thing its controls audit (an AWS account, a Linux host),
//! the profile keys it owns, how it finds its targets and reaches each one, how reports
//! name a target, and what it can say about permissions.
//!
//! A platform crate implements [`Platform`] and registers it with
//! [`register_platform!`](crate::register_platform!); its controls name its
//! [`Platform::Target`] as their target. The runner knows no platform: it sees each through
//! [`DynPlatform`].

use std::any::{Any, TypeId};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::outcome::ErrorDetail;
pub use crate::profile::{NoSettings, PlatformSettings, SettingsError};
use crate::profile::{Profile, ProfileContext, ProfileError, ProfileReader, ProfileSource};
pub use crate::report::TargetIdentity;
use crate::report::TargetReport;

/// A target as its platform lists it, before it is reached.
#[derive(Clone)]
pub struct TargetRef {
    /// Its id when known before connecting (an account id, a root path); `None` for "the
    /// one the credentials reach", known once connected.
    pub id: Option<String>,
    pub name: Option<String>,
    /// What the platform needs to reach it; opaque to the runner.
    pub how: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for TargetRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetRef")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TargetRef {
    /// `id (name)`, for logs and the progress display; `noun` names a target with no id yet.
    pub fn label(&self, noun: &str) -> String {
        let current = format!("current {noun}");
        let id = self.id.as_deref().unwrap_or(&current);
        match &self.name {
            Some(name) => format!("{id} ({name})"),
            None => id.to_string(),
        }
    }
}

/// Bounds a run puts on each target.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    /// Requests in flight per target and service.
    pub requests_per_service: usize,
    /// Pages one listing may have.
    pub max_pages: usize,
    /// Longest the audit of one target may take.
    pub deadline: Duration,
}

/// A platform could not list or reach its targets at all.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PlatformError {
    pub message: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl PlatformError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// How OCSF events describe a target of this platform.
#[derive(Debug, Clone, Default)]
pub struct OcsfTarget {
    /// The event's `cloud` object, for cloud platforms.
    pub cloud: Option<serde_json::Value>,
    /// The event's `device` object, for hosts.
    pub device: Option<serde_json::Value>,
    /// `resources[].cloud_partition`.
    pub partition: Option<String>,
    /// `resources[].type` of the target itself (AWS: `AWS::::Account`).
    pub target_type: String,
    /// `resources[].type` of the resources a control names.
    pub resource_type: String,
    /// `metadata.profiles`, e.g. `["cloud"]`.
    pub profiles: Vec<String>,
}

/// A row of the permissions table a platform adds for what it needs itself (e.g. listing
/// an AWS Organization): what needs it, and the actions.
#[derive(Debug, Clone)]
pub struct PermissionRow {
    pub subject: String,
    pub actions: Vec<&'static str>,
}

/// A platform.
#[async_trait]
pub trait Platform: Clone + Send + Sync + 'static {
    /// What its controls audit: the context of one target.
    type Target: Send + Sync + 'static;
    /// The profile keys it owns.
    type Settings: PlatformSettings;
    /// What a run holds while it lists and reaches targets (e.g. the loaded credentials).
    type Session: Send + Sync + 'static;

    /// Its name, e.g. `aws`.
    const NAME: &'static str;
    /// The kind of target in reports, e.g. `aws-account`.
    const TARGET_KIND: &'static str;
    /// What people call one target, e.g. `account`, `host`.
    const TARGET_NOUN: &'static str;

    /// A target id as written in a profile (an exception's `account:` or `target:`),
    /// checked and in the spelling the platform's targets carry.
    fn target_id(written: &str) -> Result<String, String>;

    /// The JSON Schema of a target id, for `cisrun schema` (default: any string).
    fn target_id_schema() -> Option<serde_json::Value> {
        None
    }

    /// Starts a run with these settings.
    async fn open(
        &self,
        settings: &Self::Settings,
        limits: RunLimits,
    ) -> Result<Self::Session, PlatformError>;

    /// The targets the settings name, in a stable order.
    async fn targets(&self, session: &Self::Session) -> Result<Vec<TargetRef>, PlatformError>;

    /// Reaches one target; the error is every selected control's error on it.
    async fn connect(
        &self,
        session: &Self::Session,
        target: &TargetRef,
    ) -> Result<Self::Target, ErrorDetail>;

    /// How reports name a reached target.
    fn identity(&self, target: &Self::Target) -> TargetIdentity;

    /// What `cisrun permissions --profile` prints: the least privilege the run needs, as a
    /// JSON document (for AWS, an IAM policy), from the actions of the profile's controls.
    fn permissions(
        &self,
        settings: &Self::Settings,
        actions: &BTreeSet<&'static str>,
    ) -> serde_json::Value;

    /// Rows the permissions table adds for the platform's own needs.
    fn permission_rows(&self) -> Vec<PermissionRow> {
        Vec::new()
    }

    /// Requests sent so far, where the platform counts them (logs, benchmarks).
    fn requests_sent(&self) -> Option<u64> {
        None
    }

    /// How OCSF events describe a target.
    fn ocsf(&self, target: &TargetReport) -> OcsfTarget;
}

/// A reached target: its identity and its context, erased.
pub struct Connected {
    pub identity: TargetIdentity,
    pub target: Box<dyn Any + Send + Sync>,
}

/// A run's session with one platform, erased.
#[async_trait]
pub trait DynSession: Send + Sync {
    async fn targets(&self) -> Result<Vec<TargetRef>, PlatformError>;
    async fn connect(&self, target: &TargetRef) -> Result<Connected, ErrorDetail>;
    /// A reached target's identity now (after an audit the platform may know more).
    fn identity(&self, target: &Connected) -> TargetIdentity;
}

/// A platform as the runner sees it.
#[async_trait]
pub trait DynPlatform: Send + Sync {
    fn name(&self) -> &'static str;
    fn target_kind(&self) -> &'static str;
    fn target_noun(&self) -> &'static str;
    /// The type its controls name as their target.
    fn target_type(&self) -> TypeId;
    /// The profile keys it owns.
    fn profile_keys(&self) -> &'static [&'static str];
    /// How profiles of its benchmarks are read (the keys it owns included).
    fn profile_reader(&self) -> ProfileReader;
    /// Its keys' JSON Schemas.
    fn settings_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Vec<(&'static str, schemars::Schema)>;
    fn target_id(&self, written: &str) -> Result<String, String>;
    fn target_id_schema(&self) -> Option<serde_json::Value>;
    async fn open(
        &self,
        profile: &Profile,
        limits: RunLimits,
    ) -> Result<Box<dyn DynSession>, PlatformError>;
    fn permissions(&self, profile: &Profile, actions: &BTreeSet<&'static str>)
        -> serde_json::Value;
    fn permission_rows(&self) -> Vec<PermissionRow>;
    fn requests_sent(&self) -> Option<u64>;
    fn ocsf(&self, target: &TargetReport) -> OcsfTarget;
}

/// Reads a profile of platform `P`'s benchmarks, its settings as `P::Settings`.
fn read_profile<P: Platform>(
    source: &ProfileSource,
    context: &dyn ProfileContext,
) -> Result<Profile, ProfileError> {
    crate::profile::parse_for::<P::Settings>(P::NAME, P::target_id, source, context)
}

/// A [`Platform`] as registered.
pub struct Registered<P>(pub P);

struct Session<P: Platform> {
    platform: P,
    session: P::Session,
}

#[async_trait]
impl<P: Platform> DynSession for Session<P> {
    async fn targets(&self) -> Result<Vec<TargetRef>, PlatformError> {
        self.platform.targets(&self.session).await
    }

    async fn connect(&self, target: &TargetRef) -> Result<Connected, ErrorDetail> {
        let reached = self.platform.connect(&self.session, target).await?;
        Ok(Connected {
            identity: self.platform.identity(&reached),
            target: Box::new(reached),
        })
    }

    fn identity(&self, target: &Connected) -> TargetIdentity {
        target
            .target
            .downcast_ref::<P::Target>()
            .map_or_else(|| target.identity.clone(), |t| self.platform.identity(t))
    }
}

impl<P: Platform> Registered<P> {
    fn settings<'a>(&self, profile: &'a Profile) -> Result<&'a P::Settings, PlatformError> {
        profile.settings::<P::Settings>().ok_or_else(|| {
            PlatformError::new(format!(
                "the profile was read for platform `{}`, not `{}`",
                profile.platform,
                P::NAME
            ))
        })
    }
}

#[async_trait]
impl<P: Platform> DynPlatform for Registered<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn target_kind(&self) -> &'static str {
        P::TARGET_KIND
    }
    fn target_noun(&self) -> &'static str {
        P::TARGET_NOUN
    }
    fn target_type(&self) -> TypeId {
        TypeId::of::<P::Target>()
    }
    fn profile_keys(&self) -> &'static [&'static str] {
        <P::Settings as PlatformSettings>::KEYS
    }
    fn profile_reader(&self) -> ProfileReader {
        ProfileReader {
            platform: P::NAME,
            read: read_profile::<P>,
        }
    }
    fn settings_schema(
        &self,
        generator: &mut schemars::SchemaGenerator,
    ) -> Vec<(&'static str, schemars::Schema)> {
        <P::Settings as PlatformSettings>::schema(generator)
    }
    fn target_id(&self, written: &str) -> Result<String, String> {
        P::target_id(written)
    }
    fn target_id_schema(&self) -> Option<serde_json::Value> {
        P::target_id_schema()
    }
    async fn open(
        &self,
        profile: &Profile,
        limits: RunLimits,
    ) -> Result<Box<dyn DynSession>, PlatformError> {
        let settings = self.settings(profile)?;
        let session = self.0.open(settings, limits).await?;
        Ok(Box::new(Session {
            platform: self.0.clone(),
            session,
        }))
    }
    fn permissions(
        &self,
        profile: &Profile,
        actions: &BTreeSet<&'static str>,
    ) -> serde_json::Value {
        match self.settings(profile) {
            Ok(settings) => self.0.permissions(settings, actions),
            Err(error) => serde_json::json!({ "error": error.message }),
        }
    }
    fn permission_rows(&self) -> Vec<PermissionRow> {
        self.0.permission_rows()
    }
    fn requests_sent(&self) -> Option<u64> {
        self.0.requests_sent()
    }
    fn ocsf(&self, target: &TargetReport) -> OcsfTarget {
        self.0.ocsf(target)
    }
}
