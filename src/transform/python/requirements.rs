//! The names of the packages a stage's installs take, as far as restage can read them:
//! those written in the install commands, those in requirements files that the build
//! context holds (found where the stage's COPYs and bind mounts took them from), a
//! project's own dependencies in its pyproject.toml, and the packages of a project
//! tool's lock file. What it cannot read is named too, so that the final stage does
//! not leave the full image on a guess.

use crate::analyze::{ItemId, file_name, join, parent};
use crate::syntax::Command;
use crate::transform::Input;

use super::pip::{Source, normalized, requirement_name};
use super::run::Run;

/// The package names the installs take, and what restage could not read.
#[derive(Debug, Default)]
pub struct Requirements {
    pub names: Vec<String>,
    /// Each source it could not read, as the Dockerfile names it.
    pub unread: Vec<String>,
}

/// PyPI packages that install a module of the standard library's name (old backports):
/// on PYTHONPATH, ahead of the standard library, they would replace its module, where
/// in site-packages, behind it, they went unused.
const STDLIB_SHADOWS: &[(&str, &str)] = &[
    ("asyncio", "asyncio"),
    ("typing", "typing"),
    ("enum34", "enum"),
    ("dataclasses", "dataclasses"),
    ("contextvars", "contextvars"),
    ("statistics", "statistics"),
    ("pathlib", "pathlib"),
    ("argparse", "argparse"),
    ("uuid", "uuid"),
    ("importlib", "importlib"),
];

/// How deep requirements files may include each other (`-r base.txt`).
const MAX_INCLUDES: usize = 8;

/// Reads the requirements of every dependency install among the stage's `runs`.
pub fn read(input: &Input, runs: &[(ItemId, Run)]) -> Requirements {
    let mut requirements = Requirements::default();
    for (id, run) in runs {
        let Run::Dependencies(dependencies) = run else {
            continue;
        };
        for source in &dependencies.sources {
            requirements.source(input, *id, source);
        }
    }
    requirements.unread.dedup();
    requirements
}

impl Requirements {
    /// An error when a requirement would hide a standard-library module from the
    /// target folder on PYTHONPATH.
    pub fn check_shadowing(&self) -> Result<(), String> {
        let Some((package, module)) = STDLIB_SHADOWS
            .iter()
            .find(|(package, _)| self.names.iter().any(|name| name == package))
        else {
            return Ok(());
        };
        Err(format!(
            "the requirements install `{package}` from PyPI, an old copy of the standard library's `{module}`: on PYTHONPATH it would come before the standard library's own (in site-packages it came after it, unused)"
        ))
    }

    fn source(&mut self, input: &Input, id: ItemId, source: &Source) {
        match source {
            Source::Name(name) => self.names.push(name.clone()),
            Source::File(file) => match context_path(input, id, file) {
                Some(path) => self.file(input, &path, file, 0),
                None => self.unread.push(file.clone()),
            },
            Source::Project(folder) => {
                let pyproject = context_path(input, id, &format!("{folder}/pyproject.toml"))
                    .and_then(|path| input.context.nested_text(&path))
                    .and_then(|text| project_dependencies(&text));
                match pyproject {
                    Some(names) => self.names.extend(names),
                    None => self.unread.push(format!("the dependencies of `{folder}`")),
                }
            }
            Source::Unreadable(what) => self.unread.push(what.clone()),
            Source::Lock(file) => {
                match input.context.file(file).and_then(|text| locked(file, text)) {
                    Some(names) => self.names.extend(names),
                    None => self.unread.push((*file).to_owned()),
                }
            }
        }
    }

    /// A requirements file at `path` in the context (`named` in the Dockerfile), with
    /// the files it includes.
    fn file(&mut self, input: &Input, path: &str, named: &str, depth: usize) {
        let Some(text) = input.context.nested_text(path) else {
            self.unread.push(named.to_owned());
            return;
        };
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [comment, ..] if comment.starts_with('#') => {}
                ["-r" | "--requirement", included, ..] => {
                    let included_path = join(&parent(&format!("/{path}")), included);
                    if depth < MAX_INCLUDES {
                        self.file(input, &included_path[1..], included, depth + 1);
                    } else {
                        self.unread.push((*included).to_owned());
                    }
                }
                [option, ..] if option.starts_with('-') && !option.starts_with("-e") => {}
                _ if line.contains("://") || line.contains('@') || line.starts_with("-e") => {
                    self.unread.push(line.to_owned());
                }
                _ => self.names.push(normalized(requirement_name(line))),
            }
        }
    }
}

/// Where the file the RUN `id` names as `file` came from in the build context: the
/// source of the COPY, ADD or bind mount that put it there, relative to the context
/// root; `None` when no instruction of the stage brought it from the context.
fn context_path(input: &Input, id: ItemId, file: &str) -> Option<String> {
    let analysis = input.analysis;
    let stage = input.stage;
    let workdir = |at: ItemId| analysis.workdir_at(stage, at).unwrap_or_else(|| "/".into());
    let wanted = join(&workdir(id), file);
    let mounts = match analysis.instruction(id).command() {
        Some(Command::Run(run)) => run.mounts,
        _ => Vec::new(),
    };
    let mounted = mounts.iter().filter_map(|mount| {
        let field = |key: &str| {
            mount
                .split(',')
                .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
        };
        let bind = field("type").is_none_or(|kind| kind == "bind") && field("from").is_none();
        let target = join(&workdir(id), field("target").or(field("dst"))?);
        let source = field("source").or(field("src")).unwrap_or(".");
        bind.then(|| mapped(&wanted, &[source.to_owned()], &target, false))
            .flatten()
    });
    let copied = stage
        .body
        .iter()
        .rev()
        .filter(|&&at| at < id)
        .filter_map(|&at| match analysis.instruction(at).command() {
            Some(Command::Copy(copy)) if copy.from.is_none() => {
                let into_folder = copy.dest.ends_with('/') || copy.sources.len() > 1;
                mapped(
                    &wanted,
                    &copy.sources,
                    &join(&workdir(at), &copy.dest),
                    into_folder,
                )
            }
            _ => None,
        });
    mounted
        .chain(copied)
        .find(|path| input.context.nested_text(path).is_some())
}

/// The context path that `sources` copied to `dest` would have put at `wanted`, if any.
fn mapped(wanted: &str, sources: &[String], dest: &str, into_folder: bool) -> Option<String> {
    let under = |folder: &str| {
        let folder = folder.trim_end_matches('/');
        wanted
            .strip_prefix(folder)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(str::to_owned)
    };
    sources.iter().find_map(|source| {
        let source = join("/", source);
        if source == "/" {
            return under(dest);
        }
        let context = |rest: &str| join(&source, rest)[1..].to_owned();
        if wanted == join(dest, file_name(&source)) || (!into_folder && wanted == dest) {
            Some(source[1..].to_owned())
        } else {
            under(dest).map(|rest| context(&rest))
        }
    })
}

/// The names in a PEP 621 pyproject.toml's `[project] dependencies`; `None` when it
/// has none to read (another build tool's, or dynamic).
fn project_dependencies(text: &str) -> Option<Vec<String>> {
    let table: toml::Table = text.parse().ok()?;
    let dependencies = table.get("project")?.get("dependencies")?.as_array()?;
    Some(
        dependencies
            .iter()
            .filter_map(|dependency| dependency.as_str())
            .map(|dependency| normalized(requirement_name(dependency)))
            .collect(),
    )
}

/// The packages a lock file (`poetry.lock`, `uv.lock`, `Pipfile.lock`) names.
fn locked(file: &str, text: &str) -> Option<Vec<String>> {
    if file == "Pipfile.lock" {
        let lock: serde_json::Value = serde_json::from_str(text).ok()?;
        let names = ["default", "develop"]
            .iter()
            .filter_map(|section| lock.get(section)?.as_object())
            .flat_map(|packages| packages.keys().map(|name| normalized(name)));
        return Some(names.collect());
    }
    let table: toml::Table = text.parse().ok()?;
    // A lock of a project without dependencies has no `package` entries.
    let Some(packages) = table.get("package") else {
        return Some(Vec::new());
    };
    Some(
        packages
            .as_array()?
            .iter()
            .filter_map(|package| package.get("name")?.as_str())
            .map(normalized)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_an_image_path_back_to_the_context() {
        let sources = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // COPY . /app
        assert_eq!(
            mapped("/app/req/prod.txt", &sources(&["."]), "/app", false),
            Some("req/prod.txt".into())
        );
        // COPY requirements.txt /tmp/ (into a folder) and COPY requirements.txt /tmp/r.txt
        assert_eq!(
            mapped(
                "/tmp/requirements.txt",
                &sources(&["requirements.txt"]),
                "/tmp",
                true
            ),
            Some("requirements.txt".into())
        );
        assert_eq!(
            mapped(
                "/tmp/r.txt",
                &sources(&["deps/requirements.txt"]),
                "/tmp/r.txt",
                false
            ),
            Some("deps/requirements.txt".into())
        );
        // COPY requirements requirements: the folder's contents
        assert_eq!(
            mapped(
                "/app/requirements/prod.txt",
                &sources(&["requirements"]),
                "/app/requirements",
                false
            ),
            Some("requirements/prod.txt".into())
        );
        assert_eq!(
            mapped("/srv/requirements.txt", &sources(&["."]), "/app", false),
            None
        );
    }

    #[test]
    fn reads_the_names_of_lock_files_and_pyproject() {
        let uv = "version = 1\n[[package]]\nname = \"Psycopg2\"\n[[package]]\nname = \"flask\"\n";
        assert_eq!(
            locked("uv.lock", uv),
            Some(vec!["psycopg2".into(), "flask".into()])
        );
        assert_eq!(locked("poetry.lock", "# no packages\n"), Some(vec![]));
        assert_eq!(locked("poetry.lock", "not [ toml"), None);
        let pipfile = r#"{"default": {"mysqlclient": {}}, "develop": {"pytest": {}}}"#;
        assert_eq!(
            locked("Pipfile.lock", pipfile),
            Some(vec!["mysqlclient".into(), "pytest".into()])
        );
        let pyproject =
            "[project]\nname = \"app\"\ndependencies = [\"python_magic>=0.4\", \"flask\"]\n";
        assert_eq!(
            project_dependencies(pyproject),
            Some(vec!["python-magic".into(), "flask".into()])
        );
        assert_eq!(
            project_dependencies("[tool.poetry]\nname = \"app\"\n"),
            None
        );
    }
}
