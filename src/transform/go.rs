//! Go (official `golang:*` bases; `go build`, `go install`, `go run`): the builder keeps
//! the original FROM with the sources, downloads modules in their own layer when go.mod
//! comes in by itself, and builds a static binary (`CGO_ENABLED=0`) unless the code
//! needs cgo. The final stage is a minimal image (distroless static by default, glibc
//! distroless for cgo, `scratch`, `alpine` or any image on request) that gets the
//! binaries at the paths the original had them, CA certificates, the runtime files the
//! app reads, and every instruction that shapes the running container. Where a runtime
//! step cannot be carried into that image, the file is left alone with the reason.
//!
//! `command` reads go commands and RUNs, `facts` reads the stage, `image` picks the
//! final image, `files` finds runtime files; this file decides and lays out the plan.

mod command;
mod facts;
mod files;
mod final_stage;
mod image;
mod runs;
mod start;

use std::collections::BTreeSet;

use crate::analyze::{ItemId, join};
use crate::ecosystem::{Ecosystem, Variant};
use crate::syntax::{Command, Form, Healthcheck, Keyword, LineKind, Span};

use super::packages::{self, Manager};
use super::plan::{Step, builder_name, is_plain_owner, is_plain_path};
use super::shell::one_line;
use super::{Decision, Decline, Input, Plan, shell};
use command::{GoBuild, RunFacts, exec_form, expand, file_name, parent, uses_shell};
use facts::{Binary, Facts};
use final_stage::{
    carried_copy, check_users, copy_anchor, final_copies, final_dirs, final_packages,
};
use image::{FinalImage, Kind, SYSTEM_PATH};
use runs::{Placement, place_run};
use start::{go_run_build, healthchecks, read_start, start_edits};

pub struct Go;

/// Where a `go run` start command's binary is built.
const GO_RUN_DIR: &str = "/usr/local/bin";

/// Packages that install a C toolchain, which says the build means to use cgo.
const CGO_TOOLCHAIN: &[&str] = &[
    "gcc",
    "g++",
    "clang",
    "build-base",
    "build-essential",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
];

/// Packages a Go build needs and the app does not (besides compilers and headers).
const BUILD_TOOLS: &[&str] = &[
    "git",
    "mercurial",
    "subversion",
    "bzr",
    "make",
    "curl",
    "wget",
    "upx",
    "upx-ucl",
    "protobuf",
    "protobuf-compiler",
    "protoc",
    "unzip",
    "xz-utils",
    "tar",
    "openssh-client",
    "bash",
    "gnupg",
    "binutils",
    "file",
    "patch",
    "zip",
    "ca-certificates",
    "tzdata",
];

/// Healthcheck programs Alpine's busybox provides.
const BUSYBOX: &[&str] = &["wget", "nc", "sh", "pgrep", "pidof", "test", "cat", "grep"];

impl super::Transformer for Go {
    fn plan(&self, input: &Input) -> Result<Plan, Decline> {
        plan(input).map_err(|reason| Decline::new(Some(Ecosystem::Go), reason))
    }
}

/// How the container starts: a binary a RUN builds, or `go run`, which becomes one.
enum Start {
    Binary {
        binary: Binary,
        by_name: bool,
    },
    GoRun {
        id: ItemId,
        build: GoBuild,
        binary: String,
    },
}

fn plan(input: &Input) -> Result<Plan, String> {
    let facts = Facts::read(input)?;
    let analysis = input.analysis;
    let stage = input.stage;
    let text = |id: ItemId| one_line(analysis.text(id));

    let start = read_start(&facts)?;
    let mut decisions = Vec::new();
    let cgo = cgo_reason(&facts, &start);
    let (image, decision) =
        FinalImage::choose(&stage.base, &input.options.go_final, cgo.as_deref())?;
    decisions.push(decision);
    if let Some(why) = &cgo {
        decisions.push(Decision::new("cgo kept (no `CGO_ENABLED=0`)", why.clone()));
    }

    // What the final stage needs besides the binaries: packages, users, runtime RUNs.
    let apk = final_packages(&facts, &image, cgo.is_some(), &mut decisions)?;
    check_users(&facts, &image)?;
    let mut edits = start_edits(&facts, &image, &start, &mut decisions)?;
    let healthcheck_curl = healthchecks(&facts, &image, &mut edits, &mut decisions)?;
    let apk = apk.map(|mut list| {
        if healthcheck_curl {
            list.push("curl".to_owned());
        }
        list
    });

    let builder = builder_name(input);
    let last_build = facts.last_build();
    // RUNs before this point prepare the build; after it, the runtime.
    let build_point = match start {
        Start::GoRun { .. } => ItemId(usize::MAX),
        _ => last_build.unwrap_or(ItemId(0)),
    };
    let final_copies = final_copies(&facts, &start, builder, &image, &mut decisions)?;
    let final_dirs = final_dirs(&facts, &final_copies.1);
    let download_after = module_download(&facts, &mut decisions);
    let anchor = copy_anchor(&facts, &start, build_point);

    let mut plan = Plan {
        replaced: Vec::new(),
        final_image: image.image.clone(),
        builder: Vec::new(),
        final_stage: Vec::new(),
        decisions,
    };
    if let Some(list) = &apk {
        let names: Vec<&str> = list.iter().map(String::as_str).collect();
        plan.final_stage
            .push(Step::New(packages::install_line(Manager::Apk, &names)));
    }
    if analysis
        .with_keyword(stage, Keyword::Workdir)
        .next()
        .is_none()
    {
        plan.final_stage.push(Step::New("WORKDIR /go".into()));
        plan.decisions.push(Decision::new(
            "`WORKDIR /go` in the final stage",
            "the golang image starts in /go; the app keeps that working directory",
        ));
    }
    if anchor.is_none() {
        plan.final_stage.extend(final_copies.0.iter().cloned());
    }

    for &id in &stage.body {
        let Some(keyword) = analysis.instruction(id).keyword else {
            plan.final_stage.push(Step::Keep(id));
            continue;
        };
        match keyword {
            Keyword::Arg => {}
            Keyword::Env | Keyword::Workdir | Keyword::Shell => {
                plan.builder.push(Step::Keep(id));
                plan.final_stage.push(Step::Keep(id));
            }
            Keyword::Copy | Keyword::Add => {
                plan.builder.push(Step::Keep(id));
                if let Some((steps, why)) = carried_copy(&facts, id, builder)? {
                    let what = match steps.as_slice() {
                        [Step::Keep(_)] => format!("`{}` also in the final stage", text(id)),
                        _ => format!(
                            "the final stage copies what `{}` brings in for run time",
                            text(id)
                        ),
                    };
                    plan.final_stage.extend(steps);
                    plan.decisions.push(Decision::new(what, why));
                }
                if download_after == Some(id) {
                    plan.builder.push(Step::New("RUN go mod download".into()));
                }
            }
            Keyword::Run => {
                let placement = Placement {
                    build_point,
                    image: &image,
                    cgo: cgo.is_some(),
                    final_dirs: &final_dirs,
                    builder,
                };
                place_run(&facts, id, &placement, &mut plan)?;
            }
            Keyword::User => {
                if id < build_point {
                    plan.builder.push(Step::Keep(id));
                }
                plan.final_stage.push(Step::Keep(id));
            }
            Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck => {
                let step = edits.iter().find(|(edited, _)| *edited == id);
                plan.final_stage
                    .push(step.map_or(Step::Keep(id), |(_, step)| step.clone()));
            }
            _ => plan.final_stage.push(Step::Keep(id)),
        }
        if anchor == Some(id) {
            plan.final_stage.extend(final_copies.0.iter().cloned());
        }
    }

    if let Start::GoRun { id, build, binary } = &start {
        let line = go_run_build(build, binary, cgo.is_none());
        plan.builder.push(Step::New(line.clone()));
        plan.replaced.push(*id);
        plan.decisions.push(Decision::new(
            format!("`{}` starts `{binary}` instead", text(*id)),
            format!("`go run` compiles at every start; the builder compiles once (`{line}`)"),
        ));
    }
    Ok(plan)
}

/// Why the binary needs cgo, if it does.
fn cgo_reason(facts: &Facts, start: &Start) -> Option<String> {
    let mut settings: Vec<bool> = facts
        .runs
        .iter()
        .filter(|(_, run)| run.is_build())
        .filter_map(|(&id, run)| run.cgo.or_else(|| env_cgo(facts, id)))
        .collect();
    if let Start::GoRun { id, .. } = start {
        settings.extend(env_cgo(facts, *id));
    }
    if settings.contains(&true) {
        return Some("the Dockerfile sets `CGO_ENABLED=1`".into());
    }
    if !settings.is_empty() {
        return None;
    }
    if facts.input.context.uses_cgo() {
        return Some("a .go file in the context imports \"C\"".into());
    }
    let race = match start {
        Start::GoRun { build, .. } => build.race,
        _ => false,
    };
    if race
        || facts
            .runs
            .values()
            .flat_map(|run| &run.builds)
            .any(|(build, _)| build.race)
    {
        return Some("`-race` needs cgo".into());
    }
    facts
        .runs
        .values()
        .flat_map(|run| &run.installs)
        .flat_map(|install| &install.packages)
        .find(|package| CGO_TOOLCHAIN.contains(&package.as_str()))
        .map(|package| format!("the build installs `{package}`, a C toolchain for cgo"))
}

fn env_cgo(facts: &Facts, id: ItemId) -> Option<bool> {
    match facts.vars_at(id).get("CGO_ENABLED").map(String::as_str) {
        Some("0") => Some(false),
        Some("1") => Some(true),
        _ => None,
    }
}

/// The COPY after which the builder downloads modules in their own layer, if any.
fn module_download(facts: &Facts, decisions: &mut Vec<Decision>) -> Option<ItemId> {
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
    let requires = context
        .file("go.mod")
        .is_none_or(|go_mod| go_mod.contains("require"));
    let line = one_line(analysis.text(module_copy));
    let why = match (already, later_copy, vendored, requires) {
        (true, ..) => return None,
        (_, false, ..) => {
            "go.mod comes in with the sources, so there is no layer of its own to download into"
        }
        (_, _, true, _) => "the modules are vendored",
        (_, _, _, false) => "go.mod requires no modules",
        _ => {
            decisions.push(Decision::new(
                format!("`RUN go mod download` after `{line}`"),
                "modules download in their own layer, which stays cached until go.mod or go.sum change",
            ));
            return Some(module_copy);
        }
    };
    decisions.push(Decision::new("no `go mod download` step", why));
    None
}
