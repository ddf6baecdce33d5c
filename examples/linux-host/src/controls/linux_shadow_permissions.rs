//! CIS Debian Linux: `/etc/shadow` is owned by root, group root or shadow, mode 0640 or
//! stricter. The example of a host fix: `chown` and `chmod`, each journaled with the state it
//! replaced and undone exactly.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, Evidence, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};

use crate::platform::LinuxHost;
use crate::root::FileError;

const SHADOW: &str = "/etc/shadow";
const GROUP: &str = "/etc/group";
/// The most a mode may allow: `rw-r-----`.
const MOST_ALLOWED: u32 = 0o640;

const CHOWN: &str = "chown:/etc/shadow";
const CHMOD: &str = "chmod:/etc/shadow";

cisrun_core::control! {
    /// ## Description
    /// `/etc/shadow` holds every account's password hash and ageing data. Only root may
    /// change it, and only root and the `shadow` group (which tools such as `unix_chkpwd`
    /// run as) may read it.
    ///
    /// ## Rationale
    /// Anyone who can read the hashes can try to crack them offline, and the ageing data
    /// tells an attacker which accounts to target.
    ///
    /// ## Impact
    /// None on a standard system: these are Debian's defaults.
    ///
    /// ## Audit
    /// The benchmark's `stat -Lc` of `/etc/shadow` (a link is followed, inside the root):
    /// the owner must be uid 0 (root), the group gid 0 (root) or the gid of the `shadow`
    /// group in the root's own `/etc/group`, and the mode 0640 or more restrictive: no bit
    /// beyond `rw-r-----`, and no setuid, setgid or sticky bit.
    ///
    /// - A missing `/etc/shadow` **fails** (the hashes would be in `/etc/passwd`).
    /// - A path that cannot be examined (a dangling link, no permission) is an **error**;
    ///   so is an unreadable `/etc/group` when the group is not root.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply` (a safe fix) runs up to two steps: `chown` to uid 0 and,
    /// when the group is neither root nor shadow, to the shadow group (root when the root has
    /// none); then `chmod` to the current mode with every bit beyond `0640` removed (the
    /// benchmark's `chmod u-x,g-wx,o-rwx`). Each step journals the mode, uid and gid it
    /// replaced, and rollback restores exactly those. By hand:
    /// `chown root:shadow /etc/shadow` and `chmod u-x,g-wx,o-rwx /etc/shadow`.
    ///
    /// ## Default value
    /// `-rw-r----- root shadow` on Debian.
    ///
    /// ## References
    /// - CIS Debian Linux 12 Benchmark v1.1.0 (the table gives the number)
    /// - `shadow(5)`
    pub struct ShadowPermissions {
        id: "linux-shadow-permissions",
        title: "Ensure permissions on /etc/shadow are configured",
        target: LinuxHost,
        permissions: ["stat:/etc/shadow", "read:/etc/group"],
        fix: ShadowPermissionsFix,
    }
}

/// Who owns `/etc/shadow` and what its mode allows, as the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ownership {
    /// Permission bits, special bits included (`0o7777`).
    mode: u32,
    uid: u32,
    gid: u32,
}

impl Ownership {
    fn observed(self) -> serde_json::Value {
        serde_json::json!({
            "exists": true,
            "mode": format!("{:04o}", self.mode),
            "uid": self.uid,
            "gid": self.gid,
        })
    }
}

fn ownership(host: &LinuxHost) -> Result<Option<Ownership>, FileError> {
    Ok(host.root.stat(SHADOW)?.map(|found| Ownership {
        mode: found.metadata.mode() & 0o7777,
        uid: found.metadata.uid(),
        gid: found.metadata.gid(),
    }))
}

/// The gid of the `shadow` group in the root's `/etc/group`, if it has one.
fn shadow_gid(host: &LinuxHost) -> Result<Option<u32>, FileError> {
    let Some(groups) = host.root.read(GROUP)? else {
        return Ok(None);
    };
    Ok(groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some("shadow"))
            .then(|| fields.nth(1).and_then(|gid| gid.trim().parse().ok()))
            .flatten()
    }))
}

/// What the benchmark finds wrong, in words; empty when compliant. Reads `/etc/group` only
/// when the group is not root.
fn problems(host: &LinuxHost, state: Ownership) -> Result<Vec<String>, FileError> {
    let mut problems = Vec::new();
    if state.uid != 0 {
        problems.push(format!("owned by uid {}, not root (0)", state.uid));
    }
    if state.gid != 0 && shadow_gid(host)? != Some(state.gid) {
        problems.push(format!(
            "group gid {} is neither root nor shadow",
            state.gid
        ));
    }
    if state.mode & !MOST_ALLOWED != 0 {
        problems.push(format!("mode {:04o} allows more than 0640", state.mode));
    }
    Ok(problems)
}

#[async_trait]
impl Audit for ShadowPermissions {
    async fn audit(
        &self,
        host: &LinuxHost,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let Some(state) = ownership(host)? else {
            return Ok(Outcome::fail(
                "/etc/shadow does not exist: password hashes are not kept apart",
                vec![Evidence::new(SHADOW, "missing")],
            ));
        };
        let found = format!(
            "mode {:04o}, uid {}, gid {}",
            state.mode, state.uid, state.gid
        );
        let problems = problems(host, state)?;
        Ok(if problems.is_empty() {
            Outcome::pass(
                "/etc/shadow is root's, mode 0640 or stricter",
                vec![Evidence::new(SHADOW, found)],
            )
        } else {
            Outcome::fail(
                format!("/etc/shadow: {}", problems.join("; ")),
                vec![Evidence::new(SHADOW, found)],
            )
        })
    }
}

/// The fix: `chown`, then `chmod`.
pub struct ShadowPermissionsFix;

/// What each step records: the change and the state it replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ShadowStep {
    Chown {
        uid: u32,
        gid: u32,
        previous_uid: u32,
        previous_gid: u32,
        /// `chown` clears the setuid and setgid bits: undoing it puts this mode back.
        previous_mode: String,
    },
    Chmod {
        mode: String,
        previous_mode: String,
    },
}

fn octal(mode: u32) -> String {
    format!("{mode:04o}")
}

fn parse_mode(text: &str) -> Result<u32, RemediationError> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|mode| *mode <= 0o7777)
        .ok_or_else(|| RemediationError::Refused(format!("`{text}` is not a file mode")))
}

fn provider(code: &str, message: String) -> RemediationError {
    RemediationError::Provider(ErrorDetail {
        code: code.to_string(),
        message,
        missing_permission: None,
    })
}

impl From<FileError> for RemediationError {
    fn from(error: FileError) -> Self {
        RemediationError::Provider(error.to_detail())
    }
}

/// Where `/etc/shadow` is on this machine, for a change.
fn shadow_path(host: &LinuxHost) -> Result<std::path::PathBuf, RemediationError> {
    host.root.resolve(SHADOW)?.ok_or_else(|| {
        provider(
            "NotFound",
            format!("{} no longer exists", host.root.display(SHADOW)),
        )
    })
}

fn chown(host: &LinuxHost, uid: u32, gid: u32) -> Result<(), RemediationError> {
    let path = shadow_path(host)?;
    std::os::unix::fs::chown(&path, Some(uid), Some(gid)).map_err(|e| {
        provider(
            "ChownFailed",
            format!("chown {uid}:{gid} {}: {e}", host.root.display(SHADOW)),
        )
    })
}

fn chmod(host: &LinuxHost, mode: u32) -> Result<(), RemediationError> {
    let path = shadow_path(host)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        provider(
            "ChmodFailed",
            format!("chmod {mode:04o} {}: {e}", host.root.display(SHADOW)),
        )
    })
}

#[async_trait]
impl Remediation<LinuxHost> for ShadowPermissionsFix {
    fn safety(&self) -> FixSafety {
        // It only narrows who may read the file, to Debian's defaults, and undoes exactly.
        FixSafety::Safe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[CHOWN, CHMOD]
    }

    async fn plan(
        &self,
        host: &LinuxHost,
        _: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let Some(state) = ownership(host)? else {
            return Err(RemediationError::Refused(
                "/etc/shadow does not exist: create it with `pwconv`, cisrun will not".to_string(),
            ));
        };
        let shadow = shadow_gid(host)?;
        let gid = if state.gid == 0 || Some(state.gid) == shadow {
            state.gid
        } else {
            shadow.unwrap_or(0)
        };
        let mut steps = Vec::new();
        if state.uid != 0 || state.gid != gid {
            steps.push(Step {
                action: CHOWN.to_string(),
                resource: SHADOW.to_string(),
                summary: format!(
                    "chown {}:{} {SHADOW} (was {}:{})",
                    0, gid, state.uid, state.gid
                ),
                data: serde_json::json!(ShadowStep::Chown {
                    uid: 0,
                    gid,
                    previous_uid: state.uid,
                    previous_gid: state.gid,
                    previous_mode: octal(state.mode),
                }),
            });
        }
        let mode = state.mode & MOST_ALLOWED;
        if mode != state.mode {
            steps.push(Step {
                action: CHMOD.to_string(),
                resource: SHADOW.to_string(),
                summary: format!("chmod {} {SHADOW} (was {})", octal(mode), octal(state.mode)),
                data: serde_json::json!(ShadowStep::Chmod {
                    mode: octal(mode),
                    previous_mode: octal(state.mode),
                }),
            });
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do("already compliant"));
        }
        let explanation = format!("{} change(s) to {SHADOW}", steps.len());
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(
        &self,
        host: &LinuxHost,
        _step: &Step,
    ) -> Result<serde_json::Value, RemediationError> {
        // Both steps change the same file: its whole state is what drift is checked against.
        Ok(match ownership(host)? {
            Some(state) => state.observed(),
            None => serde_json::json!({ "exists": false }),
        })
    }

    async fn apply(&self, host: &LinuxHost, step: &Step) -> Result<(), RemediationError> {
        match step.data_as::<ShadowStep>()? {
            ShadowStep::Chown { uid, gid, .. } => chown(host, uid, gid),
            ShadowStep::Chmod { mode, .. } => chmod(host, parse_mode(&mode)?),
        }
    }

    async fn undo(&self, host: &LinuxHost, step: &Step) -> Result<(), RemediationError> {
        match step.data_as::<ShadowStep>()? {
            ShadowStep::Chown {
                previous_uid,
                previous_gid,
                previous_mode,
                ..
            } => {
                chown(host, previous_uid, previous_gid)?;
                chmod(host, parse_mode(&previous_mode)?)
            }
            ShadowStep::Chmod { previous_mode, .. } => chmod(host, parse_mode(&previous_mode)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::RootPath;
    use cisrun_core::Status;

    fn host_with(shadow_mode: u32, group: &str) -> (tempfile::TempDir, LinuxHost) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
        let shadow = dir.path().join("etc/shadow");
        std::fs::write(&shadow, "root:*:19000:0:99999:7:::\n").expect("shadow");
        std::fs::set_permissions(&shadow, std::fs::Permissions::from_mode(shadow_mode))
            .expect("chmod");
        std::fs::write(dir.path().join("etc/group"), group).expect("group");
        let root = RootPath::parse(&dir.path().display().to_string()).expect("root");
        (dir, LinuxHost::open(&root).expect("host"))
    }

    #[tokio::test]
    async fn the_mode_is_judged_bit_by_bit() {
        for (mode, status) in [
            (0o640, Status::Pass),
            (0o600, Status::Pass),
            (0o000, Status::Pass),
            (0o644, Status::Fail),
            (0o660, Status::Fail),
            (0o4640, Status::Fail),
        ] {
            let (_dir, host) = host_with(mode, "root:x:0:\nshadow:x:42:\n");
            let outcome = cisrun_core::testing::audit(&ShadowPermissions, &host).await;
            // Tests run as whoever runs them: only judge the mode when the owner is root.
            if ownership(&host)
                .expect("stat")
                .is_some_and(|s| s.uid == 0 && s.gid == 0)
            {
                assert_eq!(outcome.status, status, "{mode:o}: {}", outcome.message);
            }
        }
    }

    #[test]
    fn the_shadow_group_is_the_roots_own() {
        let (_dir, host) = host_with(0o640, "root:x:0:\nshadow:x:42:\n");
        assert_eq!(shadow_gid(&host).expect("group"), Some(42));
        let (_dir, host) = host_with(0o640, "root:x:0:\n");
        assert_eq!(shadow_gid(&host).expect("group"), None);
        assert!(
            parse_mode("0640").is_ok() && parse_mode("rw").is_err() && parse_mode("17777").is_err()
        );
    }
}
