//! Go (official `golang:*` bases; `go build`, `go install`, `go run`): the builder keeps
//! the original FROM with the sources, downloads modules in their own layer when go.mod
//! comes in by itself, and builds a static binary (`CGO_ENABLED=0`) unless the code
//! needs cgo. The final stage is a minimal image (distroless static by default, glibc
//! distroless for cgo, `scratch`, `alpine` or any image on request) that gets the
//! binaries at the paths the original had them, CA certificates, the runtime files the
//! app reads, and every instruction that shapes the running container. Where a runtime
//! step cannot be carried into that image, the file is left alone with the reason.
//!
//! This file reads the stage into a `Layout` and lays out the plan, instruction by
//! instruction, with the module download layer. `command` reads go commands and RUNs,
//! `facts` the stage, `binaries` what the builds write, `start` the start command;
//! `cgo` says whether the binary needs cgo, `image` picks the final image,
//! `runtime_packages`, `users`, `runs` and `copies` say what of the original the final
//! stage gets, `files` which runtime files the app reads.

mod binaries;
mod cgo;
mod command;
mod copies;
mod facts;
mod files;
mod image;
mod runs;
mod runtime_packages;
mod start;
mod users;

use std::collections::BTreeSet;

use crate::analyze::ItemId;
use crate::ecosystem::Ecosystem;
use crate::syntax::{Command, Keyword};

use super::packages::{self, Manager};
use super::plan::{Step, is_plain_path};
use super::shell::one_line;
use super::{Decision, Decline, Input, Plan};
use binaries::Binary;
use cgo::cgo_reason;
use command::GoBuild;
use copies::{brings_build_sources, carried_copy, copy_anchor, final_copies, final_dirs};
use facts::Facts;
use image::FinalImage;
use runtime_packages::final_packages;
use start::{go_run_build, healthchecks, read_start, start_edits};
use users::check_users;

pub struct Go;

impl super::Transformer for Go {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        plan(input).map_err(|reason| Decline::new(Some(Ecosystem::Go), reason))
    }
}

/// How the container starts: a binary a RUN builds, or `go run`, which becomes one.
enum Start {
    Binary {
        /// The CMD or ENTRYPOINT that starts it.
        id: ItemId,
        binary: Binary,
        by_name: bool,
    },
    GoRun {
        id: ItemId,
        build: GoBuild,
        binary: String,
    },
}

/// What the plan decides before it walks the stage: how the app starts, the final image,
/// and what the final stage gets besides the original's runtime instructions.
struct Layout<'a> {
    facts: Facts<'a>,
    start: Start,
    image: FinalImage,
    /// The binary needs cgo (`cgo::cgo_reason` says why).
    cgo: bool,
    /// RUNs before it prepare the build; after it, the runtime.
    build_point: ItemId,
    /// CMD, ENTRYPOINT and HEALTHCHECK as the final image needs them.
    edits: Vec<(ItemId, Step)>,
    /// What an Alpine final stage installs (`None` for other final images).
    apk: Option<Vec<String>>,
    /// The final stage's COPY --from lines.
    final_copies: Vec<Step>,
    /// Folders the final stage has, so that a RUN's `mkdir` is not copied again.
    final_dirs: BTreeSet<String>,
    /// The COPY after which the builder downloads modules in their own layer, and the
    /// RUN line that does.
    download_after: Option<(ItemId, String)>,
    /// The instruction after which the final stage copies from the builder (`None`: first).
    anchor: Option<ItemId>,
    decisions: Vec<Decision>,
}

fn plan(input: &Input) -> Result<Plan, String> {
    Layout::new(input)?.plan()
}

impl<'a> Layout<'a> {
    /// Reads the stage and decides everything but where each instruction goes; the
    /// decisions come in the order they are made, and the first reason to decline wins.
    fn new(input: &'a Input<'a>) -> Result<Layout<'a>, String> {
        let facts = Facts::read(input)?;
        let start = read_start(&facts)?;
        let mut decisions = Vec::new();
        let cgo = cgo_reason(&facts, &start);
        let (image, decision) =
            FinalImage::choose(&input.stage.base, &input.options.go_final, cgo.as_deref())?;
        decisions.push(decision);
        if let Some(why) = &cgo {
            decisions.push(Decision::new("cgo kept (no `CGO_ENABLED=0`)", why.clone()));
        }

        // What the final stage needs besides the binaries: packages, users, runtime RUNs.
        let mut apk = final_packages(&facts, &image, cgo.is_some(), &mut decisions)?;
        check_users(&facts, &image)?;
        let mut edits = start_edits(&facts, &image, &start, &mut decisions)?;
        if healthchecks(&facts, &image, &mut edits, &mut decisions)?
            && let Some(list) = &mut apk
        {
            list.push("curl".to_owned());
        }

        let build_point = match start {
            Start::GoRun { .. } => ItemId(usize::MAX),
            _ => facts.last_build().unwrap_or(ItemId(0)),
        };
        let (final_copies, copied) =
            final_copies(&facts, &start, input.builder_name, &image, &mut decisions)?;
        let final_dirs = final_dirs(&facts, &copied);
        let download_after = module_download(&facts, &mut decisions);
        let anchor = copy_anchor(&facts, &start);
        Ok(Layout {
            facts,
            start,
            image,
            cgo: cgo.is_some(),
            build_point,
            edits,
            apk,
            final_copies,
            final_dirs,
            download_after,
            anchor,
            decisions,
        })
    }

    /// Lays out both stages, instruction by instruction.
    fn plan(mut self) -> Result<Plan, String> {
        let mut plan = Plan {
            replaced: Vec::new(),
            final_image: self.image.image.clone(),
            builder: Vec::new(),
            final_stage: Vec::new(),
            decisions: std::mem::take(&mut self.decisions),
        };
        self.final_stage_head(&mut plan);
        for &id in &self.facts.input.stage.body {
            self.place(id, &mut plan)?;
            if self.anchor == Some(id) {
                plan.final_stage.extend(self.final_copies.iter().cloned());
            }
        }
        if let Start::GoRun { id, build, binary } = &self.start {
            self.build_go_run(*id, build, binary, &mut plan);
        }
        Ok(plan)
    }

    /// The final stage's own first steps: Alpine's packages, the golang image's working
    /// directory where the file sets none, and the copies when nothing anchors them.
    fn final_stage_head(&self, plan: &mut Plan) {
        let input = self.facts.input;
        if let Some(list) = &self.apk {
            let names: Vec<&str> = list.iter().map(String::as_str).collect();
            plan.final_stage
                .push(Step::New(packages::install_line(Manager::Apk, &names)));
        }
        let first_workdir = input
            .analysis
            .with_keyword(input.stage, Keyword::Workdir)
            .next()
            .and_then(|id| match input.analysis.instruction(id).command() {
                Some(Command::Workdir(dir)) => Some(dir),
                _ => None,
            });
        if first_workdir.is_none_or(|dir| !dir.starts_with(['/', '$'])) {
            plan.final_stage.push(Step::New("WORKDIR /go".into()));
            plan.decisions.push(Decision::new(
                "`WORKDIR /go` in the final stage",
                "the golang image starts in /go, where a relative WORKDIR starts from too; the app keeps that working directory",
            ));
        }
        if self.anchor.is_none() {
            plan.final_stage.extend(self.final_copies.iter().cloned());
        }
    }

    /// Puts one original instruction in the builder, the final stage, both or neither.
    fn place(&self, id: ItemId, plan: &mut Plan) -> Result<(), String> {
        let Some(keyword) = self.facts.input.analysis.instruction(id).keyword else {
            plan.final_stage.push(Step::Keep(id));
            return Ok(());
        };
        match keyword {
            Keyword::Arg => {}
            Keyword::Env | Keyword::Workdir | Keyword::Shell => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
            }
            Keyword::Copy | Keyword::Add => self.place_copy(id, plan),
            Keyword::Run => self.place_run(id, plan)?,
            Keyword::User => {
                if id < self.build_point {
                    plan.builder.push(Step::Keep(id));
                }
                plan.final_stage.push(Step::Keep(id));
            }
            Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck => {
                let step = self.edits.iter().find(|(edited, _)| *edited == id);
                plan.final_stage
                    .push(step.map_or(Step::Keep(id), |(_, step)| step.clone()));
            }
            _ => plan.final_stage.push(Step::Keep(id)),
        }
        Ok(())
    }

    /// A COPY or ADD: in the builder where the build may read it (it comes before the
    /// build or brings in Go source) or the final stage takes none of it, with what the
    /// app reads at run time in the final stage, and the module download after it when
    /// it is the one.
    fn place_copy(&self, id: ItemId, plan: &mut Plan) {
        let carried = carried_copy(&self.facts, id, self.facts.input.builder_name);
        let for_build =
            id < self.build_point || brings_build_sources(&self.facts, id) || carried.is_none();
        if for_build {
            plan.builder.push(Step::Keep(id));
        }
        if let Some((steps, why)) = carried {
            let text = one_line(self.facts.input.analysis.text(id));
            let what = match steps.as_slice() {
                [Step::Keep(_)] if for_build => format!("`{text}` also in the final stage"),
                [Step::Keep(_)] => format!("`{text}` only in the final stage, after the build"),
                _ => format!("the final stage copies what `{text}` brings in for run time"),
            };
            plan.final_stage.extend(steps);
            plan.decisions.push(Decision::new(what, why));
        }
        if let Some((_, line)) = self
            .download_after
            .as_ref()
            .filter(|(after, _)| *after == id)
        {
            plan.builder.push(Step::New(line.clone()));
        }
    }

    /// The builder's `go build` in place of a `go run` start command.
    fn build_go_run(&self, id: ItemId, build: &GoBuild, binary: &str, plan: &mut Plan) {
        let line = go_run_build(build, binary, !self.cgo);
        let input = self.facts.input;
        let user = input.analysis.user_at(input.stage, ItemId(usize::MAX));
        if let Some(user) = user.filter(|user| !matches!(user.as_str(), "root" | "0" | "0:0")) {
            // The app's user may not write where the binary goes (/usr/local/bin).
            plan.builder.push(Step::New("USER root".into()));
            plan.decisions.push(Decision::new(
                "`USER root` before the builder's `go build`",
                format!("`{user}`, the app's user, may not write {binary}; the final stage runs as `{user}` still"),
            ));
        }
        plan.builder.push(Step::New(line.clone()));
        plan.replaced.push(id);
        plan.decisions.push(Decision::new(
            format!(
                "`{}` starts `{binary}` instead",
                one_line(self.facts.input.analysis.text(id))
            ),
            format!(
                "`go run` compiles at every start and needs the toolchain; the builder compiles once (`{line}`)"
            ),
        ));
    }
}

/// The COPY after which the builder downloads modules in their own layer, with the
/// line that does (in the folder go.mod went to), if any.
fn module_download(facts: &Facts, decisions: &mut Vec<Decision>) -> Option<(ItemId, String)> {
    let context = facts.input.context;
    let analysis = facts.input.analysis;
    let already = facts
        .runs
        .values()
        .any(|run| run.downloads || !run.gets.is_empty());
    let Some(&module_copy) = facts.module_copies.last() else {
        if !facts.whole_copies.is_empty() && !already {
            decisions.push(Decision::new(
                "no separate module download layer",
                "the file copies the whole context at once, so modules download with the build; restage does not restructure the COPYs",
            ));
        }
        return None;
    };
    let later_copy = facts.input.stage.body.iter().any(|&id| {
        id > module_copy
            && (analysis.instruction(id).is(Keyword::Copy)
                || analysis.instruction(id).is(Keyword::Add))
    });
    let vendored = context.dirs.contains("vendor")
        || facts
            .vars_at(module_copy)
            .get("GOFLAGS")
            .is_some_and(|flags| flags.contains("-mod=vendor"));
    let go_mod = context.file("go.mod");
    let requires = go_mod.is_none_or(|go_mod| go_mod.contains("require"));
    let local_replace = go_mod.is_some_and(replaces_with_folder);
    let line = one_line(analysis.text(module_copy));
    let why = match (already, later_copy, vendored, requires, local_replace) {
        (true, ..) => return None,
        (_, false, ..) => {
            "go.mod comes in with the sources, so there is no layer of its own to download into"
        }
        (_, _, true, ..) => "the modules are vendored",
        (_, _, _, false, _) => "go.mod requires no modules",
        (.., true) => {
            "go.mod replaces a module with a folder of the sources, which a download before they come in would not find"
        }
        _ => {
            let root = facts.module.root.clone().unwrap_or_default();
            let download = match facts.workdir(module_copy) {
                Ok(dir) if dir == root => "RUN go mod download".to_owned(),
                _ if is_plain_path(&root) && root.starts_with('/') => {
                    format!("RUN cd {root} && go mod download")
                }
                _ => {
                    decisions.push(Decision::new(
                        "no `go mod download` step",
                        "restage cannot name the folder go.mod goes to",
                    ));
                    return None;
                }
            };
            decisions.push(Decision::new(
                format!("`{download}` after `{line}`"),
                "modules download in their own layer, which stays cached until go.mod or go.sum change",
            ));
            return Some((module_copy, download));
        }
    };
    decisions.push(Decision::new("no `go mod download` step", why));
    None
}

/// Whether go.mod replaces a module with a local folder (`replace a => ./lib`): only
/// replace directives have `=>`, on one line or in a block.
fn replaces_with_folder(go_mod: &str) -> bool {
    go_mod.lines().any(|line| {
        let line = line.split("//").next().unwrap_or_default();
        line.split_once("=>")
            .is_some_and(|(_, target)| target.trim_start().starts_with(['.', '/']))
    })
}

#[cfg(test)]
mod tests {
    use super::replaces_with_folder;

    #[test]
    fn local_replaces_on_a_line_or_in_a_block() {
        assert!(replaces_with_folder("module m\nreplace a => ./lib\n"));
        assert!(replaces_with_folder(
            "module m\nreplace (\n\ta v1 => ../a\n)\n"
        ));
        assert!(!replaces_with_folder("module m\nreplace a => b v1.2.0\n"));
        assert!(!replaces_with_folder(
            "module example.com/replacer\nrequire a v1 // => ./x\n"
        ));
    }
}
