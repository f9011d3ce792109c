//! How a file's result is shown: the unified diff (`similar`, with `a/<path>` and
//! `b/<path>` headers, so `git apply` takes it), its colours, the `--explain` text, the
//! one-line notes and the JSON record of `--format json`. Pure functions from a
//! [`Report`] to text; where the text goes is `main.rs`'s business. Reasons, decisions
//! and messages quote the Dockerfile: the text for people shows them escaped
//! ([`escaped`]), the diff and the JSON as they are.

use std::borrow::Cow;
use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use restage::ecosystem::Ecosystem;
use restage::shown_text::escaped;
use restage::transform::Decision;
use serde::Serialize;

use crate::batch::{Report, Status, Summary};
use crate::shown_path::ShownPath;

/// Colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub enabled: bool,
}

const BOLD: Style = Style::new().bold();
const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();

impl Palette {
    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// The unified diff between two versions of `path`, or `None` when they are equal. Its
/// headers are `a/<path>` and `b/<path>` as git writes them ([`ShownPath::in_diff`]).
pub fn unified_diff(path: &ShownPath, old: &str, new: &str) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&path.in_diff("a/"), &path.in_diff("b/"))
        .to_string();
    Some(text)
}

/// A diff with its header, hunk, removed and added lines coloured.
pub fn paint_diff(diff: &str, palette: Palette) -> String {
    if !palette.enabled {
        return diff.to_owned();
    }
    diff.split_inclusive('\n')
        .map(|line| {
            let (body, end) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            let style = if body.starts_with("---") || body.starts_with("+++") {
                BOLD
            } else if body.starts_with("@@") {
                CYAN
            } else if body.starts_with('-') {
                RED
            } else if body.starts_with('+') {
                GREEN
            } else {
                return line.to_owned();
            };
            format!("{}{end}", palette.paint(style, body))
        })
        .collect()
}

/// The `--explain` text: what happened to the file, and each decision with its reason.
pub fn explanation(report: &Report, palette: Palette) -> String {
    let mut out = String::new();
    let ecosystem = report
        .ecosystem
        .map(|ecosystem| format!(" ({ecosystem})"))
        .unwrap_or_default();
    let status = match report.status {
        Status::Rewritten if report.written => "rewritten",
        Status::Rewritten => "would be rewritten",
        Status::Unchanged => "unchanged",
        Status::Declined => "declined",
        Status::Error => "error",
    };
    let _ = writeln!(
        out,
        "{}",
        palette.paint(BOLD, &format!("{}: {status}{ecosystem}", report.path))
    );
    if let Some(reason) = &report.reason {
        let _ = writeln!(out, "  {}", escaped(reason));
    }
    for decision in &report.decisions {
        let _ = writeln!(out, "  - {}", escaped(&decision.what));
        let _ = writeln!(
            out,
            "    {}",
            palette.paint(DIM, &format!("why: {}", escaped(&decision.why)))
        );
    }
    out
}

/// The stderr line about a file restage left alone (without `--explain`).
pub fn declined_note(report: &Report, palette: Palette) -> String {
    format!(
        "{}: {}: {}\n",
        palette.paint(YELLOW, "declined"),
        report.path,
        escaped(report.reason.as_deref().unwrap_or("no reason given"))
    )
}

/// The warning for a folder with no Dockerfile in it.
pub fn empty_folder_warning(path: &ShownPath, palette: Palette) -> String {
    format!(
        "{}: no Dockerfile found in {path}\n",
        palette.paint(YELLOW, "warning")
    )
}

/// The stderr line of a batch a signal stopped, before the summary.
pub fn interrupted_note(palette: Palette) -> String {
    format!(
        "{}: interrupted; the files not yet started are as they were\n",
        palette.paint(YELLOW, "warning")
    )
}

/// An error as shown on stderr: the located rustc-style text, or `error: message`.
pub fn error_text(report: &Report, palette: Palette) -> String {
    let Some(error) = &report.error else {
        return String::new();
    };
    let text = error
        .rendered
        .clone()
        .unwrap_or_else(|| format!("error: {}\n", escaped(&error.message)));
    match text.strip_prefix("error:") {
        Some(rest) => format!("{}{rest}", palette.paint(ERROR, "error:")),
        None => text,
    }
}

/// The JSON record of a file (`--format json`), fields in schema order.
#[derive(Serialize)]
struct Record<'a> {
    path: Cow<'a, str>,
    /// The name's bytes where it is not UTF-8, which `path` then cannot hold.
    path_bytes: Option<&'a [u8]>,
    status: &'static str,
    ecosystem: Option<Ecosystem>,
    decisions: &'a [Decision],
    reason: Option<&'a str>,
    diff: Option<&'a str>,
    written: bool,
    #[serde(flatten)]
    error: Option<ErrorFields<'a>>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

/// The JSON record of a file: one line, no trailing newline.
pub fn json_record(report: &Report) -> String {
    let record = Record {
        path: report.path.lossy(),
        path_bytes: (!report.path.is_utf8()).then(|| report.path.bytes()),
        status: report.status.as_str(),
        ecosystem: report.ecosystem,
        decisions: &report.decisions,
        reason: report.reason.as_deref(),
        diff: report.diff.as_deref(),
        written: report.written,
        error: report.error.as_ref().map(|error| ErrorFields {
            line: error.line,
            column: error.column,
            message: &error.message,
        }),
    };
    serde_json::to_string(&record).expect("a record is always serializable")
}

/// The summary line: `12 rewritten, 40 unchanged, 3 declined, 1 error`.
pub fn summary_line(summary: &Summary, written: bool, palette: Palette) -> String {
    let rewritten = if written {
        "rewritten"
    } else {
        "would be rewritten"
    };
    let errors = match summary.errors {
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    };
    let errors = if summary.errors > 0 {
        palette.paint(ERROR, &errors)
    } else {
        errors
    };
    format!(
        "{} {rewritten}, {} unchanged, {} declined, {errors}\n",
        summary.rewritten, summary.unchanged, summary.declined
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_git_style_headers_and_keeps_crlf() {
        let shown = |path: &str| ShownPath::new(std::path::Path::new(path));
        let diff = unified_diff(
            &shown("app/Dockerfile"),
            "FROM a\r\nRUN x\r\n",
            "FROM b\r\nRUN x\r\n",
        )
        .unwrap();
        assert!(
            diff.starts_with("--- a/app/Dockerfile\n+++ b/app/Dockerfile\n@@ -1,2 +1,2 @@\n"),
            "{diff}"
        );
        assert!(
            diff.contains("-FROM a\r\n+FROM b\r\n RUN x\r\n"),
            "{diff:?}"
        );
        assert_eq!(unified_diff(&shown("D"), "same", "same"), None);
        let absolute = unified_diff(&shown("/tmp/x/Dockerfile"), "FROM a\n", "FROM b\n").unwrap();
        assert!(
            absolute.starts_with("--- a/tmp/x/Dockerfile\n+++ b/tmp/x/Dockerfile\n"),
            "{absolute}"
        );
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        let diff = unified_diff(
            &ShownPath::new(std::path::Path::new("D")),
            "FROM a",
            "FROM b\n",
        )
        .unwrap();
        assert!(diff.contains("\\ No newline at end of file"), "{diff}");
    }

    #[test]
    fn colours_only_when_enabled() {
        let diff = "--- a/D\n+++ b/D\n@@ -1 +1 @@\n-x\n+y\n";
        assert_eq!(paint_diff(diff, Palette { enabled: false }), diff);
        let painted = paint_diff(diff, Palette { enabled: true });
        assert!(painted.contains("\x1b[31m-x\x1b[0m\n"), "{painted:?}");
        assert!(painted.contains("\x1b[32m+y\x1b[0m\n"), "{painted:?}");
    }
}
