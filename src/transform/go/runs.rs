//! Where each RUN goes: build and toolchain work to the builder (with `CGO_ENABLED=0`
//! where the binary is static), runtime setup to the final stage when its image can run
//! it, or an honest refusal when it cannot. RUNs that create users are `users`' part.

use crate::analyze::{ItemId, join};
use crate::syntax::{Keyword, Span};
use crate::transform::plan::{Step, is_plain_path};
use crate::transform::shell::{self, one_line};
use crate::transform::{Decision, Plan};

use super::Layout;

/// Folders a build writes for itself: the home folder, GOPATH, Go's own and scratch.
const BUILD_PLACES: &[&str] = &["/root", "/go", "/usr/local/go", "/tmp", "/var/cache"];
use super::cgo::env_cgo;
use super::command::{RunFacts, expand};
use super::facts::Facts;

impl Layout<'_> {
    /// Puts a RUN in the builder, the final stage, or both; an error when it sets up the
    /// runtime and the final image cannot run it.
    pub(super) fn place_run(&self, id: ItemId, plan: &mut Plan) -> Result<(), String> {
        let run = &self.facts.runs[&id];
        let line = one_line(self.facts.input.analysis.text(id));
        if run.is_build() || run.is_toolchain() {
            return self.place_build(id, run, &line, plan);
        }
        if !run.users.is_empty() {
            return self.place_user_run(id, run, &line, plan);
        }
        let before_build = id < self.build_point;
        let why = if run.others.is_empty() && run.files.is_empty() {
            match (run.installs.is_empty(), before_build) {
                (true, _) => "it cleans up or prints; the final stage never has those files",
                (false, true) => {
                    "it installs what the build needs; the final image has what the app needs"
                }
                (false, false) => {
                    "the final stage installs what the app needs at run time with its own line"
                }
            }
        } else if before_build && !self.writes_for_runtime(id, run) {
            "it runs before the build and prepares it"
        } else {
            return self.place_runtime_setup(id, run, &line, plan);
        };
        plan.builder.push(Step::Keep(id));
        plan.decisions
            .push(Decision::new(format!("`{line}` only in the builder"), why));
        Ok(())
    }

    /// Whether a RUN before the build writes what may set up the runtime: a folder no
    /// COPY or WORKDIR names (`mkdir /app/uploads`), or an absolute path outside the
    /// build's own places (`ln -s … /etc/localtime`). The sources' folders, the home and
    /// GOPATH folders and /tmp are the build's (`cp config.example.yaml config.yaml`,
    /// `echo … > /root/.netrc`).
    fn writes_for_runtime(&self, id: ItemId, run: &RunFacts) -> bool {
        let Ok(cwd) = self.facts.workdir(id) else {
            return true;
        };
        let vars = self.facts.vars_at(id);
        let analysis = self.facts.input.analysis;
        // The folders the COPYs and WORKDIRs name: the sources' places.
        let named: Vec<String> = self
            .facts
            .copy_dests
            .values()
            .cloned()
            .chain(
                analysis
                    .with_keyword(self.facts.input.stage, Keyword::Workdir)
                    .filter_map(|at| self.facts.workdir(ItemId(at.0 + 1)).ok()),
            )
            .collect();
        let within = |path: &str, dir: &str| path == dir || path.starts_with(&format!("{dir}/"));
        let for_build = |path: &str| BUILD_PLACES.iter().any(|place| within(path, place));
        run.files.iter().any(|words| {
            let targets = words
                .iter()
                .skip(1)
                .filter(|word| !word.starts_with('-') && *word != ">")
                .filter_map(|word| expand(word, &vars));
            match words.first().map(String::as_str) {
                // A folder the sources go into (or one above it) is the build's.
                Some("mkdir") => targets
                    .map(|dir| join(&cwd, &dir))
                    .any(|dir| !(for_build(&dir) || named.iter().any(|known| within(known, &dir)))),
                _ => targets.filter(|path| path.starts_with('/')).any(|path| {
                    !(for_build(&path) || named.iter().any(|known| within(&path, known)))
                }),
            }
        })
    }

    /// A build or toolchain RUN goes to the builder, with `CGO_ENABLED=0` before each
    /// `go build` and `go install` when the binary is static and the RUN does not say so.
    fn place_build(
        &self,
        id: ItemId,
        run: &RunFacts,
        line: &str,
        plan: &mut Plan,
    ) -> Result<(), String> {
        if let Some(user) = run.users.first() {
            return Err(format!(
                "`{line}` mixes the build with `{user}`, which the final stage needs"
            ));
        }
        let static_already = run.cgo == Some(false) || env_cgo(&self.facts, id) == Some(false);
        if !run.is_build() || self.cgo || static_already || run.sets_cgo {
            plan.builder.push(Step::Keep(id));
            return Ok(());
        }
        let analysis = self.facts.input.analysis;
        let mut spans: Vec<Span> = ["go build", "go install"]
            .iter()
            .flat_map(|phrase| shell::find(analysis, id, phrase))
            .collect();
        spans.sort_by_key(|span| span.start);
        if spans.len() != run.builds.len() {
            return Err(format!(
                "could not place `CGO_ENABLED=0` in the text of `{line}`"
            ));
        }
        let edits = spans
            .iter()
            .map(|span| {
                (
                    Span::new(span.start, span.start),
                    "CGO_ENABLED=0 ".to_owned(),
                )
            })
            .collect();
        plan.builder.push(Step::edit(analysis, id, edits));
        let why = if self.facts.input.context.has_go_sources() {
            "no .go file built for Linux imports \"C\", and no package known to need cgo is required or imported, so the binary is static and runs without a C library"
        } else {
            "nothing in the Dockerfile asks for cgo, so the binary is built static and runs without a C library"
        };
        plan.decisions
            .push(Decision::new(format!("`CGO_ENABLED=0` for `{line}`"), why));
        Ok(())
    }

    /// A RUN that may set up the runtime (after the build, or one that writes files
    /// before it): in the final stage when its image can run it (in the builder too
    /// before the build, which it may prepare); else, when it only makes folders, in
    /// the builder with the folders copied over; else an error.
    fn place_runtime_setup(
        &self,
        id: ItemId,
        run: &RunFacts,
        line: &str,
        plan: &mut Plan,
    ) -> Result<(), String> {
        let image = &self.image;
        let before_build = id < self.build_point;
        if image.can_run(run.others.is_empty()) {
            plan.final_stage.push(Step::Keep(id));
            let what = if before_build {
                plan.builder.push(Step::Keep(id));
                format!("`{line}` kept in both stages")
            } else {
                format!("`{line}` in the final stage")
            };
            plan.decisions.push(Decision::new(
                what,
                "it writes files that may set up the runtime",
            ));
            return Ok(());
        }
        let Some(dirs) = run
            .others
            .is_empty()
            .then(|| made_dirs(&self.facts, id, run))
            .flatten()
        else {
            return Err(format!(
                "`{line}` {} and may set up the runtime, and {} cannot run it",
                if before_build {
                    "writes files before the build"
                } else {
                    "runs after the build"
                },
                image.describe()
            ));
        };
        plan.builder.push(Step::Keep(id));
        // A folder the sources go into is the builder's: copied, it would bring them.
        let holds_sources = |dir: &String| {
            self.facts
                .copy_dests
                .values()
                .any(|dest| dest == dir || dest.starts_with(&format!("{dir}/")))
        };
        let new: Vec<&String> = dirs
            .iter()
            .filter(|dir| !self.final_dirs.contains(*dir) && !holds_sources(dir))
            .collect();
        for dir in &new {
            plan.final_stage.push(Step::New(format!(
                "COPY --from={} {dir} {dir}",
                self.facts.input.builder_name
            )));
        }
        let why = if new.is_empty() {
            "the final stage has these folders already, and the binaries are executable as built"
        } else {
            "the final image cannot run it; copying the folders from the builder gives the same folders, contents and modes"
        };
        plan.decisions
            .push(Decision::new(format!("`{line}` runs in the builder"), why));
        Ok(())
    }
}

/// The folders a runtime RUN makes, when `mkdir` and `chmod` of the binaries (which
/// are executable as built) are all it does: a folder's own mode would not come along
/// with a copy of it.
fn made_dirs(facts: &Facts, id: ItemId, run: &RunFacts) -> Option<Vec<String>> {
    let cwd = facts.workdir(id).ok()?;
    let vars = facts.vars_at(id);
    let mut dirs = Vec::new();
    for words in &run.files {
        let paths = |args: &[String]| -> Option<Vec<String>> {
            args.iter()
                .filter(|arg| !arg.starts_with('-'))
                .map(|arg| {
                    // The folder is written again as a COPY word: blanks, quotes and
                    // escapes would change what that line says.
                    expand(arg, &vars)
                        .filter(|arg| is_plain_path(arg))
                        .map(|arg| join(&cwd, &arg))
                })
                .collect()
        };
        match words.as_slice() {
            [mkdir, args @ ..] if mkdir == "mkdir" => dirs.extend(paths(args)?),
            [chmod, _mode, args @ ..] if chmod == "chmod" => {
                let made = paths(args)?
                    .into_iter()
                    .all(|path| facts.binaries.iter().any(|binary| binary.path == path));
                if !made {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(dirs)
}
