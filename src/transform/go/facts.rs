//! What the Go rewrite reads from the stage before deciding anything: the variables and
//! working directory at each instruction, where go.mod lands in the image and the
//! module's path, where each COPY writes, what each RUN does, and the folders the image
//! has. Which binaries the builds write is `binaries`' part; how a RUN's words are
//! read, `command`'s.

use std::collections::{BTreeMap, BTreeSet};

use crate::analyze::{ItemId, file_name, join, parent};
use crate::ecosystem::Variant;
use crate::syntax::{Command, Form, Keyword};
use crate::transform::Input;
use crate::transform::shell::one_line;

use super::binaries::Binary;
use super::command::{RunFacts, expand};
use crate::context::GoPackage;

/// The PATH of the official golang images.
pub const GOLANG_PATH: &str =
    "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Folders every golang image has, for telling `-o dir` from `-o file`.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/local/sbin",
    "/sbin",
    "/go",
    "/go/bin",
    "/go/src",
    "/tmp",
    "/root",
    "/usr/local",
    "/opt",
    "/srv",
    "/home",
    "/app",
];

/// Where the module is.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// The `module` line of go.mod (or `go mod init`).
    pub path: Option<String>,
    /// The folder go.mod is copied to in the image.
    pub root: Option<String>,
    /// go.mod is in the context or named by the Dockerfile.
    pub known: bool,
}

pub struct Facts<'a> {
    pub input: &'a Input<'a>,
    pub runs: BTreeMap<ItemId, RunFacts>,
    pub module: Module,
    pub binaries: Vec<Binary>,
    /// The packages of the build context that the builds' `./...` patterns match, all of
    /// which the go command compiles (those in `node_modules` among them).
    pub compiled: Vec<GoPackage>,
    /// Why a build without `-o` writes no binary, for the first that writes none.
    pub no_binary: Option<String>,
    /// COPY/ADD instructions that copy the whole context, or the whole of a folder of it
    /// that holds the module (`COPY backend/ .`).
    pub whole_copies: Vec<ItemId>,
    /// The folder of the context each of those copies (empty for its root).
    pub whole_folders: BTreeMap<ItemId, String>,
    /// COPY instructions that name go.mod or go.sum without copying everything.
    pub module_copies: Vec<ItemId>,
    /// Where each COPY or ADD from the build context writes, absolute.
    pub copy_dests: BTreeMap<ItemId, String>,
    dirs: BTreeSet<String>,
}

impl<'a> Facts<'a> {
    pub fn read(input: &'a Input<'a>) -> Result<Facts<'a>, String> {
        let mut facts = Facts {
            input,
            runs: BTreeMap::new(),
            module: Module {
                path: input.context.file("go.mod").and_then(module_path),
                known: input.context.has("go.mod"),
                root: None,
            },
            binaries: Vec::new(),
            compiled: Vec::new(),
            no_binary: None,
            whole_copies: Vec::new(),
            whole_folders: BTreeMap::new(),
            module_copies: Vec::new(),
            copy_dests: BTreeMap::new(),
            dirs: SYSTEM_DIRS.iter().map(|dir| (*dir).to_owned()).collect(),
        };
        for &id in &input.stage.body {
            match input.analysis.instruction(id).command() {
                Some(Command::Workdir(_)) => {
                    let dir = facts.workdir(ItemId(id.0 + 1))?;
                    facts.add_dir(&dir);
                }
                Some(Command::Copy(copy)) if copy.from.is_none() => facts.read_copy(id, &copy)?,
                Some(Command::Run(run)) => facts.read_run(id, &run.command)?,
                _ => {}
            }
        }
        facts.check_modules()?;
        facts.check_paths()?;
        facts.read_binaries()?;
        Ok(facts)
    }

    /// What a RUN does, with the module a `go mod init` starts and the folders it
    /// makes; an error for a heredoc script or a build in exec form.
    fn read_run(&mut self, id: ItemId, command: &Form) -> Result<(), String> {
        let analysis = self.input.analysis;
        let line = match command {
            Form::Shell(line) => line.clone(),
            Form::Exec(words) => words.join(" "),
        };
        let cwd = self.workdir(id)?;
        let run_facts = RunFacts::read(&line, &cwd, &self.vars_at(id));
        if !analysis.instruction(id).heredocs.is_empty() {
            return Err(format!(
                "`{}` runs a heredoc script, which restage does not read",
                one_line(analysis.text(id))
            ));
        }
        if matches!(command, Form::Exec(_)) && run_facts.is_build() {
            return Err(format!(
                "`{}` builds in exec form, where restage cannot set CGO_ENABLED",
                one_line(analysis.text(id))
            ));
        }
        if let Some((path, dir)) = &run_facts.mod_init {
            self.module = Module {
                path: Some(path.clone()),
                root: Some(dir.clone()),
                known: true,
            };
        }
        for words in &run_facts.files {
            if let [mkdir, dirs @ ..] = words.as_slice()
                && mkdir == "mkdir"
            {
                for dir in dirs.iter().filter(|dir| !dir.starts_with('-')) {
                    self.add_dir(&join(&cwd, dir));
                }
            }
        }
        self.runs.insert(id, run_facts);
        Ok(())
    }

    /// An error where a WORKDIR, COPY destination or build output takes its path from a
    /// build argument (see [`Facts::build_arg_in_path`]).
    fn check_paths(&self) -> Result<(), String> {
        let analysis = self.input.analysis;
        for &id in &self.input.stage.body {
            let paths: Vec<String> = match analysis.instruction(id).command() {
                Some(Command::Workdir(dir)) => vec![dir],
                Some(Command::Copy(copy)) => vec![copy.dest],
                Some(Command::Run(_)) => self.runs[&id]
                    .builds
                    .iter()
                    .flat_map(|(build, _)| build.output.iter().chain(&build.chdir).cloned())
                    .collect(),
                _ => Vec::new(),
            };
            if let Some((path, name)) = paths
                .iter()
                .find_map(|path| Some((path, self.build_arg_in_path(path, id)?)))
            {
                return Err(format!(
                    "`{}` takes the path `{path}` from the build argument {name}: restage would write the final stage's copies with its default, which `--build-arg {name}=…` makes wrong",
                    one_line(analysis.text(id))
                ));
            }
        }
        Ok(())
    }

    /// An error for a GOPATH-era build: `go get` with no module to get into.
    fn check_modules(&self) -> Result<(), String> {
        let Some(get) = self.runs.values().flat_map(|run| &run.gets).next() else {
            return Ok(());
        };
        let gopath_mode = self.runs.keys().any(|&id| self.gopath_mode(id));
        if !self.module.known || gopath_mode {
            return Err(format!(
                "a GOPATH-era build: `{get}` with no go.mod in the build context or the Dockerfile"
            ));
        }
        Ok(())
    }

    fn read_copy(&mut self, id: ItemId, copy: &crate::syntax::Copy) -> Result<(), String> {
        let context = self.input.context;
        let vars = self.vars_at(id);
        let dest = expand(&copy.dest, &vars).ok_or_else(|| {
            format!(
                "the COPY destination `{}` is a variable restage cannot resolve",
                copy.dest
            )
        })?;
        let resolved = join(&self.workdir(id)?, &dest);
        self.copy_dests.insert(id, resolved.clone());
        let into_dir = dest.ends_with('/') || dest == "." || copy.sources.len() > 1;
        let whole = copy
            .sources
            .iter()
            .any(|source| source == "." || source == "./");
        // A folder of the context with the module in it, copied whole into a folder.
        let module_folder = match copy.sources.as_slice() {
            // Only where no module is known yet: a module folder beside the app's
            // (`replace … => ./shared`) is not the app.
            [source] if !whole && into_dir && !self.module.known => {
                let folder = source.trim_start_matches("./").trim_end_matches('/');
                context.folder(folder).and_then(|sub| {
                    sub.file("go.mod")
                        .map(|go_mod| (folder.to_owned(), module_path(go_mod)))
                })
            }
            _ => None,
        };
        let names_module = copy.sources.iter().any(|source| {
            matches!(
                file_name(source),
                "go.mod" | "go.sum" | "go.*" | "go.mod*" | "*.mod"
            )
        });
        if let Some((folder, path)) = module_folder {
            self.whole_copies.push(id);
            self.whole_folders.insert(id, folder);
            self.add_dir(&resolved);
            self.module = Module {
                path,
                root: Some(resolved),
                known: true,
            };
        } else if whole {
            self.whole_copies.push(id);
            self.whole_folders.insert(id, String::new());
            self.add_dir(&resolved);
            if context.has("go.mod") || !context.has_go_sources() {
                self.module.root = Some(resolved);
            }
        } else if names_module {
            self.module_copies.push(id);
            self.module.known = true;
            let root = if into_dir || !dest.ends_with("go.mod") {
                resolved
            } else {
                parent(&resolved)
            };
            self.add_dir(&root);
            self.module.root = Some(root);
        } else if into_dir {
            self.add_dir(&resolved);
        }
        Ok(())
    }

    /// The folder of the build context (relative, empty for its root) that the image
    /// has at `dir`, as the last whole copy that covers it put it there.
    pub fn context_folder(&self, dir: &str) -> Option<String> {
        self.whole_copies.iter().rev().find_map(|id| {
            let dest = self.copy_dests.get(id)?;
            let rest = match dir.strip_prefix(dest.as_str())? {
                "" => "",
                rest if dest == "/" => rest,
                rest => rest.strip_prefix('/')?,
            };
            Some(
                join(&self.whole_folders[id], rest)
                    .trim_matches('/')
                    .to_owned(),
            )
        })
    }

    fn add_dir(&mut self, dir: &str) {
        insert_with_parents(&mut self.dirs, dir);
    }

    /// Folders the image has (WORKDIRs, COPY destinations, `mkdir`s and their parents).
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    /// Whether the go command runs in GOPATH mode at `id`: GO111MODULE=off.
    pub fn gopath_mode(&self, id: ItemId) -> bool {
        self.vars_at(id)
            .get("GO111MODULE")
            .is_some_and(|mode| mode == "off")
    }

    /// ENV and ARG values in force at `id` (with the golang image's own environment).
    pub fn vars_at(&self, id: ItemId) -> BTreeMap<String, String> {
        self.vars_with(id, GOLANG_PATH)
    }

    /// As `vars_at`, with `path` as the image's own PATH.
    pub fn vars_with(&self, id: ItemId, path: &str) -> BTreeMap<String, String> {
        self.vars_reading(id, path, |_, value| value)
    }

    /// The build argument whose value the path `text` (a WORKDIR, COPY destination or
    /// `-o` of the instruction `id`) takes, if any: restage writes such paths into the
    /// final stage with the argument's default, which `--build-arg` would make wrong.
    pub fn build_arg_in_path(&self, text: &str, id: ItemId) -> Option<String> {
        if !text.contains('$') {
            return None;
        }
        let marked = self.vars_reading(id, GOLANG_PATH, |name, _| Some(format!("\0{name}\0")));
        let expanded = expand(text, &marked)?;
        let (_, rest) = expanded.split_once('\0')?;
        rest.split_once('\0').map(|(name, _)| name.to_owned())
    }

    /// The variables in force at `id`, each ARG's value as `arg_value` gives it from
    /// the ARG's name and its default.
    fn vars_reading(
        &self,
        id: ItemId,
        path: &str,
        arg_value: impl Fn(&str, Option<String>) -> Option<String>,
    ) -> BTreeMap<String, String> {
        let analysis = self.input.analysis;
        let mut vars = BTreeMap::from([
            ("GOPATH".to_owned(), "/go".to_owned()),
            ("PATH".to_owned(), path.to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ]);
        let mut globals = BTreeMap::new();
        for &arg in &analysis.global_args {
            if let Some(Command::Arg(decls)) = analysis.instruction(arg).command() {
                for decl in decls {
                    if let Some(value) = decl.default {
                        globals.insert(decl.name, unquote(&value).to_owned());
                    }
                }
            }
        }
        for &before in self
            .input
            .stage
            .body
            .iter()
            .take_while(|&&before| before < id)
        {
            match analysis.instruction(before).command() {
                Some(Command::Env(pairs)) => {
                    for (name, value) in pairs {
                        match expand(unquote(&value), &vars) {
                            Some(value) => vars.insert(name, value),
                            None => vars.remove(&name),
                        };
                    }
                }
                Some(Command::Arg(decls)) => {
                    for decl in decls {
                        let value = match &decl.default {
                            Some(value) => expand(unquote(value), &vars),
                            None => globals.get(&decl.name).cloned(),
                        };
                        let value = arg_value(&decl.name, value);
                        match value {
                            Some(value) => vars.insert(decl.name, value),
                            None => vars.remove(&decl.name),
                        };
                    }
                }
                _ => {}
            }
        }
        vars
    }

    /// The working directory at `id`, absolute (the golang images start in /go).
    pub fn workdir(&self, id: ItemId) -> Result<String, String> {
        let input = self.input;
        let Some(dir) = input.analysis.workdir_at(input.stage, id) else {
            return Ok("/go".to_owned());
        };
        let expanded = expand(&dir, &self.vars_at(id))
            .ok_or_else(|| format!("the WORKDIR `{dir}` is a variable restage cannot resolve"))?;
        Ok(join("/go", &expanded))
    }

    /// Every package the RUNs install, in order.
    pub fn installed_packages(&self) -> impl Iterator<Item = &str> {
        self.runs
            .values()
            .flat_map(|run| &run.installs)
            .flat_map(|install| &install.packages)
            .map(String::as_str)
    }

    /// Whether the builder has time zone files for the app: a Debian golang image has
    /// them (tzdata), another only where a RUN installs tzdata.
    pub fn has_time_zones(&self) -> bool {
        matches!(self.input.stage.base.variant, Variant::Full | Variant::Slim)
            || self.installed_packages().any(|package| package == "tzdata")
    }

    /// The last RUN that builds binaries.
    pub fn last_build(&self) -> Option<ItemId> {
        self.runs
            .iter()
            .filter(|(_, run)| run.is_build())
            .map(|(id, _)| *id)
            .next_back()
    }

    /// The last ENTRYPOINT and the last CMD.
    pub fn start(&self) -> (Option<ItemId>, Option<ItemId>) {
        let analysis = self.input.analysis;
        let stage = self.input.stage;
        (
            analysis.with_keyword(stage, Keyword::Entrypoint).last(),
            analysis.with_keyword(stage, Keyword::Cmd).last(),
        )
    }
}

/// Adds an absolute folder and every folder above it but `/`.
pub(super) fn insert_with_parents(dirs: &mut BTreeSet<String>, dir: &str) {
    let mut dir = dir.to_owned();
    while dir != "/" {
        dirs.insert(dir.clone());
        dir = parent(&dir);
    }
}

fn module_path(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        let path = rest.split("//").next()?.trim().trim_matches('"');
        (!path.is_empty() && rest.starts_with([' ', '\t'])).then(|| path.to_owned())
    })
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_module_line() {
        assert_eq!(
            module_path("// x\nmodule \"example.com/a/v2\" // c\n\ngo 1.22\n").as_deref(),
            Some("example.com/a/v2")
        );
        assert_eq!(module_path("go 1.22\n"), None);
    }
}
