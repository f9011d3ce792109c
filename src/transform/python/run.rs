//! Classifying a RUN for the Python rewrite: whether it installs the app's dependencies
//! (and then the edits that move the install to `--target` in the builder, and the
//! commands after it that go to the final stage), installs system packages only,
//! upgrades installer tooling, or does something else. A RUN the rewrite cannot carry
//! over is an error, the reason to decline the whole file.
//!
//! The words of one command are read by `pip` and `project`; where each kind of RUN
//! goes in the plan is the plan's business (`python.rs`).

use std::ops::Range;

use crate::analyze::ItemId;
use crate::syntax::{Command, Form, Span};
use crate::transform::Input;
use crate::transform::packages::{Install, install_in};
use crate::transform::shell::{self, Script};

use super::TARGET;
use super::pins::Pinned;
use super::pip::{PipInstall, Source, is_check, is_python, pip_install};
use super::project::{self, ProjectInstall};

/// What a RUN does, as far as the Python rewrite is concerned.
pub enum Run {
    /// Installs the app's dependencies (perhaps with system packages first).
    Dependencies(Dependencies),
    /// Installs system packages only.
    SystemPackages(Vec<Install>),
    /// Upgrades pip or other installer tooling: the builder's business, but for
    /// setuptools (`installs_setuptools`), which the app may import.
    Tooling {
        installs_setuptools: bool,
    },
    Other,
}

/// A RUN that installs the app's dependencies, and how the rewrite carries it over.
pub struct Dependencies {
    /// The edits that make the RUN the builder's install.
    pub edits: Vec<(Span, String)>,
    /// The system installs among its commands.
    pub installs: Vec<Install>,
    /// Commands that only read what the install put in place (`pip check`,
    /// `<tool> --version`); they run in the builder with the target folder in view.
    pub checks: Vec<String>,
    /// Project installs (`poetry install`, …) that the builder exports and installs
    /// with pip instead, as written.
    pub exported: Vec<String>,
    /// Those of them whose locked requirements an earlier RUN installs, so that the
    /// builder installs the project alone.
    pub project_only: Vec<String>,
    /// The commands after the install in the same RUN, as the final stage's RUN.
    pub then: Option<String>,
    /// Where the requirements it installs are written.
    pub sources: Vec<Source>,
    /// Its pip installs of the app's dependencies, as written.
    pub pip_commands: Vec<String>,
    /// The constraints a later project install takes (see `pins`).
    pub pinned: Option<Box<Pinned>>,
    /// Its installer-tooling commands that install setuptools, which the final stage
    /// runs too (the app may import it).
    pub setuptools: Vec<String>,
}

/// What a command of an install RUN is, for splitting the RUN after its install.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An install of the app's dependencies or of system packages, or a check of them.
    Install,
    /// A `cd` or shell option that the commands after it depend on.
    ShellState,
    /// Clean-up and housekeeping around an install (`rm`, `mkdir`, `pip install -U pip`).
    Chain,
    Other,
}

/// The simple commands of a shell-form RUN, read one by one.
#[derive(Default)]
struct Commands {
    /// The system package installs among them.
    installs: Vec<Install>,
    pips: Vec<PipInstall>,
    projects: Vec<ProjectInstall>,
    checks: Vec<String>,
    /// Each command's place in the RUN's logical line, and what it is.
    kinds: Vec<(Range<usize>, Kind)>,
    /// A `cd` (or `pushd`, `popd`) came before: paths no longer start at WORKDIR.
    moved: bool,
    /// Installer-tooling commands that install setuptools, as written.
    setuptools: Vec<String>,
}

/// Reads one RUN; an error is the reason to decline the whole file.
pub fn classify(input: &Input, id: ItemId) -> Result<Run, String> {
    let instruction = input.analysis.instruction(id);
    let Some(Command::Run(run)) = instruction.command() else {
        return Ok(Run::Other);
    };
    let line = match &run.command {
        Form::Shell(line) => line.clone(),
        Form::Exec(words) => return exec_form(input, words),
    };
    let commands = read_commands(input, &line)?;
    let first_other = commands
        .kinds
        .iter()
        .find(|(_, kind)| *kind == Kind::Other)
        .map(|(range, _)| &line[range.clone()]);
    if commands.projects.is_empty() && commands.pips.iter().all(|pip| pip.tooling_only) {
        return Ok(without_dependencies(commands, first_other.is_none()));
    }
    if !instruction.heredocs.is_empty() {
        return Err("the dependency install is in a heredoc".into());
    }
    let mut then = None;
    if let Some(other) = first_other {
        let split = split_point(&commands.kinds)
            .and_then(|at| after_install(input, id, &line, at))
            .ok_or_else(|| {
                format!(
                    "a RUN mixes the dependency install with `{other}`, which the final stage may need"
                )
            })?;
        then = Some(split);
    }
    check_pip_options(&commands.pips)?;
    let Commands {
        installs,
        pips,
        mut projects,
        checks,
        moved,
        setuptools,
        ..
    } = commands;
    let mut edits = target_edits(input, id, &pips)?;
    let mut sources: Vec<Source> = pips
        .iter()
        .filter(|pip| !pip.tooling_only)
        .flat_map(|pip| pip.sources.iter().cloned())
        .collect();
    sources.extend(projects.iter().map(|project| match moved {
        false => Source::Lock(project.lock_file()),
        true => Source::Unreadable(format!("{} (after a `cd`)", project.lock_file())),
    }));
    let (mut exported, mut project_only) = (Vec::new(), Vec::new());
    for project in &mut projects {
        if project.skip_installed_requirements(input, id) {
            project_only.push(project.command.clone());
        } else {
            exported.push(project.command.clone());
        }
    }
    let replaced = project::edits(input, id, projects)?;
    edits.extend(install_flag_removals(input, id, &replaced));
    edits.extend(replaced);
    let then = then.map(|(cut, run)| {
        edits.push((cut, String::new()));
        run
    });
    Ok(Run::Dependencies(Dependencies {
        edits,
        installs,
        checks,
        exported,
        project_only,
        then,
        sources,
        pip_commands: pips
            .iter()
            .filter(|pip| !pip.tooling_only)
            .map(|pip| pip.command.clone())
            .collect(),
        pinned: None,
        setuptools,
    }))
}

/// An exec-form RUN has no shell line to edit: one that installs the dependencies is
/// an error, any other is left as it is.
fn exec_form(input: &Input, words: &[String]) -> Result<Run, String> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    if pip_install(&words).is_some() {
        return Err("an exec-form RUN installs the dependencies".into());
    }
    match hidden_install(input, &words.join(" "), &words) {
        Some(reason) => Err(reason),
        None => Ok(Run::Other),
    }
}

/// Reads each simple command of a shell-form RUN's logical `line`.
fn read_commands(input: &Input, line: &str) -> Result<Commands, String> {
    let mut commands = Commands::default();
    for range in shell::command_ranges(line) {
        let command = &line[range.clone()];
        let words = shell::words(command);
        commands.installs.extend(install_in(&words));
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if let [python, "setup.py", setup_command, ..] = words.as_slice()
            && is_python(python)
            && !setup_command.starts_with('-')
        {
            return Err(format!(
                "`{}` builds with setuptools outside pip: restage moves `pip install .` to the builder, not `setup.py {setup_command}`",
                words.join(" ")
            ));
        }
        let kind = commands.read(input, command, &words)?;
        commands.kinds.push((range, kind));
    }
    Ok(commands)
}

impl Commands {
    /// What one command is, keeping what the install's edits need from it.
    fn read(&mut self, input: &Input, command: &str, words: &[&str]) -> Result<Kind, String> {
        if let Some(reason) = hidden_install(input, command, words) {
            return Err(reason);
        }
        if let Some(script) = shell::shell_script(words) {
            // A child shell that only sets its options or prints (`/bin/sh -c set -eux`)
            // leaves nothing behind.
            let harmless = shell::commands(script).into_iter().all(|command| {
                shell::words(command).first().is_some_and(|program| {
                    matches!(program.as_str(), "set" | "echo" | "true" | ":")
                })
            });
            return Ok(if harmless { Kind::Chain } else { Kind::Other });
        }
        if let Some(project) = project::project_install(words, input) {
            self.projects.push(project?);
            return Ok(Kind::Install);
        }
        Ok(match pip_install(words) {
            Some(mut pip) => {
                if self.moved {
                    pip.sources = pip.sources.into_iter().map(after_cd).collect();
                }
                let kind = if pip.tooling_only {
                    if pip.names("setuptools") {
                        self.setuptools.push(command.to_owned());
                    }
                    Kind::Chain
                } else {
                    Kind::Install
                };
                self.pips.push(pip);
                kind
            }
            None if is_check(words) => {
                self.checks.push(command.to_owned());
                Kind::Install
            }
            None if is_package_manager(words) => Kind::Install,
            None if changes_shell_state(words) => {
                self.moved |= matches!(words, ["cd" | "pushd" | "popd", ..]);
                Kind::ShellState
            }
            None if is_install_chain(words) || project::is_setup(words) => Kind::Chain,
            None => Kind::Other,
        })
    }
}

/// Why a command installs the app's dependencies where restage cannot move the
/// install to the builder: behind a shell keyword or wrapper (`then pip install …`,
/// `sudo -H pip install …`), inside a shell's quoted script (`bash -c "pip install …"`)
/// or in a build context script it runs (`./install.sh`); `None` for any other command.
fn hidden_install(input: &Input, command: &str, words: &[&str]) -> Option<String> {
    let bare = shell::after_keywords(words);
    if bare.len() < words.len() && command_installs(input, bare, true) {
        return Some(format!(
            "`{command}` installs the app's dependencies behind a shell keyword or wrapper (`if`, a loop, `exec`, `sudo`), which restage does not rewrite: write the install as a command of its own"
        ));
    }
    match shell::script_run(bare, Some(input.context))? {
        Script::Quoted(script) => installs_dependencies(input, script, true).then(|| format!(
            "`{command}` installs the app's dependencies inside a quoted shell script, which restage does not edit: write the install in the RUN itself"
        )),
        Script::File { path, text } => installs_dependencies(input, &text, false).then(|| format!(
            "`{command}` runs the build context's `{path}`, which installs the app's dependencies: restage does not move a script's install to the builder"
        )),
    }
}

/// Whether a shell `script` installs the app's dependencies (not installer tooling alone),
/// also in the quoted scripts it runs and (`files`) the build context scripts it runs;
/// those scripts' own script files are not read (one may run itself).
fn installs_dependencies(input: &Input, script: &str, files: bool) -> bool {
    shell::script_commands(script).any(|(_, words)| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        command_installs(input, &words, files)
    })
}

/// Whether one simple command installs the app's dependencies, as
/// [`installs_dependencies`] reads it.
fn command_installs(input: &Input, words: &[&str], files: bool) -> bool {
    let words = shell::after_keywords(words);
    let context = files.then_some(input.context);
    project::project_install(words, input).is_some()
        || pip_install(words).is_some_and(|pip| !pip.tooling_only)
        || match shell::script_run(words, context) {
            Some(Script::Quoted(script)) => installs_dependencies(input, script, files),
            Some(Script::File { text, .. }) => installs_dependencies(input, &text, false),
            None => false,
        }
}

/// A requirement source of an install that runs after a `cd`: a file or folder it
/// names is not where WORKDIR says.
fn after_cd(source: Source) -> Source {
    match source {
        Source::File(path) | Source::Project(path) => {
            Source::Unreadable(format!("{path} (after a `cd`)"))
        }
        other => other,
    }
}

/// A RUN that installs none of the app's dependencies: system packages alone, installer
/// tooling alone, or something else (`no_other`: none of its commands is of another
/// kind).
fn without_dependencies(commands: Commands, no_other: bool) -> Run {
    let tooling = !commands.pips.is_empty();
    let alone = no_other && commands.checks.is_empty();
    match (commands.installs.is_empty(), tooling, alone) {
        (false, _, true) => Run::SystemPackages(commands.installs),
        (true, true, true) => Run::Tooling {
            installs_setuptools: !commands.setuptools.is_empty(),
        },
        _ => Run::Other,
    }
}

/// An error for a dependency install whose options choose its own folder, or need the
/// source tree, where `--target` would take over.
fn check_pip_options(pips: &[PipInstall]) -> Result<(), String> {
    for pip in pips.iter().filter(|pip| !pip.tooling_only) {
        if pip.has_target {
            return Err("the file already installs with --target".into());
        }
        if pip.editable {
            return Err(
                "an editable install (`pip install -e`) needs the source tree where it was built"
                    .into(),
            );
        }
        if pip.prefix {
            return Err("`pip install --prefix` chooses its own install folder".into());
        }
    }
    Ok(())
}

/// The `--target` option (with `--no-cache-dir` unless the command has it) after the
/// head of each dependency install among `pips`.
fn target_edits(
    input: &Input,
    id: ItemId,
    pips: &[PipInstall],
) -> Result<Vec<(Span, String)>, String> {
    // The heads' spans in text order: one per command when each head is found only
    // where its command starts.
    let heads = pips.iter().map(|pip| pip.head.as_str());
    let phrase_spans = shell::find_any(input.analysis, id, heads);
    if phrase_spans.len() != pips.len() {
        return Err("could not place the --target option in the RUN's text".into());
    }
    Ok(phrase_spans
        .into_iter()
        .zip(pips)
        // Upgrading pip itself: the builder's installer, left where it is.
        .filter(|(_, pip)| !pip.tooling_only)
        .map(|(span, pip)| {
            let cache = if pip.no_cache { "" } else { " --no-cache-dir" };
            (
                Span::new(span.end, span.end),
                format!("{cache} --target={TARGET}"),
            )
        })
        .collect())
}

/// Removes `--user` and `--system` (each with the blanks after it) outside the
/// `replaced` project installs.
fn install_flag_removals(
    input: &Input,
    id: ItemId,
    replaced: &[(Span, String)],
) -> Vec<(Span, String)> {
    let analysis = input.analysis;
    let outside = |span: &Span| {
        replaced
            .iter()
            .all(|(edit, _)| span.end <= edit.start || span.start >= edit.end)
    };
    let mut edits = Vec::new();
    for flag in ["--user", "--system"] {
        for span in shell::find(analysis, id, flag).into_iter().filter(outside) {
            // The flag and the blanks after it go; the --target option takes its place.
            let after = &analysis.dockerfile.text()[span.end..];
            let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
            edits.push((Span::new(span.start, span.end + blanks), String::new()));
        }
    }
    edits
}

/// Where the commands after the RUN's last install start, when they can run on their
/// own in the final stage: other commands among them, no install after it and no
/// other command or shell state before it.
fn split_point(kinds: &[(Range<usize>, Kind)]) -> Option<usize> {
    let last = kinds.iter().rposition(|(_, kind)| *kind == Kind::Install)?;
    let (before, rest) = (&kinds[..last], &kinds[last + 1..]);
    let settled = before
        .iter()
        .all(|(_, kind)| !matches!(kind, Kind::Other | Kind::ShellState));
    let others_follow = rest.iter().any(|(_, kind)| *kind == Kind::Other);
    (settled && others_follow).then(|| rest[0].0.start)
}

/// The commands that follow the install in its RUN (`pip install -r requirements.txt
/// && python manage.py collectstatic`), from `at` in the logical `line` on, as a RUN of
/// their own for the final stage (the comment lines before them above it), and the span
/// of the builder's RUN they leave (from the end of the install's last word). `None` unless an `&&` joins them to the install in
/// a RUN without flags.
fn after_install(input: &Input, id: ItemId, line: &str, at: usize) -> Option<(Span, String)> {
    let analysis = input.analysis;
    if !analysis.instruction(id).node.flags.is_empty() {
        return None;
    }
    let before = line[..at].trim_end().strip_suffix("&&")?;
    let install = before.trim_end();
    // The install's line must end with a word: an escape there (`… \ &&`) would
    // continue the builder's RUN into whatever follows it.
    if install.is_empty()
        || before.ends_with(['&', '|'])
        || install.ends_with(analysis.dockerfile.escape())
    {
        return None;
    }
    let install_end = install.len();
    let (joined, offsets) = shell::logical_line(analysis, id);
    let line = line.trim_end();
    let start = joined.trim_end().len().checked_sub(line.len())?;
    if joined.get(start..start + line.len())? != line {
        return None;
    }
    let raw = |logical: usize| offsets[start + logical];
    let end = raw(line.len() - 1) + 1;
    let rest = &analysis.dockerfile.text()[raw(at)..end];
    if rest.starts_with('-') {
        // `RUN --…` would read as the RUN's own flag.
        return None;
    }
    // The comment lines between the install and the commands are theirs: they go above
    // the final stage's RUN.
    let moved = Span::new(raw(install_end - 1) + 1, end);
    let comments = analysis.comments_within(id, Span::new(moved.start, raw(at)));
    Some((moved, format!("{comments}RUN {rest}")))
}

/// Whether a command changes what later commands of its shell see: a `cd`, or a `set`
/// option other than those that only make it stricter or louder (`-e`, `-u`, `-x`,
/// `-v`, `-o pipefail`).
fn changes_shell_state(words: &[&str]) -> bool {
    match words {
        ["cd" | "pushd" | "popd", ..] => true,
        ["set", options @ ..] => !options.iter().all(|option| {
            matches!(
                *option,
                "-o" | "+o" | "pipefail" | "errexit" | "nounset" | "xtrace" | "verbose"
            ) || option.len() > 1
                && option.starts_with(['-', '+'])
                && option[1..].chars().all(|c| "euxv".contains(c))
        }),
        _ => false,
    }
}

/// A system package manager's command (an install, a removal, an index update).
fn is_package_manager(words: &[&str]) -> bool {
    matches!(words, ["apt-get" | "apt" | "apk" | "yum" | "dnf", ..])
}

/// Clean-up and housekeeping around an install (package managers, `cd` and shell
/// options are told apart before this).
fn is_install_chain(words: &[&str]) -> bool {
    matches!(
        words,
        ["rm", ..]
            | ["mkdir", ..]
            | ["true"]
            | ["set", ..]
            | ["echo", ..]
            | ["pip" | "pip3", "cache", ..]
    )
}
