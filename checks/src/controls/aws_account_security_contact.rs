//! CIS AWS Foundations: a security contact is registered. Manual in the benchmark; cisrun
//! checks presence automatically.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::account::{security_contact, AlternateContact, GET_ALTERNATE_CONTACT};

cisrun_core::control! {
    /// ## Description
    /// AWS lets each account name an alternate contact for security matters, besides the
    /// primary contact. Register one.
    ///
    /// ## Rationale
    /// With a security contact, the security notifications and advisories AWS sends reach
    /// the team best placed to act on them, not whoever owns the account's mailbox.
    ///
    /// ## Impact
    /// None on workloads. Use a monitored distribution list rather than one person's
    /// address, so messages are read when someone is away.
    ///
    /// ## Audit
    /// Passes when `aws account get-alternate-contact --alternate-contact-type SECURITY`
    /// returns a contact with an e-mail address or a phone number; the evidence shows its
    /// name and e-mail address. Fails when AWS answers `ResourceNotFoundException` (no
    /// security contact registered) or the contact has neither an e-mail address nor a
    /// phone number.
    ///
    /// - The benchmark marks this recommendation manual, but its audit is one API call:
    ///   cisrun checks that a contact exists (whether it is the *right* contact remains a
    ///   human judgement), and the report notes that the benchmark calls it manual.
    /// - In an AWS Organization the management account may read members' contacts with
    ///   `--account-id`; cisrun asks each audited account about itself.
    /// - Any other AWS error (access denied, throttling, ...) that survives the SDK's
    ///   retries: **error**, never pass or fail.
    /// - moto (the version scripts/ensure-moto installs) emulates `GetAlternateContact`/`PutAlternateContact`, both sides are
    ///   tested end to end.
    ///
    /// ## Remediation
    /// In the console, open *Account* from the account menu and, under *Alternate
    /// contacts*, fill in *Security contact*. Or:
    /// `aws account put-alternate-contact --alternate-contact-type SECURITY --name <name> --title <title> --email-address <address> --phone-number <number>`.
    /// cisrun does not fix this: it cannot know who your security team is.
    ///
    /// ## Default value
    /// No alternate contact is registered in a new account.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html
    /// - https://docs.aws.amazon.com/accounts/latest/reference/API_GetAlternateContact.html
    /// - https://docs.aws.amazon.com/cli/latest/reference/account/get-alternate-contact.html
    pub struct SecurityContact {
        id: "aws-account-security-contact",
        title: "Ensure security contact information is registered",
        target: AwsAccount,
        permissions: [GET_ALTERNATE_CONTACT],
    }
}

/// The verdict on the security contact (`None`: none registered).
fn verdict(account: &AwsAccount, contact: Option<&AlternateContact>) -> Outcome {
    let resource = format!("account/{}", account.account_id);
    let Some(contact) = contact else {
        return Outcome::fail(
            "no security contact is registered: add one under Alternate contacts",
            vec![Evidence::new(
                &resource,
                "GetAlternateContact SECURITY: ResourceNotFoundException",
            )],
        );
    };
    let reachable = contact
        .email_address
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty())
        || contact
            .phone_number
            .as_deref()
            .is_some_and(|p| !p.trim().is_empty());
    let detail = format!(
        "security contact: {} <{}>",
        contact.name.as_deref().unwrap_or("(no name)"),
        contact
            .email_address
            .as_deref()
            .unwrap_or("no e-mail address")
    );
    if reachable {
        Outcome::pass(
            "a security contact is registered",
            vec![Evidence::new(&resource, detail)],
        )
    } else {
        Outcome::fail(
            "the security contact has neither an e-mail address nor a phone number",
            vec![Evidence::new(&resource, detail)],
        )
    }
}

#[async_trait]
impl Audit for SecurityContact {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let contact = security_contact(account).await?;
        Ok(verdict(account, contact.as_ref().as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::account::use_account_client;
    use aws_sdk_account::operation::get_alternate_contact::{
        GetAlternateContactError, GetAlternateContactOutput,
    };
    use aws_sdk_account::types::error::ResourceNotFoundException;
    use aws_sdk_account::types::{AlternateContact as SdkContact, AlternateContactType};
    use aws_sdk_account::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    async fn audit_with(rule: Rule) -> Outcome {
        let iam = mock_client!(aws_sdk_iam, []);
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        use_account_client(&account, mock_client!(aws_sdk_account, [&rule])).await;
        cisrun_core::testing::audit(&SecurityContact, &account).await
    }

    #[tokio::test]
    async fn a_registered_contact_passes() {
        let rule = mock!(Client::get_alternate_contact)
            .match_requests(|r| r.alternate_contact_type() == Some(&AlternateContactType::Security))
            .then_output(|| {
                GetAlternateContactOutput::builder()
                    .alternate_contact(
                        SdkContact::builder()
                            .name("Security team")
                            .email_address("security@example.com")
                            .phone_number("+1 555 0100")
                            .title("SOC")
                            .alternate_contact_type(AlternateContactType::Security)
                            .build(),
                    )
                    .build()
            });
        let outcome = audit_with(rule).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert_eq!(outcome.evidence[0].resource, "account/123456789012");
        assert!(outcome.evidence[0].detail.contains("security@example.com"));
    }

    #[tokio::test]
    async fn resource_not_found_fails() {
        let rule = mock!(Client::get_alternate_contact).then_error(|| {
            GetAlternateContactError::ResourceNotFoundException(
                ResourceNotFoundException::builder()
                    .message("No contact of the inputted alternate contact type found.")
                    .build()
                    .expect("message is set"),
            )
        });
        assert_eq!(audit_with(rule).await.status, Status::Fail);
    }

    #[tokio::test]
    async fn a_contact_with_no_address_or_phone_fails() {
        let rule = mock!(Client::get_alternate_contact).then_output(|| {
            GetAlternateContactOutput::builder()
                .alternate_contact(SdkContact::builder().name("Nobody").build())
                .build()
        });
        assert_eq!(audit_with(rule).await.status, Status::Fail);
    }

    #[tokio::test]
    async fn access_denied_is_an_error_naming_the_action() {
        let rule = mock!(Client::get_alternate_contact).then_error(|| {
            GetAlternateContactError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized")
                    .build(),
            )
        });
        let outcome = audit_with(rule).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("account:GetAlternateContact")
        );
    }
}
