//! Reading `sshd_config(5)` as sshd does: keyword and arguments split at whitespace or one
//! `=`, quoted arguments, `#` comments, `Include` (globs, relative to `/etc/ssh`, in sorted
//! order, each file's `Match` ending with the file) and `Match` blocks.

use crate::root::{join, FileError, Root};

/// sshd's own limit on nested `Include`s.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Where relative `Include` paths start.
const SSH_DIRECTORY: &str = "/etc/ssh";

/// A `Match` line: its criteria as written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchBlock {
    pub criteria: String,
    pub file: String,
    pub line: usize,
}

impl MatchBlock {
    /// `Match all` applies to every connection.
    pub fn matches_all(&self) -> bool {
        self.criteria.eq_ignore_ascii_case("all")
    }
}

/// One keyword line, in the order sshd reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower case: sshd's keywords are case-insensitive.
    pub keyword: String,
    pub arguments: Vec<String>,
    /// The `Match` block it is in; `None` outside any.
    pub block: Option<MatchBlock>,
    pub file: String,
    pub line: usize,
}

impl Directive {
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Why a configuration cannot be read as sshd would.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{file}:{line}: more than {MAX_INCLUDE_DEPTH} nested Include files")]
    TooDeep { file: String, line: usize },
    #[error("{file}:{line}: unbalanced quotes")]
    Quotes { file: String, line: usize },
}

/// Every directive of the configuration whose main file is `main`, Includes expanded in
/// place; `None` when `main` does not exist.
pub fn load(root: &Root, main: &str) -> Result<Option<Vec<Directive>>, ConfigError> {
    let Some(text) = root.read(main)? else {
        return Ok(None);
    };
    let mut directives = Vec::new();
    parse(root, main, &text, None, 0, &mut directives)?;
    Ok(Some(directives))
}

fn parse(
    root: &Root,
    file: &str,
    text: &str,
    block: Option<MatchBlock>,
    depth: usize,
    out: &mut Vec<Directive>,
) -> Result<(), ConfigError> {
    // A `Match` in an included file ends with that file: sshd restores the including
    // file's context after an Include.
    let mut current = block;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let Some((keyword, arguments)) = split_line(line).ok_or_else(|| ConfigError::Quotes {
            file: file.to_string(),
            line: number,
        })?
        else {
            continue;
        };
        match keyword.as_str() {
            "match" => {
                current = Some(MatchBlock {
                    criteria: arguments.join(" "),
                    file: file.to_string(),
                    line: number,
                });
            }
            "include" => {
                if depth + 1 > MAX_INCLUDE_DEPTH {
                    return Err(ConfigError::TooDeep {
                        file: file.to_string(),
                        line: number,
                    });
                }
                for pattern in &arguments {
                    let pattern = if pattern.starts_with('/') {
                        pattern.clone()
                    } else {
                        join(SSH_DIRECTORY, pattern)
                    };
                    // Like sshd's glob(3): a pattern that matches nothing is skipped.
                    for included in glob(root, &pattern)? {
                        let Some(text) = root.read(&included)? else {
                            continue;
                        };
                        parse(root, &included, &text, current.clone(), depth + 1, out)?;
                    }
                }
            }
            _ => out.push(Directive {
                keyword,
                arguments,
                block: current.clone(),
                file: file.to_string(),
                line: number,
            }),
        }
    }
    Ok(())
}

/// A line's keyword (lower case) and arguments; `Some(None)` for a blank or comment line,
/// `None` for unbalanced quotes.
fn split_line(line: &str) -> Option<Option<(String, Vec<String>)>> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Some(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let (keyword, rest) = line.split_at(end);
    // One `=` may separate the keyword from its arguments, with blanks around it.
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    let arguments = split_arguments(rest)?;
    Some(Some((keyword.to_ascii_lowercase(), arguments)))
}

/// sshd's `argv_split`: blanks separate arguments, quotes group, a `#` that starts an
/// argument starts a comment.
fn split_arguments(text: &str) -> Option<Vec<String>> {
    let mut arguments = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Some(arguments),
            _ => {}
        }
        let mut argument = String::new();
        let mut quote: Option<char> = None;
        while let Some(&c) = chars.peek() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => break,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    chars.next();
                    if let Some(escaped) = chars.peek() {
                        argument.push(*escaped);
                    }
                }
                (_, c) => argument.push(c),
            }
            chars.next();
        }
        if quote.is_some() {
            return None;
        }
        arguments.push(argument);
    }
}

/// The files of `root` matching the absolute `pattern` (`*`, `?` and `[...]` in any
/// component), sorted as glob(3) sorts them.
fn glob(root: &Root, pattern: &str) -> Result<Vec<String>, FileError> {
    let mut matches = vec![String::from("/")];
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        let mut next = Vec::new();
        for directory in &matches {
            if component.contains(['*', '?', '[']) {
                for name in root.list(directory)? {
                    // As in glob(3), a leading `.` is matched only by a leading `.`.
                    if (!name.starts_with('.') || component.starts_with('.'))
                        && wildcard(component, &name)
                    {
                        next.push(join(directory, &name));
                    }
                }
            } else {
                next.push(join(directory, component));
            }
        }
        matches = next;
    }
    let mut existing = Vec::new();
    for path in matches {
        if root.stat(&path)?.is_some() {
            existing.push(path);
        }
    }
    existing.sort();
    Ok(existing)
}

/// fnmatch(3) for one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`, `\` escapes.
fn wildcard(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    matches_from(&pattern, &name)
}

fn matches_from(pattern: &[char], name: &[char]) -> bool {
    match pattern.first() {
        None => name.is_empty(),
        Some('*') => (0..=name.len()).any(|skip| matches_from(&pattern[1..], &name[skip..])),
        Some('?') => !name.is_empty() && matches_from(&pattern[1..], &name[1..]),
        Some('[') => match (class(&pattern[1..]), name.first()) {
            (Some((accepts, length)), Some(&c)) => {
                accepts(c) && matches_from(&pattern[1 + length..], &name[1..])
            }
            // An unclosed `[` is an ordinary character.
            (None, Some('[')) => matches_from(&pattern[1..], &name[1..]),
            _ => false,
        },
        Some('\\') if pattern.len() > 1 => {
            name.first() == Some(&pattern[1]) && matches_from(&pattern[2..], &name[1..])
        }
        Some(c) => name.first() == Some(c) && matches_from(&pattern[1..], &name[1..]),
    }
}

/// A bracket expression after its `[`: what it accepts, and how many characters it takes
/// (through the closing `]`).
#[allow(clippy::type_complexity)]
fn class(pattern: &[char]) -> Option<(Box<dyn Fn(char) -> bool>, usize)> {
    let negated = matches!(pattern.first(), Some('!' | '^'));
    let start = usize::from(negated);
    // A `]` right after `[` or `[!` is a member, not the end.
    let close = pattern
        .iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, c)| **c == ']')
        .map(|(i, _)| i)?;
    let members: Vec<char> = pattern[start..close].to_vec();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < members.len() {
        if i + 2 < members.len() && members[i + 1] == '-' {
            ranges.push((members[i], members[i + 2]));
            i += 3;
        } else {
            ranges.push((members[i], members[i]));
            i += 1;
        }
    }
    let accepts =
        move |c: char| ranges.iter().any(|(low, high)| (*low..=*high).contains(&c)) != negated;
    Some((Box::new(accepts), close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_sshd_splits_them() {
        let split = |line: &str| split_line(line).expect("balanced");
        assert_eq!(split("  # comment"), None);
        assert_eq!(
            split("PermitRootLogin=no"),
            Some(("permitrootlogin".to_string(), vec!["no".to_string()]))
        );
        assert_eq!(
            split("Match User \"a b\" Address 10.0.0.1 # staff"),
            Some((
                "match".to_string(),
                vec!["User", "a b", "Address", "10.0.0.1"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            ))
        );
        assert_eq!(
            split("PERMITROOTLOGIN = yes").map(|(k, a)| (k, a.len())),
            Some(("permitrootlogin".to_string(), 1))
        );
        assert!(split_line("Banner \"unclosed").is_none());
    }

    #[test]
    fn wildcards_match_one_component() {
        for (pattern, name, expected) in [
            ("*.conf", "50-cloud.conf", true),
            ("*.conf", "50-cloud.conf.bak", false),
            ("?0-*", "50-x", true),
            ("[0-4]*", "50-x", false),
            ("[!0-4]*", "50-x", true),
            ("[]]x", "]x", true),
            ("a\\*", "a*", true),
            ("a\\*", "ab", false),
            ("[unclosed", "[unclosed", true),
        ] {
            assert_eq!(wildcard(pattern, name), expected, "{pattern} {name}");
        }
    }
}
