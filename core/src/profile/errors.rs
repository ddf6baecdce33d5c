//! Where a profile is wrong: file, line and column, and what was expected.

/// A profile that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ProfileError {
    pub file: String,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    pub message: String,
}

impl ProfileError {
    pub(crate) fn at(
        file: &str,
        text: &str,
        key: &str,
        after: Option<&str>,
        message: String,
    ) -> Self {
        Self {
            file: file.to_string(),
            location: locate_key(text, key, after).or(Some((1, 1))),
            message,
        }
    }
}

/// The byte offset where 1-based `line` begins.
pub(crate) fn line_offset(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// 1-based line and column of the YAML key `key` (e.g. `source`): the first line, after the
/// line that starts with key `after` when given, that starts with `key:` (after indentation
/// and an optional `- `). Comments never match.
pub(crate) fn locate_key(text: &str, key: &str, after: Option<&str>) -> Option<(usize, usize)> {
    let start = match after {
        Some(anchor) => locate_key(text, anchor, None)?.0,
        None => 1,
    };
    text.lines()
        .enumerate()
        .skip(start - 1)
        .find_map(|(i, line)| {
            let body = line.trim_start();
            let body = body.strip_prefix("- ").map_or(body, str::trim_start);
            let rest = body.strip_prefix(key)?;
            let is_key = rest.starts_with(':') || rest.starts_with("\":") || rest.starts_with("':");
            let column = line.chars().count() - body.chars().count() + 1;
            is_key.then_some((i + 1, column))
        })
}

/// Points errors serde_yaml cannot place at the key they are about: an unknown key in a
/// control's `parameters` block (reported where the block begins) and a duplicate key
/// (reported at the start of the document).
pub(crate) fn refine_location(
    text: &str,
    message: &str,
    location: (usize, usize),
) -> (usize, usize) {
    let quoted = |open: &str, close: char| {
        message
            .split_once(open)
            .and_then(|(_, rest)| rest.split_once(close))
            .map(|(field, _)| field.to_string())
    };
    if let Some(field) = quoted("unknown field `", '`') {
        let tail = &text[line_offset(text, location.0)..];
        if let Some((line, column)) = locate_key(tail, &field, None) {
            return (location.0 + line - 1, column);
        }
    } else if let Some(key) = quoted("duplicate entry with key \"", '"') {
        // The second occurrence is the duplicate.
        if let Some((first, _)) = locate_key(text, &key, None) {
            let tail = &text[line_offset(text, first + 1)..];
            if let Some((line, column)) = locate_key(tail, &key, None) {
                return (first + line, column);
            }
        }
    }
    location
}

/// Deepest `[`/`{` nesting a profile may use. serde_yaml stops at 128 levels, but only after
/// its parser has read the whole document, which takes time quadratic in the nesting: 100 000
/// `[` take most of a minute. Real profiles nest 3 or 4 levels.
pub(crate) const MAX_FLOW_DEPTH: usize = 64;

/// Finds flow collections nested deeper than [`MAX_FLOW_DEPTH`], before the YAML parser does.
/// Quoted strings and comments are skipped; brackets inside plain scalars may be counted,
/// which only matters for text with dozens of unclosed brackets.
pub(crate) fn check_flow_depth(text: &str) -> Result<(), (usize, usize)> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            (line, column, comment) = (line + 1, 0, false);
            previous = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
                column += 1;
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '#' if previous.is_whitespace() => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Err((line, column));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = c;
    }
    Ok(())
}

/// serde_yaml appends " at line L column C"; the error carries that separately.
pub(crate) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
