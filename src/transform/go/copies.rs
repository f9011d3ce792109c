//! What the final stage copies from the builder: the binaries (at the paths the start
//! command finds them), the runtime files a COPY of the whole context brought in,
//! scratch's CA certificates and time zones, the runtime files of the original's other
//! COPYs, and where those copies go. Packages and users are other files' part.

use std::collections::BTreeSet;

use crate::analyze::{ItemId, file_name, join, parent};
use crate::glob;
use crate::syntax::{Command, Keyword};
use crate::transform::Decision;
use crate::transform::plan::{Step, is_plain_owner, is_plain_path};
use crate::transform::shell::one_line;

use super::Start;
use super::facts::{Facts, insert_with_parents};
use super::files;
use super::image::{FinalImage, Kind, SYSTEM_PATH};

/// The COPY --from lines the final stage gets, the paths they write, and the first
/// word that cannot be written into such a line.
struct Copies<'a> {
    builder: &'a str,
    steps: Vec<Step>,
    paths: Vec<String>,
    not_plain: Option<String>,
}

impl Copies<'_> {
    fn add(&mut self, from: &str, to: &str, chown: Option<&str>) {
        if let Some(path) = [from, to].into_iter().find(|path| !is_plain_path(path)) {
            self.not_plain.get_or_insert_with(|| path.to_owned());
        }
        if let Some(owner) = chown.filter(|owner| !is_plain_owner(owner)) {
            self.not_plain.get_or_insert_with(|| owner.to_owned());
        }
        self.steps
            .push(Step::New(copy_line(self.builder, chown, from, to)));
        self.paths.push(to.to_owned());
    }
}

/// `COPY --from=<builder> [--chown=<owner>] <from> <to>`.
fn copy_line(builder: &str, chown: Option<&str>, from: &str, to: &str) -> String {
    let chown = chown.map(|c| format!(" --chown={c}")).unwrap_or_default();
    format!("COPY --from={builder}{chown} {from} {to}")
}

/// The final stage's COPY --from lines (binaries, runtime files, certificates) and the
/// folders they create.
pub(super) fn final_copies(
    facts: &Facts,
    start: &Start,
    builder: &str,
    image: &FinalImage,
    decisions: &mut Vec<Decision>,
) -> Result<(Vec<Step>, Vec<String>), String> {
    let mut copies = Copies {
        builder,
        steps: Vec::new(),
        paths: Vec::new(),
        not_plain: None,
    };
    copy_binaries(facts, start, &mut copies, decisions);
    copy_runtime_files(facts, &mut copies, decisions)?;
    if image.kind == Kind::Scratch {
        copies.add(
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/certs/",
            None,
        );
        decisions.push(Decision::new(
            "CA certificates copied from the builder",
            "scratch has none, and a Go app needs them for TLS",
        ));
        if facts.has_time_zones() {
            copies.add("/usr/share/zoneinfo", "/usr/share/zoneinfo", None);
        }
    }
    if let Some(path) = copies.not_plain {
        return Err(format!(
            "`{path}` holds blanks, quotes, escapes or other characters that restage does not write into the final stage's COPY line"
        ));
    }
    Ok((copies.steps, copies.paths))
}

/// Where the started binary is in the builder and where the final stage puts it: on
/// the final image's PATH when the start command names it without a folder.
/// When the binary stays where other lines name it, the ENV line that puts its folder
/// on PATH comes third.
fn started_binary(
    facts: &Facts,
    start: &Start,
    decisions: &mut Vec<Decision>,
) -> (String, String, Option<String>) {
    let (id, binary, by_name) = match start {
        Start::Binary {
            id,
            binary,
            by_name,
        } => (*id, binary, *by_name),
        Start::GoRun { binary, .. } => return (binary.clone(), binary.clone(), None),
    };
    let on_path = facts
        .vars_with(id, SYSTEM_PATH)
        .get("PATH")
        .is_some_and(|path| path.split(':').any(|dir| dir == parent(&binary.path)));
    if !by_name || on_path {
        return (binary.path.clone(), binary.path.clone(), None);
    }
    let name = file_name(&binary.path);
    let analysis = facts.input.analysis;
    // Another line than the start command and the builds, naming the path as a word.
    let named_elsewhere = facts.input.stage.body.iter().any(|&other| {
        other != id
            && !facts.runs.get(&other).is_some_and(|run| run.is_build())
            && analysis
                .text(other)
                .split(|c: char| c.is_whitespace() || "\"'[],=;&|".contains(c))
                .any(|word| word == binary.path)
    });
    if named_elsewhere {
        let dir = parent(&binary.path);
        decisions.push(Decision::new(
            format!("`ENV PATH={dir}:$PATH` in the final stage"),
            format!(
                "the app is started as `{name}`, found on the golang image's PATH, and other lines name `{}`, so it stays there",
                binary.path
            ),
        ));
        return (
            binary.path.clone(),
            binary.path.clone(),
            Some(format!("ENV PATH={dir}:$PATH")),
        );
    }
    decisions.push(Decision::new(
        format!("`{}` copied to /usr/local/bin", binary.path),
        format!(
            "the app is started as `{name}`, found on the golang image's PATH, which the final image does not have"
        ),
    ));
    (binary.path.clone(), format!("/usr/local/bin/{name}"), None)
}

/// The started binary and every other binary the build writes, but the tools that
/// `go install pkg@version` installs for the build.
fn copy_binaries(facts: &Facts, start: &Start, copies: &mut Copies, decisions: &mut Vec<Decision>) {
    let (started, to, path) = started_binary(facts, start, decisions);
    let mut copied: Vec<&str> = Vec::new();
    if !facts.binaries.iter().any(|binary| binary.path == started) {
        copies.add(&started, &to, None);
        copied.push(&started);
    }
    for binary in &facts.binaries {
        if copied.contains(&binary.path.as_str()) {
            continue;
        }
        if binary.path == started {
            copies.add(&started, &to, None);
        } else if binary.tool {
            decisions.push(Decision::new(
                format!("`{}` stays in the builder", binary.path),
                "a tool installed with `go install pkg@version` for the build; the app does not start it",
            ));
            continue;
        } else {
            copies.add(&binary.path, &binary.path, None);
        }
        copied.push(&binary.path);
    }
    copies.steps.extend(path.map(Step::New));
    let listed: Vec<String> = copied.iter().map(|path| format!("`{path}`")).collect();
    decisions.push(Decision::new(
        format!(
            "the final stage copies {} from the builder",
            listed.join(", ")
        ),
        "the binaries the build writes, and nothing of the toolchain or the sources",
    ));
}

/// The runtime folders and files (templates, config) that each COPY of the whole
/// context brings in; an error without a build context to look in.
fn copy_runtime_files(
    facts: &Facts,
    copies: &mut Copies,
    decisions: &mut Vec<Decision>,
) -> Result<(), String> {
    let analysis = facts.input.analysis;
    for &id in &facts.whole_copies {
        let Some(Command::Copy(whole)) = analysis.instruction(id).command() else {
            continue;
        };
        let folder = match facts.whole_folders[&id].as_str() {
            "" => None,
            folder => facts.input.context.folder(folder),
        };
        let context = folder.as_ref().unwrap_or(facts.input.context);
        if !context.has_go_sources() {
            return Err(format!(
                "no Go source in the build context (no go.mod, no .go file): restage cannot see which runtime files (templates, config) `{}` brings in, nor whether the code needs cgo; run restage on the Dockerfile in its build context",
                one_line(analysis.text(id))
            ));
        }
        let dest = &facts.copy_dests[&id];
        let entries = files::runtime_entries(context);
        for entry in &entries {
            let path = join(dest, entry);
            copies.add(&path, &path, whole.chown.as_deref());
        }
        if !entries.is_empty() {
            decisions.push(Decision::new(
                format!(
                    "the final stage copies {} from the builder",
                    entries.join(", ")
                ),
                format!("the app may read them at run time, and the original had them in {dest}"),
            ));
        }
    }
    Ok(())
}

/// Folders the final stage has: WORKDIRs, and the parents of what it copies.
pub(super) fn final_dirs(facts: &Facts, copied: &[String]) -> BTreeSet<String> {
    let analysis = facts.input.analysis;
    let mut dirs = BTreeSet::new();
    for id in analysis.with_keyword(facts.input.stage, Keyword::Workdir) {
        if let Ok(dir) = facts.workdir(ItemId(id.0 + 1)) {
            insert_with_parents(&mut dirs, &dir);
        }
    }
    for path in copied {
        insert_with_parents(&mut dirs, path);
    }
    dirs
}

/// The instruction after which the final stage copies from the builder: the last
/// build or COPY of the whole context; for `go run`, whose build comes at the end, the
/// last COPY, ADD or RUN.
pub(super) fn copy_anchor(facts: &Facts, start: &Start) -> Option<ItemId> {
    match start {
        Start::GoRun { .. } => {
            let analysis = facts.input.analysis;
            facts.input.stage.body.iter().copied().rev().find(|&id| {
                let instruction = analysis.instruction(id);
                instruction.is(Keyword::Copy)
                    || instruction.is(Keyword::Add)
                    || instruction.is(Keyword::Run)
            })
        }
        Start::Binary { .. } => facts.last_build().max(facts.whole_copies.last().copied()),
    }
}

/// Whether an original COPY brings in what the build reads (see
/// [`files::is_build_source`]); a copy from another image does not.
pub(super) fn brings_build_sources(facts: &Facts, id: ItemId) -> bool {
    let Some(Command::Copy(copy)) = facts.input.analysis.instruction(id).command() else {
        return false;
    };
    copy.from.is_none()
        && (facts.whole_copies.contains(&id)
            || copy
                .sources
                .iter()
                .any(|source| files::is_build_source(facts.input.context, source)))
}

/// Whether the final stage gets something of the original COPY `id`: what it copies
/// from another image, the runtime files of a whole copy, or its runtime sources.
pub(super) fn reaches_final(facts: &Facts, id: ItemId) -> bool {
    match facts.input.analysis.instruction(id).command() {
        Some(Command::Copy(copy)) => {
            copy.from.is_some()
                || facts.whole_copies.contains(&id)
                || !runtime_sources(facts, &copy).is_empty()
        }
        _ => false,
    }
}

/// The sources of a COPY from the build context that the app may read at run time:
/// neither Go source nor the repository's own files, or under a name apps read from.
fn runtime_sources<'c>(facts: &Facts, copy: &'c crate::syntax::Copy) -> Vec<&'c String> {
    let context = facts.input.context;
    copy.sources
        .iter()
        .filter(|source| {
            files::is_runtime_source(source)
                || !(files::is_build_source(context, source) || files::is_repository_source(source))
        })
        .collect()
}

/// What the final stage takes of an original COPY, and why: all of it when it brings
/// in no Go source (the app's own files, or a copy from another image), the runtime
/// files from the builder when it mixes them with sources.
pub(super) fn carried_copy(
    facts: &Facts,
    id: ItemId,
    builder: &str,
) -> Option<(Vec<Step>, String)> {
    let Some(Command::Copy(copy)) = facts.input.analysis.instruction(id).command() else {
        return None;
    };
    if let Some(image) = copy.from {
        let why = format!("it copies from the image `{image}`, not from the build");
        return Some((vec![Step::Keep(id)], why));
    }
    if facts.whole_copies.contains(&id) {
        return None;
    }
    let context = facts.input.context;
    let runtime = runtime_sources(facts, &copy);
    if runtime.is_empty() {
        return None;
    }
    let names: Vec<String> = runtime.iter().map(|source| format!("`{source}`")).collect();
    let why = format!("the app may read {} at run time", names.join(", "));
    let plain_files = runtime.iter().all(|source| {
        !(glob::is_pattern(source)
            || source.contains('$')
            || context.dirs.contains(source.trim_end_matches('/')))
    });
    let into_dir = copy.dest.ends_with('/') || copy.sources.len() > 1;
    if !brings_build_sources(facts, id) || !plain_files || !into_dir || !context.present {
        return Some((vec![Step::Keep(id)], why));
    }
    let dest = &facts.copy_dests[&id];
    let paths: Vec<String> = runtime
        .iter()
        .map(|source| join(dest, file_name(&join("/", source))))
        .collect();
    let plain_owner = copy.chown.as_deref().is_none_or(is_plain_owner);
    if !plain_owner || paths.iter().any(|path| !is_plain_path(path)) {
        return Some((vec![Step::Keep(id)], why));
    }
    let steps = paths
        .iter()
        .map(|path| Step::New(copy_line(builder, copy.chown.as_deref(), path, path)))
        .collect();
    Some((steps, why))
}
