//! The account's IAM authorization details: users, groups, roles and managed policies with
//! what is attached to each, from every page of one `iam:GetAccountAuthorizationDetails`
//! (filter `User`, `Group`, `Role`, `LocalManagedPolicy`, `AWSManagedPolicy`), fetched once
//! per account. Policy documents arrive URL-encoded; they are parsed here, strictly, with
//! [`crate::policy::parse_document`]: a document that cannot be read is kept as its error,
//! for the controls that need it to report.

use std::sync::Arc;

use crate::account::{AwsAccount, DataKey};
use crate::aws::pages::{read_pages, Page};
use crate::aws::AwsError;
use crate::policy::{parse_document, DocumentError, PolicyDocument};
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::types::{AttachedPolicy, EntityType, PolicyDetail};

/// The IAM action this fetcher needs.
pub const ACTION: &str = "iam:GetAccountAuthorizationDetails";

/// A managed policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Attachment {
    pub name: String,
    pub arn: String,
}

/// An inline policy embedded in a user, group or role.
#[derive(Debug, Clone, PartialEq)]
pub struct InlinePolicy {
    pub name: String,
    /// The document, decoded and parsed, or why it cannot be read.
    pub document: Result<PolicyDocument, DocumentError>,
}

/// A user, group or role and the policies it carries directly.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub name: String,
    pub arn: String,
    /// Managed policies attached to it, sorted by ARN.
    pub attached: Vec<Attachment>,
    /// Inline policies, sorted by name.
    pub inline: Vec<InlinePolicy>,
}

/// A customer-managed or AWS-managed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    /// How many users, groups and roles it is attached to (`AttachmentCount`).
    pub attachment_count: i32,
    /// `DefaultVersionId`, e.g. `v3`.
    pub default_version_id: Option<String>,
    /// The default version's document, parsed, or why it cannot be read (AWS sent no
    /// default version, or a document that is not one).
    pub default_document: Result<PolicyDocument, DocumentError>,
}

impl ManagedPolicy {
    /// Whether this is an AWS-managed policy (`arn:<partition>:iam::aws:policy/...`).
    pub fn aws_managed(&self) -> bool {
        self.arn.split(':').nth(4) == Some("aws")
    }
}

/// Everything `iam:GetAccountAuthorizationDetails` returned, every page, sorted by ARN.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorizationDetails {
    pub users: Vec<Principal>,
    pub groups: Vec<Principal>,
    pub roles: Vec<Principal>,
    pub policies: Vec<ManagedPolicy>,
}

impl AuthorizationDetails {
    /// The ARNs of the users, groups and roles `policy_arn` is attached to, sorted.
    pub fn attached_to(&self, policy_arn: &str) -> Vec<&str> {
        let mut arns: Vec<&str> = self
            .users
            .iter()
            .chain(&self.groups)
            .chain(&self.roles)
            .filter(|p| p.attached.iter().any(|a| a.arn == policy_arn))
            .map(|p| p.arn.as_str())
            .collect();
        arns.sort_unstable();
        arns
    }

    /// Adds one page of the response.
    fn extend(&mut self, page: &GetAccountAuthorizationDetailsOutput) {
        self.users.extend(page.user_detail_list().iter().map(|u| {
            principal(
                u.user_name(),
                u.arn(),
                u.attached_managed_policies(),
                u.user_policy_list(),
            )
        }));
        self.groups.extend(page.group_detail_list().iter().map(|g| {
            principal(
                g.group_name(),
                g.arn(),
                g.attached_managed_policies(),
                g.group_policy_list(),
            )
        }));
        self.roles.extend(page.role_detail_list().iter().map(|r| {
            principal(
                r.role_name(),
                r.arn(),
                r.attached_managed_policies(),
                r.role_policy_list(),
            )
        }));
        self.policies.extend(page.policies().iter().map(|p| {
            let default_version_id = p.default_version_id().map(str::to_string);
            let versions = p.policy_version_list();
            // The version `DefaultVersionId` names; the `IsDefaultVersion` flag otherwise.
            let default = versions
                .iter()
                .find(|v| v.version_id().is_some() && v.version_id() == p.default_version_id())
                .or_else(|| versions.iter().find(|v| v.is_default_version()));
            ManagedPolicy {
                name: p.policy_name().unwrap_or_default().to_string(),
                arn: p.arn().unwrap_or_default().to_string(),
                attachment_count: p.attachment_count().unwrap_or(0),
                default_version_id,
                default_document: match default.and_then(|v| v.document()) {
                    Some(document) => parse_document(document),
                    None => Err(DocumentError(format!(
                        "AWS sent no default version (DefaultVersionId {})",
                        p.default_version_id().unwrap_or("missing")
                    ))),
                },
            }
        }));
    }

    fn sort(&mut self) {
        for list in [&mut self.users, &mut self.groups, &mut self.roles] {
            list.sort_by(|a, b| a.arn.cmp(&b.arn));
        }
        self.policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
}

fn principal(
    name: Option<&str>,
    arn: Option<&str>,
    attached: &[AttachedPolicy],
    inline: &[PolicyDetail],
) -> Principal {
    let mut attached: Vec<Attachment> = attached
        .iter()
        .map(|a| Attachment {
            name: a.policy_name().unwrap_or_default().to_string(),
            arn: a.policy_arn().unwrap_or_default().to_string(),
        })
        .collect();
    attached.sort();
    let mut inline: Vec<InlinePolicy> = inline
        .iter()
        .map(|p| InlinePolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            document: parse_document(p.policy_document().unwrap_or_default()),
        })
        .collect();
    inline.sort_by(|a, b| a.name.cmp(&b.name));
    Principal {
        name: name.unwrap_or_default().to_string(),
        arn: arn.unwrap_or_default().to_string(),
        attached,
        inline,
    }
}

/// Reads every page of `iam:GetAccountAuthorizationDetails`, each page folded into the
/// details as it arrives (the raw pages are not kept).
async fn fetch(account: &AwsAccount) -> Result<AuthorizationDetails, AwsError> {
    let details = std::sync::Mutex::new(AuthorizationDetails::default());
    read_pages(account.max_pages(), ACTION, |marker| {
        let details = &details;
        async move {
            let page = account
                .iam()
                .get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Group)
                .filter(EntityType::Role)
                .filter(EntityType::LocalManagedPolicy)
                .filter(EntityType::AwsManagedPolicy)
                .max_items(1000)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(ACTION, e))?;
            details
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(&page);
            Ok(Page::<()>::new(Vec::new(), page.marker()).truncated(page.is_truncated()))
        }
    })
    .await?;
    let mut details = details.into_inner().unwrap_or_else(|p| p.into_inner());
    details.sort();
    Ok(details)
}

/// The account's authorization details.
const DETAILS: DataKey<AuthorizationDetails> = DataKey::new(ACTION);

/// The account's authorization details, fetched once per account.
pub async fn authorization_details(
    account: &AwsAccount,
) -> Result<Arc<AuthorizationDetails>, AwsError> {
    account.fetch_once(&DETAILS, || fetch(account)).await
}

/// Builders for unit tests of the controls that read these details.
#[doc(hidden)]
pub mod test_support {
    use aws_sdk_iam::types::{
        AttachedPolicy, ManagedPolicyDetail, PolicyDetail, PolicyVersion, UserDetail,
    };

    pub fn attached(name: &str, arn: &str) -> AttachedPolicy {
        AttachedPolicy::builder()
            .policy_name(name)
            .policy_arn(arn)
            .build()
    }

    pub fn inline(name: &str, document: &str) -> PolicyDetail {
        PolicyDetail::builder()
            .policy_name(name)
            .policy_document(document)
            .build()
    }

    pub fn user(
        name: &str,
        attached_policies: &[AttachedPolicy],
        inline_policies: &[PolicyDetail],
    ) -> UserDetail {
        UserDetail::builder()
            .user_name(name)
            .arn(format!("arn:aws:iam::123456789012:user/{name}"))
            .set_attached_managed_policies(Some(attached_policies.to_vec()))
            .set_user_policy_list(Some(inline_policies.to_vec()))
            .build()
    }

    /// A managed policy with `versions` as (version id, document); `default` names the
    /// default version.
    pub fn policy(
        arn: &str,
        attachment_count: i32,
        default: &str,
        versions: &[(&str, &str)],
    ) -> ManagedPolicyDetail {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        ManagedPolicyDetail::builder()
            .policy_name(name)
            .arn(arn)
            .attachment_count(attachment_count)
            .default_version_id(default)
            .set_policy_version_list(Some(
                versions
                    .iter()
                    .map(|(id, document)| {
                        PolicyVersion::builder()
                            .version_id(*id)
                            .document(*document)
                            .is_default_version(*id == default)
                            .build()
                    })
                    .collect(),
            ))
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsError;
    use aws_sdk_iam::types::{GroupDetail, RoleDetail};
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    #[tokio::test]
    async fn reads_every_page_once_and_sorts() {
        let first = mock!(Client::get_account_authorization_details)
            .match_requests(|r| r.marker().is_none() && r.filter().len() == 5)
            .then_output(|| {
                GetAccountAuthorizationDetailsOutput::builder()
                    .user_detail_list(user("zed", &[], &[]))
                    .group_detail_list(
                        GroupDetail::builder()
                            .group_name("admins")
                            .arn("arn:aws:iam::123456789012:group/admins")
                            .attached_managed_policies(attached(
                                "AdministratorAccess",
                                "arn:aws:iam::aws:policy/AdministratorAccess",
                            ))
                            .build(),
                    )
                    .is_truncated(true)
                    .marker("page-2")
                    .build()
            });
        let second = mock!(Client::get_account_authorization_details)
            .match_requests(|r| r.marker() == Some("page-2"))
            .then_output(|| {
                GetAccountAuthorizationDetailsOutput::builder()
                    .user_detail_list(user(
                        "amy",
                        &[],
                        &[inline(
                            "p",
                            "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Deny%22%7D%7D",
                        )],
                    ))
                    .role_detail_list(
                        RoleDetail::builder()
                            .role_name("ops")
                            .arn("arn:aws:iam::123456789012:role/ops")
                            .build(),
                    )
                    .policies(policy(
                        "arn:aws:iam::aws:policy/AdministratorAccess",
                        1,
                        "v1",
                        &[("v1", r#"{"Statement":{"Effect":"Deny"}}"#)],
                    ))
                    .is_truncated(false)
                    .build()
            });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&first, &second]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let details = authorization_details(&account).await.expect("details");
        let again = authorization_details(&account).await.expect("cached");
        assert!(Arc::ptr_eq(&details, &again));
        assert_eq!(first.num_calls(), 1);
        assert_eq!(second.num_calls(), 1);
        let users: Vec<&str> = details.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(users, ["amy", "zed"]);
        let inline = details.users[0].inline[0]
            .document
            .as_ref()
            .expect("parsed");
        assert_eq!(inline.value()["Statement"]["Effect"], "Deny");
        assert_eq!(details.roles.len(), 1);
        assert!(details.policies[0].aws_managed());
        assert_eq!(
            details.attached_to("arn:aws:iam::aws:policy/AdministratorAccess"),
            ["arn:aws:iam::123456789012:group/admins"]
        );
    }

    #[tokio::test]
    async fn access_denied_names_the_action() {
        let rule = mock!(Client::get_account_authorization_details).then_error(|| {
            GetAccountAuthorizationDetailsError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("not authorized")
                    .build(),
            )
        });
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let error = authorization_details(&account).await.expect_err("denied");
        assert!(error.access_denied);
        assert_eq!(error.action, ACTION);
    }
}
