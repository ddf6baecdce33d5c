//! The HTML report (`--html`): one self-contained file, no network and no external assets.
//! An accounts × recommendations matrix coloured by outcome, filters by status, level,
//! section and (against a baseline) change, and each cell's evidence on click.
//!
//! The data is embedded once as JSON (`<script type="application/json">`, with `<`, `>`,
//! `&` and the JavaScript line separators escaped so no text can close the element) and a
//! small inline script renders it, so a 1,000 × 60 report stays a few megabytes and opens
//! in a moment. Every text reaches the page through `textContent` or an escaping function.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use cisrun_core::outcome::Status;
use cisrun_core::report::{capped, RunReport};
use cisrun_core::Change;

/// Text safe inside HTML element content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON text safe inside a `<script>` element: nothing in it can end the element or start
/// a comment, and it stays valid JSON (the escapes are JSON escapes).
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn status_code(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Skipped => "skipped",
    }
}

fn change_code(change: Option<Change>) -> Value {
    change.map_or(Value::Null, |c| Value::from(c.as_str()))
}

/// Repeated texts (messages, evidence) stored once, each cut at the reports' text cap;
/// results refer to them by index.
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: std::collections::HashMap<String, usize>,
}

impl Strings {
    fn id(&mut self, text: &str) -> usize {
        let text = capped(text);
        let text = text.as_ref();
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        self.list.push(text.to_string());
        self.index.insert(text.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// The data the page renders: recommendations as columns (in CIS order), accounts as rows,
/// each result as `[column, status, change, message, evidence, notes]` where texts (the
/// message, each evidence's resource and detail, each note) are indexes into `strings`.
pub fn data(report: &RunReport) -> Value {
    let mut strings = Strings::default();
    let mut columns: BTreeMap<(String, String), (String, u8, String)> = BTreeMap::new();
    for result in report.targets.iter().flat_map(|a| &a.results) {
        columns
            .entry((result.number.clone(), result.control_id.clone()))
            .or_insert_with(|| (result.title.clone(), result.level, result.section.clone()));
    }
    let mut keys: Vec<(String, String)> = columns.keys().cloned().collect();
    keys.sort_by(|a, b| {
        cisrun_core::benchmark::compare_numbers(&a.0, &b.0).then_with(|| a.1.cmp(&b.1))
    });
    let index: BTreeMap<&(String, String), usize> =
        keys.iter().enumerate().map(|(i, k)| (k, i)).collect();
    let controls: Vec<Value> = keys
        .iter()
        .map(|k| {
            let (title, level, section) = &columns[k];
            json!([k.0, title, level, section, k.1])
        })
        .collect();
    let accounts: Vec<Value> = report
        .targets
        .iter()
        .map(|account| {
            let results: Vec<Value> = account
                .results
                .iter()
                .map(|r| {
                    let column = index
                        .get(&(r.number.clone(), r.control_id.clone()))
                        .copied()
                        .unwrap_or(0);
                    let evidence: Vec<Value> = r
                        .outcome
                        .evidence
                        .iter()
                        .map(|e| {
                            json!([
                                strings.id(&e.resource),
                                strings.id(&e.scoped_detail()),
                                change_code(e.change)
                            ])
                        })
                        .collect();
                    let notes: Vec<usize> = r.outcome.notes.iter().map(|n| strings.id(n)).collect();
                    json!([
                        column,
                        status_code(r.outcome.status),
                        change_code(r.change),
                        strings.id(&r.outcome.message),
                        evidence,
                        notes
                    ])
                })
                .collect();
            json!([
                capped(&account.id),
                account.name.as_deref().map(capped),
                results
            ])
        })
        .collect();
    let totals = report.totals();
    json!({
        "run": report.run,
        "totals": {"pass": totals.pass, "fail": totals.fail, "error": totals.error, "skipped": totals.skipped},
        "baseline": report.baseline.as_ref().map(|c| json!({
            "started_at": c.baseline_started_at,
            "new_failures": c.new_failures,
            "new_errors": c.new_errors,
            "results": c.results,
            "resources": c.resources,
            "fixed": c.fixed.len(),
        })),
        "controls": controls,
        "accounts": accounts,
        "strings": strings.list,
    })
}

/// The HTML report.
pub struct HtmlFormat;

impl crate::ReportFormat for HtmlFormat {
    fn name(&self) -> &'static str {
        "html"
    }
    fn help(&self) -> &'static str {
        "Write a self-contained HTML report here (`-`: standard output)."
    }
    fn what(&self) -> &'static str {
        "HTML report"
    }
    fn write(
        &self,
        report: &RunReport,
        _: &crate::Context<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), cisrun_core::report::ReportError> {
        out.write_all(render(report).as_bytes())
            .map_err(|e| crate::io_error("html", e))
    }
}

crate::register_format!(HtmlFormat, 40);

pub fn render(report: &RunReport) -> String {
    let run = &report.run;
    let title = format!(
        "cisrun {}: {} ({} {}, Level {})",
        run.command, run.profile, run.benchmark, run.version, run.level
    );
    // One pass over the template: a title or a text in the data that reads `__DATA__` or
    // `__TITLE__` stays text.
    let title = escape(&capped(&title));
    let data = script_json(&data(report));
    let mut page = String::with_capacity(TEMPLATE.len() + data.len() + 2 * title.len());
    let mut rest = TEMPLATE;
    while let Some(at) = rest.find("__") {
        page.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("__TITLE__") {
            page.push_str(&title);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("__DATA__") {
            page.push_str(&data);
            rest = after;
        } else {
            page.push_str("__");
            rest = &tail[2..];
        }
    }
    page.push_str(rest);
    page
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:12px 16px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
h1{font-size:18px;margin:0 0 6px}
.totals span{display:inline-block;margin-right:12px;font-weight:600}
.filters{padding:8px 16px;border-bottom:1px solid #d0d7de;display:flex;flex-wrap:wrap;gap:14px;align-items:center}
.filters label{white-space:nowrap}
main{display:flex;align-items:flex-start}
#wrap{overflow:auto;max-height:calc(100vh - 140px);flex:1}
table{border-collapse:separate;border-spacing:0}
th,td{border-right:1px solid #eaeef2;border-bottom:1px solid #eaeef2;padding:0;text-align:center}
thead th{position:sticky;top:0;background:#f6f8fa;z-index:2;font-size:11px;padding:2px 3px;writing-mode:vertical-rl;transform:rotate(180deg);height:48px}
th.acct{position:sticky;left:0;background:#fff;z-index:1;text-align:left;padding:0 8px;font-weight:500;white-space:nowrap;writing-mode:horizontal-tb;transform:none}
thead th.acct{z-index:3;background:#f6f8fa}
td{width:22px;height:20px;min-width:22px;cursor:pointer;font-size:11px}
td.pass{background:#2da44e}td.fail{background:#cf222e;color:#fff}td.error{background:#bf8700;color:#fff}td.skipped{background:#d0d7de}
td.dim{background:#fff;cursor:default}td.none{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#f0f0f0 3px,#f0f0f0 6px);cursor:default}
td.sel{outline:2px solid #0969da;outline-offset:-2px}
#detail{width:380px;padding:12px 16px;border-left:1px solid #d0d7de;max-height:calc(100vh - 140px);overflow:auto;word-break:break-word}
#detail h2{font-size:15px;margin:0 0 6px}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:600;color:#fff}
.b-pass{background:#2da44e}.b-fail{background:#cf222e}.b-error{background:#bf8700}.b-skipped{background:#6e7781}.b-new{background:#8250df}.b-fixed{background:#1a7f37}.b-unchanged{background:#6e7781}
#detail ul{padding-left:18px}
.muted{color:#656d76}
.legend .k{display:inline-block;width:14px;height:14px;margin:0 3px 0 8px;vertical-align:middle;font-style:normal;font-size:10px;text-align:center;line-height:14px;color:#fff}
.k.pass{background:#2da44e}.k.fail,.k.new{background:#cf222e}.k.error{background:#bf8700}.k.skipped{background:#d0d7de}.k.none{background:repeating-linear-gradient(45deg,#fff,#fff 3px,#ccc 3px,#ccc 6px)}
</style>
</head>
<body>
<header>
<h1 id="title">__TITLE__</h1>
<div class="totals" id="totals"></div>
<div class="muted" id="baseline"></div>
</header>
<div class="filters">
<span>Status:
<label><input type="checkbox" id="f-fail" value="fail" checked> fail</label>
<label><input type="checkbox" id="f-error" value="error" checked> error</label>
<label><input type="checkbox" id="f-pass" value="pass" checked> pass</label>
<label><input type="checkbox" id="f-skipped" value="skipped" checked> skipped</label>
</span>
<label>Level <select id="f-level"><option value="">all</option></select></label>
<label>Section <select id="f-section"><option value="">all</option></select></label>
<label id="f-new-label" hidden><input type="checkbox" id="f-new"> new only</label>
<label>Account <input type="search" id="f-account" placeholder="id or name" size="16"></label>
<label><input type="checkbox" id="f-hide-clean"> hide rows with nothing shown</label>
<span class="legend"><i class="k pass"></i>pass <i class="k fail">✗</i>fail <i class="k error">!</i>error <i class="k skipped"></i>skipped <i class="k new">★</i>new <i class="k none"></i>not run</span>
<span id="shown" class="muted"></span>
</div>
<main>
<div id="wrap"><table id="matrix"></table></div>
<aside id="detail"><p class="muted">Click a cell for its evidence.</p></aside>
</main>
<script type="application/json" id="cisrun-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("cisrun-data").textContent);
  var S = D.strings;
  var $ = function (id) { return document.getElementById(id); };
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c];
    });
  }
  var SYMBOL = {pass: "", fail: "\u2717", error: "!", skipped: ""};
  var totals = D.totals;
  $("totals").innerHTML = ["fail", "error", "pass", "skipped"].map(function (s) {
    return '<span id="total-' + s + '" data-count="' + totals[s] + '">' + totals[s] + " " + s + "</span>";
  }).join("") + '<span id="total-accounts" data-count="' + D.accounts.length + '">' + D.accounts.length + " account(s)</span>";
  if (D.baseline) {
    var b = D.baseline;
    $("baseline").textContent = "Against the baseline of " + b.started_at + ": " + b.new_failures +
      " new failure(s), " + b.new_errors + " new error(s); results " + b.results.new + " new, " +
      b.results.unchanged + " unchanged, " + b.results.fixed + " fixed; resources " + b.resources.new +
      " new, " + b.resources.unchanged + " unchanged, " + b.resources.fixed + " fixed.";
    $("f-new-label").hidden = false;
  }
  var levels = {}, sections = {};
  D.controls.forEach(function (c) { levels[c[2]] = 1; sections[c[3]] = 1; });
  Object.keys(levels).sort().forEach(function (l) {
    var o = document.createElement("option"); o.value = l; o.textContent = "Level " + l; $("f-level").appendChild(o);
  });
  Object.keys(sections).sort(function (a, b) { return a.localeCompare(b, undefined, {numeric: true}); }).forEach(function (s) {
    var o = document.createElement("option"); o.value = s; o.textContent = s; $("f-section").appendChild(o);
  });
  // Each account's results by column.
  var grid = D.accounts.map(function (a) {
    var row = new Array(D.controls.length);
    a[2].forEach(function (r) { row[r[0]] = r; });
    return row;
  });
  var selected = null;
  function render() {
    var want = {};
    ["fail", "error", "pass", "skipped"].forEach(function (s) { want[s] = $("f-" + s).checked; });
    var level = $("f-level").value, section = $("f-section").value;
    var onlyNew = $("f-new").checked, hideClean = $("f-hide-clean").checked;
    var query = $("f-account").value.trim().toLowerCase();
    var cols = [];
    D.controls.forEach(function (c, i) {
      if ((level === "" || String(c[2]) === level) && (section === "" || c[3] === section)) cols.push(i);
    });
    var head = '<thead><tr><th class="acct">Account</th>' + cols.map(function (i) {
      var c = D.controls[i];
      return '<th title="' + esc(c[0] + " " + c[1] + " (Level " + c[2] + ")") + '">' + esc(c[0]) + "</th>";
    }).join("") + "</tr></thead>";
    var rows = [], counts = {pass: 0, fail: 0, error: 0, skipped: 0}, cells = 0, shownAccounts = 0;
    D.accounts.forEach(function (a, ai) {
      if (query && (a[0] + " " + (a[1] || "")).toLowerCase().indexOf(query) < 0) return;
      var html = "", shown = 0;
      cols.forEach(function (ci) {
        var r = grid[ai][ci];
        if (!r) { html += '<td class="none" title="not run"></td>'; return; }
        var visible = want[r[1]] && (!onlyNew || r[2] === "new");
        if (!visible) { html += '<td class="dim"></td>'; return; }
        shown++; counts[r[1]]++;
        var sel = selected && selected[0] === ai && selected[1] === ci ? " sel" : "";
        html += '<td class="' + r[1] + sel + '" data-a="' + ai + '" data-c="' + ci + '" title="' +
          esc(D.controls[ci][0] + " " + r[1] + (r[2] ? " (" + r[2] + ")" : "")) + '">' +
          (r[2] === "new" ? "\u2605" : SYMBOL[r[1]]) + "</td>";
      });
      if (hideClean && shown === 0) return;
      shownAccounts++; cells += shown;
      rows.push('<tr><th class="acct">' + esc(a[0]) + (a[1] ? ' <span class="muted">' + esc(a[1]) + "</span>" : "") + "</th>" + html + "</tr>");
    });
    $("matrix").innerHTML = head + "<tbody>" + rows.join("") + "</tbody>";
    var shownEl = $("shown");
    shownEl.dataset.accounts = shownAccounts; shownEl.dataset.controls = cols.length; shownEl.dataset.cells = cells;
    ["pass", "fail", "error", "skipped"].forEach(function (s) { shownEl.dataset[s] = counts[s]; });
    shownEl.textContent = "Showing " + shownAccounts + " account(s) \u00d7 " + cols.length + " recommendation(s): " +
      counts.fail + " fail, " + counts.error + " error, " + counts.pass + " pass, " + counts.skipped + " skipped";
  }
  function show(ai, ci) {
    var a = D.accounts[ai], c = D.controls[ci], r = grid[ai][ci];
    if (!r) return;
    selected = [ai, ci];
    var prev = document.querySelector("td.sel"); if (prev) prev.classList.remove("sel");
    var cell = document.querySelector('td[data-a="' + ai + '"][data-c="' + ci + '"]'); if (cell) cell.classList.add("sel");
    var h = "<h2>" + esc(c[0] + " " + c[1]) + "</h2>" +
      '<p><span class="badge b-' + r[1] + '">' + esc(r[1]) + "</span> " +
      (r[2] ? '<span class="badge b-' + esc(r[2]) + '">' + esc(r[2]) + "</span> " : "") +
      '<span class="muted">Level ' + esc(c[2]) + ", section " + esc(c[3]) + ", " + esc(c[4]) + "</span></p>" +
      '<p class="muted">Account ' + esc(a[0]) + (a[1] ? " (" + esc(a[1]) + ")" : "") + "</p>" +
      '<p id="detail-message">' + esc(S[r[3]]) + "</p>";
    if (r[4].length) {
      h += "<h3>Evidence</h3><ul id=\"detail-evidence\">" + r[4].map(function (e) {
        return "<li><code>" + esc(S[e[0]]) + "</code>: " + esc(S[e[1]]) + (e[2] ? ' <span class="badge b-' + esc(e[2]) + '">' + esc(e[2]) + "</span>" : "") + "</li>";
      }).join("") + "</ul>";
    }
    if (r[5].length) {
      h += "<h3>Notes</h3><ul>" + r[5].map(function (n) { return "<li>" + esc(S[n]) + "</li>"; }).join("") + "</ul>";
    }
    $("detail").innerHTML = h;
  }
  $("matrix").addEventListener("click", function (ev) {
    var td = ev.target.closest("td[data-a]");
    if (td) show(Number(td.dataset.a), Number(td.dataset.c));
  });
  ["f-fail", "f-error", "f-pass", "f-skipped", "f-level", "f-section", "f-new", "f-hide-clean"].forEach(function (id) {
    $(id).addEventListener("change", render);
  });
  $("f-account").addEventListener("input", render);
  // A fragment like #status=fail&level=1&section=1&new=1&cell=0,3 presets the view.
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has("status")) {
    var keep = params.get("status").split(",");
    ["fail", "error", "pass", "skipped"].forEach(function (s) { $("f-" + s).checked = keep.indexOf(s) >= 0; });
  }
  if (params.has("level")) $("f-level").value = params.get("level");
  if (params.has("section")) $("f-section").value = params.get("section");
  if (params.get("new") === "1") $("f-new").checked = true;
  render();
  if (params.has("cell")) {
    var at = params.get("cell").split(",").map(Number);
    show(at[0], at[1]);
  }
  document.body.dataset.rendered = "1";
  // Milliseconds from navigation start to the first full render (tests report it).
  document.body.dataset.renderMs = String(Math.round(performance.now()));
})();
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_can_close_the_data_element() {
        let mut report = crate::markdown::tests::big_report(1, 2);
        report.targets[0].name = Some("</script><script>alert(1)</script>".into());
        report.targets[0].results[0].outcome.message = "<!-- \u{2028} & ".into();
        let page = render(&report);
        let data_start = page.find("id=\"cisrun-data\">").expect("data element");
        let data_end = data_start + page[data_start..].find("</script>").expect("end");
        let data = &page[data_start + "id=\"cisrun-data\">".len()..data_end];
        assert!(!data.contains('<') && !data.contains('>'), "{data}");
        let parsed: Value = serde_json::from_str(data).expect("still JSON");
        assert_eq!(
            parsed["accounts"][0][1],
            "</script><script>alert(1)</script>"
        );
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no network"
        );
    }

    #[test]
    fn a_thousand_accounts_by_sixty_controls_stay_a_few_megabytes() {
        let report = crate::markdown::tests::big_report(1000, 60);
        let page = render(&report);
        assert!(page.len() < 40 * 1024 * 1024, "{} bytes", page.len());
    }
}
