//! CIS AWS Foundations: the fifteen monitoring recommendations, one family. Each instance is
//! the same rule, "a metric filter and alarm exist for these events, and someone receives
//! the alarm", with its own filter pattern per benchmark version (from
//! `cisrun_filter_pattern::cis`). The chain and its data are in `chain.rs`, the fix in
//! `fix.rs`, its parameters in `parameters.rs`.

mod chain;
mod fix;
mod parameters;
#[cfg(test)]
mod tests;

pub use chain::{filter_coverage, monitoring_data, FilterCoverage, Link, MonitoringData};
pub use parameters::{MonitoringParameters, DEFAULT_NAMESPACE};

use async_trait::async_trait;
use cisrun_core::{Audit, ControlMeta, Described, ErrorDetail, Input, Outcome, Status};
use cisrun_filter_pattern::cis::{patterns_for, CisPattern, Variant, VERSIONS};

use crate::account::AwsAccount;
use chain::{walk, Requirement, Walk};

/// The rule. Each instance is one recommendation; its id selects its patterns.
pub struct MonitoringAlarm {
    pub meta: ControlMeta,
    /// What the filter catches, for messages: `unauthorized API calls`.
    pub watches: &'static str,
}

impl Described for MonitoringAlarm {
    type Target = AwsAccount;
    type Parameters = MonitoringParameters;

    fn meta(&self) -> &ControlMeta {
        &self.meta
    }

    fn fix(&self) -> Option<&dyn cisrun_core::Remediation<AwsAccount, MonitoringParameters>> {
        Some(self)
    }
}

/// The newest version the pattern table knows: the rule for a profile without a version.
fn newest_version() -> &'static str {
    VERSIONS.last().copied().unwrap_or("v7.0.0")
}

impl MonitoringAlarm {
    /// The entries of the pattern table for `version` (the newest version's when `version`
    /// has none), and the version they are for.
    pub fn entries(&self, version: &str) -> (Vec<&'static CisPattern>, &'static str) {
        let known = VERSIONS.iter().copied().find(|v| *v == version);
        let version = known.unwrap_or_else(newest_version);
        (patterns_for(self.meta.id, version).collect(), version)
    }

    /// The patterns a filter may cover to comply in `version`, parsed: each entry's
    /// [`CisPattern::effective`] form (the correction where the published text is
    /// defective), the recommendation's own pattern first.
    pub fn requirements(
        &self,
        version: &str,
    ) -> Result<(Vec<Requirement>, &'static str), ErrorDetail> {
        let (entries, used) = self.entries(version);
        let mut required = Vec::new();
        for entry in entries {
            let pattern =
                cisrun_filter_pattern::parse(entry.effective()).map_err(|e| ErrorDetail {
                    code: "InternalError".to_string(),
                    message: format!(
                        "the benchmark's pattern for {} in {used} does not parse: {e}",
                        self.meta.id
                    ),
                    missing_permission: None,
                })?;
            required.push(Requirement { entry, pattern });
        }
        if required.is_empty() {
            return Err(ErrorDetail {
                code: "InternalError".to_string(),
                message: format!("no benchmark pattern for {} in {used}", self.meta.id),
                missing_permission: None,
            });
        }
        Ok((required, used))
    }

    /// The benchmark's own pattern in `version`, as the fix writes it.
    pub fn standard_pattern(&self, version: &str) -> Option<&'static str> {
        self.entries(version)
            .0
            .into_iter()
            .find(|e| e.variant == Variant::Standard)
            .map(CisPattern::effective)
    }
}

/// The outcome of one walk of the chain.
fn verdict(control: &MonitoringAlarm, walked: Walk, used: &str, asked: &str) -> Outcome {
    let outcome = match walked {
        Walk::Complete(complete) => {
            let mut outcome = Outcome::pass(
                format!("{} are monitored: {}", control.watches, complete.summary),
                complete.evidence,
            );
            for note in complete.notes {
                outcome = outcome.with_note(note);
            }
            outcome
        }
        Walk::Broken { missing, evidence } => {
            let why = evidence
                .iter()
                .rev()
                .find(|e| e.status != Some(Status::Pass))
                .map(|e| format!(": {}", e.detail))
                .unwrap_or_default();
            Outcome::fail(
                format!(
                    "{} are not monitored: {}{why}",
                    control.watches,
                    missing.missing()
                ),
                evidence,
            )
        }
        Walk::Unread { error, evidence } => {
            let mut outcome = Outcome::error(error);
            outcome.evidence = evidence;
            outcome
        }
    };
    if used != asked {
        let asked = if asked.is_empty() {
            "no benchmark version"
        } else {
            asked
        };
        return outcome.with_note(format!(
            "the profile names {asked}, for which the benchmark gives no pattern: cisrun \
             requires {used}'s"
        ));
    }
    outcome
}

#[async_trait]
impl Audit for MonitoringAlarm {
    async fn audit(
        &self,
        account: &AwsAccount,
        input: Input<'_, MonitoringParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let data = monitoring_data(account).await?;
        let (required, used) = self.requirements(input.version)?;
        Ok(verdict(
            self,
            walk(account, &data, &required),
            used,
            input.version,
        ))
    }
}

/// One instance: its description and rationale, then its patterns; the rest of the
/// documentation (the chain, the fix, the references) is the same for all fifteen.
macro_rules! monitoring_control {
    (
        $(#[doc = $about:literal])*
        id: $id:literal,
        title: $title:literal,
        watches: $watches:literal,
        patterns: { $(#[doc = $patterns:literal])* }
    ) => {
        cisrun_core::family_member! {
            $(#[doc = $about])*
            #[doc = ""]
            #[doc = " ## Impact"]
            #[doc = " Each metric filter and alarm costs a little (CloudWatch bills custom metrics and"]
            #[doc = " alarms); the topic's subscribers receive a message whenever such an event"]
            #[doc = " happens, so someone must read them."]
            #[doc = ""]
            #[doc = " ## Audit"]
            #[doc = " cisrun walks the chain the benchmark's audit walks and passes when one chain holds"]
            #[doc = " from end to end:"]
            #[doc = ""]
            #[doc = " 1. a CloudTrail trail that is multi-region, logging, and records every management"]
            #[doc = "    event, read and write (`aws cloudtrail describe-trails`, `get-trail-status`,"]
            #[doc = "    `get-event-selectors`, the judgement the CloudTrail controls share; a"]
            #[doc = "    single-region trail never counts);"]
            #[doc = " 2. the trail's CloudWatch Logs log group (`CloudWatchLogsLogGroupArn`), in the"]
            #[doc = "    region its ARN names;"]
            #[doc = " 3. a metric filter on that log group (`aws logs describe-metric-filters"]
            #[doc = "    --log-group-name <group>`) whose pattern *covers* the benchmark's pattern below:"]
            #[doc = "    it matches every event the benchmark's pattern matches;"]
            #[doc = " 4. an alarm in the log group's region (`aws cloudwatch describe-alarms`) on the"]
            #[doc = "    filter's metric: the same `MetricName` and `Namespace`, no dimensions, actions"]
            #[doc = "    enabled;"]
            #[doc = " 5. an SNS topic among the alarm's `AlarmActions`;"]
            #[doc = " 6. a subscription of that topic (`aws sns list-subscriptions-by-topic`) with a"]
            #[doc = "    subscription ARN: one still `PendingConfirmation` does not count."]
            #[doc = ""]
            #[doc = " Filter patterns are parsed and compared by meaning, not as text: the order of"]
            #[doc = " clauses, whitespace, quoting, redundant parentheses and extra `||` branches change"]
            #[doc = " nothing, and a filter broader than the benchmark's covers it. An extra `&&`"]
            #[doc = " condition narrows the filter: it does not cover, and the evidence names the"]
            #[doc = " narrowing clause. An empty pattern matches every event and covers. A pattern cisrun"]
            #[doc = " cannot read (term, space-delimited or regular-expression syntax) is an **error**"]
            #[doc = " when its alarm chain would otherwise pass, and otherwise does not count."]
            #[doc = ""]
            #[doc = " - The evidence of a pass names the trail, the log group, the filter, the alarm,"]
            #[doc = "   the topic and the subscriber; a fail names the first missing link of the chain"]
            #[doc = "   that got furthest, and why (a trail's shortfall, a filter's narrowing clause,"]
            #[doc = "   an alarm without an SNS action, a topic without a confirmed subscriber)."]
            #[doc = " - What cannot be read is an **error**, never a fail, unless another chain passes:"]
            #[doc = "   a region whose trails cannot be listed, a trail whose status or selectors cannot"]
            #[doc = "   be read, a denied `DescribeMetricFilters`, `DescribeAlarms` or"]
            #[doc = "   `ListSubscriptionsByTopic`. An organization trail seen from a member account"]
            #[doc = "   delivers to a log group in the management account, which only that account can"]
            #[doc = "   read: that chain is an error naming the account to audit."]
            #[doc = " - From v4.0.1 the benchmark marks most monitoring recommendations manual; cisrun"]
            #[doc = "   audits them the same way in every version (`cisrun coverage` shows both)."]
            #[doc = " - All fifteen monitoring controls read the same data once per account: a profile"]
            #[doc = "   with all fifteen sends the requests of one (one `DescribeMetricFilters` per log"]
            #[doc = "   group, one `DescribeAlarms` listing per log group region, one"]
            #[doc = "   `ListSubscriptionsByTopic` per topic an alarm on one of its filters notifies)."]
            #[doc = ""]
            $(#[doc = $patterns])*
            #[doc = ""]
            #[doc = " A profile whose version the benchmark gives no pattern for (or no version) is"]
            #[doc = " held to the newest version's pattern, and the outcome says so."]
            #[doc = ""]
            #[doc = " ## Remediation"]
            #[doc = " Create a metric filter on the compliant trail's log group with the pattern above,"]
            #[doc = " an alarm on its metric, and an SNS topic with a subscriber:"]
            #[doc = ""]
            #[doc = " 1. `aws logs put-metric-filter --log-group-name <group> --filter-name <name>"]
            #[doc = "    --metric-transformations metricName=<metric>,metricNamespace=CISBenchmark,metricValue=1"]
            #[doc = "    --filter-pattern '<pattern>'`"]
            #[doc = " 2. `aws sns create-topic --name <topic>` and `aws sns subscribe --topic-arn <topic arn>"]
            #[doc = "    --protocol email --notification-endpoint <address>`; confirm the subscription."]
            #[doc = " 3. `aws cloudwatch put-metric-alarm --alarm-name <name> --metric-name <metric>"]
            #[doc = "    --namespace CISBenchmark --statistic Sum --period 300 --threshold 1"]
            #[doc = "    --comparison-operator GreaterThanOrEqualToThreshold --evaluation-periods 1"]
            #[doc = "    --treat-missing-data notBreaching --alarm-actions <topic arn>`"]
            #[doc = ""]
            #[doc = " `cisrun remediate` does steps 1 and 3 (safe: it only adds a filter and an alarm)"]
            #[doc = " on the log group of the first compliant trail whose log group is in the audited"]
            #[doc = " account, with the pattern of the profile's version (its correction where the"]
            #[doc = " published text is defective): the filter and the alarm are named"]
            #[doc = " `cisrun-<control id>`, the metric `<control id>`. The topic is a required"]
            #[doc = " parameter, in the log group's region; its subscribers are yours to manage:"]
            #[doc = ""]
            #[doc = " ```yaml"]
            #[doc = " parameters:"]
            #[doc = "   <control id>:"]
            #[doc = "     alarm_topic_arn: arn:aws:sns:eu-west-1:123456789012:security-alerts"]
            #[doc = "     metric_namespace: CISBenchmark   # optional"]
            #[doc = " ```"]
            #[doc = ""]
            #[doc = " `cisrun rollback` deletes exactly the filter and the alarm it created. It refuses"]
            #[doc = " to plan over a filter or alarm of that name that it did not create."]
            #[doc = ""]
            #[doc = " ## Default value"]
            #[doc = " No metric filters, alarms or topics exist; a trail does not deliver to CloudWatch"]
            #[doc = " Logs unless configured to."]
            #[doc = ""]
            #[doc = " ## References"]
            #[doc = " - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"]
            #[doc = " - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html"]
            #[doc = " - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html"]
            #[doc = " - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html"]
            #[doc = " - https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html"]
            MonitoringAlarm {
                id: $id,
                title: $title,
                permissions: [
                    crate::regions::DESCRIBE_REGIONS,
                    crate::data::cloudtrail::DESCRIBE_TRAILS,
                    crate::data::cloudtrail::GET_TRAIL_STATUS,
                    crate::data::cloudtrail::GET_EVENT_SELECTORS,
                    crate::data::logs::DESCRIBE_METRIC_FILTERS,
                    crate::data::cloudwatch::DESCRIBE_ALARMS,
                    crate::data::sns::LIST_SUBSCRIPTIONS_BY_TOPIC,
                ],
                watches: $watches,
            }
        }
    };
}

monitoring_control! {
    /// ## Description
    /// Alert on API calls that AWS refuses for lack of permission: error codes ending in
    /// `UnauthorizedOperation` or starting with `AccessDenied`, apart from CloudWatch Logs'
    /// own delivery and S3's `HeadBucket`.
    ///
    /// ## Rationale
    /// A burst of refused calls is how probing with stolen credentials, or an application
    /// given too little access, first shows; an alert brings it to someone while it matters.
    id: "aws-cloudwatch-unauthorized-api-calls",
    title: "Ensure unauthorized API calls are monitored",
    watches: "unauthorized API calls",
    patterns: {
        /// The benchmark's pattern, as cisrun requires it in every version:
        ///
        /// `{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }`
        ///
        /// This is a correction. v1.4.0 to v3.0.0 publish the two exclusions joined with
        /// `||` (`... || ($.sourceIPAddress!=delivery.logs.amazonaws.com) || ($.eventName!=HeadBucket)`),
        /// which matches nearly every event; v4.0.1 and later write `A || B && C && D`,
        /// where `&&` binds first, so the exclusions apply to `AccessDenied*` only. A filter
        /// copied from either published text is broader than the correction and covers it;
        /// for the v1.4.0 to v3.0.0 text the outcome notes that it alarms on nearly every
        /// event. A filter without the two exclusions covers too.
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on console sign-ins that did not use multi-factor authentication.
    ///
    /// ## Rationale
    /// A console session without MFA rests on a password alone; knowing when one happens
    /// shows which users still sign in that way, and catches a stolen password in use.
    id: "aws-cloudwatch-console-signin-without-mfa",
    title: "Ensure management console sign-in without MFA is monitored",
    watches: "console sign-ins without MFA",
    patterns: {
        /// The benchmark's pattern (quoted in v1.4.0 to v3.0.0, unquoted later, which
        /// changes nothing):
        ///
        /// `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`
        ///
        /// To reduce noise where single sign-on is used, the benchmark also accepts the
        /// narrower pattern for successful sign-ins of IAM users, and so does cisrun (a
        /// filter covering the first pattern covers this one too):
        ///
        /// `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert whenever the account's root user makes a call itself (not through an AWS
    /// service acting for it).
    ///
    /// ## Rationale
    /// The root user can do anything and is meant for a handful of tasks; any use of it is
    /// worth a person's attention, and unexpected use is an incident.
    id: "aws-cloudwatch-root-usage",
    title: "Ensure usage of the 'root' account is monitored",
    watches: "uses of the root user",
    patterns: {
        /// The benchmark's pattern (quoted in v1.4.0 to v3.0.0, unquoted later, which
        /// changes nothing):
        ///
        /// `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to IAM policies: inline policies put or deleted on users, groups
    /// and roles, managed policies and their versions created or deleted, and managed
    /// policies attached or detached.
    ///
    /// ## Rationale
    /// Policy changes decide who may do what; an unexpected one can grant an attacker, or
    /// a mistaken colleague, far more than intended.
    id: "aws-cloudwatch-iam-policy-changes",
    title: "Ensure IAM policy changes are monitored",
    watches: "IAM policy changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to CloudTrail itself: trails created, updated or deleted, and
    /// logging started or stopped.
    ///
    /// ## Rationale
    /// Turning the audit trail off or pointing it elsewhere is what an intruder does
    /// first; an alert makes that step visible.
    id: "aws-cloudwatch-cloudtrail-config-changes",
    title: "Ensure CloudTrail configuration changes are monitored",
    watches: "CloudTrail configuration changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on failed console sign-ins.
    ///
    /// ## Rationale
    /// Repeated failures point at password guessing against a user; knowing early leaves
    /// time to lock the user or the source out.
    id: "aws-cloudwatch-console-auth-failures",
    title: "Ensure AWS Management Console authentication failures are monitored",
    watches: "console authentication failures",
    patterns: {
        /// The benchmark's pattern, as cisrun requires it in every version:
        ///
        /// `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`
        ///
        /// v1.4.0 to v3.0.0 publish exactly this. From v4.0.1 the text prints
        /// `Failed authentication` without quotes, which is not a pattern (an unquoted value
        /// is one word); cisrun restores the quotes.
    }
}

monitoring_control! {
    /// ## Description
    /// Alert when a customer-managed KMS key is disabled or scheduled for deletion.
    ///
    /// ## Rationale
    /// Data encrypted under a disabled or deleted key can no longer be read; catching the
    /// change during the waiting period is the chance to cancel it.
    id: "aws-cloudwatch-cmk-disable-or-deletion",
    title: "Ensure disabling or scheduled deletion of customer created CMKs is monitored",
    watches: "KMS key disabling and scheduled deletion",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to S3 bucket access and data settings: ACLs, policies, CORS,
    /// lifecycle and replication rules put or deleted.
    ///
    /// ## Rationale
    /// One changed bucket policy or ACL can publish a bucket's data; an alert shortens the
    /// time it stays exposed.
    id: "aws-cloudwatch-s3-bucket-policy-changes",
    title: "Ensure S3 bucket policy changes are monitored",
    watches: "S3 bucket policy changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to AWS Config: a configuration recorder stopped or changed, a
    /// delivery channel changed or deleted.
    ///
    /// ## Rationale
    /// AWS Config is the account's record of how resources were configured; stopping it
    /// hides later changes from review.
    id: "aws-cloudwatch-config-changes",
    title: "Ensure AWS Config configuration changes are monitored",
    watches: "AWS Config configuration changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to security groups: groups created or deleted, ingress and egress
    /// rules added, revoked or modified.
    ///
    /// ## Rationale
    /// Security groups decide what reaches the account's instances; an opened port is an
    /// exposure until someone notices.
    id: "aws-cloudwatch-security-group-changes",
    title: "Ensure security group changes are monitored",
    watches: "security group changes",
    patterns: {
        /// The benchmark's pattern from v5.0.0:
        ///
        /// `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }`
        ///
        /// v1.4.0 to v4.0.1 lack `ModifySecurityGroupRules`:
        ///
        /// `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`
        ///
        /// A filter written for those versions does not cover v5.0.0's pattern; the
        /// evidence names the missing `ModifySecurityGroupRules`.
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to network ACLs: ACLs and their entries created, replaced or
    /// deleted, and ACL associations replaced.
    ///
    /// ## Rationale
    /// Network ACLs filter traffic for whole subnets; an unexpected rule change can open
    /// them to the internet.
    id: "aws-cloudwatch-nacl-changes",
    title: "Ensure Network Access Control List (NACL) changes are monitored",
    watches: "network ACL changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to network gateways: customer gateways created or deleted,
    /// internet gateways created, attached, detached or deleted.
    ///
    /// ## Rationale
    /// Gateways are the doors between the account's networks and the outside; a new one
    /// can route traffic around every other control.
    id: "aws-cloudwatch-network-gateway-changes",
    title: "Ensure changes to network gateways are monitored",
    watches: "network gateway changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to route tables: tables and routes created, replaced or deleted,
    /// and tables associated or disassociated.
    ///
    /// ## Rationale
    /// Routes decide where traffic goes; a changed route can send it past inspection or out
    /// of the account.
    id: "aws-cloudwatch-route-table-changes",
    title: "Ensure route table changes are monitored",
    watches: "route table changes",
    patterns: {
        /// The benchmark's pattern from v3.0.0, as cisrun requires it:
        ///
        /// `{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }`
        ///
        /// This is a correction: the published text writes `($.eventSource = ec2.amazonaws.com)
        /// && ($.eventName = CreateRoute) || ...`, which binds the event source to
        /// `CreateRoute` alone. The published text and the v1.4.0 to v2.0.0 pattern, without
        /// the event source, are broader and cover it:
        ///
        /// `{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }`
        ///
        /// which is what v1.4.0 to v2.0.0 require.
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to VPCs: VPCs created, deleted or modified, peering connections
    /// requested, accepted, rejected or deleted, and ClassicLink enabled, disabled,
    /// attached or detached.
    ///
    /// ## Rationale
    /// A new VPC or peering connection changes which networks can reach each other; it
    /// should never happen unnoticed.
    id: "aws-cloudwatch-vpc-changes",
    title: "Ensure VPC changes are monitored",
    watches: "VPC changes",
    patterns: {
        /// The benchmark's pattern (the same in every version):
        ///
        /// `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`
    }
}

monitoring_control! {
    /// ## Description
    /// Alert on changes to the AWS Organization: accounts created, invited, moved or
    /// removed, organizational units and policies created, changed, attached or deleted,
    /// handshakes accepted or declined.
    ///
    /// ## Rationale
    /// The Organization's structure and its policies bound what every member account may
    /// do; an unexpected change there reaches all of them.
    id: "aws-cloudwatch-organizations-changes",
    title: "Ensure AWS Organizations changes are monitored",
    watches: "AWS Organizations changes",
    patterns: {
        /// The benchmark's pattern (quoted in v1.4.0 to v3.0.0, unquoted later, which
        /// changes nothing):
        ///
        /// `{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }`
    }
}
