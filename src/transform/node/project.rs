//! What the build context says about a Node project: its package.json (scripts,
//! devDependencies, workspaces), which lock files there are, and which npm the base
//! image's Node ships.

use serde_json::Value;

use crate::analyze::{ItemId, join};
use crate::context::BuildContext;
use crate::ecosystem::Base;
use crate::transform::Input;
use crate::transform::provenance::{self, Origin};
use crate::transform::shell::program_name;

use super::app_folder::app_folder;
use super::install_runs;
use super::run::{Manager, RunFacts};

/// Packages whose install scripts download what they run (browsers, test runners'
/// binaries) into the installing user's cache.
pub const DOWNLOADS_ON_INSTALL: &[&str] =
    &["puppeteer", "playwright", "@playwright/test", "cypress"];

/// Variables that stop those downloads (the image then brings its own browser).
pub const SKIP_DOWNLOAD: &[&str] = &[
    "PUPPETEER_SKIP_DOWNLOAD",
    "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD",
    "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD",
];

#[derive(Clone, Debug, Default)]
pub struct Project {
    /// Whether the build context has a package.json that restage could read: without
    /// one, the scripts and dependencies below are not known to be empty, only unknown.
    pub seen: bool,
    pub scripts: Vec<(String, String)>,
    pub dependencies: Vec<String>,
    pub dev_dependencies: Vec<String>,
    pub workspaces: bool,
    /// The folder of the build context the app's package.json came from, where that is
    /// not the context's root (`COPY backend/ .`): its lock files and configs are the
    /// project's. An empty context where the package.json came from elsewhere.
    folder: Option<BuildContext>,
}

impl Project {
    /// The app's package.json and the folder around it: followed back from the app
    /// folder through the COPYs before the first install (the context's root where
    /// nothing says where it came from).
    pub fn read(input: &Input, runs: &[(ItemId, RunFacts)]) -> Project {
        let installs = install_runs(runs);
        let origin = match installs.first() {
            Some(&&(first, _)) => app_folder(input, &installs).map_or(Origin::Unknown, |app| {
                provenance::origin(input, first, &join(&app, "package.json"))
            }),
            None => Origin::Unknown,
        };
        let folder = match origin {
            Origin::Context(path) => match path.rsplit_once('/') {
                Some((folder, _)) => input.context.folder(folder).unwrap_or_default(),
                None => return Project::parse(input.context, None),
            },
            Origin::Elsewhere => BuildContext::default(),
            Origin::Unknown => return Project::parse(input.context, None),
        };
        Project::parse(&folder, Some(folder.clone()))
    }

    /// The project whose package.json is the top-level one of `context`.
    fn parse(context: &BuildContext, folder: Option<BuildContext>) -> Project {
        let Some(value) = context
            .file("package.json")
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            return Project {
                folder,
                ..Project::default()
            };
        };
        let names = |key: &str| -> Vec<String> {
            value
                .get(key)
                .and_then(Value::as_object)
                .map(|map| map.keys().cloned().collect())
                .unwrap_or_default()
        };
        let scripts = value
            .get("scripts")
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(name, body)| Some((name.clone(), body.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Project {
            seen: true,
            scripts,
            dependencies: names("dependencies"),
            dev_dependencies: names("devDependencies"),
            workspaces: value.get("workspaces").is_some()
                || ["pnpm-workspace.yaml", "lerna.json", "nx.json", "turbo.json"]
                    .iter()
                    .any(|file| context.has(file)),
            folder,
        }
    }

    /// The build context as the project sees it: `root`, or the folder its package.json
    /// came from.
    pub fn context<'s>(&'s self, root: &'s BuildContext) -> &'s BuildContext {
        self.folder.as_ref().unwrap_or(root)
    }

    /// The production dependency whose install script downloads what it runs into the
    /// installing user's cache (`~/.cache/puppeteer`), outside the app folder, if any.
    pub fn downloads_on_install(&self) -> Option<&str> {
        self.dependencies
            .iter()
            .map(String::as_str)
            .find(|dep| DOWNLOADS_ON_INSTALL.contains(dep))
    }

    pub fn script(&self, name: &str) -> Option<&str> {
        self.scripts
            .iter()
            .find(|(script, _)| script == name)
            .map(|(_, body)| body.as_str())
    }

    /// The script bodies `npm run <name>` runs: pre-, the script, post-.
    pub fn run_of(&self, name: &str) -> Vec<&str> {
        [format!("pre{name}"), name.to_owned(), format!("post{name}")]
            .iter()
            .filter_map(|script| self.script(script))
            .collect()
    }

    /// The devDependency that provides the module `module` (`dotenv/config`,
    /// `@scope/pkg/register`), if any; none for a relative or absolute path.
    pub fn dev_module(&self, module: &str) -> Option<&str> {
        if module.starts_with(['.', '/']) {
            return None;
        }
        let mut parts = module.split('/');
        let package = match parts.next()? {
            scope if scope.starts_with('@') => format!("{scope}/{}", parts.next()?),
            name => name.to_owned(),
        };
        self.dev_dependencies
            .iter()
            .find(|dep| **dep == package)
            .map(String::as_str)
    }

    /// The devDependency whose command `word` runs, if any.
    pub fn dev_tool(&self, word: &str) -> Option<&str> {
        let word = program_name(word);
        if matches!(
            word,
            "node" | "npm" | "npx" | "yarn" | "pnpm" | "sh" | "bash"
        ) {
            return None;
        }
        self.dev_dependencies
            .iter()
            .filter(|dep| !dep.starts_with("@types/"))
            .find(|dep| super::run::bins(dep).iter().any(|bin| bin == word) || dep.as_str() == word)
            .map(String::as_str)
    }
}

/// The package manager the context's lock file names, when exactly one does.
pub fn lock_manager(context: &BuildContext) -> Option<Manager> {
    let found: Vec<Manager> = [Manager::Npm, Manager::Yarn, Manager::Pnpm]
        .into_iter()
        .filter(|manager| manager.lock_files().iter().any(|lock| context.has(lock)))
        .collect();
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Yarn 2+ ("berry"): its lock file has a `__metadata` block, its config is `.yarnrc.yml`.
pub fn is_yarn_berry(context: &BuildContext) -> bool {
    context.has(".yarnrc.yml")
        || context
            .file("yarn.lock")
            .is_some_and(|lock| lock.lines().any(|line| line.starts_with("__metadata:")))
}

/// The Node major version of an official base image's tag, if it says one (another
/// image's tag may count anything).
pub fn node_major(base: &Base) -> Option<u32> {
    base.ecosystem?;
    let tag = base.image.tag.as_deref()?;
    let first = tag.split('-').next()?;
    if let Some(major) = first.split('.').next().and_then(|m| m.parse().ok()) {
        return Some(major);
    }
    let codenames = [
        ("argon", 4),
        ("boron", 6),
        ("carbon", 8),
        ("dubnium", 10),
        ("erbium", 12),
        ("fermium", 14),
        ("gallium", 16),
        ("hydrogen", 18),
        ("iron", 20),
        ("jod", 22),
    ];
    codenames
        .iter()
        .find(|(name, _)| *name == first)
        .map(|(_, major)| *major)
}

/// The npm of Node 15 and later (npm 7+) knows `--omit=dev`; Node 10 and later ship an
/// npm with `npm ci`. An official tag without a version (`lts`, `alpine`, a variable)
/// is taken as a current one; another image's npm may be of any age, so neither is
/// taken as there (`--production` prunes with every npm).
pub fn npm_has_omit(base: &Base) -> bool {
    base.ecosystem.is_some() && node_major(base).is_none_or(|major| major >= 15)
}

pub fn npm_has_ci(base: &Base) -> bool {
    base.ecosystem.is_some() && node_major(base).is_none_or(|major| major >= 10)
}

/// Whether an official image surely ships yarn. The images got it in March 2017: Node 8
/// to 25 have it, and so do the tags that name only the major of a line then kept up
/// (4, 6, 7: their last release came after); an exact release of those lines may be
/// older, Node 5 and 0.x never had it, and the images dropped it from Node 26 on. A tag
/// without a version (`latest`, `lts`) may be either.
pub fn ships_yarn(base: &Base) -> bool {
    if base.ecosystem.is_none() {
        return false;
    }
    let Some(major) = node_major(base) else {
        return false;
    };
    let exact = base
        .image
        .tag
        .as_deref()
        .and_then(|tag| tag.split('-').next())
        .is_some_and(|version| version.contains('.'));
    (8..26).contains(&major) || (matches!(major, 4 | 6 | 7) && !exact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ImageRef;

    #[test]
    fn node_versions_from_tags() {
        let major = |raw: &str| node_major(&Base::of(&ImageRef::parse(raw)));
        assert_eq!(major("node:14.17.3-alpine3.14"), Some(14));
        assert_eq!(major("node:20-slim"), Some(20));
        assert_eq!(major("node:carbon"), Some(8));
        assert_eq!(major("node:lts-alpine"), None);
        assert_eq!(major("node"), None);
        // Another image's tag need not be the Node version.
        assert_eq!(major("registry.example.com/web-runtime:7"), None);
        let base = |raw: &str| Base::of(&ImageRef::parse(raw));
        assert!(npm_has_ci(&base("node:lts")) && npm_has_omit(&base("node:lts")));
        assert!(npm_has_ci(&base("node:14")) && !npm_has_omit(&base("node:14")));
        assert!(!npm_has_ci(&base("mhart/alpine-node:4.8.3")));
        assert!(!npm_has_omit(&base("gcr.io/google-appengine/nodejs")));
        assert!(ships_yarn(&base("node:18-alpine")) && !ships_yarn(&base("node:lts")));
        assert!(!ships_yarn(&base("node:26")) && !ships_yarn(&base("node")));
        assert!(ships_yarn(&base("node:6-slim")) && ships_yarn(&base("node:boron")));
        assert!(!ships_yarn(&base("node:4.2.3-slim")) && !ships_yarn(&base("node:6.9.1")));
        assert!(!ships_yarn(&base("node:5")) && !ships_yarn(&base("node:0.12")));
    }

    #[test]
    fn package_json_scripts_and_dev_tools() {
        let mut context = BuildContext::default();
        context.files.insert(
            "package.json".into(),
            r#"{"scripts":{"prestart":"tsc","start":"node dist/a.js"},"devDependencies":{"typescript":"5"}}"#.into(),
        );
        let project = Project::parse(&context, None);
        assert_eq!(project.run_of("start"), vec!["tsc", "node dist/a.js"]);
        assert_eq!(project.dev_tool("tsc"), Some("typescript"));
        assert_eq!(project.dev_tool("node"), None);
        let mut context = BuildContext::default();
        context.files.insert(
            "package.json".into(),
            r#"{"devDependencies":{"dotenv":"16","@babel/register":"7"}}"#.into(),
        );
        let project = Project::parse(&context, None);
        assert_eq!(project.dev_module("dotenv/config"), Some("dotenv"));
        assert_eq!(
            project.dev_module("@babel/register"),
            Some("@babel/register")
        );
        assert_eq!(project.dev_module("./dotenv/config"), None);
        assert_eq!(project.dev_module("express"), None);
        assert!(!project.workspaces);
    }
}
