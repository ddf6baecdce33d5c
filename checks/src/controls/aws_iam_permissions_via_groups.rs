//! CIS AWS Foundations: IAM users get permissions only through groups.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::authorization::{authorization_details, AuthorizationDetails, ACTION};

cisrun_core::control! {
    /// ## Description
    /// An IAM user can receive permissions in four ways: an inline policy embedded in the
    /// user, a managed policy attached to the user, or either kind of policy on a group the
    /// user belongs to. Grant permissions to users only through groups.
    ///
    /// ## Rationale
    /// When every permission comes from a group, permissions are managed in one place that
    /// follows job functions. Reviews are simpler and users are less likely to collect
    /// permissions they no longer need.
    ///
    /// ## Impact
    /// Users lose any permission they held only through a policy of their own. Put them in
    /// a group carrying that permission before you detach or delete the policy.
    ///
    /// ## Audit
    /// Fails when any IAM user has a managed policy attached directly or an inline policy;
    /// the failure lists every such user (by ARN) with the names of its attached and inline
    /// policies. Passes when no user has either (including when there are no users).
    ///
    /// cisrun reads every page of `aws iam get-account-authorization-details` (the same data
    /// as `list-users`, then `list-attached-user-policies` and `list-user-policies` for each
    /// user, in far fewer calls); the response is shared with the other policy controls.
    ///
    /// - Policies on groups and roles are not the subject of this control.
    /// - A permissions boundary on a user is not a grant and does not count.
    /// - Any AWS error that survives the SDK's retries: **error**, never pass or fail.
    ///
    /// ## Remediation
    /// 1. Create a group and attach the policy to it:
    ///    `aws iam create-group --group-name <group>` and
    ///    `aws iam attach-group-policy --group-name <group> --policy-arn <policy-arn>`.
    /// 2. Add the user: `aws iam add-user-to-group --user-name <user> --group-name <group>`.
    /// 3. Remove the user's own policies:
    ///    `aws iam detach-user-policy --user-name <user> --policy-arn <policy-arn>` and
    ///    `aws iam delete-user-policy --user-name <user> --policy-name <policy-name>`.
    ///
    /// cisrun does not fix this: which group should carry a permission is a decision.
    ///
    /// ## Default value
    /// AWS lets policies be attached to users directly; nothing prevents it.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
    pub struct PermissionsViaGroups {
        id: "aws-iam-permissions-via-groups",
        title: "Ensure IAM users receive permissions only through groups",
        target: AwsAccount,
        permissions: [ACTION],
    }
}

/// The benchmark's verdict on the users' own policies.
fn verdict(details: &AuthorizationDetails) -> Outcome {
    let evidence: Vec<Evidence> = details
        .users
        .iter()
        .filter(|u| !u.attached.is_empty() || !u.inline.is_empty())
        .map(|user| {
            let mut parts = Vec::new();
            if !user.attached.is_empty() {
                let names: Vec<&str> = user.attached.iter().map(|a| a.name.as_str()).collect();
                parts.push(format!("attached managed policies: {}", names.join(", ")));
            }
            if !user.inline.is_empty() {
                let names: Vec<&str> = user.inline.iter().map(|p| p.name.as_str()).collect();
                parts.push(format!("inline policies: {}", names.join(", ")));
            }
            Evidence::new(&user.arn, parts.join("; "))
        })
        .collect();
    if evidence.is_empty() {
        Outcome::pass(
            format!(
                "none of the {} IAM user(s) has a policy of its own",
                details.users.len()
            ),
            Vec::new(),
        )
    } else {
        Outcome::fail(
            format!(
                "{} IAM user(s) have policies attached directly or inline: grant them through \
                 groups",
                evidence.len()
            ),
            evidence,
        )
    }
}

#[async_trait]
impl Audit for PermissionsViaGroups {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let details = authorization_details(account).await?;
        Ok(verdict(&details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::authorization::test_support::{attached, inline, user};
    use aws_sdk_iam::operation::get_account_authorization_details::{
        GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
    };
    use aws_sdk_iam::types::UserDetail;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    async fn audit_pages(pages: Vec<Vec<UserDetail>>) -> Outcome {
        let count = pages.len();
        let rules: Vec<_> = pages
            .into_iter()
            .enumerate()
            .map(|(i, users)| {
                let marker = (i > 0).then(|| format!("m{i}"));
                mock!(Client::get_account_authorization_details)
                    .match_requests(move |r| r.marker() == marker.as_deref())
                    .then_output(move || {
                        let out = GetAccountAuthorizationDetailsOutput::builder()
                            .set_user_detail_list(Some(users.clone()))
                            .is_truncated(i + 1 < count);
                        if i + 1 < count {
                            out.marker(format!("m{}", i + 1)).build()
                        } else {
                            out.build()
                        }
                    })
            })
            .collect();
        let refs: Vec<_> = rules.iter().collect();
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, refs.as_slice());
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&PermissionsViaGroups, &account).await
    }

    #[tokio::test]
    async fn users_with_own_policies_fail_on_any_page_and_are_listed_sorted() {
        let outcome = audit_pages(vec![
            vec![
                user("zoe", &[], &[inline("mine", "{}")]),
                user("clean", &[], &[]),
            ],
            vec![user(
                "bob",
                &[attached(
                    "ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                )],
                &[inline("extra", "{}")],
            )],
        ])
        .await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let lines: Vec<String> = outcome
            .evidence
            .iter()
            .map(|e| format!("{}: {}", e.resource, e.detail))
            .collect();
        assert_eq!(
            lines,
            [
                "arn:aws:iam::123456789012:user/bob: attached managed policies: ReadOnlyAccess; \
                 inline policies: extra",
                "arn:aws:iam::123456789012:user/zoe: inline policies: mine",
            ]
        );
    }

    #[tokio::test]
    async fn users_without_own_policies_pass() {
        let outcome = audit_pages(vec![vec![user("a", &[], &[])], vec![]]).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(audit_pages(vec![vec![]]).await.status, Status::Pass);
    }

    #[tokio::test]
    async fn access_denied_is_an_error_naming_the_action() {
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
        let outcome = cisrun_core::testing::audit(&PermissionsViaGroups, &account).await;
        assert_eq!(outcome.status, Status::Error);
        let detail = outcome.error.expect("detail");
        assert_eq!(
            detail.missing_permission.as_deref(),
            Some("iam:GetAccountAuthorizationDetails")
        );
    }
}
