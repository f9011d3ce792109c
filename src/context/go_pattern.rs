//! The commands a `./...` pattern builds, found as the go command finds them
//! (cmd/go/internal/search's `MatchDirs` and `MatchPattern`; checked against Go 1.19 in
//! a container): a walk of its own from the pattern's folder over the build context as
//! Docker sends it. `go_sources`' walk will not do: it leaves out `node_modules`, which
//! the go command goes into. Below the pattern's folder:
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
//! A folder is a command when a `.go` file that every Linux build compiles says
//! `package main`, and none when one says another package. Where restage cannot be sure, it says why rather than guess: the walk
//! ran out of budget, a file could not be read, a `.go` file or go.mod is a symbolic link
//! (the go command reads what it leads to), a command is one of some builds only (build
//! constraints on a tag, an architecture or cgo), go.mod has an `ignore` of a form
//! restage does not read, or the pattern's folder is reached through a symbolic link.

use std::collections::VecDeque;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::go_file::{self, compiled_header};
use super::go_mod;
use super::go_sources::BUDGET;
use super::{BuildContext, entries_by_name, read_small};
use crate::analyze::relative_to;

impl BuildContext {
    /// The commands (folders of package main, relative to the context's root, in name
    /// order) that a `./...` pattern at `folder` (relative, empty for the root) builds;
    /// why restage cannot tell where it cannot.
    pub fn go_commands_under(&self, folder: &str) -> Result<Vec<String>, String> {
        let name = folder.rsplit('/').next().unwrap_or_default();
        if name.starts_with(['.', '_']) || name == "testdata" {
            return Ok(Vec::new());
        }
        self.go_commands(folder, true)
    }

    /// `folder` alone if it is a command: a package named by its folder is built
    /// whatever its name (`./_tools/lint`) and go.mod's `ignore`s say.
    pub fn go_command_in(&self, folder: &str) -> Result<Vec<String>, String> {
        self.go_commands(folder, false)
    }

    /// The commands at `folder`, and with `below` in the folders under it that a
    /// pattern matches.
    fn go_commands(&self, folder: &str, below: bool) -> Result<Vec<String>, String> {
        let Some(root) = self.root.as_deref() else {
            return Err("restage has no build context to look in".into());
        };
        if !self.reaches(root, folder)? {
            return Ok(Vec::new());
        }
        let ignored = if below {
            self.go_mod_ignores(root, folder)?
        } else {
            Vec::new()
        };
        let mut walk = Walk {
            context: self,
            root,
            ignored,
            budget: BUDGET,
            commands: Vec::new(),
        };
        walk.run(folder, below)?;
        walk.commands.sort();
        Ok(walk.commands)
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

    /// What the `ignore` directives of the go.mod of the module `folder` is in say, as
    /// [`GoIgnore`]s; an error for one restage does not read, or one that takes in the
    /// pattern's folder itself.
    fn go_mod_ignores(&self, root: &Path, folder: &str) -> Result<Vec<GoIgnore>, String> {
        let mut module = Some(folder);
        while let Some(at) = module {
            let go_mod = join(at, "go.mod");
            if self.sent_file(root, &go_mod)? {
                let text = read_small(&root.join(&go_mod))
                    .ok_or_else(|| format!("restage could not read `{go_mod}`"))?;
                let ignored = go_mod::ignores(&text)
                    .map(|path| GoIgnore::read(path, at))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        format!(
                            "`{go_mod}` has an `ignore` directive of a form restage does not read"
                        )
                    })?;
                let mut above = relative_to(folder, at)
                    .unwrap_or_default()
                    .split('/')
                    .filter(|part| !part.is_empty());
                let mut path = at.to_owned();
                let covered = above.any(|part| {
                    path = join(&path, part);
                    ignored.iter().any(|ignore| ignore.skips(&path))
                });
                if covered {
                    return Err(format!(
                        "`{go_mod}` ignores `{folder}` or a folder it is in"
                    ));
                }
                return Ok(ignored);
            }
            module = (!at.is_empty()).then(|| at.rsplit_once('/').map_or("", |(up, _)| up));
        }
        Ok(Vec::new())
    }

    /// Whether the file at `path` is in the image: a regular file of the context that
    /// `.dockerignore` does not keep out; an error for a symbolic link, which the go
    /// command would follow.
    fn sent_file(&self, root: &Path, path: &str) -> Result<bool, String> {
        match fs::symlink_metadata(root.join(path)) {
            Ok(meta) if meta.file_type().is_symlink() && !self.ignores(path) => Err(format!(
                "`{path}` is a symbolic link, and the go command reads what it leads to, which restage does not"
            )),
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

/// One walk for a pattern, with what it found so far.
struct Walk<'a> {
    context: &'a BuildContext,
    root: &'a Path,
    ignored: Vec<GoIgnore>,
    budget: usize,
    commands: Vec<String>,
}

impl Walk<'_> {
    /// Walks the folders from `top` breadth first, each folder's entries in name order,
    /// and with `below` the folders under it.
    fn run(&mut self, top: &str, below: bool) -> Result<(), String> {
        // Folders to read, each with whether the walk goes on below it (not below
        // `vendor`, whose packages a pattern does not match).
        let mut folders = VecDeque::from([(top.to_owned(), below)]);
        while let Some((folder, below)) = folders.pop_front() {
            let entries = entries_by_name(&self.root.join(&folder))
                .map_err(|_| format!("restage could not read `{folder}`"))?;
            let mut command = Command::None;
            for (name, entry) in entries {
                if self.budget == 0 {
                    return Err(format!(
                        "the build context has more than {BUDGET} files and folders there, more than restage looks through"
                    ));
                }
                self.budget -= 1;
                let path = join(&folder, &name);
                let meta = entry
                    .metadata()
                    .map_err(|_| format!("restage could not read `{path}`"))?;
                if meta.is_dir() {
                    if below && self.goes_into(&name, &path)? {
                        folders.push_back((path, name != "vendor"));
                    }
                } else if name.ends_with(".go") && go_file::compiled_by_name(&name) {
                    command = command.and(self.read_go_file(&path)?);
                }
            }
            match command {
                Command::None | Command::Library => {}
                Command::Always => self.commands.push(folder),
                Command::Some(file) => {
                    return Err(format!(
                        "`{folder}` is a command of some builds only, as `{file}` has build constraints on a tag, an architecture or cgo (which the rewrite turns off)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the go command goes into the folder `name` at `path`, and finds it in
    /// the image.
    fn goes_into(&self, name: &str, path: &str) -> Result<bool, String> {
        let skipped = name.starts_with(['.', '_'])
            || name == "testdata"
            || self.context.keeps_out_whole(path)
            || self.ignored.iter().any(|ignore| ignore.skips(path));
        Ok(!skipped && !self.context.sent_file(self.root, &join(path, "go.mod"))?)
    }

    /// What the `.go` file at `path` makes its folder.
    fn read_go_file(&self, path: &str) -> Result<Command, String> {
        if !self.context.sent_file(self.root, path)? {
            return Ok(Command::None);
        }
        let file = compiled_header(&self.root.join(path))
            .ok_or_else(|| format!("restage could not read `{path}`"))?;
        Ok(match file {
            Some(file) if file.package == "main" && file.certain => Command::Always,
            Some(file) if file.package == "main" => Command::Some(path.to_owned()),
            Some(file) if file.certain && !file.package.is_empty() => Command::Library,
            _ => Command::None,
        })
    }
}

/// What the `.go` files of a folder make it.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    /// Not a command.
    None,
    /// A command of every Linux build.
    Always,
    /// A command of the builds that compile this file only.
    Some(String),
    /// A package of another name in every Linux build: a `package main` file of some
    /// builds (`//go:build generate`) makes those builds fail, not a command.
    Library,
}

impl Command {
    /// The folder with one more file's say.
    fn and(self, file: Command) -> Command {
        match (self, file) {
            (Command::Always, _) | (_, Command::Always) => Command::Always,
            (Command::Library, _) | (_, Command::Library) => Command::Library,
            (Command::Some(first), _) => Command::Some(first),
            (Command::None, file) => file,
        }
    }
}

/// `folder/name`, or `name` at the root (empty `folder`).
fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
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

    fn under(dir: &tempfile::TempDir, folder: &str) -> Result<Vec<String>, String> {
        BuildContext::read(dir.path()).go_commands_under(folder)
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
            context.go_command_in("_tools/lint"),
            Ok(vec!["_tools/lint".into()])
        );
        assert_eq!(context.go_command_in("_tools"), Ok(Vec::new()));
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
            let mut walk = Walk {
                context: &context,
                root: dir.path(),
                ignored: Vec::new(),
                budget,
                commands: Vec::new(),
            };
            walk.run("", true).map(|()| walk.commands)
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
        assert!(BuildContext::default().go_commands_under("").is_err());
    }
}
