//! Node (official `node:*` bases; npm, yarn v1, pnpm): the builder installs every
//! dependency with the lock file's own command, runs the build the original ran, and
//! prunes the devDependencies (where the build context's package.json says which they
//! are); the final stage (the slim variant of a full `node:X`, where restage sees the
//! package.json)
//! copies the app folder, production `node_modules` included, and keeps everything that
//! shapes the running container. Global installs follow whoever uses them.
//!
//! This file reads the stage into a `Layout` and lays out the plan, instruction by
//! instruction. `run` reads RUN commands, `project` package.json and lock files,
//! `app_folder` the app folder and the steps on it, `start` the start command,
//! `install` the lock-file installs and the prune, `node_env` NODE_ENV, `globals` and
//! `system` global installs and system packages, `app_copy` the final stage's copy of
//! the app and its owner, `corepack` the package manager a start command runs through
//! corepack, `final_base` the final stage's base and the libraries native addons link,
//! `lifted_modules` node_modules moved above the app folder, `paths` variables in
//! paths; `tool` plans images that install global tools only, `static_site` front ends
//! served from nginx (`--serve-static`).

mod app_copy;
mod app_folder;
mod corepack;
mod final_base;
mod globals;
mod install;
mod lifted_modules;
mod node_env;
mod paths;
mod project;
mod run;
mod start;
mod static_site;
mod system;
mod tool;

use std::collections::BTreeSet;

use crate::analyze::ItemId;
use crate::ecosystem::Ecosystem;
use crate::syntax::Keyword;
use crate::transform::shell::one_line;

use super::packages::Manager as SystemManager;
use super::plan::Step;
use super::{Decision, Decline, Input, Plan};
use app_folder::is_app_other;
use lifted_modules::Lifted;
use node_env::NodeEnv;
use project::Project;
use run::{Action, Manager, RunFacts};
use start::Start;

pub struct Node;

/// Where an instruction goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Builder,
    Final,
    Both,
}

impl Place {
    /// How a decision says where an instruction went.
    fn words(self) -> &'static str {
        match self {
            Place::Builder => "only in the builder",
            Place::Final => "kept in the final stage",
            Place::Both => "kept in both stages",
        }
    }
}

impl super::Transformer for Node {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        let decline = |reason| Decline::new(Some(Ecosystem::Node), reason);
        let runs = read_runs(input).map_err(decline)?;
        if tool::is_tool_image(&runs) {
            return tool::plan(input, &runs).map_err(decline);
        }
        let project = Project::read(input, &runs);
        let start = Start::read(input, &project);
        if input.options.serve_static
            && let Some(planned) = static_site::plan(input, &runs, &project, &start)
        {
            return planned.map_err(decline);
        }
        Layout::new(input, runs, project, &start)
            .and_then(Layout::plan)
            .map_err(decline)
    }
}

/// Every RUN of the stage, read; an error when one runs a tool restage does not
/// rewrite around.
fn read_runs(input: &Input) -> Result<Vec<(ItemId, RunFacts)>, String> {
    let runs: Vec<(ItemId, RunFacts)> = input
        .analysis
        .with_keyword(input.stage, Keyword::Run)
        .map(|id| (id, RunFacts::read(input.analysis, id, input.context)))
        .collect();
    for (_, facts) in &runs {
        if let Some(Action::Unsupported(reason)) = facts
            .actions
            .iter()
            .find(|a| matches!(a, Action::Unsupported(_)))
        {
            return Err(reason.clone());
        }
    }
    Ok(runs)
}

/// The RUNs that install the app's dependencies.
fn install_runs(runs: &[(ItemId, RunFacts)]) -> Vec<&(ItemId, RunFacts)> {
    runs.iter()
        .filter(|(_, facts)| facts.installs().next().is_some())
        .collect()
}

/// Whether the text of an instruction of the stage names one of `names` (an ENV that
/// sets it, or a RUN's own `NAME=… npm ci`).
fn mentions_any(input: &Input, names: &[&str]) -> bool {
    input.stage.body.iter().any(|&id| {
        let text = input.analysis.text(id);
        names.iter().any(|name| text.contains(name))
    })
}

/// What the rewrite knows about the stage before it lays out the plan.
struct Layout<'a> {
    input: &'a Input<'a>,
    runs: Vec<(ItemId, RunFacts)>,
    project: Project,
    manager: Manager,
    app_dir: String,
    /// The app's node_modules moved to a parent folder, if they are.
    lifted: Option<Lifted>,
    first_install: ItemId,
    /// The last builder-only instruction: the final stage copies the app after it.
    last_app_step: ItemId,
    /// Where the prune goes (after the last install or build).
    prune_after: ItemId,
    /// The runtime command's words, with the package.json scripts it runs.
    start_words: Vec<String>,
    decisions: Vec<Decision>,
}

impl<'a> Layout<'a> {
    fn new(
        input: &'a Input<'a>,
        runs: Vec<(ItemId, RunFacts)>,
        project: Project,
        start: &Start,
    ) -> Result<Layout<'a>, String> {
        let install_runs = install_runs(&runs);
        let Some(&&(first_install, _)) = install_runs.first() else {
            return Err("nothing to build: no install of the app's dependencies (`npm ci`, `npm install`, `yarn`, `pnpm install`)".into());
        };
        if install_runs.iter().any(|(_, facts)| facts.heredoc) {
            return Err("the dependency install is in a heredoc".into());
        }
        let manager = one_manager(&install_runs)?;
        check_project(input, &project, manager)?;
        let app_dir = app_folder::app_folder(input, &install_runs)?;
        let start_words = start::start_words(input, start);
        let mut layout = Layout {
            input,
            runs: Vec::new(),
            project,
            manager,
            app_dir,
            lifted: None,
            first_install,
            last_app_step: first_install,
            prune_after: first_install,
            start_words: Vec::new(),
            decisions: Vec::new(),
        };
        layout.lifted = layout.find_lifted(&runs);
        layout.find_app_steps(&runs)?;
        layout.check_lift()?;
        layout.runs = runs;
        layout.start_words = start_words?;
        Ok(layout)
    }

    /// The user in force at the instruction `id` (the app's for `ItemId(usize::MAX)`).
    fn user_at(&self, id: ItemId) -> Option<String> {
        self.input.analysis.user_at(self.input.stage, id)
    }

    fn facts(&self, id: ItemId) -> &RunFacts {
        &self
            .runs
            .iter()
            .find(|(run, _)| *run == id)
            .expect("every RUN is read")
            .1
    }

    fn plan(mut self) -> Result<Plan, String> {
        let input = self.input;
        let analysis = input.analysis;
        let system = SystemManager::of(input);
        let node_env = self.node_env();
        let edits = self.install_edits();
        let prune = self.prune(node_env.production_install);
        let runs = if project::ships_yarn(&input.stage.base) {
            "node, npm and yarn"
        } else {
            "node and npm"
        };
        let (final_image, final_decision) = self.final_base(
            &format!("it runs {runs} without the compilers and headers of the full image"),
            if prune.is_some() {
                "leaving devDependencies, build tools and caches behind"
            } else {
                "leaving build tools and caches behind"
            },
        );
        self.decisions.insert(0, final_decision);
        let libraries = self.linked_libraries(&final_image)?;
        if prune.is_some() {
            if let Some(tool) = self
                .start_words
                .iter()
                .find_map(|word| self.project.dev_tool(word))
            {
                return Err(format!(
                    "the start command runs `{tool}`, a devDependency, which a production-only final stage would not have"
                ));
            }
            if let Some(package) = start::preloaded_modules(&self.start_words)
                .find_map(|module| self.project.dev_module(module))
            {
                return Err(format!(
                    "the start command has Node load `{package}` (`-r`/`--require`/`--import`), a devDependency, which a production-only final stage would not have"
                ));
            }
        }
        self.note_other_lock_file();
        let app_copy = self.app_copy(input.builder_name, prune.is_some())?;

        let mut plan = Plan {
            replaced: Vec::new(),
            final_image,
            builder: Vec::new(),
            final_stage: libraries.into_iter().collect(),
            decisions: Vec::new(),
        };
        let mut pending_prune = prune;
        let mut copied = false;
        for &id in &input.stage.body {
            let Some(keyword) = analysis.instruction(id).keyword else {
                continue;
            };
            if keyword == Keyword::Arg {
                continue;
            }
            let place = self.place(id, keyword, &node_env, system, &mut plan.final_stage)?;
            if matches!(place, Place::Builder | Place::Both) {
                plan.builder
                    .push(match edits.iter().find(|(edit_id, _)| *edit_id == id) {
                        Some((_, edit)) => Step::edit(analysis, id, edit.clone()),
                        None => Step::Keep(id),
                    });
            }
            if matches!(place, Place::Final | Place::Both) {
                plan.final_stage.push(Step::Keep(id));
            }
            if pending_prune.is_some() && id == self.prune_after {
                let prune = pending_prune.take().expect("checked");
                plan.builder.extend(self.prune_steps(prune, id));
            }
            if id == self.last_app_step {
                if let Some(prune) = pending_prune.take() {
                    plan.builder.extend(self.prune_steps(prune, id));
                }
                plan.final_stage
                    .extend(app_copy.iter().cloned().map(Step::New));
                if let Some(download) = self.corepack_download(&plan.final_stage) {
                    plan.final_stage.push(Step::New(download));
                }
                copied = true;
            }
        }
        debug_assert!(copied, "the last app step is an instruction of the stage");
        plan.decisions = self.decisions;
        Ok(plan)
    }

    /// Where the instruction `id` goes (not an ARG: the emitter declares those where they
    /// are used); what the final stage needs besides is added to `final_stage`.
    fn place(
        &mut self,
        id: ItemId,
        keyword: Keyword,
        node_env: &NodeEnv,
        system: SystemManager,
        final_stage: &mut Vec<Step>,
    ) -> Result<Place, String> {
        let place = match keyword {
            Keyword::Env if node_env.dropped == Some(id) => Place::Final,
            Keyword::Env | Keyword::Workdir | Keyword::Shell | Keyword::User => Place::Both,
            Keyword::Copy | Keyword::Add => {
                if self.copies_into_app(id).unwrap_or(true) {
                    Place::Builder
                } else if id < self.last_app_step {
                    Place::Both
                } else {
                    Place::Final
                }
            }
            Keyword::Run => {
                let line = one_line(self.input.analysis.text(id));
                self.place_run(id, system, final_stage, &line)?
            }
            _ => Place::Final,
        };
        // Nothing after the app's last step shapes the builder's result.
        Ok(match place {
            Place::Both if id > self.last_app_step => Place::Final,
            place => place,
        })
    }

    /// Says so when the build context's lock file is another package manager's than the
    /// one the Dockerfile installs with (the installs stay with the Dockerfile's).
    fn note_other_lock_file(&mut self) {
        let Some(lock) = project::lock_manager(self.project.context(self.input.context))
            .filter(|lock| *lock != self.manager)
        else {
            return;
        };
        self.decisions.push(Decision::new(
            format!("installs stay with {}", self.manager.name()),
            format!(
                "the Dockerfile installs with {} although the build context has a {} lock file",
                self.manager.name(),
                lock.name()
            ),
        ));
    }

    /// Where a RUN goes; runtime packages and global installs the final stage needs from
    /// a builder RUN are added to `final_stage` here.
    fn place_run(
        &mut self,
        id: ItemId,
        system: SystemManager,
        final_stage: &mut Vec<Step>,
        line: &str,
    ) -> Result<Place, String> {
        let facts = self.facts(id).clone();
        let (globals, global_texts) = facts.globals();
        let runtime = system::runtime_packages(&facts, system, self.input.stage.base.release())?;
        if facts.is_app_work()
            || (id > self.first_install && id <= self.last_app_step && is_app_other(&facts))
        {
            let mut extra: Vec<Step> = Vec::new();
            if !runtime.is_empty() {
                self.decisions.push(Decision::new(
                    format!("`{}` installed in the final stage", runtime.join(" ")),
                    format!("`{line}` installs them in the builder, and they are not build-only"),
                ));
                extra.push(system::runtime_install(system, &runtime));
            }
            if !globals.is_empty() && self.global_place(&globals) != Place::Builder {
                self.decisions.push(Decision::new(
                    format!("`{}` repeated in the final stage", global_texts.join(" && ")),
                    "the start command uses what it installs globally; in the builder the same RUN installs the app's dependencies",
                ));
                extra.push(Step::New(format!("RUN {}", global_texts.join(" && "))));
            }
            final_stage.extend(extra);
            self.decisions.push(Decision::new(
                format!("`{line}` only in the builder"),
                "it installs or builds the app, which the final stage copies",
            ));
            return Ok(Place::Builder);
        }
        if !globals.is_empty() {
            let place = self.global_place(&globals);
            let why = match place {
                Place::Both => {
                    "it sets up the package manager or a tool both the build and the running app use"
                }
                Place::Builder => "only the build uses the tool it installs",
                Place::Final => {
                    "the running app (or whoever runs the image) uses the tool it installs"
                }
            };
            self.decisions
                .push(Decision::new(format!("`{line}` {}", place.words()), why));
            return Ok(place);
        }
        if !facts.system.is_empty() && !facts.has_other() {
            return Ok(self.place_system_run(id, &facts, &runtime, system, final_stage, line));
        }
        let place = if facts.has_other() && id > self.first_install {
            Place::Final
        } else if id < self.last_app_step {
            Place::Both
        } else {
            Place::Final
        };
        let why = match place {
            Place::Both => "it sets up the system before the install, and may shape the runtime",
            _ => "it sets up the runtime",
        };
        self.decisions
            .push(Decision::new(format!("`{line}` {}", place.words()), why));
        Ok(place)
    }
}

/// The package manager of the app's installs; an error when they use more than one.
fn one_manager(install_runs: &[&(ItemId, RunFacts)]) -> Result<Manager, String> {
    let managers: BTreeSet<&str> = install_runs
        .iter()
        .flat_map(|(_, facts)| facts.installs().map(|install| install.manager.name()))
        .collect();
    if managers.len() > 1 {
        return Err(format!(
            "the app's dependencies are installed with more than one package manager ({})",
            managers.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(install_runs[0]
        .1
        .installs()
        .next()
        .expect("an install run installs")
        .manager)
}

/// Declines projects whose production dependencies restage cannot single out or copy:
/// workspaces, packages that download into the user's cache, Yarn 2+.
fn check_project(input: &Input, project: &Project, manager: Manager) -> Result<(), String> {
    if project.workspaces {
        return Err("a workspace (monorepo): which packages the app needs is not something restage can be sure of".into());
    }
    if let Some(package) = project.downloads_on_install()
        && !mentions_any(input, project::SKIP_DOWNLOAD)
    {
        return Err(format!(
            "`{package}` (a dependency in package.json) downloads what it runs into the installing user's cache (~/.cache) when it installs, outside the app folder the final stage copies (set {} to use a browser the image installs)",
            project::SKIP_DOWNLOAD[0]
        ));
    }
    if manager == Manager::Yarn && project::is_yarn_berry(project.context(input.context)) {
        return Err("Yarn 2+ (Berry) installs; pruning its devDependencies needs `yarn workspaces focus --production`, which restage does not set up".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::context::BuildContext;
    use crate::transform::{Options, Outcome, restage};

    /// The reason the rewrite of an app on `base` gives for its final image.
    fn final_image_reason(base: &str) -> String {
        let text = format!(
            "FROM {base}\nWORKDIR /app\nCOPY package.json .\nRUN npm install\nCOPY . .\nCMD [\"node\", \"app.js\"]\n"
        );
        let dockerfile = crate::syntax::parse(&text).unwrap();
        let mut context = BuildContext::default();
        context.files.insert("package.json".into(), "{}".into());
        match restage(&dockerfile, || context, &Options::default()).unwrap() {
            Outcome::Rewritten(rewrite) => rewrite.decisions[0].why.clone(),
            Outcome::Declined(decline) => panic!("{base}: {}", decline.reason),
        }
    }

    #[test]
    fn the_slim_image_runs_yarn_only_where_it_has_it() {
        assert!(final_image_reason("node:20").contains("runs node, npm and yarn"));
        assert!(final_image_reason("node:6").contains("runs node, npm and yarn"));
        let old = final_image_reason("node:4.2.3");
        assert!(old.contains("runs node and npm without"), "{old}");
    }
}
