//! CIS Debian Linux: sshd does not let root log in, for any connection. The effective
//! configuration is read as sshd reads it (`config.rs`): Includes in place, first value
//! wins, and every `Match` block that could let root in counts.

mod config;

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome, SkipReason, Status};

use self::config::{ConfigError, Directive};
use crate::platform::LinuxHost;

const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// sshd's value when no line sets it (since OpenSSH 7: `prohibit-password`).
const DEFAULT: &str = "prohibit-password";

/// What sshd accepts for `PermitRootLogin` (`without-password` is the old name of
/// `prohibit-password`).
const VALUES: [&str; 5] = [
    "yes",
    "no",
    "prohibit-password",
    "without-password",
    "forced-commands-only",
];

cisrun_core::control! {
    /// ## Description
    /// `PermitRootLogin` says whether root may log in over SSH. The benchmark requires `no`,
    /// for every connection.
    ///
    /// ## Rationale
    /// Administrators who log in as themselves and then use `sudo` leave a trail of who did
    /// what; a shared root login does not, and it is the account every attacker tries.
    ///
    /// ## Impact
    /// Whoever logs in as root over SSH today (scripts, backups) must log in as a user and
    /// escalate instead.
    ///
    /// ## Audit
    /// The benchmark reads the effective value (`sshd -T`, and `sshd -T -C ...` for each
    /// `Match`); cisrun reads the files as sshd does, so it audits mounted images as well as
    /// this machine:
    ///
    /// - `/etc/ssh/sshd_config`, with every `Include` expanded where it is written: globs
    ///   (sorted), relative paths from `/etc/ssh`, up to 16 levels; a `Match` started in an
    ///   included file ends with that file. Keywords are case-insensitive, `Keyword=value`
    ///   and quotes are read as sshd reads them.
    /// - Outside `Match`, the **first** `PermitRootLogin` wins; unset means sshd's default
    ///   `prohibit-password`, which **fails**.
    /// - Inside `Match` blocks a matching block's first value wins over the global one, so
    ///   each block that sets anything but `no` **fails**, with evidence naming the block
    ///   (its criteria, file and line). A `Match all` block that sets a value decides for
    ///   every connection: the global value and later blocks are then not judged.
    /// - No `/etc/ssh/sshd_config`: the OpenSSH server is not installed, and the benchmark's
    ///   SSH section does not apply: **skipped (not applicable)**.
    /// - An unreadable file (the main one or an included one, a directory where a file
    ///   should be, a dangling link), unbalanced quotes, too deep an Include, or a value sshd
    ///   would refuse: **error**, never a pass.
    ///
    /// ## Remediation
    /// Set `PermitRootLogin no` above any `Include` and `Match` in `/etc/ssh/sshd_config`
    /// (or in the first included file), remove other values from `Match` blocks, then
    /// `systemctl reload ssh`. cisrun does not edit sshd's configuration.
    ///
    /// ## Default value
    /// `prohibit-password`.
    ///
    /// ## References
    /// - CIS Debian Linux 12 Benchmark v1.1.0 (the table gives the number)
    /// - `sshd_config(5)`
    pub struct SshdPermitRootLoginDisabled {
        id: "linux-sshd-permit-root-login-disabled",
        title: "Ensure sshd PermitRootLogin is disabled",
        target: LinuxHost,
        permissions: ["read:/etc/ssh/sshd_config", "read:/etc/ssh/sshd_config.d/*.conf"],
    }
}

/// One place a value of `PermitRootLogin` applies, judged.
fn finding(directive: Option<&Directive>, value: &str, scope: &str) -> Evidence {
    let status = if value == "no" {
        Status::Pass
    } else {
        Status::Fail
    };
    let (resource, written) = match directive {
        Some(d) => (
            d.file.clone(),
            format!("PermitRootLogin {value} ({})", d.location()),
        ),
        None => (
            SSHD_CONFIG.to_string(),
            format!("PermitRootLogin not set: sshd's default {value}"),
        ),
    };
    Evidence::finding(resource, None, status, format!("{scope}: {written}"))
}

/// The benchmark's verdict on the configuration's directives.
fn verdict(directives: &[Directive]) -> Result<Outcome, ErrorDetail> {
    let settings: Vec<&Directive> = directives
        .iter()
        .filter(|d| d.keyword == "permitrootlogin")
        .collect();
    for directive in &settings {
        let value = directive.arguments.first().map(|v| v.to_ascii_lowercase());
        if !value.as_deref().is_some_and(|v| VALUES.contains(&v)) {
            return Err(ErrorDetail {
                code: "InvalidConfiguration".to_string(),
                message: format!(
                    "{}: PermitRootLogin {}: sshd refuses this value (expected one of {})",
                    directive.location(),
                    directive.arguments.join(" "),
                    VALUES.join(", ")
                ),
                missing_permission: None,
            });
        }
    }
    let value_of = |d: &Directive| d.arguments[0].to_ascii_lowercase();
    let mut evidence = Vec::new();
    // Per Match block, its first value; blocks in order, as sshd tries them.
    let mut blocks: Vec<&Directive> = Vec::new();
    for directive in settings.iter().filter(|d| d.block.is_some()) {
        if !blocks.iter().any(|b| b.block == directive.block) {
            blocks.push(directive);
        }
    }
    let decisive = blocks
        .iter()
        .position(|d| d.block.as_ref().is_some_and(|b| b.matches_all()));
    if decisive.is_none() {
        let global = settings.iter().find(|d| d.block.is_none()).copied();
        let value = global.map_or(DEFAULT.to_string(), value_of);
        evidence.push(finding(global, &value, "every connection"));
    }
    for directive in blocks
        .iter()
        .take(decisive.map_or(blocks.len(), |at| at + 1))
    {
        if let Some(block) = &directive.block {
            let scope = format!("Match {} ({}:{})", block.criteria, block.file, block.line);
            evidence.push(finding(Some(directive), &value_of(directive), &scope));
        }
    }
    let failing: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.status == Some(Status::Fail))
        .collect();
    Ok(match failing.as_slice() {
        [] => Outcome::pass("sshd does not permit root login", evidence),
        some => {
            let message = format!(
                "sshd permits root login: {}",
                some.iter()
                    .map(|e| e.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            Outcome::fail(message, evidence)
        }
    })
}

impl From<ConfigError> for ErrorDetail {
    fn from(error: ConfigError) -> Self {
        match error {
            ConfigError::File(file) => file.to_detail(),
            other => ErrorDetail {
                code: "InvalidConfiguration".to_string(),
                message: other.to_string(),
                missing_permission: None,
            },
        }
    }
}

#[async_trait]
impl Audit for SshdPermitRootLoginDisabled {
    async fn audit(
        &self,
        host: &LinuxHost,
        _: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        match config::load(&host.root, SSHD_CONFIG)? {
            Some(directives) => verdict(&directives),
            None => Ok(Outcome::skipped(SkipReason::NotApplicable {
                reason: "no /etc/ssh/sshd_config: the OpenSSH server is not installed".to_string(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::RootPath;

    async fn audit(files: &[(&str, &str)]) -> Outcome {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        }
        let root = RootPath::parse(&dir.path().display().to_string()).expect("root");
        let host = LinuxHost::open(&root).expect("host");
        cisrun_core::testing::audit(&SshdPermitRootLoginDisabled, &host).await
    }

    const DEBIAN_TOP: &str = "Include /etc/ssh/sshd_config.d/*.conf\n";

    #[tokio::test]
    async fn the_first_value_wins_and_includes_come_first_where_written() {
        let main = format!("{DEBIAN_TOP}PermitRootLogin yes\n");
        let included = ("/etc/ssh/sshd_config.d/10-cis.conf", "permitrootlogin=no\n");
        let outcome = audit(&[(SSHD_CONFIG, &main), included]).await;
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.evidence);
        assert!(outcome.evidence[0].detail.contains("10-cis.conf:1"));
        let outcome = audit(&[(SSHD_CONFIG, "PermitRootLogin yes\nPermitRootLogin no\n")]).await;
        assert_eq!(outcome.status, Status::Fail);
        let unset = audit(&[(SSHD_CONFIG, "Port 22\n")]).await;
        assert_eq!(
            unset.status,
            Status::Fail,
            "the default is prohibit-password"
        );
        // Relative includes start at /etc/ssh; sorted glob order.
        let main = "Include conf.d/*\n";
        let outcome = audit(&[
            (SSHD_CONFIG, main),
            ("/etc/ssh/conf.d/b", "PermitRootLogin yes\n"),
            ("/etc/ssh/conf.d/a", "PermitRootLogin no\n"),
        ])
        .await;
        assert_eq!(outcome.status, Status::Pass, "{:?}", outcome.evidence);
    }

    #[tokio::test]
    async fn a_match_block_that_lets_root_in_fails_naming_the_block() {
        let main = "PermitRootLogin no\nMatch Address 10.0.0.0/8\n    PermitRootLogin yes\nMatch User backup\n    PermitRootLogin no\n";
        let outcome = audit(&[(SSHD_CONFIG, main)]).await;
        assert_eq!(outcome.status, Status::Fail);
        assert!(
            outcome
                .message
                .contains("Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:2)"),
            "{}",
            outcome.message
        );
        assert_eq!(outcome.evidence.len(), 3);
        // A Match in an included file ends with the file: the main file's line is global.
        let main = "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n";
        let included = (
            "/etc/ssh/sshd_config.d/50.conf",
            "Match User x\n  X11Forwarding no\n",
        );
        assert_eq!(
            audit(&[(SSHD_CONFIG, main), included]).await.status,
            Status::Pass
        );
        // `Match all` decides for everyone.
        let main = "PermitRootLogin yes\nMatch all\nPermitRootLogin no\nMatch User x\nPermitRootLogin yes\n";
        assert_eq!(audit(&[(SSHD_CONFIG, main)]).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn no_server_is_not_applicable_and_unreadable_files_are_errors() {
        assert_eq!(audit(&[]).await.status, Status::Skipped);
        let dir_instead = ("/etc/ssh/sshd_config.d/x.conf/keep", "");
        let outcome = audit(&[(SSHD_CONFIG, DEBIAN_TOP), dir_instead]).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome.message.contains("x.conf"), "{}", outcome.message);
        let bad = audit(&[(SSHD_CONFIG, "PermitRootLogin maybe\n")]).await;
        assert_eq!(bad.status, Status::Error);
    }
}
