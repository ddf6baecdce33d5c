//! CIS AWS Foundations: CloudTrail trails delivering to CloudWatch Logs.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cisrun_core::{Audit, ErrorDetail, Findings, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::cloudtrail::{
    judge_each_trail, trails, Trail, DESCRIBE_TRAILS, GET_EVENT_SELECTORS, GET_TRAIL_STATUS,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// A trail can send its events to a CloudWatch Logs log group as well as to S3. Every
    /// trail should, and its last delivery there should be recent.
    ///
    /// ## Rationale
    /// In CloudWatch Logs the events can be searched at once, kept as long as needed, and
    /// watched by metric filters and alarms (the monitoring recommendations build on
    /// this); S3 alone gives none of that in real time.
    ///
    /// ## Impact
    /// CloudWatch Logs ingestion and storage are charged; CloudTrail needs an IAM role that
    /// may write to the log group.
    ///
    /// ## Audit
    /// Every trail of every enabled region (`cloudtrail:DescribeTrails` with shadow trails,
    /// one finding per trail ARN) must have a `CloudWatchLogsLogGroupArn`, and its
    /// `cloudtrail:GetTrailStatus` (read in the trail's home region) a
    /// `LatestCloudWatchLogsDeliveryTime` within the last 24 hours.
    ///
    /// - A trail without a log group, with no delivery recorded, or whose last delivery is
    ///   older than a day: **fail** (the evidence gives the time, and any
    ///   `LatestCloudWatchLogsDeliveryError`). A trail whose status cannot be read, or a
    ///   region whose trails cannot be listed: **error** naming the action and region,
    ///   unless another trail fails. No trail at all: **fail**.
    /// - The benchmark dropped this recommendation after v2.0.0; the log group is still the
    ///   first link of every monitoring recommendation.
    ///
    /// ## Remediation
    /// Create a log group and a role CloudTrail can assume to write to it, then
    /// `aws cloudtrail update-trail --name <trail> --cloud-watch-logs-log-group-arn
    /// <group-arn> --cloud-watch-logs-role-arn <role-arn>`. cisrun has no automatic fix for
    /// this control.
    ///
    /// ## Default value
    /// Trails do not deliver to CloudWatch Logs.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
    pub struct CloudTrailCloudWatchLogs {
        id: "aws-cloudtrail-cloudwatch-logs",
        title: "Ensure CloudTrail trails are integrated with CloudWatch Logs",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_TRAILS, GET_TRAIL_STATUS, GET_EVENT_SELECTORS],
    }
}

#[async_trait]
impl Audit for CloudTrailCloudWatchLogs {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let trails = trails(account).await?;
        let me = &account.account_id;
        let since = Utc::now() - Duration::hours(24);
        Ok(judge_each_trail(
            account,
            "trails",
            &trails,
            |findings, trail| judge_delivery(findings, trail, me, since),
        ))
    }
}

/// One trail's finding: a log group set and a delivery within the last day (`since`).
fn judge_delivery(findings: &mut Findings, trail: &Trail, me: &str, since: DateTime<Utc>) {
    let kind = trail.kind(me);
    let region = Some(trail.home_region.as_str());
    let Some(group) = &trail.log_group_arn else {
        findings.fail(
            &trail.arn,
            region,
            format!("{kind}: no CloudWatch Logs log group (CloudWatchLogsLogGroupArn is not set)"),
        );
        return;
    };
    let status = match &trail.status {
        Ok(status) => status,
        Err(error) => {
            findings.unread(&trail.home_region, &trail.arn, error.to_detail());
            return;
        }
    };
    let error = status
        .latest_cloudwatch_logs_delivery_error
        .as_deref()
        .map(|e| format!("; last delivery error: {e}"))
        .unwrap_or_default();
    match status.latest_cloudwatch_logs_delivery {
        Some(time) if time >= since => findings.pass(
            &trail.arn,
            region,
            format!("{kind}: delivers to {group}, last at {}", time.to_rfc3339()),
        ),
        Some(time) => findings.fail(
            &trail.arn,
            region,
            format!(
                "{kind}: delivers to {group}, but last at {}, more than a day ago{error}",
                time.to_rfc3339()
            ),
        ),
        None => findings.fail(
            &trail.arn,
            region,
            format!(
                "{kind}: log group {group} set, but no delivery recorded (LatestCloudWatchLogsDeliveryTime is absent){error}"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cloudtrail::{Selectors, TrailStatus};

    const ME: &str = "123456789012";

    fn trail(group: Option<&str>, delivered: Option<DateTime<Utc>>) -> Trail {
        Trail {
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/main".to_string(),
            name: "main".to_string(),
            home_region: "us-east-1".to_string(),
            owner: ME.to_string(),
            multi_region: true,
            organization_trail: false,
            log_file_validation: true,
            kms_key_id: None,
            s3_bucket: Some("logs".to_string()),
            log_group_arn: group.map(str::to_string),
            cloudwatch_logs_role_arn: None,
            status: Ok(TrailStatus {
                is_logging: true,
                latest_cloudwatch_logs_delivery: delivered,
                latest_cloudwatch_logs_delivery_error: None,
            }),
            selectors: Ok(Selectors::default()),
        }
    }

    fn verdict(trail: &Trail) -> (String, String) {
        let since = Utc::now() - Duration::hours(24);
        let mut findings = Findings::new("trails");
        judge_delivery(&mut findings, trail, ME, since);
        let outcome = findings.outcome();
        let detail = outcome.evidence[0].detail.clone();
        (format!("{:?}", outcome.status), detail)
    }

    const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:trail:*";

    #[test]
    fn a_delivery_within_a_day_passes_an_older_one_fails() {
        let recent = trail(Some(GROUP), Some(Utc::now() - Duration::hours(2)));
        assert_eq!(verdict(&recent).0, "Pass", "{:?}", verdict(&recent));
        let stale = trail(Some(GROUP), Some(Utc::now() - Duration::hours(30)));
        let (status, detail) = verdict(&stale);
        assert_eq!(status, "Fail");
        assert!(detail.contains("more than a day ago"), "{detail}");
    }

    #[test]
    fn no_log_group_or_no_delivery_fails_and_an_unread_status_is_an_error() {
        let (status, detail) = verdict(&trail(None, Some(Utc::now())));
        assert_eq!(status, "Fail");
        assert!(
            detail.contains("CloudWatchLogsLogGroupArn is not set"),
            "{detail}"
        );
        let (status, detail) = verdict(&trail(Some(GROUP), None));
        assert_eq!(status, "Fail");
        assert!(detail.contains("no delivery recorded"), "{detail}");
        let mut unread = trail(Some(GROUP), None);
        unread.status = Err(crate::aws::AwsError::invalid_response(
            GET_TRAIL_STATUS,
            "cut short".to_string(),
        ));
        assert_eq!(verdict(&unread).0, "Error");
    }
}
