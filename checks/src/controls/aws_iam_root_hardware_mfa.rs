//! CIS AWS Foundations: hardware MFA for the root user.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::controls::aws_iam_root_mfa::{mfa_enabled, root_arn};
use crate::data::iam::{account_summary, virtual_mfa_devices, VirtualMfaDevice};

cisrun_core::control! {
    /// ## Description
    /// The root user's MFA device should be a hardware device (a FIDO security key or a
    /// hardware TOTP token), not a virtual one: an app on a phone or computer.
    ///
    /// ## Rationale
    /// A virtual MFA device lives on a device that is itself exposed to malware, loss and
    /// backups; a dedicated hardware device has a far smaller attack surface.
    ///
    /// ## Impact
    /// Hardware devices must be bought, stored safely and kept available to the people who
    /// may need the root user.
    ///
    /// ## Audit
    /// 1. `AccountMFAEnabled` in `aws iam get-account-summary` must be `1`; `0` fails
    ///    (no MFA at all).
    /// 2. Every page of `aws iam list-virtual-mfa-devices` is read: a device whose assigned
    ///    user's ARN is exactly `arn:<partition>:iam::<account>:root` is the root user's
    ///    virtual device, and fails the control. Otherwise the root's device is hardware:
    ///    pass.
    ///
    /// - The user ARN is compared whole, never by substring: an IAM user named `rootkit`, or
    ///   one under the path `/root/`, is not the root user.
    /// - `AccountMFAEnabled` missing, or any AWS error that survives the SDK's retries:
    ///   **error**, never pass or fail.
    ///
    /// ## Remediation
    /// Sign in as the root user, open *Security credentials*, remove the virtual MFA device
    /// and assign a hardware one (a passkey/security key or a hardware TOTP token). cisrun
    /// does not fix this: only the root user can.
    ///
    /// ## Default value
    /// The root user has no MFA device until one is assigned.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_physical.html
    /// - https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListVirtualMFADevices.html
    pub struct RootHardwareMfa {
        id: "aws-iam-root-hardware-mfa",
        title: "Ensure hardware MFA is enabled for the 'root' user account",
        target: AwsAccount,
        permissions: ["iam:GetAccountSummary", "iam:ListVirtualMFADevices"],
    }
}

fn verdict(root: &str, devices: &[VirtualMfaDevice]) -> Outcome {
    let virtual_root: Vec<&VirtualMfaDevice> = devices
        .iter()
        .filter(|d| d.user_arn.as_deref() == Some(root))
        .collect();
    if virtual_root.is_empty() {
        return Outcome::pass(
            "the root user's MFA device is not a virtual device",
            vec![Evidence::new(
                root,
                "AccountMFAEnabled = 1; no virtual MFA device is assigned to the root user",
            )],
        );
    }
    Outcome::fail(
        "the root user's MFA device is a virtual device: use a hardware device",
        virtual_root
            .iter()
            .map(|d| {
                Evidence::new(
                    root,
                    format!("virtual MFA device {} is assigned", d.serial_number),
                )
            })
            .collect(),
    )
}

#[async_trait]
impl Audit for RootHardwareMfa {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let root = root_arn(account);
        let summary = account_summary(account).await?;
        if !mfa_enabled(&summary)? {
            return Ok(Outcome::fail(
                "the root user has no MFA device at all: assign a hardware one",
                vec![Evidence::new(&root, "AccountMFAEnabled = 0")],
            ));
        }
        let devices = virtual_mfa_devices(account).await?;
        Ok(verdict(&root, &devices))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
    use aws_sdk_iam::operation::list_virtual_mfa_devices::{
        ListVirtualMFADevicesError, ListVirtualMfaDevicesOutput,
    };
    use aws_sdk_iam::types::{SummaryKeyType, User, VirtualMfaDevice as SdkDevice};
    use aws_sdk_iam::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn summary(mfa: i32) -> Rule {
        mock!(Client::get_account_summary).then_output(move || {
            GetAccountSummaryOutput::builder()
                .summary_map(SummaryKeyType::AccountMfaEnabled, mfa)
                .build()
        })
    }

    fn device(serial: &str, user_arn: &str) -> SdkDevice {
        let user = User::builder()
            .user_name("x")
            .path("/")
            .user_id("AIDAX")
            .arn(user_arn)
            .create_date(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .expect("user");
        SdkDevice::builder()
            .serial_number(serial)
            .user(user)
            .build()
            .expect("device")
    }

    /// Devices on two pages.
    fn devices(first: Vec<SdkDevice>, second: Vec<SdkDevice>) -> [Rule; 2] {
        let page_1 = mock!(Client::list_virtual_mfa_devices)
            .match_requests(|r| r.marker().is_none())
            .then_output(move || {
                ListVirtualMfaDevicesOutput::builder()
                    .set_virtual_mfa_devices(Some(first.clone()))
                    .is_truncated(true)
                    .marker("2")
                    .build()
                    .expect("page")
            });
        let page_2 = mock!(Client::list_virtual_mfa_devices)
            .match_requests(|r| r.marker() == Some("2"))
            .then_output(move || {
                ListVirtualMfaDevicesOutput::builder()
                    .set_virtual_mfa_devices(Some(second.clone()))
                    .build()
                    .expect("page")
            });
        [page_1, page_2]
    }

    async fn audit(rules: &[&Rule]) -> Outcome {
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules.iter().copied());
        let account = AwsAccount::for_tests(iam, "123456789012", "aws");
        cisrun_core::testing::audit(&RootHardwareMfa, &account).await
    }

    #[tokio::test]
    async fn a_virtual_root_device_on_a_later_page_fails() {
        let summary = summary(1);
        let [a, b] = devices(
            vec![device(
                "arn:aws:iam::123456789012:mfa/alice",
                "arn:aws:iam::123456789012:user/alice",
            )],
            vec![device(
                "arn:aws:iam::123456789012:mfa/root-account-mfa-device",
                "arn:aws:iam::123456789012:root",
            )],
        );
        let outcome = audit(&[&summary, &a, &b]).await;
        assert_eq!(outcome.status, Status::Fail, "{outcome:?}");
        assert!(outcome.evidence[0]
            .detail
            .contains("root-account-mfa-device"));
    }

    #[tokio::test]
    async fn users_whose_arn_contains_root_are_not_the_root_user() {
        let summary = summary(1);
        let [a, b] = devices(
            vec![device(
                "arn:aws:iam::123456789012:mfa/rootkit",
                "arn:aws:iam::123456789012:user/rootkit",
            )],
            vec![device(
                "arn:aws:iam::123456789012:mfa/ops",
                "arn:aws:iam::123456789012:user/root/ops",
            )],
        );
        let outcome = audit(&[&summary, &a, &b]).await;
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    }

    #[tokio::test]
    async fn no_mfa_at_all_fails_without_listing_devices() {
        let summary = summary(0);
        let [a, b] = devices(vec![], vec![]);
        let outcome = audit(&[&summary, &a, &b]).await;
        assert_eq!(outcome.status, Status::Fail);
        assert_eq!(a.num_calls(), 0);
    }

    #[tokio::test]
    async fn access_denied_on_the_listing_names_the_permission() {
        let summary = summary(1);
        let denied = mock!(Client::list_virtual_mfa_devices).then_error(|| {
            ListVirtualMFADevicesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("no")
                    .build(),
            )
        });
        let outcome = audit(&[&summary, &denied]).await;
        assert_eq!(outcome.status, Status::Error);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some("iam:ListVirtualMFADevices")
        );
    }
}
