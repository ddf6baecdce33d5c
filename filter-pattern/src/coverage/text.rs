//! Set reasoning on `*` patterns: inclusion and disjointness, decided only where the
//! answer is certain (and the same under both readings of an inner `*`).

use crate::ast::TextPattern;

/// Whether every string `p` matches, `q` matches too.
pub(super) fn subset(p: &TextPattern, q: &TextPattern) -> bool {
    if p == q || q.is_match_all() {
        return true;
    }
    if p.has_inner_wildcard() || q.has_inner_wildcard() {
        return false;
    }
    if let Some(literal) = p.literal() {
        return q.matches(literal);
    }
    // Every string of `p` starts with its first part, ends with its last, and contains
    // each part. Without inner wildcards `q` is `Q*`, `*Q`, `*Q*` or a literal.
    let (p_first, p_last) = (first_part(p), last_part(p));
    match q.parts() {
        [prefix, empty] if empty.is_empty() => p_first.starts_with(prefix.as_str()),
        [empty, suffix] if empty.is_empty() => p_last.ends_with(suffix.as_str()),
        [_, infix, _] => p.parts().iter().any(|part| part.contains(infix.as_str())),
        _ => false,
    }
}

/// Whether no string matches both `p` and `q`.
pub(super) fn disjoint(p: &TextPattern, q: &TextPattern) -> bool {
    if p.has_inner_wildcard() || q.has_inner_wildcard() {
        return false;
    }
    if let Some(literal) = p.literal() {
        return !q.matches(literal);
    }
    if let Some(literal) = q.literal() {
        return !p.matches(literal);
    }
    // A string matching both starts with both first parts, so one extends the other;
    // likewise for the last parts.
    let prefixes_clash = {
        let (a, b) = (first_part(p), first_part(q));
        !a.starts_with(b) && !b.starts_with(a)
    };
    let suffixes_clash = {
        let (a, b) = (last_part(p), last_part(q));
        !a.ends_with(b) && !b.ends_with(a)
    };
    prefixes_clash || suffixes_clash
}

fn first_part(pattern: &TextPattern) -> &str {
    pattern.parts().first().map_or("", String::as_str)
}

fn last_part(pattern: &TextPattern) -> &str {
    pattern.parts().last().map_or("", String::as_str)
}
