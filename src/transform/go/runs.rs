//! Where each RUN goes: build and toolchain work to the builder (with `CGO_ENABLED=0`
//! where the binary is static), runtime setup to the final stage when its image can run
//! it, or an honest refusal when it cannot.

use super::*;

/// What `place_run` needs to know about the rest of the plan.
pub(super) struct Placement<'a> {
    /// RUNs before it prepare the build; after it, the runtime.
    pub(super) build_point: ItemId,
    pub(super) image: &'a FinalImage,
    pub(super) cgo: bool,
    pub(super) final_dirs: &'a BTreeSet<String>,
    pub(super) builder: &'a str,
}

/// Puts a RUN in the builder, the final stage, or both; an error when it sets up the
/// runtime and the final image cannot run it.
pub(super) fn place_run(
    facts: &Facts,
    id: ItemId,
    placement: &Placement,
    plan: &mut Plan,
) -> Result<(), String> {
    let analysis = facts.input.analysis;
    let image = placement.image;
    let run = &facts.runs[&id];
    let line = one_line(analysis.text(id));
    let decide =
        |plan: &mut Plan, what: String, why: &str| plan.decisions.push(Decision::new(what, why));
    if run.is_build() || run.is_toolchain() {
        if let Some(user) = run.users.first() {
            return Err(format!(
                "`{line}` mixes the build with `{user}`, which the final stage needs"
            ));
        }
        let static_already = run.cgo == Some(false) || env_cgo(facts, id) == Some(false);
        if run.is_build() && !placement.cgo && !static_already {
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
            let why = if facts.input.context.present {
                "no .go file imports \"C\", so the binary is static and runs without a C library"
            } else {
                "nothing in the Dockerfile asks for cgo, so the binary is built static and runs without a C library"
            };
            decide(plan, format!("`CGO_ENABLED=0` for `{line}`"), why);
        } else {
            plan.builder.push(Step::Keep(id));
        }
        return Ok(());
    }
    if !run.users.is_empty() {
        let busybox = run
            .users
            .iter()
            .all(|user| user.starts_with("adduser") || user.starts_with("addgroup"));
        let carried = match image.kind {
            Kind::Other => true,
            Kind::Alpine => {
                facts.input.stage.base.variant == Variant::Alpine
                    && busybox
                    && run.others.is_empty()
            }
            Kind::Distroless | Kind::Scratch => false,
        };
        if !carried {
            return Err(format!(
                "`{line}` creates a user, which {} cannot run (distroless has the user nonroot, 65532)",
                image.describe()
            ));
        }
        // The builder needs the user only when it builds as that user or gives it files.
        let stage = facts.input.stage;
        let user_before_build = analysis
            .with_keyword(stage, Keyword::User)
            .any(|user| user > id && user < placement.build_point);
        let owns_files = stage.body.iter().any(|&later| {
            later > id
                && matches!(analysis.instruction(later).command(), Some(Command::Copy(copy)) if copy.chown.is_some())
        });
        if user_before_build || owns_files {
            plan.builder.push(Step::Keep(id));
        }
        plan.final_stage.push(Step::Keep(id));
        decide(
            plan,
            format!("`{line}` in the final stage"),
            "it creates the user the app runs as",
        );
        return Ok(());
    }
    if run.others.is_empty() && run.files.is_empty() {
        plan.builder.push(Step::Keep(id));
        let why = if run.installs.is_empty() {
            "it cleans up or prints; the final stage never has those files"
        } else {
            "it installs what the build needs; the final image has what the app needs"
        };
        decide(plan, format!("`{line}` only in the builder"), why);
        return Ok(());
    }
    if id < placement.build_point {
        plan.builder.push(Step::Keep(id));
        decide(
            plan,
            format!("`{line}` only in the builder"),
            "it runs before the build and prepares it",
        );
        return Ok(());
    }
    let carried = match image.kind {
        Kind::Other => true,
        Kind::Alpine => run.others.is_empty(),
        Kind::Distroless | Kind::Scratch => false,
    };
    if carried {
        plan.final_stage.push(Step::Keep(id));
        decide(
            plan,
            format!("`{line}` in the final stage"),
            "it runs after the build and sets up the runtime",
        );
        return Ok(());
    }
    let Some(dirs) = run
        .others
        .is_empty()
        .then(|| made_dirs(facts, id, run))
        .flatten()
    else {
        return Err(format!(
            "`{line}` runs after the build and may set up the runtime, and {} cannot run it",
            image.describe()
        ));
    };
    plan.builder.push(Step::Keep(id));
    let new: Vec<&String> = dirs
        .iter()
        .filter(|dir| !placement.final_dirs.contains(*dir))
        .collect();
    for dir in &new {
        plan.final_stage.push(Step::New(format!(
            "COPY --from={} {dir} {dir}",
            placement.builder
        )));
    }
    let why = if new.is_empty() {
        "the final stage has these folders already, and the binaries are executable as built"
    } else {
        "the final image cannot run it; copying the folders from the builder gives the same folders, contents and modes"
    };
    decide(plan, format!("`{line}` runs in the builder"), why);
    Ok(())
}

/// The folders a runtime RUN makes, when `mkdir` and `chmod` (of those folders or of
/// the binaries, which are executable as built) are all it does.
pub(super) fn made_dirs(facts: &Facts, id: ItemId, run: &RunFacts) -> Option<Vec<String>> {
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
                let made = paths(args)?.into_iter().all(|path| {
                    dirs.contains(&path) || facts.binaries.iter().any(|binary| binary.path == path)
                });
                if !made {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(dirs)
}
