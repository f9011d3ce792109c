//! Tool images: a `node:*` image with no app of its own, which installs command-line
//! tools with `npm install -g` and runs one of them. The builder installs the global
//! packages into a prefix restage owns (`--prefix=/opt/node-global`: the packages in
//! `lib/node_modules`, their commands as links in `bin/`), next to the build tools of
//! native addons; the final stage copies the prefix, links and all, and puts its `bin/`
//! on PATH. Nothing is copied over `/usr/local`, which belongs to the base image.
//!
//! This file owns the decision whether a tool image can be rewritten and its plan; the
//! app images are `Layout`'s business.

use crate::analyze::ItemId;
use crate::syntax::{Keyword, Span};
use crate::transform::final_image;
use crate::transform::packages::{self, Manager as SystemManager};
use crate::transform::plan::Step;
use crate::transform::shell::{self, one_line, program_name};
use crate::transform::{Decision, Input, Plan};

use super::Place;
use super::project::DOWNLOADS_ON_INSTALL;
use super::run::{self, Action, RunFacts};
use super::system::{addon_library, runtime_install, runtime_packages};

/// Where the builder installs the global packages.
const PREFIX: &str = "/opt/node-global";

/// Where `yarn global add` keeps the packages in the builder, inside the prefix.
const YARN_GLOBAL_FOLDER: &str = "/opt/node-global/yarn";

/// Whether the image installs global packages and no app dependencies: a tool image.
pub fn is_tool_image(runs: &[(ItemId, RunFacts)]) -> bool {
    runs.iter()
        .all(|(_, facts)| facts.installs().next().is_none())
        && runs.iter().any(|(_, facts)| !facts.globals().0.is_empty())
}

/// The plan of a tool image, or why it is not one restage can rewrite.
pub fn plan(input: &Input, runs: &[(ItemId, RunFacts)]) -> Result<Plan, String> {
    let analysis = input.analysis;
    let (global_runs, packages) = global_installs(input, runs)?;
    let last_global = *global_runs.last().expect("a tool image installs globally");
    let started = started_tool(input, &packages)?;

    let (final_image, final_decision) = final_image(
        input,
        "it runs node without the compilers and headers of the full image",
        "leaving build tools and npm's cache behind",
    );
    let system = SystemManager::of(input);
    let mut plan = Plan {
        replaced: Vec::new(),
        final_image: final_image.clone(),
        builder: Vec::new(),
        final_stage: Vec::new(),
        decisions: vec![
            final_decision,
            Decision::new(
                format!(
                    "a tool image: the start command runs `{started}`, which the image installs globally"
                ),
                "the tool's packages are all the image holds besides its base, so they are what the final stage copies",
            ),
        ],
    };
    for &id in &input.stage.body {
        let Some(keyword) = analysis.instruction(id).keyword else {
            continue;
        };
        let before = id < last_global;
        let place = match keyword {
            Keyword::Arg => continue,
            Keyword::User if before => {
                return Err(format!(
                    "`{}` comes before the global install, which then runs as that user: where it installs depends on that user's npm setup, and the builder's {PREFIX} is root's",
                    one_line(analysis.text(id))
                ));
            }
            Keyword::Env | Keyword::Workdir | Keyword::Shell | Keyword::Copy | Keyword::Add
                if before =>
            {
                Place::Both
            }
            Keyword::Run => {
                let facts = &runs
                    .iter()
                    .find(|(run, _)| *run == id)
                    .expect("every RUN is read")
                    .1;
                place_run(input, id, facts, before, system, &mut plan)?
            }
            _ => Place::Final,
        };
        if matches!(place, Place::Builder | Place::Both) {
            let step = if global_runs.contains(&id) {
                prefix_edit(input, id, runs)?
            } else {
                Step::Keep(id)
            };
            plan.builder.push(step);
        }
        if matches!(place, Place::Final | Place::Both) {
            plan.final_stage.push(Step::Keep(id));
        }
        if id == last_global {
            final_prefix(&mut plan, input.builder_name, &global_commands(runs));
        }
    }
    Ok(plan)
}

/// The RUNs that install globally and the packages they install; an error when one
/// does more, or installs a package restage cannot carry.
fn global_installs(
    input: &Input,
    runs: &[(ItemId, RunFacts)],
) -> Result<(Vec<ItemId>, Vec<String>), String> {
    let mut global_runs = Vec::new();
    let mut packages = Vec::new();
    for (id, facts) in runs {
        let (installed, _) = facts.globals();
        if installed.is_empty() {
            continue;
        }
        check_global_run(facts)?;
        if facts.heredoc {
            return Err(format!(
                "`{}` installs in a heredoc",
                one_line(input.analysis.text(*id))
            ));
        }
        global_runs.push(*id);
        packages.extend(installed);
    }
    check_packages(&packages)?;
    Ok((global_runs, packages))
}

/// A RUN that installs globally must do nothing else the final stage would miss: only
/// system packages, npm housekeeping and clean-up may come with it.
fn check_global_run(facts: &RunFacts) -> Result<(), String> {
    for action in &facts.actions {
        match action {
            Action::Global { text, .. } => {
                let words = shell::words(text);
                if !matches!(words.first().map(String::as_str), Some("npm" | "yarn")) {
                    return Err(format!(
                        "`{text}` is a global install restage does not move (only `npm install -g` and `yarn global add` are)"
                    ));
                }
                if words.iter().any(|w| {
                    ["--prefix", "--global-folder"]
                        .iter()
                        .any(|flag| w == flag || w.starts_with(&format!("{flag}=")))
                }) {
                    return Err(format!("`{text}` chooses its own prefix"));
                }
            }
            Action::Chain | Action::Cd(_) => {}
            Action::Other(text) | Action::Setup(text) | Action::Build(text) => {
                return Err(format!(
                    "a RUN mixes the global install with `{text}`, which may change files outside {PREFIX} that the final stage would not get"
                ));
            }
            Action::Prune => {
                return Err(
                    "a RUN mixes the global install with `npm prune`, which works on a project restage does not see"
                        .into(),
                );
            }
            Action::Install(_) | Action::Unsupported(_) => {
                unreachable!("a tool image has no app install, and no tool restage does not know")
            }
        }
    }
    if facts.exec_form {
        return Err("an exec-form RUN installs globally".into());
    }
    Ok(())
}

/// Global packages the prefix can hold whole: registry packages (not folders, which
/// npm links instead of copying), not package managers, nothing that downloads at
/// install time into the user's cache.
fn check_packages(packages: &[String]) -> Result<(), String> {
    for package in packages {
        if package.starts_with(['.', '/', '~']) || package.starts_with("file:") {
            return Err(format!(
                "`npm install -g {package}` links a folder of the image rather than copying a package"
            ));
        }
        if run::is_package_manager(package) {
            return Err(format!(
                "the image installs the package manager `{package}` globally, which shapes the base image's own npm"
            ));
        }
        if DOWNLOADS_ON_INSTALL.contains(&run::package_name(package).as_str()) {
            return Err(format!(
                "`{package}` downloads what it runs into the user's cache when it installs, outside {PREFIX}"
            ));
        }
    }
    Ok(())
}

/// The command of the global packages that the start command runs; an error when it
/// runs none of them, since then the image's use is not something restage can tell.
fn started_tool(input: &Input, packages: &[String]) -> Result<String, String> {
    let (entrypoint, cmd) = input.analysis.start_command(input.stage);
    let words: Vec<&str> = entrypoint
        .iter()
        .chain(cmd.iter())
        .flat_map(|form| form.words())
        .collect();
    let bins: Vec<String> = packages.iter().flat_map(|p| run::bins(p)).collect();
    words
        .iter()
        .find_map(|word| {
            let name = program_name(word);
            bins.iter().find(|bin| *bin == name).cloned()
        })
        .ok_or_else(|| {
            format!(
                "the image only installs global packages ({}) and its start command `{}` runs none of their commands: a tool image whose use restage cannot tell",
                packages.join(", "),
                words.join(" ")
            )
        })
}

/// Where a RUN of a tool image goes. Before the last global install: a global install
/// or build tools to the builder (runtime packages to the final stage as a new
/// install), anything else to both stages; after it, the final stage, where the
/// tools are already in place.
fn place_run(
    input: &Input,
    id: ItemId,
    facts: &RunFacts,
    before: bool,
    system: SystemManager,
    plan: &mut Plan,
) -> Result<Place, String> {
    let line = one_line(input.analysis.text(id));
    let globals = !facts.globals().0.is_empty();
    if !before && !globals {
        plan.decisions.push(Decision::new(
            format!("`{line}` {}", Place::Final.words()),
            "it runs after the tools are installed and sets up the runtime",
        ));
        return Ok(Place::Final);
    }
    let installs_system_packages_only = !facts.system.is_empty()
        && facts
            .actions
            .iter()
            .all(|action| matches!(action, Action::Chain | Action::Cd(_)));
    if !globals && !installs_system_packages_only {
        plan.decisions.push(Decision::new(
            format!("`{line}` {}", Place::Both.words()),
            "it sets up the system before the global install, and may shape the runtime",
        ));
        return Ok(Place::Both);
    }
    if let Some(headers) = facts
        .system
        .iter()
        .flat_map(|install| &install.packages)
        .find(|package| {
            packages::is_library_headers(package)
                && packages::runtime_for(package, system).is_none()
                && addon_library(package, system).is_none()
        })
    {
        return Err(format!(
            "`{headers}` is a library that native addons may link against, and restage does not know its runtime package for the final stage"
        ));
    }
    let runtime = runtime_packages(facts, system, input.stage.base.release())?;
    if !runtime.is_empty() {
        plan.decisions.push(Decision::new(
            format!("`{}` installed in the final stage", runtime.join(" ")),
            format!("`{line}` installs them in the builder, and they are not build-only"),
        ));
        plan.final_stage.push(runtime_install(system, &runtime));
    }
    plan.decisions.push(Decision::new(
        format!("`{line}` {}", Place::Builder.words()),
        if globals {
            "it installs the tools, which the final stage copies"
        } else {
            "it installs build tools (compilers, node-gyp's python and make)"
        },
    ));
    Ok(Place::Builder)
}

/// The global install RUN with `--prefix=/opt/node-global` after each `npm install`.
fn prefix_edit(input: &Input, id: ItemId, runs: &[(ItemId, RunFacts)]) -> Result<Step, String> {
    let analysis = input.analysis;
    let facts = &runs.iter().find(|(run, _)| *run == id).expect("read").1;
    let globals = facts
        .actions
        .iter()
        .filter(|action| matches!(action, Action::Global { .. }))
        .count();
    let is_global = |rest: &str| {
        rest.split_whitespace()
            .any(|w| matches!(w, "-g" | "--global" | "--location=global"))
    };
    // npm's global installs take the prefix; yarn's also its global folder, where it
    // keeps the packages (it links their commands into the prefix's bin/).
    let npm = ["npm install", "npm i", "npm add", "npm isntall"]
        .iter()
        .flat_map(|phrase| run::phrase_spans(analysis, id, phrase, is_global))
        .map(|span| (span, format!(" --prefix={PREFIX}")));
    let yarn = run::phrase_spans(analysis, id, "yarn global add", |_| true)
        .into_iter()
        .map(|span| {
            let options = format!(" --prefix {PREFIX} --global-folder {YARN_GLOBAL_FOLDER}");
            (span, options)
        });
    let mut edits: Vec<(Span, String)> = npm
        .chain(yarn)
        .map(|(span, options)| (Span::new(span.end, span.end), options))
        .collect();
    edits.sort_by_key(|(span, _)| span.start);
    if edits.len() != globals {
        return Err("could not place the --prefix option in the RUN's text".into());
    }
    Ok(Step::edit(analysis, id, edits))
}

/// The global install commands of the image, as the builder runs them (for the decision).
fn global_commands(runs: &[(ItemId, RunFacts)]) -> Vec<String> {
    let texts: Vec<String> = runs
        .iter()
        .flat_map(|(_, facts)| facts.globals().1)
        .collect();
    let mut commands = Vec::new();
    if texts.iter().any(|text| text.starts_with("npm")) {
        commands.push(format!("`npm install -g --prefix={PREFIX}`"));
    }
    if texts.iter().any(|text| text.starts_with("yarn")) {
        commands.push(format!(
            "`yarn global add --prefix {PREFIX} --global-folder {YARN_GLOBAL_FOLDER}`"
        ));
    }
    commands
}

/// The final stage's copy of the prefix, where the last global install was.
fn final_prefix(plan: &mut Plan, builder: &str, commands: &[String]) {
    plan.final_stage.push(Step::New(format!(
        "COPY --from={builder} {PREFIX} {PREFIX}"
    )));
    plan.final_stage
        .push(Step::New(format!("ENV PATH={PREFIX}/bin:$PATH")));
    plan.decisions.push(Decision::new(
        format!(
            "the builder installs globally into {PREFIX} ({}); the final stage copies {PREFIX} and puts its bin/ on PATH",
            commands.join(", ")
        ),
        "the prefix holds the packages and their commands as links in bin/, which the copy keeps; /usr/local, where npm and yarn install by default, holds the base image's own node, npm and yarn and is not copied",
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_the_prefix_cannot_hold() {
        assert!(check_packages(&["tiddlywiki".into(), "wrangler@3".into()]).is_ok());
        assert!(check_packages(&[".".into()]).is_err());
        assert!(check_packages(&["npm@10".into()]).is_err());
        assert!(check_packages(&["puppeteer@22".into()]).is_err());
    }

    #[test]
    fn global_runs_that_do_more_decline() {
        let facts = |line: &str| RunFacts {
            actions: shell::commands(line)
                .into_iter()
                .map(|command| {
                    let words = shell::words(command);
                    let words: Vec<&str> = words.iter().map(String::as_str).collect();
                    run::action(&words, command)
                })
                .collect(),
            ..RunFacts::default()
        };
        assert!(check_global_run(&facts("npm i -g x && npm cache clean --force")).is_ok());
        assert!(check_global_run(&facts("npm i -g x && npm prune")).is_err());
        assert!(check_global_run(&facts("npm i -g x && ln -s /a /b")).is_err());
        assert!(check_global_run(&facts("yarn global add x")).is_ok());
        assert!(check_global_run(&facts("yarn global add --global-folder /g x")).is_err());
        assert!(check_global_run(&facts("npm install -g --prefix /x y")).is_err());
    }
}
