//! Reading pip commands: `pip install …`, `python -m pip install …` and `uv pip install
//! …` with the options that matter to the rewrite (`--target`, `-e`, `--prefix`,
//! `--no-cache-dir`), whether an install is only of installer tooling, and the
//! read-only commands (`pip check`, `<tool> --version`) that may follow an install.
//!
//! This file only reads words; what a whole RUN is, and the edits that move an install
//! to `--target`, are `run`'s business.

use crate::transform::shell;

/// Packages that are the installer's own tooling (or a project tool's), not the app's
/// dependencies.
const TOOLING: &[&str] = &[
    "pip",
    "setuptools",
    "wheel",
    "virtualenv",
    "uv",
    "poetry",
    "pipenv",
];

/// pip's general options that take no value and may stand before its command.
const PIP_GENERAL_FLAGS: &[&str] = &[
    "--no-cache-dir",
    "--disable-pip-version-check",
    "--no-input",
    "--no-color",
    "--isolated",
    "-q",
    "-qq",
    "-qqq",
    "--quiet",
    "-v",
    "--verbose",
];

/// One `pip install` command, as far as the rewrite needs it.
pub struct PipInstall {
    /// The command's words up to `install`, as one phrase to find in the RUN's text.
    pub head: String,
    /// The whole command, for decisions.
    pub command: String,
    /// It installs only installer tooling (`pip install -U pip`): the builder's own.
    pub tooling_only: bool,
    pub has_target: bool,
    pub editable: bool,
    pub prefix: bool,
    pub no_cache: bool,
    /// What it installs: the requirements its words name and the files it reads them
    /// from.
    pub sources: Vec<Source>,
}

/// Where an install's requirements are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A requirement in the command (`psycopg2==2.9.9`), by its name.
    Name(String),
    /// A requirements file (`-r requirements/prod.txt`), as the command names it.
    File(String),
    /// A project folder (`.`, `./src`), whose own dependencies its pyproject.toml names.
    Project(String),
    /// An archive, a URL or a VCS link, whose requirements restage cannot read.
    Unreadable(String),
    /// A project tool's lock file (`poetry.lock`), which names every package it installs.
    Lock(&'static str),
}

/// `pip install` options that take a value (as the next word unless written with `=`).
const VALUED: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-c",
    "--constraint",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--root",
    "--prefix",
    "-t",
    "--target",
    "--src",
    "--progress-bar",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--cache-dir",
    "--upgrade-strategy",
    "-C",
    "--config-settings",
    "--global-option",
    "--no-binary",
    "--only-binary",
    "--report",
    "--python",
];

/// The requirement sources among an install's arguments `rest`.
fn sources(rest: &[&str]) -> Vec<Source> {
    let mut sources = Vec::new();
    let mut words = rest.iter();
    while let Some(&word) = words.next() {
        let file = word
            .strip_prefix("--requirement=")
            .or_else(|| word.strip_prefix("-r").filter(|file| !file.is_empty()));
        let unreadable = is_unreadable(word);
        match word {
            _ if file.is_some() => sources.extend(file.map(|f| Source::File(f.to_owned()))),
            "-r" | "--requirement" => {
                sources.extend(words.next().map(|file| Source::File((*file).to_owned())));
            }
            _ if VALUED.contains(&word) => {
                words.next();
            }
            _ if word.starts_with('-') => {}
            _ if unreadable => sources.push(Source::Unreadable(word.to_owned())),
            _ if is_path(word) => sources.push(Source::Project(word.to_owned())),
            _ => sources.push(Source::Name(normalized(requirement_name(word)))),
        }
    }
    sources
}

/// A requirement restage cannot read the name of: an archive, a URL, a VCS link, or a
/// word that the shell fills in (`$PACKAGES`).
pub fn is_unreadable(word: &str) -> bool {
    word.contains(['$', '`', '@'])
        || word.contains("://")
        || [".whl", ".tar.gz", ".zip"]
            .iter()
            .any(|archive| word.ends_with(archive))
}

/// A requirement that is a folder (`.`, `./src`, `src/`), not a name on an index.
pub fn is_path(word: &str) -> bool {
    word.starts_with(['.', '/']) || word.contains('/')
}

/// A requirement's name as pip compares names (PEP 503: `Python_Magic` is
/// `python-magic`).
pub fn normalized(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

/// `pip`, `pip3.12`, or one called by its path (`/env/bin/pip`, a virtualenv's).
fn is_pip(word: &str) -> bool {
    let name = shell::program_name(word);
    name == "pip" || name.starts_with("pip3") || name == "pip2"
}

/// `python`, `python3.12`, or one called by its path.
pub fn is_python(word: &str) -> bool {
    shell::program_name(word).starts_with("python")
}

/// A requirement's name without its version or extras (`Flask[async]>=3` → `Flask`),
/// as an install command's word names it.
pub fn requirement_name(requirement: &str) -> &str {
    requirement
        .split(['=', '<', '>', '[', '~', '!', ';', ' ', '@'])
        .next()
        .unwrap_or("")
}

/// The arguments after pip's command word `command`, with the number of words up to
/// it, in `pip …`, `python -m pip …` or `uv pip …` (general options may come first).
pub fn pip_command<'a>(words: &'a [&'a str], command: &str) -> Option<(usize, &'a [&'a str])> {
    let start = match words {
        [pip, ..] if is_pip(pip) => 1,
        [python, "-m", "pip", ..] if is_python(python) => 3,
        ["uv", "pip", ..] => 2,
        _ => return None,
    };
    let flags = words[start..]
        .iter()
        .take_while(|word| PIP_GENERAL_FLAGS.contains(word))
        .count();
    let at = start + flags;
    (words.get(at) == Some(&command)).then(|| (at + 1, &words[at + 1..]))
}

impl PipInstall {
    /// Whether the command names the requirement `name` (normalized) itself.
    pub fn names(&self, name: &str) -> bool {
        self.sources
            .iter()
            .any(|source| matches!(source, Source::Name(named) if named == name))
    }
}

/// Reads `pip install …`, `python -m pip install …` or `uv pip install …`.
pub fn pip_install(words: &[&str]) -> Option<PipInstall> {
    let (head, rest) = pip_command(words, "install")?;
    let requirement_files = rest
        .iter()
        .any(|w| *w == "-r" || w.starts_with("--requirement") || w.starts_with("-r"));
    let packages: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
    let tooling_only = !requirement_files
        && !packages.is_empty()
        && packages
            .iter()
            .all(|package| TOOLING.contains(&requirement_name(package)));
    Some(PipInstall {
        head: words[..head].join(" "),
        command: words.join(" "),
        tooling_only,
        has_target: rest.iter().any(|w| *w == "-t" || w.starts_with("--target")),
        editable: rest
            .iter()
            .any(|w| *w == "-e" || w.starts_with("--editable")),
        prefix: rest
            .iter()
            .any(|w| w.starts_with("--prefix") || w.starts_with("--root")),
        no_cache: words.contains(&"--no-cache-dir"),
        sources: sources(rest),
    })
}

/// A command that only reads what is installed and writes no file: `pip check`,
/// `pip list`, `pip freeze`, `pip show …`, and a program asked for its version or help
/// (`b2 version`, `diffoscope --version`).
pub fn is_check(words: &[&str]) -> bool {
    let reads_pip = ["check", "list", "freeze", "show"].iter().any(|command| {
        match pip_command(words, command) {
            Some((_, rest)) => *command == "show" || rest.is_empty(),
            None => false,
        }
    });
    /// Commands for which a word `version` or `help` would be a file to write.
    const WRITERS: &[&str] = &[
        "touch", "tee", "cp", "mv", "ln", "install", "wget", "curl", "chmod", "chown", "dd",
    ];
    let asks_version = match words {
        [_, "--version" | "-version" | "-V" | "--help"] => true,
        [program, "version" | "help"] => !WRITERS.contains(&shell::program_name(program)),
        _ => false,
    };
    reads_pip || asks_version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_where_an_install_takes_its_requirements() {
        let words = [
            "pip",
            "install",
            "--no-cache-dir",
            "-i",
            "https://pypi.example.com/simple",
            "-rrequirements.txt",
            "--requirement",
            "extra.txt",
            "Python_Magic>=0.4",
            "b2 == 3.4",
            ".",
            "git+https://example.com/lib.git",
            "-c",
            "constraints.txt",
        ];
        assert_eq!(
            pip_install(&words).unwrap().sources,
            vec![
                Source::File("requirements.txt".into()),
                Source::File("extra.txt".into()),
                Source::Name("python-magic".into()),
                Source::Name("b2".into()),
                Source::Project(".".into()),
                Source::Unreadable("git+https://example.com/lib.git".into()),
            ]
        );
    }
}
