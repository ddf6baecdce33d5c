//! CIS AWS Foundations: a multi-region CloudTrail trail that is logging and records every
//! management event.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Evidence, Input, NoParameters, Outcome, Status};

use crate::account::AwsAccount;
use crate::data::cloudtrail::{
    logs_all_management_events, trails, NotCompliant, DESCRIBE_TRAILS, GET_EVENT_SELECTORS,
    GET_TRAIL_STATUS,
};
use crate::regions::DESCRIBE_REGIONS;

cisrun_core::control! {
    /// ## Description
    /// CloudTrail records the API calls made in an account: who called what, from where and
    /// when. A *multi-region* trail records them in every region, including regions enabled
    /// later. The account needs at least one multi-region trail that is logging and records
    /// every management event, both read and write.
    ///
    /// ## Rationale
    /// The API history is what security analysis, change tracking and incident response
    /// start from. A trail limited to some regions misses activity where nobody looks, and
    /// one that records only writes (or only reads) misses half of it.
    ///
    /// ## Impact
    /// The first copy of management events is free of CloudTrail charges; S3 storage of the
    /// log files is charged.
    ///
    /// ## Audit
    /// The trails of every enabled region (`cloudtrail:DescribeTrails` with shadow trails,
    /// in each region of `ec2:DescribeRegions` narrowed by the profile's `regions:`), one
    /// per ARN; each trail's `cloudtrail:GetTrailStatus` and `cloudtrail:GetEventSelectors`,
    /// read in the trail's home region. A trail counts when all of these hold:
    ///
    /// - `IsMultiRegionTrail` is `true` (a single-region trail never counts, however many
    ///   regions have one);
    /// - `IsLogging` is `true`;
    /// - with basic event selectors: a selector with `IncludeManagementEvents` `true` and
    ///   `ReadWriteType` `All` (or a `ReadOnly` and a `WriteOnly` one), with no
    ///   `ExcludeManagementEventSources`; with advanced event selectors: selectors on
    ///   `eventCategory` `Management` whose `readOnly` field, if any, together lets read and
    ///   write events through, and that narrow by no other field (such as `eventSource`).
    ///
    /// An organization trail seen from a member account counts for the member; the evidence
    /// says whose trail it is. **pass** when one trail counts (evidence names it);
    /// otherwise **error** when a multi-region trail's status or selectors could not be read
    /// (the evidence names the action and region), or when no region's trails could be
    /// listed; otherwise **fail**, with each trail and why it does not count. A region whose
    /// trails cannot be listed cannot hide a multi-region trail (every region lists it), so
    /// it is a note, not an error. Prowler passes every region in which any trail, even a
    /// single-region one, is logging, and never reads the selectors.
    ///
    /// ## Remediation
    /// `aws cloudtrail create-trail --name <name> --bucket-name <bucket>
    /// --is-multi-region-trail`, then `aws cloudtrail start-logging --name <name>`; on an
    /// existing trail, `aws cloudtrail update-trail --name <name> --is-multi-region-trail`
    /// and `aws cloudtrail put-event-selectors --trail-name <name> --event-selectors
    /// '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`. cisrun has no automatic
    /// fix for this control: a trail needs a bucket and a retention decision.
    ///
    /// ## Default value
    /// No trail exists. The CloudTrail console's event history keeps 90 days of management
    /// events, but that is not a trail.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventSelectors.html
    pub struct CloudTrailMultiRegion {
        id: "aws-cloudtrail-multi-region",
        title: "Ensure CloudTrail is enabled in all regions",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, DESCRIBE_TRAILS, GET_TRAIL_STATUS, GET_EVENT_SELECTORS],
    }
}

#[async_trait]
impl Audit for CloudTrailMultiRegion {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        let trails = trails(account).await?;
        let me = &account.account_id;
        let mut compliant = Vec::new();
        let mut others = Vec::new();
        let mut unread: Option<ErrorDetail> = None;
        for trail in &trails.trails {
            let kind = trail.kind(me);
            match logs_all_management_events(trail) {
                Ok(()) => compliant.push(Evidence::finding(
                    &trail.arn,
                    Some(&trail.home_region),
                    Status::Pass,
                    format!("{kind}: logging, records all management events"),
                )),
                Err(NotCompliant::Fails(why)) => others.push((trail, format!("{kind}: {why}"))),
                Err(NotCompliant::Unread(error)) => {
                    unread.get_or_insert_with(|| error.to_detail());
                    others.push((trail, format!("{kind}: {}", error.to_detail().message)));
                }
            }
        }
        let unread_regions: Vec<&str> = trails
            .unread_regions
            .iter()
            .map(|(r, _)| r.as_str())
            .collect();
        let note = (!unread_regions.is_empty()).then(|| {
            format!(
                "cloudtrail:DescribeTrails failed in {}; a multi-region trail is listed by every region",
                unread_regions.join(", ")
            )
        });
        let with_note = |outcome: Outcome| match &note {
            Some(note) => outcome.with_note(note.clone()),
            None => outcome,
        };
        if !compliant.is_empty() {
            let message = format!(
                "{} records all management events in every region",
                compliant
                    .iter()
                    .map(|e| e.resource.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut evidence = compliant;
            evidence.extend(others.into_iter().map(|(trail, why)| Evidence {
                region: Some(trail.home_region.clone()),
                ..Evidence::new(&trail.arn, format!("does not count: {why}"))
            }));
            return Ok(with_note(Outcome::pass(message, evidence)));
        }
        if let Some(error) = unread {
            return Ok(with_note(Outcome::error(error)));
        }
        if trails.read_regions.is_empty() {
            if let Some((_, error)) = trails.unread_regions.first() {
                return Ok(Outcome::error(error.to_detail()));
            }
        }
        let evidence: Vec<Evidence> = if others.is_empty() {
            vec![Evidence::new(
                format!("arn:{}:cloudtrail::{me}:trails", account.partition),
                "no trail in any region",
            )]
        } else {
            others
                .into_iter()
                .map(|(trail, why)| {
                    Evidence::finding(&trail.arn, Some(&trail.home_region), Status::Fail, why)
                })
                .collect()
        };
        Ok(with_note(Outcome::fail(
            "no multi-region trail is logging and recording all management events",
            evidence,
        )))
    }
}
