//! The shape of the code, checked: no module of any crate depends on itself through others
//! (a cycle), `core` knows no platform (no AWS name outside comments, no AWS crate), and no
//! control file carries a CIS number (the version tables hold them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cisrun_e2e::repo_root;

/// The crates whose modules must form no cycle.
const CRATES: [&str; 7] = [
    "core",
    "reports",
    "checks",
    "runner",
    "filter-pattern",
    "examples/plugin",
    "examples/linux-host",
];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// A source file's module path inside its crate: `src/a/b.rs` and `src/a/b/mod.rs` are
/// `[a, b]`, `src/lib.rs` is `[]`.
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let relative = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if parts.is_empty() && (stem == "lib" || stem == "main") {
        return Some(parts);
    }
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    Some(parts)
}

/// The code of a file without comments and without its `#[cfg(test)]` tail (tests sit at
/// the end of a file, and their `super::` is the file itself).
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The module paths a file's code names with `crate::` and `super::` (`use` lists with
/// braces included, one level deep), as written.
fn references(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    // `super` of module `a::b` (`a/b.rs` or `a/b/mod.rs`) is `a`.
    let parent = module[..module.len().saturating_sub(1)].to_vec();
    for (keyword, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut start = 0;
        while let Some(i) = code[start..].find(keyword) {
            let at = start + i;
            start = at + keyword.len();
            let before = at.checked_sub(1).map(|b| bytes[b] as char);
            if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[start..];
            let mut paths: Vec<String> = Vec::new();
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                paths.extend(
                    group[..end]
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty()),
                );
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(rest.len());
                paths.push(rest[..end].to_string());
            }
            for path in paths {
                let mut full = base.clone();
                full.extend(
                    path.split("::")
                        .map(str::trim)
                        .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
                        .map(|s| s.split_whitespace().next().unwrap_or(s).to_string()),
                );
                found.push(full);
            }
        }
    }
    found
}

/// The longest prefix of `path` that is a module of the crate.
fn resolve(path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
}

/// Cycles among a crate's modules: each strongly connected component of more than one
/// module, where a module's edges are the modules it names, except its own descendants (a
/// parent declaring and re-exporting its children is containment, not a dependency).
fn cycles(src: &Path) -> Vec<Vec<String>> {
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for file in rust_files(src) {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        modules.insert(module, code_of(&text));
    }
    let names: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in &modules {
        let targets = edges.entry(module.clone()).or_default();
        for path in references(code, module) {
            if let Some(target) = resolve(&path, &names) {
                let descendant = target.len() > module.len() && target.starts_with(module);
                if target != *module && !descendant && !target.is_empty() {
                    targets.insert(target);
                }
            }
        }
    }
    // Tarjan's strongly connected components.
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        stack: Vec<Vec<String>>,
        on_stack: BTreeSet<Vec<String>>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit(state: &mut State<'_>, node: &Vec<String>) {
        state.index.insert(node.clone(), state.next);
        state.low.insert(node.clone(), state.next);
        state.next += 1;
        state.stack.push(node.clone());
        state.on_stack.insert(node.clone());
        let targets: Vec<Vec<String>> = state
            .edges
            .get(node)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for target in targets {
            if !state.index.contains_key(&target) {
                visit(state, &target);
                let low = state.low[&target].min(state.low[node]);
                state.low.insert(node.clone(), low);
            } else if state.on_stack.contains(&target) {
                let low = state.index[&target].min(state.low[node]);
                state.low.insert(node.clone(), low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(top) = state.stack.pop() {
                state.on_stack.remove(&top);
                let done = top == *node;
                component.push(top.join("::"));
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.found
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut found = Vec::new();
    for krate in CRATES {
        let src = repo_root().join(krate).join("src");
        if !src.is_dir() {
            continue;
        }
        for cycle in cycles(&src) {
            found.push(format!("{krate}: {}", cycle.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "module cycles:\n{}", found.join("\n"));
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("a")).expect("dirs");
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").expect("lib");
    std::fs::write(src.join("a/mod.rs"), "mod c;\nuse crate::b::B;\n").expect("a");
    std::fs::write(src.join("a/c.rs"), "use super::A;\n").expect("c");
    std::fs::write(
        src.join("b.rs"),
        "use crate::{a::c::C, x};\n#[cfg(test)]\nuse crate::a;\n",
    )
    .expect("b");
    assert_eq!(cycles(&src), [["a", "a::c", "b"]]);
}

/// `core` knows no platform: no AWS name in its code (comments may use AWS as an example),
/// and no AWS crate among its dependencies.
#[test]
fn core_has_no_aws_in_it() {
    let src = repo_root().join("core/src");
    let mut found = Vec::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).expect("source");
        for (number, line) in text.lines().enumerate() {
            let code = match line.find("//") {
                Some(i) => &line[..i],
                None => line,
            };
            let lower = code.to_ascii_lowercase();
            if lower.contains("aws") || lower.contains("amazon") {
                found.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(found.is_empty(), "AWS in core:\n{}", found.join("\n"));
    let manifest = std::fs::read_to_string(repo_root().join("core/Cargo.toml")).expect("manifest");
    assert!(
        !manifest.to_ascii_lowercase().contains("aws"),
        "core depends on an AWS crate:\n{manifest}"
    );
}

/// A dotted number such as `1.16` or `2.1.4` in text: a CIS recommendation number (not a
/// version `v1.4.0`, not an address `0.0.0.0/0`).
fn cis_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
            i += 1;
        }
        let token: String = chars[start..i].iter().collect::<String>();
        let token = token.trim_end_matches('.');
        let before = start.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i).copied();
        let parts: Vec<&str> = token.split('.').collect();
        let shaped = (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            && !parts[0].starts_with('0');
        let versioned = before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let glued = after.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '_');
        if shaped && !versioned && !glued {
            found.push(token.to_string());
        }
    }
    found
}

#[test]
fn no_control_file_carries_a_cis_number() {
    assert_eq!(
        cis_numbers("(1.16 in v1.4.0–v4.0.1, 2.1.4 here)"),
        ["1.16", "2.1.4"]
    );
    assert!(cis_numbers("0.0.0.0/0, v3.0.0, TLSv1.2, 90 days, 1.5x").is_empty());
    let mut found = Vec::new();
    for dir in [
        "checks/src/controls",
        "examples/plugin/src/controls",
        "examples/linux-host/src/controls",
    ] {
        for file in rust_files(&repo_root().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("source");
            for (number, line) in text.lines().enumerate() {
                let Some(comment) = line.find("//").map(|i| &line[i..]) else {
                    continue;
                };
                for cis in cis_numbers(comment) {
                    found.push(format!("{}:{}: {cis}", file.display(), number + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "CIS numbers belong in the version tables, not in control files:\n{}",
        found.join("\n")
    );
}
