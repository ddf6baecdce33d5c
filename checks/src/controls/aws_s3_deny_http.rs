//! CIS AWS Foundations: S3 bucket policies deny HTTP requests. Every bucket, read in its
//! own region; policy statements read exactly, not by substring.

use async_trait::async_trait;
use cisrun_core::{
    Audit, ErrorDetail, FixSafety, Input, NoParameters, Outcome, Plan, Remediation,
    RemediationError, Step,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::account::AwsAccount;
use crate::aws::AwsError;
use crate::data::s3::{
    bucket_policy, buckets, judge_buckets, read_bucket_policy, Bucket, GET_BUCKET_LOCATION,
    GET_BUCKET_POLICY, LIST_BUCKETS,
};
use crate::policy::{parse_document, statements, strings, DocumentError};

cisrun_core::control! {
    /// ## Description
    /// An S3 bucket accepts both HTTP and HTTPS requests unless its policy denies requests
    /// that do not use TLS (`aws:SecureTransport` false).
    ///
    /// ## Rationale
    /// Plain HTTP exposes the data and the request's credentials-derived headers to anyone on
    /// the path. A deny statement makes TLS a property of the bucket, not of each client.
    ///
    /// ## Impact
    /// Clients that still use plain HTTP (old SDKs, hand-written scripts, some appliances)
    /// stop working against the bucket.
    ///
    /// ## Audit
    /// Every bucket of the account (`s3:ListAllMyBuckets`, every page; each bucket's region
    /// from the listing or `s3:GetBucketLocation`) is read in its own region with
    /// `s3:GetBucketPolicy`. A bucket passes when a statement of its policy has:
    ///
    /// - `Effect` `Deny`, `Principal` `"*"` or `{"AWS": "*"}` (no `NotPrincipal`);
    /// - `Action` (a string or a list) containing `s3:*` or `*` (no `NotAction`);
    /// - `Resource` covering both the bucket (`arn:aws:s3:::<bucket>`) and all its objects
    ///   (`arn:aws:s3:::<bucket>/*`), wildcards matched as IAM does (`*`, `arn:aws:s3:::*`);
    /// - `Condition` exactly `Bool` (or `BoolIfExists`) `aws:SecureTransport` false, as the
    ///   string `"false"` or the boolean. Another condition beside it narrows the deny (the
    ///   conditions of a statement all have to hold), so that statement does not count.
    ///
    /// A bucket without a policy fails. One finding per bucket
    /// (`arn:<partition>:s3:::<bucket>`, in its region); **fail** if any bucket fails,
    /// otherwise **error** if a bucket could not be read, otherwise **pass** (also when the
    /// account has no buckets).
    ///
    /// Prowler tests `'*' in statement['Action']`, a substring test when `Action` is a
    /// string (`s3:Get*` passes), requires the condition value to be the exact string
    /// `"false"`, and never checks `Principal` nor that `Resource` covers the objects.
    ///
    /// ## Remediation
    /// `cisrun remediate --apply --unsafe-fixes` adds to each failing bucket's policy (or to
    /// a new one) the statement `CisrunDenyInsecureTransport`: `Deny`, `Principal` `"*"`,
    /// `Action` `s3:*`, `Resource` the bucket and `bucket/*`, `Condition`
    /// `{"Bool": {"aws:SecureTransport": "false"}}` (`s3:PutBucketPolicy`). It is unsafe:
    /// plain-HTTP clients break. The journal records the previous policy text (or its
    /// absence); rollback puts that text back exactly, or deletes the policy
    /// (`s3:DeleteBucketPolicy`), only while the bucket's policy is exactly the one cisrun
    /// put (the previous one plus its statement); otherwise it refuses, `--force` or not, so
    /// that a policy cisrun did not write is never deleted or overwritten.
    ///
    /// ## Default value
    /// Buckets have no policy: HTTP is accepted.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
    /// - https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
    pub struct S3DenyHttp {
        id: "aws-s3-deny-http",
        title: "Ensure S3 Bucket Policy is set to deny HTTP requests",
        target: AwsAccount,
        permissions: [LIST_BUCKETS, GET_BUCKET_LOCATION, GET_BUCKET_POLICY],
        fix: AddDenyHttpStatement,
    }
}

/// The statement id of the statement the fix adds.
pub const SID: &str = "CisrunDenyInsecureTransport";

/// Whether `value` is `"*"`, or `{"AWS": "*"}` (a string or a list holding `*`).
fn everyone(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => map
            .get("AWS")
            .is_some_and(|aws| strings(aws).contains(&"*")),
        _ => false,
    }
}

/// The condition is exactly `aws:SecureTransport` false under `Bool` (or `BoolIfExists`): key
/// case-insensitive, the value the string `"false"` or the boolean, alone or in a list. Any
/// other condition is ANDed with it and narrows the deny, so it does not deny all HTTP.
fn only_insecure_transport(condition: &Value) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    let [(operator, keys)] = operators.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let Some(keys) = keys.as_object() else {
        return false;
    };
    let [(key, value)] = keys.iter().collect::<Vec<_>>()[..] else {
        return false;
    };
    let values: Vec<&Value> = match value {
        Value::Array(many) => many.iter().collect(),
        one => vec![one],
    };
    (operator == "Bool" || operator == "BoolIfExists")
        && key.eq_ignore_ascii_case("aws:SecureTransport")
        && !values.is_empty()
        && values.iter().all(|v| match v {
            Value::Bool(b) => !b,
            Value::String(s) => s.eq_ignore_ascii_case("false"),
            _ => false,
        })
}

/// Whether the resource pattern `pattern` (`*` any run of characters, `?` one) matches `arn`.
fn covers(pattern: &str, arn: &str) -> bool {
    let (pattern, arn): (Vec<char>, Vec<char>) = (pattern.chars().collect(), arn.chars().collect());
    // Classic glob matching with one backtrack point: linear, no recursion on hostile input.
    let (mut p, mut a, mut star, mut mark) = (0, 0, None, 0);
    while a < arn.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == arn[a]) {
            p += 1;
            a += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = a;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            a = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether `statement` denies every S3 action over HTTP on the bucket and its objects.
pub fn denies_http(statement: &Value, bucket_arn: &str) -> bool {
    if statement["Effect"].as_str() != Some("Deny")
        || statement.get("NotPrincipal").is_some()
        || statement.get("NotAction").is_some()
        || statement.get("NotResource").is_some()
    {
        return false;
    }
    let actions = strings(&statement["Action"]);
    let resources = strings(&statement["Resource"]);
    // Any object key: a pattern that covers `<bucket>/*` literally covers every key.
    let objects = format!("{bucket_arn}/*");
    everyone(&statement["Principal"])
        && actions
            .iter()
            .any(|a| *a == "*" || a.eq_ignore_ascii_case("s3:*"))
        && resources.iter().any(|r| covers(r, bucket_arn))
        && resources.iter().any(|r| covers(r, &objects))
        && only_insecure_transport(&statement["Condition"])
}

/// Whether a policy document (as S3 returns it) has a statement that denies HTTP; a policy
/// that cannot be read is its error, never a "no".
pub fn policy_denies_http(document: &str, bucket_arn: &str) -> Result<bool, DocumentError> {
    let document = parse_document(document)?;
    Ok(statements(document.value())
        .into_iter()
        .any(|s| denies_http(s, bucket_arn)))
}

async fn judge(account: &AwsAccount, bucket: &Bucket) -> Result<(bool, String), AwsError> {
    let arn = bucket.arn(account);
    let policy = bucket_policy(account, bucket).await?;
    let Some(document) = policy.as_deref() else {
        return Ok((
            false,
            "no bucket policy: HTTP requests are allowed".to_string(),
        ));
    };
    let denies = policy_denies_http(document, &arn).map_err(|error| AwsError {
        code: "InvalidPolicyDocument".to_string(),
        message: format!("the bucket policy of {}: {error}", bucket.name),
        action: GET_BUCKET_POLICY.to_string(),
        access_denied: false,
    })?;
    Ok(if denies {
        (
            true,
            "the bucket policy denies requests without TLS".to_string(),
        )
    } else {
        (
            false,
            "no policy statement denies s3:* without TLS (aws:SecureTransport false) to every principal on the bucket and its objects".to_string(),
        )
    })
}

#[async_trait]
impl Audit for S3DenyHttp {
    async fn audit(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Outcome, ErrorDetail> {
        Ok({
            judge_buckets(account, "buckets", |bucket| async move {
                judge(account, &bucket).await
            })
            .await
        })
    }
}

/// The fix: add the deny statement to each failing bucket's policy.
struct AddDenyHttpStatement;

const PUT_BUCKET_POLICY: &str = "s3:PutBucketPolicy";
const DELETE_BUCKET_POLICY: &str = "s3:DeleteBucketPolicy";

/// What a step records: the bucket, its region, its policy before (`None`: no policy) and the
/// policy the fix puts.
#[derive(Debug, Serialize, Deserialize)]
struct BucketStep {
    bucket: String,
    region: String,
    previous: Option<String>,
    policy: String,
}

/// The deny statement for `bucket_arn`.
pub fn deny_statement(bucket_arn: &str) -> Value {
    json!({
        "Sid": SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, format!("{bucket_arn}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

/// `previous` (or a new document) with the deny statement added.
pub fn with_deny_statement(
    previous: Option<&str>,
    bucket_arn: &str,
) -> Result<String, RemediationError> {
    let mut document = match previous {
        None => json!({"Version": "2012-10-17", "Statement": []}),
        Some(text) => parse_document(text)
            .map_err(|error| RemediationError::Refused(format!("{bucket_arn}: {error}")))?
            .into_value(),
    };
    let statement = deny_statement(bucket_arn);
    match document.get_mut("Statement") {
        Some(Value::Array(many)) => many.push(statement),
        Some(one @ Value::Object(_)) => {
            let existing = one.take();
            *one = Value::Array(vec![existing, statement]);
        }
        _ => document["Statement"] = Value::Array(vec![statement]),
    }
    serde_json::to_string(&document).map_err(|e| RemediationError::Refused(e.to_string()))
}

#[async_trait]
impl Remediation<AwsAccount> for AddDenyHttpStatement {
    fn safety(&self) -> FixSafety {
        // Plain-HTTP clients of the bucket stop working.
        FixSafety::Unsafe
    }

    fn permissions(&self) -> &'static [&'static str] {
        &[GET_BUCKET_POLICY, PUT_BUCKET_POLICY, DELETE_BUCKET_POLICY]
    }

    async fn plan(
        &self,
        account: &AwsAccount,
        _input: Input<'_, NoParameters>,
    ) -> Result<Plan, RemediationError> {
        let buckets = buckets(account).await?;
        let mut steps = Vec::new();
        for bucket in buckets.iter() {
            let arn = bucket.arn(account);
            // A bucket the fix cannot read is not one it may change blindly.
            let previous = bucket_policy(account, bucket).await?;
            let compliant = match previous.as_deref() {
                None => false,
                Some(policy) => policy_denies_http(policy, &arn)
                    .map_err(|error| RemediationError::Refused(format!("{arn}: {error}")))?,
            };
            if compliant {
                continue;
            }
            let policy = with_deny_statement(previous.as_deref(), &arn)?;
            steps.push(Step {
                action: PUT_BUCKET_POLICY.to_string(),
                resource: arn,
                summary: format!(
                    "add a statement denying HTTP requests to the policy of {} ({})",
                    bucket.name, bucket.region
                ),
                data: json!(BucketStep {
                    bucket: bucket.name.clone(),
                    region: bucket.region.clone(),
                    previous: (*previous).clone(),
                    policy,
                }),
            });
        }
        if steps.is_empty() {
            return Ok(Plan::nothing_to_do(
                "already compliant: every bucket policy denies HTTP requests",
            ));
        }
        let explanation = format!(
            "add a deny-HTTP statement to {} bucket policy(ies); plain-HTTP clients will break",
            steps.len()
        );
        Ok(Plan::of(steps, explanation))
    }

    async fn observe(&self, account: &AwsAccount, step: &Step) -> Result<Value, RemediationError> {
        let data: BucketStep = step.data_as()?;
        let s3 = account.client::<aws_sdk_s3::Client>(&data.region);
        let policy = read_bucket_policy(&s3, &data.bucket).await?;
        Ok(json!({ "bucket": data.bucket, "policy": policy }))
    }

    async fn apply(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data: BucketStep = step.data_as()?;
        let s3 = account.client::<aws_sdk_s3::Client>(&data.region);
        s3.put_bucket_policy()
            .bucket(&data.bucket)
            .policy(&data.policy)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(PUT_BUCKET_POLICY, e))?;
        Ok(())
    }

    async fn undo(&self, account: &AwsAccount, step: &Step) -> Result<(), RemediationError> {
        let data: BucketStep = step.data_as()?;
        let s3 = account.client::<aws_sdk_s3::Client>(&data.region);
        let current = read_bucket_policy(&s3, &data.bucket).await?;
        match undo_action(
            &data,
            &bucket_arn(account, &data.bucket),
            step,
            current.as_deref(),
        )? {
            UndoAction::Nothing => {}
            UndoAction::PutBack(previous) => {
                s3.put_bucket_policy()
                    .bucket(&data.bucket)
                    .policy(previous)
                    .send()
                    .await
                    .map_err(|e| {
                        RemediationError::from(AwsError::from_sdk(PUT_BUCKET_POLICY, e))
                    })?;
            }
            UndoAction::Delete => {
                s3.delete_bucket_policy()
                    .bucket(&data.bucket)
                    .send()
                    .await
                    .map_err(|e| {
                        RemediationError::from(AwsError::from_sdk(DELETE_BUCKET_POLICY, e))
                    })?;
            }
        }
        Ok(())
    }
}

fn bucket_arn(account: &AwsAccount, bucket: &str) -> String {
    format!("arn:{}:s3:::{bucket}", account.partition)
}

/// What undoing a step does to the bucket policy.
#[derive(Debug, PartialEq)]
enum UndoAction<'a> {
    /// The policy is already gone and there was none before.
    Nothing,
    /// Put the policy from before back.
    PutBack(&'a str),
    /// Delete the policy: there was none before.
    Delete,
}

/// Whether two policy texts are the same document (S3 may give back another spelling).
fn same_document(a: &str, b: &str) -> bool {
    match (parse_document(a), parse_document(b)) {
        (Ok(a), Ok(b)) => a.value() == b.value(),
        _ => false,
    }
}

/// How to undo `data` on the bucket whose policy is now `current`, or why not. The step must
/// be one this fix planned (its policy is its `previous` plus cisrun's statement), and the
/// bucket's policy must be exactly the one cisrun put, cisrun's statement included: a
/// journal edited to name another bucket, or to record another `previous`, is refused, and
/// someone else's policy is never deleted or overwritten, `--force` or not.
fn undo_action<'a>(
    data: &'a BucketStep,
    arn: &str,
    step: &Step,
    current: Option<&str>,
) -> Result<UndoAction<'a>, RemediationError> {
    let refused = |why: String| Err(RemediationError::Refused(format!("{arn}: {why}")));
    if step.resource != arn {
        return refused(format!(
            "the step names {} but changes bucket {}: not a step this fix wrote",
            step.resource, data.bucket
        ));
    }
    let planned = with_deny_statement(data.previous.as_deref(), arn)?;
    if !same_document(&planned, &data.policy) {
        return refused(
            "the policy the step records putting is not its previous policy plus cisrun's \
             statement: the journal was edited; the policy was left as it is"
                .to_string(),
        );
    }
    let Some(current) = current else {
        return match data.previous {
            None => Ok(UndoAction::Nothing),
            Some(_) => refused(
                "the bucket has no policy any more, so cisrun's change is gone; the previous \
                 policy was not put back"
                    .to_string(),
            ),
        };
    };
    let ours = deny_statement(arn);
    let carries_ours = parse_document(current)
        .map(|document| statements(document.value()).into_iter().any(|s| *s == ours))
        .unwrap_or(false);
    if !carries_ours {
        return refused(format!(
            "the bucket policy has no statement `{SID}` as cisrun adds it: cisrun did not \
             change this policy (or it was changed since); it was left as it is"
        ));
    }
    if !same_document(current, &data.policy) {
        let what = match data.previous {
            None => "the bucket had no policy before, and someone else's policy is never deleted",
            Some(_) => "putting the previous text back would discard what changed since",
        };
        return refused(format!(
            "the bucket policy is no longer exactly the one cisrun put (changed since, or the \
             journal was edited); {what}: it was left as it is"
        ));
    }
    Ok(match &data.previous {
        Some(previous) => UndoAction::PutBack(previous),
        None => UndoAction::Delete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::s3::testing::{account, error_meta, list_rule};
    use aws_sdk_s3::operation::get_bucket_policy::{GetBucketPolicyError, GetBucketPolicyOutput};
    use aws_sdk_s3::Client;
    use aws_smithy_mocks::{mock, Rule};
    use cisrun_core::Status;

    const ARN: &str = "arn:aws:s3:::b";

    fn statement(patch: Value) -> Value {
        let mut base = json!({
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [ARN, format!("{ARN}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        });
        for (key, value) in patch.as_object().expect("an object") {
            if value.is_null() {
                base.as_object_mut().expect("object").remove(key);
            } else {
                base[key] = value.clone();
            }
        }
        base
    }

    #[test]
    fn statements_are_read_exactly() {
        let yes = |patch: Value| denies_http(&statement(patch), ARN);
        assert!(yes(json!({})));
        assert!(yes(json!({"Action": ["s3:GetObject", "s3:*"]})));
        assert!(yes(json!({"Action": "*"})));
        assert!(
            !yes(json!({"Action": "s3:Get*"})),
            "a substring is not s3:*"
        );
        assert!(!yes(json!({"Action": ["s3:PutObject"]})));
        assert!(yes(json!({"Principal": {"AWS": "*"}})));
        assert!(yes(json!({"Principal": {"AWS": ["*"]}})));
        assert!(!yes(json!({"Principal": {"AWS": "arn:aws:iam::1:root"}})));
        assert!(!yes(json!({"Resource": ARN})), "only the bucket");
        assert!(
            !yes(json!({"Resource": format!("{ARN}/*")})),
            "only the objects"
        );
        assert!(yes(json!({"Resource": "*"})));
        assert!(!yes(
            json!({"Resource": ["arn:aws:s3:::bb", "arn:aws:s3:::bb/*"]})
        ));
        assert!(yes(
            json!({"Condition": {"Bool": {"aws:SecureTransport": false}}})
        ));
        assert!(yes(
            json!({"Condition": {"Bool": {"aws:SecureTransport": ["false"]}}})
        ));
        assert!(!yes(
            json!({"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
        ));
        assert!(!yes(json!({"Condition": null})));
        assert!(
            !yes(json!({"Effect": "Allow"})),
            "Allow statements are ignored"
        );
        assert!(!yes(
            json!({"NotPrincipal": {"AWS": "arn:aws:iam::1:root"}})
        ));
        assert!(
            yes(json!({"Action": "S3:*"})),
            "actions are case-insensitive"
        );
        assert!(yes(json!({"Resource": "arn:aws:s3:::*"})), "a wildcard ARN");
        assert!(yes(json!({"Resource": "arn:aws:s3:::b*"})), "b and b/...");
        assert!(yes(
            json!({"Resource": ["arn:aws:s3:::?", "arn:aws:s3:::b/*"]})
        ));
        assert!(
            !yes(json!({"Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/public/*"]})),
            "some objects only"
        );
        assert!(yes(
            json!({"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}})
        ));
        assert!(
            !yes(json!({"Condition": {
                "Bool": {"aws:SecureTransport": "false"},
                "StringEquals": {"aws:PrincipalAccount": "111122223333"}
            }})),
            "another condition narrows the deny"
        );
        assert!(!yes(json!({"Condition": {
            "Bool": {"aws:SecureTransport": "false", "aws:MultiFactorAuthPresent": "false"}
        }})));
        assert!(!yes(
            json!({"Condition": {"Bool": {"aws:SecureTransport": []}}})
        ));
    }

    #[test]
    fn resource_patterns_match_as_iam_does() {
        assert!(covers("*", "arn:aws:s3:::b"));
        assert!(covers("arn:aws:s3:::b", "arn:aws:s3:::b"));
        assert!(!covers("arn:aws:s3:::b", "arn:aws:s3:::bb"));
        assert!(covers("arn:aws:s3:::*/*", "arn:aws:s3:::b/*"));
        assert!(!covers("arn:aws:s3:::*/*", "arn:aws:s3:::b"));
        assert!(covers("arn:aws:s3:::b?", "arn:aws:s3:::bb"));
        assert!(!covers("arn:aws:s3:::b?", "arn:aws:s3:::b"));
        assert!(covers("a*b*c", "axxbyyc"));
        assert!(!covers("a*b*c", "axxbyy"));
        // Many stars against a long near-miss stays fast (no exponential backtracking).
        assert!(!covers(&"*a".repeat(50), &"a".repeat(49)));
    }

    #[test]
    fn the_fix_adds_to_an_existing_policy_or_makes_one() {
        let existing = r#"{"Version":"2012-10-17","Statement":{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        let fixed = with_deny_statement(Some(existing), ARN).expect("a policy");
        assert_eq!(policy_denies_http(&fixed, ARN), Ok(true));
        assert!(fixed.contains("\"Keep\""), "{fixed}");
        let new = with_deny_statement(None, ARN).expect("a policy");
        assert_eq!(policy_denies_http(&new, ARN), Ok(true));
        assert!(new.contains(SID));
    }

    fn bucket_step(previous: Option<&str>) -> (BucketStep, Step) {
        let data = BucketStep {
            bucket: "b".into(),
            region: "eu-west-1".into(),
            previous: previous.map(str::to_string),
            policy: with_deny_statement(previous, ARN).expect("a policy"),
        };
        let step = Step {
            action: PUT_BUCKET_POLICY.into(),
            resource: ARN.into(),
            summary: String::new(),
            data: json!(data),
        };
        (data, step)
    }

    const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    const PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;

    #[test]
    fn undo_puts_back_or_deletes_only_the_policy_cisrun_put() {
        let (data, step) = bucket_step(Some(READ));
        // Another spelling of the same document is the same policy.
        let respelled = serde_json::to_string_pretty(
            &serde_json::from_str::<Value>(&data.policy).expect("json"),
        )
        .expect("text");
        assert_eq!(
            undo_action(&data, ARN, &step, Some(&respelled)),
            Ok(UndoAction::PutBack(READ))
        );
        let (none, none_step) = bucket_step(None);
        assert_eq!(
            undo_action(&none, ARN, &none_step, Some(&none.policy)),
            Ok(UndoAction::Delete)
        );
        assert_eq!(
            undo_action(&none, ARN, &none_step, None),
            Ok(UndoAction::Nothing)
        );

        let refused = |result: Result<UndoAction, RemediationError>, phrase: &str| {
            let error = result.expect_err("refused").to_string();
            assert!(error.contains(phrase), "{phrase:?} in {error}");
        };
        // Someone else's policy (no cisrun statement) is never deleted: a renamed bucket.
        refused(
            undo_action(&none, ARN, &none_step, Some(READ)),
            "no statement `CisrunDenyInsecureTransport`",
        );
        // cisrun's statement and more: not exactly what cisrun put.
        let more = with_deny_statement(Some(PUBLIC), ARN).expect("policy");
        refused(
            undo_action(&none, ARN, &none_step, Some(&more)),
            "never deleted",
        );
        // An edited `previous` (a public policy where there was another), policy untouched.
        let mut edited = bucket_step(Some(READ)).0;
        edited.previous = Some(PUBLIC.to_string());
        refused(
            undo_action(&edited, ARN, &step, Some(&data.policy)),
            "journal was edited",
        );
        // ... and with the policy edited to match: the bucket's policy is not that one.
        let (forged, forged_step) = bucket_step(Some(PUBLIC));
        refused(
            undo_action(&forged, ARN, &forged_step, Some(&data.policy)),
            "no longer exactly",
        );
        // A step whose resource and bucket disagree.
        refused(
            undo_action(&data, "arn:aws:s3:::other", &step, Some(&data.policy)),
            "not a step this fix wrote",
        );
        // The policy deleted since: the previous one is not put back blindly.
        refused(undo_action(&data, ARN, &step, None), "no policy any more");
    }

    fn policy_rule(bucket: &'static str, policy: Option<&'static str>, code: &'static str) -> Rule {
        let rule =
            mock!(Client::get_bucket_policy).match_requests(move |r| r.bucket() == Some(bucket));
        match policy {
            Some(policy) => {
                rule.then_output(move || GetBucketPolicyOutput::builder().policy(policy).build())
            }
            None => rule.then_error(move || GetBucketPolicyError::generic(error_meta(code))),
        }
    }

    const GOOD: &str = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::good","arn:aws:s3:::good/*"],"Condition":{"Bool":{"aws:SecureTransport":false}}}]}"#;

    #[tokio::test]
    async fn each_bucket_is_judged_in_its_region_and_a_denied_bucket_is_its_error_only() {
        let rules = [
            list_rule(&[
                ("good", "eu-west-1"),
                ("none", "us-west-2"),
                ("denied", "us-east-1"),
            ]),
            policy_rule("good", Some(GOOD), ""),
            policy_rule("none", None, "NoSuchBucketPolicy"),
            policy_rule("denied", None, "AccessDenied"),
        ];
        let account = account(&["us-east-1", "eu-west-1", "us-west-2"], &rules);
        let outcome = cisrun_core::testing::audit(&S3DenyHttp, &account).await;
        assert_eq!(outcome.status, Status::Fail, "{}", outcome.message);
        let by: Vec<(String, Option<String>, Option<Status>)> = outcome
            .evidence
            .iter()
            .map(|e| (e.resource.clone(), e.region.clone(), e.status))
            .collect();
        assert!(by.contains(&(
            "arn:aws:s3:::none".into(),
            Some("us-west-2".into()),
            Some(Status::Fail)
        )));
        assert!(by.contains(&(
            "arn:aws:s3:::good".into(),
            Some("eu-west-1".into()),
            Some(Status::Pass)
        )));
        assert!(by.contains(&(
            "arn:aws:s3:::denied".into(),
            Some("us-east-1".into()),
            Some(Status::Error)
        )));

        let rules = [
            list_rule(&[("good", "eu-west-1"), ("denied", "us-east-1")]),
            policy_rule("good", Some(GOOD), ""),
            policy_rule("denied", None, "AccessDenied"),
        ];
        let account = crate::data::s3::testing::account(&["us-east-1", "eu-west-1"], &rules);
        let outcome = cisrun_core::testing::audit(&S3DenyHttp, &account).await;
        assert_eq!(outcome.status, Status::Error, "{}", outcome.message);
        assert_eq!(
            outcome.error.and_then(|e| e.missing_permission).as_deref(),
            Some(GET_BUCKET_POLICY)
        );
    }

    #[tokio::test]
    async fn no_buckets_passes() {
        let account = account(&["us-east-1"], &[list_rule(&[])]);
        let outcome = cisrun_core::testing::audit(&S3DenyHttp, &account).await;
        assert_eq!(outcome.status, Status::Pass);
        assert_eq!(outcome.message, "no buckets found");
    }
}
