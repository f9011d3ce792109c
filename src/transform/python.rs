//! Python (official `python:*` bases, other images whose name says python, any base
//! under `--ecosystem python`; pip and uv, and poetry, pipenv and uv projects through
//! an export of their lock): dependencies install with `pip install --target` in the
//! builder, next to the build-only system packages; the final stage copies the target
//! folder and finds it through `PYTHONPATH`, after installing the runtime packages the
//! build implies (see `libraries`). A full `python:X` base becomes `python:X-slim`.
//!
//! `python_2` declines Python 2 where its `.pth` files would go unread, `out_of_sight` start commands that would not
//! see the target folder, `between` finds where the final stage copies the dependencies
//! early for the RUNs between installs, `run` classifies RUNs (with `pip` reading pip commands and `project` poetry, pipenv
//! and uv projects), `search_path` writes and checks PYTHONPATH and PATH, `libraries`
//! finds the system libraries the final stage needs, `site_like` (with `stdlib_shadows`
//! and `pth_files`) makes the target folders serve as site-packages did; this file
//! decides and lays out the plan.

mod between;
#[cfg(test)]
mod interpreters;
mod libraries;
mod out_of_sight;
mod pins;
mod pip;
mod project;
mod pth_files;
mod python_2;
mod python_run;
mod requirements;
mod run;
mod search_path;
mod site_like;
mod stdlib_shadows;
mod targets;

use crate::analyze::{ItemId, file_name, join};
use crate::ecosystem::{Ecosystem, Release};
use crate::syntax::{Command, Form, Keyword};
use crate::transform::shell::{self, one_line};

use super::packages::{self, Install, Manager};
use super::plan::{Step, is_root};
use super::{Decision, Decline, Input, Plan};
use super::{final_image, full_base};
use libraries::{RuntimePackage, library_decisions, linked_libraries, runtime_packages};
use run::{Dependencies, Run, classify};
use search_path::{
    pythonpath_may_be_set, resets_pythonpath, search_path_env, target_env, target_pythonpath,
};
use targets::{Named, Targets};

pub struct Python;

/// Why an installer-tooling command that installs setuptools runs in the final stage.
const SETUPTOOLS_WHY: &str = "the app may import setuptools (pkg_resources, distutils from Python 3.12 on, which ships none): the final stage installs it where the original did";

/// Where the builder installs the dependencies.
const TARGET: &str = "/opt/pydeps";

impl super::Transformer for Python {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        let analysis = input.analysis;
        let decline = |reason: String| Decline::new(Some(Ecosystem::Python), reason);
        if let Some(reason) = python_2::reason(input).or_else(|| site_like::conflict(input)) {
            return Err(decline(reason));
        }
        let (entrypoint, cmd) = analysis.start_command(input.stage);
        let container_runs = super::container_words(entrypoint.as_ref(), cmd.as_ref());
        let start = entrypoint.as_ref().or(cmd.as_ref());
        if let Some(reason) = start.and_then(|start| {
            let words = start.words();
            project::runs_through_tool(&words).or_else(|| out_of_sight::reason(input, &words))
        }) {
            return Err(decline(reason));
        }
        let mut runs = Vec::new();
        for id in analysis.with_keyword(input.stage, Keyword::Run) {
            runs.push((id, classify(input, id).map_err(decline)?));
        }
        let targets = Targets::number(&mut runs, site_like::applies_on(&input.stage.base));
        let installs: Vec<ItemId> = runs
            .iter()
            .filter(|(_, run)| matches!(run, Run::Dependencies(_)))
            .map(|(id, _)| *id)
            .collect();
        let (Some(&first_install), Some(&last_install)) = (installs.first(), installs.last())
        else {
            return Err(decline(match heredoc_install(input) {
                Some(id) => format!(
                    "`{}` installs in a heredoc, which restage does not edit: write the install as the RUN's own command",
                    one_line(analysis.text(id))
                ),
                None => "nothing to build: no `pip install` of the app's dependencies".into(),
            }));
        };
        let copy_points = between::copy_points(input, &runs).map_err(decline)?;
        search_path_env(input, copy_points[0]).map_err(decline)?;

        let requirements = requirements::read(input, &runs);
        if !site_like::applies_on(&input.stage.base) {
            requirements.check_shadowing().map_err(decline)?;
        }
        let slim_unsure = input.options.slim && !requirements.unread.is_empty();
        let (final_image, final_decision) = match input.stage.base.slim() {
            Some(slim) if slim_unsure => unread_full_base(input, &slim, &requirements.unread),
            _ => final_image(
                input,
                "compilers and headers stay in the builder",
                "leaving build-only packages and caches behind",
            ),
        };
        let slim = final_image != input.stage.base.image.raw;
        let mut decisions = vec![final_decision];
        decisions.extend(tool_image_decision(
            input,
            start.map(|_| container_runs.as_slice()),
            &final_image,
        ));
        let release = input.stage.base.release();
        let mut layout = Layout {
            input,
            plan: Plan {
                replaced: Vec::new(),
                final_image,
                builder: Vec::new(),
                final_stage: Vec::new(),
                decisions,
            },
            first_install,
            last_install,
            copy_points,
            copied: 0,
            keep_pythonpath: pythonpath_may_be_set(input, last_install),
            release,
            manager: Manager::of(input),
            runtime_libraries: linked_libraries(&requirements.names, slim, release)
                .map_err(decline)?,
            runtime_installed: Vec::new(),
            target_in_view: false,
            targets,
            after_builder: Vec::new(),
        };
        for &id in &input.stage.body {
            layout.instruction(id, &runs).map_err(decline)?;
        }
        layout.builder_end_decision();
        Ok(layout.plan)
    }
}

/// A RUN whose heredoc installs with pip, poetry, pipenv or uv, if there is one.
fn heredoc_install(input: &Input) -> Option<ItemId> {
    let analysis = input.analysis;
    analysis
        .with_keyword(input.stage, Keyword::Run)
        .find(|&id| {
            let instruction = analysis.instruction(id);
            instruction.heredocs.iter().any(|heredoc| {
                let body = analysis.dockerfile.slice(heredoc.body);
                [
                    "pip install",
                    "pip3 install",
                    "poetry install",
                    "pipenv install",
                    "uv sync",
                    "uv pip install",
                ]
                .iter()
                .any(|install| body.contains(install))
            })
        })
}

/// The final stage on the original base instead of its `slim` variant, where restage
/// cannot read all the requirements (`unread`): a package among them may link a
/// library that only the full image has.
fn unread_full_base(input: &Input, slim: &str, unread: &[String]) -> (String, Decision) {
    let named: Vec<String> = unread.iter().map(|what| format!("`{what}`")).collect();
    full_base(
        input,
        slim,
        &format!(
            "restage cannot read {} (a file not in the build context or not one it reads, or requirements named through a variable or a URL), so not whether a package links a system library that only the full image has",
            named.join(", "),
        ),
    )
}

/// Why the final stage serves as well when the start command does not say what runs
/// (there is none, or it is a shell): every dependency is on the search paths.
fn tool_image_decision(
    input: &Input,
    start: Option<&[&str]>,
    final_image: &str,
) -> Option<Decision> {
    let (what, runs) = match start {
        None => (
            "rewritten without a CMD or ENTRYPOINT".to_owned(),
            "the container runs what `docker run` names, or the base image's own command; whichever it is",
        ),
        Some(words) if shell::starts_a_shell(words) => (
            format!(
                "rewritten with the start command `{}`, a shell",
                words.join(" ")
            ),
            "whatever runs in it",
        ),
        Some(_) => return None,
    };
    Some(Decision::new(
        what,
        format!(
            "{runs}, the final stage has every dependency importable through PYTHONPATH and their commands on PATH, as site-packages and /usr/local/bin had them in the original{}",
            if final_image == input.stage.base.image.raw {
                ""
            } else {
                " (an image that other Dockerfiles build FROM and compile in needs the full base: --no-slim)"
            }
        ),
    ))
}

/// The plan as it is laid out instruction by instruction, with what the later
/// instructions' places depend on.
struct Layout<'a> {
    input: &'a Input<'a>,
    plan: Plan,
    first_install: ItemId,
    last_install: ItemId,
    /// The installs after which the final stage copies the folders installed so far (see
    /// `between`), the last install last.
    copy_points: Vec<ItemId>,
    /// How many target folders the final stage has copied so far.
    copied: usize,
    /// The target folder goes after what PYTHONPATH held (see `target_pythonpath`).
    keep_pythonpath: bool,
    /// The final image's Debian release, which names the runtime libraries.
    release: Release,
    manager: Manager,
    /// The runtime libraries found so far, for the final stage's next install of them.
    runtime_libraries: Vec<String>,
    /// The runtime packages the final stage has installed so far, so that none is
    /// installed twice (an early copy of the dependencies installs those the
    /// requirements link, which a later RUN's `-dev` package may imply again).
    runtime_installed: Vec<String>,
    /// The builder has the target folders on its search paths already.
    target_in_view: bool,
    targets: Targets,
    /// The COPY, ADD, ENV, WORKDIR and SHELL instructions after the last install, which
    /// only the final stage gets.
    after_builder: Vec<ItemId>,
}

impl Layout<'_> {
    /// Places one instruction of the original in the builder, the final stage or both;
    /// `runs` are the stage's RUNs as `classify` read them.
    fn instruction(&mut self, id: ItemId, runs: &[(ItemId, Run)]) -> Result<(), String> {
        let analysis = self.input.analysis;
        let Some(keyword) = analysis.instruction(id).keyword else {
            return Ok(());
        };
        let plan = &mut self.plan;
        match keyword {
            Keyword::Arg => {}
            Keyword::Copy if project::copies_uv(analysis, id, self.input.stage) => {
                plan.builder.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{}` only in the builder", one_line(analysis.text(id))),
                    "the uv binary is installer tooling; the start command does not use it",
                ));
            }
            Keyword::Env if id > self.last_install && resets_pythonpath(self.input, id) => {
                plan.final_stage.push(Step::Keep(id));
                let pythonpath = target_pythonpath(true, &self.targets);
                plan.final_stage.push(Step::New(pythonpath.clone()));
                plan.decisions.push(Decision::new(
                    format!(
                        "`{}` is followed by `{pythonpath}` in the final stage",
                        one_line(analysis.text(id)),
                    ),
                    format!("its PYTHONPATH would hide {}; the packages come after its entries, as site-packages did", self.targets.named().folders),
                ));
            }
            Keyword::Env | Keyword::Workdir | Keyword::Shell | Keyword::Copy | Keyword::Add
                if id > self.last_install =>
            {
                plan.final_stage.push(Step::Keep(id));
                self.after_builder.push(id);
            }
            Keyword::Copy | Keyword::Add if removed_by_install(self.input, id, runs) => {
                plan.builder.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{}` only in the builder", one_line(analysis.text(id))),
                    "the dependency install removes what it copies (a wheelhouse): the original's running container did not have it",
                ));
            }
            Keyword::Env | Keyword::Workdir | Keyword::Shell | Keyword::Copy | Keyword::Add => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
            }
            Keyword::User => {
                plan.final_stage.push(Step::Keep(id));
                if id < self.last_install {
                    plan.decisions.push(Decision::new(
                        format!("`{}` only in the final stage", analysis.text(id).trim()),
                        "the builder installs into its target folder as root; the app still runs as this user",
                    ));
                }
            }
            Keyword::Run => {
                let (_, run) = runs
                    .iter()
                    .find(|(run_id, _)| *run_id == id)
                    .expect("every RUN is classified");
                return self.run(id, run);
            }
            _ => plan.final_stage.push(Step::Keep(id)),
        }
        Ok(())
    }

    /// Places a RUN by what it does.
    fn run(&mut self, id: ItemId, run: &Run) -> Result<(), String> {
        let line = one_line(self.input.analysis.text(id));
        let plan = &mut self.plan;
        match run {
            Run::Dependencies(dependencies) => return self.dependencies(id, dependencies),
            Run::SystemPackages(installs) => return self.system_packages(id, &line, installs),
            Run::Tooling {
                installs_setuptools: true,
            } => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{line}` kept in both stages"),
                    SETUPTOOLS_WHY,
                ));
            }
            Run::Tooling { .. } => {
                plan.builder.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{line}` only in the builder"),
                    "installer tooling is not needed to run the app",
                ));
            }
            Run::Other if id < self.first_install => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{line}` kept in both stages"),
                    "it runs before the install, which may depend on what it does, and what it does may shape the runtime",
                ));
            }
            Run::Other if id < self.last_install && creates_users(self.input, id) => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{line}` kept in both stages"),
                    "it creates users or groups, which a later COPY --chown of the builder may name",
                ));
            }
            Run::Other => {
                plan.final_stage.push(Step::Keep(id));
                plan.decisions.push(Decision::new(
                    format!("`{line}` kept in the final stage"),
                    "it runs after the dependencies are in place, as in the original: it may use them (tests, set-up of the app) and what it leaves is the app's",
                ));
            }
        }
        Ok(())
    }

    /// An install of the app's dependencies: edited to `--target` in the builder, its
    /// checks there with the target folder in view; the final stage gets the
    /// dependencies installed so far after each copy point (see `between`) and the last
    /// install, then the commands that followed the install in its RUN.
    fn dependencies(&mut self, id: ItemId, dependencies: &Dependencies) -> Result<(), String> {
        if !dependencies.checks.is_empty() {
            self.checks_in_builder(&dependencies.checks);
        }
        let plan = &mut self.plan;
        if let Some(pinned) = &dependencies.pinned {
            let (step, decision) = pins::step(pinned, &dependencies.pip_commands.join("`, `"));
            plan.builder.push(step);
            plan.decisions.push(decision);
        }
        plan.builder.push(Step::edit(
            self.input.analysis,
            id,
            dependencies.edits.clone(),
        ));
        for command in &dependencies.exported {
            plan.decisions.push(Decision::new(
                format!("`{command}` becomes an export of the locked requirements, installed with `--target`"),
                "the lock file's versions, in a folder the final stage can copy alone (the tool itself stays in the builder)",
            ));
        }
        for command in &dependencies.project_only {
            plan.decisions.push(Decision::new(
                format!("`{command}` becomes an install of the project alone, with `--target`"),
                "an earlier RUN installs the locked requirements (`--only-root`: the tool installs the project alone anyway); installed again, they would fill a second folder with the same packages",
            ));
        }
        if !dependencies.pip_commands.is_empty() {
            plan.decisions.push(Decision::new(
                format!(
                    "`{}` installs with `--target` in the builder",
                    dependencies.pip_commands.join("`, `")
                ),
                "the final stage can then copy the dependencies alone",
            ));
        }
        for command in &dependencies.setuptools {
            self.plan
                .final_stage
                .push(Step::New(format!("RUN {command}")));
            self.plan.decisions.push(Decision::new(
                format!("`{command}` runs in the final stage too"),
                SETUPTOOLS_WHY,
            ));
        }
        let runtime = runtime_packages(&dependencies.installs, self.release)?;
        self.add_runtime(runtime);
        if self.copy_points.contains(&id) {
            self.final_dependencies(id);
        }
        if let Some(then) = &dependencies.then {
            // Every install with such commands is a copy point (see `between`).
            self.plan.final_stage.push(Step::New(then.clone()));
            self.plan.decisions.push(Decision::new(
                format!("`{}` runs in the final stage, after the dependencies are copied", one_line(then.trim_start_matches("RUN "))),
                "it follows the install in the same RUN and may use the installed packages or write files the app reads; the builder only installs",
            ));
        }
        Ok(())
    }

    /// A RUN that installs system packages only: in the builder, and the runtime
    /// packages among them in the final stage (installed here when the dependencies
    /// are already there, else with them).
    fn system_packages(
        &mut self,
        id: ItemId,
        line: &str,
        installs: &[Install],
    ) -> Result<(), String> {
        self.plan.builder.push(Step::Keep(id));
        let runtime = runtime_packages(installs, self.release)?;
        let kept: Vec<&str> = runtime
            .iter()
            .filter(|p| p.library_of.is_none())
            .map(|p| p.name.as_str())
            .collect();
        self.plan.decisions.push(if kept.is_empty() {
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
        self.add_runtime(runtime);
        if self.copied > 0 && !self.runtime_libraries.is_empty() {
            let names = std::mem::take(&mut self.runtime_libraries);
            self.runtime_install(id, &names);
        }
        Ok(())
    }

    /// Takes in the runtime packages of a RUN's system installs: the decisions for its
    /// libraries, and their names for the final stage's install.
    fn add_runtime(&mut self, runtime: Vec<RuntimePackage>) {
        self.plan.decisions.extend(library_decisions(&runtime));
        self.runtime_libraries
            .extend(runtime.into_iter().map(|p| p.name));
    }

    /// The final stage's copy of the folders of the installs up to `at` that it does not
    /// have yet, after the runtime libraries found so far (each named once); at the last
    /// install, the builder's step that makes the folders serve as site-packages did.
    fn final_dependencies(&mut self, at: ItemId) {
        if !self.runtime_libraries.is_empty() {
            let names = std::mem::take(&mut self.runtime_libraries);
            self.runtime_install(at, &names);
        }
        let plan = &mut self.plan;
        let last = at == self.last_install;
        if last && site_like::applies_on(&self.input.stage.base) {
            let (step, decisions) = site_like::step(&self.targets.folders());
            plan.builder.push(step);
            plan.decisions.extend(decisions);
        }
        let copied = self.targets.through(at);
        let new = copied.after(self.copied);
        let early = !last || self.copied > 0;
        self.copied = copied.folders().len();
        for folder in new.folders() {
            plan.final_stage.push(Step::New(format!(
                "COPY --from={} {folder} {folder}",
                self.input.builder_name
            )));
        }
        plan.final_stage
            .extend(target_env(self.keep_pythonpath, &copied, &new));
        let Named { folders, it, its } = new.named();
        plan.decisions.push(Decision::new(
            format!("the final stage copies {folders} and puts {it} on PYTHONPATH ({its} bin/ on PATH)"),
            "packages installed with --target are not on sys.path by themselves; copying them into /usr/local would not put them there either",
        ));
        if early {
            plan.decisions.push(Decision::new(
                format!(
                    "the final stage copies {folders} after `{}`, where the original installed {it}",
                    one_line(self.input.analysis.text(at))
                ),
                if last {
                    "the earlier folders came before the RUNs between the installs; the packages installed since come at their own place, ahead of them on PYTHONPATH and PATH as the later install's versions and commands won in site-packages"
                } else {
                    "a RUN of the final stage before the next install may use what the installs so far put in place, as it did in the original's site-packages; the folders come from the finished builder, after its step on them, and the later installs' folders are not there yet"
                },
            ));
        }
        if last && let [_, _, ..] = self.targets.folders().as_slice() {
            plan.decisions.push(Decision::new(
                format!("each install has its own folder, the later ones first on PYTHONPATH and PATH: {}", self.targets.search_path("")),
                "a second `pip install --target` into one folder skips what is already there (`bin/`, packages it would upgrade), where the original's later install upgraded and added to site-packages; each install resolves its own dependencies (--target ignores what is installed), so where they differ the later install's versions win",
            ));
        }
    }

    /// Says why the builder leaves out the files and settings that follow the last
    /// install.
    fn builder_end_decision(&mut self) {
        let Some(&first) = self.after_builder.first() else {
            return;
        };
        let more = match self.after_builder.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        self.plan.decisions.push(Decision::new(
            format!(
                "the builder ends with the last install; `{}`{more} only in the final stage",
                one_line(self.input.analysis.text(first))
            ),
            "the install does not need what follows it (the app's files, its settings), so the builder does not copy or set it (a `--chown` there could name a user the builder never creates)",
        ));
    }

    /// The final stage's install of the runtime packages `names` where the original's
    /// instruction `at` was: as root, and back to the user in force there when an
    /// earlier USER made it another (the package manager needs root). Each package is
    /// named once, and those it installs already are left out.
    fn runtime_install(&mut self, at: ItemId, names: &[String]) {
        let mut fresh = Vec::new();
        for name in names {
            if !self.runtime_installed.contains(name) {
                self.runtime_installed.push(name.clone());
                fresh.push(name.as_str());
            }
        }
        if fresh.is_empty() {
            return;
        }
        let install = packages::install_line(self.manager, &fresh);
        let user = self
            .input
            .analysis
            .user_at(self.input.stage, at)
            .filter(|user| !is_root(user));
        let plan = &mut self.plan;
        let Some(user) = user else {
            plan.final_stage.push(Step::New(install));
            return;
        };
        plan.decisions.push(Decision::new(
            format!("`{install}` runs as root, then `USER {user}` again"),
            format!("the package manager needs root, and the original's `USER {user}` is in force where the final stage installs them"),
        ));
        plan.final_stage.extend([
            Step::New("USER root".into()),
            Step::New(install),
            Step::New(format!("USER {user}")),
        ]);
    }

    /// The builder runs an install RUN's checks (`pip check`, `<tool> --version`) as the
    /// original did, with the target folder in view (once, before the first such RUN).
    fn checks_in_builder(&mut self, checks: &[String]) {
        let plan = &mut self.plan;
        if !std::mem::replace(&mut self.target_in_view, true) {
            plan.builder.extend(target_env(
                self.keep_pythonpath,
                &self.targets,
                &self.targets,
            ));
            plan.decisions.push(Decision::new(
                {
                    let Named { folders, its, .. } = self.targets.named();
                    format!("the builder puts {folders} on PYTHONPATH ({its} bin/ on PATH)")
                },
                "so that the checks after the install see the installed packages, as in the original; the install itself is unchanged, since `pip install --target` ignores what is already installed (it implies --ignore-installed)",
            ));
        }
        plan.decisions.push(Decision::new(
            format!("`{}` runs in the builder only", checks.join("`, `")),
            "a check of the install that writes no file: it fails the build where the original would, and the final stage copies what it checked",
        ));
    }
}

/// Whether the shell-form RUN `id` creates a user or a group.
fn creates_users(input: &Input, id: ItemId) -> bool {
    let Some(Command::Run(run)) = input.analysis.instruction(id).command() else {
        return false;
    };
    let Form::Shell(line) = run.command else {
        return false;
    };
    shell::commands(&line).into_iter().any(|command| {
        let words = shell::words(command);
        words
            .first()
            .is_some_and(|program| USER_PROGRAMS.contains(&shell::program_name(program)))
    })
}

/// The programs that create users or groups.
const USER_PROGRAMS: &[&str] = &["useradd", "adduser", "groupadd", "addgroup"];

/// Whether a dependency install after the COPY or ADD `id` removes the folder or file
/// it wrote (`COPY wheels /wheels` … `pip install /wheels/* && rm -rf /wheels`).
fn removed_by_install(input: &Input, id: ItemId, runs: &[(ItemId, Run)]) -> bool {
    let analysis = input.analysis;
    let Some(Command::Copy(copy)) = analysis.instruction(id).command() else {
        return false;
    };
    let workdir = |at: ItemId| {
        analysis
            .workdir_at(input.stage, at)
            .unwrap_or_else(|| "/".into())
    };
    if copy.dest.contains('$') {
        return false;
    }
    let dest = join(&workdir(id), &copy.dest);
    let into_folder = copy.dest.ends_with('/') || copy.dest == "." || copy.sources.len() > 1;
    let written: Vec<String> = if into_folder {
        copy.sources
            .iter()
            .map(|source| join(&dest, file_name(source.trim_end_matches('/'))))
            .collect()
    } else {
        vec![dest]
    };
    let removed: Vec<String> = runs
        .iter()
        .filter(|(run, kind)| *run > id && matches!(kind, Run::Dependencies(_)))
        .flat_map(|&(run, _)| {
            run_commands(input, run)
                .into_iter()
                .filter(|words| {
                    words
                        .first()
                        .is_some_and(|program| shell::program_name(program) == "rm")
                })
                .flat_map(move |words| {
                    words[1..]
                        .iter()
                        .filter(|word| !word.starts_with('-') && !word.contains('$'))
                        .map(|word| join(&workdir(run), word))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    written.iter().all(|path| removed.contains(path))
}

/// The simple commands of the RUN `id`, each as its words from its program on.
fn run_commands(input: &Input, id: ItemId) -> Vec<Vec<String>> {
    let commands = match input.analysis.instruction(id).command() {
        Some(Command::Run(run)) => match run.command {
            Form::Shell(line) => shell::commands(&line)
                .into_iter()
                .map(shell::words)
                .collect(),
            Form::Exec(words) => vec![words],
        },
        _ => Vec::new(),
    };
    commands
        .into_iter()
        .map(|words| shell::after_keywords(&words).to_vec())
        .collect()
}
