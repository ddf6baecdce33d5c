//! CIS Debian Linux: passwords expire within the benchmark's limit, for new accounts
//! (`PASS_MAX_DAYS` in `/etc/login.defs`) and for every account with a password.

use async_trait::async_trait;
use cisrun_core::{Audit, ControlParameters, ErrorDetail, Evidence, Input, Outcome, Status};

use crate::platform::LinuxHost;

const LOGIN_DEFS: &str = "/etc/login.defs";
const SHADOW: &str = "/etc/shadow";

/// The benchmark's limit, and the most a profile may allow.
const BENCHMARK_MAX_DAYS: u32 = 365;

cisrun_core::control! {
    /// ## Description
    /// `PASS_MAX_DAYS` in `/etc/login.defs` is how many days a new account's password may be
    /// used before it must be changed; each account's own limit is the fifth field of its
    /// `/etc/shadow` line. Both must be 365 days or less.
    ///
    /// ## Rationale
    /// A password that must change eventually limits how long a stolen or guessed password is
    /// useful to an attacker.
    ///
    /// ## Impact
    /// Users are asked for a new password when theirs expires; service accounts that log in
    /// with a password need a way to change it, or to use keys instead.
    ///
    /// ## Audit
    /// As the benchmark's two commands do:
    ///
    /// - `/etc/login.defs` must set `PASS_MAX_DAYS` to a number from 1 to `max_days`
    ///   (parameter, default and highest allowed value 365). When the file sets it more than
    ///   once, the last line counts, as `login.defs` is read; unset (shadow's default 99999),
    ///   `-1` (never expires) or `0` **fail**, and so does a missing `/etc/login.defs`.
    /// - Every `/etc/shadow` account with a password hash (the second field starts with `$`)
    ///   must have a maximum age (fifth field) from 1 to `max_days`; empty (never expires)
    ///   fails. Locked accounts (`!`, `*`) have no password to expire and are not judged.
    ///   The evidence names the accounts, never their hashes.
    /// - A file that cannot be read (no permission to read `/etc/shadow`, a directory where
    ///   the file should be) is an **error** naming it.
    ///
    /// ## Remediation
    /// Set `PASS_MAX_DAYS 365` (or less) in `/etc/login.defs`, and
    /// `chage --maxdays 365 <user>` for each account the evidence lists. cisrun does not
    /// change accounts.
    ///
    /// ## Default value
    /// `PASS_MAX_DAYS 99999` on Debian.
    ///
    /// ## References
    /// - CIS Debian Linux 12 Benchmark v1.1.0, 5.4.1.1
    /// - `login.defs(5)`, `shadow(5)`, `chage(1)`
    pub struct PasswordExpiration {
        id: "linux-password-expiration",
        title: "Ensure password expiration is configured",
        target: LinuxHost,
        permissions: ["read:/etc/login.defs", "read:/etc/shadow"],
        parameters: PasswordExpirationParameters,
    }
}

/// `parameters: linux-password-expiration:` in a profile.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordExpirationParameters {
    /// The most days a password may be used (1 to 365, the benchmark's limit).
    #[serde(default = "benchmark_max_days")]
    #[schemars(range(min = 1, max = 365))]
    pub max_days: u32,
}

fn benchmark_max_days() -> u32 {
    BENCHMARK_MAX_DAYS
}

impl ControlParameters for PasswordExpirationParameters {
    fn validate(&self) -> Result<(), String> {
        match self.max_days {
            0 => Err("max_days must be at least 1".to_string()),
            days if days > BENCHMARK_MAX_DAYS => Err(format!(
                "max_days {days} is above the benchmark's limit of {BENCHMARK_MAX_DAYS} days"
            )),
            _ => Ok(()),
        }
    }
}

/// Whether a maximum age (as written) is within `1..=limit`.
fn within(value: &str, limit: u32) -> bool {
    value
        .trim()
        .parse::<i64>()
        .is_ok_and(|days| (1..=i64::from(limit)).contains(&days))
}

/// The last `PASS_MAX_DAYS` line of `login.defs`: its value and line.
fn pass_max_days(text: &str) -> Option<(String, usize)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let mut words = line.split_whitespace();
            (words.next() == Some("PASS_MAX_DAYS"))
                .then(|| (words.next().unwrap_or("").to_string(), index + 1))
        })
        .last()
}

/// The accounts with a password whose maximum age is not within the limit.
fn accounts_over(shadow: &str, limit: u32) -> Vec<Evidence> {
    shadow
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let (user, hash) = (fields.first()?, fields.get(1)?);
            // A hash is `$id$...`; `!`, `*` and empty are no usable password.
            let hashed = hash.len() > 1 && hash.starts_with('$') && hash[1..].contains('$');
            let max = fields.get(4).copied().unwrap_or("");
            (hashed && !within(max, limit)).then(|| {
                let age = if max.trim().is_empty() {
                    "no maximum age".to_string()
                } else {
                    format!("maximum age {max}")
                };
                Evidence::finding(
                    SHADOW,
                    None,
                    Status::Fail,
                    format!("account {user}: {age}, limit {limit}"),
                )
            })
        })
        .collect()
}

#[async_trait]
impl Audit for PasswordExpiration {
    async fn audit(
        &self,
        host: &LinuxHost,
        input: Input<'_, PasswordExpirationParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let limit = input.parameters.max_days;
        let mut evidence = Vec::new();
        let login_defs = host.root.read(LOGIN_DEFS)?;
        let defaults = match login_defs.as_deref().map(pass_max_days) {
            None => Evidence::finding(
                LOGIN_DEFS,
                None,
                Status::Fail,
                "missing: new accounts get shadow's default of 99999 days",
            ),
            Some(None) => Evidence::finding(
                LOGIN_DEFS,
                None,
                Status::Fail,
                "PASS_MAX_DAYS is not set: new accounts get shadow's default of 99999 days",
            ),
            Some(Some((value, line))) => {
                let status = if within(&value, limit) {
                    Status::Pass
                } else {
                    Status::Fail
                };
                Evidence::finding(
                    LOGIN_DEFS,
                    None,
                    status,
                    format!("PASS_MAX_DAYS {value} (line {line}), limit {limit}"),
                )
            }
        };
        evidence.push(defaults);
        match host.root.read(SHADOW)? {
            Some(shadow) => evidence.extend(accounts_over(&shadow, limit)),
            None => evidence.push(Evidence::new(
                SHADOW,
                "missing: no account has a password to expire",
            )),
        }
        let failing = evidence
            .iter()
            .filter(|e| e.status == Some(Status::Fail))
            .count();
        Ok(if failing == 0 {
            Outcome::pass(format!("passwords expire within {limit} days"), evidence)
        } else {
            Outcome::fail(
                format!("{failing} finding(s): passwords may be used longer than {limit} days"),
                evidence,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_counts_and_only_accounts_with_a_password_are_judged() {
        assert_eq!(
            pass_max_days("PASS_MAX_DAYS 99999\n#PASS_MAX_DAYS 1\nPASS_MAX_DAYS\t365\n"),
            Some(("365".to_string(), 3))
        );
        assert_eq!(pass_max_days("PASS_MIN_DAYS 1\n"), None);
        for (value, ok) in [
            ("365", true),
            ("1", true),
            ("366", false),
            ("0", false),
            ("-1", false),
            ("", false),
        ] {
            assert_eq!(within(value, 365), ok, "{value}");
        }
        let shadow = "root:$y$j9T$abc$def:19000:0:99999:7:::\n\
                      daemon:*:19000:0:99999:7:::\n\
                      locked:!$y$j9T$x$y:19000:0:99999:7:::\n\
                      alice:$6$salt$hash:19000:0:90:7:::\n\
                      bob:$6$salt$hash:19000:0::7:::\n";
        let over = accounts_over(shadow, 365);
        let details: Vec<&str> = over.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "account root: maximum age 99999, limit 365",
                "account bob: no maximum age, limit 365"
            ]
        );
    }

    #[test]
    fn the_limit_is_checked_against_the_benchmark() {
        let read = cisrun_core::testing::parameters::<PasswordExpirationParameters>;
        assert_eq!(read("max_days: 90").map(|p| p.max_days), Ok(90));
        assert!(read("max_days: 0").is_err());
        assert!(read("max_days: 400").unwrap_err().contains("limit of 365"));
        assert!(read("days: 90").unwrap_err().contains("unknown field"));
    }
}
