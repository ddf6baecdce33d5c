//! The JSON report: the run's [`RunReport`] as it is, the one report every other one can be
//! made from again (`cisrun merge`, `cisrun diff`, `--baseline`).

use std::io::Write;

use cisrun_core::report::ReportError;
use cisrun_core::RunReport;

use crate::{io_error, Context, ReportFormat};

pub struct JsonFormat;

impl ReportFormat for JsonFormat {
    fn name(&self) -> &'static str {
        "json"
    }
    fn help(&self) -> &'static str {
        "Write the JSON report here (`-`: standard output)."
    }
    fn what(&self) -> &'static str {
        "JSON report"
    }
    fn write(
        &self,
        report: &RunReport,
        _: &Context<'_>,
        out: &mut dyn Write,
    ) -> Result<(), ReportError> {
        serde_json::to_writer_pretty(&mut *out, report).map_err(|e| ReportError::Render {
            format: "json".to_string(),
            message: e.to_string(),
        })?;
        out.write_all(b"\n").map_err(|e| io_error("json", e))
    }
}

crate::register_format!(JsonFormat, 20);
