//! The `restage` binary: reads the command line, runs the batch, and turns each file's
//! report into output on stdout and stderr and the batch into an exit code (0 nothing to
//! change or all written, 1 `--check` found changes, 2 an error). The rewriting itself
//! is the library's; the per-file pipeline is `batch.rs`.
#![forbid(unsafe_code)]

mod apply;
mod batch;
mod cli;
mod config;
mod interrupt;
mod render;
mod shown_path;
mod walk;

use std::io::{self, IsTerminal, Read, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser};

use batch::{Mode, Report, Settings, Status, Summary};
use cli::{Cli, ColorChoice, Command, Format, ParseArgs, ParseFormat, RewriteArgs};
use config::Overrides;
use interrupt::Interrupt;
use render::Palette;
use restage::context::ContextCache;
use shown_path::ShownPath;

/// A batch shows its progress bar once it has run this long (on a terminal only).
const PROGRESS_AFTER: Duration = Duration::from_millis(800);

/// A bulk run allocates and frees many small parse nodes on two threads: mimalloc's
/// per-thread free lists make that a fraction of the system allocator's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Parse(args)) => parse(&args),
        Some(Command::Verify(args)) => restage::verify::run(&args),
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "restage", &mut out);
            finish(io::stdout().lock().write_all(&out), ExitCode::SUCCESS)
        }
        None => rewrite(&cli.rewrite),
    }
}

/// Whether to colour a stream: `--color`, then `NO_COLOR`, then whether it is a terminal.
/// An explicit `--color always` wins over `NO_COLOR`, as no-color.org asks of
/// command-line flags.
fn palette(choice: ColorChoice, is_terminal: bool) -> Palette {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let enabled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    };
    Palette { enabled }
}

fn usage_error(message: &str) -> ExitCode {
    let palette = palette(ColorChoice::Auto, io::stderr().is_terminal());
    eprintln!(
        "{} {message}",
        palette.paint(anstyle::AnsiColor::Red.on_default().bold(), "error:")
    );
    ExitCode::from(2)
}

/// Exit with `code`, unless the output failed for another reason than a closed pipe.
fn finish(written: io::Result<()>, code: ExitCode) -> ExitCode {
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write the output: {error}");
            ExitCode::from(2)
        }
        _ => code,
    }
}

fn rewrite(args: &RewriteArgs) -> ExitCode {
    let stdin_named = args
        .paths
        .iter()
        .filter(|path| path.as_os_str() == "-")
        .count();
    if stdin_named > 1 {
        return usage_error("- (stdin) can be named only once; it can be read only once");
    }
    if args.write && stdin_named > 0 {
        return usage_error(
            "--write cannot write back to stdin; use --stdout to print the rewrite",
        );
    }
    if args.stdout
        && (args.paths.len() != 1 || (args.paths[0].as_os_str() != "-" && args.paths[0].is_dir()))
    {
        return usage_error("--stdout takes exactly one file, or - for stdin");
    }
    let mode = if args.write {
        Mode::Write
    } else if args.check {
        Mode::Check
    } else if args.stdout {
        Mode::Stdout
    } else {
        Mode::Diff
    };
    let settings = Settings {
        mode,
        overrides: Overrides {
            go_final: args.go_final.clone(),
            slim: args.slim_choice(),
            ecosystem: args.ecosystem,
            serve_static: args.serve_static.then_some(true),
        },
        use_config: !args.no_config,
        diffs: mode == Mode::Diff || args.format == Format::Json,
        finder: config::Finder::default(),
        contexts: ContextCache::default(),
        // Only `--write` leaves anything behind when killed; other runs stop at once, also
        // while they wait for stdin. Where the handlers cannot be set, a signal kills.
        interrupt: match mode {
            Mode::Write => Interrupt::on_signals().unwrap_or_default(),
            _ => Interrupt::default(),
        },
    };
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, |jobs| jobs.get());
    let inputs = walk::inputs(
        &args.paths,
        walk::WalkOptions {
            hidden: args.hidden,
            no_ignore: args.no_ignore,
        },
    );

    let mut printer = Printer::new(args, mode);
    batch::run(inputs, &settings, jobs, |report| printer.report(report));
    printer.end(settings.interrupt.exit_code())
}

/// Where reports go: stdout for results, stderr for errors, notes and the summary.
struct Printer {
    mode: Mode,
    format: Format,
    explain: bool,
    quiet: bool,
    out: io::Stdout,
    out_palette: Palette,
    err_palette: Palette,
    /// Set once stdout is closed; nothing more is printed there.
    out_closed: bool,
    /// An error writing stdout other than a closed pipe.
    out_error: Option<io::Error>,
    summary: Summary,
    started: Instant,
    progress: indicatif::ProgressBar,
    progress_allowed: bool,
    progress_shown: bool,
}

impl Printer {
    fn new(args: &RewriteArgs, mode: Mode) -> Printer {
        let stderr_terminal = io::stderr().is_terminal();
        Printer {
            mode,
            format: args.format,
            explain: args.explain,
            quiet: args.quiet,
            out: io::stdout(),
            out_palette: palette(args.color, io::stdout().is_terminal()),
            err_palette: palette(args.color, stderr_terminal),
            out_closed: false,
            out_error: None,
            summary: Summary::default(),
            started: Instant::now(),
            progress: indicatif::ProgressBar::hidden(),
            progress_allowed: stderr_terminal && !args.quiet && mode != Mode::Stdout,
            progress_shown: false,
        }
    }

    fn report(&mut self, report: Report) -> ControlFlow<()> {
        self.summary.add(&report);
        self.tick();
        let (out, err) = if self.format == Format::Json {
            self.json(&report)
        } else {
            self.text(&report)
        };
        let progress = self.progress.clone();
        progress.suspend(|| {
            if !err.is_empty() {
                let _ = io::stderr().lock().write_all(err.as_bytes());
            }
            if out.is_empty() || self.out_closed {
                return;
            }
            if let Err(error) = self.out.write_all(&out).and_then(|()| self.out.flush()) {
                self.out_closed = true;
                if error.kind() != io::ErrorKind::BrokenPipe {
                    self.out_error = Some(error);
                }
            }
        });
        // Once nobody reads the output, a dry run has no reason to go on; `--write`
        // still writes every file it was asked to, and `--check` still owes the exit
        // code of every file (`restage --check --format json | head -1`).
        if self.out_closed && matches!(self.mode, Mode::Diff | Mode::Stdout) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn tick(&mut self) {
        if self.progress_allowed && !self.progress_shown && self.started.elapsed() > PROGRESS_AFTER
        {
            self.progress_shown = true;
            self.progress = indicatif::ProgressBar::new_spinner().with_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} files checked in {elapsed}",
                )
                .expect("the progress template is valid"),
            );
            self.progress.set_position(self.summary.files() as u64);
            self.progress.enable_steady_tick(Duration::from_millis(120));
        }
        self.progress.set_position(self.summary.files() as u64);
    }

    /// The stdout bytes and stderr text for a report in `--format json`.
    fn json(&self, report: &Report) -> (Vec<u8>, String) {
        if report.empty_folder {
            return (Vec::new(), self.warning(report));
        }
        let mut line = render::json_record(report);
        line.push('\n');
        let err = match report.status {
            // The record carries the error; stderr still names it for people watching.
            Status::Error => render::error_text(report, self.err_palette),
            _ => String::new(),
        };
        (line.into_bytes(), err)
    }

    /// The stdout bytes and stderr text for a report in text form.
    fn text(&self, report: &Report) -> (Vec<u8>, String) {
        if report.empty_folder {
            return (Vec::new(), self.warning(report));
        }
        let mut out = String::new();
        let mut err = String::new();
        if self.explain {
            // With --stdout, stdout is the Dockerfile alone; the explanation goes beside it.
            match self.mode {
                Mode::Stdout => err.push_str(&render::explanation(report, self.err_palette)),
                _ => out.push_str(&render::explanation(report, self.out_palette)),
            }
        }
        match report.status {
            Status::Error => err.push_str(&render::error_text(report, self.err_palette)),
            Status::Declined if !self.explain && !self.quiet => {
                err.push_str(&render::declined_note(report, self.err_palette));
            }
            Status::Rewritten => match self.mode {
                Mode::Diff => {
                    if let Some(diff) = &report.diff {
                        out.push_str(&render::paint_diff(diff, self.out_palette));
                    }
                }
                Mode::Check => out.push_str(&format!("would rewrite {}\n", report.path)),
                Mode::Write => out.push_str(&format!("rewrote {}\n", report.path)),
                Mode::Stdout => {}
            },
            _ => {}
        }
        if self.mode == Mode::Stdout {
            let bytes = report.output.clone().unwrap_or_default();
            return (bytes, err);
        }
        (out.into_bytes(), err)
    }

    fn warning(&self, report: &Report) -> String {
        if self.quiet {
            String::new()
        } else {
            render::empty_folder_warning(&report.path, self.err_palette)
        }
    }

    /// The summary and the exit code; `interrupted`: the exit code of a signal that
    /// stopped the batch, which outranks the others.
    fn end(mut self, interrupted: Option<ExitCode>) -> ExitCode {
        self.progress.finish_and_clear();
        if interrupted.is_some() {
            let note = render::interrupted_note(self.err_palette);
            let _ = io::stderr().lock().write_all(note.as_bytes());
        }
        if !self.quiet && self.mode != Mode::Stdout {
            let line =
                render::summary_line(&self.summary, self.mode == Mode::Write, self.err_palette);
            let _ = io::stderr().lock().write_all(line.as_bytes());
        }
        let code = if let Some(code) = interrupted {
            code
        } else if self.summary.errors > 0 {
            ExitCode::from(2)
        } else if self.mode == Mode::Check && self.summary.rewritten > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
        match self.out_error.take() {
            Some(error) => finish(Err(error), code),
            None => code,
        }
    }
}

/// `restage parse`: the syntax tree of one file.
fn parse(args: &ParseArgs) -> ExitCode {
    let palette = palette(ColorChoice::Auto, io::stderr().is_terminal());
    let (shown, bytes) = if args.path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        if let Err(error) = io::stdin().lock().read_to_end(&mut bytes) {
            return usage_error(&format!("cannot read stdin: {}", walk::io_message(&error)));
        }
        (ShownPath::stdin().to_string(), bytes)
    } else {
        let shown = ShownPath::new(&args.path).to_string();
        match std::fs::read(&args.path) {
            Ok(bytes) => (shown, bytes),
            Err(error) => {
                return usage_error(&format!(
                    "cannot read {shown}: {}",
                    walk::io_message(&error)
                ));
            }
        }
    };
    let dockerfile = match restage::syntax::parse_bytes(&bytes) {
        Ok(dockerfile) => dockerfile,
        Err(error) => {
            let text =
                restage::diagnostic::Diagnostic::from_parse_error(&shown, &bytes, &error).render();
            let text = match text.strip_prefix("error:") {
                Some(rest) => format!(
                    "{}{rest}",
                    palette.paint(anstyle::AnsiColor::Red.on_default().bold(), "error:")
                ),
                None => text,
            };
            eprint!("{text}");
            return ExitCode::from(2);
        }
    };
    let tree = restage::syntax::to_json(&dockerfile);
    let out = match args.format {
        ParseFormat::Json => format!("{tree}\n"),
        ParseFormat::Text => tree_as_text(&dockerfile, &tree),
    };
    finish(
        io::stdout().lock().write_all(out.as_bytes()),
        ExitCode::SUCCESS,
    )
}

/// One line per top-level item: its byte span, kind, and its first line of text.
fn tree_as_text(dockerfile: &restage::syntax::Dockerfile, tree: &serde_json::Value) -> String {
    let mut out = String::new();
    for item in tree["items"].as_array().into_iter().flatten() {
        let start = item["span"][0].as_u64().unwrap_or(0) as usize;
        let end = item["span"][1].as_u64().unwrap_or(0) as usize;
        let kind = item["kind"].as_str().unwrap_or("?");
        let text = dockerfile.text().get(start..end).unwrap_or("");
        let first = text.lines().next().unwrap_or("");
        let more = if text.trim_end().contains('\n') {
            " …"
        } else {
            ""
        };
        out.push_str(&format!(
            "{start:>6}..{end:<6} {kind:<12} {first:?}{more}\n"
        ));
    }
    out
}
