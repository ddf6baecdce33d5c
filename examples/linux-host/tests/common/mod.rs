//! What the end-to-end tests share: the real `cisrun-linux` binary, fixture root trees in
//! temporary directories, and profiles pointing at them.

#![allow(dead_code)] // Each test file uses its own part.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The run, after checking its exit code.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

/// Runs `cisrun-linux` with these arguments.
pub fn cisrun(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_cisrun-linux"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("cisrun-linux runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The repository's root (this crate is `examples/linux-host`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether this process can own files as root (chown to 0): the shadow control's pass and
/// its fix need it. This machine's CI runs as root.
pub fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().expect("temp file");
    std::os::unix::fs::chown(probe.path(), Some(0), Some(0)).is_ok()
}

/// A root directory in a temporary directory, built file by file.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The root as a profile names it.
    pub fn root(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Where `inner` (as the target sees it) is on this machine.
    pub fn path(&self, inner: &str) -> PathBuf {
        self.dir.path().join(inner.trim_start_matches('/'))
    }

    pub fn write(&self, inner: &str, text: &str) -> &Self {
        let path = self.path(inner);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("write");
        self
    }

    pub fn mode(&self, inner: &str, mode: u32) -> &Self {
        std::fs::set_permissions(self.path(inner), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
        self
    }

    pub fn owner(&self, inner: &str, uid: u32, gid: u32) -> &Self {
        std::os::unix::fs::chown(self.path(inner), Some(uid), Some(gid)).expect("chown");
        self
    }

    /// Replaces `inner` with a directory: unreadable as a file, even for root.
    pub fn directory_instead(&self, inner: &str) -> &Self {
        let path = self.path(inner);
        let _ = std::fs::remove_file(&path);
        std::fs::create_dir_all(&path).expect("dir");
        self
    }

    /// Replaces `inner` with a link to nothing: unreadable, even for root.
    pub fn dangling_instead(&self, inner: &str) -> &Self {
        let path = self.path(inner);
        let _ = std::fs::remove_file(&path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        symlink("/nonexistent/target", path).expect("link");
        self
    }

    /// A Debian image that passes every control (when the tests run as root).
    pub fn compliant() -> Self {
        let tree = Self::empty();
        tree.write("/etc/hostname", "compliant-image\n")
            .write(
                "/etc/os-release",
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
            )
            .write(
                "/etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\nPermitRootLogin yes\n",
            )
            // The include comes first, so its `no` wins over the main file's `yes`.
            .write("/etc/ssh/sshd_config.d/10-cis.conf", "PermitRootLogin no\n")
            .write("/etc/group", "root:x:0:\nshadow:x:42:\n")
            .write(
                "/etc/shadow",
                "root:$y$j9T$salt$hash:19000:0:365:7:::\ndaemon:*:19000:0:99999:7:::\n",
            )
            .mode("/etc/shadow", 0o640)
            .write(
                "/etc/login.defs",
                "PASS_MAX_DAYS\t99999\nPASS_MAX_DAYS 365\n",
            )
            .write(
                "/etc/sysctl.d/60-cis.conf",
                "net.ipv4.ip_forward = 0\nnet.ipv6.conf.all.forwarding = 0\n",
            );
        if is_root() {
            tree.owner("/etc/shadow", 0, 42);
        }
        tree
    }

    /// The same image with every control failing.
    pub fn non_compliant() -> Self {
        let tree = Self::compliant();
        tree.write(
            "/etc/ssh/sshd_config.d/10-cis.conf",
            "PermitRootLogin no\nMatch Address 192.0.2.0/24\n    PermitRootLogin yes\n",
        )
        .mode("/etc/shadow", 0o644)
        .write("/etc/login.defs", "PASS_MAX_DAYS 99999\n")
        .write("/etc/sysctl.d/99-router.conf", "net.ipv4.ip_forward = 1\n");
        tree
    }

    /// The same image with a file of each control unreadable.
    pub fn unreadable() -> Self {
        let tree = Self::compliant();
        tree.directory_instead("/etc/ssh/sshd_config.d/10-cis.conf")
            .dangling_instead("/etc/shadow")
            .directory_instead("/etc/login.defs")
            .dangling_instead("/etc/sysctl.d/70-gone.conf");
        tree
    }
}

/// Writes a profile auditing `roots`, narrowed to `include` (CIS numbers) when not empty.
pub fn profile(dir: &Path, name: &str, roots: &[String], include: &[&str]) -> PathBuf {
    let roots: Vec<String> = roots.iter().map(|r| format!("\"{r}\"")).collect();
    let mut text = format!(
        "benchmark: cis-debian-linux\nversion: v1.0.0\nlevel: 1\ntargets:\n  roots: [{}]\n",
        roots.join(", ")
    );
    if !include.is_empty() {
        let numbers: Vec<String> = include.iter().map(|n| format!("\"{n}\"")).collect();
        text.push_str(&format!("controls:\n  include: [{}]\n", numbers.join(", ")));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("profile");
    path
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("report");
    serde_json::from_str(&text).expect("JSON")
}

/// The JSON report's results of target `id`, by control id.
pub fn results(report: &Value, id: &str) -> std::collections::BTreeMap<String, Value> {
    // The JSON report keeps its AWS-era keys (`accounts`, `account_id`) for every platform.
    let target = report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|t| t["account_id"] == id)
        .unwrap_or_else(|| panic!("no target {id} in {report}"));
    target["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["control_id"].as_str().unwrap_or("").to_string(),
                r.clone(),
            )
        })
        .collect()
}

/// `control_id → status` of one target.
pub fn statuses(report: &Value, id: &str) -> std::collections::BTreeMap<String, String> {
    results(report, id)
        .into_iter()
        .map(|(control, result)| {
            let status = result["outcome"]["status"]
                .as_str()
                .unwrap_or("")
                .to_string();
            (control, status)
        })
        .collect()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}
