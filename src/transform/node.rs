//! Node (official `node:*` bases; npm, yarn v1, pnpm): the builder installs every
//! dependency with the lock file's own command, runs the build the original ran, and
//! prunes the devDependencies; the final stage (the slim variant of a full `node:X`)
//! copies the app folder, production `node_modules` included, and keeps everything that
//! shapes the running container. Global installs follow whoever uses them.
//!
//! `run` reads RUN commands, `project` reads package.json and lock files; this file
//! decides and lays out the plan.

mod paths;
mod project;
mod run;
mod tool;

use crate::transform::shell::one_line;
use std::collections::BTreeSet;

use crate::analyze::ItemId;
use crate::ecosystem::{Ecosystem, Release};
use crate::syntax::{Command, Healthcheck, Keyword, Span};

use super::final_image;
use super::packages::{self, Manager as SystemManager};
use super::plan::{Step, builder_name, is_plain_owner, is_plain_path};
use super::{Decision, Decline, Input, Plan};
use paths::{Vars, glob};
use project::Project;
use run::{Action, Manager, RunFacts};

pub struct Node;

/// System packages that only build native addons (node-gyp), besides compilers and headers.
const GYP_TOOLS: &[&str] = &["python", "python2", "python3", "alpine-sdk", "node-gyp"];

/// Runtime packages an install may need too (dependencies from git over ssh or https).
const FETCH_TOOLS: &[&str] = &["git", "openssh-client", "openssh", "ca-certificates"];

/// Folders a RUN in the builder may write outside the app folder without the final
/// stage missing anything.
const SCRATCH: &[&str] = &[
    "/tmp",
    "/var/cache",
    "/var/lib/apt",
    "/root/.npm",
    "/root/.cache",
    "/dev/null",
    "/usr/local/share/.cache",
];

/// Folders of the base image that an app folder must not be: the final stage copies the
/// app folder whole from the builder.
const SYSTEM_FOLDERS: &[&str] = &[
    "/usr",
    "/usr/local",
    "/usr/local/lib",
    "/usr/local/bin",
    "/usr/lib",
    "/usr/bin",
    "/bin",
    "/sbin",
    "/lib",
    "/etc",
    "/var",
    "/opt",
    "/tmp",
];

/// Where an instruction goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Builder,
    Final,
    Both,
}

impl super::Transformer for Node {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        let decline = |reason| Decline::new(Some(Ecosystem::Node), reason);
        let runs = read_runs(input).map_err(decline)?;
        if tool::is_tool_image(&runs) {
            return tool::plan(input, &runs).map_err(decline);
        }
        Layout::new(input, runs).map_err(decline)?.plan()
    }
}

/// Every RUN of the stage, read; an error when one runs a tool restage does not
/// rewrite around.
fn read_runs(input: &Input) -> Result<Vec<(ItemId, RunFacts)>, String> {
    let runs: Vec<(ItemId, RunFacts)> = input
        .analysis
        .with_keyword(input.stage, Keyword::Run)
        .map(|id| (id, RunFacts::read(input.analysis, id)))
        .collect();
    for (_, facts) in &runs {
        if let Some(Action::Unsupported(tool)) = facts
            .actions
            .iter()
            .find(|a| matches!(a, Action::Unsupported(_)))
        {
            return Err(format!(
                "the build runs `{tool}`, a tool restage does not rewrite around"
            ));
        }
    }
    Ok(runs)
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
    fn new(input: &'a Input<'a>, runs: Vec<(ItemId, RunFacts)>) -> Result<Layout<'a>, String> {
        let analysis = input.analysis;
        let stage = input.stage;
        let install_runs: Vec<&(ItemId, RunFacts)> = runs
            .iter()
            .filter(|(_, facts)| facts.installs().next().is_some())
            .collect();
        let Some(&&(first_install, _)) = install_runs.first() else {
            return Err("nothing to build: no install of the app's dependencies (`npm ci`, `npm install`, `yarn`, `pnpm install`)".into());
        };
        if install_runs.iter().any(|(_, facts)| facts.heredoc) {
            return Err("the dependency install is in a heredoc".into());
        }
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
        let manager = install_runs[0]
            .1
            .installs()
            .next()
            .expect("an install run installs")
            .manager;
        let project = Project::read(input.context);
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
        if manager == Manager::Yarn && project::is_yarn_berry(input.context) {
            return Err("Yarn 2+ (Berry) installs; pruning its devDependencies needs `yarn workspaces focus --production`, which restage does not set up".into());
        }

        let vars = Vars { input };
        let mut app_dirs = BTreeSet::new();
        for (id, facts) in &install_runs {
            let workdir = analysis.workdir_at(stage, *id);
            let dir = match facts.install_dir() {
                Some(cd) => vars.path(cd, workdir.as_deref(), *id),
                None => workdir.and_then(|dir| vars.path(&dir, None, *id)),
            };
            match dir {
                Some(dir) if dir == "/" => {
                    return Err("the dependencies install into the root folder /: there is no app folder to copy to the final stage".into());
                }
                Some(dir) if !is_plain_path(&dir) => {
                    return Err(format!(
                        "the app folder `{dir}` holds blanks, quotes or escapes, which restage does not write into the final stage's COPY line"
                    ));
                }
                Some(dir) if SYSTEM_FOLDERS.contains(&dir.as_str()) => {
                    return Err(format!(
                        "the dependencies install into {dir}, a system folder (Node itself is in /usr/local, yarn in /opt): copying it to the final stage would carry the builder's system files with the app"
                    ));
                }
                Some(dir) => app_dirs.insert(dir),
                None if analysis.workdir_at(stage, *id).is_none()
                    && facts.install_dir().is_none() =>
                {
                    return Err(match stage.base.ecosystem {
                        Some(_) => "the dependencies install into the root folder / (no WORKDIR): there is no app folder to copy to the final stage".into(),
                        None => format!("the dependencies install into the working folder of `{}` (no WORKDIR), which restage cannot see: there is no app folder it can name to copy to the final stage", stage.base.image.raw),
                    });
                }
                None => {
                    return Err(
                        "the app folder is named by a variable restage cannot resolve".into(),
                    );
                }
            };
        }
        if app_dirs.len() > 1 {
            return Err(format!(
                "dependencies install in more than one folder ({})",
                app_dirs.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        let app_dir = app_dirs.pop_first().expect("one app folder");

        let mut layout = Layout {
            input,
            runs: Vec::new(),
            project,
            manager,
            app_dir,
            first_install,
            last_app_step: first_install,
            prune_after: first_install,
            start_words: Vec::new(),
            decisions: Vec::new(),
        };
        // With the manifest bind-mounted for the install, it is in the image only at the end.
        let mut binds = false;
        for (id, facts) in &runs {
            if *id > first_install
                && !facts.is_app_work()
                && layout.is_app_local(facts)
                && is_app_other(facts)
            {
                layout.last_app_step = layout.last_app_step.max(*id);
            }
            if facts.is_app_work() {
                layout.last_app_step = layout.last_app_step.max(*id);
                if facts.installs().next().is_some() || facts.builds().next().is_some() {
                    layout.prune_after = layout.prune_after.max(*id);
                }
                if let Some(other) = facts.others().find(|other| !layout.command_is_local(other)) {
                    return Err(format!(
                        "a RUN mixes the install or build with `{other}`, which changes files outside the app folder {} that the final stage would not get",
                        layout.app_dir
                    ));
                }
                binds |= facts.binds;
            }
        }
        for id in analysis
            .with_keyword(stage, Keyword::Copy)
            .chain(analysis.with_keyword(stage, Keyword::Add))
        {
            if layout.copies_into_app(id)? {
                layout.last_app_step = layout.last_app_step.max(id);
            }
        }
        if binds {
            layout.prune_after = layout.last_app_step;
        }
        for (id, facts) in &runs {
            if *id > first_install
                && *id < layout.last_app_step
                && !facts.is_app_work()
                && facts.has_other()
                && !layout.is_app_local(facts)
            {
                let other = facts.others().next().unwrap_or_default();
                return Err(format!(
                    "`{other}` runs on the installed app before its last build step and changes files outside the app folder {}, which the final stage would not get",
                    layout.app_dir
                ));
            }
        }
        layout.runs = runs;
        layout.start_words = layout.read_start()?;
        Ok(layout)
    }

    /// The runtime command's words and the scripts it runs; declines development servers.
    fn read_start(&self) -> Result<Vec<String>, String> {
        let (entrypoint, cmd) = self.input.analysis.start_command(self.input.stage);
        let mut words: Vec<String> = entrypoint
            .iter()
            .chain(cmd.iter())
            .flat_map(|form| form.words())
            .map(str::to_owned)
            .collect();
        let script = words.windows(3).chain(words.windows(2)).find_map(|window| {
            match window
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["npm" | "pnpm" | "yarn", "run" | "run-script", script] => {
                    Some((*script).to_owned())
                }
                ["npm" | "pnpm" | "yarn", "start", ..] => Some("start".to_owned()),
                _ => None,
            }
        });
        if let Some(script) = &script {
            if script.contains('$') {
                return Err(format!(
                    "the start command runs the npm script `{script}`, chosen when the container starts; restage cannot tell what it needs"
                ));
            }
            if matches!(
                script.as_str(),
                "dev" | "develop" | "watch" | "serve:dev" | "start:dev"
            ) {
                return Err(format!(
                    "the start command runs the `{script}` script, a development server, not a production app"
                ));
            }
            let bodies: Vec<String> = self
                .project
                .run_of(script)
                .into_iter()
                .map(str::to_owned)
                .collect();
            for body in bodies {
                words.extend(body.split_whitespace().map(str::to_owned));
            }
        }
        let has = |a: &str, b: Option<&str>| {
            words.iter().enumerate().any(|(i, w)| {
                w.rsplit('/').next() == Some(a)
                    && b.is_none_or(|b| words.get(i + 1).map(String::as_str) == Some(b))
            })
        };
        let dev_server = [
            ("nodemon", None),
            ("webpack-dev-server", None),
            ("ts-node-dev", None),
            ("react-scripts", Some("start")),
            ("ng", Some("serve")),
            ("vue-cli-service", Some("serve")),
            ("next", Some("dev")),
            ("nuxt", Some("dev")),
            ("vite", Some("dev")),
            ("webpack", Some("serve")),
        ]
        .into_iter()
        .find(|(a, b)| has(a, *b))
        .or_else(|| {
            // A bare `vite` (or `vite --host`) is its dev server too.
            let bare = words.iter().enumerate().any(|(i, w)| {
                w.rsplit('/').next() == Some("vite")
                    && words.get(i + 1).is_none_or(|next| next.starts_with('-'))
            });
            bare.then_some(("vite", None))
        });
        if let Some((tool, sub)) = dev_server {
            let shown = sub.map_or(tool.to_owned(), |sub| format!("{tool} {sub}"));
            return Err(format!(
                "the app starts with `{shown}`, a development server: this is a development image (a front end would need a production server or nginx, which is opt-in)"
            ));
        }
        Ok(words)
    }

    /// Whether a command (of a builder RUN) writes only inside the app folder.
    fn command_is_local(&self, command: &str) -> bool {
        let words = crate::transform::shell::words(command);
        !matches!(words.first().map(String::as_str), Some("useradd" | "adduser" | "groupadd" | "addgroup" | "usermod" | "ln" | "mv") if words.iter().any(|w| w.starts_with('/') && !self.in_app(w)))
            && words.iter().all(|word| {
                let path = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
                !path.starts_with('/')
                    || self.in_app(path)
                    || SCRATCH.iter().any(|s| path.starts_with(s))
            })
    }

    fn is_app_local(&self, facts: &RunFacts) -> bool {
        facts.others().all(|other| self.command_is_local(other))
    }

    fn in_app(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        path == self.app_dir || path.starts_with(&format!("{}/", self.app_dir))
    }

    /// Whether a COPY/ADD puts files in the app folder; an error when its destination
    /// cannot be resolved.
    fn copies_into_app(&self, id: ItemId) -> Result<bool, String> {
        let analysis = self.input.analysis;
        let Some(Command::Copy(copy)) = analysis.instruction(id).command() else {
            return Ok(false);
        };
        let workdir = analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        match vars.path(&copy.dest, workdir.as_deref(), id) {
            Some(dest) => Ok(self.in_app(&dest)),
            None => Err(format!(
                "`{}` copies to a path named by a variable restage cannot resolve",
                one_line(analysis.text(id))
            )),
        }
    }

    fn facts(&self, id: ItemId) -> &RunFacts {
        &self
            .runs
            .iter()
            .find(|(run, _)| *run == id)
            .expect("every RUN is read")
            .1
    }

    fn plan(mut self) -> Result<Plan, Decline> {
        let input = self.input;
        let analysis = input.analysis;
        let (final_image, final_decision) = final_image(
            input,
            "it runs node, npm and yarn without the compilers and headers of the full image",
            "leaving devDependencies, build tools and caches behind",
        );
        self.decisions.push(final_decision);
        let system = SystemManager::of(input);
        let builder = builder_name(input);
        let node_env = self.node_env();
        let edits = self.install_edits();
        let prune = self.prune(node_env.production_install);
        if prune.is_some()
            && let Some(tool) = self
                .start_words
                .iter()
                .find_map(|word| self.project.dev_tool(word))
        {
            return Err(Decline::new(
                Some(Ecosystem::Node),
                format!(
                    "the start command runs `{tool}`, a devDependency, which a production-only final stage would not have"
                ),
            ));
        }
        if let Some(lock) =
            project::lock_manager(input.context).filter(|lock| *lock != self.manager)
        {
            self.decisions.push(Decision::new(
                format!("installs stay with {}", self.manager.name()),
                format!(
                    "the Dockerfile installs with {} although the build context has a {} lock file",
                    self.manager.name(),
                    lock.name()
                ),
            ));
        }
        let chown = self.chown();
        if let Some(owner) = chown.as_ref().filter(|owner| !is_plain_owner(owner)) {
            return Err(Decline::new(
                Some(Ecosystem::Node),
                format!(
                    "the app's owner `{owner}` is not a user or group name restage can write into `COPY --chown`"
                ),
            ));
        }
        let app_copy = format!(
            "COPY --from={builder}{} {dir} {dir}",
            chown
                .as_ref()
                .map(|owner| format!(" --chown={owner}"))
                .unwrap_or_default(),
            dir = self.app_dir
        );
        self.decisions.push(Decision::new(
            format!("the final stage copies {} from the builder", self.app_dir),
            match &prune {
                Some(_) => "the built app with its production node_modules only",
                None => "the app with the node_modules it installed",
            },
        ));

        let mut plan = Plan {
            replaced: Vec::new(),
            final_image,
            builder: Vec::new(),
            final_stage: Vec::new(),
            decisions: Vec::new(),
        };
        let mut pending_prune = prune;
        let mut copied = false;
        for &id in &input.stage.body {
            let Some(keyword) = analysis.instruction(id).keyword else {
                continue;
            };
            let line = one_line(analysis.text(id));
            let place = match keyword {
                Keyword::Arg => continue,
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
                Keyword::Run => self
                    .place_run(id, system, &mut plan.final_stage, &line)
                    .map_err(|reason| Decline::new(Some(Ecosystem::Node), reason))?,
                _ => Place::Final,
            };
            // Nothing after the app's last step shapes the builder's result.
            let place = match place {
                Place::Both if id > self.last_app_step => Place::Final,
                place => place,
            };
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
                plan.builder
                    .push(Step::New(pending_prune.take().expect("checked")));
            }
            if id == self.last_app_step {
                if let Some(prune) = pending_prune.take() {
                    plan.builder.push(Step::New(prune));
                }
                plan.final_stage.push(Step::New(app_copy.clone()));
                copied = true;
            }
        }
        debug_assert!(copied, "the last app step is an instruction of the stage");
        plan.decisions = self.decisions;
        Ok(plan)
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
        let runtime = runtime_packages(&facts, system, self.input.stage.base.release())?;
        if facts.is_app_work()
            || (id > self.first_install && id <= self.last_app_step && is_app_other(&facts))
        {
            let mut extra = Vec::new();
            if !runtime.is_empty() {
                self.decisions.push(Decision::new(
                    format!("`{}` installed in the final stage", runtime.join(" ")),
                    format!("`{line}` installs them in the builder, and they are not build-only"),
                ));
                extra.push(packages::install_line(
                    system,
                    &runtime.iter().map(String::as_str).collect::<Vec<_>>(),
                ));
            }
            if !globals.is_empty() && self.global_place(&globals) != Place::Builder {
                self.decisions.push(Decision::new(
                    format!("`{}` repeated in the final stage", global_texts.join(" && ")),
                    "the start command uses what it installs globally; in the builder the same RUN installs the app's dependencies",
                ));
                extra.push(format!("RUN {}", global_texts.join(" && ")));
            }
            final_stage.extend(extra.into_iter().map(Step::New));
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
            self.decisions.push(Decision::new(
                format!("`{line}` {}", place_words(place)),
                why,
            ));
            return Ok(place);
        }
        if !facts.system.is_empty() && !facts.has_other() {
            let all: Vec<&String> = facts
                .system
                .iter()
                .flat_map(|install| &install.packages)
                .collect();
            let build_only = all.iter().filter(|p| is_build_only(p)).count();
            if build_only == all.len() {
                self.decisions.push(Decision::new(
                    format!("`{line}` only in the builder"),
                    "it installs build tools (compilers, node-gyp's python and make)",
                ));
                return Ok(Place::Builder);
            }
            if build_only == 0 {
                let fetch = all.iter().find(|p| FETCH_TOOLS.contains(&p.as_str()));
                let place = if fetch.is_some() && id < self.prune_after {
                    Place::Both
                } else {
                    Place::Final
                };
                let why = match fetch {
                    Some(tool) if place == Place::Both => format!(
                        "the install may need `{tool}` (git dependencies), and the running app may too"
                    ),
                    _ => "runtime packages; the install does not need them".to_owned(),
                };
                self.decisions.push(Decision::new(
                    format!("`{line}` {}", place_words(place)),
                    why,
                ));
                return Ok(place);
            }
            if build_only > 0 {
                self.decisions.push(Decision::new(
                    format!(
                        "`{line}` in the builder; `{}` installed in the final stage",
                        runtime.join(" ")
                    ),
                    "the build tools stay behind; the other packages are runtime packages",
                ));
                final_stage.push(Step::New(packages::install_line(
                    system,
                    &runtime.iter().map(String::as_str).collect::<Vec<_>>(),
                )));
                return Ok(Place::Builder);
            }
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
        self.decisions.push(Decision::new(
            format!("`{line}` {}", place_words(place)),
            why,
        ));
        Ok(place)
    }

    /// Which stage needs a global install of `packages`.
    fn global_place(&self, packages: &[String]) -> Place {
        if packages.iter().any(|p| run::is_package_manager(p)) {
            return Place::Both;
        }
        let bins: Vec<String> = packages.iter().flat_map(|p| run::bins(p)).collect();
        let uses = |words: &[String]| {
            words.iter().any(|w| {
                bins.iter()
                    .any(|bin| w.rsplit('/').next() == Some(bin.as_str()))
            })
        };
        let mut build_words: Vec<String> = Vec::new();
        for (_, facts) in &self.runs {
            for build in facts.builds().chain(facts.others()) {
                build_words.extend(build.split_whitespace().map(str::to_owned));
                for script in build
                    .split_whitespace()
                    .skip(1)
                    .filter(|w| !w.starts_with('-'))
                {
                    for body in self.project.run_of(script) {
                        build_words.extend(body.split_whitespace().map(str::to_owned));
                    }
                }
            }
        }
        let healthcheck: Vec<String> = self
            .input
            .analysis
            .with_keyword(self.input.stage, Keyword::Healthcheck)
            .filter_map(|id| match self.input.analysis.instruction(id).command() {
                Some(Command::Healthcheck(Healthcheck::Cmd { command, .. })) => Some(
                    command
                        .words()
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        let runtime = uses(&self.start_words) || uses(&healthcheck);
        match (uses(&build_words), runtime) {
            (true, true) => Place::Both,
            (true, false) => Place::Builder,
            _ => Place::Final,
        }
    }

    fn node_env(&mut self) -> NodeEnv {
        let analysis = self.input.analysis;
        let vars = Vars { input: self.input };
        let production = analysis.with_keyword(self.input.stage, Keyword::Env).find(|&id| {
            id < self.first_install
                && matches!(analysis.instruction(id).command(), Some(Command::Env(pairs)) if pairs.iter().any(|(name, value)| {
                    name == "NODE_ENV" && vars.expand(value, id).is_some_and(|v| v.eq_ignore_ascii_case("production"))
                }))
        });
        let flags_production = self
            .runs
            .iter()
            .flat_map(|(_, f)| f.installs())
            .all(|i| i.production || i.named);
        let Some(env) = production else {
            return NodeEnv {
                dropped: None,
                production_install: flags_production,
            };
        };
        let builds = self
            .runs
            .iter()
            .any(|(_, facts)| facts.builds().next().is_some());
        let single = matches!(analysis.instruction(env).command(), Some(Command::Env(pairs)) if pairs.len() == 1);
        let needs_dev = builds && !self.project.dev_dependencies.is_empty();
        if needs_dev && single {
            self.decisions.push(Decision::new(
                format!("`{}` only in the final stage", one_line(analysis.text(env))),
                "in the builder it would make the install skip the devDependencies that the build needs (package.json has devDependencies); the app still runs with NODE_ENV=production",
            ));
            return NodeEnv {
                dropped: Some(env),
                production_install: flags_production,
            };
        }
        self.decisions.push(Decision::new(
            format!("`{}` kept in the builder", one_line(analysis.text(env))),
            "NODE_ENV=production before the install installs production dependencies only, as the original did; nothing to prune",
        ));
        NodeEnv {
            dropped: None,
            production_install: true,
        }
    }

    /// The builder's prune of devDependencies, if it needs one.
    fn prune(&mut self, production_install: bool) -> Option<String> {
        let base = &self.input.stage.base;
        if self
            .runs
            .iter()
            .any(|(_, facts)| facts.actions.contains(&Action::Prune))
        {
            self.decisions.push(Decision::new(
                "no prune added",
                "the original prunes the dependencies itself",
            ));
            return None;
        }
        if production_install {
            self.decisions.push(Decision::new("no prune", "the install takes production dependencies only (or named packages), as in the original"));
            return None;
        }
        let lock = self.lock_present();
        let (command, why) = match self.manager {
            Manager::Npm if project::npm_has_omit(base) => {
                ("npm prune --omit=dev".to_owned(), "npm 7 and later")
            }
            Manager::Npm if base.ecosystem.is_some() => (
                "npm prune --production".to_owned(),
                "the npm of this Node version predates `--omit=dev`",
            ),
            Manager::Npm => (
                "npm prune --production".to_owned(),
                "the base image's npm may predate `--omit=dev`, and every npm takes `--production`",
            ),
            Manager::Yarn if lock => (
                "yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline"
                    .to_owned(),
                "yarn v1 has no prune; a production install over the same lock removes the devDependencies",
            ),
            Manager::Yarn => (
                "yarn install --production --ignore-scripts --prefer-offline".to_owned(),
                "yarn v1 has no prune; a production install removes the devDependencies",
            ),
            Manager::Pnpm => ("pnpm prune --prod".to_owned(), "pnpm's own prune"),
        };
        self.decisions.push(Decision::new(
            format!("the builder runs `{command}` after the install and build"),
            format!("the final stage gets production dependencies only ({why})"),
        ));
        Some(format!("RUN {command}"))
    }

    /// Whether the manager's lock file is there: in the context, or named by a COPY or a bind mount.
    fn lock_present(&self) -> bool {
        let locks = self.manager.lock_files();
        if locks.iter().any(|lock| self.input.context.has(lock)) {
            return true;
        }
        let analysis = self.input.analysis;
        self.input
            .stage
            .body
            .iter()
            .any(|&id| match analysis.instruction(id).command() {
                Some(Command::Copy(copy)) => copy
                    .sources
                    .iter()
                    .any(|s| locks.contains(&s.rsplit('/').next().unwrap_or(s))),
                Some(Command::Run(run)) => run.mounts.iter().any(|m| {
                    locks
                        .iter()
                        .any(|lock| m.contains(&format!("source={lock}")))
                }),
                _ => false,
            })
    }

    /// Whether the lock file is in the image (or mounted) when `id` runs.
    fn lock_copied_before(&self, id: ItemId) -> bool {
        let analysis = self.input.analysis;
        let locks = self.manager.lock_files();
        let known =
            locks.iter().any(|lock| self.input.context.has(lock)) || !self.input.context.present;
        self.input
            .stage
            .body
            .iter()
            .filter(|&&before| before <= id)
            .any(|&before| match analysis.instruction(before).command() {
                Some(Command::Copy(copy)) if copy.from.is_none() => {
                    copy.sources.iter().any(|source| {
                        let name = source
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or(source);
                        locks.contains(&name)
                            || (known
                                && (source == "."
                                    || source.ends_with('/')
                                    || locks.iter().any(|lock| glob(name, lock))))
                    })
                }
                Some(Command::Run(run)) => run.mounts.iter().any(|m| {
                    locks
                        .iter()
                        .any(|lock| m.contains(&format!("source={lock}")))
                }),
                _ => false,
            })
    }

    /// Edits that make installs use the lock file (`npm install` → `npm ci`,
    /// `--frozen-lockfile` for yarn and pnpm).
    fn install_edits(&mut self) -> Vec<(ItemId, Vec<(Span, String)>)> {
        let mut out = Vec::new();
        let present = self.lock_present();
        let base = &self.input.stage.base;
        let analysis = self.input.analysis;
        for (id, facts) in &self.runs {
            let loose: Vec<_> = facts
                .installs()
                .filter(|i| !i.frozen && !i.named && !i.ignores_lock)
                .collect();
            let Some(first) = loose.first() else { continue };
            let shown = first.text.clone();
            let refuse = if !present {
                Some(
                    "no lock file is known (none in the build context or named by a COPY)"
                        .to_owned(),
                )
            } else if !self.lock_copied_before(*id) {
                Some("the lock file is not in the image when it runs".to_owned())
            } else if facts.exec_form {
                Some("it is an exec-form RUN".to_owned())
            } else if self.manager == Manager::Npm && !project::npm_has_ci(base) {
                Some(match base.ecosystem {
                    Some(_) => "the npm of this Node version predates `npm ci`".to_owned(),
                    None => format!("the npm of `{}` may predate `npm ci`", base.image.raw),
                })
            } else if self.manager == Manager::Npm && loose.iter().any(|i| i.unusual_flags) {
                Some("it has options `npm ci` may not take".to_owned())
            } else {
                None
            };
            if let Some(why) = refuse {
                self.decisions
                    .push(Decision::new(format!("`{shown}` kept as written"), why));
                continue;
            }
            let only_flags = |rest: &str| {
                rest.split_whitespace()
                    .all(|w| w.starts_with('-') || w == "\\")
            };
            let not_frozen =
                |rest: &str| !rest.contains("--frozen-lockfile") && !rest.contains("--immutable");
            // The phrases of a loose install, whether a frozen one is left alone, and
            // the lock file's own command.
            let (phrases, frozen_stays, replacement): (&[&str], bool, &str) = match self.manager {
                Manager::Npm => (&["npm install", "npm i", "npm isntall"], false, "npm ci"),
                Manager::Yarn => (
                    &["yarn install", "yarn"],
                    true,
                    "yarn install --frozen-lockfile",
                ),
                Manager::Pnpm => (
                    &["pnpm install", "pnpm i"],
                    true,
                    "pnpm install --frozen-lockfile",
                ),
            };
            let mut spans: Vec<Span> = phrases
                .iter()
                .flat_map(|phrase| {
                    run::phrase_spans(analysis, *id, phrase, |rest| {
                        only_flags(rest) && (!frozen_stays || not_frozen(rest))
                    })
                })
                .collect();
            spans.sort_by_key(|s| s.start);
            // `yarn` also matches where `yarn install` does.
            spans.dedup_by_key(|s| s.start);
            if spans.len() != loose.len() {
                self.decisions.push(Decision::new(
                    format!("`{shown}` kept as written"),
                    "restage could not place the change in the RUN's text",
                ));
                continue;
            }
            let edits: Vec<(Span, String)> = spans
                .into_iter()
                .map(|span| (span, replacement.to_owned()))
                .collect();
            self.decisions.push(Decision::new(
                format!("`{shown}` installs with `{replacement}`"),
                "the lock file's own command installs exactly the locked versions, devDependencies included for the build",
            ));
            out.push((*id, edits));
        }
        out
    }

    /// The owner the final stage's copy of the app needs.
    fn chown(&mut self) -> Option<String> {
        let analysis = self.input.analysis;
        let stage = self.input.stage;
        let mut owners: Vec<String> = Vec::new();
        for &id in &stage.body {
            match analysis.instruction(id).command() {
                Some(Command::Copy(copy)) if self.copies_into_app(id).unwrap_or(false) => {
                    owners.extend(copy.chown)
                }
                Some(Command::Run(_)) => {
                    for action in &self.facts(id).actions {
                        if let Action::Setup(text) = action {
                            let words = crate::transform::shell::words(text);
                            if let ["chown", rest @ ..] = words
                                .iter()
                                .map(String::as_str)
                                .collect::<Vec<_>>()
                                .as_slice()
                            {
                                let args: Vec<&&str> =
                                    rest.iter().filter(|w| !w.starts_with('-')).collect();
                                if let [owner, paths @ ..] = args.as_slice() {
                                    let workdir = analysis.workdir_at(stage, id);
                                    let vars = Vars { input: self.input };
                                    if paths.iter().any(|p| {
                                        vars.path(p, workdir.as_deref(), id)
                                            .is_some_and(|p| self.in_app(&p))
                                    }) {
                                        owners.push((**owner).to_owned());
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(owner) = owners.last() {
            self.decisions.push(Decision::new(
                format!("the app is copied with `--chown={owner}`"),
                "the original gave the app's files to this owner",
            ));
            return Some(owner.clone());
        }
        let user = analysis
            .with_keyword(stage, Keyword::User)
            .last()
            .and_then(|id| match analysis.instruction(id).command() {
                Some(Command::User(user)) => Some((id, user)),
                _ => None,
            });
        match user {
            Some((_, user)) if user == "node" || user.starts_with("node:") => {
                self.decisions.push(Decision::new(
                    "the app is copied with `--chown=node:node`",
                    "the app runs as the image's `node` user, who may need to write in its folder",
                ));
                Some("node:node".into())
            }
            Some((id, user)) if id < self.first_install => {
                self.decisions.push(Decision::new(
                    format!("the app is copied with `--chown={user}`"),
                    "the original installed the app as this user",
                ));
                Some(user)
            }
            _ => None,
        }
    }
}

struct NodeEnv {
    /// The `ENV NODE_ENV=production` left out of the builder.
    dropped: Option<ItemId>,
    /// The builder's install takes production dependencies only.
    production_install: bool,
}

/// A RUN of commands restage does not know, which operates on the app after the install.
fn is_app_other(facts: &RunFacts) -> bool {
    facts.has_other() && facts.system.is_empty() && facts.globals().0.is_empty()
}

fn is_build_only(package: &str) -> bool {
    packages::is_build_only(package) || GYP_TOOLS.contains(&package)
}

/// The packages a RUN installs that the final stage needs too: the runtime libraries
/// `-dev` packages imply (by their name in the final image's Debian `release`) and
/// every package that is not build-only.
fn runtime_packages(
    facts: &RunFacts,
    system: SystemManager,
    release: Release,
) -> Result<Vec<String>, String> {
    let mut runtime = Vec::new();
    for install in &facts.system {
        for package in &install.packages {
            let needed = match packages::runtime_for(package, system)
                .or_else(|| addon_library(package, system))
            {
                Some(library) => Some(packages::release_name(library, system, release)?.to_owned()),
                None if !is_build_only(package) => Some(package.clone()),
                None => None,
            };
            runtime.extend(needed.filter(|p| !runtime.contains(p)));
        }
    }
    Ok(runtime)
}

/// Runtime libraries of `-dev` packages that native addons (sharp, canvas) link against.
fn addon_library(package: &str, system: SystemManager) -> Option<&'static str> {
    let table: &[(&str, &str)] = match system {
        SystemManager::Apt => &[
            ("libvips-dev", "libvips42"),
            ("libcairo2-dev", "libcairo2"),
            ("libpango1.0-dev", "libpangocairo-1.0-0"),
            ("libgif-dev", "libgif7"),
            ("librsvg2-dev", "librsvg2-2"),
        ],
        SystemManager::Apk => &[
            ("vips-dev", "vips"),
            ("cairo-dev", "cairo"),
            ("pango-dev", "pango"),
            ("giflib-dev", "giflib"),
            ("librsvg-dev", "librsvg"),
        ],
    };
    table
        .iter()
        .find(|(dev, _)| *dev == package)
        .map(|(_, library)| *library)
}

fn place_words(place: Place) -> &'static str {
    match place {
        Place::Builder => "only in the builder",
        Place::Final => "kept in the final stage",
        Place::Both => "kept in both stages",
    }
}
