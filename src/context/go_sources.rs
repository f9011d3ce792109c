//! The Go source of a build context, found by one walk of it as Docker sends it (a
//! folder or file `.dockerignore` keeps out is neither walked nor read). The walk
//! serves two readers:
//!
//! - whether the binary needs cgo: whether there is Go source, the first file a Linux
//!   build compiles that imports "C", the packages those files import and the modules
//!   the go.mod files require, over every folder but those in `node_modules` (the go
//!   command compiles a package there only where a pattern matches it, so those count
//!   for the builds whose patterns do; see `go_pattern`);
//! - which packages a `./...` pattern matches: every folder walked, with what its `.go`
//!   files make it ([`GoFolder`]), which `go_pattern` reads as the go command does.
//!
//! `vendor/` is walked like any folder (`go build` compiles what is vendored); hidden
//! folders and `testdata` are not (nothing builds or imports a package there; a pattern
//! that starts inside one walks it on its own). The walk has a budget of entries, and
//! says when it ran out or could not read something: what it did not see may use cgo.
//! What one file says is `go_file`'s to read, what a go.mod says `go_mod`'s.
//!
//! It walks with `std::fs`, not the `ignore` crate: Docker sends what `.gitignore`
//! leaves out (a `vendor/` kept out of git among it), and the walk goes breadth first,
//! `node_modules` folders last, so that a budget that runs out has seen the app's own
//! folders before deep ones and npm's.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use super::go_file::{self, GoFile, compiled_header};
use super::go_mod;
use super::{BuildContext, entries_by_name, read_small};

/// How many files and folders the walk looks at before it stops: more than most Go
/// projects have with their `vendor/`, while a context that holds a data set still
/// answers quickly (the walk over 100,000 cached entries takes about a tenth of a second).
pub(super) const BUDGET: usize = 100_000;

/// What the `.go` and go.mod files of a source tree are. Paths are relative to the
/// context's root and `/`-separated.
#[derive(Clone, Debug, Default)]
pub struct GoSources {
    /// There is a `.go` file or a go.mod (outside `node_modules`).
    pub found: bool,
    /// The first `.go` file compiled on Linux that imports "C" (breadth first, by name),
    /// outside `node_modules`.
    pub cgo_file: Option<String>,
    /// Packages that the `.go` files compiled on Linux import (outside `node_modules`),
    /// each with the first file that does.
    pub imports: BTreeMap<String, String>,
    /// Modules that the go.mod files require (`// indirect` too; outside
    /// `node_modules`), each with the first go.mod that does.
    pub requires: BTreeMap<String, String>,
    /// The folders (relative, `cmd/api`) with a `.go` file or a go.mod in them or
    /// below them (outside `node_modules`).
    pub folders: BTreeSet<String>,
    /// What the walk did not read outside `node_modules`, if anything.
    pub unread: Option<Unread>,
    /// Every folder walked (`node_modules` ones too), by path (empty for the walk's top).
    pub(super) tree: BTreeMap<String, GoFolder>,
    /// The folders the walk did not get to, or not to the end of, before its budget ran
    /// out.
    pub(super) unwalked: Vec<String>,
}

/// Why the walk did not see all of the Go source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unread {
    /// The context has more files and folders than the walk's budget, this many.
    Budget(usize),
    /// The file or folder at this path could not be read, or a `.go` file's header does
    /// not end within [`MAX_READ`](super::MAX_READ).
    Path(String),
}

/// What the walk found in one folder.
#[derive(Clone, Debug, Default)]
pub(super) struct GoFolder {
    /// The folder has a go.mod Docker sends: the root of a module of its own.
    pub go_mod: Option<GoMod>,
    /// What its `.go` files make it.
    pub package: Package,
    /// Its first `.go` file compiled on Linux that imports "C".
    pub cgo_file: Option<String>,
    /// What its `.go` files compiled on Linux import, each with the first file that does.
    pub imports: BTreeMap<String, String>,
    /// Why restage cannot be sure it read the folder as the go command does, if it
    /// cannot.
    pub doubt: Option<Doubt>,
}

/// What restage could not read of a folder as the go command does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Doubt {
    /// The folder, or the entry at this path in it, could not be read.
    Unreadable(String),
    /// The `.go` file at this path is a symbolic link, which the go command follows.
    Link(String),
}

/// A go.mod file in a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GoMod {
    File,
    /// A symbolic link, which the go command follows and restage does not.
    Link,
}

/// What the `.go` files of a folder make it, for a Linux build.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) enum Package {
    /// No package: no `.go` file there is compiled (tests aside).
    #[default]
    None,
    /// A command: a file of every build says `package main`.
    Main,
    /// A command of the builds that compile this file only.
    MainOfSome(String),
    /// A package of another name: a file of every build says so (a `package main` file
    /// of some builds, `//go:build generate`, makes those builds fail, not a command).
    Library,
    /// Possibly a package of another name: this file, which only some builds compile,
    /// is the first that says so, and no file of every build does.
    LibraryOfSome(String),
    /// Tests alone (`_test.go` files), of every build: the go command matches such a
    /// folder as a package, and builds nothing of it.
    Tests,
    /// Tests alone, of the builds that compile this file only.
    TestsOfSome(String),
}

impl Package {
    /// What the `.go` file at `path` (not a test) says of its folder.
    fn of(file: &GoFile, path: &str) -> Package {
        match file {
            GoFile {
                package, certain, ..
            } if package == "main" => match certain {
                true => Package::Main,
                false => Package::MainOfSome(path.to_owned()),
            },
            GoFile { package, .. } if package.is_empty() => Package::None,
            GoFile { certain: true, .. } => Package::Library,
            GoFile { .. } => Package::LibraryOfSome(path.to_owned()),
        }
    }

    /// The folder with one more file's say, whichever comes first.
    fn and(self, file: Package) -> Package {
        use Package::*;
        match (self, file) {
            (Main, _) | (_, Main) => Main,
            (Library, _) | (_, Library) => Library,
            (MainOfSome(first), _) | (_, MainOfSome(first)) => MainOfSome(first),
            (LibraryOfSome(first), _) | (_, LibraryOfSome(first)) => LibraryOfSome(first),
            (Tests, _) | (_, Tests) => Tests,
            (TestsOfSome(first), _) | (_, TestsOfSome(first)) => TestsOfSome(first),
            (None, None) => None,
        }
    }
}

impl GoSources {
    /// Walks the build context's tree under `root`.
    pub(super) fn scan(context: &BuildContext, root: &Path) -> GoSources {
        GoSources::walk(context, root, "", BUDGET)
    }

    /// Walks the tree under the folder `top` of `root` breadth first, each folder's
    /// entries in name order and `node_modules` folders last, until `budget` entries
    /// are seen.
    pub(super) fn walk(context: &BuildContext, root: &Path, top: &str, budget: usize) -> Self {
        GoSources::read(context, root, top, budget, true)
    }

    /// Reads the folder `top` of `root` alone, none of the folders in it.
    pub(super) fn folder(context: &BuildContext, root: &Path, top: &str) -> Self {
        GoSources::read(context, root, top, BUDGET, false)
    }

    /// [`GoSources::walk`], into the folders under `top` where `descend`.
    fn read(context: &BuildContext, root: &Path, top: &str, budget: usize, descend: bool) -> Self {
        let mut sources = GoSources::default();
        let mut seen = 0;
        let mut folders = VecDeque::from([top.to_owned()]);
        // Folders in `node_modules`, read when the others are.
        let mut npm_folders = VecDeque::new();
        while let Some((folder, npm)) = folders
            .pop_front()
            .map(|folder| (folder, false))
            .or_else(|| npm_folders.pop_front().map(|folder| (folder, true)))
        {
            let mut here = GoFolder::default();
            let entries = entries_by_name(&root.join(&folder)).unwrap_or_else(|_| {
                here.doubt = Some(Doubt::Unreadable(folder.clone()));
                Vec::new()
            });
            let mut tests = Vec::new();
            for (name, entry) in entries {
                if seen == budget {
                    if !npm {
                        sources.unread = Some(Unread::Budget(budget));
                    }
                    sources.unwalked = [folder].into_iter().chain(folders).collect();
                    sources.unwalked.extend(npm_folders);
                    return sources;
                }
                seen += 1;
                let path = join(&folder, &name);
                // The entry's own type: a link is not followed (it may lead out of the
                // context, and Docker sends the link, not what it points to).
                let Ok(kind) = entry.file_type() else {
                    here.doubt.get_or_insert(Doubt::Unreadable(path));
                    continue;
                };
                if kind.is_dir() {
                    let walked = descend
                        && !name.starts_with('.')
                        && name != "testdata"
                        && !context.keeps_out_whole(&path);
                    if walked && (npm || name == "node_modules") {
                        npm_folders.push_back(path);
                    } else if walked {
                        folders.push_back(path);
                    }
                    continue;
                }
                let go_mod = name == "go.mod";
                if !(go_mod || name.ends_with(".go")) || context.ignores(&path) {
                    continue;
                }
                if kind.is_symlink() {
                    if go_mod {
                        here.go_mod = Some(GoMod::Link);
                    } else if go_file::compiled_by_name(&name) {
                        here.doubt.get_or_insert(Doubt::Link(path));
                    }
                    continue;
                }
                if !kind.is_file() {
                    continue;
                }
                if !npm {
                    sources.found_in(&folder);
                }
                if go_mod {
                    here.go_mod = Some(GoMod::File);
                    if !npm {
                        sources.read_go_mod(&root.join(&path), &path);
                    }
                } else if go_file::compiled_by_name(&name) {
                    here.read_go_file(&root.join(&path), &path);
                } else if go_file::test_compiled_by_name(&name) {
                    tests.push(path);
                }
            }
            if here.package == Package::None {
                here.read_tests(root, &tests);
            }
            if !npm {
                sources.take_in(&here);
            }
            sources.tree.insert(folder, here);
        }
        sources
    }

    /// Notes Go source in `folder` and the folders above it.
    fn found_in(&mut self, folder: &str) {
        self.found = true;
        let mut at = folder;
        while !at.is_empty() && self.folders.insert(at.to_owned()) {
            at = at.rsplit_once('/').map_or("", |(up, _)| up);
        }
    }

    /// Takes in the modules the go.mod at `at` requires.
    fn read_go_mod(&mut self, at: &Path, path: &str) {
        let Some(text) = read_small(at) else {
            self.unread
                .get_or_insert_with(|| Unread::Path(path.to_owned()));
            return;
        };
        for module in go_mod::requirements(&text) {
            self.requires
                .entry(module.to_owned())
                .or_insert_with(|| path.to_owned());
        }
    }

    /// Takes in what the `.go` files of a folder import, and what could not be read.
    fn take_in(&mut self, folder: &GoFolder) {
        if let Some(file) = &folder.cgo_file {
            self.cgo_file.get_or_insert_with(|| file.clone());
        }
        for (import, file) in &folder.imports {
            if !self.imports.contains_key(import) {
                self.imports.insert(import.clone(), file.clone());
            }
        }
        if let Some(Doubt::Unreadable(path)) = &folder.doubt {
            self.unread
                .get_or_insert_with(|| Unread::Path(path.clone()));
        }
    }
}

impl GoFolder {
    /// Takes in the `.go` file (not a test) at `at`, `path` in the context.
    fn read_go_file(&mut self, at: &Path, path: &str) {
        let Some(compiled) = compiled_header(at) else {
            self.doubt.get_or_insert(Doubt::Unreadable(path.to_owned()));
            return;
        };
        let Some(file) = compiled else {
            return;
        };
        self.package = std::mem::take(&mut self.package).and(Package::of(&file, path));
        for import in file.imports {
            if import == "C" {
                self.cgo_file.get_or_insert_with(|| path.to_owned());
            } else {
                self.imports
                    .entry(import)
                    .or_insert_with(|| path.to_owned());
            }
        }
    }

    /// Whether the folder, which has no other package, is one of tests alone: the first
    /// of the `_test.go` files at `tests` (paths in the context, under `root`) that every
    /// build compiles makes it one, else the first that some builds do. One restage
    /// cannot read makes it one too: a package more means no lone binary, where a
    /// package less could mean one the go command does not write.
    fn read_tests(&mut self, root: &Path, tests: &[String]) {
        for path in tests {
            let package = match compiled_header(&root.join(path)) {
                Some(None) => continue,
                None => Package::Tests,
                Some(Some(file)) if file.certain => Package::Tests,
                Some(Some(_)) => Package::TestsOfSome(path.clone()),
            };
            self.package = std::mem::take(&mut self.package).and(package);
            if self.package == Package::Tests {
                return;
            }
        }
    }
}

/// `folder/name`, or `name` at the top (empty `folder`).
pub(super) fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn scan(root: &Path) -> GoSources {
        BuildContext::read(root).go_sources().clone()
    }

    fn write(root: &Path, path: &str, text: &str) {
        let at = root.join(path);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        fs::write(at, text).unwrap();
    }

    #[test]
    fn walks_deep_folders_and_vendor_but_not_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "go.mod",
            "module example.com/app\n\nrequire example.com/lib v1.0.0\n",
        );
        write(
            root,
            "main.go",
            "package main\n\nimport _ \"example.com/app/internal\"\n",
        );
        write(
            root,
            "internal/platform/store/sqlite/native.go",
            "package sqlite\n\n// #include <stdlib.h>\nimport \"C\" // cgo\n",
        );
        write(root, ".git/hooks/x.go", "package x\nimport \"C\"\n");
        write(root, "node_modules/x/x.go", "package x\nimport \"C\"\n");
        write(root, "testdata/x.go", "package x\nimport \"C\"\n");
        let sources = scan(root);
        assert!(sources.found && sources.unread.is_none());
        assert_eq!(
            sources.cgo_file.as_deref(),
            Some("internal/platform/store/sqlite/native.go")
        );
        assert_eq!(sources.requires["example.com/lib"], "go.mod");
        assert_eq!(sources.imports["example.com/app/internal"], "main.go");
    }

    #[test]
    fn vendored_cgo_counts_and_its_stub_does_not_hide_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "go.mod", "module example.com/app\n");
        write(
            root,
            "main.go",
            "package main\n\nimport \"example.com/cwrap\"\n",
        );
        write(root, "vendor/modules.txt", "# example.com/cwrap v1.0.0\n");
        write(
            root,
            "vendor/example.com/cwrap/stub.go",
            "//go:build !cgo\n\npackage cwrap\n",
        );
        write(
            root,
            "vendor/example.com/cwrap/wrap.go",
            "//go:build cgo\n\npackage cwrap\n\n/*\n#include <math.h>\n*/\nimport \"C\"\n",
        );
        let sources = scan(root);
        assert_eq!(
            sources.cgo_file.as_deref(),
            Some("vendor/example.com/cwrap/wrap.go")
        );
    }

    #[test]
    fn tests_and_other_systems_files_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let cgo = "package x\n\nimport \"C\"\n";
        write(root, "main.go", "package main\n");
        write(root, "x/x_test.go", cgo);
        write(root, "x/x_windows.go", cgo);
        write(root, "x/x_darwin_arm64.go", cgo);
        write(root, "x/gen.go", &format!("//go:build ignore\n\n{cgo}"));
        write(
            root,
            "x/other.go",
            &format!("// +build windows darwin\n\n{cgo}"),
        );
        let sources = scan(root);
        assert!(sources.found && sources.unread.is_none());
        assert_eq!(sources.cgo_file, None);
    }

    #[test]
    fn a_long_header_is_read_on() {
        let dir = tempfile::tempdir().unwrap();
        let preamble = format!("/*\n{}*/\n", "int x;\n".repeat(5000));
        write(
            dir.path(),
            "big.go",
            &format!(
                "package big\n\n{preamble}import \"C\"\n\nvar data = `{}`\n",
                "x".repeat(1 << 21)
            ),
        );
        let sources = scan(dir.path());
        assert_eq!(sources.cgo_file.as_deref(), Some("big.go"));
        assert_eq!(sources.unread, None);
    }

    #[test]
    fn an_exhausted_budget_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["a.go", "b.go", "c/c.go"] {
            write(root, name, "package x\n");
        }
        let context = BuildContext::read(root);
        let sources = GoSources::walk(&context, root, "", 3);
        assert_eq!(sources.unread, Some(Unread::Budget(3)));
        let sources = GoSources::walk(&context, root, "", 4);
        assert_eq!(sources.unread, None);
    }

    #[test]
    fn links_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "c.go", "package c\nimport \"C\"\n");
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("ext")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("c.go"), dir.path().join("c.go")).unwrap();
        let sources = scan(dir.path());
        assert_eq!(sources.cgo_file, None);
    }

    #[test]
    fn node_modules_are_walked_last_and_apart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "go.mod", "module example.com/app\n");
        write(root, "a/node_modules/x/x.go", "package x\n\nimport \"C\"\n");
        write(root, "a/node_modules/x/y/y.go", "package y\n");
        write(root, "b/c/d.go", "package d\n");
        let context = BuildContext::read(root);
        let sources = context.go_sources();
        // Compiled where a pattern matches it: not the context's cgo, but its folder's.
        assert_eq!(sources.cgo_file, None);
        assert!(!sources.folders.contains("a"));
        let npm = &sources.tree["a/node_modules/x"];
        assert_eq!(npm.cgo_file.as_deref(), Some("a/node_modules/x/x.go"));
        // A budget that runs out in node_modules leaves the rest of the context read.
        let sources = GoSources::walk(&context, root, "", 8);
        assert_eq!(sources.unread, None);
        assert!(sources.tree.contains_key("b/c"));
        assert_eq!(sources.unwalked, ["a/node_modules/x"]);
    }

    #[test]
    fn what_dockerignore_keeps_out_is_not_go_source() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "main.go", "package main\n");
        write(root, "exp/native.go", "package exp\n\nimport \"C\"\n");
        write(root, "gen/c.go", "package gen\n\nimport \"C\"\n");
        write(root, ".dockerignore", "exp\ngen/c.go\n");
        let sources = scan(root);
        assert_eq!(sources.cgo_file, None);
        assert!(!sources.tree.contains_key("exp"));
        assert!(!sources.folders.contains("gen"));
    }

    #[test]
    fn a_folder_of_tests_alone_is_a_package_of_tests() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let test = "package e2e\n\nimport \"testing\"\n";
        write(root, "e2e/up_test.go", test);
        write(
            root,
            "tagged/up_test.go",
            &format!("//go:build integration\n\n{test}"),
        );
        write(root, "windows/up_windows_test.go", test);
        write(root, "mixed/m.go", "package mixed\n");
        write(root, "mixed/m_test.go", test);
        let sources = scan(root);
        assert_eq!(sources.tree["e2e"].package, Package::Tests);
        assert_eq!(
            sources.tree["tagged"].package,
            Package::TestsOfSome("tagged/up_test.go".into())
        );
        assert_eq!(sources.tree["windows"].package, Package::None);
        assert_eq!(sources.tree["mixed"].package, Package::Library);
    }
}
