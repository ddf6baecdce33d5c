//! The filter patterns of the CIS AWS Foundations Benchmark's monitoring
//! recommendations (4.1–4.15 in v1.4.0 to v5.0.0, 5.1–5.15 in v6.0.0 and v7.0.0), per
//! version, as published and, where the published text is defective, corrected.
//!
//! Source: the audit procedure (`Attributes[0].AuditProcedure`, step 3, "Ensure the
//! output from the above command contains the following") of each requirement in
//! Prowler's compliance files `prowler/compliance/aws/cis_{1.4,1.5,2.0,3.0,4.0,5.0,6.0,7.0}_aws.json`
//! (prowler-cloud/prowler, commit 3e000faa). The published strings are copied byte for
//! byte from the braces of that step. `FINDINGS.md` beside this crate explains each
//! defect and which forms an account filter may use to comply.
//!
//! Prowler's text of v4.0.1 and later has no double quotes at all (it prints
//! `filterPattern: { ... }` where earlier versions print `"filterPattern": "{ ... }"`),
//! so the unquoted values there may be a transcription artefact; for one-word values
//! quoting makes no difference to the pattern.

/// The benchmark versions this table covers, oldest first.
pub const VERSIONS: [&str; 8] = [
    "v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0",
];

/// The control ids of the fifteen monitoring recommendations, in benchmark order.
pub const CONTROL_IDS: [&str; 15] = [
    "aws-cloudwatch-unauthorized-api-calls",
    "aws-cloudwatch-console-signin-without-mfa",
    "aws-cloudwatch-root-usage",
    "aws-cloudwatch-iam-policy-changes",
    "aws-cloudwatch-cloudtrail-config-changes",
    "aws-cloudwatch-console-auth-failures",
    "aws-cloudwatch-cmk-disable-or-deletion",
    "aws-cloudwatch-s3-bucket-policy-changes",
    "aws-cloudwatch-config-changes",
    "aws-cloudwatch-security-group-changes",
    "aws-cloudwatch-nacl-changes",
    "aws-cloudwatch-network-gateway-changes",
    "aws-cloudwatch-route-table-changes",
    "aws-cloudwatch-vpc-changes",
    "aws-cloudwatch-organizations-changes",
];

/// One recommendation's filter pattern, for the versions that share its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CisPattern {
    /// The cisrun control id, e.g. `aws-cloudwatch-unauthorized-api-calls`.
    pub control_id: &'static str,
    /// The benchmark versions whose audit procedure gives exactly `published`.
    pub versions: &'static [&'static str],
    /// Whether this is the recommendation's pattern or an alternative it also accepts.
    pub variant: Variant,
    /// The pattern as the benchmark's audit procedure prints it.
    pub published: &'static str,
    /// The pattern the text intends, when `published` is defective.
    pub corrected: Option<&'static str>,
    /// What is wrong with `published` and why `corrected` is what the text intends;
    /// empty when `published` is sound.
    pub note: &'static str,
}

/// Which of a recommendation's patterns a [`CisPattern`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The recommendation's pattern.
    Standard,
    /// The narrower pattern 4.2 / 5.2 also accepts "to reduce false positives in case
    /// Single Sign-On (SSO) is used": sign-ins of IAM users that succeeded.
    SsoAlternative,
}

impl CisPattern {
    /// The pattern to require: the correction when there is one, else the published text.
    pub fn effective(&self) -> &'static str {
        self.corrected.unwrap_or(self.published)
    }

    /// Whether this entry applies to `version` (`"v3.0.0"`).
    pub fn applies_to(&self, version: &str) -> bool {
        self.versions.contains(&version)
    }
}

/// The patterns of one control in one version: its [`Variant::Standard`] pattern first,
/// then any alternative. Empty for an unknown control or version.
pub fn patterns_for<'a>(
    control_id: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static CisPattern> + 'a {
    PATTERNS
        .iter()
        .filter(move |pattern| pattern.control_id == control_id && pattern.applies_to(version))
}

/// Every pattern, grouped by control in benchmark order, then by variant and version.
pub static PATTERNS: &[CisPattern] = &[
    CisPattern {
        control_id: "aws-cloudwatch-unauthorized-api-calls",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.errorCode = *UnauthorizedOperation) || ($.errorCode = AccessDenied*) || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket) }"#,
        corrected: Some(r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#),
        note: "The two exclusions are joined with `||`, so the pattern matches every event whose `sourceIPAddress` is not `delivery.logs.amazonaws.com` (nearly all); the text calls them exclusions from unauthorized calls, so they are `&&` with the two error codes grouped, as v4.0.1 began to write.",
    },
    CisPattern {
        control_id: "aws-cloudwatch-unauthorized-api-calls",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }"#,
        corrected: Some(r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#),
        note: "`a || b && c && d` is `a || (b && c && d)` (`&&` binds tighter), so the exclusions apply only to `AccessDenied*`; the intent is to exclude `delivery.logs.amazonaws.com` and `HeadBucket` from both error codes, hence the parentheses around the two error codes.",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-signin-without-mfa",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-signin-without-mfa",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = ConsoleLogin) && ($.additionalEventData.MFAUsed != Yes) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-signin-without-mfa",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::SsoAlternative,
        published: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-signin-without-mfa",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::SsoAlternative,
        published: r#"{ ($.eventName = ConsoleLogin) && ($.additionalEventData.MFAUsed != Yes) && ($.userIdentity.type = IAMUser) && ($.responseElements.ConsoleLogin = Success) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-root-usage",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::Standard,
        published: r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-root-usage",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ $.userIdentity.type = Root && $.userIdentity.invokedBy NOT EXISTS && $.eventType != AwsServiceEvent }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-iam-policy-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-cloudtrail-config-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-auth-failures",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-console-auth-failures",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = Failed authentication) }"#,
        corrected: Some(r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#),
        note: "`Failed authentication` is unquoted and holds a space, so the pattern does not parse (an unquoted value is one word); v1.4.0 to v3.0.0 quote it, and Prowler's text of v4.0.1 and later has lost every double quote, so the quotes are restored.",
    },
    CisPattern {
        control_id: "aws-cloudwatch-cmk-disable-or-deletion",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-s3-bucket-policy-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-config-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-security-group-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-security-group-changes",
        versions: &["v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-nacl-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-network-gateway-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-route-table-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-route-table-changes",
        versions: &["v3.0.0"],
        variant: Variant::Standard,
        published: r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName =CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName =ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName= DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName =DisassociateRouteTable) }"#,
        corrected: Some(r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#),
        note: "`$.eventSource = ec2.amazonaws.com && $.eventName = CreateRoute || ...` binds the event source to `CreateRoute` alone; the event source was added to restrict every route-table event, so the event names are grouped in parentheses (the remediation text of the same versions still gives the v1.4.0 pattern without the event source, which covers this correction).",
    },
    CisPattern {
        control_id: "aws-cloudwatch-route-table-changes",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"#,
        corrected: Some(r#"{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }"#),
        note: "`$.eventSource = ec2.amazonaws.com && $.eventName = CreateRoute || ...` binds the event source to `CreateRoute` alone; the event source was added to restrict every route-table event, so the event names are grouped in parentheses (the remediation text of the same versions still gives the v1.4.0 pattern without the event source, which covers this correction).",
    },
    CisPattern {
        control_id: "aws-cloudwatch-vpc-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0", "v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-organizations-changes",
        versions: &["v1.4.0", "v1.5.0", "v2.0.0", "v3.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#,
        corrected: None,
        note: "",
    },
    CisPattern {
        control_id: "aws-cloudwatch-organizations-changes",
        versions: &["v4.0.1", "v5.0.0", "v6.0.0", "v7.0.0"],
        variant: Variant::Standard,
        published: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }"#,
        corrected: None,
        note: "",
    },
];
