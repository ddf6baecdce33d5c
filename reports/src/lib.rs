//! cisrun's report formats. Each is one file: a [`ReportFormat`] and its
//! [`register_format!`]; the runner offers every registered format as an option
//! (`--junit FILE`, `--ocsf FILE`, ...) and writes each atomically.
//!
//! A format renders the run's [`RunReport`]; [`Context`] gives it what the report alone
//! does not say: the platform of each target (OCSF's cloud or device fields) and the
//! benchmark's name.

pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;

use std::io::Write;

use cisrun_core::platform::DynPlatform;
use cisrun_core::report::ReportError;
use cisrun_core::{Catalogue, RunReport, TargetReport};

/// What a format knows besides the report: the build's catalogue.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub catalogue: &'a Catalogue,
}

impl Context<'_> {
    /// The platform of `target`: by its kind, or (reports written before targets had kinds)
    /// the platform of the report's benchmark.
    pub fn platform_of(
        &self,
        report: &RunReport,
        target: &TargetReport,
    ) -> Option<&'static dyn DynPlatform> {
        self.catalogue.platform_of_kind(&target.kind).or_else(|| {
            self.catalogue
                .benchmark(&report.run.benchmark)
                .and_then(|b| self.catalogue.platform(&b.platform))
        })
    }

    /// The name reports give a benchmark's standard, e.g. `CIS AWS Foundations Benchmark`.
    pub fn standard_name(&self, benchmark: &str) -> String {
        self.catalogue
            .benchmark(benchmark)
            .map_or_else(|| benchmark.to_string(), |b| b.short_title.clone())
    }

    /// What people call a target of this report (`account`, `host`), for prose.
    pub fn target_noun(&self, report: &RunReport) -> &'static str {
        report
            .targets
            .first()
            .and_then(|t| self.platform_of(report, t))
            .or_else(|| {
                self.catalogue
                    .benchmark(&report.run.benchmark)
                    .and_then(|b| self.catalogue.platform(&b.platform))
            })
            .map_or("target", |p| p.target_noun())
    }
}

/// A report format.
pub trait ReportFormat: Sync {
    /// Its name, which is also its option: `junit` is `--junit FILE`.
    fn name(&self) -> &'static str;
    /// The option's help text.
    fn help(&self) -> &'static str;
    /// What it is, for logs: `JUnit report`.
    fn what(&self) -> &'static str;
    /// Writes `report` in this format.
    fn write(
        &self,
        report: &RunReport,
        context: &Context<'_>,
        out: &mut dyn Write,
    ) -> Result<(), ReportError>;
}

/// What [`register_format!`] submits.
pub struct FormatRegistration {
    pub format: &'static dyn ReportFormat,
    /// Where the format comes in `--help` (lower first).
    pub order: u16,
}

cisrun_core::registry::__private::inventory::collect!(FormatRegistration);

/// Registers a format: `register_format!(JunitFormat, 10);`.
#[macro_export]
macro_rules! register_format {
    ($format:expr, $order:expr) => {
        cisrun_core::registry::__private::inventory::submit! {
            $crate::FormatRegistration { format: &$format, order: $order }
        }
    };
}

/// Every registered format, in `--help` order.
pub fn formats() -> Vec<&'static dyn ReportFormat> {
    let mut all: Vec<&FormatRegistration> =
        cisrun_core::registry::__private::inventory::iter::<FormatRegistration>
            .into_iter()
            .collect();
    all.sort_by_key(|r| (r.order, r.format.name()));
    all.into_iter().map(|r| r.format).collect()
}

/// The format named `name`.
pub fn format(name: &str) -> Option<&'static dyn ReportFormat> {
    formats().into_iter().find(|f| f.name() == name)
}

/// Renders `report` in `format` into memory.
pub fn render(
    format: &dyn ReportFormat,
    report: &RunReport,
    context: &Context<'_>,
) -> Result<Vec<u8>, ReportError> {
    let mut out = Vec::new();
    format.write(report, context, &mut out)?;
    Ok(out)
}

/// An io error while writing `format`'s report.
pub(crate) fn io_error(format: &str, error: std::io::Error) -> ReportError {
    ReportError::Render {
        format: format.to_string(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_built_in_format_is_registered_in_order() {
        let names: Vec<&str> = super::formats().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["junit", "json", "markdown", "html", "ocsf"]);
    }
}
