//! The Go source of a build context, found by one walk of it: whether there is any, the
//! first file a Linux build compiles that imports "C", the packages those files import
//! and the modules the go.mod files require, for the Go transformer to tell whether the
//! binary needs cgo. `vendor/` is walked like any folder (`go build` compiles what is
//! vendored); hidden folders, `node_modules` and `testdata` are not. The walk has a
//! budget of entries, and says when it ran out or could not read something: what it
//! did not see may use cgo. What one file says is `go_file`'s to read, what a go.mod
//! says `go_mod`'s. Which commands a `./...` pattern builds is not found here but by
//! `go_pattern`, which walks as the go command does (`node_modules` included).
//!
//! It walks with `std::fs`, not the `ignore` crate: Docker sends what `.gitignore`
//! leaves out (a `vendor/` kept out of git among it), and the walk goes breadth first,
//! so that a budget that runs out has seen the app's own folders before deep ones.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use super::go_file::{self, compiled_header};
use super::go_mod;
use super::{entries_by_name, read_small};

/// How many files and folders the walk looks at before it stops: more than most Go
/// projects have with their `vendor/`, while a context that holds a data set still
/// answers quickly (the walk over 100,000 cached entries takes about a tenth of a second).
pub(super) const BUDGET: usize = 100_000;

/// What the `.go` and go.mod files of a source tree are. Paths are relative to the
/// context's root and `/`-separated.
#[derive(Clone, Debug, Default)]
pub struct GoSources {
    /// There is a `.go` file or a go.mod.
    pub found: bool,
    /// The first `.go` file compiled on Linux that imports "C" (breadth first, by name).
    pub cgo_file: Option<String>,
    /// Packages that the `.go` files compiled on Linux import, each with the first file
    /// that does.
    pub imports: BTreeMap<String, String>,
    /// Modules that the go.mod files require (`// indirect` too), each with the first
    /// go.mod that does.
    pub requires: BTreeMap<String, String>,
    /// The folders (relative, `cmd/api`) with a `.go` file or a go.mod in them or
    /// below them.
    pub folders: BTreeSet<String>,
    /// What the walk did not read, if anything.
    pub unread: Option<Unread>,
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

impl GoSources {
    /// Walks the tree under `root`.
    pub(super) fn scan(root: &Path) -> GoSources {
        GoSources::scan_within(root, BUDGET)
    }

    /// Walks the tree under `root` breadth first, each folder's entries in name order,
    /// until `budget` entries are seen.
    fn scan_within(root: &Path, budget: usize) -> GoSources {
        let mut sources = GoSources::default();
        let mut seen = 0;
        // Folders to read, as prefixes of their entries' paths ("", "cmd/", "cmd/api/").
        let mut folders = VecDeque::from([String::new()]);
        while let Some(folder) = folders.pop_front() {
            let Ok(entries) = entries_by_name(&root.join(&folder)) else {
                sources.unread.get_or_insert(Unread::Path(folder));
                continue;
            };
            for (name, entry) in entries {
                if seen == budget {
                    sources.unread = Some(Unread::Budget(budget));
                    return sources;
                }
                seen += 1;
                let path = format!("{folder}{name}");
                // The entry's own type: a link is not followed (it may lead out of the
                // context, and Docker sends the link, not what it points to).
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    let skipped =
                        name.starts_with('.') || name == "node_modules" || name == "testdata";
                    if !skipped {
                        folders.push_back(format!("{path}/"));
                    }
                } else if kind.is_file() && name == "go.mod" {
                    sources.found_in(&folder);
                    sources.read_go_mod(&root.join(&path), &path);
                } else if kind.is_file() && name.ends_with(".go") {
                    sources.found_in(&folder);
                    if go_file::compiled_by_name(&name) {
                        sources.read_go_file(&root.join(&path), path);
                    }
                }
            }
        }
        sources
    }

    /// Notes Go source in `folder` (a prefix such as `cmd/api/`) and the folders above it.
    fn found_in(&mut self, folder: &str) {
        self.found = true;
        for (at, _) in folder.match_indices('/') {
            self.folders.insert(folder[..at].to_owned());
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

    /// Takes in what the `.go` file at `at` imports, if Linux builds compile it.
    fn read_go_file(&mut self, at: &Path, path: String) {
        let Some(compiled) = compiled_header(at) else {
            self.unread.get_or_insert(Unread::Path(path));
            return;
        };
        let Some(file) = compiled else {
            return;
        };
        for import in file.imports {
            if import == "C" {
                self.cgo_file.get_or_insert_with(|| path.clone());
            } else {
                self.imports.entry(import).or_insert_with(|| path.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

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
        let sources = GoSources::scan(root);
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
        let sources = GoSources::scan(root);
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
        let sources = GoSources::scan(root);
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
        let sources = GoSources::scan(dir.path());
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
        let sources = GoSources::scan_within(root, 3);
        assert_eq!(sources.unread, Some(Unread::Budget(3)));
        let sources = GoSources::scan_within(root, 4);
        assert_eq!(sources.unread, None);
    }

    #[test]
    fn links_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "c.go", "package c\nimport \"C\"\n");
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("ext")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("c.go"), dir.path().join("c.go")).unwrap();
        let sources = GoSources::scan(dir.path());
        assert_eq!(sources.cgo_file, None);
    }
}
