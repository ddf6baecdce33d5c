//! IAM policy documents as AWS returns them, read exactly: URL-encoded JSON, `Statement` as
//! one object or a list, `Action`/`NotAction`/`Resource` as a string or a list.

use serde_json::Value;

/// Parses a policy document, URL-encoded (as IAM returns it) or not. A document that is not
/// JSON either way comes back as a JSON string, so callers see it and match nothing.
pub fn parse_document(document: &str) -> Value {
    serde_json::from_str(document)
        .or_else(|_| {
            let decoded = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
            serde_json::from_str(&decoded)
        })
        .unwrap_or_else(|_| Value::String(document.to_string()))
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

/// Whether a statement is `Effect: Allow`.
pub fn allows(statement: &Value) -> bool {
    statement["Effect"].as_str() == Some("Allow")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_encoded_documents_and_single_statements() {
        let encoded =
            "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%7D%7D";
        let document = parse_document(encoded);
        let all = statements(&document);
        assert_eq!(all.len(), 1);
        assert!(allows(all[0]));
        assert_eq!(strings(&all[0]["Action"]), ["*"]);
        assert_eq!(strings(&serde_json::json!(["a", "b"])), ["a", "b"]);
        assert!(statements(&parse_document("not json")).is_empty());
    }
}
