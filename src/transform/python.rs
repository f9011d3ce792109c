//! Python (official `python:*` bases, pip and uv): dependencies install with
//! `pip install --target` in the builder, next to the build-only system packages; the
//! final stage copies the target folder and finds it through `PYTHONPATH`. A full
//! `python:X` base becomes `python:X-slim` with the runtime libraries the build's
//! `-dev` packages imply.

use crate::analyze::ItemId;
use crate::ecosystem::{Ecosystem, Variant};
use crate::syntax::{Command, Form, Keyword, Span};
use crate::transform::shell::one_line;

use super::packages::{self, Install, Manager};
use super::plan::{Step, builder_name};
use super::{Decision, Decline, Input, Plan, shell};

pub struct Python;

/// Where the builder installs the dependencies.
const TARGET: &str = "/opt/pydeps";

/// Packages that are the installer's own tooling, not the app's dependencies.
const TOOLING: &[&str] = &["pip", "setuptools", "wheel", "virtualenv", "uv"];

/// Requirements that link a system library the slim image lacks, and that library.
const LINKED: &[(&str, &str)] = &[
    ("psycopg2", "libpq5"),
    ("mysqlclient", "libmariadb3"),
    ("python-ldap", "libldap-2.5-0"),
];

/// What a RUN does, as far as the Python rewrite is concerned.
enum Run {
    /// Installs the app's dependencies (perhaps with system packages first).
    Dependencies {
        edits: Vec<(Span, String)>,
        installs: Vec<Install>,
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

        let base = &input.stage.base;
        let slim = input.options.slim.then(|| base.slim()).flatten();
        let final_image = slim.clone().unwrap_or_else(|| base.image.raw.clone());
        let manager = match base.variant {
            Variant::Alpine => Manager::Apk,
            _ => Manager::Apt,
        };
        let builder = builder_name(input);
        let mut plan = Plan {
            replaced: Vec::new(),
            final_image: final_image.clone(),
            builder: Vec::new(),
            final_stage: Vec::new(),
            decisions: vec![match &slim {
                Some(slim) => Decision::new(
                    format!("final stage on `{slim}`"),
                    format!(
                        "the slim variant of `{}`: compilers and headers stay in the builder",
                        base.image.raw
                    ),
                ),
                None => Decision::new(
                    format!("final stage on `{final_image}`"),
                    "the original base; the gain is leaving build-only packages and caches behind",
                ),
            }],
        };
        let mut runtime_libraries = linked_libraries(input);

        for &id in &input.stage.body {
            let instruction = analysis.instruction(id);
            let Some(keyword) = instruction.keyword else {
                continue;
            };
            match keyword {
                Keyword::Arg => {}
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
                        Run::Dependencies { edits, installs } => {
                            plan.builder.push(Step::edit(analysis, id, edits.clone()));
                            plan.decisions.push(Decision::new(
                                format!(
                                    "`{line}` installs with `--target={TARGET}` in the builder"
                                ),
                                "the final stage can then copy the dependencies alone",
                            ));
                            runtime_libraries
                                .extend(runtime_packages(installs, &mut plan.decisions));
                            if id == last_install {
                                final_dependencies(&mut plan, builder, manager, &runtime_libraries);
                            }
                        }
                        Run::SystemPackages(installs) => {
                            plan.builder.push(Step::Keep(id));
                            plan.decisions.push(Decision::new(
                                format!("`{line}` moved to the builder"),
                                "it installs what the build needs",
                            ));
                            runtime_libraries
                                .extend(runtime_packages(installs, &mut plan.decisions));
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
fn final_dependencies(plan: &mut Plan, builder: &str, manager: Manager, runtime: &[String]) {
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
    plan.final_stage
        .push(Step::New(format!("ENV PYTHONPATH={TARGET}")));
    plan.final_stage
        .push(Step::New(format!("ENV PATH={TARGET}/bin:$PATH")));
    plan.decisions.push(Decision::new(
        format!("the final stage copies {TARGET} and puts it on PYTHONPATH (its bin/ on PATH)"),
        "packages installed with --target are not on sys.path by themselves; copying them into /usr/local would not put them there either",
    ));
}

/// Runtime packages the final stage needs from a build's system installs: the
/// libraries `-dev` packages imply, and packages that are not build-only. The final
/// stage starts afresh from its base, whichever it is, so it needs them either way.
fn runtime_packages(installs: &[Install], decisions: &mut Vec<Decision>) -> Vec<String> {
    let mut runtime = Vec::new();
    for install in installs {
        for package in &install.packages {
            if let Some(library) = packages::runtime_for(package, install.manager) {
                decisions.push(Decision::new(
                    format!("`{library}` installed in the final stage"),
                    format!("the runtime library of `{package}`, which the build links against"),
                ));
                runtime.push(library.to_owned());
            } else if !packages::is_build_only(package) {
                runtime.push(package.clone());
            }
        }
    }
    runtime
}

/// Libraries that requirements known to link against system libraries need when the
/// final image is slimmer than the build image.
fn linked_libraries(input: &Input) -> Vec<String> {
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
                name.trim().eq_ignore_ascii_case(package)
            })
        })
        .map(|(_, library)| (*library).to_owned())
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
    let mut tooling = false;
    let mut others = Vec::new();
    for command in shell::commands(&line) {
        let words = shell::words(command);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match pip_install(&words) {
            Some(pip) if pip.tooling_only => tooling = true,
            Some(pip) => pip_commands.push(pip),
            None if is_install_chain(&words) => {}
            None => others.push(command.to_owned()),
        }
    }
    if pip_commands.is_empty() {
        return Ok(match (installs.is_empty(), tooling, others.is_empty()) {
            (false, _, true) => Run::SystemPackages(installs),
            (true, true, true) => Run::Tooling,
            _ => Run::Other,
        });
    }
    if !instruction.heredocs.is_empty() {
        return Err("the dependency install is in a heredoc".into());
    }
    if let Some(other) = others.first() {
        return Err(format!(
            "a RUN mixes the dependency install with `{other}`, which the final stage may need"
        ));
    }
    let mut edits = Vec::new();
    for pip in &pip_commands {
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
    let phrase_spans = pip_phrases(input, id);
    if phrase_spans.len() != pip_commands.len() {
        return Err("could not place the --target option in the RUN's text".into());
    }
    for (span, pip) in phrase_spans.into_iter().zip(&pip_commands) {
        let cache = if pip.no_cache { "" } else { " --no-cache-dir" };
        edits.push((
            Span::new(span.end, span.end),
            format!("{cache} --target={TARGET}"),
        ));
    }
    for flag in ["--user", "--system"] {
        for span in shell::find(analysis, id, flag) {
            // The flag and the blanks after it go; the --target option takes its place.
            let after = &analysis.dockerfile.text()[span.end..];
            let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
            edits.push((Span::new(span.start, span.end + blanks), String::new()));
        }
    }
    Ok(Run::Dependencies { edits, installs })
}

/// The spans of `pip install` phrases (in any of their spellings), in text order.
fn pip_phrases(input: &Input, id: ItemId) -> Vec<Span> {
    let mut spans: Vec<Span> = ["pip install", "pip3 install"]
        .iter()
        .flat_map(|phrase| shell::find(input.analysis, id, phrase))
        .collect();
    spans.sort_by_key(|span| span.start);
    spans.dedup_by_key(|span| span.end);
    spans
}

struct PipInstall {
    tooling_only: bool,
    has_target: bool,
    editable: bool,
    prefix: bool,
    no_cache: bool,
}

/// Reads `pip install …`, `python -m pip install …` or `uv pip install …`.
fn pip_install(words: &[&str]) -> Option<PipInstall> {
    let is_python = |w: &str| w.starts_with("python");
    let is_pip = |w: &str| w == "pip" || w.starts_with("pip3") || w == "pip2";
    let rest = match words {
        [pip, "install", rest @ ..] if is_pip(pip) => rest,
        [python, "-m", "pip", "install", rest @ ..] if is_python(python) => rest,
        ["uv", "pip", "install", rest @ ..] => rest,
        _ => return None,
    };
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
        tooling_only,
        has_target: rest.iter().any(|w| *w == "-t" || w.starts_with("--target")),
        editable: rest
            .iter()
            .any(|w| *w == "-e" || w.starts_with("--editable")),
        prefix: rest
            .iter()
            .any(|w| w.starts_with("--prefix") || w.starts_with("--root")),
        no_cache: rest.contains(&"--no-cache-dir"),
    })
}

/// Commands that belong to installing packages and cleaning up after it.
fn is_install_chain(words: &[&str]) -> bool {
    matches!(
        words,
        ["apt-get" | "apt" | "apk" | "yum" | "dnf", ..]
            | ["rm", ..]
            | ["mkdir", ..]
            | ["cd", ..]
            | ["true"]
            | ["set", ..]
            | ["echo", ..]
            | ["pip" | "pip3", "cache", ..]
    )
}
