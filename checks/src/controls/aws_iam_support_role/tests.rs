//! The support role's unit tests: the audit, the parameters and the fix.

use super::*;
use aws_sdk_iam::operation::list_entities_for_policy::{
    ListEntitiesForPolicyError, ListEntitiesForPolicyOutput,
};
use aws_sdk_iam::types::{PolicyRole, PolicyUser};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use cisrun_core::Status;

fn role(name: &str) -> PolicyRole {
    PolicyRole::builder()
        .role_name(name)
        .role_id(format!("AROA{name}"))
        .build()
}

fn account(iam: Client, partition: &str) -> AwsAccount {
    AwsAccount::for_tests(iam, "123456789012", partition)
}

#[tokio::test]
async fn reads_every_page_and_names_every_role() {
    let first = mock!(Client::list_entities_for_policy)
        .match_requests(|r| r.marker().is_none())
        .then_output(|| {
            ListEntitiesForPolicyOutput::builder()
                .policy_roles(role("a"))
                .is_truncated(true)
                .marker("page-2")
                .build()
        });
    let second = mock!(Client::list_entities_for_policy)
        .match_requests(|r| r.marker() == Some("page-2"))
        .then_output(|| {
            ListEntitiesForPolicyOutput::builder()
                .policy_roles(role("b"))
                .is_truncated(false)
                .build()
        });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&first, &second]);
    let outcome = cisrun_core::testing::audit(&SupportRole, &account(iam, "aws")).await;
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    let resources: Vec<_> = outcome
        .evidence
        .iter()
        .map(|e| e.resource.as_str())
        .collect();
    assert_eq!(resources, ["role/a", "role/b"]);
    assert_eq!(first.num_calls(), 1);
    assert_eq!(second.num_calls(), 1);
}

#[tokio::test]
async fn asks_for_the_policy_in_the_callers_partition() {
    let rule = mock!(Client::list_entities_for_policy)
        .match_requests(|r| {
            r.policy_arn() == Some("arn:aws-us-gov:iam::aws:policy/AWSSupportAccess")
        })
        .then_output(|| {
            ListEntitiesForPolicyOutput::builder()
                .policy_roles(role("gov"))
                .build()
        });
    let iam = mock_client!(aws_sdk_iam, [&rule]);
    let outcome = cisrun_core::testing::audit(&SupportRole, &account(iam, "aws-us-gov")).await;
    assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn users_only_is_a_fail_that_says_so() {
    let rule = mock!(Client::list_entities_for_policy).then_output(|| {
        ListEntitiesForPolicyOutput::builder()
            .policy_users(PolicyUser::builder().user_name("alice").build())
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, [&rule]);
    let outcome = cisrun_core::testing::audit(&SupportRole, &account(iam, "aws")).await;
    assert_eq!(outcome.status, Status::Fail);
    assert!(
        outcome.message.contains("only to users or groups"),
        "{}",
        outcome.message
    );
}

#[tokio::test]
async fn access_denied_is_an_error_naming_the_permission() {
    let rule = mock!(Client::list_entities_for_policy).then_error(|| {
        ListEntitiesForPolicyError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized")
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, [&rule]);
    let outcome = cisrun_core::testing::audit(&SupportRole, &account(iam, "aws")).await;
    assert_eq!(outcome.status, Status::Error);
    let detail = outcome.error.expect("error detail");
    assert_eq!(detail.code, "AccessDenied");
    assert_eq!(
        detail.missing_permission.as_deref(),
        Some("iam:ListEntitiesForPolicy")
    );
}

#[tokio::test]
async fn throttling_is_an_error_not_a_verdict() {
    let rule = mock!(Client::list_entities_for_policy).then_error(|| {
        ListEntitiesForPolicyError::generic(
            ErrorMetadata::builder()
                .code("Throttling")
                .message("Rate exceeded")
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, [&rule]);
    let outcome = cisrun_core::testing::audit(&SupportRole, &account(iam, "aws")).await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(outcome.error.map(|e| e.code).as_deref(), Some("Throttling"));
}

#[tokio::test]
async fn the_listing_is_fetched_once_per_account() {
    let rule = mock!(Client::list_entities_for_policy).then_output(|| {
        ListEntitiesForPolicyOutput::builder()
            .policy_roles(role("a"))
            .build()
    });
    let iam = mock_client!(aws_sdk_iam, [&rule]);
    let account = account(iam, "aws");
    let (a, b) = tokio::join!(
        cisrun_core::testing::audit(&SupportRole, &account),
        cisrun_core::testing::audit(&SupportRole, &account)
    );
    assert_eq!(a, b);
    assert_eq!(rule.num_calls(), 1);
}

#[test]
fn parameters_reject_unknown_keys_and_conflicts_when_read() {
    let check = |yaml: &str| {
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
        cisrun_core::parameters::read::<SupportRoleParameters>(Some(&value)).map(drop)
    };
    assert!(check("rolename: x").unwrap_err().contains("unknown field"));
    assert!(check("role_name: x\nexisting_role: y")
        .unwrap_err()
        .contains("not both"));
    assert!(check("role_name: x\ntrusted_principals: ['*']")
        .unwrap_err()
        .contains("wildcard"));
    assert!(check("role_name: x\ntrusted_principals: [arn:aws:iam::123456789012:root]").is_ok());
    assert!(check("{}").is_ok(), "the audit needs no parameters");
}
