//! IAM data shared by controls.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;

/// Who a managed policy is attached to, every page read, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    /// (role name, role id)
    pub roles: Vec<(String, String)>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

/// Reads every page of `iam:ListEntitiesForPolicy` for `policy_arn`.
async fn list_entities(account: &AwsAccount, policy_arn: &str) -> Result<PolicyEntities, AwsError> {
    const ACTION: &str = "iam:ListEntitiesForPolicy";
    let pages = read_pages(account.max_pages(), ACTION, |marker| async move {
        let page = account
            .iam()
            .list_entities_for_policy()
            .policy_arn(policy_arn)
            // Fewer pages; and moto, without MaxItems, silently returns only the first 100 roles.
            .max_items(1000)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(ACTION, e))?;
        let next = page.marker().map(str::to_string);
        let truncated = page.is_truncated();
        Ok(Page::new(vec![page], next.as_deref()).truncated(truncated))
    })
    .await?;
    let mut entities = PolicyEntities::default();
    for page in &pages {
        entities.roles.extend(page.policy_roles().iter().map(|r| {
            (
                r.role_name().unwrap_or_default().to_string(),
                r.role_id().unwrap_or_default().to_string(),
            )
        }));
        entities.users.extend(
            page.policy_users()
                .iter()
                .map(|u| u.user_name().unwrap_or_default().to_string()),
        );
        entities.groups.extend(
            page.policy_groups()
                .iter()
                .map(|g| g.group_name().unwrap_or_default().to_string()),
        );
    }
    // Stable reports: AWS (and moto) return entities in no particular order.
    entities.roles.sort();
    entities.users.sort();
    entities.groups.sort();
    Ok(entities)
}

/// Who one managed policy is attached to (scope: the policy's ARN).
const POLICY_ENTITIES: DataKey<PolicyEntities> = DataKey::new("iam:ListEntitiesForPolicy");

/// The users, groups and roles `policy_arn` is attached to in `account`, fetched once per
/// account and policy.
pub async fn policy_entities(
    account: &AwsAccount,
    policy_arn: &str,
) -> Result<Arc<PolicyEntities>, AwsError> {
    account
        .fetch_scoped(&POLICY_ENTITIES, policy_arn, || {
            list_entities(account, policy_arn)
        })
        .await
}

/// `iam:GetAccountSummary`'s `SummaryMap`: account-wide counts and flags such as
/// `AccountMFAEnabled`, `AccountAccessKeysPresent` and `AccountPasswordPresent`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSummary {
    pub values: std::collections::BTreeMap<String, i32>,
}

impl AccountSummary {
    /// The value of a `SummaryMap` key; `None` when AWS did not send it.
    pub fn get(&self, key: &str) -> Option<i32> {
        self.values.get(key).copied()
    }
}

/// The account summary.
const SUMMARY: DataKey<AccountSummary> = DataKey::new("iam:GetAccountSummary");

/// The account summary, fetched once per account.
pub async fn account_summary(account: &AwsAccount) -> Result<Arc<AccountSummary>, AwsError> {
    account
        .fetch_once(&SUMMARY, || async {
            let out = account
                .iam()
                .get_account_summary()
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("iam:GetAccountSummary", e))?;
            let values = out
                .summary_map()
                .map(|map| {
                    map.iter()
                        .map(|(key, value)| (key.as_str().to_string(), *value))
                        .collect()
                })
                .unwrap_or_default();
            Ok(AccountSummary { values })
        })
        .await
}

// ---------------------------------------------------------------------------------------
// The credential report
// ---------------------------------------------------------------------------------------

/// The user name the credential report gives the account's root user.
pub const ROOT_ROW: &str = "<root_account>";

/// A date column of the credential report: a time, or one of the words AWS writes where
/// there is no time. The words are never dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportDate {
    At(DateTime<Utc>),
    /// `N/A`: the credential does not exist, or (for a key's last use) was never used.
    NotApplicable,
    /// `no_information`: not used since AWS began tracking (October 2014), or never used.
    NoInformation,
    /// `not_supported`: the column does not apply to this row.
    NotSupported,
}

impl ReportDate {
    /// The time, when the column holds one.
    pub fn at(self) -> Option<DateTime<Utc>> {
        match self {
            ReportDate::At(at) => Some(at),
            _ => None,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "N/A" => Some(ReportDate::NotApplicable),
            "no_information" => Some(ReportDate::NoInformation),
            "not_supported" => Some(ReportDate::NotSupported),
            other => DateTime::parse_from_rfc3339(other)
                .ok()
                .map(|at| ReportDate::At(at.with_timezone(&Utc))),
        }
    }
}

impl std::fmt::Display for ReportDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportDate::At(at) => write!(f, "{}", at.format("%Y-%m-%dT%H:%M:%SZ")),
            ReportDate::NotApplicable => f.write_str("N/A"),
            ReportDate::NoInformation => f.write_str("no_information"),
            ReportDate::NotSupported => f.write_str("not_supported"),
        }
    }
}

/// One access key's columns (`access_key_<number>_*`) of a credential report row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportAccessKey {
    /// 1 or 2, as the report numbers the user's keys.
    pub number: u8,
    pub active: bool,
    /// When the key was created or last rotated; `NotApplicable` when there is no key.
    pub last_rotated: ReportDate,
    /// When the key last signed a request; `NotApplicable` when never.
    pub last_used: ReportDate,
}

/// One row of the credential report: a user, or the root user ([`ROOT_ROW`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub user: String,
    pub arn: String,
    pub user_creation_time: ReportDate,
    /// `None` where the report says `not_supported` (the root row).
    pub password_enabled: Option<bool>,
    pub password_last_used: ReportDate,
    pub password_last_changed: ReportDate,
    pub mfa_active: bool,
    pub access_keys: [ReportAccessKey; 2],
}

impl CredentialRow {
    pub fn is_root(&self) -> bool {
        self.user == ROOT_ROW
    }

    /// The active access keys of the row.
    pub fn active_keys(&self) -> impl Iterator<Item = &ReportAccessKey> {
        self.access_keys.iter().filter(|k| k.active)
    }
}

/// The account's IAM credential report, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialReport {
    /// When AWS generated the report (`GeneratedTime`).
    pub generated_at: Option<DateTime<Utc>>,
    /// When cisrun asked for it: a report generated before is one AWS had cached (up to
    /// four hours), so users and activity since are missing from it.
    pub requested_at: DateTime<Utc>,
    /// The `<root_account>` row, when the report has one.
    pub root: Option<CredentialRow>,
    /// Every IAM user's row, sorted by ARN.
    pub users: Vec<CredentialRow>,
}

impl CredentialReport {
    /// A line for the outcome when the report is older than this run, `None` when it is not.
    pub fn staleness(&self) -> Option<String> {
        let generated = self.generated_at?;
        (generated < self.requested_at).then(|| {
            format!(
                "the credential report was generated at {}, before this run asked for it at {}: \
                 AWS serves a cached report for up to 4 hours, so users created and \
                 credentials used since then are not in it",
                generated.format("%Y-%m-%dT%H:%M:%SZ"),
                self.requested_at.format("%Y-%m-%dT%H:%M:%SZ")
            )
        })
    }

    /// `outcome` with the staleness note, if any.
    pub fn annotate(&self, outcome: cisrun_core::Outcome) -> cisrun_core::Outcome {
        match self.staleness() {
            Some(note) => outcome.with_note(note),
            None => outcome,
        }
    }
}

fn invalid_report(message: impl Into<String>) -> AwsError {
    AwsError::invalid_response("iam:GetCredentialReport", message.into())
}

/// Parses the report's CSV (`Content`, already base64-decoded by the SDK).
pub fn parse_credential_report(
    content: &[u8],
    generated_at: Option<DateTime<Utc>>,
    requested_at: DateTime<Utc>,
) -> Result<CredentialReport, AwsError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(content);
    let headers = reader
        .headers()
        .map_err(|e| invalid_report(format!("credential report header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| invalid_report(format!("credential report has no `{name}` column")))
    };
    let user = column("user")?;
    let arn = column("arn")?;
    let created = column("user_creation_time")?;
    let password_enabled = column("password_enabled")?;
    let password_last_used = column("password_last_used")?;
    let password_last_changed = column("password_last_changed")?;
    let mfa_active = column("mfa_active")?;
    let mut key_columns = [(0u8, 0usize, 0usize, 0usize); 2];
    for (slot, n) in key_columns.iter_mut().zip(1..=2u8) {
        *slot = (
            n,
            column(&format!("access_key_{n}_active"))?,
            column(&format!("access_key_{n}_last_rotated"))?,
            column(&format!("access_key_{n}_last_used_date"))?,
        );
    }

    let [key_1, key_2] = key_columns;
    let mut root = None;
    let mut users = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record =
            record.map_err(|e| invalid_report(format!("credential report line {line}: {e}")))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let date = |i: usize, name: &str| {
            ReportDate::parse(field(i)).ok_or_else(|| {
                invalid_report(format!(
                    "credential report line {line}: `{name}` is `{}`, not a date",
                    field(i)
                ))
            })
        };
        let flag = |i: usize, name: &str| match field(i) {
            "true" | "TRUE" => Ok(Some(true)),
            "false" | "FALSE" => Ok(Some(false)),
            "not_supported" => Ok(None),
            other => Err(invalid_report(format!(
                "credential report line {line}: `{name}` is `{other}`, not true or false"
            ))),
        };
        let key = |(number, active, rotated, used): (u8, usize, usize, usize)| {
            Ok::<_, AwsError>(ReportAccessKey {
                number,
                active: flag(active, "access_key_N_active")?.unwrap_or(false),
                last_rotated: date(rotated, "access_key_N_last_rotated")?,
                last_used: date(used, "access_key_N_last_used_date")?,
            })
        };
        let row = CredentialRow {
            user: field(user).to_string(),
            arn: field(arn).to_string(),
            user_creation_time: date(created, "user_creation_time")?,
            password_enabled: flag(password_enabled, "password_enabled")?,
            password_last_used: date(password_last_used, "password_last_used")?,
            password_last_changed: date(password_last_changed, "password_last_changed")?,
            mfa_active: flag(mfa_active, "mfa_active")?.unwrap_or(false),
            access_keys: [key(key_1)?, key(key_2)?],
        };
        if row.is_root() {
            root = Some(row);
        } else {
            users.push(row);
        }
    }
    users.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(CredentialReport {
        generated_at,
        requested_at,
        root,
        users,
    })
}

/// How many times cisrun asks whether the report is ready, and the longest pause between.
const REPORT_ATTEMPTS: u32 = 10;
const REPORT_MAX_PAUSE: Duration = Duration::from_secs(4);

/// Error codes of `iam:GetCredentialReport` that mean "not ready yet: ask again".
const REPORT_NOT_READY: &[&str] = &["ReportInProgress", "ReportNotPresent", "ReportExpired"];

async fn generate_and_read_report(iam: &aws_sdk_iam::Client) -> Result<CredentialReport, AwsError> {
    use aws_sdk_iam::types::ReportStateType;
    let requested_at = Utc::now();
    let mut pause = Duration::from_millis(250);
    let mut last = String::from("not started");
    for attempt in 1..=REPORT_ATTEMPTS {
        let state = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("iam:GenerateCredentialReport", e))?
            .state;
        if state == Some(ReportStateType::Complete) {
            match iam.get_credential_report().send().await {
                Ok(out) => {
                    let content = out.content().map(|b| b.as_ref()).unwrap_or_default();
                    let generated_at = out
                        .generated_time()
                        .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos()));
                    return parse_credential_report(content, generated_at, requested_at);
                }
                Err(e) => {
                    let error = AwsError::from_sdk("iam:GetCredentialReport", e);
                    if !REPORT_NOT_READY.contains(&error.code.as_str()) {
                        return Err(error);
                    }
                    last = error.code;
                }
            }
        } else {
            last = state
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "no state".to_string());
        }
        if attempt < REPORT_ATTEMPTS {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(REPORT_MAX_PAUSE);
        }
    }
    Err(AwsError {
        code: "ReportInProgress".to_string(),
        message: format!(
            "the credential report was not ready after {REPORT_ATTEMPTS} attempts (last: {last})"
        ),
        action: "iam:GetCredentialReport".to_string(),
        access_denied: false,
    })
}

/// The account's credential report.
const CREDENTIAL_REPORT: DataKey<CredentialReport> = DataKey::new("iam:GetCredentialReport");

/// The account's credential report, generated and read once per account.
pub async fn credential_report(account: &AwsAccount) -> Result<Arc<CredentialReport>, AwsError> {
    account
        .fetch_once(&CREDENTIAL_REPORT, || {
            generate_and_read_report(account.iam())
        })
        .await
}

// ---------------------------------------------------------------------------------------
// The account password policy
// ---------------------------------------------------------------------------------------

/// The account password policy: every field `iam:UpdateAccountPasswordPolicy` sets, so a
/// recorded policy can be restored exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_password_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub max_password_age: Option<i32>,
    pub password_reuse_prevention: Option<i32>,
    pub hard_expiry: Option<bool>,
}

impl From<&aws_sdk_iam::types::PasswordPolicy> for PasswordPolicy {
    fn from(p: &aws_sdk_iam::types::PasswordPolicy) -> Self {
        Self {
            minimum_password_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase_characters: p.require_uppercase_characters(),
            require_lowercase_characters: p.require_lowercase_characters(),
            allow_users_to_change_password: p.allow_users_to_change_password(),
            // IAM reports 0 or nothing when passwords never expire; both mean "no maximum".
            max_password_age: p.max_password_age().filter(|age| *age > 0),
            password_reuse_prevention: p.password_reuse_prevention().filter(|n| *n > 0),
            hard_expiry: p.hard_expiry(),
        }
    }
}

/// Reads the password policy now (no cache): `None` when the account has none.
pub async fn read_password_policy(
    iam: &aws_sdk_iam::Client,
) -> Result<Option<PasswordPolicy>, AwsError> {
    match iam.get_account_password_policy().send().await {
        Ok(out) => Ok(out.password_policy().map(PasswordPolicy::from)),
        Err(e) => {
            let error = AwsError::from_sdk("iam:GetAccountPasswordPolicy", e);
            if error.code == "NoSuchEntity" {
                Ok(None)
            } else {
                Err(error)
            }
        }
    }
}

/// The account password policy, `None` when it has none.
const PASSWORD_POLICY: DataKey<Option<PasswordPolicy>> =
    DataKey::new("iam:GetAccountPasswordPolicy");

/// The password policy, fetched once per account: `None` when the account has none.
pub async fn password_policy(
    account: &AwsAccount,
) -> Result<Arc<Option<PasswordPolicy>>, AwsError> {
    account
        .fetch_once(&PASSWORD_POLICY, || read_password_policy(account.iam()))
        .await
}

// ---------------------------------------------------------------------------------------
// Virtual MFA devices
// ---------------------------------------------------------------------------------------

/// One virtual MFA device: its serial number and the ARN of the user it is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    /// `None` when the device is not assigned.
    pub user_arn: Option<String>,
}

/// The account's virtual MFA devices.
const VIRTUAL_MFA_DEVICES: DataKey<Vec<VirtualMfaDevice>> =
    DataKey::new("iam:ListVirtualMFADevices");

/// Every virtual MFA device of the account (every page), sorted, fetched once per account.
pub async fn virtual_mfa_devices(
    account: &AwsAccount,
) -> Result<Arc<Vec<VirtualMfaDevice>>, AwsError> {
    account
        .fetch_once(&VIRTUAL_MFA_DEVICES, || async {
            const ACTION: &str = "iam:ListVirtualMFADevices";
            let mut devices = read_pages(account.max_pages(), ACTION, |marker| async move {
                let page = account
                    .iam()
                    .list_virtual_mfa_devices()
                    .assignment_status(aws_sdk_iam::types::AssignmentStatusType::Any)
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(ACTION, e))?;
                let devices = page
                    .virtual_mfa_devices()
                    .iter()
                    .map(|d| VirtualMfaDevice {
                        serial_number: d.serial_number().to_string(),
                        user_arn: d.user().map(|u| u.arn().to_string()),
                    })
                    .collect();
                Ok(Page::new(devices, page.marker()).truncated(page.is_truncated()))
            })
            .await?;
            devices.sort();
            Ok(devices)
        })
        .await
}

/// Mock rules and report rows for the controls' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
    use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
    use aws_sdk_iam::types::ReportStateType;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, Rule};
    use chrono::{Duration, Utc};

    pub const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    /// A date `days` ago, as the report writes it.
    pub fn days_ago(days: i64) -> String {
        (Utc::now() - Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%S+00:00")
            .to_string()
    }

    /// One access key's columns: (active, last_rotated, last_used).
    pub type Key<'a> = (&'a str, &'a str, &'a str);

    pub const NO_KEY: Key<'static> = ("false", "N/A", "N/A");

    /// A user row.
    pub struct Row<'a> {
        pub user: &'a str,
        pub created: String,
        pub password_enabled: &'a str,
        pub password_last_used: &'a str,
        pub password_last_changed: &'a str,
        pub mfa_active: &'a str,
        pub key_1: Key<'a>,
        pub key_2: Key<'a>,
    }

    impl<'a> Row<'a> {
        /// A user created `created_days_ago` days ago with no password and no key.
        pub fn user(user: &'a str, created_days_ago: i64) -> Self {
            Row {
                user,
                created: days_ago(created_days_ago),
                password_enabled: "false",
                password_last_used: "N/A",
                password_last_changed: "N/A",
                mfa_active: "false",
                key_1: NO_KEY,
                key_2: NO_KEY,
            }
        }

        pub fn csv(&self) -> String {
            let arn = if self.user == super::ROOT_ROW {
                "arn:aws:iam::123456789012:root".to_string()
            } else {
                format!("arn:aws:iam::123456789012:user/{}", self.user)
            };
            format!(
                "{},{arn},{},{},{},{},N/A,{},{},{},{},N/A,N/A,{},{},{},N/A,N/A,false,N/A,false,N/A",
                self.user,
                self.created,
                self.password_enabled,
                self.password_last_used,
                self.password_last_changed,
                self.mfa_active,
                self.key_1.0,
                self.key_1.1,
                self.key_1.2,
                self.key_2.0,
                self.key_2.1,
                self.key_2.2,
            )
        }
    }

    /// Rules answering GenerateCredentialReport (COMPLETE) and GetCredentialReport (these rows).
    pub fn report_rules(rows: &[Row<'_>]) -> Vec<Rule> {
        let mut content = HEADER.to_string();
        for row in rows {
            content.push('\n');
            content.push_str(&row.csv());
        }
        content.push('\n');
        let generate = mock!(Client::generate_credential_report).then_output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        });
        let get = mock!(Client::get_credential_report).then_output(move || {
            GetCredentialReportOutput::builder()
                .content(aws_smithy_types::Blob::new(content.clone().into_bytes()))
                .generated_time(aws_smithy_types::DateTime::from_secs(
                    Utc::now().timestamp() + 1,
                ))
                .build()
        });
        vec![generate, get]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use aws_sdk_iam::operation::get_credential_report::GetCredentialReportError;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    #[test]
    fn sentinels_are_never_dates() {
        assert_eq!(ReportDate::parse("N/A"), Some(ReportDate::NotApplicable));
        assert_eq!(
            ReportDate::parse("no_information"),
            Some(ReportDate::NoInformation)
        );
        assert_eq!(
            ReportDate::parse("not_supported"),
            Some(ReportDate::NotSupported)
        );
        assert!(ReportDate::parse("2024-01-02T03:04:05+00:00")
            .and_then(ReportDate::at)
            .is_some());
        assert_eq!(ReportDate::parse("yesterday"), None);
    }

    #[test]
    fn parses_rows_and_keeps_root_apart() {
        let mut root = Row::user(ROOT_ROW, 900);
        root.password_enabled = "not_supported";
        root.password_last_used = "no_information";
        root.password_last_changed = "not_supported";
        let mut bob = Row::user("bob", 10);
        bob.key_1 = ("true", "2024-01-02T03:04:05+00:00", "N/A");
        let text = format!("{HEADER}\n{}\n{}\n", bob.csv(), root.csv());
        let report = parse_credential_report(text.as_bytes(), None, Utc::now()).expect("parses");
        let root = report.root.expect("root row");
        assert_eq!(root.password_enabled, None);
        assert_eq!(root.arn, "arn:aws:iam::123456789012:root");
        assert_eq!(report.users.len(), 1);
        let key = report.users[0].access_keys[0];
        assert!(key.active);
        assert_eq!(key.last_used, ReportDate::NotApplicable);
        assert!(key.last_rotated.at().is_some());
    }

    #[test]
    fn a_report_older_than_the_request_is_noted() {
        let now = Utc::now();
        let text = format!("{HEADER}\n");
        let fresh = parse_credential_report(text.as_bytes(), Some(now), now).expect("parses");
        assert_eq!(fresh.staleness(), None);
        let cached =
            parse_credential_report(text.as_bytes(), Some(now - chrono::Duration::hours(3)), now)
                .expect("parses");
        let note = cached.staleness().expect("a note");
        assert!(note.contains("cached report"), "{note}");
        let outcome = cached.annotate(cisrun_core::Outcome::pass("ok", vec![]));
        assert_eq!(outcome.notes, [note]);
    }

    #[test]
    fn a_malformed_report_is_an_error_naming_the_action() {
        let bad = format!("{HEADER}\nbob,arn,garbage,true\n");
        let error = parse_credential_report(bad.as_bytes(), None, Utc::now()).unwrap_err();
        assert_eq!(error.action, "iam:GetCredentialReport");
        let missing = parse_credential_report(b"user,arn\n", None, Utc::now()).unwrap_err();
        assert!(missing.message.contains("user_creation_time"), "{missing}");
    }

    #[tokio::test]
    async fn polls_while_the_report_is_in_progress_and_reads_it_once() {
        use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
        use aws_sdk_iam::types::ReportStateType;
        let generate = mock!(aws_sdk_iam::Client::generate_credential_report)
            .sequence()
            .output(|| {
                GenerateCredentialReportOutput::builder()
                    .state(ReportStateType::Started)
                    .build()
            })
            .output(|| {
                GenerateCredentialReportOutput::builder()
                    .state(ReportStateType::Complete)
                    .build()
            })
            .repeatedly()
            .build();
        let in_progress = mock!(aws_sdk_iam::Client::get_credential_report)
            .sequence()
            .error(|| {
                GetCredentialReportError::generic(
                    ErrorMetadata::builder()
                        .code("ReportInProgress")
                        .message("wait")
                        .build(),
                )
            })
            .build();
        let mut rules = report_rules(&[Row::user("alice", 3)]);
        rules.remove(0);
        let iam = mock_client!(
            aws_sdk_iam,
            RuleMode::MatchAny,
            [&generate, &in_progress, &rules[0]]
        );
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let (a, b) = tokio::join!(credential_report(&account), credential_report(&account));
        let a = a.expect("report");
        assert_eq!(a, b.expect("report"));
        assert_eq!(a.users[0].user, "alice");
        assert_eq!(rules[0].num_calls(), 1);
        assert_eq!(in_progress.num_calls(), 1);
    }
}
