//! Python (official `python:*` bases, pip and uv): dependencies install with
//! `pip install --target` in the builder, next to the build-only system packages; the
//! final stage copies the target folder and finds it through `PYTHONPATH`. A full
//! `python:X` base becomes `python:X-slim` with the runtime libraries the build's
//! `-dev` packages imply.

use std::ops::Range;

use crate::analyze::{ItemId, mentions_variable};
use crate::ecosystem::{Ecosystem, Release};
use crate::syntax::{Command, Form, Keyword, Span};
use crate::transform::shell::one_line;

mod project;

use super::packages::{self, Install, Manager};
use super::plan::{Step, builder_name};
use super::{Decision, Decline, Input, Plan, shell};
use super::{final_image, starts_a_shell};

pub struct Python;

/// Where the builder installs the dependencies.
const TARGET: &str = "/opt/pydeps";

/// Packages that are the installer's own tooling, not the app's dependencies.
const TOOLING: &[&str] = &["pip", "setuptools", "wheel", "virtualenv", "uv"];

/// Requirements that link a system library the slim image lacks, and that library.
/// (uWSGI has no wheels: built on a full image it finds libxml2's headers and links it;
/// python-magic and psycopg 3 load libmagic and libpq at run time; LightGBM's wheels
/// link the system's OpenMP runtime, which the full image has through gcc.)
const LINKED: &[(&str, &str)] = &[
    ("psycopg2", "libpq5"),
    ("psycopg", "libpq5"),
    ("lightgbm", "libgomp1"),
    ("mysqlclient", "libmariadb3"),
    ("python-ldap", "libldap-2.5-0"),
    ("uwsgi", "libxml2"),
    ("python-magic", "libmagic1"),
    ("pycurl", "libcurl4"),
];

/// What a RUN does, as far as the Python rewrite is concerned.
enum Run {
    /// Installs the app's dependencies (perhaps with system packages first).
    Dependencies {
        edits: Vec<(Span, String)>,
        installs: Vec<Install>,
        /// Commands that only read what the install put in place (`pip check`,
        /// `<tool> --version`); they run in the builder with the target folder in view.
        checks: Vec<String>,
        /// Project installs (`poetry install`, …) that the builder exports and installs
        /// with pip instead, as written.
        exported: Vec<String>,
        /// The commands after the install in the same RUN, as the final stage's RUN.
        then: Option<String>,
    },
    /// Installs system packages only.
    SystemPackages(Vec<Install>),
    /// Upgrades pip or other installer tooling: the builder's business.
    Tooling,
    Other,
}

impl super::Transformer for Python {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        let analysis = input.analysis;
        let decline = |reason: String| Decline::new(Some(Ecosystem::Python), reason);
        let (entrypoint, cmd) = analysis.start_command(input.stage);
        let start = entrypoint.or(cmd);
        if let Some(reason) = start
            .as_ref()
            .and_then(|start| project::runs_through_tool(&start.words()))
        {
            return Err(decline(reason));
        }
        let mut runs = Vec::new();
        for id in analysis.with_keyword(input.stage, Keyword::Run) {
            runs.push((id, classify(input, id).map_err(decline)?));
        }
        let installs: Vec<ItemId> = runs
            .iter()
            .filter(|(_, run)| matches!(run, Run::Dependencies { .. }))
            .map(|(id, _)| *id)
            .collect();
        let (Some(&first_install), Some(&last_install)) = (installs.first(), installs.last())
        else {
            return Err(decline(
                "nothing to build: no `pip install` of the app's dependencies".into(),
            ));
        };
        search_path_env(input, last_install).map_err(decline)?;

        let base = &input.stage.base;
        let (final_image, final_decision) = final_image(
            input,
            "compilers and headers stay in the builder",
            "leaving build-only packages and caches behind",
        );
        let manager = Manager::of(input);
        let builder = builder_name(input);
        let mut plan = Plan {
            replaced: Vec::new(),
            final_image: final_image.clone(),
            builder: Vec::new(),
            final_stage: Vec::new(),
            decisions: vec![final_decision],
        };
        let tool_image = match &start {
            None => Some((
                "rewritten without a CMD or ENTRYPOINT".to_owned(),
                "the container runs what `docker run` names, or the base image's own command; whichever it is",
            )),
            Some(start) if starts_a_shell(&start.words()) => Some((
                format!(
                    "rewritten with the start command `{}`, a shell",
                    start.words().join(" ")
                ),
                "whatever runs in it",
            )),
            Some(_) => None,
        };
        if let Some((what, runs)) = tool_image {
            plan.decisions.push(Decision::new(
                what,
                format!(
                    "{runs}, the final stage has every dependency on PYTHONPATH and their commands in {TARGET}/bin on PATH, as the original had them in site-packages{}",
                    if final_image == base.image.raw {
                        ""
                    } else {
                        " (an image that other Dockerfiles build FROM and compile in needs the full base: --no-slim)"
                    }
                ),
            ));
        }
        let release = base.release();
        let mut runtime_libraries = linked_libraries(input, release).map_err(decline)?;
        let mut target_in_view = false;
        let keep_pythonpath = pythonpath_may_be_set(input, last_install);

        for &id in &input.stage.body {
            let instruction = analysis.instruction(id);
            let Some(keyword) = instruction.keyword else {
                continue;
            };
            match keyword {
                Keyword::Arg => {}
                Keyword::Copy if project::copies_uv(analysis, id, input.stage) => {
                    plan.builder.push(Step::Keep(id));
                    plan.decisions.push(Decision::new(
                        format!("`{}` only in the builder", one_line(analysis.text(id))),
                        "the uv binary is installer tooling; the start command does not use it",
                    ));
                }
                Keyword::Env if id > last_install && resets_pythonpath(input, id) => {
                    plan.builder.push(Step::Keep(id));
                    plan.final_stage.push(Step::Keep(id));
                    plan.final_stage.push(Step::New(target_pythonpath(true)));
                    plan.decisions.push(Decision::new(
                        format!(
                            "`{}` is followed by `{}` in the final stage",
                            one_line(analysis.text(id)),
                            target_pythonpath(true)
                        ),
                        format!("its PYTHONPATH would hide {TARGET}; the packages come after its entries, as site-packages did"),
                    ));
                }
                Keyword::Env | Keyword::Workdir | Keyword::Shell | Keyword::Copy | Keyword::Add => {
                    plan.builder.push(Step::Keep(id));
                    plan.final_stage.push(Step::Keep(id));
                }
                Keyword::User => {
                    plan.final_stage.push(Step::Keep(id));
                    if id < last_install {
                        plan.decisions.push(Decision::new(
                            format!("`{}` only in the final stage", analysis.text(id).trim()),
                            "the builder installs into its target folder as root; the app still runs as this user",
                        ));
                    }
                }
                Keyword::Run => {
                    let run = &runs
                        .iter()
                        .find(|(run_id, _)| *run_id == id)
                        .expect("every RUN is classified")
                        .1;
                    let line = one_line(analysis.text(id));
                    match run {
                        Run::Dependencies {
                            edits,
                            installs,
                            checks,
                            exported,
                            then,
                        } => {
                            if !checks.is_empty() {
                                checks_in_builder(
                                    &mut plan,
                                    keep_pythonpath,
                                    &mut target_in_view,
                                    checks,
                                );
                            }
                            plan.builder.push(Step::edit(analysis, id, edits.clone()));
                            for command in exported {
                                plan.decisions.push(Decision::new(
                                    format!("`{command}` becomes an export of the locked requirements, installed with `--target={TARGET}`"),
                                    "the lock file's versions, in a folder the final stage can copy alone (the tool itself stays in the builder)",
                                ));
                            }
                            plan.decisions.push(Decision::new(
                                format!(
                                    "`{line}` installs with `--target={TARGET}` in the builder"
                                ),
                                "the final stage can then copy the dependencies alone",
                            ));
                            let runtime = runtime_packages(installs, release).map_err(decline)?;
                            plan.decisions.extend(library_decisions(&runtime));
                            runtime_libraries.extend(runtime.into_iter().map(|p| p.name));
                            if id == last_install {
                                final_dependencies(
                                    &mut plan,
                                    keep_pythonpath,
                                    builder,
                                    manager,
                                    &runtime_libraries,
                                );
                            }
                            if let Some(then) = then {
                                if id != last_install {
                                    return Err(decline(format!(
                                        "`{line}` runs other commands after its install, and a later RUN installs more: the final stage has the dependencies only after the last install"
                                    )));
                                }
                                plan.final_stage.push(Step::New(then.clone()));
                                plan.decisions.push(Decision::new(
                                    format!("`{}` runs in the final stage, after the dependencies are copied", one_line(then.trim_start_matches("RUN "))),
                                    "it follows the install in the same RUN and may use the installed packages or write files the app reads; the builder only installs",
                                ));
                            }
                        }
                        Run::SystemPackages(installs) => {
                            plan.builder.push(Step::Keep(id));
                            let runtime = runtime_packages(installs, release).map_err(decline)?;
                            let kept: Vec<&str> = runtime
                                .iter()
                                .filter(|p| p.library_of.is_none())
                                .map(|p| p.name.as_str())
                                .collect();
                            plan.decisions.push(if kept.is_empty() {
                                Decision::new(
                                    format!("`{line}` moved to the builder"),
                                    "it installs what the build needs",
                                )
                            } else {
                                Decision::new(
                                    format!(
                                        "`{line}` in the builder; `{}` installed in the final stage too",
                                        kept.join(" ")
                                    ),
                                    "the build may need them, and they are not build-only: the running app may need them too",
                                )
                            });
                            plan.decisions.extend(library_decisions(&runtime));
                            runtime_libraries.extend(runtime.into_iter().map(|p| p.name));
                            if id > last_install && !runtime_libraries.is_empty() {
                                let names: Vec<&str> =
                                    runtime_libraries.iter().map(String::as_str).collect();
                                plan.final_stage
                                    .push(Step::New(packages::install_line(manager, &names)));
                                runtime_libraries.clear();
                            }
                        }
                        Run::Tooling => {
                            plan.builder.push(Step::Keep(id));
                            plan.decisions.push(Decision::new(
                                format!("`{line}` only in the builder"),
                                "installer tooling is not needed to run the app",
                            ));
                        }
                        Run::Other if id < first_install => {
                            plan.builder.push(Step::Keep(id));
                            plan.final_stage.push(Step::Keep(id));
                            plan.decisions.push(Decision::new(
                                format!("`{line}` kept in both stages"),
                                "it prepares the file system before the install and may shape the runtime",
                            ));
                        }
                        Run::Other => {
                            plan.final_stage.push(Step::Keep(id));
                            plan.decisions.push(Decision::new(
                                format!("`{line}` kept in the final stage"),
                                "it runs after the dependencies are in place and sets up the runtime",
                            ));
                        }
                    }
                }
                _ => plan.final_stage.push(Step::Keep(id)),
            }
        }
        Ok(plan)
    }
}

/// The final stage's copy of the dependencies, where the last install was.
fn final_dependencies(
    plan: &mut Plan,
    keep_pythonpath: bool,
    builder: &str,
    manager: Manager,
    runtime: &[String],
) {
    if !runtime.is_empty() {
        let mut names: Vec<&str> = Vec::new();
        for name in runtime {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        plan.final_stage
            .push(Step::New(packages::install_line(manager, &names)));
    }
    plan.final_stage.push(Step::New(format!(
        "COPY --from={builder} {TARGET} {TARGET}"
    )));
    plan.final_stage.extend(target_env(keep_pythonpath));
    plan.decisions.push(Decision::new(
        format!("the final stage copies {TARGET} and puts it on PYTHONPATH (its bin/ on PATH)"),
        "packages installed with --target are not on sys.path by themselves; copying them into /usr/local would not put them there either",
    ));
}

/// An error when an ENV after the install sets a PATH that drops `$PATH`, hiding the
/// target folder's commands.
fn search_path_env(input: &Input, last_install: ItemId) -> Result<(), String> {
    let analysis = input.analysis;
    for id in analysis.with_keyword(input.stage, Keyword::Env) {
        let resets_path = env_values(input, id, "PATH")
            .any(|value| id > last_install && !mentions_variable(&value, "PATH"));
        if resets_path {
            return Err(format!(
                "`{}` sets PATH itself, where the final stage puts the installed packages' commands ({TARGET}/bin)",
                one_line(analysis.text(id))
            ));
        }
    }
    Ok(())
}

/// The values an ENV instruction gives `name`.
fn env_values<'a>(input: &Input, id: ItemId, name: &'a str) -> impl Iterator<Item = String> + 'a {
    let pairs = match input.analysis.instruction(id).command() {
        Some(Command::Env(pairs)) => pairs,
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter(move |(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Whether an ENV sets PYTHONPATH without keeping what it was.
fn resets_pythonpath(input: &Input, id: ItemId) -> bool {
    env_values(input, id, "PYTHONPATH").any(|value| !mentions_variable(&value, "PYTHONPATH"))
}

/// Whether PYTHONPATH may hold entries where the last install was: another base than
/// an official python image (one named after python, or rewritten with `--ecosystem
/// python`) may set one, and so may the file's own ENV before it.
fn pythonpath_may_be_set(input: &Input, last_install: ItemId) -> bool {
    input.stage.base.ecosystem.is_none()
        || input
            .analysis
            .with_keyword(input.stage, Keyword::Env)
            .take_while(|&id| id < last_install)
            .any(|id| env_values(input, id, "PYTHONPATH").next().is_some())
}

/// The ENV lines that make the packages in the target folder importable and their
/// commands found. Entries PYTHONPATH already has stay ahead of the target folder, as
/// they were ahead of site-packages.
fn target_env(keep_pythonpath: bool) -> [Step; 2] {
    [
        Step::New(target_pythonpath(keep_pythonpath)),
        Step::New(format!("ENV PATH={TARGET}/bin:$PATH")),
    ]
}

fn target_pythonpath(keep_pythonpath: bool) -> String {
    let keep = if keep_pythonpath {
        "${PYTHONPATH:+$PYTHONPATH:}"
    } else {
        ""
    };
    format!("ENV PYTHONPATH={keep}{TARGET}")
}

/// The builder runs an install RUN's checks (`pip check`, `<tool> --version`) as the
/// original did, with the target folder in view (once, before the first such RUN).
fn checks_in_builder(
    plan: &mut Plan,
    keep_pythonpath: bool,
    target_in_view: &mut bool,
    checks: &[String],
) {
    if !std::mem::replace(target_in_view, true) {
        plan.builder.extend(target_env(keep_pythonpath));
        plan.decisions.push(Decision::new(
            format!("the builder puts {TARGET} on PYTHONPATH (its bin/ on PATH)"),
            "so that the checks after the install see the installed packages, as in the original; the install itself is unchanged, since `pip install --target` ignores what is already installed (it implies --ignore-installed)",
        ));
    }
    plan.decisions.push(Decision::new(
        format!("`{}` runs in the builder only", checks.join("`, `")),
        "a check of the install that writes no file: it fails the build where the original would, and the final stage copies what it checked",
    ));
}

/// A package the final stage installs because a build's system install had it.
struct RuntimePackage {
    name: String,
    /// The `-dev` package whose runtime library this is; `None` for a package the build
    /// installed itself that is not build-only.
    library_of: Option<String>,
}

/// Runtime packages the final stage needs from a build's system installs: the
/// libraries `-dev` packages imply (by their name in the final image's Debian
/// `release`), and packages that are not build-only. The final stage starts afresh from
/// its base, whichever it is, so it needs them either way.
fn runtime_packages(installs: &[Install], release: Release) -> Result<Vec<RuntimePackage>, String> {
    let mut runtime = Vec::new();
    for install in installs {
        for package in &install.packages {
            if let Some(library) = packages::runtime_for(package, install.manager) {
                runtime.push(RuntimePackage {
                    name: packages::release_name(library, install.manager, release)?.to_owned(),
                    library_of: Some(package.clone()),
                });
            } else if !packages::is_build_only(package) {
                runtime.push(RuntimePackage {
                    name: package.clone(),
                    library_of: None,
                });
            }
        }
    }
    Ok(runtime)
}

/// Why the final stage installs each runtime library among `runtime`.
fn library_decisions(runtime: &[RuntimePackage]) -> impl Iterator<Item = Decision> + '_ {
    runtime.iter().filter_map(|package| {
        let dev = package.library_of.as_ref()?;
        Some(Decision::new(
            format!("`{}` installed in the final stage", package.name),
            format!("the runtime library of `{dev}`, which the build links against"),
        ))
    })
}

/// Libraries that requirements known to link against system libraries need when the
/// final image is slimmer than the build image (Debian names, in `release`).
fn linked_libraries(input: &Input, release: Release) -> Result<Vec<String>, String> {
    let slim = input.options.slim && input.stage.base.slim().is_some();
    let requirements = input.context.file("requirements.txt").unwrap_or_default();
    LINKED
        .iter()
        .filter(|(package, _)| {
            slim && requirements.lines().any(|line| {
                let name = line
                    .split(['=', '<', '>', '[', ';', ' ', '~', '!'])
                    .next()
                    .unwrap_or("");
                // Names compare as pip compares them (PEP 503: `Python_Magic` is
                // `python-magic`).
                name.trim().to_ascii_lowercase().replace(['_', '.'], "-") == *package
            })
        })
        .map(|(_, library)| packages::debian_name(library, release).map(str::to_owned))
        .collect()
}

/// Reads one RUN; an error is the reason to decline the whole file.
fn classify(input: &Input, id: ItemId) -> Result<Run, String> {
    let analysis = input.analysis;
    let instruction = analysis.instruction(id);
    let Some(Command::Run(run)) = instruction.command() else {
        return Ok(Run::Other);
    };
    let line = match &run.command {
        Form::Shell(line) => line.clone(),
        Form::Exec(words) => {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            return match pip_install(&words) {
                Some(_) => Err("an exec-form RUN installs the dependencies".into()),
                None => Ok(Run::Other),
            };
        }
    };
    let installs = packages::installs(&line);
    let mut pip_commands = Vec::new();
    let mut projects = Vec::new();
    let mut checks = Vec::new();
    let mut kinds = Vec::new();
    for range in shell::command_ranges(&line) {
        let command = &line[range.clone()];
        let words = shell::words(command);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        if let [python, "setup.py", command, ..] = words.as_slice()
            && is_python(python)
            && !command.starts_with('-')
        {
            return Err(format!(
                "`{}` builds with setuptools outside pip: restage moves `pip install .` to the builder, not `setup.py {command}`",
                words.join(" ")
            ));
        }
        let kind = if let Some(project) = project::project_install(&words, input) {
            projects.push(project?);
            Kind::Install
        } else {
            match pip_install(&words) {
                Some(pip) => {
                    let kind = if pip.tooling_only {
                        Kind::Chain
                    } else {
                        Kind::Install
                    };
                    pip_commands.push(pip);
                    kind
                }
                None if is_check(&words) => {
                    checks.push(command.to_owned());
                    Kind::Install
                }
                None if is_package_manager(&words) => Kind::Install,
                None if changes_shell_state(&words) => Kind::ShellState,
                None if is_install_chain(&words) || project::is_setup(&words) => Kind::Chain,
                None => Kind::Other,
            }
        };
        kinds.push((range, kind));
    }
    let first_other = kinds
        .iter()
        .find(|(_, kind)| *kind == Kind::Other)
        .map(|(range, _)| &line[range.clone()]);
    if projects.is_empty() && pip_commands.iter().all(|pip| pip.tooling_only) {
        let tooling = !pip_commands.is_empty();
        let others = first_other.is_none() && checks.is_empty();
        return Ok(match (installs.is_empty(), tooling, others) {
            (false, _, true) => Run::SystemPackages(installs),
            (true, true, true) => Run::Tooling,
            _ => Run::Other,
        });
    }
    if !instruction.heredocs.is_empty() {
        return Err("the dependency install is in a heredoc".into());
    }
    let mut then = None;
    if let Some(other) = first_other {
        let split = split_point(&kinds).and_then(|at| after_install(input, id, &line, at))
            .ok_or_else(|| {
                format!(
                    "a RUN mixes the dependency install with `{other}`, which the final stage may need"
                )
            })?;
        then = Some(split);
    }
    for pip in pip_commands.iter().filter(|pip| !pip.tooling_only) {
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
    let phrase_spans = pip_phrases(input, id, &pip_commands);
    if phrase_spans.len() != pip_commands.len() {
        return Err("could not place the --target option in the RUN's text".into());
    }
    let mut edits = Vec::new();
    for (span, pip) in phrase_spans.into_iter().zip(&pip_commands) {
        if pip.tooling_only {
            // Upgrading pip itself: the builder's installer, left where it is.
            continue;
        }
        let cache = if pip.no_cache { "" } else { " --no-cache-dir" };
        edits.push((
            Span::new(span.end, span.end),
            format!("{cache} --target={TARGET}"),
        ));
    }
    let exported = projects.iter().map(|p| p.command.clone()).collect();
    let replaced = project::edits(input, id, projects)?;
    let outside = |span: &Span| {
        replaced
            .iter()
            .all(|(edit, _)| span.end <= edit.start || span.start >= edit.end)
    };
    for flag in ["--user", "--system"] {
        for span in shell::find(analysis, id, flag).into_iter().filter(outside) {
            // The flag and the blanks after it go; the --target option takes its place.
            let after = &analysis.dockerfile.text()[span.end..];
            let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
            edits.push((Span::new(span.start, span.end + blanks), String::new()));
        }
    }
    edits.extend(replaced);
    let then = then.map(|(cut, run)| {
        edits.push((cut, String::new()));
        run
    });
    Ok(Run::Dependencies {
        edits,
        installs,
        checks,
        exported,
        then,
    })
}

/// The commands that follow the install in its RUN (`pip install -r requirements.txt
/// && python manage.py collectstatic`), from `at` in the logical `line` on, as a RUN of
/// their own for the final stage, and the span of the builder's RUN they leave (from the
/// end of the install's last word). `None` unless an `&&` joins them to the install in
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
    Some((
        Span::new(raw(install_end - 1) + 1, end),
        format!("RUN {rest}"),
    ))
}

/// The spans of the pip commands' heads (`pip install`, `python -m pip install`,
/// `pip3 --no-cache-dir install`), in text order: one per command when each head is
/// found only where its command starts.
fn pip_phrases(input: &Input, id: ItemId, pips: &[PipInstall]) -> Vec<Span> {
    shell::find_any(input.analysis, id, pips.iter().map(|pip| pip.head.as_str()))
}

struct PipInstall {
    /// The command's words up to `install`, as one phrase to find in the RUN's text.
    head: String,
    tooling_only: bool,
    has_target: bool,
    editable: bool,
    prefix: bool,
    no_cache: bool,
}

/// pip's general options that take no value and may stand before its command.
const PIP_GENERAL_FLAGS: &[&str] = &[
    "--no-cache-dir",
    "--disable-pip-version-check",
    "--no-input",
    "--no-color",
    "--isolated",
    "-q",
    "-qq",
    "-qqq",
    "--quiet",
    "-v",
    "--verbose",
];

/// `pip`, `pip3.12`, or one called by its path (`/env/bin/pip`, a virtualenv's).
fn is_pip(word: &str) -> bool {
    let name = shell::program_name(word);
    name == "pip" || name.starts_with("pip3") || name == "pip2"
}

fn is_python(word: &str) -> bool {
    shell::program_name(word).starts_with("python")
}

/// The arguments after pip's command word `command`, with the number of words up to
/// it, in `pip …`, `python -m pip …` or `uv pip …` (general options may come first).
fn pip_command<'a>(words: &'a [&'a str], command: &str) -> Option<(usize, &'a [&'a str])> {
    let start = match words {
        [pip, ..] if is_pip(pip) => 1,
        [python, "-m", "pip", ..] if is_python(python) => 3,
        ["uv", "pip", ..] => 2,
        _ => return None,
    };
    let flags = words[start..]
        .iter()
        .take_while(|word| PIP_GENERAL_FLAGS.contains(word))
        .count();
    let at = start + flags;
    (words.get(at) == Some(&command)).then(|| (at + 1, &words[at + 1..]))
}

/// Reads `pip install …`, `python -m pip install …` or `uv pip install …`.
fn pip_install(words: &[&str]) -> Option<PipInstall> {
    let (head, rest) = pip_command(words, "install")?;
    let requirement_files = rest
        .iter()
        .any(|w| *w == "-r" || w.starts_with("--requirement") || w.starts_with("-r"));
    let packages: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
    let tooling_only = !requirement_files
        && !packages.is_empty()
        && packages.iter().all(|package| {
            let name = package
                .split(['=', '<', '>', '[', '~'])
                .next()
                .unwrap_or("");
            TOOLING.contains(&name) || name == "poetry" || name == "pipenv"
        });
    Some(PipInstall {
        head: words[..head].join(" "),
        tooling_only,
        has_target: rest.iter().any(|w| *w == "-t" || w.starts_with("--target")),
        editable: rest
            .iter()
            .any(|w| *w == "-e" || w.starts_with("--editable")),
        prefix: rest
            .iter()
            .any(|w| w.starts_with("--prefix") || w.starts_with("--root")),
        no_cache: words.contains(&"--no-cache-dir"),
    })
}

/// A command that only reads what is installed and writes no file: `pip check`,
/// `pip list`, `pip freeze`, `pip show …`, and a program asked for its version or help
/// (`b2 version`, `diffoscope --version`).
fn is_check(words: &[&str]) -> bool {
    let reads_pip = ["check", "list", "freeze", "show"].iter().any(|command| {
        match pip_command(words, command) {
            Some((_, rest)) => *command == "show" || rest.is_empty(),
            None => false,
        }
    });
    /// Commands for which a word `version` or `help` would be a file to write.
    const WRITERS: &[&str] = &[
        "touch", "tee", "cp", "mv", "ln", "install", "wget", "curl", "chmod", "chown", "dd",
    ];
    let asks_version = match words {
        [_, "--version" | "-version" | "-V" | "--help"] => true,
        [program, "version" | "help"] => !WRITERS.contains(&shell::program_name(program)),
        _ => false,
    };
    reads_pip || asks_version
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
