//! The packages a `./...` pattern matches, found as the go command finds them
//! (cmd/go/internal/search's `MatchDirs` and `MatchPattern`; checked against Go 1.19 in
//! a container), read from the one walk of the build context (`go_sources`), which
//! goes where the go command goes, `node_modules` among them. Below the pattern's
//! folder:
//!
//! - a folder whose name begins with `.` or `_`, or `testdata`, is skipped with all
//!   below it, and so is the pattern's folder by its own name (`./_tools/...` matches
//!   nothing);
//! - a folder with a go.mod of its own is another module, skipped;
//! - the packages inside a `vendor` folder are not matched (one named `vendor` is);
//! - the folders the module's go.mod `ignore`s (Go 1.25) are skipped;
//! - a symbolic link to a folder is not followed (one to a `.go` file is read);
//! - what `.dockerignore` keeps out is not in the image, so not built.
//!
//! A folder is a package when a `.go` file that Linux builds compile is there (a
//! `_test.go` file too: the go command matches a folder of tests alone), a command when
//! one that every Linux build compiles says `package main`, and a library when one says
//! another package. Where restage cannot be sure, it says why rather than guess: the
//! walk ran out of budget, a file could not be read, a `.go` file or go.mod is a
//! symbolic link (the go command reads what it leads to), a command is one of some
//! builds only (build constraints on a tag, an architecture or cgo), go.mod has an
//! `ignore` of a form restage does not read, the pattern's folder is reached through
//! a symbolic link, or it is in no module of a workspace (where the go command fails).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::ErrorKind;
use std::ops::Bound;
use std::path::Path;

use super::go_mod;
use super::go_sources::{BUDGET, Doubt, GoFolder, GoMod, GoSources, Package, join};
use super::{BuildContext, read_small, shown_folder};
use crate::analyze::{file_name, relative_to};

impl BuildContext {
    /// The packages (in the order of their folders' paths, relative to the context's
    /// root) that a `./...` pattern at `folder` (relative, empty for the root) matches;
    /// why restage cannot tell where it cannot.
    pub fn go_packages_under(&self, folder: &str) -> Result<Vec<GoPackage>, String> {
        let name = folder.rsplit('/').next().unwrap_or_default();
        if name.starts_with(['.', '_']) || name == "testdata" {
            return Ok(Vec::new());
        }
        self.go_packages(folder, true)
    }

    /// The package of `folder` alone, if there is one: a package named by its folder is
    /// built whatever its name (`./_tools/lint`) and go.mod's `ignore`s say.
    pub fn go_package_in(&self, folder: &str) -> Result<Vec<GoPackage>, String> {
        self.go_packages(folder, false)
    }

    /// The package at `folder`, and with `below` those in the folders under it that a
    /// pattern matches, read from the context's walk, or from a walk of `folder` alone
    /// where that one did not go (a hidden folder, `testdata`, past its budget).
    fn go_packages(&self, folder: &str, below: bool) -> Result<Vec<GoPackage>, String> {
        let Some(root) = self.root.as_deref() else {
            return Err("restage has no build context to look in".into());
        };
        if !self.reaches(root, folder)? {
            return Ok(Vec::new());
        }
        let ignored = match (below, self.nearest(root, folder, "go.mod")?) {
            (false, _) => Vec::new(),
            (true, Some(module)) => self.go_mod_ignores(root, module, folder)?,
            (true, None) => match self.nearest(root, folder, "go.work")? {
                Some(workspace) => {
                    return Err(format!(
                        "`{}` is in no module of the workspace `{}`, and the go command matches a pattern in a module's folders only (the modules go.work uses below it are their own), so the build fails",
                        shown_folder(folder),
                        join(workspace, "go.work")
                    ));
                }
                None => Vec::new(),
            },
        };
        let context_walk = self.go_sources();
        if context_walk.tree.contains_key(folder) {
            return matched(context_walk, folder, below, &ignored);
        }
        let own_walk = if below {
            GoSources::walk(self, root, folder, BUDGET)
        } else {
            GoSources::folder(self, root, folder)
        };
        matched(&own_walk, folder, below, &ignored)
    }

    /// Whether the folder at `path` is there, no symbolic link on the way to it (the go
    /// command follows one where the pattern names it, restage does not).
    fn reaches(&self, root: &Path, path: &str) -> Result<bool, String> {
        let mut at = root.to_owned();
        let mut walked = String::new();
        for part in path.split('/').filter(|part| !part.is_empty()) {
            at.push(part);
            walked = join(&walked, part);
            match fs::symlink_metadata(&at) {
                Err(error) if error.kind() == ErrorKind::NotFound => return Ok(false),
                Err(_) => return Err(format!("restage could not read `{walked}`")),
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(format!(
                        "`{walked}` is a symbolic link, which the go command follows and restage does not"
                    ));
                }
                Ok(meta) if !meta.is_dir() => return Ok(false),
                Ok(_) => {}
            }
        }
        Ok(true)
    }

    /// The nearest folder at or above `folder` (relative) that holds the file `name`
    /// (go.mod, go.work) in the image.
    fn nearest<'a>(
        &self,
        root: &Path,
        folder: &'a str,
        name: &str,
    ) -> Result<Option<&'a str>, String> {
        let mut at = Some(folder);
        while let Some(here) = at {
            if self.sent_file(root, &join(here, name))? {
                return Ok(Some(here));
            }
            at = (!here.is_empty()).then(|| here.rsplit_once('/').map_or("", |(up, _)| up));
        }
        Ok(None)
    }

    /// What the `ignore` directives of the go.mod of the module at `module` say, as
    /// [`GoIgnore`]s; an error for one restage does not read, or one that takes in the
    /// pattern's folder `folder` itself.
    fn go_mod_ignores(
        &self,
        root: &Path,
        module: &str,
        folder: &str,
    ) -> Result<Vec<GoIgnore>, String> {
        let go_mod = join(module, "go.mod");
        let text = read_small(&root.join(&go_mod))
            .ok_or_else(|| format!("restage could not read `{go_mod}`"))?;
        let ignored = go_mod::ignores(&text)
            .map(|path| GoIgnore::read(path, module))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                format!("`{go_mod}` has an `ignore` directive of a form restage does not read")
            })?;
        let mut above = relative_to(folder, module)
            .unwrap_or_default()
            .split('/')
            .filter(|part| !part.is_empty());
        let mut path = module.to_owned();
        let covered = above.any(|part| {
            path = join(&path, part);
            ignored.iter().any(|ignore| ignore.skips(&path))
        });
        if covered {
            return Err(format!(
                "`{go_mod}` ignores `{folder}` or a folder it is in"
            ));
        }
        Ok(ignored)
    }

    /// Whether the file at `path` is in the image: a regular file of the context that
    /// `.dockerignore` does not keep out; an error for a symbolic link, which the go
    /// command would follow.
    fn sent_file(&self, root: &Path, path: &str) -> Result<bool, String> {
        match fs::symlink_metadata(root.join(path)) {
            Ok(meta) if meta.file_type().is_symlink() && !self.ignores(path) => Err(linked(path)),
            Ok(meta) => Ok(meta.is_file() && !self.ignores(path)),
            Err(_) => Ok(false),
        }
    }
}

/// An `ignore` directive of a go.mod that restage reads.
#[derive(Debug, PartialEq, Eq)]
enum GoIgnore {
    /// `ignore ./web/node_modules`: that folder of the context (the module's path
    /// joined), with all below it.
    Folder(String),
    /// `ignore node_modules`: every folder of that name in the module.
    Named(String),
}

impl GoIgnore {
    /// The directive `path` of the go.mod in the folder `module`; `None` for a form
    /// restage does not read (a path of several parts not from `./`).
    fn read(path: &str, module: &str) -> Option<GoIgnore> {
        let path = path.trim_end_matches('/');
        if let Some(below) = path.strip_prefix("./") {
            let parts: Vec<&str> = below.split('/').filter(|part| *part != ".").collect();
            let plain =
                !parts.is_empty() && parts.iter().all(|part| !part.is_empty() && *part != "..");
            return plain.then(|| GoIgnore::Folder(join(module, &parts.join("/"))));
        }
        let plain = !path.is_empty() && !path.contains('/') && path != "." && path != "..";
        plain.then(|| GoIgnore::Named(path.to_owned()))
    }

    /// Whether the go command skips the folder at `path` of the module for it (and so
    /// all below it).
    fn skips(&self, path: &str) -> bool {
        match self {
            GoIgnore::Folder(folder) => path == folder,
            GoIgnore::Named(name) => path.rsplit('/').next() == Some(name.as_str()),
        }
    }
}

/// A package a pattern matches, as [`BuildContext::go_packages_under`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoPackage {
    /// Its folder, relative to the context's root.
    pub folder: String,
    pub kind: PackageKind,
    /// Its first `.go` file compiled on Linux that imports "C".
    pub cgo_file: Option<String>,
    /// What its `.go` files compiled on Linux import, each with the first file that does.
    pub imports: BTreeMap<String, String>,
}

/// What a package is to a Linux build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackageKind {
    /// `package main` in every build: a command.
    Command,
    /// A package of another name in every build.
    Library,
    /// Tests alone in every build: a package the go command matches and builds nothing of.
    Tests,
    /// A package of some builds only, as this file, which has build constraints on a tag,
    /// an architecture or cgo, is the first to say (no file of every build says more).
    OfSomeBuilds(String),
}

/// The packages of the folder `top` in the walk `sources` and, with `below`, of the
/// folders under it that a pattern matches (the module's go.mod `ignored` some).
fn matched(
    sources: &GoSources,
    top: &str,
    below: bool,
    ignored: &[GoIgnore],
) -> Result<Vec<GoPackage>, String> {
    // The folders the go command reads, in path order: a folder comes after the one it
    // is in.
    let mut read: BTreeSet<&str> = BTreeSet::new();
    let mut packages = Vec::new();
    let folders = sources
        .tree
        .range::<str, _>((Bound::Included(top), Bound::Unbounded))
        .take_while(|(path, _)| path.starts_with(top))
        .filter(|(path, _)| relative_to(path, top).is_some());
    for (path, folder) in folders {
        let reads = path == top
            || below && goes_into(&read, top, path, ignored) && !module_root(path, folder.go_mod)?;
        if !reads {
            continue;
        }
        read.insert(path);
        if let Some(package) = package_of(path, folder)? {
            packages.push(package);
        }
    }
    let unwalked = sources
        .unwalked
        .iter()
        .any(|path| path == top || below && goes_into(&read, top, path, ignored));
    if unwalked {
        return Err(format!(
            "the build context has more than {BUDGET} files and folders there, more than restage looks through"
        ));
    }
    Ok(packages)
}

/// Whether a pattern at `top` goes into the folder at `path` under it, having read the
/// folders `read`: it has read the folder `path` is in, and skips `path` neither by its
/// name, nor as a package inside a `vendor` folder, nor for go.mod's `ignored`.
fn goes_into(read: &BTreeSet<&str>, top: &str, path: &str, ignored: &[GoIgnore]) -> bool {
    let (up, name) = path.rsplit_once('/').unwrap_or(("", path));
    read.contains(up)
        && !name.starts_with(['.', '_'])
        && name != "testdata"
        && (up == top || file_name(up) != "vendor")
        && !ignored.iter().any(|ignore| ignore.skips(path))
}

/// Whether the folder at `path` is another module's root by its go.mod; an error for a
/// go.mod that is a symbolic link, which the go command would follow.
fn module_root(path: &str, go_mod: Option<GoMod>) -> Result<bool, String> {
    match go_mod {
        Some(GoMod::Link) => Err(linked(&join(path, "go.mod"))),
        go_mod => Ok(go_mod.is_some()),
    }
}

/// The package of the folder at `path` the go command reads, if there is one; an error
/// where restage cannot tell it, or it is a command of some builds only.
fn package_of(path: &str, folder: &GoFolder) -> Result<Option<GoPackage>, String> {
    match &folder.doubt {
        Some(Doubt::Unreadable(path)) => return Err(format!("restage could not read `{path}`")),
        Some(Doubt::Link(path)) => return Err(linked(path)),
        None => {}
    }
    let kind = match &folder.package {
        Package::None => return Ok(None),
        Package::Main => PackageKind::Command,
        Package::MainOfSome(file) => {
            return Err(format!(
                "`{path}` is a command of some builds only, as `{file}` has build constraints on a tag, an architecture or cgo (which the rewrite turns off)"
            ));
        }
        Package::Library => PackageKind::Library,
        Package::Tests => PackageKind::Tests,
        Package::LibraryOfSome(file) | Package::TestsOfSome(file) => {
            PackageKind::OfSomeBuilds(file.clone())
        }
    };
    Ok(Some(GoPackage {
        folder: path.to_owned(),
        kind,
        cgo_file: folder.cgo_file.clone(),
        imports: folder.imports.clone(),
    }))
}

/// Why restage cannot read the file at `path` as the go command does.
fn linked(path: &str) -> String {
    format!(
        "`{path}` is a symbolic link, and the go command reads what it leads to, which restage does not"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    const MAIN: &str = "package main\n\nfunc main() {}\n";

    fn write(root: &Path, path: &str, text: &str) {
        let at = root.join(path);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        fs::write(at, text).unwrap();
    }

    /// A module with a command in each of `commands` (folders).
    fn module(commands: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "go.mod", "module example.com/app\n\ngo 1.22\n");
        for command in commands {
            write(dir.path(), &format!("{command}/main.go"), MAIN);
        }
        dir
    }

    /// The folders of the commands among `packages`.
    fn commands(packages: Result<Vec<GoPackage>, String>) -> Result<Vec<String>, String> {
        let packages = packages?.into_iter();
        let commands = packages.filter(|package| package.kind == PackageKind::Command);
        Ok(commands.map(|package| package.folder).collect())
    }

    fn under(dir: &tempfile::TempDir, folder: &str) -> Result<Vec<String>, String> {
        commands(BuildContext::read(dir.path()).go_packages_under(folder))
    }

    #[test]
    fn folders_the_go_command_walks_into_are_looked_at_node_modules_too() {
        let dir = module(&[
            "cmd/api",
            "cmd/vendor",
            "web/node_modules/x/cmd/y",
            ".hidden/z",
            "_tools/lint",
            "cmd/testdata/t",
            "vendor/example.com/v/cmd/g",
            "cmd/api/vendor/w",
            "tools/migrate",
            "real/linked",
        ]);
        write(dir.path(), "tools/go.mod", "module example.com/tools\n");
        write(dir.path(), "internal/store/store.go", "package store\n");
        symlink(
            dir.path().join("real/linked"),
            dir.path().join("cmd/linked"),
        )
        .unwrap();
        assert_eq!(
            under(&dir, ""),
            Ok(vec![
                "cmd/api".into(),
                "cmd/vendor".into(),
                "real/linked".into(),
                "web/node_modules/x/cmd/y".into(),
            ])
        );
        assert_eq!(
            under(&dir, "cmd"),
            Ok(vec!["cmd/api".into(), "cmd/vendor".into()])
        );
        assert_eq!(under(&dir, "_tools"), Ok(Vec::new()));
        assert_eq!(under(&dir, "missing"), Ok(Vec::new()));
        assert_eq!(
            under(&dir, "vendor"),
            Ok(vec!["vendor/example.com/v/cmd/g".into()])
        );
    }

    #[test]
    fn a_named_folder_is_a_command_whatever_its_name_and_nothing_below_it_is() {
        let dir = module(&["_tools/lint", "_tools/lint/sub"]);
        let context = BuildContext::read(dir.path());
        assert_eq!(
            commands(context.go_package_in("_tools/lint")),
            Ok(vec!["_tools/lint".into()])
        );
        assert_eq!(commands(context.go_package_in("_tools")), Ok(Vec::new()));
    }

    #[test]
    fn what_dockerignore_keeps_out_is_not_built_nor_a_module() {
        let dir = module(&["cmd/api", "cmd/devtool", "tools/migrate", "docs/gen"]);
        write(dir.path(), "tools/go.mod", "module example.com/tools\n");
        write(
            dir.path(),
            ".dockerignore",
            "cmd/devtool\ntools/go.mod\ndocs\n!docs/gen/main.go\n",
        );
        assert_eq!(
            under(&dir, ""),
            Ok(vec![
                "cmd/api".into(),
                "docs/gen".into(),
                "tools/migrate".into(),
            ])
        );
    }

    #[test]
    fn go_mod_ignore_directives_skip_folders() {
        let dir = module(&[
            "cmd/api",
            "web/node_modules/x",
            "ui/node_modules/y",
            "build/z",
        ]);
        write(
            dir.path(),
            "go.mod",
            "module example.com/app\n\ngo 1.25\n\nignore (\n\tnode_modules\n\t./build/\n)\n",
        );
        assert_eq!(under(&dir, ""), Ok(vec!["cmd/api".into()]));
        let error = under(&dir, "web/node_modules").unwrap_err();
        assert!(
            error.contains("`go.mod` ignores `web/node_modules`"),
            "{error}"
        );
        write(
            dir.path(),
            "go.mod",
            "module example.com/app\n\nignore web/node_modules\n",
        );
        let error = under(&dir, "").unwrap_err();
        assert!(error.contains("a form restage does not read"), "{error}");
    }

    #[test]
    fn the_ignore_directives_of_the_module_the_pattern_is_in_count() {
        let dir = module(&["svc/cmd/a", "svc/gen/b"]);
        write(
            dir.path(),
            "go.mod",
            "module example.com/app\n\nignore ./svc/cmd\n",
        );
        write(
            dir.path(),
            "svc/go.mod",
            "module example.com/svc\n\nignore ./gen\n",
        );
        assert_eq!(under(&dir, "svc"), Ok(vec!["svc/cmd/a".into()]));
    }

    #[test]
    fn links_the_go_command_would_follow_are_declined() {
        let dir = module(&["cmd/api", "real/x"]);
        symlink("../../real/x/main.go", dir.path().join("cmd/api/x.go")).unwrap();
        let error = under(&dir, "").unwrap_err();
        assert!(
            error.contains("`cmd/api/x.go` is a symbolic link"),
            "{error}"
        );

        let dir = module(&["cmd/api", "real/x"]);
        symlink(dir.path().join("real"), dir.path().join("linked")).unwrap();
        let error = under(&dir, "linked").unwrap_err();
        assert!(error.contains("`linked` is a symbolic link"), "{error}");

        let dir = module(&["cmd/api", "sub/x"]);
        symlink("../go.mod", dir.path().join("sub/go.mod")).unwrap();
        let error = under(&dir, "").unwrap_err();
        assert!(error.contains("`sub/go.mod` is a symbolic link"), "{error}");
    }

    #[test]
    fn a_command_of_some_builds_only_is_declined() {
        let dir = module(&["cmd/api"]);
        write(
            dir.path(),
            "cmd/integ/main.go",
            &format!("//go:build integration\n\n{MAIN}"),
        );
        let error = under(&dir, "").unwrap_err();
        assert!(
            error.contains("`cmd/integ` is a command of some builds only, as `cmd/integ/main.go`"),
            "{error}"
        );
        // Another file of every build makes it a command of every build.
        write(dir.path(), "cmd/integ/always.go", MAIN);
        assert_eq!(
            under(&dir, ""),
            Ok(vec!["cmd/api".into(), "cmd/integ".into()])
        );
        // A package of another name in every build makes it no command at all, whichever
        // file comes first.
        for (first, then) in [("a.go", "gen.go"), ("gen.go", "z.go")] {
            let dir = module(&["cmd/api"]);
            let tagged = format!("//go:build generate\n\n{MAIN}");
            write(
                dir.path(),
                &format!("internal/store/{first}"),
                "package store\n",
            );
            write(dir.path(), &format!("internal/store/{then}"), &tagged);
            assert_eq!(under(&dir, ""), Ok(vec!["cmd/api".into()]), "{first}");
        }
    }

    #[test]
    fn a_walk_that_runs_out_says_so() {
        let dir = module(&["a", "b/c"]);
        let context = BuildContext::read(dir.path());
        let walk = |budget| {
            let sources = GoSources::walk(&context, dir.path(), "", budget);
            commands(matched(&sources, "", true, &[]))
        };
        assert!(
            walk(4)
                .unwrap_err()
                .contains("more than restage looks through")
        );
        assert_eq!(walk(6), Ok(vec!["a".into(), "b/c".into()]));
    }

    #[test]
    fn without_a_context_there_is_nothing_to_tell() {
        assert!(BuildContext::default().go_packages_under("").is_err());
    }

    #[test]
    fn packages_are_commands_libraries_tests_or_of_some_builds() {
        let dir = module(&["cmd/api"]);
        write(dir.path(), "internal/store/store.go", "package store\n");
        write(dir.path(), "e2e/up_test.go", "package e2e\n");
        write(
            dir.path(),
            "gen/gen.go",
            "//go:build generate\n\npackage gen\n",
        );
        write(dir.path(), "win/w_windows.go", "package win\n");
        let packages = BuildContext::read(dir.path()).go_packages_under("");
        let kinds: Vec<(String, PackageKind)> = packages
            .unwrap()
            .into_iter()
            .map(|package| (package.folder, package.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("cmd/api".into(), PackageKind::Command),
                ("e2e".into(), PackageKind::Tests),
                ("gen".into(), PackageKind::OfSomeBuilds("gen/gen.go".into())),
                ("internal/store".into(), PackageKind::Library),
            ]
        );
    }

    #[test]
    fn a_pattern_in_a_folder_the_context_walk_skips_is_walked_on_its_own() {
        let dir = module(&[".tools/cmd/lint", "testdata/cmd/gen"]);
        assert_eq!(
            under(&dir, ".tools/cmd"),
            Ok(vec![".tools/cmd/lint".into()])
        );
        assert_eq!(
            under(&dir, "testdata/cmd"),
            Ok(vec!["testdata/cmd/gen".into()])
        );
    }

    #[test]
    fn a_budget_that_runs_out_elsewhere_leaves_a_pattern_its_answer() {
        let dir = module(&["a", "b/c"]);
        write(dir.path(), "vendor/x/y/z.go", "package z\n");
        let context = BuildContext::read(dir.path());
        let sources = GoSources::walk(&context, dir.path(), "", 9);
        assert_eq!(sources.unwalked, ["vendor/x/y"]);
        assert_eq!(
            commands(matched(&sources, "", true, &[])),
            Ok(vec!["a".into(), "b/c".into()])
        );
    }

    #[test]
    fn a_pattern_in_a_workspace_outside_its_modules_is_declined() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "go.work", "go 1.22\n\nuse ./api\n");
        write(dir.path(), "api/go.mod", "module example.com/api\n");
        write(dir.path(), "api/cmd/server/main.go", MAIN);
        let error = under(&dir, "").unwrap_err();
        assert!(
            error.contains("`.` is in no module of the workspace `go.work`"),
            "{error}"
        );
        assert_eq!(under(&dir, "api"), Ok(vec!["api/cmd/server".into()]));
        // A folder named alone is a package of its module, whatever the pattern rules.
        assert!(BuildContext::read(dir.path()).go_package_in("").is_ok());
    }
}
