//! The linux-host platform for cisrun: Linux hosts (a root directory: this machine, or a
//! mounted image or container filesystem), the `cis-debian-linux` benchmark, its controls
//! and a profile. Built as an outside team builds a plugin: path dependencies only.

pub mod platform;
pub mod root;
pub mod settings;
pub mod sysctl;

pub mod controls {
    pub mod linux_ip_forwarding_disabled;
    pub mod linux_password_expiration;
    pub mod linux_shadow_permissions;
    pub mod linux_sshd_permit_root_login_disabled;
}

pub use platform::{LinuxHost, LinuxHostPlatform};

cisrun_core::declare_plugin!();

cisrun_core::register_benchmark! {
    id: "cis-debian-linux",
    title: "CIS Debian Linux Benchmark",
    platform: "linux-host",
    versions: ["v1.0.0" => include_str!("../benchmarks/cis-debian-linux-v1.0.0.tsv")],
}

cisrun_core::register_profile!(
    "cis-debian-linux-v1.0.0-level1",
    include_str!("../profiles/cis-debian-linux-v1.0.0-level1.yaml")
);
