//! Reading a RUN the way the Node rewrite needs: which of its simple commands install
//! the app's dependencies (and with which package manager and flags), which build it,
//! which install packages globally, which are housekeeping, and which are unknown.

use crate::analyze::{Analysis, ItemId};
use crate::context::BuildContext;
use crate::syntax::{Command, Form, Span};
use crate::transform::packages::{self, Install as SystemInstall};
use crate::transform::shell::{self, Script};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    Npm,
    Yarn,
    Pnpm,
}

impl Manager {
    pub fn name(self) -> &'static str {
        match self {
            Manager::Npm => "npm",
            Manager::Yarn => "yarn",
            Manager::Pnpm => "pnpm",
        }
    }

    pub fn lock_files(self) -> &'static [&'static str] {
        match self {
            Manager::Npm => &["package-lock.json", "npm-shrinkwrap.json"],
            Manager::Yarn => &["yarn.lock"],
            Manager::Pnpm => &["pnpm-lock.yaml"],
        }
    }
}

/// An install of the project's dependencies (`npm ci`, `yarn`, `pnpm install`, or
/// `npm install <name>` of named packages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyInstall {
    pub manager: Manager,
    pub text: String,
    /// `npm ci`, `--frozen-lockfile`, `--immutable`, `--pure-lockfile`.
    pub frozen: bool,
    /// `--production`, `--omit=dev`, `--only=prod`, `--prod`.
    pub production: bool,
    /// `--include=dev`, `--production=false`: the devDependencies whatever NODE_ENV says.
    pub includes_dev: bool,
    /// Installs the packages it names, not the manifest's.
    pub named: bool,
    /// `--no-package-lock`, `--no-lockfile`: the author keeps the lock file out.
    pub ignores_lock: bool,
    /// Options beyond the ones `npm ci` is known to take.
    pub unusual_flags: bool,
}

/// One simple command of a RUN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Install(DependencyInstall),
    /// Runs a script or a tool that builds the app (`npm run build`, `npx tsc`, `node x.js`).
    Build(String),
    /// An explicit prune of dev dependencies.
    Prune,
    /// A global install: the package names (`corepack` for `corepack enable`) and the command.
    Global {
        packages: Vec<String>,
        text: String,
    },
    /// Package-manager and system-package housekeeping (`apt-get`, `npm cache clean`, `rm`).
    Chain,
    /// Changes the folder for the commands after it.
    Cd(String),
    /// A step restage does not rewrite around (bower, an install inside `sh -c`), with
    /// the reason.
    Unsupported(String),
    /// Creates users, folders, links or permissions.
    Setup(String),
    Other(String),
}

/// Everything the rewrite reads from one RUN.
#[derive(Clone, Debug, Default)]
pub struct RunFacts {
    pub actions: Vec<Action>,
    pub system: Vec<SystemInstall>,
    pub heredoc: bool,
    pub exec_form: bool,
    /// A `--mount=type=bind` (the manifest may be mounted, not copied).
    pub binds: bool,
}

impl RunFacts {
    /// Reads the RUN `id`, and the build context's scripts that it runs.
    pub fn read(analysis: &Analysis, id: ItemId, context: &BuildContext) -> RunFacts {
        let instruction = analysis.instruction(id);
        let Some(Command::Run(run)) = instruction.command() else {
            return RunFacts::default();
        };
        let mut facts = RunFacts {
            heredoc: !instruction.heredocs.is_empty(),
            binds: run.mounts.iter().any(|mount| mount.contains("type=bind")),
            ..RunFacts::default()
        };
        match &run.command {
            Form::Exec(words) => {
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                facts.exec_form = true;
                facts
                    .actions
                    .extend(actions(&words, &words.join(" "), Some(context)));
            }
            Form::Shell(line) => {
                facts.system = packages::installs(line);
                for command in shell::commands(line) {
                    let words = shell::words(command);
                    let words: Vec<&str> = words.iter().map(String::as_str).collect();
                    facts
                        .actions
                        .extend(actions(&words, command, Some(context)));
                }
            }
        }
        facts
    }

    pub fn installs(&self) -> impl Iterator<Item = &DependencyInstall> {
        self.actions.iter().filter_map(|action| match action {
            Action::Install(install) => Some(install),
            _ => None,
        })
    }

    pub fn builds(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().filter_map(|action| match action {
            Action::Build(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The global installs: their package names and command texts.
    pub fn globals(&self) -> (Vec<String>, Vec<String>) {
        let mut packages = Vec::new();
        let mut texts = Vec::new();
        for action in &self.actions {
            if let Action::Global {
                packages: names,
                text,
            } = action
            {
                packages.extend(names.iter().cloned());
                texts.push(text.clone());
            }
        }
        (packages, texts)
    }

    /// Installs, builds or prunes the app in its folder.
    pub fn is_app_work(&self) -> bool {
        self.actions.iter().any(|action| {
            matches!(
                action,
                Action::Install(_) | Action::Build(_) | Action::Prune
            )
        })
    }

    pub fn has_other(&self) -> bool {
        self.others().next().is_some()
    }

    pub fn others(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().filter_map(|action| match action {
            Action::Other(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The folder a `cd` moves to before the first dependency install.
    pub fn install_dir(&self) -> Option<&str> {
        let mut dir = None;
        for action in &self.actions {
            match action {
                Action::Cd(to) => dir = Some(to.as_str()),
                Action::Install(_) | Action::Build(_) | Action::Prune => return dir,
                _ => {}
            }
        }
        dir
    }
}

fn flag_in(rest: &[&str], names: &[&str]) -> bool {
    rest.iter().any(|word| {
        names.iter().any(|name| {
            *word == *name || word.strip_prefix(name).is_some_and(|v| v.starts_with('='))
        })
    })
}

fn is_production(rest: &[&str]) -> bool {
    rest.iter().any(|word| {
        matches!(
            *word,
            "--production"
                | "--production=true"
                | "--prod"
                | "-P"
                | "--omit=dev"
                | "--only=prod"
                | "--only=production"
        )
    })
}

fn positional<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    rest.iter()
        .copied()
        .filter(|word| !word.starts_with('-'))
        .collect()
}

/// Options `npm ci` takes as `npm install` does.
const CI_FLAGS: &[&str] = &[
    "--production",
    "--omit=dev",
    "--only=prod",
    "--only=production",
    "--no-optional",
    "--omit=optional",
    "--silent",
    "--quiet",
    "-q",
    "--unsafe-perm",
    "--legacy-peer-deps",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--no-progress",
    "--loglevel",
    "--verbose",
    "--prefer-offline",
];

fn install(manager: Manager, rest: &[&str], text: &str, named: bool) -> Action {
    let mut skip = false;
    let unusual_flags = rest.iter().any(|word| {
        if std::mem::take(&mut skip) {
            return false;
        }
        if *word == "--loglevel" {
            skip = true;
        }
        word.starts_with('-')
            && !CI_FLAGS
                .iter()
                .any(|known| word.split('=').next() == Some(*known) || word == known)
    });
    Action::Install(DependencyInstall {
        manager,
        text: text.to_owned(),
        frozen: flag_in(
            rest,
            &["--frozen-lockfile", "--immutable", "--pure-lockfile"],
        ),
        production: is_production(rest),
        includes_dev: rest.iter().any(|word| {
            matches!(
                *word,
                "--include=dev" | "--production=false" | "--prod=false" | "--dev"
            )
        }),
        named,
        ignores_lock: flag_in(
            rest,
            &["--no-package-lock", "--no-lockfile", "--package-lock=false"],
        ),
        unusual_flags,
    })
}

fn global_names(rest: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    let mut skip = false;
    for word in rest {
        if std::mem::take(&mut skip) {
            continue;
        }
        if matches!(*word, "--prefix" | "--registry" | "--loglevel") {
            skip = true;
        } else if !word.starts_with('-') {
            names.push((*word).to_owned());
        }
    }
    names
}

/// Classifies one simple command; one that runs a script (`sh -c "npm run build"`, the
/// build context's `./build.sh`, also behind `if`/`sudo`) by the script's commands, of
/// which an install, prune or global install is unsupported: restage does not edit inside
/// the script. A `cd` there moves only the script's own commands. (A script file's own
/// script files are not read: one may run itself.)
fn actions(words: &[&str], text: &str, context: Option<&BuildContext>) -> Vec<Action> {
    let bare = shell::after_keywords(words);
    let behind_keyword = bare.len() < words.len();
    let (script, context) = match shell::script_run(bare, context) {
        Some(Script::Quoted(script)) => (script.to_owned(), context),
        Some(Script::File { text, .. }) => (text, None),
        None => {
            return vec![match action(bare, text) {
                // `then npm run build`: a build all the same.
                build @ Action::Build(_) => build,
                Action::Install(_) | Action::Prune | Action::Global { .. } | Action::Cd(_)
                    if behind_keyword =>
                {
                    Action::Unsupported(format!(
                        "`{text}` installs, prunes or changes folder behind a shell keyword or wrapper (`if`, a loop, `exec`, `sudo`), which restage does not rewrite: write it as a command of its own"
                    ))
                }
                _ if behind_keyword => Action::Other(text.to_owned()),
                other => other,
            }];
        }
    };
    let inner: Vec<Action> = shell::script_commands(&script)
        .flat_map(|(command, words)| {
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            actions(&words, command, context)
        })
        .map(|action| match action {
            Action::Cd(_) => Action::Chain,
            action => action,
        })
        .collect();
    let edited = inner.iter().any(|action| {
        matches!(
            action,
            Action::Install(_) | Action::Prune | Action::Global { .. } | Action::Unsupported(_)
        )
    });
    match edited {
        true => vec![Action::Unsupported(format!(
            "`{text}` installs or prunes inside a shell script, which restage does not edit: write those commands in the RUN itself"
        ))],
        false => inner,
    }
}

/// Classifies one simple command.
pub fn action(words: &[&str], text: &str) -> Action {
    let is_global = |rest: &[&str]| flag_in(rest, &["-g", "--global", "--location=global"]);
    let global = |rest: &[&str], text: &str| Action::Global {
        packages: global_names(rest),
        text: text.to_owned(),
    };
    let build = || Action::Build(text.to_owned());
    match words {
        [] => Action::Chain,
        ["bower", ..] => Action::Unsupported(
            "the build runs `bower`, a tool restage does not rewrite around".into(),
        ),
        ["npm", "ci", rest @ ..] => match install(Manager::Npm, rest, text, false) {
            Action::Install(ci) => Action::Install(DependencyInstall { frozen: true, ..ci }),
            other => other,
        },
        ["npm", "install" | "i" | "add" | "isntall", rest @ ..] if is_global(rest) => {
            global(rest, text)
        }
        ["npm", "install" | "i" | "isntall", rest @ ..] => {
            install(Manager::Npm, rest, text, !positional(rest).is_empty())
        }
        ["npm", "prune", ..] | ["pnpm", "prune", ..] => Action::Prune,
        [
            "npm",
            "run" | "run-script" | "rebuild" | "test" | "exec" | "x",
            ..,
        ] => build(),
        [
            "npm",
            "cache" | "config" | "set" | "ls" | "list" | "audit" | "version" | "-v" | "--version",
            ..,
        ] => Action::Chain,
        ["yarn", "global", "add", rest @ ..] => global(rest, text),
        ["yarn"] => install(Manager::Yarn, &[], text, false),
        ["yarn", "install", rest @ ..] => install(Manager::Yarn, rest, text, false),
        ["yarn", first, ..] if first.starts_with('-') => {
            install(Manager::Yarn, &words[1..], text, false)
        }
        ["yarn", "add", rest @ ..] => install(Manager::Yarn, rest, text, true),
        ["yarn", "cache" | "config" | "--version" | "-v" | "list", ..] => Action::Chain,
        ["yarn", ..] => build(),
        ["pnpm", "install" | "i" | "add", rest @ ..] if is_global(rest) => global(rest, text),
        ["pnpm", "install" | "i", rest @ ..] => install(Manager::Pnpm, rest, text, false),
        ["pnpm", "add", rest @ ..] => install(Manager::Pnpm, rest, text, true),
        [
            "pnpm",
            "fetch" | "store" | "config" | "--version" | "-v",
            ..,
        ] => Action::Chain,
        ["pnpm", ..] => build(),
        // `corepack pnpm build` runs the package manager through corepack.
        ["corepack", "pnpm" | "yarn" | "npm" | "pnpx" | "npx", ..] => action(&words[1..], text),
        ["corepack", ..] => Action::Global {
            packages: vec!["corepack".into()],
            text: text.to_owned(),
        },
        [
            "npx" | "tsc" | "node" | "gulp" | "grunt" | "webpack" | "ng" | "nest" | "vite" | "next"
            | "nuxt" | "babel" | "esbuild" | "rollup" | "prisma",
            ..,
        ] => build(),
        // `./node_modules/.bin/webpack`: a tool the install put in the app.
        [program, ..] if program.contains("node_modules/.bin/") => build(),
        [
            "apt-get"
            | "apt"
            | "apk"
            | "yum"
            | "dnf"
            | "rm"
            | "true"
            | ":"
            | "set"
            | "echo"
            | "update-ca-certificates"
            | "export"
            | "ls",
            ..,
        ] => Action::Chain,
        ["cd", dir] => Action::Cd((*dir).to_owned()),
        [
            "useradd" | "adduser" | "groupadd" | "addgroup" | "usermod" | "mkdir" | "chown"
            | "chmod" | "touch",
            ..,
        ] => Action::Setup(text.to_owned()),
        _ => Action::Other(text.to_owned()),
    }
}

/// A package's name without its version (`@scope/tool` of `@scope/tool@2`).
pub fn package_name(package: &str) -> String {
    match package.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('@') {
            Some((name, _)) => format!("@{name}"),
            None => package.to_owned(),
        },
        None => package.split('@').next().unwrap_or(package).to_owned(),
    }
}

/// The commands a global package puts on PATH.
pub fn bins(package: &str) -> Vec<String> {
    let name = package_name(package);
    let known: &[(&str, &[&str])] = &[
        ("typescript", &["tsc", "tsserver"]),
        ("pm2", &["pm2", "pm2-runtime", "pm2-docker"]),
        ("@angular/cli", &["ng"]),
        ("@nestjs/cli", &["nest"]),
        ("@vue/cli", &["vue"]),
        ("@vue/cli-service", &["vue-cli-service"]),
        ("gulp-cli", &["gulp"]),
        ("grunt-cli", &["grunt"]),
        ("webpack-cli", &["webpack"]),
        ("firebase-tools", &["firebase"]),
        ("@babel/node", &["babel-node"]),
        ("@babel/cli", &["babel"]),
        ("corepack", &["corepack", "pnpm", "yarn"]),
        ("sequelize-cli", &["sequelize", "sequelize-cli"]),
        ("@mikro-orm/cli", &["mikro-orm"]),
        ("dotenv-cli", &["dotenv"]),
    ];
    if let Some((_, bins)) = known.iter().find(|(known, _)| *known == name) {
        return bins.iter().map(|bin| (*bin).to_owned()).collect();
    }
    vec![name.rsplit('/').next().unwrap_or(&name).to_owned()]
}

/// Whether a global package is a package manager (its version shapes the install).
pub fn is_package_manager(package: &str) -> bool {
    let bins = bins(package);
    bins.iter()
        .any(|bin| matches!(bin.as_str(), "npm" | "yarn" | "pnpm" | "corepack"))
}

/// The spans of a RUN's text where `phrase` starts a command that `keep` accepts (given
/// the rest of that command's line).
pub fn phrase_spans(
    analysis: &Analysis,
    id: ItemId,
    phrase: &str,
    keep: impl Fn(&str) -> bool,
) -> Vec<Span> {
    let text = analysis.dockerfile.text();
    shell::find(analysis, id, phrase)
        .into_iter()
        .filter(|span| {
            let rest = &text[span.end..];
            let end = rest.find(['&', ';', '|', '\n']).unwrap_or(rest.len());
            keep(&rest[..end])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(command: &str) -> Action {
        let words = shell::words(command);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        action(&words, command)
    }

    #[test]
    fn reads_installs_globals_and_builds() {
        let Action::Install(ci) = of("npm ci --omit=dev") else {
            panic!()
        };
        assert!(ci.frozen && ci.production && !ci.named);
        let Action::Install(yarn) = of("yarn --frozen-lockfile") else {
            panic!()
        };
        assert!(yarn.frozen && yarn.manager == Manager::Yarn);
        let Action::Install(named) = of("npm install node-media-server") else {
            panic!()
        };
        assert!(named.named);
        let Action::Global { packages, .. } = of("npm i -g pm2@5") else {
            panic!()
        };
        assert_eq!(packages, vec!["pm2@5"]);
        let Action::Global { packages, .. } = of("yarn global add pm2") else {
            panic!()
        };
        assert_eq!(packages, vec!["pm2"]);
        assert!(matches!(of("npm run build"), Action::Build(_)));
        assert!(matches!(of("yarn build"), Action::Build(_)));
        assert_eq!(of("npm cache clean --force"), Action::Chain);
        assert_eq!(of("cd server"), Action::Cd("server".into()));
    }

    #[test]
    fn global_packages_and_their_commands() {
        assert_eq!(bins("typescript@5"), vec!["tsc", "tsserver"]);
        assert_eq!(bins("@angular/cli@17"), vec!["ng"]);
        assert_eq!(bins("@scope/tool"), vec!["tool"]);
        assert!(is_package_manager("npm@latest") && !is_package_manager("pm2"));
    }
}
