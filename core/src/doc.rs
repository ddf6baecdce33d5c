//! A control's documentation: its doc comment, with the benchmark's headings.

/// A control's documentation, written as its doc comment with the benchmark's headings:
/// `## Description`, `## Rationale`, `## Impact`, `## Audit`, `## Remediation`,
/// `## Default value`, `## References`.
#[derive(Debug, Clone, Copy)]
pub struct ControlDoc(pub &'static str);

impl ControlDoc {
    /// Headings every control must document, in the benchmark's order.
    pub const REQUIRED_SECTIONS: [&'static str; 7] = [
        "Description",
        "Rationale",
        "Impact",
        "Audit",
        "Remediation",
        "Default value",
        "References",
    ];

    /// The text under `## <heading>`, trimmed; `None` when absent or empty.
    pub fn section(&self, heading: &str) -> Option<String> {
        let mut out: Option<Vec<&str>> = None;
        for line in self.0.lines() {
            let trimmed = line.trim_start();
            if let Some(title) = trimmed.strip_prefix("## ") {
                if out.is_some() {
                    break;
                }
                if title.trim().eq_ignore_ascii_case(heading) {
                    out = Some(Vec::new());
                }
                continue;
            }
            if let Some(lines) = out.as_mut() {
                lines.push(line.strip_prefix(' ').unwrap_or(line));
            }
        }
        let text = out?.join("\n").trim().to_string();
        (!text.is_empty()).then_some(text)
    }

    /// The whole documentation, without the one space every `/// ` line begins with.
    pub fn text(&self) -> String {
        self.0
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Required headings this documentation lacks.
    pub fn missing_sections(&self) -> Vec<&'static str> {
        Self::REQUIRED_SECTIONS
            .into_iter()
            .filter(|h| self.section(h).is_none())
            .collect()
    }

    /// The documentation as users read it (`explain`, the README's catalogue): the text,
    /// with the permissions the control declares added at the end of `## Audit` (and, for a
    /// fix, of `## Remediation`), so they are written once, beside the code, and said in
    /// the documentation exactly.
    pub fn with_permissions(&self, audit: &[&str], fix: Option<&[&str]>) -> String {
        let code = |actions: &[&str]| {
            actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = Vec::new();
        let mut current: Option<String> = None;
        let close = |heading: Option<&str>, out: &mut Vec<String>| match heading {
            Some(h) if h.eq_ignore_ascii_case("Audit") && !audit.is_empty() => {
                trim_trailing_blank(out);
                out.push(String::new());
                out.push(format!("Permissions: {}.", code(audit)));
                out.push(String::new());
            }
            Some(h) if h.eq_ignore_ascii_case("Remediation") => {
                if let Some(fix) = fix.filter(|f| !f.is_empty()) {
                    trim_trailing_blank(out);
                    out.push(String::new());
                    out.push(format!(
                        "Permissions of the fix (`remediate --apply` and `rollback`, beyond \
                         the audit's): {}.",
                        code(fix)
                    ));
                    out.push(String::new());
                }
            }
            _ => {}
        };
        for line in self.text().lines() {
            if let Some(title) = line.trim_start().strip_prefix("## ") {
                close(current.as_deref(), &mut out);
                current = Some(title.trim().to_string());
            }
            out.push(line.to_string());
        }
        close(current.as_deref(), &mut out);
        trim_trailing_blank(&mut out);
        out.join("\n")
    }
}

fn trim_trailing_blank(lines: &mut Vec<String>) {
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: ControlDoc = ControlDoc(
        " ## Description\n d\n ## Audit\n Reads it.\n\n ## Remediation\n Fix it.\n ## References\n - x\n",
    );

    #[test]
    fn sections_are_read_by_heading() {
        assert_eq!(DOC.section("Audit").as_deref(), Some("Reads it."));
        assert_eq!(DOC.section("audit").as_deref(), Some("Reads it."));
        assert_eq!(DOC.section("Impact"), None);
        assert!(DOC.missing_sections().contains(&"Impact"));
    }

    #[test]
    fn permissions_are_written_into_the_audit_and_remediation_sections() {
        let text =
            DOC.with_permissions(&["iam:GetRole", "iam:ListRoles"], Some(&["iam:CreateRole"]));
        let audit = ControlDoc(Box::leak(text.clone().into_boxed_str()));
        assert_eq!(
            audit.section("Audit").as_deref(),
            Some("Reads it.\n\nPermissions: `iam:GetRole`, `iam:ListRoles`.")
        );
        assert!(audit
            .section("Remediation")
            .is_some_and(|r| r.ends_with("`iam:CreateRole`.")));
        assert!(text.ends_with("- x"), "{text}");
        let without_fix = DOC.with_permissions(&[], None);
        assert_eq!(without_fix, DOC.text().trim_end());
    }
}
