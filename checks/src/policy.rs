//! IAM policy documents as AWS returns them, read exactly and strictly: URL-encoded JSON (as
//! IAM returns it) or plain JSON (as S3 returns bucket policies), `Statement` as one object
//! or a list, `Action`/`NotAction`/`Resource`/`NotResource` as a string or a list.
//!
//! A document that cannot be read completely is a [`DocumentError`], never a document that
//! matches nothing: a control that needs it reports an *error* naming the resource, so a
//! `*:*` policy hidden behind a byte-order mark or an encoding it did not expect can never
//! pass.

use serde_json::Value;

/// Why a policy document cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the policy document cannot be read: {0}")]
pub struct DocumentError(pub String);

/// A policy document that was read whole: a JSON object whose `Statement` is an object or a
/// list of objects, each with the fields IAM's grammar gives them in the shapes it allows.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    value: Value,
}

impl PolicyDocument {
    /// The statements of the document.
    pub fn statements(&self) -> Vec<&Value> {
        statements(&self.value)
    }

    /// The document as JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn into_value(self) -> Value {
        self.value
    }
}

/// Fields whose value IAM's grammar makes a string or a list of strings.
const STRING_OR_LIST: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// Reads a policy document strictly: URL-encoded (as IAM returns it) or not. Anything that
/// is not exactly one JSON object of a policy's shape is an error saying what is wrong: text
/// that is not JSON after decoding, a byte-order mark, nesting past the JSON reader's depth
/// limit, a `Statement` of another shape, a field of the wrong type.
pub fn parse_document(document: &str) -> Result<PolicyDocument, DocumentError> {
    let error = |message: String| DocumentError(message);
    if document.starts_with('\u{feff}') || document.starts_with("%EF%BB%BF") {
        return Err(error(
            "it starts with a byte-order mark, which a policy document never has".to_string(),
        ));
    }
    let trimmed = document.trim_start();
    let decoded;
    let json = if trimmed.starts_with('{') {
        trimmed
    } else if trimmed.starts_with('%') {
        decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|e| error(format!("it is not UTF-8 once URL-decoded: {e}")))?;
        if decoded.starts_with('\u{feff}') {
            return Err(error(
                "it starts with a byte-order mark, which a policy document never has".to_string(),
            ));
        }
        &decoded
    } else {
        return Err(error(format!(
            "it is neither JSON nor URL-encoded JSON (it starts with {:?})",
            trimmed.chars().take(20).collect::<String>()
        )));
    };
    // serde_json stops at 128 levels of nesting: deeper documents are errors, not empty.
    let value: Value =
        serde_json::from_str(json).map_err(|e| error(format!("it is not JSON: {e}")))?;
    check_shape(&value).map_err(error)?;
    Ok(PolicyDocument { value })
}

/// The shape IAM's grammar gives a policy: what a matcher relies on.
fn check_shape(document: &Value) -> Result<(), String> {
    let Value::Object(top) = document else {
        return Err("it is not a JSON object".to_string());
    };
    let statements: Vec<&Value> = match top.get("Statement") {
        Some(Value::Array(many)) => many.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err("`Statement` is neither an object nor a list".to_string()),
        None => return Err("it has no `Statement`".to_string()),
    };
    for (index, statement) in statements.iter().enumerate() {
        let number = index + 1;
        let Value::Object(fields) = statement else {
            return Err(format!("statement {number} is not an object"));
        };
        match fields.get("Effect").and_then(Value::as_str) {
            Some("Allow" | "Deny") => {}
            _ => {
                return Err(format!(
                    "statement {number} has no `Effect` of `Allow` or `Deny`"
                ))
            }
        }
        for field in STRING_OR_LIST {
            match fields.get(field) {
                None | Some(Value::String(_)) => {}
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
                Some(_) => {
                    return Err(format!(
                        "statement {number}: `{field}` is neither a string nor a list of strings"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The statements of a document: `Statement` may be one object or a list.
pub fn statements(document: &Value) -> Vec<&Value> {
    match &document["Statement"] {
        Value::Array(many) => many.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    }
}

/// A field that may be a string or a list of strings, as a list.
pub fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a principal is everyone: `"*"`, or `{"AWS": "*"}` (a string or a list holding `*`).
pub fn everyone(principal: &Value) -> bool {
    match principal {
        Value::String(s) => s == "*",
        Value::Object(map) => map
            .get("AWS")
            .is_some_and(|aws| strings(aws).contains(&"*")),
        _ => false,
    }
}

/// Whether a statement is `Effect: Allow`.
pub fn allows(statement: &Value) -> bool {
    statement["Effect"].as_str() == Some("Allow")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

    fn encoded(text: &str) -> String {
        percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[test]
    fn reads_encoded_and_plain_documents_and_single_statements() {
        for text in [ADMIN.to_string(), encoded(ADMIN), format!("  {ADMIN}")] {
            let document = parse_document(&text).expect("reads");
            let all = document.statements();
            assert_eq!(all.len(), 1);
            assert!(allows(all[0]));
            assert_eq!(strings(&all[0]["Action"]), ["*"]);
        }
        assert_eq!(strings(&serde_json::json!(["a", "b"])), ["a", "b"]);
    }

    /// The four shapes that used to read as "matches nothing", and others like them.
    #[test]
    fn what_cannot_be_read_whole_is_an_error_never_an_empty_document() {
        let deep = format!(
            r#"{{"Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}1{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let cases = [
            ("not json".to_string(), "neither JSON"),
            ("%7Bnot%20json".to_string(), "not JSON"),
            (format!("\u{feff}{ADMIN}"), "byte-order mark"),
            (format!("%EF%BB%BF{}", encoded(ADMIN)), "byte-order mark"),
            (encoded(&format!("\u{feff}{ADMIN}")), "byte-order mark"),
            (deep.clone(), "not JSON"),
            (encoded(&deep), "not JSON"),
            (ADMIN[..ADMIN.len() - 2].to_string(), "not JSON"),
            ("%FF%FE".to_string(), "not UTF-8"),
            ("[]".to_string(), "neither JSON"),
            (r#"{"Version":"2012-10-17"}"#.to_string(), "no `Statement`"),
            (r#"{"Statement":"*"}"#.to_string(), "neither an object"),
            (r#"{"Statement":[1]}"#.to_string(), "not an object"),
            (
                r#"{"Statement":{"Effect":"allow","Action":"*"}}"#.to_string(),
                "`Effect`",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#.to_string(),
                "`Action`",
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":[1]}}"#.to_string(),
                "`Resource`",
            ),
        ];
        for (text, phrase) in cases {
            let error = parse_document(&text).expect_err(&text);
            assert!(error.to_string().contains(phrase), "{text}: {error}");
        }
    }
}
