//! Progress of a many-target run on stderr: a bar on a terminal, plain lines otherwise
//! (CI logs), nothing for a single-target run.

use std::io::IsTerminal;
use std::time::Duration;

use cisrun_core::report::Totals;
use cisrun_core::TargetReport;
use indicatif::{ProgressBar, ProgressStyle};

pub enum Progress {
    /// One account, or nothing to show.
    Quiet,
    Bar(ProgressBar),
    Lines {
        done: usize,
        total: usize,
    },
}

impl Progress {
    /// Progress over `total` targets that people call `noun`s.
    pub fn new(total: usize, noun: &str) -> Self {
        if total <= 1 {
            return Self::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            eprintln!("cisrun: auditing {total} {noun}s");
            return Self::Lines { done: 0, total };
        }
        let bar = ProgressBar::new(total as u64);
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:40}} {{pos}}/{{len}} {noun}s ({{eta}} left) {{msg}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        Self::Bar(bar)
    }

    /// One target is done.
    pub fn finished(&mut self, account: &TargetReport) {
        let mut totals = Totals::default();
        for result in &account.results {
            totals.add(result.outcome.status);
        }
        let label = match &account.name {
            Some(name) => format!("{} ({name})", account.id),
            None => account.id.clone(),
        };
        match self {
            Self::Quiet => {}
            Self::Bar(bar) => {
                bar.set_message(label);
                bar.inc(1);
            }
            Self::Lines { done, total } => {
                *done += 1;
                eprintln!(
                    "cisrun: [{done}/{total}] {label}: {} pass, {} fail, {} error, {} skipped",
                    totals.pass, totals.fail, totals.error, totals.skipped
                );
            }
        }
    }

    pub fn finish(self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
