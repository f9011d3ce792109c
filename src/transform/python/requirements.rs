//! The names of the packages a stage's installs take, as far as restage can read them:
//! those written in the install commands, those in requirements files that the build
//! context holds (found where the stage's COPYs and bind mounts took them from), a
//! project's own dependencies in its pyproject.toml, and the packages of a project
//! tool's lock file. What it cannot read is named too, so that the final stage does
//! not leave the full image on a guess.

use crate::analyze::{ItemId, join, parent};
use crate::transform::Input;
use crate::transform::provenance::context_path;

use super::pip::{Source, is_path, is_unreadable, normalized, requirement_name};
use super::run::Run;

/// The package names the installs take, and what restage could not read.
#[derive(Debug, Default)]
pub struct Requirements {
    pub names: Vec<String>,
    /// The names pip installs whatever the Python version: written in a command, or in
    /// a requirements file without an environment marker (`; python_version < "3.7"`).
    unconditional: Vec<String>,
    /// Each source it could not read, as the Dockerfile names it (a URL without its
    /// user and password).
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
    let mut seen = Vec::new();
    requirements.unread.retain(|what| {
        !seen.contains(what) && {
            seen.push(what.clone());
            true
        }
    });
    requirements
}

impl Requirements {
    /// An error when a requirement would hide a standard-library module from the
    /// target folder on PYTHONPATH.
    pub fn check_shadowing(&self) -> Result<(), String> {
        let Some((package, module)) = STDLIB_SHADOWS
            .iter()
            .find(|(package, _)| self.unconditional.iter().any(|name| name == package))
        else {
            return Ok(());
        };
        Err(format!(
            "the requirements install `{package}` from PyPI, an old copy of the standard library's `{module}`: on PYTHONPATH it would come before the standard library's own (in site-packages it came after it, unused)"
        ))
    }

    fn source(&mut self, input: &Input, id: ItemId, source: &Source) {
        match source {
            Source::Name(name) => {
                self.names.push(name.clone());
                self.unconditional.push(name.clone());
            }
            Source::File(file) => match context_path(input, id, file) {
                Some(path) => self.file(input, &path, file, 0),
                None => self.unread.push(file.clone()),
            },
            Source::Project(folder) => {
                // The folder without the extras it is installed with (`.[postgres]`).
                let folder = folder.split('[').next().unwrap_or_default();
                let pyproject = format!("{}/pyproject.toml", folder.trim_end_matches('/'));
                let names = context_path(input, id, &pyproject)
                    .and_then(|path| input.context.nested_text(&path))
                    .and_then(|text| project_dependencies(&text));
                match names {
                    Some(names) => self.names.extend(names),
                    None => self.unread.push(pyproject),
                }
            }
            Source::Unreadable(what) => self.unread.push(without_password(what)),
            Source::Lock(file) => {
                let names = context_path(input, id, file)
                    .and_then(|path| input.context.nested_text(&path))
                    .and_then(|text| locked(file, &text));
                match names {
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
            let line = line.trim_end_matches('\\').trim();
            let words: Vec<&str> = line.split_whitespace().collect();
            let included = match words.as_slice() {
                ["-r" | "--requirement", file, ..] => Some(*file),
                [option, ..] => option
                    .strip_prefix("--requirement=")
                    .or_else(|| option.strip_prefix("-r").filter(|file| !file.is_empty())),
                [] => None,
            };
            match words.as_slice() {
                [] => {}
                [comment, ..] if comment.starts_with('#') => {}
                _ if included.is_some() => {
                    let included = included.unwrap_or_default();
                    if depth < MAX_INCLUDES && !included.starts_with('/') {
                        let at = join(&parent(&format!("/{path}")), included);
                        self.file(input, &at[1..], included, depth + 1);
                    } else {
                        self.unread.push(included.to_owned());
                    }
                }
                ["-e" | "--editable", ..] => self.unread.push(without_password(line)),
                [option, ..] if option.starts_with("-e") || option.starts_with("--editable=") => {
                    self.unread.push(without_password(line));
                }
                [option, ..] if option.starts_with('-') => {}
                [first, ..] if is_unreadable(first) || is_path(first) => {
                    self.unread.push(without_password(line));
                }
                _ => {
                    let name = normalized(requirement_name(line));
                    if !line.contains(';') {
                        self.unconditional.push(name.clone());
                    }
                    self.names.push(name);
                }
            }
        }
    }
}

/// A requirement as decisions may show it: a URL's user and password left out.
fn without_password(what: &str) -> String {
    let Some((scheme, rest)) = what.split_once("://") else {
        return what.to_owned();
    };
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => what.to_owned(),
    }
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
