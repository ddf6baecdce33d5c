//! Kernel parameters as a root's configuration saves them (`sysctl.d(5)`), in the order
//! `sysctl --system` loads them, and, on this machine, as the running kernel has them.

use std::collections::{BTreeMap, BTreeSet};

use crate::root::{join, FileError, Root};

/// The directories `sysctl --system` reads `*.conf` from. A name found in an earlier
/// directory hides the same name in a later one; the files then load in name order.
pub const CONFIG_DIRECTORIES: [&str; 5] = [
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// Loaded after every directory, so it overrides them.
pub const SYSCTL_CONF: &str = "/etc/sysctl.conf";

/// ufw applies its own file (`IPT_SYSCTL=` here) when it starts, after `sysctl --system`.
pub const UFW_DEFAULTS: &str = "/etc/default/ufw";

/// One `key = value` line of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    /// The file as the target sees it, and the 1-based line.
    pub file: String,
    pub line: usize,
}

impl Setting {
    /// `/etc/sysctl.d/60-net.conf:3`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Every setting of a root's saved configuration, per key in load order: the last one is
/// the value the system gets at boot.
#[derive(Debug, Default)]
pub struct SavedConfig {
    settings: BTreeMap<String, Vec<Setting>>,
    files: Vec<String>,
}

impl SavedConfig {
    /// Reads every configuration file of `root`, in `sysctl --system` order, then ufw's.
    pub fn load(root: &Root) -> Result<Self, FileError> {
        let mut by_name: BTreeMap<String, String> = BTreeMap::new();
        for directory in CONFIG_DIRECTORIES {
            for name in root.list(directory)? {
                if name.ends_with(".conf") && !by_name.contains_key(&name) {
                    by_name.insert(name.clone(), join(directory, &name));
                }
            }
        }
        let mut order: Vec<String> = by_name.into_values().collect();
        order.push(SYSCTL_CONF.to_string());
        if let Some(ufw) = ufw_sysctl_file(root)? {
            order.push(ufw);
        }
        let mut config = SavedConfig::default();
        let mut seen = BTreeSet::new();
        for file in order {
            // `/etc/sysctl.d/foo.conf -> /dev/null` masks a packaged `foo.conf`.
            if root.link_target(&file)?.as_deref() == Some(std::path::Path::new("/dev/null")) {
                continue;
            }
            let Some(text) = root.read(&file)? else {
                continue;
            };
            if seen.insert(file.clone()) {
                config.files.push(file.clone());
            }
            config.parse(&file, &text);
        }
        Ok(config)
    }

    fn parse(&mut self, file: &str, text: &str) {
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            // A leading `-` only tells sysctl to ignore a failure to set the key.
            let line = line.strip_prefix('-').unwrap_or(line);
            // sysctl ignores (with a warning) a line without `=`.
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            self.settings
                .entry(normalize_key(key.trim()))
                .or_default()
                .push(Setting {
                    value: value.trim().to_string(),
                    file: file.to_string(),
                    line: index + 1,
                });
        }
    }

    /// The value `key` gets at boot: its last setting.
    pub fn effective(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key).and_then(|all| all.last())
    }

    /// Every setting of `key`, in load order.
    pub fn all(&self, key: &str) -> &[Setting] {
        self.settings.get(key).map_or(&[], Vec::as_slice)
    }

    /// The files read, in load order.
    pub fn files(&self) -> &[String] {
        &self.files
    }
}

/// `IPT_SYSCTL=/etc/ufw/sysctl.conf` in ufw's defaults, when ufw is configured.
fn ufw_sysctl_file(root: &Root) -> Result<Option<String>, FileError> {
    let Some(text) = root.read(UFW_DEFAULTS)? else {
        return Ok(None);
    };
    Ok(text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("IPT_SYSCTL=")?;
        let path = value.trim().trim_matches('"').trim_matches('\'');
        path.starts_with('/').then(|| path.to_string())
    }))
}

/// `net/ipv4/ip_forward` is `net.ipv4.ip_forward`: when the first separator is `/`, sysctl
/// swaps `/` and `.` (so `.` can appear in an interface name).
pub fn normalize_key(key: &str) -> String {
    match key.find(['.', '/']) {
        Some(at) if key[at..].starts_with('/') => key
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => key.to_string(),
    }
}

/// Where the running kernel shows `key`: `/proc/sys/net/ipv4/ip_forward`.
pub fn proc_path(key: &str) -> String {
    let path: String = key
        .chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            other => other,
        })
        .collect();
    format!("/proc/sys/{path}")
}

/// The running kernel's value of `key` (trimmed), on a live host; `None` when the kernel has
/// no such parameter.
pub fn running(root: &Root, key: &str) -> Result<Option<String>, FileError> {
    Ok(root
        .read(&proc_path(key))?
        .map(|value| value.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_override_and_etc_hides_packaged_files_of_the_same_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        };
        write(
            "/usr/lib/sysctl.d/50-default.conf",
            "net.ipv4.ip_forward = 1\n",
        );
        write(
            "/usr/lib/sysctl.d/60-hidden.conf",
            "net.ipv4.ip_forward = 1\n",
        );
        write(
            "/etc/sysctl.d/60-hidden.conf",
            "# mine\n-net/ipv4/ip_forward=0\n",
        );
        write("/run/sysctl.d/70-run.conf", "; nothing\nnot a setting\n");
        let root = Root::new(dir.path());
        let config = SavedConfig::load(&root).expect("config");
        let effective = config.effective("net.ipv4.ip_forward").expect("set");
        assert_eq!(effective.value, "0");
        assert_eq!(effective.location(), "/etc/sysctl.d/60-hidden.conf:2");
        assert_eq!(config.all("net.ipv4.ip_forward").len(), 2);
        write("/etc/sysctl.conf", "net.ipv4.ip_forward=1\n");
        let config = SavedConfig::load(&root).expect("config");
        assert_eq!(
            config
                .effective("net.ipv4.ip_forward")
                .map(|s| s.value.as_str()),
            Some("1"),
            "/etc/sysctl.conf loads last"
        );
        write("/etc/default/ufw", "IPT_SYSCTL=/etc/ufw/sysctl.conf\n");
        write("/etc/ufw/sysctl.conf", "net/ipv4/ip_forward=0\n");
        let config = SavedConfig::load(&root).expect("config");
        assert_eq!(
            config
                .effective("net.ipv4.ip_forward")
                .map(|s| s.file.as_str()),
            Some("/etc/ufw/sysctl.conf")
        );
        std::os::unix::fs::symlink("/dev/null", dir.path().join("etc/sysctl.d/50-default.conf"))
            .expect("mask");
        let config = SavedConfig::load(&root).expect("a masked file is skipped");
        assert!(!config
            .files()
            .contains(&"/etc/sysctl.d/50-default.conf".to_string()));
        assert_eq!(
            normalize_key("net/ipv4/conf/eth0.1/rp_filter"),
            "net.ipv4.conf.eth0/1.rp_filter"
        );
        assert_eq!(
            proc_path("net.ipv4.ip_forward"),
            "/proc/sys/net/ipv4/ip_forward"
        );
    }
}
