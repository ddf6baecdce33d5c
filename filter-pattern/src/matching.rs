//! Whether a pattern matches a JSON log event, with CloudWatch Logs' semantics.
//!
//! | condition | matches when the selected field is | source |
//! |---|---|---|
//! | `= text` | a string (or a number, by its JSON text) that the text matches, `*` standing for any run of characters | AWS guide: strings with `*` wildcards; `{ $.latency = * }` matches a numeric field |
//! | `!= text` | a string or number that the text does **not** match; a missing, `null`, boolean, object or array field does not match | AWS guide: a selector on an array or object matches neither `=` nor `!=`; a missing field: tested in the CloudWatch console, `DataBiosphere/azul#5884` (`$.userIdentity.invokedBy != "x"` is false when `invokedBy` is absent) |
//! | `= n`, `!= n`, `<`, `>`, `<=`, `>=` with an unquoted number | a number, or a string whose whole text is a number (`"123456789012"`), comparing values | AWS guide: numeric comparisons; its example `recipientAccountId is 123456789012` compares a string field with an unquoted number |
//! | `IS NULL` | present and `null` | AWS guide: "only true if the specified object is set to null" |
//! | `IS TRUE` / `IS FALSE` | the JSON boolean | AWS guide |
//! | `NOT EXISTS` | absent (including a path through a non-object) | AWS guide: "only true if specified object does not exist in log data" |
//!
//! A string pattern never matches a boolean: `= true` is the string `true`, and AWS
//! documents `IS TRUE` for booleans.

use serde_json::Value as Json;

use crate::ast::{parse_number, Condition, Expr, Operator, Pattern, Segment, Selector, Test};

impl Pattern {
    /// Whether this pattern matches `event`, a JSON log event such as a CloudTrail record.
    ///
    /// ```
    /// let pattern = cisrun_filter_pattern::parse(
    ///     r#"{ $.eventName = ConsoleLogin && $.additionalEventData.MFAUsed != "Yes" }"#,
    /// )?;
    /// let event = serde_json::json!({
    ///     "eventName": "ConsoleLogin",
    ///     "additionalEventData": { "MFAUsed": "No" },
    /// });
    /// assert!(pattern.matches(&event));
    /// // `!=` does not match a missing field.
    /// assert!(!pattern.matches(&serde_json::json!({ "eventName": "ConsoleLogin" })));
    /// # Ok::<(), cisrun_filter_pattern::ParseError>(())
    /// ```
    pub fn matches(&self, event: &Json) -> bool {
        self.expr.matches(event)
    }
}

impl Expr {
    /// Whether this expression matches `event`; see [`Pattern::matches`].
    pub fn matches(&self, event: &Json) -> bool {
        match self {
            Expr::Or(operands) => operands.iter().any(|operand| operand.matches(event)),
            Expr::And(operands) => operands.iter().all(|operand| operand.matches(event)),
            Expr::Condition(condition) => condition.matches(event),
        }
    }
}

impl Condition {
    /// Whether this one condition holds for `event`; see the module table.
    pub fn matches(&self, event: &Json) -> bool {
        let field = self.selector.resolve(event);
        match &self.test {
            Test::NotExists => field.is_none(),
            Test::IsNull => matches!(field, Some(Json::Null)),
            Test::IsTrue => matches!(field, Some(Json::Bool(true))),
            Test::IsFalse => matches!(field, Some(Json::Bool(false))),
            Test::Text { negated, pattern } => field
                .and_then(text_of)
                .is_some_and(|text| pattern.matches(&text) != *negated),
            Test::Number { operator, value } => field
                .and_then(number_of)
                .is_some_and(|actual| compare(actual, *operator, *value)),
        }
    }
}

impl Selector {
    /// The value this selector points to in `event`, if there is one.
    pub fn resolve<'a>(&self, event: &'a Json) -> Option<&'a Json> {
        self.segments
            .iter()
            .try_fold(event, |value, segment| match segment {
                Segment::Key(key) => value.as_object()?.get(key),
                Segment::Index(index) => value.as_array()?.get(*index),
            })
    }
}

/// The text a string pattern is compared with: a string's content, or a number's JSON
/// text. Other values are not "value nodes" and match neither `=` nor `!=`.
pub(crate) fn text_of(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The number a numeric condition compares: a JSON number, or a string that is a
/// number in the pattern grammar.
pub(crate) fn number_of(value: &Json) -> Option<f64> {
    match value {
        Json::Number(number) => number.as_f64(),
        Json::String(text) => parse_number(text),
        _ => None,
    }
}

pub(crate) fn compare(actual: f64, operator: Operator, expected: f64) -> bool {
    match operator {
        Operator::Eq => actual == expected,
        Operator::Ne => actual != expected,
        Operator::Lt => actual < expected,
        Operator::Gt => actual > expected,
        Operator::Le => actual <= expected,
        Operator::Ge => actual >= expected,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::parse;

    fn matches(pattern: &str, event: serde_json::Value) -> bool {
        parse(pattern).unwrap().matches(&event)
    }

    #[test]
    fn equality_with_wildcards() {
        let pattern =
            r#"{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = AccessDenied* }"#;
        assert!(matches(
            pattern,
            json!({"errorCode": "Client.UnauthorizedOperation"})
        ));
        assert!(matches(pattern, json!({"errorCode": "AccessDenied"})));
        assert!(matches(
            pattern,
            json!({"errorCode": "AccessDeniedException"})
        ));
        assert!(!matches(
            pattern,
            json!({"errorCode": "ThrottlingException"})
        ));
        assert!(!matches(pattern, json!({})));
    }

    #[test]
    fn not_equal_needs_a_value_node() {
        let pattern = r#"{ $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }"#;
        assert!(matches(
            pattern,
            json!({"userIdentity": {"invokedBy": "s3.amazonaws.com"}})
        ));
        assert!(!matches(
            pattern,
            json!({"userIdentity": {"invokedBy": "cloudfront.amazonaws.com"}})
        ));
        assert!(!matches(pattern, json!({"userIdentity": {}})));
        assert!(!matches(
            pattern,
            json!({"userIdentity": {"invokedBy": null}})
        ));
        assert!(!matches(
            pattern,
            json!({"userIdentity": {"invokedBy": ["a"]}})
        ));
        assert!(!matches(
            pattern,
            json!({"userIdentity": {"invokedBy": {"a": 1}}})
        ));
        assert!(!matches(r#"{ $.users = 1 }"#, json!({"users": [1, 2, 3]})));
        assert!(!matches(r#"{ $.users != 1 }"#, json!({"users": [1, 2, 3]})));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(matches("{ $.latency >= 500 }", json!({"latency": 500})));
        assert!(matches("{ $.latency >= 500 }", json!({"latency": 500.5})));
        assert!(!matches("{ $.latency > 500 }", json!({"latency": 500})));
        assert!(matches("{ $.n < 10e-3 }", json!({"n": 0.001})));
        assert!(matches("{ $.n = 1e3 }", json!({"n": 1000})));
        assert!(matches("{ $.n != 500 }", json!({"n": 400})));
        assert!(!matches("{ $.n != 500 }", json!({})));
        assert!(!matches("{ $.n != 500 }", json!({"n": "abc"})));
        // A string field that is a number compares numerically.
        assert!(matches(
            "{ $.recipientAccountId = 123456789012 }",
            json!({"recipientAccountId": "123456789012"})
        ));
        // A string pattern sees a number's JSON text.
        assert!(matches("{ $.latency = * }", json!({"latency": 50})));
        assert!(matches(r#"{ $.code = "4*" }"#, json!({"code": 404})));
        assert!(!matches("{ $.latency = * }", json!({"latency": true})));
    }

    #[test]
    fn null_booleans_and_absence() {
        let event = json!({"SomeObject": null, "ThisFlag": true, "Other": false, "s": "x"});
        assert!(matches("{ $.SomeObject IS NULL }", event.clone()));
        assert!(!matches("{ $.s IS NULL }", event.clone()));
        assert!(!matches("{ $.Missing IS NULL }", event.clone()));
        assert!(matches("{ $.ThisFlag IS TRUE }", event.clone()));
        assert!(!matches("{ $.ThisFlag IS FALSE }", event.clone()));
        assert!(matches("{ $.Other IS FALSE }", event.clone()));
        assert!(!matches("{ $.ThisFlag = true }", event.clone()));
        assert!(matches("{ $.SomeOtherObject NOT EXISTS }", event.clone()));
        assert!(!matches("{ $.SomeObject NOT EXISTS }", event.clone()));
        assert!(matches("{ $.s.deeper NOT EXISTS }", event));
    }

    #[test]
    fn array_elements() {
        let event = json!({
            "arrayKey": ["value", "another value"],
            "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
            "coordinates": [[0, 1, 2], [4, 5, 6]],
        });
        assert!(matches(r#"{ $.arrayKey[0] = "value" }"#, event.clone()));
        assert!(matches("{ $.objectList[1].id = 2 }", event.clone()));
        assert!(matches("{ $.coordinates[1][2] = 6 }", event.clone()));
        assert!(!matches("{ $.arrayKey[5] = * }", event.clone()));
        assert!(!matches(r#"{ $.objectList.name = "a" }"#, event));
    }

    /// The compound examples of AWS's guide, with the results it gives.
    #[test]
    fn aws_compound_examples() {
        let event = json!({
            "user": {"id": 1, "email": "John.Stiles@example.com"},
            "users": [
                {"id": 2, "email": "John.Doe@example.com"},
                {"id": 3, "email": "Jane.Doe@example.com"}
            ],
            "actions": ["GET", "PUT", "DELETE"],
            "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
        });
        assert!(matches(
            r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
            event.clone()
        ));
        assert!(!matches(
            r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
            event.clone()
        ));
        assert!(matches(
            r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
            event.clone()
        ));
        assert!(!matches(
            r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
            event
        ));
    }
}
