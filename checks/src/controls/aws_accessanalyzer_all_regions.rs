//! CIS AWS Foundations: IAM (External) Access Analyzer enabled in every region.

use async_trait::async_trait;
use cisrun_core::{Audit, ErrorDetail, Input, NoParameters, Outcome};

use crate::account::AwsAccount;
use crate::data::accessanalyzer::{analyzers, Analyzer, LIST_ANALYZERS};
use crate::regions::{regional_outcome, DESCRIBE_REGIONS};

cisrun_core::control! {
    /// ## Description
    /// IAM Access Analyzer's external access analyzer finds resources (S3 buckets, KMS keys,
    /// IAM roles, queues, ...) shared with principals outside the account or organization.
    /// An analyzer covers only its own region: create one in every region.
    ///
    /// ## Rationale
    /// A resource policy that grants access to another account, or to everyone, is reported
    /// as soon as it appears, instead of when someone thinks to look.
    ///
    /// ## Impact
    /// External access analyzers are free. Findings have to be reviewed (archive rules can
    /// hide intended sharing).
    ///
    /// ## Audit
    /// For every region enabled for the account (`ec2:DescribeRegions`, narrowed by the
    /// profile's `regions:`), `access-analyzer:ListAnalyzers` (every page) must list at least
    /// one analyzer with status `ACTIVE` and type `ACCOUNT` or `ORGANIZATION`.
    ///
    /// - One finding per region: the ARN of its active external access analyzer when it has
    ///   one, otherwise `arn:<partition>:access-analyzer:<region>:<account>:analyzers` with
    ///   the analyzers it has (name, type, status).
    /// - Unused-access analyzers (`ACCOUNT_UNUSED_ACCESS`, `ORGANIZATION_UNUSED_ACCESS`) and
    ///   internal-access analyzers (`*_INTERNAL_ACCESS`) do not count: they report unused
    ///   permissions or access from inside the zone of trust, not external access. Prowler
    ///   passes a region with *any* active analyzer, including those; cisrun does not.
    /// - An analyzer that is `CREATING`, `DISABLED` or `FAILED` does not count.
    /// - **fail** if any region has no active external access analyzer; otherwise **error**
    ///   if a region could not be read (the evidence names the region and the action);
    ///   otherwise **pass**.
    ///
    /// ## Remediation
    /// In each region without one:
    /// `aws accessanalyzer create-analyzer --analyzer-name external-access --type ACCOUNT --region <region>`
    /// (or `--type ORGANIZATION` from the organization's management or delegated
    /// administrator account). cisrun has no automatic fix for this control.
    ///
    /// ## Default value
    /// No analyzer in any region.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html
    /// - https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
    pub struct AccessAnalyzerAllRegions {
        id: "aws-accessanalyzer-all-regions",
        title: "Ensure that IAM External Access Analyzer is enabled for all regions",
        target: AwsAccount,
        permissions: [DESCRIBE_REGIONS, LIST_ANALYZERS],
    }
}

/// A region's analyzers as a finding resource, when none of them passes.
fn analyzers_arn(account: &AwsAccount, region: &str) -> String {
    format!(
        "arn:{}:access-analyzer:{region}:{}:analyzers",
        account.partition, account.account_id
    )
}

fn describe(analyzers: &[Analyzer]) -> String {
    if analyzers.is_empty() {
        return "no analyzer".to_string();
    }
    let listed: Vec<String> = analyzers
        .iter()
        .map(|a| format!("{} ({}, {})", a.name, a.kind, a.status))
        .collect();
    format!(
        "no ACTIVE analyzer of type ACCOUNT or ORGANIZATION; found: {}",
        listed.join(", ")
    )
}

#[async_trait]
impl Audit for AccessAnalyzerAllRegions {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok(regional_outcome(
            "regions' external access analyzers",
            analyzers(account).await?,
            |region| analyzers_arn(account, region),
            |findings, region, list| match list
                .iter()
                .find(|a| a.finds_external_access() && a.is_active())
            {
                Some(analyzer) => findings.pass(
                    analyzer.arn.clone(),
                    Some(region),
                    format!("{} ({}) is ACTIVE", analyzer.name, analyzer.kind),
                ),
                None => findings.fail(analyzers_arn(account, region), Some(region), describe(list)),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_accessanalyzer::operation::list_analyzers::{
        ListAnalyzersError, ListAnalyzersOutput,
    };
    use aws_sdk_accessanalyzer::types::{AnalyzerStatus, AnalyzerSummary, Type};
    use aws_sdk_accessanalyzer::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;
    use cisrun_core::Status;

    fn summary(name: &str, kind: Type, status: AnalyzerStatus) -> AnalyzerSummary {
        AnalyzerSummary::builder()
            .arn(format!(
                "arn:aws:access-analyzer:eu-west-1:123456789012:analyzer/{name}"
            ))
            .name(name)
            .r#type(kind)
            .status(status)
            .created_at(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .expect("a summary")
    }

    /// `None`: the call is denied.
    fn analyzer_client(pages: Option<Vec<Vec<AnalyzerSummary>>>) -> Client {
        match pages {
            None => {
                let rule = mock!(Client::list_analyzers).then_error(|| {
                    ListAnalyzersError::generic(
                        ErrorMetadata::builder()
                            .code("AccessDeniedException")
                            .message("not authorized to perform access-analyzer:ListAnalyzers")
                            .build(),
                    )
                });
                mock_client!(aws_sdk_accessanalyzer, [&rule])
            }
            Some(pages) => {
                let count = pages.len();
                let rules: Vec<_> = pages
                    .into_iter()
                    .enumerate()
                    .map(|(i, page)| {
                        let token = (i + 1 < count).then(|| format!("page-{}", i + 1));
                        let asked = (i > 0).then(|| format!("page-{i}"));
                        mock!(Client::list_analyzers)
                            .match_requests(move |r| r.next_token() == asked.as_deref())
                            .then_output(move || {
                                ListAnalyzersOutput::builder()
                                    .set_analyzers(Some(page.clone()))
                                    .set_next_token(token.clone())
                                    .build()
                                    .expect("an output")
                            })
                    })
                    .collect();
                mock_client!(aws_sdk_accessanalyzer, RuleMode::MatchAny, rules.as_slice())
            }
        }
    }

    type RegionPages = Option<Vec<Vec<AnalyzerSummary>>>;

    fn account(regions: Vec<(&str, RegionPages)>) -> AwsAccount {
        let iam = mock_client!(aws_sdk_iam, []);
        let names: Vec<&str> = regions.iter().map(|(r, _)| *r).collect();
        regions.into_iter().fold(
            AwsAccount::for_tests(iam, "123456789012", "aws").with_enabled_regions(&names),
            |account, (region, pages)| account.with_client(region, analyzer_client(pages)),
        )
    }

    async fn audit(account: &AwsAccount) -> Outcome {
        cisrun_core::testing::audit(&AccessAnalyzerAllRegions, account).await
    }

    #[tokio::test]
    async fn an_active_account_or_organization_analyzer_in_every_region_passes() {
        let account = account(vec![
            (
                "eu-west-1",
                Some(vec![vec![summary(
                    "a",
                    Type::Account,
                    AnalyzerStatus::Active,
                )]]),
            ),
            (
                "us-east-1",
                Some(vec![vec![summary(
                    "o",
                    Type::Organization,
                    AnalyzerStatus::Active,
                )]]),
            ),
        ]);
        let outcome = audit(&account).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert_eq!(outcome.evidence.len(), 2);
        assert!(outcome.evidence[0].resource.ends_with(":analyzer/a"));
    }

    #[tokio::test]
    async fn the_analyzer_on_a_later_page_counts() {
        let account = account(vec![(
            "eu-west-1",
            Some(vec![
                vec![summary(
                    "unused",
                    Type::AccountUnusedAccess,
                    AnalyzerStatus::Active,
                )],
                vec![summary("ext", Type::Account, AnalyzerStatus::Active)],
            ]),
        )]);
        let outcome = audit(&account).await;
        assert_eq!(outcome.status, Status::Pass, "{}", outcome.message);
        assert!(outcome.evidence[0].resource.ends_with(":analyzer/ext"));
    }

    #[tokio::test]
    async fn only_unused_or_internal_access_analyzers_fail() {
        let account = account(vec![
            (
                "eu-west-1",
                Some(vec![vec![summary(
                    "unused",
                    Type::AccountUnusedAccess,
                    AnalyzerStatus::Active,
                )]]),
            ),
            (
                "us-east-1",
                Some(vec![vec![summary(
                    "internal",
                    Type::OrganizationInternalAccess,
                    AnalyzerStatus::Active,
                )]]),
            ),
        ]);
        let outcome = audit(&account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.failures_for_test(), 2);
        assert_eq!(
            outcome.evidence[0].resource,
            "arn:aws:access-analyzer:eu-west-1:123456789012:analyzers"
        );
        assert!(
            outcome.evidence[0].detail.contains("ACCOUNT_UNUSED_ACCESS"),
            "{:?}",
            outcome.evidence[0]
        );
    }

    #[tokio::test]
    async fn creating_failed_or_no_analyzer_fails() {
        let account = account(vec![
            (
                "eu-west-1",
                Some(vec![vec![summary(
                    "new",
                    Type::Account,
                    AnalyzerStatus::Creating,
                )]]),
            ),
            (
                "us-east-1",
                Some(vec![vec![summary(
                    "bad",
                    Type::Account,
                    AnalyzerStatus::Failed,
                )]]),
            ),
            ("us-west-2", Some(vec![vec![]])),
        ]);
        let outcome = audit(&account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        assert_eq!(outcome.failures_for_test(), 3);
    }

    #[tokio::test]
    async fn a_denied_region_is_an_error_there_only() {
        let account = account(vec![
            (
                "eu-west-1",
                Some(vec![vec![summary(
                    "a",
                    Type::Account,
                    AnalyzerStatus::Active,
                )]]),
            ),
            ("ap-south-1", None),
        ]);
        let outcome = audit(&account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert!(
            outcome.message.contains("ap-south-1"),
            "{}",
            outcome.message
        );
        assert!(
            outcome.message.contains(LIST_ANALYZERS),
            "{}",
            outcome.message
        );
        let error = outcome.error.clone().expect("an error detail");
        assert_eq!(error.missing_permission.as_deref(), Some(LIST_ANALYZERS));
        let statuses: Vec<_> = outcome.evidence.iter().map(|e| e.status).collect();
        assert_eq!(statuses, [Some(Status::Error), Some(Status::Pass)]);

        // A failing region still decides the verdict.
        let account = self::account(vec![
            ("eu-west-1", Some(vec![vec![]])),
            ("ap-south-1", None),
        ]);
        assert_eq!(audit(&account).await.status, Status::Fail);
    }

    trait FailureCount {
        fn failures_for_test(&self) -> usize;
    }

    impl FailureCount for Outcome {
        fn failures_for_test(&self) -> usize {
            self.evidence
                .iter()
                .filter(|e| e.status == Some(Status::Fail))
                .count()
        }
    }
}
