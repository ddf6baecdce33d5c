//! CIS Debian Linux: IP forwarding is disabled, in the saved kernel configuration and, on a
//! live host, in the running kernel.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome, Status};

use crate::platform::LinuxHost;
use crate::root::FileError;
use crate::sysctl::{self, SavedConfig};

const IPV4_FORWARD: &str = "net.ipv4.ip_forward";
const IPV6_FORWARD: &str = "net.ipv6.conf.all.forwarding";

cisrun_core::control! {
    /// ## Description
    /// `net.ipv4.ip_forward` and `net.ipv6.conf.all.forwarding` let the kernel pass packets
    /// from one interface to another, as a router does. A host that is not a router keeps both
    /// at `0`.
    ///
    /// ## Rationale
    /// With forwarding off, a host with several interfaces (a proxy, a host on two networks)
    /// can never carry traffic between them, whatever reaches it.
    ///
    /// ## Impact
    /// Routers, VPN gateways and container hosts whose containers reach the network through
    /// the host need forwarding: except them in the profile rather than break them.
    ///
    /// ## Audit
    /// As the benchmark asks, each parameter must be `0` both in the running kernel and in
    /// the saved configuration that sets it at boot:
    ///
    /// - **Saved:** `/etc/sysctl.d`, `/run/sysctl.d`, `/usr/local/lib/sysctl.d`,
    ///   `/usr/lib/sysctl.d` and `/lib/sysctl.d` (`*.conf`; a name in an earlier directory
    ///   hides it in a later one; a link to `/dev/null` masks it), loaded in name order, then
    ///   `/etc/sysctl.conf`, then ufw's `IPT_SYSCTL` file when `/etc/default/ufw` names one:
    ///   the order `sysctl --system` and ufw apply them, so the last setting is the one that
    ///   counts. A parameter set in no file **fails**: the benchmark wants it set explicitly.
    /// - **Running** (the live host `/` only): `/proc/sys/net/ipv4/ip_forward` (and the IPv6
    ///   one). Another root (a mounted image) has no running kernel: only its files are read.
    ///   When the saved value differs from the running one, the evidence says so.
    /// - **IPv6** is checked only where it is enabled: on the live host when
    ///   `/proc/sys/net/ipv6` exists and `disable_ipv6` is not `1` for both `all` and
    ///   `default`; in another root unless its saved configuration sets both to `1`
    ///   (an `ipv6.disable=1` on the kernel command line of an image is not read).
    /// - Any file that cannot be read (a directory named `*.conf`, a dangling link) is an
    ///   **error** naming it, never a pass.
    ///
    /// ## Remediation
    /// Set `net.ipv4.ip_forward = 0` (and `net.ipv6.conf.all.forwarding = 0`) in a file of
    /// `/etc/sysctl.d/` ending in `.conf`, remove any later file that sets them to `1`, then
    /// `sysctl -w net.ipv4.ip_forward=0` and `sysctl -w net.ipv4.route.flush=1` (and the
    /// IPv6 equivalents). cisrun does not change kernel parameters.
    ///
    /// ## Default value
    /// `0` in the kernel, and set in no configuration file on a new Debian system.
    ///
    /// ## References
    /// - CIS Debian Linux 12 Benchmark v1.1.0 (the table gives the number)
    /// - https://www.kernel.org/doc/Documentation/networking/ip-sysctl.txt
    /// - `sysctl.d(5)`, `sysctl(8)`
    pub struct IpForwardingDisabled {
        id: "linux-ip-forwarding-disabled",
        title: "Ensure ip forwarding is disabled",
        target: LinuxHost,
        permissions: [
            "read:/proc/sys/net/ipv4/ip_forward",
            "read:/proc/sys/net/ipv6/conf/all/forwarding",
            "read:/etc/sysctl.d/*.conf",
            "read:/run/sysctl.d/*.conf",
            "read:/usr/local/lib/sysctl.d/*.conf",
            "read:/usr/lib/sysctl.d/*.conf",
            "read:/lib/sysctl.d/*.conf",
            "read:/etc/sysctl.conf",
            "read:/etc/default/ufw",
        ],
    }
}

/// Whether IPv6 is enabled on the target, and why the audit thinks so.
fn ipv6_enabled(host: &LinuxHost, saved: &SavedConfig) -> Result<(bool, String), FileError> {
    let root = &host.root;
    let disabled_in = |value: Option<String>| value.as_deref() == Some("1");
    if root.is_live() {
        if root.stat("/proc/sys/net/ipv6")?.is_none() {
            return Ok((
                false,
                "the running kernel has no IPv6 (no /proc/sys/net/ipv6)".into(),
            ));
        }
        let all = sysctl::running(root, "net.ipv6.conf.all.disable_ipv6")?;
        let default = sysctl::running(root, "net.ipv6.conf.default.disable_ipv6")?;
        if disabled_in(all) && disabled_in(default) {
            return Ok((
                false,
                "disable_ipv6 is 1 for all and default in the running kernel".into(),
            ));
        }
        return Ok((true, "IPv6 is enabled in the running kernel".into()));
    }
    let saved_value = |key: &str| saved.effective(key).map(|s| s.value.clone());
    if disabled_in(saved_value("net.ipv6.conf.all.disable_ipv6"))
        && disabled_in(saved_value("net.ipv6.conf.default.disable_ipv6"))
    {
        return Ok((
            false,
            "the saved configuration sets disable_ipv6 = 1 for all and default".into(),
        ));
    }
    Ok((true, "the saved configuration does not disable IPv6".into()))
}

/// One parameter's verdict, as one evidence entry.
fn judge(host: &LinuxHost, saved: &SavedConfig, key: &str) -> Result<Evidence, FileError> {
    let mut problems = Vec::new();
    let mut facts = Vec::new();
    let effective = saved.effective(key);
    match effective {
        Some(setting) => {
            facts.push(format!(
                "saved {key} = {} ({})",
                setting.value,
                setting.location()
            ));
            if setting.value != "0" {
                problems.push("the saved configuration enables it".to_string());
            }
            let overridden = saved.all(key).len() - 1;
            if overridden > 0 {
                facts.push(format!("overrides {overridden} earlier setting(s)"));
            }
        }
        None => problems.push("it is set in no sysctl configuration file".to_string()),
    }
    if host.root.is_live() {
        let path = sysctl::proc_path(key);
        let running = sysctl::running(&host.root, key)?.ok_or_else(|| FileError::Unreadable {
            path: path.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the kernel has no such parameter",
            ),
        })?;
        facts.push(format!("running {key} = {running}"));
        if running != "0" {
            problems.push("the running kernel forwards".to_string());
        }
        if let Some(setting) = effective.filter(|s| s.value != running) {
            facts.push(format!(
                "the saved configuration ({}) differs from the running value {running}",
                setting.value
            ));
        }
    }
    let status = if problems.is_empty() {
        Status::Pass
    } else {
        Status::Fail
    };
    let mut detail = facts.join("; ");
    if !problems.is_empty() {
        detail = format!("{}: {detail}", problems.join(", "));
    }
    Ok(Evidence::finding(key, None, status, detail))
}

#[async_trait]
impl Audit for IpForwardingDisabled {
    async fn audit(
        &self,
        host: &LinuxHost,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let saved = SavedConfig::load(&host.root)?;
        let (ipv6, why) = ipv6_enabled(host, &saved)?;
        let mut evidence = vec![judge(host, &saved, IPV4_FORWARD)?];
        if ipv6 {
            evidence.push(judge(host, &saved, IPV6_FORWARD)?);
        } else {
            evidence.push(Evidence::new(IPV6_FORWARD, format!("not checked: {why}")));
        }
        let failing: Vec<&str> = evidence
            .iter()
            .filter(|e| e.status == Some(Status::Fail))
            .map(|e| e.resource.as_str())
            .collect();
        Ok(if failing.is_empty() {
            Outcome::pass("IP forwarding is disabled", evidence)
        } else {
            Outcome::fail(
                format!("IP forwarding is not disabled: {}", failing.join(", ")),
                evidence,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::RootPath;

    fn host_with(files: &[(&str, &str)]) -> (tempfile::TempDir, LinuxHost) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        }
        let root = RootPath::parse(&dir.path().display().to_string()).expect("root");
        let host = LinuxHost::open(&root).expect("host");
        (dir, host)
    }

    async fn status(files: &[(&str, &str)]) -> Outcome {
        let (_dir, host) = host_with(files);
        cisrun_core::testing::audit(&IpForwardingDisabled, &host).await
    }

    #[tokio::test]
    async fn an_image_passes_only_when_its_saved_configuration_sets_zero_last() {
        let zero = (
            "/etc/sysctl.d/60-cis.conf",
            "net.ipv4.ip_forward = 0\nnet.ipv6.conf.all.forwarding = 0\n",
        );
        assert_eq!(status(&[zero]).await.status, Status::Pass);
        let later_one = ("/etc/sysctl.d/99-router.conf", "net.ipv4.ip_forward=1\n");
        let outcome = status(&[zero, later_one]).await;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome.evidence[0].detail.contains("99-router.conf:1"),
            "{:?}",
            outcome.evidence
        );
        let unset = status(&[]).await;
        assert_eq!(
            unset.status,
            Status::Fail,
            "the benchmark wants it set explicitly"
        );
        let ipv6_off = (
            "/etc/sysctl.d/10-no-ipv6.conf",
            "net.ipv6.conf.all.disable_ipv6=1\nnet.ipv6.conf.default.disable_ipv6=1\nnet.ipv4.ip_forward=0\n",
        );
        let outcome = status(&[ipv6_off]).await;
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.evidence);
        assert!(outcome.evidence[1].detail.starts_with("not checked"));
    }

    #[tokio::test]
    async fn an_unreadable_configuration_file_is_an_error() {
        let (dir, host) = host_with(&[("/etc/sysctl.conf", "net.ipv4.ip_forward=0\n")]);
        std::fs::create_dir_all(dir.path().join("etc/sysctl.d/50-dir.conf")).expect("dir");
        let outcome = cisrun_core::testing::audit(&IpForwardingDisabled, &host).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(
            outcome.message.contains("50-dir.conf"),
            "{}",
            outcome.message
        );
    }
}
