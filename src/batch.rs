//! The per-file pipeline and the batch around it. One file goes read → parse → options
//! (`restage.toml` and the command line) → build context → rewrite → diff → (with
//! `--write`) apply, and ends as a [`Report`], whatever happened: a failure is part of
//! that file's report and never stops the others.
//!
//! Files are processed on worker threads and reported in discovery order. At most
//! `window` files are between discovery and output at any time, so memory stays flat
//! however many files a batch has.
//!
//! The status of a file that parses:
//! - `rewritten`: restage made a multistage rewrite (shown, checked or written);
//! - `unchanged`: the file is already multistage (restage's own output included):
//!   it is in the shape restage produces, and there is nothing to do;
//! - `declined`: a single-stage file restage chose not to rewrite (no recognised
//!   ecosystem, not an app, something it is not sure about), with the reason.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::Scope;

use restage::context::{BuildContext, ContextCache};
use restage::diagnostic::Diagnostic;
use restage::ecosystem::Ecosystem;
use restage::syntax::{self, ParseError};
use restage::transform::{self, Decision, Outcome};

use crate::apply;
use crate::config::{ConfigError, Finder, Overrides};
use crate::interrupt::Interrupt;
use crate::render;
use crate::shown_path::ShownPath;
use crate::walk::{Input, io_message};

/// What the run does with a rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Diff,
    Check,
    Write,
    Stdout,
}

#[derive(Debug)]
pub struct Settings {
    pub mode: Mode,
    pub overrides: Overrides,
    pub use_config: bool,
    /// Whether the output shows diffs (the text diff mode, JSON records); a run that
    /// does not show them does not make them.
    pub diffs: bool,
    pub finder: Finder,
    /// Build contexts shared by the files of a folder.
    pub contexts: ContextCache,
    /// Set by a signal: the batch starts no more files.
    pub interrupt: Interrupt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Rewritten,
    Unchanged,
    Declined,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Rewritten => "rewritten",
            Status::Unchanged => "unchanged",
            Status::Declined => "declined",
            Status::Error => "error",
        }
    }
}

/// Why a file failed, placed where possible.
#[derive(Clone, Debug)]
pub struct FileError {
    pub message: String,
    /// 1-based, in the Dockerfile; `None` when the error is not at a place in it.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The rustc-style text with the line and a caret, when there is a place to show.
    pub rendered: Option<String>,
}

/// Everything about one file's run.
#[derive(Clone, Debug)]
pub struct Report {
    /// The path as given or found (`./` dropped), or `<stdin>`.
    pub path: ShownPath,
    pub status: Status,
    pub ecosystem: Option<Ecosystem>,
    pub decisions: Vec<Decision>,
    /// Why a file is unchanged or declined.
    pub reason: Option<String>,
    pub diff: Option<String>,
    /// With `--stdout`: the bytes to print (the rewrite, or the original when declined).
    pub output: Option<Vec<u8>>,
    pub written: bool,
    pub error: Option<FileError>,
    /// An `EmptyFolder` input: a warning, not a file.
    pub empty_folder: bool,
}

impl Report {
    fn new(path: ShownPath, status: Status) -> Report {
        Report {
            path,
            status,
            ecosystem: None,
            decisions: Vec::new(),
            reason: None,
            diff: None,
            output: None,
            written: false,
            error: None,
            empty_folder: false,
        }
    }

    fn failed(path: ShownPath, message: String) -> Report {
        Report {
            error: Some(FileError {
                message,
                line: None,
                column: None,
                rendered: None,
            }),
            ..Report::new(path, Status::Error)
        }
    }
}

/// Counts of the files by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub rewritten: usize,
    pub unchanged: usize,
    pub declined: usize,
    pub errors: usize,
}

impl Summary {
    pub fn add(&mut self, report: &Report) {
        if report.empty_folder {
            return;
        }
        match report.status {
            Status::Rewritten => self.rewritten += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Declined => self.declined += 1,
            Status::Error => self.errors += 1,
        }
    }

    pub fn files(&self) -> usize {
        self.rewritten + self.unchanged + self.declined + self.errors
    }
}

/// `path` relative to the current folder when it is under it.
fn relative_to_cwd(path: &Path) -> &Path {
    match std::env::current_dir() {
        Ok(cwd) => path.strip_prefix(cwd).unwrap_or(path),
        Err(_) => path,
    }
}

/// Runs one input to its report.
pub fn process(input: Input, settings: &Settings) -> Report {
    match input {
        Input::Missing { path, message } => {
            let shown = ShownPath::new(&path);
            let message = format!("{shown}: {message}");
            Report::failed(shown, message)
        }
        Input::EmptyFolder(path) => Report {
            empty_folder: true,
            ..Report::new(ShownPath::new(&path), Status::Unchanged)
        },
        Input::Stdin => match read_at_most(std::io::stdin().lock(), Vec::new()) {
            Ok(bytes) => rewrite(ShownPath::stdin(), None, bytes, settings),
            Err(error) => Report::failed(
                ShownPath::stdin(),
                format!("cannot read stdin: {}", io_message(&error)),
            ),
        },
        Input::File { path, len } => {
            let shown = ShownPath::new(&path);
            match read_file(&path, len) {
                Ok(bytes) => rewrite(shown, Some(&path), bytes, settings),
                Err(error) => {
                    let message = format!("cannot read {shown}: {}", io_message(&error));
                    Report::failed(shown, message)
                }
            }
        }
    }
}

/// The most a file or stdin may hold: a thousand times the largest Dockerfiles seen,
/// and little enough to hold in memory. A file that keeps growing (a log named by
/// mistake) or stdin from a never-ending source stops here instead of at the memory
/// limit.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// A whole file. Unlike `std::fs::read` it does not ask for the file's size: it takes
/// the size discovery saw, `len`, and asks for one byte more; a file still that size
/// comes whole in that one read, which returns short. Otherwise (it grew or shrank, or
/// discovery did not ask) it reads on to the end of the file, starting with a buffer
/// that fits a Dockerfile. A bulk run makes one call per file where `std::fs::read`
/// makes three (the size, the read, a read that finds the end).
fn read_file(path: &Path, len: Option<u64>) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let Some(len) = len.filter(|&len| len <= MAX_INPUT) else {
        return read_at_most(file, Vec::with_capacity(16 * 1024));
    };
    let mut bytes = vec![0; len as usize + 1];
    let read = loop {
        match file.read(&mut bytes) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            result => break result?,
        }
    };
    bytes.truncate(read);
    if read as u64 == len {
        return Ok(bytes);
    }
    read_at_most(file, bytes)
}

/// Everything `reader` gives, appended to `bytes`, or an error past [`MAX_INPUT`].
fn read_at_most(reader: impl Read, mut bytes: Vec<u8>) -> std::io::Result<Vec<u8>> {
    let room = (MAX_INPUT + 1).saturating_sub(bytes.len() as u64);
    reader.take(room).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            "larger than 64 MiB, which no Dockerfile is",
        ));
    }
    Ok(bytes)
}

/// The pipeline after reading: `file` is `None` for stdin.
fn rewrite(shown: ShownPath, file: Option<&Path>, bytes: Vec<u8>, settings: &Settings) -> Report {
    // A NUL byte early on means a binary file: its "line" is not worth printing.
    if bytes[..bytes.len().min(8192)].contains(&0) {
        let message = format!("{shown}: a binary file, not a Dockerfile");
        return Report::failed(shown, message);
    }
    let dockerfile = match syntax::parse_bytes(&bytes) {
        Ok(dockerfile) => dockerfile,
        Err(error) => {
            return Report {
                error: Some(located(&error, &bytes, &shown.to_string())),
                ..Report::new(shown, Status::Error)
            };
        }
    };
    let dir = match file.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let config = match settings.use_config.then(|| settings.finder.for_dir(&dir)) {
        Some(Ok(config)) => config,
        None => None,
        Some(Err(error)) => {
            return Report {
                error: Some(config_error(&error)),
                ..Report::new(shown, Status::Error)
            };
        }
    };
    let options = settings.overrides.resolve(config.as_deref());
    let context = || match file {
        Some(_) => settings.contexts.get(&dir),
        None => Arc::new(BuildContext::default()),
    };
    let outcome = match transform::restage(&dockerfile, context, &options) {
        Ok(outcome) => outcome,
        Err(error) => {
            let message = format!("{shown}: {error}");
            return Report::failed(shown, message);
        }
    };
    let mut report = outcome_report(shown, outcome, dockerfile.text(), settings.diffs);
    deliver(&mut report, settings.mode, file, bytes);
    report
}

/// A parse error of `source` (shown as `path`, escaped for people), with its place and its rendering.
fn located(error: &ParseError, source: &[u8], path: &str) -> FileError {
    let diagnostic = Diagnostic::from_parse_error(path, source, error);
    FileError {
        message: error.message.clone(),
        line: Some(diagnostic.position.line),
        column: Some(diagnostic.position.column),
        rendered: Some(diagnostic.render()),
    }
}

/// An error in a configuration file, named in the message: the place is in that file,
/// not in the Dockerfile.
fn config_error(error: &ConfigError) -> FileError {
    let path = ShownPath::new(relative_to_cwd(&error.path)).to_string();
    let Some(source) = &error.source else {
        return FileError {
            message: format!("cannot read {path}: {}", error.error.message),
            line: None,
            column: None,
            rendered: None,
        };
    };
    let located = located(&error.error, source, &path);
    FileError {
        message: format!("{path}: {}", located.message),
        line: None,
        column: None,
        ..located
    }
}

/// The report of a rewrite or a decline; `diffs`: with the unified diff of a rewrite.
fn outcome_report(shown: ShownPath, outcome: Outcome, original: &str, diffs: bool) -> Report {
    match outcome {
        Outcome::Rewritten(rewrite) if rewrite.text != original => Report {
            ecosystem: Some(rewrite.ecosystem),
            decisions: rewrite.decisions,
            diff: diffs
                .then(|| render::unified_diff(&shown, original, &rewrite.text))
                .flatten(),
            output: Some(rewrite.text.into_bytes()),
            ..Report::new(shown, Status::Rewritten)
        },
        Outcome::Rewritten(rewrite) => Report {
            ecosystem: Some(rewrite.ecosystem),
            reason: Some("the rewrite is the file as it is".into()),
            ..Report::new(shown, Status::Unchanged)
        },
        Outcome::Declined(decline) => {
            let status = if decline.multistage {
                Status::Unchanged
            } else {
                Status::Declined
            };
            Report {
                ecosystem: decline.ecosystem,
                reason: Some(decline.reason),
                ..Report::new(shown, status)
            }
        }
    }
}

/// Where the result goes in each mode: the whole text to stdout (the original when
/// nothing changed), the rewrite written in place, or nowhere (a dry run's diff is in
/// the report). `original` is the file's own bytes.
fn deliver(report: &mut Report, mode: Mode, file: Option<&Path>, original: Vec<u8>) {
    match mode {
        Mode::Stdout => {
            if report.output.is_none() {
                report.output = Some(original);
            }
        }
        Mode::Write if report.status == Status::Rewritten => {
            let new = report.output.take().unwrap_or_default();
            let path = file.expect("stdin is refused with --write");
            match apply::write_atomically(path, &original, &new) {
                Ok(()) => report.written = true,
                Err(error) => {
                    report.status = Status::Error;
                    report.error = Some(FileError {
                        message: error.message(&report.path.to_string()),
                        line: None,
                        column: None,
                        rendered: None,
                    });
                }
            }
        }
        _ => report.output = None,
    }
}

/// The most workers a batch runs, whatever `--jobs` asks: far more than the cores of
/// any machine, and few enough that their stacks fit a modest memory limit.
pub const MAX_JOBS: usize = 256;

/// Processes `inputs` on up to `jobs` threads (at most [`MAX_JOBS`]) and hands each
/// report to `emit` in input order. When `emit` breaks or a signal interrupts the batch,
/// no further files are started; the ones already started finish and are reported.
///
/// No file is handed between threads: a worker takes the next input itself (discovery
/// runs on whichever worker asks), and when it finishes a file it emits every report
/// whose turn has come, its own and any later ones that were waiting for it. A
/// worker waits only when `window` files are between discovery and output.
///
/// The calling thread is the first worker, and a worker starts another only when it
/// takes an input and another is waiting behind it: a batch never has more workers
/// than files, and a thread the system refuses leaves the batch to those it has.
pub fn run(
    inputs: impl Iterator<Item = Input> + Send,
    settings: &Settings,
    jobs: usize,
    emit: impl FnMut(Report) -> ControlFlow<()> + Send,
) {
    let jobs = jobs.clamp(1, MAX_JOBS);
    let batch = Batch {
        queue: Mutex::new(Queue {
            inputs: inputs.enumerate().peekable(),
            taken: 0,
            emitted: 0,
            waiting: 0,
            stop: false,
            spare_workers: jobs - 1,
        }),
        room: Condvar::new(),
        output: Mutex::new(Output {
            pending: BTreeMap::new(),
            next: 0,
            emit,
            stopped: false,
        }),
        settings,
        window: jobs * 4,
    };
    std::thread::scope(|scope| batch.work(scope));
}

/// What the workers of a batch share.
struct Batch<'a, I: Iterator, E> {
    queue: Mutex<Queue<I>>,
    room: Condvar,
    output: Mutex<Output<E>>,
    settings: &'a Settings,
    window: usize,
}

impl<I, E> Batch<'_, I, E>
where
    I: Iterator<Item = (usize, Input)> + Send,
    E: FnMut(Report) -> ControlFlow<()> + Send,
{
    /// One worker: takes and processes inputs until there are none or the batch stops.
    fn work<'scope, 'env>(&'scope self, scope: &'scope Scope<'scope, 'env>) {
        let interrupt = &self.settings.interrupt;
        while let Some(taken) = Queue::take(&self.queue, &self.room, self.window, interrupt) {
            if taken.start_worker {
                self.start_worker(scope);
            }
            let report = process(taken.input, self.settings);
            let mut output = lock(&self.output);
            output.pending.insert(taken.index, report);
            let (emitted, stopped) = output.flush();
            // Lock order: output, then queue (`take` holds only the queue).
            let mut queue = lock(&self.queue);
            queue.emitted = emitted;
            queue.stop = stopped;
            if queue.waiting > 0 {
                self.room.notify_all();
            }
        }
    }

    /// Starts one more worker; when the system refuses a thread (a process or memory
    /// limit), the batch goes on with the workers it has and starts no more.
    fn start_worker<'scope, 'env>(&'scope self, scope: &'scope Scope<'scope, 'env>) {
        let started = std::thread::Builder::new().spawn_scoped(scope, move || self.work(scope));
        if started.is_err() {
            lock(&self.queue).spare_workers = 0;
        }
    }
}

/// The reports waiting for the ones before them, and where output has got.
struct Output<E> {
    pending: BTreeMap<usize, Report>,
    next: usize,
    emit: E,
    stopped: bool,
}

impl<E: FnMut(Report) -> ControlFlow<()>> Output<E> {
    /// Emits every report whose turn has come; returns how many are out in all, and
    /// whether `emit` has asked to stop (later reports are then dropped).
    fn flush(&mut self) -> (usize, bool) {
        while let Some(report) = self.pending.remove(&self.next) {
            self.next += 1;
            if !self.stopped {
                self.stopped = (self.emit)(report).is_break();
            }
        }
        (self.next, self.stopped)
    }
}

/// The inputs not yet taken, how far output has got, and how many more workers may start.
struct Queue<I: Iterator> {
    /// Peekable: a worker is started only for an input that is there.
    inputs: std::iter::Peekable<I>,
    taken: usize,
    emitted: usize,
    /// Workers waiting for room in the window.
    waiting: usize,
    stop: bool,
    /// How many more workers may start: `jobs` less those started (the calling thread
    /// is the first); none once the system refused one.
    spare_workers: usize,
}

/// An input a worker took, and whether it is to start another worker for the next.
struct Taken {
    index: usize,
    input: Input,
    start_worker: bool,
}

impl<I: Iterator<Item = (usize, Input)>> Queue<I> {
    /// The next input, once fewer than `window` files are taken and not yet output;
    /// `None` at the end, after a stop or once `interrupt` is requested. An input taken
    /// is always processed: a report missing from the order would hold back the later
    /// ones.
    fn take(
        queue: &Mutex<Queue<I>>,
        room: &Condvar,
        window: usize,
        interrupt: &Interrupt,
    ) -> Option<Taken> {
        let mut queue = lock(queue);
        let stopped = |queue: &Queue<I>| queue.stop || interrupt.requested();
        while !stopped(&queue) && queue.taken - queue.emitted >= window {
            queue.waiting += 1;
            queue = room
                .wait(queue)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            queue.waiting -= 1;
        }
        if stopped(&queue) {
            return None;
        }
        let (index, input) = queue.inputs.next()?;
        queue.taken += 1;
        let start_worker = queue.spare_workers > 0 && queue.inputs.peek().is_some();
        if start_worker {
            queue.spare_workers -= 1;
        }
        Some(Taken {
            index,
            input,
            start_worker,
        })
    }
}

/// A worker that panicked leaves the queue consistent (it only ever holds whole
/// updates), so a poisoned lock is used as it is.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            mode: Mode::Check,
            overrides: Overrides::default(),
            use_config: false,
            diffs: false,
            finder: Finder::default(),
            contexts: ContextCache::default(),
            interrupt: Interrupt::default(),
        }
    }

    fn missing(count: usize) -> impl Iterator<Item = Input> + Send {
        (0..count).map(|index| Input::Missing {
            path: PathBuf::from(format!("f{index:04}")),
            message: "gone".into(),
        })
    }

    /// Whatever size discovery saw, the file is read whole: the size it still has, a
    /// smaller or larger one (it changed since), or none.
    #[test]
    fn a_file_is_read_whole_whatever_size_discovery_saw() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("Dockerfile");
        let text = "FROM python:3.12\nRUN pip install flask\n".repeat(500);
        std::fs::write(&path, &text).unwrap();
        let len = text.len() as u64;
        for seen in [Some(len), Some(0), Some(len - 1), Some(len + 7), None] {
            let bytes = read_file(&path, seen).unwrap();
            assert_eq!(bytes, text.as_bytes(), "{seen:?}");
        }
    }

    #[test]
    fn reports_come_in_input_order() {
        let mut seen = Vec::new();
        run(missing(500), &settings(), 8, |report| {
            seen.push(report.path.to_string());
            ControlFlow::Continue(())
        });
        let expected: Vec<String> = (0..500).map(|index| format!("f{index:04}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn no_more_than_the_window_is_between_discovery_and_output() {
        let taken = std::sync::atomic::AtomicUsize::new(0);
        let counted = missing(2_000).inspect(|_| {
            taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let (jobs, mut emitted) = (3, 0);
        run(counted, &settings(), jobs, |_| {
            emitted += 1;
            // Discovery runs one input ahead of the window (to know whether a worker
            // is wanted for it).
            let ahead = taken.load(std::sync::atomic::Ordering::SeqCst) - emitted;
            assert!(ahead <= jobs * 4, "{ahead} files ahead of the output");
            ControlFlow::Continue(())
        });
        assert_eq!(emitted, 2_000);
    }

    #[test]
    fn a_break_stops_the_batch_without_hanging() {
        let mut seen = 0;
        run(missing(10_000), &settings(), 4, |_| {
            seen += 1;
            ControlFlow::Break(())
        });
        assert_eq!(seen, 1);
    }
}
