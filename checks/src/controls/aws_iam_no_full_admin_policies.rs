//! CIS AWS Foundations: no attached IAM policy allows full `*:*` administrative privileges.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};
use serde_json::Value;

use crate::account::AwsAccount;
use crate::data::authorization::{authorization_details, AuthorizationDetails, ACTION};
use crate::policy;

cisrun_core::control! {
    /// ## Description
    /// IAM policies grant privileges to users, groups and roles. Grant least privilege:
    /// work out what each identity needs to do and allow only that, rather than attaching a
    /// policy that allows every action on every resource.
    ///
    /// ## Rationale
    /// Starting from few permissions and adding what is missing is safer than starting from
    /// too many and trying to remove them later. Full administrative privileges expose every
    /// resource of the account to mistakes and to whoever steals the credentials. A policy
    /// with a statement `Effect: Allow`, `Action: *`, `Resource: *` should not be in use.
    ///
    /// ## Impact
    /// Identities that relied on the policy lose those permissions when it is detached; give
    /// them narrower policies first. Break-glass administrator access should go through a
    /// role whose use is controlled and monitored.
    ///
    /// ## Audit
    /// Fails when a managed policy that is attached (its `AttachmentCount` is above zero, or
    /// a user, group or role lists it) has, in its **default** version, a statement with
    /// `Effect: Allow`, an `Action` of `*` (or `*:*`), alone or in a list, and a `Resource`
    /// of `*`, alone or in a list. The failure lists each such policy by ARN with what it is
    /// attached to. Otherwise passes.
    ///
    /// cisrun reads every page of `aws iam get-account-authorization-details` (the same data
    /// as `list-policies --only-attached` and `get-policy-version` on each default version),
    /// shared with the other policy controls. Documents are URL-decoded; `Statement` may be
    /// one object or a list. An attached policy whose default version cannot be read (no
    /// default version sent, not JSON, a byte-order mark, nesting too deep, a field of the
    /// wrong shape) makes the result an **error** naming the policy, unless another policy
    /// already fails: cisrun never passes what it could not read.
    ///
    /// - **AWS-managed policies count.** The benchmark's audit lists every attached policy
    ///   (`list-policies --only-attached` without a scope includes AWS-managed ones), so the
    ///   AWS-managed `AdministratorAccess`, attached anywhere, fails this control.
    /// - `NotAction: *` is not `Action: *` and does not count; nor do `Deny` statements.
    /// - Only the default version counts: an older version with `*:*` is not in force.
    /// - Conditions on the statement are not weighed: a conditional `*:*` still fails.
    /// - Unattached policies and inline policies are outside the benchmark's audit.
    /// - Any AWS error that survives the SDK's retries: **error**, never pass or fail.
    ///
    /// ## Remediation
    /// For each policy found, list who it is attached to with
    /// `aws iam list-entities-for-policy --policy-arn <policy-arn>`, then detach it:
    /// `aws iam detach-user-policy`, `aws iam detach-group-policy` and
    /// `aws iam detach-role-policy` with `--policy-arn <policy-arn>`. Customer-managed
    /// policies can then be deleted or rewritten with least privilege. cisrun does not fix
    /// this: removing administrator access can lock people out.
    ///
    /// ## Default value
    /// No policy is attached to any identity in a new account.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
    /// - https://docs.aws.amazon.com/cli/latest/reference/iam/index.html
    pub struct NoFullAdminPolicies {
        id: "aws-iam-no-full-admin-policies",
        title: "Ensure IAM policies that allow full \"*:*\" administrative privileges are not attached",
        target: AwsAccount,
        permissions: [ACTION],
    }
}

/// Whether a policy document has a statement allowing every action on every resource.
pub fn allows_full_admin(document: &Value) -> bool {
    policy::statements(document).into_iter().any(|statement| {
        policy::allows(statement)
            && policy::strings(&statement["Action"])
                .iter()
                .any(|a| *a == "*" || *a == "*:*")
            && policy::strings(&statement["Resource"]).contains(&"*")
    })
}

/// The benchmark's verdict on the account's managed policies.
fn verdict(details: &AuthorizationDetails) -> Outcome {
    let mut attached = 0;
    let mut evidence = Vec::new();
    let mut unreadable = Vec::new();
    for policy in &details.policies {
        let entities = details.attached_to(&policy.arn);
        if policy.attachment_count <= 0 && entities.is_empty() {
            continue;
        }
        attached += 1;
        let document = match &policy.default_document {
            Ok(document) => document,
            Err(error) => {
                unreadable.push(Evidence::new(&policy.arn, error.to_string()));
                continue;
            }
        };
        if !allows_full_admin(document.value()) {
            continue;
        }
        let kind = if policy.aws_managed() {
            "AWS-managed"
        } else {
            "customer-managed"
        };
        let version = policy.default_version_id.as_deref().unwrap_or("default");
        let to = if entities.is_empty() {
            format!("{} attachment(s)", policy.attachment_count)
        } else {
            entities.join(", ")
        };
        evidence.push(Evidence::new(
            &policy.arn,
            format!("{kind} policy whose version {version} allows Action * on Resource *; attached to {to}"),
        ));
    }
    if evidence.is_empty() && !unreadable.is_empty() {
        let mut outcome = Outcome::error(cisrun_core::ErrorDetail {
            code: "InvalidPolicyDocument".to_string(),
            message: format!(
                "{} attached policy(ies) could not be read, so whether they allow \"*:*\" is \
                 unknown: {}",
                unreadable.len(),
                unreadable
                    .iter()
                    .map(|e| e.resource.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            missing_permission: None,
        });
        outcome.evidence = unreadable;
        return outcome;
    }
    if evidence.is_empty() {
        Outcome::pass(
            format!("none of the {attached} attached managed policies allows \"*:*\""),
            Vec::new(),
        )
    } else {
        let failing = evidence.len();
        let outcome = if unreadable.is_empty() {
            Outcome::fail(String::new(), evidence)
        } else {
            let note = format!(
                "{} other attached policy(ies) could not be read",
                unreadable.len()
            );
            evidence.extend(unreadable);
            Outcome::fail(String::new(), evidence).with_note(note)
        };
        Outcome {
            message: format!(
                "{failing} attached policy(ies) allow full \"*:*\" administrative privileges: \
                 detach them"
            ),
            ..outcome
        }
    }
}

#[async_trait]
impl Audit for NoFullAdminPolicies {
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
    use crate::data::authorization::test_support::{attached, policy, user};
    use aws_sdk_iam::operation::get_account_authorization_details::{
        GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
    };
    use aws_sdk_iam::types::ManagedPolicyDetail;
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;
    use serde_json::json;

    const ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const NARROW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn customer(name: &str) -> String {
        format!("arn:aws:iam::123456789012:policy/{name}")
    }

    async fn audit(first: Vec<ManagedPolicyDetail>, second: Vec<ManagedPolicyDetail>) -> Outcome {
        let page1 = mock!(Client::get_account_authorization_details)
            .match_requests(|r| r.marker().is_none())
            .then_output(move || {
                GetAccountAuthorizationDetailsOutput::builder()
                    .set_policies(Some(first.clone()))
                    .user_detail_list(user("alice", &[attached("Admin", &customer("Admin"))], &[]))
                    .is_truncated(true)
                    .marker("next")
                    .build()
            });
        let page2 = mock!(Client::get_account_authorization_details)
            .match_requests(|r| r.marker() == Some("next"))
            .then_output(move || {
                GetAccountAuthorizationDetailsOutput::builder()
                    .set_policies(Some(second.clone()))
                    .is_truncated(false)
                    .build()
            });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page1, &page2]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&NoFullAdminPolicies, &account).await
    }

    #[test]
    fn reads_statements_the_way_iam_does() {
        // Statement as one object, Action in a list, Resource in a list.
        assert!(allows_full_admin(&json!({
            "Statement": {"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": ["arn:aws:s3:::b", "*"]}
        })));
        assert!(allows_full_admin(&json!({
            "Statement": [{"Effect": "Allow", "Action": "*:*", "Resource": "*"}]
        })));
        // NotAction is not Action; Deny is not Allow; a narrower resource is not "*".
        assert!(!allows_full_admin(&json!({
            "Statement": [{"Effect": "Allow", "NotAction": "*", "Resource": "*"}]
        })));
        assert!(!allows_full_admin(&json!({
            "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]
        })));
        assert!(!allows_full_admin(&json!({
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]
        })));
        assert!(!allows_full_admin(&json!({
            "Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "*"}]
        })));
        assert!(!allows_full_admin(&json!("not a policy")));
    }

    #[tokio::test]
    async fn an_attached_admin_policy_fails_on_any_page_url_encoded_or_not() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22%2A%22%5D%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let outcome = audit(
            vec![policy(
                &customer("Admin"),
                1,
                "v2",
                &[("v1", NARROW), ("v2", encoded)],
            )],
            vec![policy(
                "arn:aws:iam::aws:policy/AdministratorAccess",
                2,
                "v1",
                &[("v1", ADMIN)],
            )],
        )
        .await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let resources: Vec<&str> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:iam::123456789012:policy/Admin",
                "arn:aws:iam::aws:policy/AdministratorAccess"
            ]
        );
        assert!(outcome.evidence[0]
            .detail
            .contains("attached to arn:aws:iam::123456789012:user/alice"));
        assert!(outcome.evidence[1].detail.starts_with("AWS-managed"));
    }

    #[tokio::test]
    async fn only_the_default_version_and_only_attached_policies_count() {
        let outcome = audit(
            // *:* only in a version that is not the default.
            vec![policy(
                &customer("Admin"),
                1,
                "v2",
                &[("v1", ADMIN), ("v2", NARROW)],
            )],
            // *:* in the default version, but attached to nothing.
            vec![policy(&customer("Unused"), 0, "v1", &[("v1", ADMIN)])],
        )
        .await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    /// The four documents that used to pass this control with `*:*` attached: each is now an error
    /// naming the policy, and a readable `*:*` beside them still fails.
    #[tokio::test]
    async fn an_unreadable_attached_policy_is_an_error_never_a_pass() {
        let deep = format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}1{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let bom = format!("\u{feff}{ADMIN}");
        let cases: Vec<(ManagedPolicyDetail, &str)> = vec![
            (
                policy(&customer("Admin"), 1, "v1", &[("v1", "%7BStatement%3A")]),
                "not JSON",
            ),
            (
                policy(&customer("Admin"), 1, "v1", &[("v1", bom.as_str())]),
                "byte-order mark",
            ),
            (
                policy(&customer("Admin"), 1, "v1", &[("v1", deep.as_str())]),
                "not JSON",
            ),
            (
                // DefaultVersionId names a version the listing does not carry.
                policy(&customer("Admin"), 1, "v2", &[("v1", NARROW)]),
                "no default version",
            ),
        ];
        for (unreadable, phrase) in cases {
            let outcome = audit(vec![unreadable.clone()], vec![]).await;
            assert_eq!(outcome.status, Status::Error, "{phrase}: {outcome:?}");
            let error = outcome.error.as_ref().expect("an error detail");
            assert_eq!(error.code, "InvalidPolicyDocument");
            assert!(error.message.contains(&customer("Admin")), "{error:?}");
            assert!(outcome.evidence[0].detail.contains(phrase), "{outcome:?}");
            let with_admin = audit(
                vec![unreadable],
                vec![policy(
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                    1,
                    "v1",
                    &[("v1", ADMIN)],
                )],
            )
            .await;
            assert_eq!(with_admin.status, Status::Fail, "{with_admin:?}");
            assert!(with_admin.notes[0].contains("could not be read"));
        }
    }

    /// A listing that repeats its marker is an error, not a second count of the same page.
    #[tokio::test]
    async fn a_repeated_marker_is_an_error_naming_the_action() {
        let page = mock!(Client::get_account_authorization_details).then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .is_truncated(true)
                .marker("same")
                .build()
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&page]);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        let outcome = cisrun_core::testing::audit(&NoFullAdminPolicies, &account).await;
        assert_eq!(outcome.status, Status::Error, "{outcome:?}");
        let error = outcome.error.expect("an error detail");
        assert_eq!(error.code, crate::aws::pages::REPEATED_TOKEN);
        assert!(error.message.contains(ACTION), "{error:?}");
        assert_eq!(page.num_calls(), 2);
    }

    #[tokio::test]
    async fn not_action_does_not_count() {
        let not_action = r#"{"Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}"#;
        let outcome = audit(
            vec![policy(&customer("Admin"), 1, "v1", &[("v1", not_action)])],
            vec![],
        )
        .await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
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
        let outcome = cisrun_core::testing::audit(&NoFullAdminPolicies, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert!(outcome
            .message
            .contains("iam:GetAccountAuthorizationDetails"));
    }
}
