//! Reaching many accounts: who the base credentials are, the accounts of an AWS
//! Organization, and sessions in other accounts through `sts:AssumeRole`.
//!
//! Every client made here carries [`RequestCounter`], so `requests_sent()` counts the
//! whole run.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_credential_types::provider::{
    self, error::CredentialsError, ProvideCredentials, SharedCredentialsProvider,
};
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::{AccountState, AccountStatus};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::account::AwsAccount;
use crate::aws::pages::{read_pages, Page};
use crate::aws::{partition_of, AwsError};

/// IAM actions `targets: source: organization` needs (in the management account).
pub const ORGANIZATION_PERMISSIONS: &[&str] = &["organizations:ListAccounts"];
/// IAM actions `targets: organizational_units` needs (in the management account).
pub const ORGANIZATIONAL_UNIT_PERMISSIONS: &[&str] = &[
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
];
/// IAM actions reaching another account needs (on the target role).
pub const ASSUME_ROLE_PERMISSIONS: &[&str] = &["sts:AssumeRole"];

/// The identity of a set of credentials (`sts:GetCallerIdentity`, which needs no
/// permission: AWS never denies it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
}

fn sts_client(config: &SdkConfig) -> aws_sdk_sts::Client {
    crate::counted_client!(aws_sdk_sts, config)
}

/// The longest identifier [`shown`] prints whole.
const SHOWN_CHARS: usize = 64;

/// An identifier from AWS as an error message may quote it: control characters escaped (a
/// newline is `\n`), markup and table characters written as `\u{..}`, cut at 64 characters. Reports escape it again for their
/// format; this keeps a hostile value short and on one line everywhere, logs included.
pub fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(SHOWN_CHARS).collect();
    let mut out = String::new();
    for c in head.chars() {
        match c {
            // Markup and table syntax of every report format, so a quoted value stays inert.
            '<' | '>' | '&' | '|' | '`' | '"' | '\\' | '[' | ']' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.extend(c.escape_debug()),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// True for an AWS account id: exactly 12 ASCII digits.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// True for a name made of lowercase ASCII letters, digits and hyphens (a partition, a
/// service, a region code), of at most `max` bytes.
fn is_code(value: &str, max: usize) -> bool {
    value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// True for a region code such as `us-east-1` or `ap-southeast-2`: lowercase letters,
/// digits and hyphens, starting with a letter, ending with a letter or digit, at most 32
/// bytes and with at least one hyphen.
pub fn is_region_code(value: &str) -> bool {
    let bytes = value.as_bytes();
    (4..=32).contains(&bytes.len())
        && is_code(value, 32)
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && value.contains('-')
}

/// True for the shape of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`
/// with a partition and service of lowercase letters, digits and hyphens, a region that is
/// empty or a region code, an account that is empty, 12 digits or `aws`, a non-empty
/// resource, no control characters and at most 2,048 bytes.
pub fn is_arn(value: &str) -> bool {
    if value.len() > 2048 || value.chars().any(char::is_control) {
        return false;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    *arn == "arn"
        && !partition.is_empty()
        && is_code(partition, 32)
        && !service.is_empty()
        && is_code(service, 64)
        && (region.is_empty() || is_region_code(region))
        && (account.is_empty() || *account == "aws" || is_account_id(account))
        && !resource.is_empty()
}

/// Who the credentials in `config` are (one `sts:GetCallerIdentity`). An account id that
/// is not 12 digits or an ARN of another shape is an `InvalidResponse` error: what AWS
/// names here becomes report text and role ARNs.
pub async fn caller_identity(config: &SdkConfig) -> Result<CallerIdentity, AwsError> {
    const ACTION: &str = "sts:GetCallerIdentity";
    let identity = sts_client(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(ACTION, e))?;
    let arn = identity.arn().unwrap_or_default().to_string();
    let account_id = identity.account().unwrap_or_default().to_string();
    if !is_account_id(&account_id) {
        return Err(AwsError::invalid_response(
            ACTION,
            format!("the account id {} is not 12 digits", shown(&account_id)),
        ));
    }
    if !is_arn(&arn) {
        return Err(AwsError::invalid_response(
            ACTION,
            format!("the caller ARN {} is not an ARN", shown(&arn)),
        ));
    }
    let partition = partition_of(&arn).ok_or_else(|| {
        AwsError::invalid_response(
            ACTION,
            format!("caller ARN {} names no partition", shown(&arn)),
        )
    })?;
    Ok(CallerIdentity {
        account_id,
        arn,
        partition,
    })
}

impl AwsAccount {
    /// The account the credentials in `config` belong to (one `sts:GetCallerIdentity`).
    pub async fn from_config(config: SdkConfig) -> Result<Self, AwsError> {
        let identity = caller_identity(&config).await?;
        Ok(Self::from_identity(config, &identity))
    }

    /// The account of the base credentials, whose identity is already known: no request.
    pub fn from_identity(config: SdkConfig, identity: &CallerIdentity) -> Self {
        Self::new(
            config,
            identity.account_id.clone(),
            identity.partition.clone(),
            identity.arn.clone(),
        )
    }
}

/// One account of an AWS Organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: Option<String>,
    /// Why the listing's entry cannot be trusted (an id that is not 12 digits): the
    /// account is then an error target, never reached. `id` is the entry's id as
    /// [`shown`] prints it.
    pub invalid: Option<AwsError>,
}

fn is_active(state: Option<&AccountState>, status: Option<&AccountStatus>) -> bool {
    // `State` replaces the deprecated `Status`; read whichever the API returns.
    match (state, status) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => false,
    }
}

/// The ACTIVE accounts of the caller's Organization (`organizations:ListAccounts`), or only
/// those under `parents` (OU or root ids, recursively), sorted by id. Every listing is
/// bounded at `max_pages` pages.
pub async fn organization_accounts(
    config: &SdkConfig,
    parents: &[String],
    max_pages: usize,
) -> Result<Vec<OrgAccount>, AwsError> {
    let client = &crate::counted_client!(aws_sdk_organizations, config);
    let mut found: BTreeMap<String, (Option<String>, Option<AwsError>)> = BTreeMap::new();
    let mut keep = |action: &str, id: Option<&str>, name: Option<&str>| {
        let Some(id) = id.filter(|id| !id.is_empty()) else {
            return;
        };
        let name = name.map(str::to_string);
        if is_account_id(id) {
            found.insert(id.to_string(), (name, None));
        } else {
            let error = AwsError::invalid_response(
                action,
                format!("the account id {} is not 12 digits", shown(id)),
            );
            found.insert(shown(id), (name, Some(error)));
        }
    };
    if parents.is_empty() {
        const ACTION: &str = "organizations:ListAccounts";
        let accounts = read_pages(max_pages, ACTION, |token| async move {
            let page = client
                .list_accounts()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(ACTION, e))?;
            Ok(Page::new(page.accounts().to_vec(), page.next_token()))
        })
        .await?;
        for account in &accounts {
            if is_active(account.state(), account.status()) {
                keep(ACTION, account.id(), account.name());
            }
        }
    } else {
        let mut queue: Vec<String> = parents.to_vec();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(parent) = queue.pop() {
            if !seen.insert(parent.clone()) {
                continue;
            }
            const ACCOUNTS: &str = "organizations:ListAccountsForParent";
            let parent_id = parent.as_str();
            let accounts = read_pages(max_pages, ACCOUNTS, |token| async move {
                let page = client
                    .list_accounts_for_parent()
                    .parent_id(parent_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(ACCOUNTS, e))?;
                Ok(Page::new(page.accounts().to_vec(), page.next_token()))
            })
            .await?;
            for account in &accounts {
                if is_active(account.state(), account.status()) {
                    keep(ACCOUNTS, account.id(), account.name());
                }
            }
            const UNITS: &str = "organizations:ListOrganizationalUnitsForParent";
            let units = read_pages(max_pages, UNITS, |token| async move {
                let page = client
                    .list_organizational_units_for_parent()
                    .parent_id(parent_id)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(UNITS, e))?;
                let ids = page
                    .organizational_units()
                    .iter()
                    .filter_map(|ou| ou.id())
                    .map(str::to_string)
                    .collect();
                Ok(Page::new(ids, page.next_token()))
            })
            .await?;
            queue.extend(units);
        }
    }
    Ok(found
        .into_iter()
        .map(|(id, (name, invalid))| OrgAccount { id, name, invalid })
        .collect())
}

/// How to assume the role in a target account.
#[derive(Debug, Clone)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

/// aws-config's AssumeRole provider, primed with the session obtained when connecting, so
/// the first call the controls make does not assume the role a second time.
#[derive(Debug)]
struct PrimedAssumeRole {
    provider: AssumeRoleProvider,
    primed: Mutex<Option<Credentials>>,
}

impl PrimedAssumeRole {
    async fn assume(&self) -> provider::Result {
        // aws-config's STS client is its own, so cisrun's interceptor cannot count it.
        crate::aws::count_request();
        self.provider.provide_credentials().await
    }

    async fn credentials(&self) -> provider::Result {
        let primed = self.primed.lock().unwrap_or_else(|p| p.into_inner()).take();
        let margin = Duration::from_secs(60);
        match primed.filter(|c| c.expiry().is_none_or(|e| e > SystemTime::now() + margin)) {
            Some(creds) => Ok(creds),
            None => self.assume().await,
        }
    }
}

impl ProvideCredentials for PrimedAssumeRole {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}

/// The STS error inside a credentials error, as cisrun reports AWS errors.
fn assume_role_error(error: &CredentialsError) -> AwsError {
    const ACTION: &str = "sts:AssumeRole";
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(sdk) = cause.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>() {
            return AwsError::from_sdk_ref(ACTION, sdk);
        }
        source = cause.source();
    }
    AwsError {
        code: "AssumeRoleFailed".to_string(),
        message: aws_smithy_types::error::display::DisplayErrorContext(error).to_string(),
        action: ACTION.to_string(),
        access_denied: false,
    }
}

/// Assumes roles in other accounts with the base credentials. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RoleAssumer {
    base: SdkConfig,
}

impl RoleAssumer {
    pub fn new(base: &SdkConfig) -> Self {
        Self { base: base.clone() }
    }

    /// A context in `account_id` through aws-config's AssumeRole provider. The role is
    /// assumed once now, so a refused role is one error here and not one in every control;
    /// the provider assumes it again when the session nears expiry.
    pub async fn connect(
        &self,
        account_id: &str,
        spec: AssumeRole,
    ) -> Result<AwsAccount, AwsError> {
        let mut builder = AssumeRoleProvider::builder(&spec.role_arn)
            .session_name(&spec.session_name)
            .configure(&self.base);
        if let Some(external_id) = &spec.external_id {
            builder = builder.external_id(external_id);
        }
        let provider = PrimedAssumeRole {
            provider: builder.build().await,
            primed: Mutex::new(None),
        };
        let creds = provider.assume().await.map_err(|e| assume_role_error(&e))?;
        *provider.primed.lock().unwrap_or_else(|p| p.into_inner()) = Some(creds);
        let partition = partition_of(&spec.role_arn).unwrap_or_else(|| "aws".to_string());
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            // A cache of this account's own, dropped with it.
            .identity_cache(IdentityCache::lazy().build())
            .build();
        Ok(AwsAccount::new(
            config,
            account_id.to_string(),
            partition,
            spec.role_arn,
        ))
    }
}

/// The ARN of the role to assume in `account_id`: a role name becomes
/// `arn:<partition>:iam::<account_id>:role/<name>`; an ARN template gets `{account_id}` and
/// `{partition}` filled in.
pub fn role_arn(role: &str, account_id: &str, partition: &str) -> String {
    if role.starts_with("arn:") {
        role.replace("{account_id}", account_id)
            .replace("{partition}", partition)
    } else {
        format!("arn:{partition}:iam::{account_id}:role/{role}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_and_templates_become_arns() {
        assert_eq!(
            role_arn("OrganizationAccountAccessRole", "111111111111", "aws"),
            "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
        );
        assert_eq!(
            role_arn(
                "arn:{partition}:iam::{account_id}:role/audit/Cisrun",
                "222222222222",
                "aws-us-gov"
            ),
            "arn:aws-us-gov:iam::222222222222:role/audit/Cisrun"
        );
    }

    #[test]
    fn identifiers_from_aws_are_checked_for_shape() {
        assert!(is_account_id("123456789012"));
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            "<img src=x>",
            "１２３４５６７８９０１２",
            "",
        ] {
            assert!(!is_account_id(bad), "{bad}");
        }
        for good in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "cn-north-1",
            "eu-central-2",
        ] {
            assert!(is_region_code(good), "{good}");
        }
        for bad in [
            "",
            "US-EAST-1",
            "us_east_1",
            "us-east-1\n",
            "-us-east-1",
            "us-east-",
            "useast",
            "a".repeat(40).as_str(),
            "<script>",
        ] {
            assert!(!is_region_code(bad), "{bad}");
        }
        for good in [
            "arn:aws:iam::123456789012:role/support",
            "arn:aws-us-gov:sts::123456789012:assumed-role/a/b",
            "arn:aws:iam::aws:policy/AWSSupportAccess",
            "arn:aws:s3:::bucket",
            "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1",
        ] {
            assert!(is_arn(good), "{good}");
        }
        for bad in [
            "",
            "arn:aws:iam",
            "arn::iam::123456789012:root",
            "arn:AWS:iam::123456789012:root",
            "arn:aws:iam::<img>:root",
            "arn:aws:iam::123456789012:",
            "arn:aws:iam::123456789012:root\nx",
            "nra:aws:iam::123456789012:root",
        ] {
            assert!(!is_arn(bad), "{bad}");
        }
    }

    #[test]
    fn shown_values_are_one_short_line() {
        assert_eq!(shown("a\n| b |"), "\"a\\n\\u{7c} b \\u{7c}\"");
        assert_eq!(
            shown("<img src=x onerror=alert(1)>"),
            "\"\\u{3c}img src=x onerror=alert(1)\\u{3e}\""
        );
        assert_eq!(shown("\u{0}\u{1b}"), "\"\\0\\u{1b}\"");
        let long = shown(&"x".repeat(10_000));
        assert!(long.len() < 80, "{long}");
        assert!(long.ends_with("…\""), "{long}");
    }

    #[test]
    fn active_means_state_active_or_legacy_status_active() {
        assert!(is_active(Some(&AccountState::Active), None));
        assert!(!is_active(
            Some(&AccountState::Suspended),
            Some(&AccountStatus::Active)
        ));
        assert!(is_active(None, Some(&AccountStatus::Active)));
        assert!(!is_active(None, Some(&AccountStatus::Suspended)));
        assert!(!is_active(None, None));
    }
}
