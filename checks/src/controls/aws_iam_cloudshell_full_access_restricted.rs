//! CIS AWS Foundations: `AWSCloudShellFullAccess` is attached to nobody. Manual in the
//! benchmark; cisrun checks the attachments automatically.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::authorization::{authorization_details, AuthorizationDetails, ACTION};

cisrun_core::control! {
    /// ## Description
    /// AWS CloudShell runs CLI commands against the account from the browser. The
    /// AWS-managed policy `AWSCloudShellFullAccess` grants all of CloudShell, including
    /// uploading and downloading files between the user's computer and the CloudShell
    /// environment, where the user has `sudo` and internet access. Attach it to nobody.
    ///
    /// ## Rationale
    /// With full CloudShell access, anyone can install transfer tools and move data out of
    /// the account to servers on the internet. Restricting the policy closes that channel;
    /// AWS documents a narrower policy that denies file transfer.
    ///
    /// ## Impact
    /// Users and roles that used CloudShell through this policy lose access to it. Give them
    /// a custom policy that allows CloudShell but denies `cloudshell:GetFileDownloadUrls` and
    /// `cloudshell:GetFileUploadUrls` if they still need it.
    ///
    /// ## Audit
    /// Fails when `arn:<partition>:iam::aws:policy/AWSCloudShellFullAccess` is attached to
    /// any IAM user, group or role; the failure lists each of them by ARN. Passes otherwise.
    /// The benchmark's command line checks only `PolicyRoles` of
    /// `aws iam list-entities-for-policy`, but its console procedure requires that no entity
    /// at all uses the policy: cisrun follows the console and counts users and groups too.
    ///
    /// cisrun reads the attachments from every page of
    /// `aws iam get-account-authorization-details`, shared with the other policy controls.
    /// The partition comes from `sts:GetCallerIdentity`.
    ///
    /// - A customer-managed policy with the same name, or another policy that grants
    ///   CloudShell, is not this policy and is not checked (the benchmark notes other
    ///   policies may grant access).
    /// - The benchmark marks this recommendation manual; cisrun automates the attachment
    ///   check, and the report says so.
    /// - Any AWS error that survives the SDK's retries: **error**, never pass or fail.
    ///
    /// ## Remediation
    /// In the IAM console, open *Policies*, select `AWSCloudShellFullAccess`, and on
    /// *Entities attached* detach it from every entity. Or from the command line:
    /// `aws iam detach-user-policy`, `aws iam detach-group-policy` and
    /// `aws iam detach-role-policy` with
    /// `--policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess`.
    ///
    /// ## Default value
    /// The policy is attached to nothing in a new account.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/cloudshell/latest/userguide/sec-auth-with-identities.html
    /// - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCloudShellFullAccess.html
    pub struct CloudShellFullAccessRestricted {
        id: "aws-iam-cloudshell-full-access-restricted",
        title: "Ensure access to AWSCloudShellFullAccess is restricted",
        target: AwsAccount,
        permissions: [ACTION],
    }
}

/// The AWS-managed policy this control looks for.
pub const POLICY_NAME: &str = "AWSCloudShellFullAccess";

/// The verdict on who the policy is attached to.
fn verdict(policy_arn: &str, details: &AuthorizationDetails) -> Outcome {
    let entities = details.attached_to(policy_arn);
    if !entities.is_empty() {
        return Outcome::fail(
            format!(
                "{policy_arn} is attached to {} IAM entit(ies): detach it",
                entities.len()
            ),
            entities
                .iter()
                .map(|arn| Evidence::new(*arn, format!("{POLICY_NAME} attached")))
                .collect(),
        );
    }
    // AttachmentCount disagreeing with the entity lists would be AWS's inconsistency; the
    // count still says the policy is in use.
    let count = details
        .policies
        .iter()
        .find(|p| p.arn == policy_arn)
        .map_or(0, |p| p.attachment_count);
    if count > 0 {
        return Outcome::fail(
            format!("{policy_arn} has {count} attachment(s): detach it"),
            vec![Evidence::new(
                policy_arn,
                format!("AttachmentCount = {count}"),
            )],
        );
    }
    Outcome::pass(
        format!("{policy_arn} is attached to no IAM user, group or role"),
        vec![Evidence::new(policy_arn, "not attached")],
    )
}

#[async_trait]
impl Audit for CloudShellFullAccessRestricted {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let arn = account.aws_managed_policy_arn(POLICY_NAME);
        let details = authorization_details(account).await?;
        Ok(verdict(&arn, &details))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::authorization::test_support::{attached, user};
    use aws_sdk_iam::operation::get_account_authorization_details::{
        GetAccountAuthorizationDetailsError, GetAccountAuthorizationDetailsOutput,
    };
    use aws_sdk_iam::types::{GroupDetail, RoleDetail};
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    async fn audit_with(
        partition: &'static str,
        output: GetAccountAuthorizationDetailsOutput,
    ) -> Outcome {
        let rule =
            mock!(Client::get_account_authorization_details).then_output(move || output.clone());
        let iam = mock_client!(aws_sdk_iam, [&rule]);
        let account = AwsAccount::for_tests(iam, "123456789012", partition);
        cisrun_core::testing::audit(&CloudShellFullAccessRestricted, &account).await
    }

    #[tokio::test]
    async fn attached_to_a_user_group_or_role_fails_and_lists_them() {
        let policy = attached(
            POLICY_NAME,
            "arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
        );
        let output = GetAccountAuthorizationDetailsOutput::builder()
            .user_detail_list(user("dev", std::slice::from_ref(&policy), &[]))
            .group_detail_list(
                GroupDetail::builder()
                    .group_name("ops")
                    .arn("arn:aws:iam::123456789012:group/ops")
                    .attached_managed_policies(policy.clone())
                    .build(),
            )
            .role_detail_list(
                RoleDetail::builder()
                    .role_name("admin")
                    .arn("arn:aws:iam::123456789012:role/admin")
                    .attached_managed_policies(policy)
                    .build(),
            )
            .is_truncated(false)
            .build();
        let outcome = audit_with("aws", output).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        let resources: Vec<&str> = outcome
            .evidence
            .iter()
            .map(|e| e.resource.as_str())
            .collect();
        assert_eq!(
            resources,
            [
                "arn:aws:iam::123456789012:group/ops",
                "arn:aws:iam::123456789012:role/admin",
                "arn:aws:iam::123456789012:user/dev",
            ]
        );
    }

    #[tokio::test]
    async fn looks_for_the_policy_of_the_accounts_partition() {
        // The aws-partition ARN in an aws-us-gov account is not the policy in force there.
        let output = GetAccountAuthorizationDetailsOutput::builder()
            .user_detail_list(user(
                "dev",
                &[attached(
                    POLICY_NAME,
                    "arn:aws:iam::aws:policy/AWSCloudShellFullAccess",
                )],
                &[],
            ))
            .is_truncated(false)
            .build();
        let outcome = audit_with("aws-us-gov", output).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws-us-gov:iam::aws:policy/AWSCloudShellFullAccess"
        );
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
        let outcome = cisrun_core::testing::audit(&CloudShellFullAccessRestricted, &account).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:GetAccountAuthorizationDetails")
        );
    }
}
