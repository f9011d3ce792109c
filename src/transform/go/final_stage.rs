//! What the final stage holds besides the original runtime instructions: packages
//! (Alpine), users it can honour, the binaries, runtime files and CA certificates copied
//! from the builder, and where those copies go.

use super::*;

/// The packages an Alpine final stage installs (`None` for other final images), or why
/// the packages the original installed cannot be had in the final image.
pub(super) fn final_packages(
    facts: &Facts,
    image: &FinalImage,
    cgo: bool,
    decisions: &mut Vec<Decision>,
) -> Result<Option<Vec<String>>, String> {
    let mut runtime = Vec::new();
    let mut libraries = Vec::new();
    let mut tzdata = false;
    for (&id, run) in &facts.runs {
        for install in &run.installs {
            for package in &install.packages {
                let package = package.as_str();
                tzdata |= package == "tzdata";
                let build_only = packages::is_build_only(package)
                    || BUILD_TOOLS.contains(&package)
                    || package.starts_with("gcc-")
                    || package.starts_with("g++-")
                    || package.contains("-cross");
                if cgo
                    && package.ends_with("-dev")
                    && !CGO_TOOLCHAIN.contains(&package)
                    && package != "linux-headers"
                {
                    match packages::runtime_for(package, install.manager) {
                        Some(library) => libraries.push((
                            library.to_owned(),
                            install.manager,
                            package.to_owned(),
                        )),
                        None => {
                            return Err(format!(
                                "the cgo build links `{package}`, and restage cannot tell which runtime library the final image needs for it"
                            ));
                        }
                    }
                } else if !build_only {
                    runtime.push((package.to_owned(), install.manager, id));
                }
            }
        }
    }
    if let Some((package, _, id)) = runtime.first().filter(|_| image.kind != Kind::Alpine) {
        return Err(format!(
            "`{}` installs `{package}`, which the app may need at run time, and restage cannot install it in {}",
            one_line(facts.input.analysis.text(*id)),
            image.describe()
        ));
    }
    let libraries: Vec<_> = libraries
        .into_iter()
        .filter(|(library, _, _)| !(image.kind == Kind::Distroless && library == "libssl3"))
        .collect();
    if let Some((library, _, package)) = libraries.first().filter(|_| image.kind != Kind::Alpine) {
        return Err(format!(
            "the cgo build links `{package}`, and its runtime library `{library}` is not in {}",
            image.image
        ));
    }
    if image.kind != Kind::Alpine {
        if image.kind == Kind::Scratch && tzdata {
            decisions.push(Decision::new(
                "/usr/share/zoneinfo copied from the builder",
                "the original installs tzdata, and scratch has no time zone files",
            ));
        }
        return Ok(None);
    }
    let mut list = vec!["ca-certificates".to_owned()];
    if tzdata {
        list.push("tzdata".into());
    }
    for (package, manager, _) in runtime
        .iter()
        .map(|(p, m, id)| (p, m, Some(id)))
        .chain(libraries.iter().map(|(library, m, _)| (library, m, None)))
    {
        if *manager != Manager::Apk {
            return Err(format!(
                "the app needs the Debian package `{package}` at run time, and restage cannot tell its Alpine name"
            ));
        }
        if !list.contains(package) {
            list.push(package.clone());
        }
    }
    decisions.push(Decision::new(
        format!("`apk add --no-cache {}` in the final stage", list.join(" ")),
        "Alpine has no CA certificates by default; the rest are what the app uses at run time",
    ));
    Ok(Some(list))
}

/// USER instructions the final image can honour.
pub(super) fn check_users(facts: &Facts, image: &FinalImage) -> Result<(), String> {
    let analysis = facts.input.analysis;
    let creates_users = facts.runs.values().any(|run| !run.users.is_empty());
    for id in analysis.with_keyword(facts.input.stage, Keyword::User) {
        let Some(Command::User(user)) = analysis.instruction(id).command() else {
            continue;
        };
        let user = expand(&user, &facts.vars_at(id)).unwrap_or(user);
        if image.knows_user(&user) || (image.kind == Kind::Alpine && creates_users) {
            continue;
        }
        return Err(format!(
            "`USER {user}` needs a user that a RUN creates, and {} cannot run RUNs; a numeric user (`USER 65532`, distroless's nonroot) would do",
            image.describe()
        ));
    }
    Ok(())
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
    let mut steps = Vec::new();
    let mut paths = Vec::new();
    let mut not_plain = None;
    let mut copy = |from: &str, to: &str, chown: Option<&str>| {
        if let Some(path) = [from, to].into_iter().find(|path| !is_plain_path(path)) {
            not_plain.get_or_insert_with(|| path.to_owned());
        }
        if let Some(owner) = chown.filter(|owner| !is_plain_owner(owner)) {
            not_plain.get_or_insert_with(|| owner.to_owned());
        }
        let chown = chown.map(|c| format!(" --chown={c}")).unwrap_or_default();
        steps.push(Step::New(format!(
            "COPY --from={builder}{chown} {from} {to}"
        )));
        paths.push(to.to_owned());
    };
    let final_path_dirs = |id: ItemId| -> Vec<String> {
        let vars = facts.vars_with(id, SYSTEM_PATH);
        vars.get("PATH")
            .map(|path| path.split(':').map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let started = match start {
        Start::Binary { binary, by_name } => {
            let (entrypoint, cmd) = facts.start();
            let id = entrypoint.or(cmd).expect("a start command was read");
            let on_path = final_path_dirs(id).contains(&parent(&binary.path));
            let to = if *by_name && !on_path {
                decisions.push(Decision::new(
                    format!("`{}` copied to /usr/local/bin", binary.path),
                    format!(
                        "the app is started as `{}`, found on the golang image's PATH, which the final image does not have",
                        file_name(&binary.path)
                    ),
                ));
                format!("/usr/local/bin/{}", file_name(&binary.path))
            } else {
                binary.path.clone()
            };
            (binary.path.clone(), to)
        }
        Start::GoRun { binary, .. } => (binary.clone(), binary.clone()),
    };
    let mut copied: Vec<&str> = Vec::new();
    if !facts.binaries.iter().any(|binary| binary.path == started.0) {
        copy(&started.0, &started.1, None);
        copied.push(&started.0);
    }
    for binary in &facts.binaries {
        if copied.contains(&binary.path.as_str()) {
            continue;
        }
        if binary.path == started.0 {
            copy(&started.0, &started.1, None);
        } else if binary.tool {
            decisions.push(Decision::new(
                format!("`{}` stays in the builder", binary.path),
                "a tool installed with `go install pkg@version` for the build; the app does not start it",
            ));
            continue;
        } else {
            copy(&binary.path, &binary.path, None);
        }
        copied.push(&binary.path);
    }
    let listed: Vec<String> = copied.iter().map(|path| format!("`{path}`")).collect();
    decisions.push(Decision::new(
        format!(
            "the final stage copies {} from the builder",
            listed.join(", ")
        ),
        "the binaries the build writes, and nothing of the toolchain or the sources",
    ));

    let context = facts.input.context;
    for &id in &facts.whole_copies {
        let Some(Command::Copy(whole)) = facts.input.analysis.instruction(id).command() else {
            continue;
        };
        if !context.present {
            return Err(format!(
                "no build context: restage cannot see which runtime files (templates, config) `{}` brings in; run restage on the Dockerfile's folder",
                one_line(facts.input.analysis.text(id))
            ));
        }
        let dest = join(
            &facts.workdir(id)?,
            &expand(&whole.dest, &facts.vars_at(id)).unwrap_or_default(),
        );
        let entries = files::runtime_entries(context);
        for entry in &entries {
            let path = join(&dest, entry);
            copy(&path, &path, whole.chown.as_deref());
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
    if image.kind == Kind::Scratch {
        copy(
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/certs/",
            None,
        );
        decisions.push(Decision::new(
            "CA certificates copied from the builder",
            "scratch has none, and a Go app needs them for TLS",
        ));
        let tzdata = facts
            .runs
            .values()
            .flat_map(|run| &run.installs)
            .any(|install| install.packages.iter().any(|p| p == "tzdata"));
        if tzdata {
            copy("/usr/share/zoneinfo", "/usr/share/zoneinfo", None);
        }
    }
    if let Some(path) = not_plain {
        return Err(format!(
            "`{path}` holds blanks, quotes, escapes or other characters that restage does not write into the final stage's COPY line"
        ));
    }
    Ok((steps, paths))
}

/// Folders the final stage has: WORKDIRs, and the parents of what it copies.
pub(super) fn final_dirs(facts: &Facts, copied: &[String]) -> BTreeSet<String> {
    let analysis = facts.input.analysis;
    let mut dirs = BTreeSet::new();
    let mut add = |mut dir: String| {
        while dir != "/" {
            dirs.insert(dir.clone());
            dir = parent(&dir);
        }
    };
    for id in analysis.with_keyword(facts.input.stage, Keyword::Workdir) {
        if let Ok(dir) = facts.workdir(ItemId(id.0 + 1)) {
            add(dir);
        }
    }
    for path in copied {
        add(path.clone());
    }
    dirs
}

/// The instruction after which the final stage copies from the builder.
pub(super) fn copy_anchor(facts: &Facts, start: &Start, build_point: ItemId) -> Option<ItemId> {
    let analysis = facts.input.analysis;
    let mut build_inputs = facts.input.stage.body.iter().copied().filter(|&id| {
        let instruction = analysis.instruction(id);
        instruction.is(Keyword::Copy)
            || instruction.is(Keyword::Add)
            || (instruction.is(Keyword::Run) && id < build_point)
    });
    match start {
        Start::GoRun { .. } => build_inputs.next_back(),
        Start::Binary { .. } => {
            let last_whole = facts.whole_copies.last().copied();
            facts.last_build().max(last_whole)
        }
    }
}

/// What the final stage takes of an original COPY, and why: all of it when it only
/// copies runtime files (or copies from another image), the runtime files from the
/// builder when it mixes them with sources.
pub(super) fn carried_copy(
    facts: &Facts,
    id: ItemId,
    builder: &str,
) -> Result<Option<(Vec<Step>, String)>, String> {
    let Some(Command::Copy(copy)) = facts.input.analysis.instruction(id).command() else {
        return Ok(None);
    };
    if let Some(image) = copy.from {
        let why = format!("it copies from the image `{image}`, not from the build");
        return Ok(Some((vec![Step::Keep(id)], why)));
    }
    if facts.whole_copies.contains(&id) {
        return Ok(None);
    }
    let (runtime, sources): (Vec<&String>, Vec<&String>) = copy
        .sources
        .iter()
        .partition(|source| files::is_runtime_source(source));
    if runtime.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = runtime.iter().map(|source| format!("`{source}`")).collect();
    let why = format!("the app may read {} at run time", names.join(", "));
    let context = facts.input.context;
    let plain_files = runtime.iter().all(|source| {
        !source.contains(['*', '?', '[', '$'])
            && !context.dirs.contains(source.trim_end_matches('/'))
    });
    let into_dir = copy.dest.ends_with('/') || copy.sources.len() > 1;
    if sources.is_empty() || !plain_files || !into_dir || !context.present {
        return Ok(Some((vec![Step::Keep(id)], why)));
    }
    let dest = expand(&copy.dest, &facts.vars_at(id)).unwrap_or_default();
    let dest = join(&facts.workdir(id)?, &dest);
    if copy
        .chown
        .as_deref()
        .is_some_and(|owner| !is_plain_owner(owner))
    {
        return Ok(Some((vec![Step::Keep(id)], why)));
    }
    let chown = copy
        .chown
        .map(|c| format!(" --chown={c}"))
        .unwrap_or_default();
    let paths: Vec<String> = runtime
        .iter()
        .map(|source| join(&dest, file_name(&join("/", source))))
        .collect();
    if paths.iter().any(|path| !is_plain_path(path)) {
        return Ok(Some((vec![Step::Keep(id)], why)));
    }
    let steps = paths
        .iter()
        .map(|path| Step::New(format!("COPY --from={builder}{chown} {path} {path}")))
        .collect();
    Ok(Some((steps, why)))
}
