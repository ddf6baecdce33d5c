//! Texts from AWS as reports other than JSON show them: cut at a fixed length with a note.

/// The most characters of one text (an error message, an evidence detail, a resource name)
/// that a report other than JSON shows. AWS decides how long its texts are, and a report
/// that copied them whole could grow past what its readers accept (a 20 MB error message in
/// a JUnit attribute is more than xmllint takes); the JSON report keeps every text whole.
pub const TEXT_CAP_CHARS: usize = 1_000;

/// `text` as reports other than JSON show it: cut at [`TEXT_CAP_CHARS`] characters, with a
/// note saying how much was left out and where the rest is.
pub fn capped(text: &str) -> std::borrow::Cow<'_, str> {
    capped_at(text, TEXT_CAP_CHARS)
}

/// [`capped`] at `max_chars` characters.
pub fn capped_at(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            std::borrow::Cow::Owned(format!("{}{}", &text[..cut], cut_note(rest)))
        }
    }
}

/// What follows a text cut short: `… (N more characters; full text in the JSON report)`.
pub fn cut_note(left_out_chars: usize) -> String {
    format!("… ({left_out_chars} more characters; full text in the JSON report)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_kept_and_long_ones_cut_with_a_note() {
        assert!(matches!(
            capped("short"),
            std::borrow::Cow::Borrowed("short")
        ));
        let exact = "é".repeat(TEXT_CAP_CHARS);
        assert_eq!(capped(&exact), exact.as_str());
        let long = format!("{}{}", "é".repeat(TEXT_CAP_CHARS), "x".repeat(25));
        let shown = capped(&long);
        assert!(shown.starts_with(&exact), "cut on a character boundary");
        assert!(
            shown.ends_with("… (25 more characters; full text in the JSON report)"),
            "{shown}"
        );
        assert_eq!(capped_at("abcdef", 2), format!("ab{}", cut_note(4)));
    }

    #[test]
    fn a_twenty_megabyte_text_is_cut_to_a_thousand_characters() {
        let huge = "A".repeat(20 * 1024 * 1024);
        let shown = capped(&huge);
        assert!(
            shown.chars().count() < TEXT_CAP_CHARS + 80,
            "{}",
            shown.len()
        );
    }
}
