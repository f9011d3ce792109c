//! The build context next to a Dockerfile, read once: the dependency manifests and
//! lock files the transformers decide from, and the facts they need about the source
//! tree (top-level folders; the Go source, which `go_sources` walks once and `go_file`
//! reads, and the packages a `./...` pattern matches in that walk, which `go_pattern`
//! finds as the go command does; `go_mod` reads go.mod). This is the only file IO of
//! the rewrite; a lone Dockerfile (or stdin) has an empty context.

mod go_file;
mod go_mod;
mod go_pattern;
mod go_sources;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::recent::RecentFolders;

pub use go_pattern::{GoPackage, PackageKind};
pub use go_sources::{GoSources, Unread};

/// Files whose contents the transformers read, by name relative to the context root.
const MANIFESTS: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "setup.py",
    "go.mod",
    "go.sum",
    "go.work",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    ".dockerignore",
];

/// Manifests larger than this are not read (lock files of monorepos can be huge and
/// only their presence matters).
const MAX_READ: u64 = 1 << 20;

#[derive(Clone, Debug, Default)]
pub struct BuildContext {
    /// Whether there is a context at all (false for stdin or a lone file).
    pub present: bool,
    /// Manifest name → contents (empty when it was too large to read).
    pub files: BTreeMap<String, String>,
    /// Other `requirements*.txt` files.
    pub requirement_files: BTreeSet<String>,
    /// Top-level folders of the context.
    pub dirs: BTreeSet<String>,
    /// Top-level files of the context.
    pub top_files: BTreeSet<String>,
    /// The folder the context was read from.
    root: Option<PathBuf>,
    /// Where that folder is in the build context, for a [`folder`](Self::folder) of it:
    /// `backend/` (empty for the context's root).
    prefix: String,
    /// The Go source under the context, walked on first asking: only Go needs it, and
    /// it reads the source tree.
    go: OnceLock<GoSources>,
}

impl BuildContext {
    /// Reads the context rooted at `dir` (the Dockerfile's folder).
    pub fn read(dir: &Path) -> BuildContext {
        let mut context = BuildContext {
            present: dir.is_dir(),
            ..BuildContext::default()
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return context;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                context.dirs.insert(name);
                continue;
            }
            if name.starts_with("requirements") && name.ends_with(".txt") {
                context.requirement_files.insert(name.clone());
            }
            if MANIFESTS.contains(&name.as_str()) {
                let small = entry.metadata().is_ok_and(|m| m.len() <= MAX_READ);
                let text = if small {
                    fs::read_to_string(entry.path()).unwrap_or_default()
                } else {
                    String::new()
                };
                context.files.insert(name.clone(), text);
            }
            context.top_files.insert(name);
        }
        context.root = Some(dir.to_owned());
        context
    }

    /// What the Go source under the context is (the `.go` files a Linux build compiles,
    /// what they import, what the go.mod files require, the packages of each folder),
    /// walked on first asking.
    pub fn go_sources(&self) -> &GoSources {
        self.go.get_or_init(|| {
            self.root
                .as_deref()
                .map(|root| GoSources::scan(self, root))
                .unwrap_or_default()
        })
    }

    /// The context holds Go source: a go.mod or a `.go` file (as far as
    /// [`go_sources`](Self::go_sources) walks).
    pub fn has_go_sources(&self) -> bool {
        self.has("go.mod") || self.go_sources().found
    }

    /// Whether the folder at `path` (relative, `cmd/server`) holds Go source, as the one
    /// walk of the context found it (a folder past the walk's budget counts as not).
    pub fn holds_go_sources(&self, path: &str) -> bool {
        self.go_sources().folders.contains(path)
    }

    /// The Dockerfile is a dev container's: its folder is `.devcontainer` or holds a
    /// `devcontainer.json` (the Development Containers spec). That builds a development
    /// environment, whose compilers and tools are the point, not an app image.
    pub fn is_dev_container(&self) -> bool {
        self.top_files.contains("devcontainer.json")
            || self
                .root
                .as_deref()
                .and_then(Path::file_name)
                .is_some_and(|name| name == ".devcontainer")
    }

    /// A top-level shell script's text (`docker-entrypoint.sh`), read when asked: only a
    /// slim final stage looks into the scripts its commands name, and few do.
    pub fn script(&self, name: &str) -> Option<String> {
        name.ends_with(".sh").then(|| self.text(name)).flatten()
    }

    /// The text of the script a command runs by `path` (a file a shell is given, or one
    /// named `*.sh`): a relative path below the context root as the context has it
    /// (`scripts/build.sh`, as `COPY . .` puts it in the working folder), any other by
    /// its file name at the top of the context.
    pub fn script_file(&self, path: &str) -> Option<String> {
        let relative = path.trim_start_matches("./");
        if relative.contains('/') && !relative.starts_with('/') {
            self.nested_text(relative)
        } else {
            self.text(crate::analyze::file_name(relative))
        }
    }

    /// A top-level file's text (`vite.config.ts`, `.env`), read when asked, if it is
    /// there and not too large.
    pub fn text(&self, name: &str) -> Option<String> {
        if !self.top_files.contains(name) {
            return None;
        }
        read_small(&self.root.as_deref()?.join(name))
    }

    /// The text of the file at `path` (relative, `/`-separated) under the context
    /// root, if it is there, inside the context and not too large. A symbolic link on
    /// the way is not followed: it may lead out of the context, and Docker copies the
    /// link, not what it points to.
    pub fn nested_text(&self, path: &str) -> Option<String> {
        let at = self.inside(path)?;
        let small = fs::symlink_metadata(&at).is_ok_and(|m| m.is_file() && m.len() <= MAX_READ);
        small.then(|| fs::read_to_string(at).ok()).flatten()
    }

    /// Where the entry at `path` (relative, `/`-separated) of the context is on disk, if
    /// it is there, inside the context and no symbolic link is on the way.
    fn inside(&self, path: &str) -> Option<PathBuf> {
        let inside = !path.is_empty()
            && !path.starts_with('/')
            && path.split('/').all(|part| !matches!(part, "" | "." | ".."));
        if !inside {
            return None;
        }
        let mut at = self.root.clone()?;
        for part in path.split('/') {
            at.push(part);
            if fs::symlink_metadata(&at).map_or(true, |m| m.file_type().is_symlink()) {
                return None;
            }
        }
        Some(at)
    }

    /// Whether the context's `.dockerignore` keeps the top-level entry `name` out of what
    /// it sends to the builder.
    pub fn ignores(&self, name: &str) -> bool {
        // Most contexts have none, and the walk of the Go sources asks for every file.
        let Some(rules) = self.file(".dockerignore").filter(|rules| !rules.is_empty()) else {
            return false;
        };
        crate::dockerignore::ignores(rules, &format!("{}{name}", self.prefix))
    }

    /// Whether the context's `.dockerignore` keeps out the entry at `path` and all under
    /// it: it ignores it, and no `!` pattern may let anything under it back in.
    fn keeps_out_whole(&self, path: &str) -> bool {
        let rules = self.file(".dockerignore").unwrap_or_default();
        self.ignores(path)
            && !crate::dockerignore::lets_back_in_under(rules, &format!("{}{path}", self.prefix))
    }

    /// Whether Docker sends the top-level entry `name` or anything under it: it is not
    /// ignored, or it is a folder with a file that a `!` pattern lets back in (Docker
    /// then sends that file and its folders). A folder too large to look through
    /// counts as sent.
    pub fn sends_any(&self, name: &str) -> bool {
        if !self.ignores(name) {
            return true;
        }
        if self.keeps_out_whole(name) {
            return false;
        }
        let Some(dir) = self.inside(name) else {
            return false;
        };
        let rules = self.file(".dockerignore").unwrap_or_default();
        let path = format!("{}{name}", self.prefix);
        let mut budget = SENT_FILES_LOOKED_AT;
        sends_a_file(rules, &dir, &path, &mut budget)
    }

    /// The folder at `path` (relative, `/`-separated) of this context, read as a context
    /// of its own (a project's manifests and lock files where the Dockerfile copies a
    /// subfolder), if it is there and inside the context; a symbolic link on the way is
    /// not followed, as in [`nested_text`](Self::nested_text). Its `.dockerignore` is
    /// this context's, the only one Docker reads, and it answers
    /// [`ignores`](Self::ignores) for the paths under the folder.
    pub fn folder(&self, path: &str) -> Option<BuildContext> {
        let at = self.inside(path).filter(|at| at.is_dir())?;
        let mut folder = BuildContext::read(&at);
        folder.prefix = format!("{}{path}/", self.prefix);
        folder.files.remove(".dockerignore");
        if let Some(rules) = self.file(".dockerignore") {
            folder
                .files
                .insert(".dockerignore".into(), rules.to_owned());
        }
        Some(folder)
    }

    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name) || self.top_files.contains(name)
    }

    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }
}

/// A folder of the build context (relative, `/`-separated) as people name it: `.` for
/// its root.
pub fn shown_folder(folder: &str) -> &str {
    if folder.is_empty() { "." } else { folder }
}

/// How many entries [`BuildContext::sends_any`] looks at under an ignored folder.
const SENT_FILES_LOOKED_AT: usize = 10_000;

/// Whether Docker sends a file under `dir` (at `path` in the context) that the
/// `.dockerignore` rules let back in; true when the budget of entries runs out first.
fn sends_a_file(rules: &str, dir: &Path, path: &str, budget: &mut usize) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    for entry in entries.flatten() {
        if *budget == 0 {
            return true;
        }
        *budget -= 1;
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let entry_path = format!("{path}/{}", entry.file_name().to_string_lossy());
        let sent = if kind.is_dir() {
            sends_a_file(rules, &entry.path(), &entry_path, budget)
        } else {
            !crate::dockerignore::ignores(rules, &entry_path)
        };
        if sent {
            return true;
        }
    }
    false
}

/// The text of the file at `path`, if it is readable and at most [`MAX_READ`] long.
fn read_small(path: &Path) -> Option<String> {
    let small = fs::metadata(path).is_ok_and(|m| m.len() <= MAX_READ);
    small.then(|| fs::read_to_string(path).ok()).flatten()
}

/// The entries of the folder `dir` with their names, in name order (the order the walks
/// of the Go sources give their findings in, whatever the file system's).
fn entries_by_name(dir: &Path) -> std::io::Result<Vec<(String, fs::DirEntry)>> {
    let mut entries: Vec<_> = fs::read_dir(dir)?
        .flatten()
        .map(|entry| (entry.file_name().to_string_lossy().into_owned(), entry))
        .collect();
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    Ok(entries)
}

/// How many folders' contexts a [`ContextCache`] keeps.
const REMEMBERED: usize = 8;

/// The contexts of the folders read last, shared by the Dockerfiles in them.
#[derive(Debug, Default)]
pub struct ContextCache {
    recent: RecentFolders<Arc<BuildContext>, REMEMBERED>,
}

impl ContextCache {
    /// The context of `dir`, read now unless a recent file in the same folder read it.
    pub fn get(&self, dir: &Path) -> Arc<BuildContext> {
        self.recent
            .get_or_make(dir, || Arc::new(BuildContext::read(dir)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_manifests_folders_and_cgo() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("go.mod"), "module example.com/svc\n").unwrap();
        fs::write(dir.path().join("requirements-dev.txt"), "pytest\n").unwrap();
        fs::write(dir.path().join("entrypoint.sh"), "#!/bin/sh\nexec \"$@\"\n").unwrap();
        fs::create_dir(dir.path().join("templates")).unwrap();
        fs::create_dir(dir.path().join("native")).unwrap();
        fs::write(
            dir.path().join("native/c.go"),
            "package native\n\nimport \"C\"\n",
        )
        .unwrap();
        let context = BuildContext::read(dir.path());
        assert!(context.present);
        assert_eq!(context.file("go.mod"), Some("module example.com/svc\n"));
        assert_eq!(context.file("entrypoint.sh"), None);
        assert_eq!(
            context.script("entrypoint.sh").as_deref(),
            Some("#!/bin/sh\nexec \"$@\"\n")
        );
        assert_eq!(context.script("go.mod"), None);
        assert!(context.requirement_files.contains("requirements-dev.txt"));
        assert!(context.dirs.contains("templates"));
        assert_eq!(
            context.go_sources().cgo_file.as_deref(),
            Some("native/c.go")
        );
        assert!(context.has_go_sources());
        assert!(context.holds_go_sources("native") && !context.holds_go_sources("templates"));
        assert!(!context.is_dev_container());
    }

    #[test]
    fn go_sources_without_cgo_or_none_at_all() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!BuildContext::read(dir.path()).has_go_sources());
        fs::create_dir(dir.path().join("cmd")).unwrap();
        fs::write(
            dir.path().join("cmd/main.go"),
            "package main
",
        )
        .unwrap();
        let context = BuildContext::read(dir.path());
        assert!(context.has_go_sources() && context.go_sources().cgo_file.is_none());
    }

    #[test]
    fn nested_files_are_read_inside_the_context_only() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.txt"), "token\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("reqs")).unwrap();
        fs::write(dir.path().join("reqs/prod.txt"), "flask\n").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.txt"),
            dir.path().join("link.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        let context = BuildContext::read(dir.path());
        assert_eq!(
            context.nested_text("reqs/prod.txt").as_deref(),
            Some("flask\n")
        );
        for escaping in [
            "link.txt",
            "out/secret.txt",
            "../secret.txt",
            "/etc/passwd",
            "reqs/../reqs/prod.txt",
        ] {
            assert_eq!(context.nested_text(escaping), None, "{escaping}");
        }
    }

    #[test]
    fn a_go_mod_deeper_down_is_go_source() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("services/api/cmd/server")).unwrap();
        fs::write(
            dir.path().join("services/api/go.mod"),
            "module example.com/api\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("services/api/cmd/server/main.go"),
            "package main\n",
        )
        .unwrap();
        assert!(BuildContext::read(dir.path()).has_go_sources());
    }

    #[test]
    fn dev_containers_by_folder_or_config() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(".devcontainer");
        fs::create_dir(&folder).unwrap();
        assert!(BuildContext::read(&folder).is_dev_container());
        fs::write(dir.path().join("devcontainer.json"), "{}").unwrap();
        assert!(BuildContext::read(dir.path()).is_dev_container());
    }

    #[test]
    fn the_cache_reads_a_folder_once_and_forgets_old_ones() {
        let dirs: Vec<_> = (0..=REMEMBERED)
            .map(|_| tempfile::tempdir().unwrap())
            .collect();
        let cache = ContextCache::default();
        let first = cache.get(dirs[0].path());
        assert!(Arc::ptr_eq(&first, &cache.get(dirs[0].path())));
        for dir in &dirs[1..] {
            cache.get(dir.path());
        }
        assert!(!Arc::ptr_eq(&first, &cache.get(dirs[0].path())));
        assert_eq!(cache.recent.folders(), REMEMBERED);
    }

    #[test]
    fn a_missing_folder_is_an_empty_context() {
        let context = BuildContext::read(Path::new("/nonexistent/restage"));
        assert!(!context.present && context.files.is_empty());
        assert!(!context.has_go_sources() && context.go_sources().unread.is_none());
    }
}
