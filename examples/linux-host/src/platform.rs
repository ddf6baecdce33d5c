//! The linux-host platform: a target is a root directory, `/` for this machine or the root of
//! a mounted image or container filesystem. Its id is the root path. Controls read files of
//! the root through [`LinuxHost::root`]; on this machine (`/`) they may also read the running
//! kernel's `/proc/sys`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cisrun_core::platform::OcsfTarget;
use cisrun_core::{
    ErrorDetail, Platform, PlatformError, RunLimits, TargetIdentity, TargetRef, TargetReport,
};
use serde_json::json;

use crate::root::Root;
use crate::settings::{HostSettings, RootPath};

/// The linux-host platform.
#[derive(Debug, Clone, Copy)]
pub struct LinuxHostPlatform;

/// What a run holds: the roots the profile names.
pub struct HostSession {
    roots: Vec<RootPath>,
}

/// One reached root: what this platform's controls audit.
#[derive(Debug)]
pub struct LinuxHost {
    pub root: Root,
    identity: TargetIdentity,
}

impl LinuxHost {
    /// Reaches a root: it must be a directory. Its facts (hostname, OS) are read once here.
    pub fn open(root: &RootPath) -> Result<Self, ErrorDetail> {
        let path = std::path::Path::new(&root.0);
        match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => {}
            Ok(_) => return Err(unreachable(root, "it is not a directory".to_string())),
            Err(error) => return Err(unreachable(root, error.to_string())),
        }
        let root_dir = Root::new(path);
        let identity = identity_of(&root_dir, root);
        Ok(Self {
            root: root_dir,
            identity,
        })
    }

    pub fn identity(&self) -> &TargetIdentity {
        &self.identity
    }
}

fn unreachable(root: &RootPath, why: String) -> ErrorDetail {
    ErrorDetail {
        code: "RootUnreachable".to_string(),
        message: format!("cannot audit root {root}: {why}"),
        missing_permission: None,
    }
}

/// The first line of a small file of the root, when it is readable and not empty. Facts for
/// reports only: an unreadable one is left out, never an error.
fn first_line(root: &Root, inner: &str) -> Option<String> {
    let text = root.read(inner).ok().flatten()?;
    let line = text.lines().next()?.trim().to_string();
    (!line.is_empty()).then_some(line)
}

/// `PRETTY_NAME` of `os-release(5)`, which lives in `/etc` or `/usr/lib`.
fn os_name(root: &Root) -> Option<String> {
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|path| root.read(path).ok().flatten())?;
    text.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?;
        Some(value.trim().trim_matches('"').to_string())
    })
}

fn identity_of(root: &Root, id: &RootPath) -> TargetIdentity {
    // The running kernel's hostname is the truth on a live host; an image has only its file.
    let hostname = first_line(root, "/etc/hostname").or_else(|| {
        root.is_live()
            .then(|| first_line(root, "/proc/sys/kernel/hostname"))
            .flatten()
    });
    let mut attributes = BTreeMap::new();
    attributes.insert("root".to_string(), json!(id.0));
    attributes.insert("live".to_string(), json!(root.is_live()));
    if let Some(hostname) = &hostname {
        attributes.insert("hostname".to_string(), json!(hostname));
    }
    if let Some(os) = os_name(root) {
        attributes.insert("os".to_string(), json!(os));
    }
    if let Some(machine_id) = first_line(root, "/etc/machine-id") {
        attributes.insert("machine_id".to_string(), json!(machine_id));
    }
    TargetIdentity {
        id: id.0.clone(),
        name: hostname,
        attributes,
    }
}

#[async_trait::async_trait]
impl Platform for LinuxHostPlatform {
    type Target = LinuxHost;
    type Settings = HostSettings;
    type Session = HostSession;

    const NAME: &'static str = "linux-host";
    const TARGET_KIND: &'static str = "linux-host";
    const TARGET_NOUN: &'static str = "host";

    fn target_id(written: &str) -> Result<String, String> {
        // An exception names a root however it is spelled: `/img/` is the target `/img`.
        RootPath::parse(written).map(|root| root.0)
    }

    fn target_id_schema() -> Option<serde_json::Value> {
        Some(json!({
            "description": "A root directory, e.g. `/` or `/mnt/image`.",
            "type": "string",
            "pattern": "^/"
        }))
    }

    async fn open(
        &self,
        settings: &HostSettings,
        _limits: RunLimits,
    ) -> Result<HostSession, PlatformError> {
        Ok(HostSession {
            roots: settings.targets.roots.clone(),
        })
    }

    async fn targets(&self, session: &HostSession) -> Result<Vec<TargetRef>, PlatformError> {
        Ok(session
            .roots
            .iter()
            .map(|root| TargetRef {
                id: Some(root.0.clone()),
                name: None,
                how: Arc::new(root.clone()),
            })
            .collect())
    }

    async fn connect(
        &self,
        _session: &HostSession,
        target: &TargetRef,
    ) -> Result<LinuxHost, ErrorDetail> {
        let root = match target.how.downcast_ref::<RootPath>() {
            Some(root) => root.clone(),
            None => {
                let id = target.id.as_deref().unwrap_or("/");
                RootPath::parse(id).map_err(|message| ErrorDetail {
                    code: "InvalidTarget".to_string(),
                    message,
                    missing_permission: None,
                })?
            }
        };
        LinuxHost::open(&root)
    }

    fn identity(&self, host: &LinuxHost) -> TargetIdentity {
        host.identity.clone()
    }

    fn permissions(
        &self,
        settings: &HostSettings,
        actions: &BTreeSet<&'static str>,
    ) -> serde_json::Value {
        // `read:/etc/shadow` → files["/etc/shadow"] = ["read"]: what to grant, file by file.
        let mut files: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for action in actions {
            if let Some((verb, path)) = action.split_once(':') {
                files.entry(path).or_default().push(verb);
            }
        }
        json!({
            "platform": Self::NAME,
            "roots": settings.targets.roots,
            "note": "paths are inside each root; reading /etc/shadow needs root or the shadow \
                     group, and the fixes' chown needs root",
            "files": files,
            "actions": actions,
        })
    }

    fn ocsf(&self, target: &TargetReport) -> OcsfTarget {
        let attribute = |key: &str| target.attributes.get(key).and_then(|v| v.as_str());
        let hostname = attribute("hostname").unwrap_or(&target.id);
        // OCSF 1.5 `device`: `type_id` is required; 0 is "Unknown" (a root directory may be a
        // server, a desktop or an image); `os.type_id` 200 is Linux.
        let mut device = json!({
            "hostname": hostname,
            "name": target.name.clone().unwrap_or_else(|| target.id.clone()),
            "type_id": 0,
            "type": "Unknown",
            "os": {
                "name": attribute("os").unwrap_or("Linux"),
                "type_id": 200,
                "type": "Linux",
            },
        });
        if let Some(machine_id) = attribute("machine_id") {
            device["uid"] = json!(machine_id);
        }
        OcsfTarget {
            cloud: None,
            device: Some(device),
            partition: None,
            target_type: "Linux Host".to_string(),
            resource_type: "File".to_string(),
            profiles: vec!["host".to_string()],
        }
    }
}

cisrun_core::register_platform!(LinuxHostPlatform);
