//! The remediation journal: one JSON object per line, appended and flushed to disk *before*
//! each change is made and again after it, so a crash at any point loses nothing and
//! `cisrun rollback` knows exactly what to undo.
//!
//! Every line ends with an `integrity` field chaining it to the line before: the SHA-256
//! of the previous line's tag and this line's content, or, when the user keeps a key
//! (`--journal-key-file`), an HMAC-SHA256 with that key. A changed, removed, inserted or
//! moved line breaks the chain from that line on, and the journal is refused. The plain
//! chain only catches accidental or naive edits (anyone can recompute it); the keyed one
//! cannot be forged without the key.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context, Result};
use cisrun_core::Step;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bumped when the format changes incompatibly. The integrity field is an addition: an
/// older cisrun still reads a journal of this one.
pub const FORMAT: u32 = 1;

/// The name of the field every line ends with.
const INTEGRITY_FIELD: &str = "integrity";

/// The environment variable that names the key file, as `--journal-key-file` does.
pub const KEY_FILE_ENV: &str = "CISRUN_JOURNAL_KEY_FILE";

/// The shortest key accepted: shorter ones can be guessed.
const MIN_KEY_BYTES: usize = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// First line: what run wrote the journal, and the profile it used (to reach the
    /// same accounts the same way on rollback).
    Header {
        format: u32,
        tool_version: String,
        created_at: String,
        profile_file: String,
        profile_yaml: String,
    },
    /// Written before the change is made.
    Apply {
        seq: u64,
        account_id: String,
        control_id: String,
        step: Step,
        before: serde_json::Value,
        at: String,
    },
    /// The change succeeded; `after` is what rollback expects to find.
    Applied {
        seq: u64,
        after: serde_json::Value,
        at: String,
    },
    /// The change failed; nothing to undo for this step.
    ApplyFailed {
        seq: u64,
        error: String,
        at: String,
    },
    /// Written before an undo is attempted.
    Undo {
        seq: u64,
        at: String,
        forced: bool,
    },
    Undone {
        seq: u64,
        at: String,
    },
    UndoFailed {
        seq: u64,
        error: String,
        at: String,
    },
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

/// The secret a keyed journal is chained with, ready to use. Never printed.
#[derive(Clone)]
pub struct JournalKey(hmac::Hmac<Sha256>);

impl std::fmt::Debug for JournalKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JournalKey(..)")
    }
}

impl JournalKey {
    /// The key in `path`: its bytes, without the line break an editor or `echo` adds.
    pub fn from_file(path: &Path) -> Result<JournalKey> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the journal key file {}", path.display()))?;
        let end = bytes
            .iter()
            .rposition(|b| *b != b'\n' && *b != b'\r')
            .map_or(0, |last| last + 1);
        JournalKey::new(&bytes[..end])
            .with_context(|| format!("the journal key file {}", path.display()))
    }

    pub fn new(bytes: &[u8]) -> Result<JournalKey> {
        if bytes.len() < MIN_KEY_BYTES {
            bail!(
                "a journal key needs at least {MIN_KEY_BYTES} bytes, this one has {} \
                 (e.g. `openssl rand -hex 32 > journal.key`)",
                bytes.len()
            );
        }
        let mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("unusable journal key: {e}"))?;
        Ok(JournalKey(mac))
    }
}

/// How the lines are chained: by the key's HMAC, or by SHA-256 alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Sha256,
    HmacSha256,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Sha256 => "sha256",
            Scheme::HmacSha256 => "hmac-sha256",
        }
    }

    fn of(key: Option<&JournalKey>) -> Scheme {
        match key {
            Some(_) => Scheme::HmacSha256,
            None => Scheme::Sha256,
        }
    }
}

/// The chain's state: the key (if any) and the previous line's tag (hex; empty before the
/// first line).
struct Chain<'k> {
    key: Option<&'k JournalKey>,
    previous: String,
}

impl Chain<'_> {
    /// The message a line's tag covers: the previous tag and the line's content, separated
    /// by a line break (which neither can contain).
    fn message<'a>(&'a self, content: &'a str) -> [&'a [u8]; 3] {
        [self.previous.as_bytes(), b"\n", content.as_bytes()]
    }

    /// The tag of a line with `content` after the previous one.
    fn tag(&self, content: &str) -> Vec<u8> {
        match self.key {
            Some(key) => {
                let mut mac = key.0.clone();
                for part in self.message(content) {
                    mac.update(part);
                }
                mac.finalize().into_bytes().to_vec()
            }
            None => {
                let mut digest = Sha256::new();
                for part in self.message(content) {
                    digest.update(part);
                }
                digest.finalize().to_vec()
            }
        }
    }

    /// Whether `tag` (hex) is the tag of `content` after the previous line; a keyed tag is
    /// compared in constant time, so it cannot be found out by timing.
    fn verifies(&self, content: &str, tag: &str) -> bool {
        let Ok(tag) = hex::decode(tag) else {
            return false;
        };
        match self.key {
            Some(key) => {
                let mut mac = key.0.clone();
                for part in self.message(content) {
                    mac.update(part);
                }
                mac.verify_slice(&tag).is_ok()
            }
            None => self.tag(content) == tag,
        }
    }

    /// The line for `content` (a JSON object), with its integrity field; advances the chain.
    fn seal(&mut self, content: &str) -> Result<String> {
        let Some(body) = content.strip_suffix('}') else {
            bail!("a journal entry must be a JSON object");
        };
        let tag = hex::encode(self.tag(content));
        let separator = if body.ends_with('{') { "" } else { "," };
        let line = format!(
            "{body}{separator}\"{INTEGRITY_FIELD}\":\"{}:{tag}\"}}",
            Scheme::of(self.key).name()
        );
        self.previous = tag;
        Ok(line)
    }
}

/// A line taken apart: its content without the integrity field, the scheme and the tag.
struct Sealed<'l> {
    content: String,
    scheme: &'l str,
    tag: &'l str,
}

/// Splits the integrity field off the end of `line`; `None` if it has none. The field is
/// always last, and a quote inside a JSON string is escaped, so the last `,"integrity":"`
/// of a line can only be the field itself.
fn unseal(line: &str) -> Option<Sealed<'_>> {
    let marker = format!(",\"{INTEGRITY_FIELD}\":\"");
    let at = line.rfind(&marker)?;
    let value = line[at + marker.len()..].strip_suffix("\"}")?;
    let (scheme, tag) = value.split_once(':')?;
    Some(Sealed {
        content: format!("{}}}", &line[..at]),
        scheme,
        tag,
    })
}

/// An open journal, shared by every account's task.
pub struct Journal {
    path: PathBuf,
    /// The file and the tag of its last line, locked together so lines chain in the order
    /// they reach the file.
    file: Mutex<(File, String)>,
    key: Option<JournalKey>,
    next_seq: AtomicU64,
    /// Lines this process appended.
    written: AtomicUsize,
}

impl Journal {
    /// Creates a new journal, chained with `key` when there is one; refuses to overwrite
    /// an existing file.
    pub fn create(
        path: &Path,
        profile_file: &str,
        profile_yaml: &str,
        key: Option<JournalKey>,
    ) -> Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the journal's folder {}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .with_context(|| {
                format!(
                    "cannot create journal {} (it must not exist yet)",
                    path.display()
                )
            })?;
        let journal = Journal {
            path: path.to_path_buf(),
            file: Mutex::new((file, String::new())),
            key,
            next_seq: AtomicU64::new(1),
            written: AtomicUsize::new(0),
        };
        journal.append(&Entry::Header {
            format: FORMAT,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: now(),
            profile_file: profile_file.to_string(),
            profile_yaml: profile_yaml.to_string(),
        })?;
        Ok(journal)
    }

    /// Opens an existing journal to append rollback entries, after checking every line's
    /// integrity with `key` (or the plain chain without one); returns it with its entries.
    pub fn open(path: &Path, key: Option<JournalKey>) -> Result<(Journal, Vec<Entry>)> {
        let (entries, last_tag) = read_chain(path, key.as_ref())?;
        let next = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Apply { seq, .. } => Some(*seq),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            + 1;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open journal {} for writing", path.display()))?;
        Ok((
            Journal {
                path: path.to_path_buf(),
                file: Mutex::new((file, last_tag)),
                key,
                next_seq: AtomicU64::new(next),
                written: AtomicUsize::new(0),
            },
            entries,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::SeqCst)
    }

    /// How many lines this process appended (the header included).
    pub fn lines_written(&self) -> usize {
        self.written.load(Ordering::SeqCst)
    }

    /// Appends one entry and waits until it is on disk.
    pub fn append(&self, entry: &Entry) -> Result<()> {
        let content = serde_json::to_string(entry).context("cannot encode a journal entry")?;
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let (file, previous) = &mut *guard;
        let mut chain = Chain {
            key: self.key.as_ref(),
            previous: previous.clone(),
        };
        let mut line = chain.seal(&content)?;
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("cannot write journal {}", self.path.display()))?;
        // The chain moves on only once the line is on disk: a failed write is not chained to.
        *previous = chain.previous;
        self.written.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    pub fn record(&self, entry: Entry) -> Result<()> {
        self.append(&entry)
    }

    pub fn now() -> String {
        now()
    }
}

/// Reads and verifies every entry (see [`Journal::open`]).
#[cfg(test)]
pub fn read(path: &Path, key: Option<&JournalKey>) -> Result<Vec<Entry>> {
    read_chain(path, key).map(|(entries, _)| entries)
}

/// Every entry, and the last line's tag. A line that does not verify is an error naming
/// it (the first one, 1-based), never skipped; so is a line that is not an entry.
fn read_chain(path: &Path, key: Option<&JournalKey>) -> Result<(Vec<Entry>, String)> {
    let file =
        File::open(path).with_context(|| format!("cannot read journal {}", path.display()))?;
    let shown = path.display();
    let scheme = Scheme::of(key);
    let mut chain = Chain {
        key,
        previous: String::new(),
    };
    let mut entries = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let number = index + 1;
        let line = line.with_context(|| format!("cannot read journal {shown}"))?;
        let Some(sealed) = unseal(&line) else {
            if number == 1 && matches!(serde_json::from_str(&line), Ok(Entry::Header { .. })) {
                bail!(
                    "{shown}:1: this journal has no integrity fields: it was written by a \
                     cisrun from before journals were chained, or edited. This cisrun rolls \
                     back only a journal it can verify: roll it back with the cisrun that \
                     wrote it, or undo its steps by hand"
                );
            }
            if serde_json::from_str::<Entry>(&line).is_ok() {
                bail!(
                    "{shown}:{number}: this line has no integrity field: the journal was \
                     edited (a line was changed or added); nothing was undone"
                );
            }
            bail!("{shown}:{number}: not a cisrun journal entry");
        };
        let entry: Entry = serde_json::from_str(&sealed.content)
            .with_context(|| format!("{shown}:{number}: not a cisrun journal entry"))?;
        if sealed.scheme != scheme.name() {
            match (scheme, sealed.scheme) {
                (Scheme::Sha256, "hmac-sha256") => bail!(
                    "{shown}:{number}: this journal is chained with a key: give it with \
                     --journal-key-file (or {KEY_FILE_ENV})"
                ),
                (Scheme::HmacSha256, "sha256") => bail!(
                    "{shown}:{number}: this line is not chained with the key given \
                     (--journal-key-file / {KEY_FILE_ENV}): the journal was written without \
                     a key, or rewritten by someone without it; nothing was undone"
                ),
                _ => bail!(
                    "{shown}:{number}: unknown integrity scheme `{}`: the journal was edited",
                    sealed.scheme
                ),
            }
        }
        let verified = chain.verifies(&sealed.content, sealed.tag);
        if !verified {
            let why = match key {
                Some(_) => {
                    "the line was changed, or a line before it was removed, inserted or \
                            moved, or the key is not the one the journal was written with"
                }
                None => "the line was changed, or a line before it was removed, inserted or moved",
            };
            bail!("{shown}:{number}: the journal's integrity check fails here ({why}); nothing was undone");
        }
        chain.previous = sealed.tag.to_string();
        entries.push(entry);
    }
    match entries.first() {
        Some(Entry::Header { format, .. }) if *format == FORMAT => Ok((entries, chain.previous)),
        Some(Entry::Header { format, .. }) => {
            bail!("{shown}: journal format {format} is not supported (this cisrun reads {FORMAT})")
        }
        _ => bail!("{shown}:1: not a cisrun journal (no header line)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        Step {
            action: "iam:CreateRole".into(),
            resource: "arn:aws:iam::123456789012:role/r".into(),
            summary: "create".into(),
            data: serde_json::json!({"kind": "create_role"}),
        }
    }

    fn key(text: &str) -> JournalKey {
        JournalKey::new(text.as_bytes()).expect("key")
    }

    /// A journal of a header, two steps (applied) and an undo, chained with `key`.
    fn journal(dir: &Path, key: Option<JournalKey>) -> PathBuf {
        let path = dir.join("j.jsonl");
        let journal = Journal::create(&path, "p.yaml", "level: 1", key).expect("create");
        for _ in 0..2 {
            let seq = journal.next_seq();
            journal
                .record(Entry::Apply {
                    seq,
                    account_id: "123456789012".into(),
                    control_id: "c".into(),
                    step: step(),
                    before: serde_json::json!({"exists": false}),
                    at: Journal::now(),
                })
                .expect("append");
            journal
                .record(Entry::Applied {
                    seq,
                    after: serde_json::json!({"exists": true}),
                    at: Journal::now(),
                })
                .expect("append");
        }
        journal
            .record(Entry::Undo {
                seq: 2,
                at: Journal::now(),
                forced: false,
            })
            .expect("append");
        path
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .expect("read")
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write_lines(path: &Path, lines: &[String]) {
        std::fs::write(path, format!("{}\n", lines.join("\n"))).expect("write");
    }

    /// The error of reading the journal at `path`, which must be refused.
    fn refusal(path: &Path, key: Option<&JournalKey>) -> String {
        format!("{:#}", read(path, key).expect_err("refused"))
    }

    #[test]
    fn entries_round_trip_and_sequence_numbers_continue_after_reopening() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        let (reopened, entries) = Journal::open(&path, None).expect("open");
        assert_eq!(entries.len(), 6);
        assert!(matches!(&entries[1], Entry::Apply { seq: 1, .. }));
        assert_eq!(reopened.next_seq(), 3);
        // What the reopened journal appends continues the chain.
        reopened
            .record(Entry::Undone {
                seq: 2,
                at: Journal::now(),
            })
            .expect("append");
        assert_eq!(read(&path, None).expect("verified").len(), 7);
    }

    #[test]
    fn every_line_ends_with_its_integrity_field_and_keeps_its_other_fields() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        for line in lines(&path) {
            let value: serde_json::Value = serde_json::from_str(&line).expect("json");
            let tag = value[INTEGRITY_FIELD].as_str().expect("integrity field");
            assert!(tag.starts_with("sha256:") && tag.len() == 7 + 64, "{tag}");
            assert!(value["entry"].is_string(), "{line}");
        }
        let keyed = tempfile::tempdir().expect("temp dir");
        let path = journal(keyed.path(), Some(key("a key of sixteen+ bytes")));
        assert!(lines(&path)
            .iter()
            .all(|l| l.contains(r#","integrity":"hmac-sha256:"#)));
    }

    #[test]
    fn a_changed_line_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        let mut edited = lines(&path);
        edited[3] = edited[3].replace("role/r", "role/victim");
        write_lines(&path, &edited);
        let error = refusal(&path, None);
        assert!(error.contains("j.jsonl:4:"), "{error}");
        assert!(error.contains("integrity"), "{error}");
    }

    #[test]
    fn a_removed_inserted_or_moved_line_is_refused_naming_the_first_line_out_of_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        let original = lines(&path);
        let mut removed = original.clone();
        removed.remove(2);
        write_lines(&path, &removed);
        assert!(refusal(&path, None).contains("j.jsonl:3:"));

        let mut moved = original.clone();
        moved.swap(1, 2);
        write_lines(&path, &moved);
        assert!(refusal(&path, None).contains("j.jsonl:2:"));

        let mut inserted = original.clone();
        inserted.insert(5, original[4].clone());
        write_lines(&path, &inserted);
        assert!(refusal(&path, None).contains("j.jsonl:6:"));

        let mut blank = original.clone();
        blank.insert(1, String::new());
        write_lines(&path, &blank);
        assert!(refusal(&path, None).contains("j.jsonl:2:"));

        write_lines(&path, &original);
        assert!(read(&path, None).is_ok(), "the original verifies");
    }

    #[test]
    fn a_line_without_its_field_or_with_a_changed_tag_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        let original = lines(&path);
        let mut stripped = original.clone();
        let at = stripped[2].rfind(",\"integrity\"").expect("field");
        stripped[2] = format!("{}}}", &stripped[2][..at]);
        write_lines(&path, &stripped);
        let error = refusal(&path, None);
        assert!(
            error.contains("j.jsonl:3: this line has no integrity field"),
            "{error}"
        );

        let mut flipped = original.clone();
        let last = flipped[1].len() - 3;
        let digit = if &flipped[1][last..last + 1] == "0" {
            "1"
        } else {
            "0"
        };
        flipped[1].replace_range(last..last + 1, digit);
        write_lines(&path, &flipped);
        assert!(refusal(&path, None).contains("j.jsonl:2:"));
    }

    #[test]
    fn a_keyed_journal_needs_its_key_and_refuses_another() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), Some(key("the right key, 16+ bytes")));
        assert!(read(&path, Some(&key("the right key, 16+ bytes"))).is_ok());
        let wrong = refusal(&path, Some(&key("the wrong key, 16+ bytes")));
        assert!(wrong.contains("j.jsonl:1:"), "{wrong}");
        assert!(wrong.contains("the key is not the one"), "{wrong}");
        let without = refusal(&path, None);
        assert!(without.contains("--journal-key-file"), "{without}");
    }

    #[test]
    fn a_plain_journal_is_refused_when_a_key_is_given() {
        // Someone without the key could rewrite a keyed journal with the plain chain.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = journal(dir.path(), None);
        let error = refusal(&path, Some(&key("the right key, 16+ bytes")));
        assert!(error.contains("j.jsonl:1:"), "{error}");
        assert!(error.contains("not chained with the key"), "{error}");
    }

    #[test]
    fn a_journal_of_the_release_before_integrity_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"entry":"header","format":1,"tool_version":"0.1.0","created_at":"2026-01-01T00:00:00Z","profile_file":"p.yaml","profile_yaml":"level: 1"}"#,
                "\n",
                r#"{"entry":"apply","seq":1,"account_id":"123456789012","control_id":"c","step":{"action":"a","resource":"r","summary":"s","data":{}},"before":{},"at":"t"}"#,
                "\n"
            ),
        )
        .expect("write");
        let error = refusal(&path, None);
        assert!(error.contains("old.jsonl:1:"), "{error}");
        assert!(error.contains("no integrity fields"), "{error}");
    }

    #[test]
    fn keys_are_read_without_their_line_break_and_must_not_be_short() {
        let dir = tempfile::tempdir().expect("temp dir");
        let with_newline = dir.path().join("a.key");
        std::fs::write(&with_newline, "0123456789abcdef0123\n").expect("write");
        let without = dir.path().join("b.key");
        std::fs::write(&without, "0123456789abcdef0123").expect("write");
        let path = journal(
            dir.path(),
            Some(JournalKey::from_file(&with_newline).expect("key")),
        );
        let same = JournalKey::from_file(&without).expect("key");
        assert!(read(&path, Some(&same)).is_ok());
        let short = dir.path().join("short.key");
        std::fs::write(&short, "short\n").expect("write");
        let error = format!("{:#}", JournalKey::from_file(&short).expect_err("short"));
        assert!(error.contains("at least 16 bytes"), "{error}");
        assert!(
            !format!("{same:?}").contains("0123"),
            "a key is never printed"
        );
    }

    #[test]
    fn an_existing_journal_is_never_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, "keep me").expect("write");
        assert!(Journal::create(&path, "p.yaml", "", None).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
    }

    #[test]
    fn a_damaged_line_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("j.jsonl");
        Journal::create(&path, "p.yaml", "", None).expect("create");
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("{\"entry\":\"apply\",\"seq\":\n");
        std::fs::write(&path, text).expect("write");
        let error = format!("{:#}", read(&path, None).expect_err("damaged"));
        assert!(error.contains("j.jsonl:2"), "{error}");
        std::fs::write(&path, "{}\n").expect("write");
        assert!(read(&path, None).is_err(), "no header");
    }
}
