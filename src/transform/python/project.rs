//! Projects that their own tool installs from a lock file: `poetry install`,
//! `pipenv install --system` (or `pipenv sync --system`) and `uv sync`. The builder
//! exports the locked requirements to a file and installs that with `--target`, as it
//! does a requirements file, so the final stage copies one folder whatever the tool.
//!
//! Each tool's options are read word by word: those that choose what is installed
//! (groups, extras, dev packages) are carried over to the export, those that only
//! shape the installing are left out, and any other is a reason to decline.

use crate::analyze::{Analysis, ItemId, Stage, file_name};
use crate::syntax::{Command, ImageRef, Keyword, Span};
use crate::transform::Input;
use crate::transform::shell;

use super::TARGET;
use super::pip::{pip_command, requirement_name};
use super::search_path::env_values;

/// Where the builder writes the exported requirements.
const EXPORTED: &str = "/tmp/requirements.txt";

/// A project install and the commands that take its place in the builder.
#[derive(Debug)]
pub struct ProjectInstall {
    /// The words that start the command in the RUN's text (`poetry install`).
    pub head: String,
    /// The commands the builder runs instead, in order.
    pub replacement: Replacement,
    /// The command as written, for the decision that reports it.
    pub command: String,
}

/// The builder's commands for a project install: the export of the locked requirements
/// and their install, then the project's own install where the tool installs it.
#[derive(Debug, PartialEq, Eq)]
pub struct Replacement {
    pub locked: Vec<String>,
    pub project: Option<String>,
}

impl Replacement {
    fn commands(&self) -> impl Iterator<Item = &String> {
        self.locked.iter().chain(&self.project)
    }
}

impl ProjectInstall {
    /// The lock file the tool installs from.
    pub fn lock_file(&self) -> &'static str {
        match self.head.split(' ').next() {
            Some("poetry") => "poetry.lock",
            Some("pipenv") => "Pipfile.lock",
            _ => "uv.lock",
        }
    }

    /// Leaves the locked requirements out when a RUN before `id` installs the same
    /// ones (`uv sync --no-install-project`, then `uv sync` for the project once its
    /// source is copied): installed again, they would fill a second target folder
    /// (see `targets`) with the same packages. `true` when it does.
    pub fn skip_installed_requirements(&mut self, input: &Input, id: ItemId) -> bool {
        if self.replacement.project.is_none() {
            return false;
        }
        if self.replacement.locked.is_empty() {
            // `poetry install --only-root`: the project alone already.
            return true;
        }
        let installed = shell::shell_runs(input)
            .take_while(|(run, _)| *run < id)
            .flat_map(|(_, line)| line_commands(&line))
            .filter_map(|words| {
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                project_install(&words, input)?.ok()
            })
            .any(|earlier| earlier.replacement.locked == self.replacement.locked);
        if installed {
            self.replacement.locked.clear();
        }
        installed
    }
}

/// Reads a project install; `None` when `words` is none, `Err` with the reason to
/// decline when restage cannot carry it over.
pub fn project_install(words: &[&str], input: &Input) -> Option<Result<ProjectInstall, String>> {
    let install = match words {
        ["poetry", "install", options @ ..] => poetry(options, input),
        ["pipenv", command @ ("install" | "sync"), options @ ..] => pipenv(command, options, input),
        ["uv", "sync", options @ ..] => uv(options, input),
        _ => return None,
    };
    Some(install.map(|replacement| ProjectInstall {
        head: words[..2].join(" "),
        replacement,
        command: words.join(" "),
    }))
}

/// The project installs of a RUN replaced by their exports, each from its head to the
/// end of its command.
pub fn edits(
    input: &Input,
    id: ItemId,
    projects: Vec<ProjectInstall>,
) -> Result<Vec<(Span, String)>, String> {
    let spans = shell::find_any(
        input.analysis,
        id,
        projects.iter().map(|project| project.head.as_str()),
    );
    if spans.len() != projects.len() {
        return Err("could not place the project install's export in the RUN's text".into());
    }
    Ok(spans
        .into_iter()
        .zip(projects)
        .map(|(head, project)| {
            let end = shell::command_end(input.analysis, id, head.start);
            let separator = command_separator(input, id, head.start);
            (
                Span::new(head.start, end),
                project
                    .replacement
                    .commands()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(&separator),
            )
        })
        .collect())
}

/// How the commands that replace one are joined: ` && ` on one line, or, in a RUN
/// already written over several lines, one `&& …` line each, indented as the RUN's line
/// the replaced command is on (as its other lines where that is its first).
fn command_separator(input: &Input, id: ItemId, at: usize) -> String {
    let dockerfile = input.analysis.dockerfile;
    let instruction = input.analysis.instruction(id);
    if instruction.lines.len() < 2 {
        return " && ".into();
    }
    format!(
        " {}{}{}&& ",
        dockerfile.escape(),
        dockerfile.line_break(),
        dockerfile.continuation_indent_at(instruction, at)
    )
}

/// Commands that set a project tool up in the builder and change nothing the final
/// stage gets: `poetry config …`, `poetry self add …`.
pub fn is_setup(words: &[&str]) -> bool {
    matches!(words, ["poetry", "config" | "self", ..])
}

/// The start command runs through a project tool, which the final stage does not get
/// (it stays in the builder with the other installer tooling).
pub fn runs_through_tool(words: &[&str]) -> Option<String> {
    match words {
        [tool @ ("poetry" | "pipenv" | "uv"), "run", ..] => Some(format!(
            "the start command runs through `{tool} run`, and {tool} is installer tooling the final stage does not get"
        )),
        _ => None,
    }
}

/// A `COPY --from=` of uv's own image (`ghcr.io/astral-sh/uv`), which only installs,
/// when the start command does not run uv or uvx.
pub fn copies_uv(analysis: &Analysis, id: ItemId, stage: &Stage) -> bool {
    let Some(Command::Copy(copy)) = analysis.instruction(id).command() else {
        return false;
    };
    let uv_image = copy
        .from
        .is_some_and(|from| ImageRef::parse(&from).path.ends_with("astral-sh/uv"));
    // The start command is read only for a COPY of uv's image, not for every COPY.
    uv_image
        && !start_words(analysis, stage)
            .iter()
            .any(|word| matches!(shell::program_name(word), "uv" | "uvx"))
}

/// The words of the ENTRYPOINT and the CMD that start the app.
fn start_words(analysis: &Analysis, stage: &Stage) -> Vec<String> {
    let (entrypoint, cmd) = analysis.start_command(stage);
    [entrypoint, cmd]
        .iter()
        .flatten()
        .flat_map(|form| form.words().into_iter().map(str::to_owned))
        .collect()
}

/// One option of a tool: its name and, for those that take one, its value.
struct ToolOption<'a> {
    name: &'a str,
    value: Option<&'a str>,
}

/// Splits `--name=value`, `--name value` and flags, given the names that take a value.
fn options<'a>(words: &[&'a str], valued: &[&str]) -> Result<Vec<ToolOption<'a>>, String> {
    let mut out = Vec::new();
    let mut rest = words.iter();
    while let Some(word) = rest.next() {
        if !word.starts_with('-') {
            return Err(format!(
                "`{word}`: installing named packages changes the project's own files"
            ));
        }
        let (name, value) = match word.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None if valued.contains(word) => (*word, rest.next().copied()),
            None => (*word, None),
        };
        if valued.contains(&name) && value.is_none() {
            return Err(format!("`{name}` without its value"));
        }
        out.push(ToolOption { name, value });
    }
    Ok(out)
}

fn unknown(tool: &str, name: &str) -> String {
    format!("`{tool}` option `{name}` is not one restage carries over to an export")
}

fn install_exported(pip: &str) -> String {
    format!("{pip} --target={TARGET} -r {EXPORTED}")
}

/// `poetry install`: `poetry export` of the same groups and extras, then pip; the
/// project itself with pip too, unless `--no-root` or the project is not a package.
///
/// The export names its groups with `--only`: `poetry install` takes the main group
/// and every group that is not optional by default, `poetry export` the main group
/// alone, so the set is worked out here (from the project's pyproject.toml unless
/// `--only` names it).
fn poetry(words: &[&str], input: &Input) -> Result<Replacement, String> {
    let commands = stage_commands(input);
    if !poetry_installs_into_system(input, &commands) {
        return Err(
            "poetry installs into its own virtualenv here (`virtualenvs.create` is not false); restage moves system installs only"
                .into(),
        );
    }
    let mut root = true;
    let mut only_root = false;
    let mut only: Option<Vec<String>> = None;
    let (mut with, mut without) = (Vec::new(), Vec::new());
    let mut all_groups = false;
    let mut extras = Vec::new();
    let valued = ["--only", "--with", "--without", "-E", "--extras"];
    for option in options(words, &valued)? {
        let values = || {
            option
                .value
                .unwrap_or_default()
                .split([',', ' '])
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match option.name {
            "--no-root" => root = false,
            "--only-root" => only_root = true,
            "--no-interaction" | "-n" | "--no-ansi" | "--ansi" | "--sync" | "--compile"
            | "--no-cache" | "-q" | "--quiet" | "-v" | "-vv" | "-vvv" | "--verbose" => {}
            "--no-dev" => only = Some(vec!["main".into()]),
            "--only" => only.get_or_insert_with(Vec::new).extend(values()),
            "--with" => with.extend(values()),
            "--without" => without.extend(values()),
            "--all-groups" => all_groups = true,
            "-E" | "--extras" => extras.push(format!("--extras=\"{}\"", values().join(" "))),
            "--all-extras" => extras.push("--all-extras".into()),
            other => return Err(unknown("poetry install", other)),
        }
    }
    let project = PoetryProject::read(input);
    if only_root {
        // The project alone, its dependencies installed by an earlier `poetry install`.
        return match poetry_installs_itself(&project?)? {
            true => Ok(Replacement {
                locked: Vec::new(),
                project: Some(format!(
                    "pip install --no-cache-dir --no-deps --target={TARGET} ."
                )),
            }),
            false => Err(
                "`poetry install --only-root` of a project that is not a package installs nothing restage can move"
                    .into(),
            ),
        };
    }
    let groups = match only {
        Some(only) => only,
        None => {
            let project = project.as_ref().map_err(Clone::clone)?;
            let mut groups = vec!["main".to_owned()];
            groups.extend(
                project
                    .groups
                    .iter()
                    .filter(|(name, optional)| !optional || all_groups || with.contains(name))
                    .map(|(name, _)| name.clone()),
            );
            groups.retain(|group| !without.contains(group));
            groups
        }
    };
    let mut export = vec![format!(
        "poetry export --format=requirements.txt --output={EXPORTED} --only={}",
        groups.join(",")
    )];
    export.extend(extras);
    // Poetry 2 leaves `export` to a plugin: added with pip where pip installed poetry
    // (into the same environment), else with poetry's own `self add`.
    let add_plugin = if pip_installs_poetry(&commands) {
        "pip install --no-cache-dir poetry-plugin-export"
    } else {
        "poetry self add poetry-plugin-export"
    };
    let locked = vec![
        format!("{{ poetry export --help > /dev/null 2>&1 || {add_plugin}; }}"),
        export.join(" "),
        install_exported("pip install --no-cache-dir"),
    ];
    let project = (root && poetry_installs_itself(&project?)?)
        .then(|| format!("pip install --no-cache-dir --no-deps --target={TARGET} ."));
    Ok(Replacement { locked, project })
}

/// Whether one of the stage's `commands` installs poetry with pip.
fn pip_installs_poetry(commands: &[Vec<String>]) -> bool {
    commands.iter().any(|words| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        pip_command(&words, "install")
            .is_some_and(|(_, rest)| rest.iter().any(|word| requirement_name(word) == "poetry"))
    })
}

/// The words of every simple command of the stage's shell-form RUNs.
fn stage_commands(input: &Input) -> Vec<Vec<String>> {
    shell::shell_runs(input)
        .flat_map(|(_, line)| line_commands(&line))
        .collect()
}

/// The words of each simple command of a RUN's command `line`.
fn line_commands(line: &str) -> Vec<Vec<String>> {
    shell::commands(line)
        .into_iter()
        .map(shell::words)
        .collect()
}

/// The project's pyproject.toml from the build context, which restage needs `for_what`.
fn pyproject(input: &Input, for_what: &str) -> Result<toml::Table, String> {
    let text = input.context.file("pyproject.toml").ok_or(format!(
        "restage needs the project's pyproject.toml (not in the build context) {for_what}"
    ))?;
    text.parse()
        .map_err(|_| "the build context's pyproject.toml does not parse".to_owned())
}

/// Whether `uv sync` installs the project itself: when its pyproject.toml names a build
/// backend (without one uv treats the project as virtual).
fn uv_installs_the_project(input: &Input) -> Result<bool, String> {
    let table = pyproject(
        input,
        "to tell whether `uv sync` installs the project itself",
    )?;
    Ok(table.contains_key("build-system"))
}

/// Whether `poetry install` installs the project itself: a package, built by pip with
/// the build backend its pyproject.toml names (pip would fall back to setuptools
/// without one, where poetry builds it its own way).
fn poetry_installs_itself(project: &PoetryProject) -> Result<bool, String> {
    match (project.package, project.build_system) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(
            "`poetry install` installs the project itself, and its pyproject.toml names no [build-system] for pip to build it with"
                .into(),
        ),
    }
}

/// What `poetry install` reads from the project's pyproject.toml.
struct PoetryProject {
    /// The dependency groups besides main, each with whether it is optional.
    groups: Vec<(String, bool)>,
    /// The project itself is a package (not `package-mode = false`).
    package: bool,
    /// pyproject.toml names a build backend (`[build-system]`).
    build_system: bool,
}

impl PoetryProject {
    fn read(input: &Input) -> Result<PoetryProject, String> {
        let table = pyproject(input, "to tell what `poetry install` installs")?;
        let poetry = table.get("tool").and_then(|tool| tool.get("poetry"));
        // PEP 735 groups are not optional; poetry's own table may make one so.
        let mut groups: Vec<(String, bool)> = table
            .get("dependency-groups")
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten()
            .map(|(name, _)| (name.clone(), false))
            .collect();
        let poetry_groups = poetry
            .and_then(|poetry| poetry.get("group"))
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten();
        for (name, group) in poetry_groups {
            let optional = group.get("optional").and_then(toml::Value::as_bool) == Some(true);
            match groups.iter_mut().find(|(seen, _)| seen == name) {
                Some(known) => known.1 = optional,
                None => groups.push((name.clone(), optional)),
            }
        }
        let legacy_dev = poetry.is_some_and(|poetry| poetry.get("dev-dependencies").is_some());
        if legacy_dev && !groups.iter().any(|(name, _)| name == "dev") {
            groups.push(("dev".into(), false));
        }
        let package_mode = poetry
            .and_then(|poetry| poetry.get("package-mode"))
            .and_then(toml::Value::as_bool);
        Ok(PoetryProject {
            groups,
            package: package_mode != Some(false),
            build_system: table.contains_key("build-system"),
        })
    }
}

/// Whether poetry installs into the image's own Python: `poetry config
/// virtualenvs.create false` among the stage's `commands`, or `POETRY_VIRTUALENVS_CREATE`
/// set false by an ENV.
fn poetry_installs_into_system(input: &Input, commands: &[Vec<String>]) -> bool {
    let analysis = input.analysis;
    let by_env = analysis
        .with_keyword(input.stage, Keyword::Env)
        .flat_map(|id| env_values(input, id, "POETRY_VIRTUALENVS_CREATE"))
        .any(|value| matches!(value.trim_matches(['"', '\'']), "false" | "0"));
    let by_config = commands.iter().any(|words| {
        matches!(
            words.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["poetry", "config", "virtualenvs.create", "false" | "0"]
        )
    });
    by_env || by_config
}

/// `pipenv install --system` / `pipenv sync --system`: `pipenv requirements` of the
/// same categories, then pip.
fn pipenv(command: &str, words: &[&str], input: &Input) -> Result<Replacement, String> {
    let mut export = vec!["pipenv requirements --hash".to_owned()];
    let mut system = false;
    let mut deploy = false;
    for option in options(words, &["--categories"])? {
        match option.name {
            "--system" => system = true,
            "--deploy" => deploy = true,
            "--ignore-pipfile" | "--clear" | "-v" | "--verbose" | "-q" | "--quiet" => {}
            "--dev" | "-d" => export.push("--dev".into()),
            "--categories" => export.push(format!(
                "--categories=\"{}\"",
                option.value.unwrap_or_default()
            )),
            other => return Err(unknown(&format!("pipenv {command}"), other)),
        }
    }
    if !system {
        return Err(format!(
            "`pipenv {command}` without --system installs into pipenv's own virtualenv; restage moves system installs only"
        ));
    }
    // Without a lock `pipenv requirements` says nothing (and succeeds), where the
    // install would lock or fail: the lock has to be there for sure.
    if !input.context.has("Pipfile.lock") && !stage_copies(input, "Pipfile.lock") {
        return Err(
            "no Pipfile.lock in the build context or named by a COPY: there is no lock for restage to export"
                .into(),
        );
    }
    let mut commands = Vec::new();
    if deploy {
        // What --deploy checks: the lock is up to date with the Pipfile (pipenv versions
        // without `verify` leave the check out, as `requirements` does).
        commands.push("{ ! pipenv verify --help > /dev/null 2>&1 || pipenv verify; }".to_owned());
    }
    commands.push(format!("{} > {EXPORTED}", export.join(" ")));
    commands.push(install_exported("pip install --no-cache-dir"));
    Ok(Replacement {
        locked: commands,
        project: None,
    })
}

/// Whether a COPY or ADD of the stage names `file` among its sources.
fn stage_copies(input: &Input, file: &str) -> bool {
    let analysis = input.analysis;
    [Keyword::Copy, Keyword::Add]
        .into_iter()
        .flat_map(|keyword| analysis.with_keyword(input.stage, keyword))
        .any(|id| match analysis.instruction(id).command() {
            Some(Command::Copy(copy)) => {
                copy.sources.iter().any(|source| file_name(source) == file)
            }
            _ => false,
        })
}

/// `uv sync`: `uv export` with the same selection, then `uv pip`; the project itself
/// unless `--no-install-project`.
fn uv(words: &[&str], input: &Input) -> Result<Replacement, String> {
    let start = start_words(input.analysis, input.stage);
    if start.iter().any(|word| word.contains(".venv")) {
        return Err(
            "the start command runs from the project's .venv, which the final stage would not have"
                .into(),
        );
    }
    let mut export = vec![format!(
        "uv export --quiet --format=requirements-txt --no-emit-project --output-file={EXPORTED}"
    )];
    let mut project = true;
    let valued = ["--group", "--no-group", "--only-group", "--extra"];
    for option in options(words, &valued)? {
        match option.name {
            "--no-install-project" => project = false,
            "--frozen"
            | "--locked"
            | "--no-dev"
            | "--only-dev"
            | "--all-extras"
            | "--all-groups"
            | "--no-default-groups" => export.push(option.name.into()),
            name if valued.contains(&name) => {
                export.push(format!("{name}={}", option.value.unwrap_or_default()));
            }
            "--no-cache" | "-q" | "--quiet" | "-v" | "--verbose" | "--compile-bytecode"
            | "--no-progress" | "--no-editable" => {}
            other => return Err(unknown("uv sync", other)),
        }
    }
    let locked = vec![
        export.join(" "),
        install_exported("uv pip install --no-cache"),
    ];
    let project = (project && uv_installs_the_project(input)?)
        .then(|| format!("uv pip install --no-cache --no-deps --target={TARGET} ."));
    Ok(Replacement { locked, project })
}
