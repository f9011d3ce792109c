//! The result of a verification as people and scripts read it: one [`Report`], shown
//! as a short text block or as one JSON object, and the exit code it stands for. The
//! text block escapes what it quotes of the Dockerfile, the build and the containers
//! (`shown_text.rs`); the JSON carries it as it is.

use std::fmt::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::behaviour::{Observation, Verdict};
use super::health::Health;
use crate::ecosystem::Ecosystem;
use crate::shown_text::escaped;
use crate::transform::Decision;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Both images built and behave the same (exit 0).
    Same,
    /// The rewrite fails the check or behaves otherwise (exit 1).
    Different,
    /// The original itself fails the check, so the rewrite cannot be held to it (exit 1).
    OriginalFails,
    /// restage leaves this file alone; nothing to verify (exit 2).
    Declined,
    /// Nothing could be compared: no engine, a build failed, an unreadable file (exit 2).
    Error,
}

impl Status {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Status::Same => 0,
            Status::Different | Status::OriginalFails => 1,
            Status::Declined | Status::Error => 2,
        })
    }
}

impl From<Verdict> for Status {
    fn from(verdict: Verdict) -> Status {
        match verdict {
            Verdict::Same => Status::Same,
            Verdict::Different => Status::Different,
            Verdict::OriginalFails => Status::OriginalFails,
        }
    }
}

/// One of the two images.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Image {
    /// The final stage's base image as the Dockerfile names it.
    pub base: String,
    /// `full`, `slim`, `alpine`, `other` or `unknown` (a tag made of variables).
    pub base_variant: Option<&'static str>,
    pub tag: String,
    pub size_bytes: Option<u64>,
    pub build_seconds: Option<f64>,
    pub observation: Option<Observation>,
    /// Where the image's own HEALTHCHECK settled (none without one).
    pub health: Option<Health>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckInfo {
    /// `run`, `smoke` or `http`.
    pub kind: &'static str,
    pub description: String,
    pub expect: Option<String>,
}

/// Names of what `--keep` left behind.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Kept {
    pub images: Vec<String>,
    pub containers: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub path: String,
    pub status: Status,
    /// Why: the verdict in words, the decline reason, or the error.
    pub message: String,
    pub ecosystem: Option<Ecosystem>,
    /// The engine's version, once one answered.
    pub engine: Option<String>,
    pub original: Image,
    pub rewrite: Image,
    /// How much smaller the rewrite is, in percent of the original (negative: larger).
    pub reduction_percent: Option<f64>,
    pub check: Option<CheckInfo>,
    /// The end of a failed build's log.
    pub build_log_tail: Option<String>,
    /// What the rewrite decided, and why.
    pub decisions: Vec<Decision>,
    /// The rewritten Dockerfile that was built.
    pub dockerfile: Option<String>,
    /// Where the rewrite was written, when `--keep` kept it.
    pub kept_dockerfile: Option<String>,
    /// What `--keep` left in place.
    pub kept: Option<Kept>,
}

impl Report {
    pub fn new(path: String) -> Report {
        Report {
            path,
            status: Status::Error,
            message: String::new(),
            ecosystem: None,
            engine: None,
            original: Image::default(),
            rewrite: Image::default(),
            reduction_percent: None,
            check: None,
            build_log_tail: None,
            decisions: Vec::new(),
            dockerfile: None,
            kept_dockerfile: None,
            kept: None,
        }
    }

    pub fn finish(mut self, status: Status, message: impl Into<String>) -> Report {
        self.status = status;
        self.message = message.into();
        self
    }

    pub fn set_sizes(&mut self, original: u64, rewrite: u64) {
        self.original.size_bytes = Some(original);
        self.rewrite.size_bytes = Some(rewrite);
        if original > 0 {
            let saved = original as f64 - rewrite as f64;
            self.reduction_percent = Some((saved / original as f64 * 1000.0).round() / 10.0);
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        let ecosystem = self
            .ecosystem
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{}{ecosystem}", escaped(&self.path));
        let width = self.original.base.len().max(self.rewrite.base.len());
        for (name, image) in [("original", &self.original), ("rewrite", &self.rewrite)] {
            if image.base.is_empty() {
                continue;
            }
            let _ = write!(out, "  {name:<9} {:<width$}", image.base);
            if let Some(size) = image.size_bytes {
                let _ = write!(out, "  {:>9}", megabytes(size));
            }
            if let Some(seconds) = image.build_seconds {
                let _ = write!(out, "  built in {seconds:.1} s");
            }
            if let Some(observation) = &image.observation {
                let _ = write!(out, "  {}", observation.summary());
            }
            if let Some(health) = &image.health {
                let _ = write!(out, ", {}", health.summary());
            }
            out.push('\n');
        }
        if let (Some(percent), Some(a), Some(b)) = (
            self.reduction_percent,
            self.original.size_bytes,
            self.rewrite.size_bytes,
        ) {
            let change = if b <= a { "smaller" } else { "LARGER" };
            let _ = writeln!(
                out,
                "  {change} by {:.1}% ({})",
                percent.abs(),
                megabytes(a.abs_diff(b))
            );
        }
        if let Some(check) = &self.check {
            let expect = check
                .expect
                .as_ref()
                .map(|e| format!(", must contain {e:?}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  check     {}{expect}", check.description);
        }
        let label = match self.status {
            Status::Same => "same",
            Status::Different => "DIFFERENT",
            Status::OriginalFails => "ORIGINAL FAILS",
            Status::Declined => "declined",
            Status::Error => "error",
        };
        // A message of several lines is a located parse error: each line escaped alone.
        let message: Vec<_> = self.message.lines().map(escaped).collect();
        let _ = writeln!(out, "{label}: {}", message.join("\n"));
        if self.status != Status::Same {
            for (name, image) in [("original", &self.original), ("rewrite", &self.rewrite)] {
                if let Some(logs) = image.observation.as_ref().and_then(Observation::logs) {
                    let _ = writeln!(out, "  {name} container's last lines:");
                    for line in logs.lines() {
                        let _ = writeln!(out, "    | {}", escaped(line));
                    }
                }
            }
        }
        if let Some(tail) = &self.build_log_tail {
            let _ = writeln!(out, "  end of the build log:");
            for line in tail.lines() {
                let _ = writeln!(out, "    | {}", escaped(line));
            }
        }
        if let Some(kept) = &self.kept {
            let _ = writeln!(out, "kept images: {}", kept.images.join(" "));
            if !kept.containers.is_empty() {
                let _ = writeln!(out, "kept containers: {}", kept.containers.join(" "));
            }
        }
        if let Some(path) = &self.kept_dockerfile {
            let _ = writeln!(out, "kept the rewrite at {path}");
        }
        out
    }
}

/// Bytes as `docker images` shows them (decimal megabytes).
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_is_a_rounded_percentage() {
        let mut report = Report::new("Dockerfile".into());
        report.set_sizes(1_000_000, 312_345);
        assert_eq!(report.reduction_percent, Some(68.8));
        report.set_sizes(100, 120);
        assert_eq!(report.reduction_percent, Some(-20.0));
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        let code = |s: Status| format!("{:?}", s.exit_code());
        assert_eq!(code(Status::Same), format!("{:?}", ExitCode::from(0)));
        assert_eq!(code(Status::Different), format!("{:?}", ExitCode::from(1)));
        assert_eq!(
            code(Status::OriginalFails),
            format!("{:?}", ExitCode::from(1))
        );
        assert_eq!(code(Status::Declined), format!("{:?}", ExitCode::from(2)));
        assert_eq!(code(Status::Error), format!("{:?}", ExitCode::from(2)));
    }

    #[test]
    fn text_and_json_show_sizes_and_verdict() {
        let mut report = Report::new("app/Dockerfile".into());
        report.ecosystem = Some(Ecosystem::Python);
        report.original.base = "python:3.11".into();
        report.rewrite.base = "python:3.11-slim".into();
        report.set_sizes(516_200_000, 160_900_000);
        let report = report.finish(Status::Same, "both 200");
        let text = report.text();
        assert!(text.contains("python:3.11-slim"), "{text}");
        assert!(
            text.contains("516.2 MB") && text.contains("smaller by 68.8%"),
            "{text}"
        );
        assert!(text.ends_with("same: both 200\n"), "{text}");
        let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
        assert_eq!(json["status"], "same");
        assert_eq!(json["ecosystem"], "python");
        assert_eq!(json["original"]["size_bytes"], 516_200_000);
        assert_eq!(json["reduction_percent"], 68.8);
    }

    #[test]
    fn text_escapes_what_it_quotes_line_by_line() {
        let mut report = Report::new("evil\x1b[2J/Dockerfile".into());
        report.build_log_tail = Some("#5 RUN \x1b]0;owned\x07 x\n#6 done\n".into());
        let report = report.finish(
            Status::Declined,
            "unknown\u{202e} base\n --> D:2:1\n2 | FROM \u{9b}x",
        );
        let text = report.text();
        assert!(text.starts_with("evil\\u{1b}[2J/Dockerfile\n"), "{text}");
        assert!(
            text.contains("declined: unknown\\u{202e} base\n --> D:2:1\n2 | FROM \\u{9b}x\n"),
            "{text}"
        );
        assert!(
            text.contains("    | #5 RUN \\u{1b}]0;owned\\u{7} x\n    | #6 done\n"),
            "{text}"
        );
        assert!(
            !text.contains(['\x1b', '\x07', '\u{9b}', '\u{202e}']),
            "{text:?}"
        );
    }
}
