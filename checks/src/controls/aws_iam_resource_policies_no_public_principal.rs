//! CIS AWS Foundations: no unrestricted `Principal: *` in resource policies. Manual:
//! documentation only.

use crate::account::AwsAccount;

cisrun_core::manual_control! {
    /// ## Description
    /// Resource-based policies (S3 bucket policies, SQS queue policies, SNS topic policies, Lambda
    /// function policies, KMS key policies, ...) should not allow access to `"Principal": "*"` with
    /// `"Effect": "Allow"` unless conditions limit it to trusted identities, accounts, services or
    /// networks.
    ///
    /// ## Rationale
    /// Resource policies take part in every authorization decision. An `Allow` to `*` grants the
    /// actions to any principal of any AWS account unless a condition narrows it, which invites
    /// unauthorized access, abuse and data exfiltration.
    ///
    /// ## Impact
    /// Unrestricted resource policies can expose data or services publicly. Restricting them can
    /// break integrations that relied on the wildcard; name those principals or add conditions.
    ///
    /// ## Audit
    /// Manual: cisrun reports this control as skipped (manual). Whether a condition restricts
    /// enough is a judgement.
    ///
    /// In every region, list the resources that carry resource policies and read each policy
    /// (`aws s3api get-bucket-policy`, `aws sqs get-queue-attributes --attribute-names Policy`,
    /// `aws sns get-topic-attributes`, `aws lambda get-policy`, `aws kms get-key-policy`, ...).
    /// Find `Allow` statements whose principal is `"*"` or `{"AWS": "*"}`. Each is compliant only
    /// if conditions such as `aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalArn` or
    /// `aws:PrincipalOrgID` restrict it to trusted principals.
    ///
    /// ## Remediation
    /// Replace the wildcard principal with the accounts, roles, users or services that need
    /// access, or, where a wildcard is required, add restricting conditions (for example
    /// `"Condition": {"StringEquals": {"aws:SourceAccount": "<account-id>"}}`), then set the
    /// policy again with the service's put/set command.
    ///
    /// ## Default value
    /// AWS does not forbid `"Principal": "*"`; the policy's author decides.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html
    pub struct ResourcePoliciesNoPublicPrincipal {
        id: "aws-iam-resource-policies-no-public-principal",
        title: "Ensure AWS resource policies do not allow unrestricted access using 'Principal': '*'",
        target: AwsAccount,
    }
}
