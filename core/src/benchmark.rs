//! Benchmark versions as data: one table per version, as the benchmark's authors publish it.
//!
//! A table is tab-separated text with the header
//! `number  level  assessment  section  control_id  title` and one row per recommendation,
//! implemented or not. Lines starting with `#` are comments; a line `# partial` marks a table
//! that lists only some of its version's recommendations (cisrun says so in `coverage`).
//! Numbering lives here, behaviour in the control's file: renumbering never touches a control.

use std::fmt;

use serde::Serialize;

use crate::meta::{Assessment, Level};

/// A benchmark as a plugin declares it: its id, title and each version's table text.
#[derive(Debug, Clone, Copy)]
pub struct BenchmarkSource {
    /// e.g. `cis-aws-foundations`
    pub id: &'static str,
    pub title: &'static str,
    /// The name reports such as OCSF give the standard, when not the title.
    pub short_title: Option<&'static str>,
    /// The platform whose controls it lists, e.g. `aws`.
    pub platform: &'static str,
    /// Oldest first.
    pub versions: &'static [VersionSource],
}

/// One version's table, as text (usually `include_str!` of a `.tsv` file).
#[derive(Debug, Clone, Copy)]
pub struct VersionSource {
    pub version: &'static str,
    pub table: &'static str,
}

/// One recommendation of one benchmark version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    /// e.g. `1.17`
    pub number: String,
    pub level: Level,
    /// What the benchmark says: can a program assess it?
    pub assessment: Assessment,
    /// The section number, e.g. `1` (IAM up to v5.0.0) or `2.1`.
    pub section: String,
    /// The id of the control that implements it (whether or not one is compiled in).
    pub control_id: String,
    /// The title as this version words it.
    pub title: String,
}

/// A parsed benchmark version.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: String,
    /// True when the table lists only some of the version's recommendations.
    pub partial: bool,
    /// In the table's order (the benchmark's order).
    pub recommendations: Vec<Recommendation>,
}

impl Version {
    /// The recommendation with this number.
    pub fn by_number(&self, number: &str) -> Option<&Recommendation> {
        self.recommendations.iter().find(|r| r.number == number)
    }

    /// The recommendation this control implements in this version.
    pub fn by_control(&self, control_id: &str) -> Option<&Recommendation> {
        self.recommendations
            .iter()
            .find(|r| r.control_id == control_id)
    }
}

/// A parsed benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Benchmark {
    pub id: String,
    pub title: String,
    /// The name reports such as OCSF give the standard.
    pub short_title: String,
    /// The platform whose controls it lists, e.g. `aws`.
    pub platform: String,
    /// The crate that registered it.
    pub plugin: String,
    /// Oldest first.
    pub versions: Vec<Version>,
}

impl Benchmark {
    pub fn version(&self, version: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.version == version)
    }

    pub fn version_names(&self) -> Vec<&str> {
        self.versions.iter().map(|v| v.version.as_str()).collect()
    }
}

/// A table that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("benchmark {benchmark} {version}, table line {line}: {message}")]
pub struct TableError {
    pub benchmark: String,
    pub version: String,
    pub line: usize,
    pub message: String,
}

/// The columns every table has, in order.
pub const COLUMNS: [&str; 6] = [
    "number",
    "level",
    "assessment",
    "section",
    "control_id",
    "title",
];

impl BenchmarkSource {
    /// Parses every version's table.
    pub fn parse(&self, plugin: &str) -> Result<Benchmark, TableError> {
        let versions = self
            .versions
            .iter()
            .map(|v| parse_table(self.id, v.version, v.table))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Benchmark {
            id: self.id.to_string(),
            title: self.title.to_string(),
            short_title: self.short_title.unwrap_or(self.title).to_string(),
            platform: self.platform.to_string(),
            plugin: plugin.to_string(),
            versions,
        })
    }
}

/// Parses one version's table; checks columns, levels, assessments and that numbers and
/// control ids are unique within the version.
pub fn parse_table(benchmark: &str, version: &str, text: &str) -> Result<Version, TableError> {
    let error = |line: usize, message: String| TableError {
        benchmark: benchmark.to_string(),
        version: version.to_string(),
        line,
        message,
    };
    let mut partial = false;
    let mut header_seen = false;
    let mut recommendations: Vec<Recommendation> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let row = raw.trim_end_matches('\r');
        if row.trim().is_empty() {
            continue;
        }
        if let Some(comment) = row.strip_prefix('#') {
            if comment.trim() == "partial" {
                partial = true;
            }
            continue;
        }
        let cells: Vec<&str> = row.split('\t').map(str::trim).collect();
        if !header_seen {
            if cells != COLUMNS {
                return Err(error(
                    line,
                    format!("expected the header `{}`", COLUMNS.join("<TAB>")),
                ));
            }
            header_seen = true;
            continue;
        }
        let [number, level, assessment, section, control_id, title] = cells.as_slice() else {
            return Err(error(
                line,
                format!(
                    "expected {} tab-separated cells, found {}",
                    COLUMNS.len(),
                    cells.len()
                ),
            ));
        };
        let level = match *level {
            "1" => Level::One,
            "2" => Level::Two,
            other => return Err(error(line, format!("level `{other}` is not 1 or 2"))),
        };
        let assessment = match *assessment {
            "automated" => Assessment::Automated,
            "manual" => Assessment::Manual,
            other => {
                return Err(error(
                    line,
                    format!("assessment `{other}` is not `automated` or `manual`"),
                ))
            }
        };
        let well_formed_number =
            !number.is_empty() && number.split('.').all(|p| p.parse::<u32>().is_ok());
        if !well_formed_number {
            return Err(error(line, format!("`{number}` is not a dotted number")));
        }
        let kebab = !control_id.is_empty()
            && control_id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab {
            return Err(error(
                line,
                format!("control id `{control_id}` is not kebab-case"),
            ));
        }
        if title.is_empty() {
            return Err(error(line, "the title is empty".to_string()));
        }
        if recommendations.iter().any(|r| r.number == *number) {
            return Err(error(line, format!("number {number} appears twice")));
        }
        if recommendations.iter().any(|r| r.control_id == *control_id) {
            return Err(error(
                line,
                format!("control id `{control_id}` appears twice"),
            ));
        }
        recommendations.push(Recommendation {
            number: number.to_string(),
            level,
            assessment,
            section: section.to_string(),
            control_id: control_id.to_string(),
            title: title.to_string(),
        });
    }
    if !header_seen {
        return Err(error(1, "the table is empty".to_string()));
    }
    Ok(Version {
        version: version.to_string(),
        partial,
        recommendations,
    })
}

/// Sorts dotted CIS numbers numerically: 1.2 < 1.10 < 2.1.
pub fn compare_numbers(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<u32> {
        s.split('.')
            .map(|p| p.parse().unwrap_or(u32::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

impl fmt::Display for Recommendation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.number, self.title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "number\tlevel\tassessment\tsection\tcontrol_id\ttitle\n";

    #[test]
    fn reads_rows_comments_and_the_partial_marker() {
        let text = format!(
            "# partial\n{HEADER}1.1\t1\tmanual\t1\ta-b\tFirst\n\n1.10\t2\tautomated\t1\tc-d\tTenth\n"
        );
        let version = parse_table("b", "v1", &text).expect("parses");
        assert!(version.partial);
        assert_eq!(version.recommendations.len(), 2);
        let tenth = version.by_number("1.10").expect("1.10");
        assert_eq!(tenth.level, Level::Two);
        assert_eq!(tenth.assessment, Assessment::Automated);
        assert_eq!(
            version.by_control("a-b").map(|r| r.number.as_str()),
            Some("1.1")
        );
    }

    #[test]
    fn names_the_line_of_every_mistake() {
        let cases = [
            ("1.1\t3\tmanual\t1\ta\tT", "level `3`"),
            ("1.1\t1\tsometimes\t1\ta\tT", "assessment"),
            ("x.1\t1\tmanual\t1\ta\tT", "dotted number"),
            ("1.1\t1\tmanual\t1\tA_B\tT", "kebab-case"),
            ("1.1\t1\tmanual\t1\ta", "6 tab-separated cells"),
            (
                "1.1\t1\tmanual\t1\ta\tT\n1.1\t1\tmanual\t1\tb\tT",
                "appears twice",
            ),
            (
                "1.1\t1\tmanual\t1\ta\tT\n1.2\t1\tmanual\t1\ta\tT",
                "appears twice",
            ),
        ];
        for (rows, phrase) in cases {
            let err = parse_table("b", "v1", &format!("{HEADER}{rows}\n")).unwrap_err();
            assert!(err.to_string().contains(phrase), "{rows}: {err}");
            assert!(err.line >= 2, "{err}");
        }
        assert!(parse_table("b", "v1", "").is_err());
        assert!(parse_table("b", "v1", "number\ttitle\n").is_err());
    }
}
