//! Which files a run reads: the paths named on the command line, folders searched for
//! Dockerfiles with the `ignore` crate (`.gitignore`, `.ignore`, hidden files), and `-`
//! for stdin. Discovery is lazy: files come out one at a time, in a stable order
//! (command-line order, then file name order within each folder), so a batch over
//! thousands of repositories never holds the whole list.
//!
//! Symlinks: one named on the command line is followed (its target is read and, with
//! `--write`, rewritten; the link stays a link). Symlinks met while searching a folder
//! are skipped, as ripgrep does, so no file is reached twice under two names.
//!
//! A file reached twice through the paths named (`a a/Dockerfile`, `a ./a`, a folder and
//! a symlink to it) is processed once, under the name it was first reached by: the same
//! file written twice would be refused the second time as changed since it was read.
//! Only named paths can overlap, so a run that names one folder keeps no list of files.
//!
//! A named path that is neither a folder nor a regular file (a named pipe, a device, a
//! socket) is refused: reading it could block or never end, and `--write` would put a
//! regular file in its place.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One thing to process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    /// A file, with its size where discovery asked for it (a file named on the command
    /// line): reading expects that many bytes.
    File {
        path: PathBuf,
        len: Option<u64>,
    },
    /// A path that cannot be searched or read, with the reason.
    Missing {
        path: PathBuf,
        message: String,
    },
    /// A folder named on the command line that holds no Dockerfile.
    EmptyFolder(PathBuf),
}

#[derive(Clone, Copy, Debug, Default)]
pub struct WalkOptions {
    pub hidden: bool,
    pub no_ignore: bool,
}

/// Endings of names that look like Dockerfiles but are not built as they are:
/// BuildKit's ignore file for one Dockerfile (`Dockerfile.dockerignore`), the leftovers
/// of editors, merges and patches, and templates that a tool renders first (which
/// rewriting would break, or which are rewritten once rendered).
const NOT_BUILT: &[&str] = &[
    ".dockerignore",
    "~",
    ".bak",
    ".old",
    ".orig",
    ".rej",
    ".swp",
    ".tmp",
    ".in",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tmpl",
    ".tpl",
    ".template",
];

/// Whether a file name is one restage looks for inside folders: the names Docker and
/// Podman build by default (`Dockerfile`, Docker's fallback `dockerfile`,
/// `Containerfile`) and the usual names of variants (`Dockerfile.prod`,
/// `Containerfile.dev`, `api.Dockerfile`), less [`NOT_BUILT`].
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let named = matches!(name, "Dockerfile" | "dockerfile" | "Containerfile")
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || (lower.ends_with(".dockerfile") && lower.len() > ".dockerfile".len());
    named && !NOT_BUILT.iter().any(|ending| lower.ends_with(ending))
}

/// Whether Docker leaves the file at `path` unbuilt in a folder search: a `dockerfile`,
/// its fallback name, beside a `Dockerfile` (unless both names are the one file, on a
/// file system that ignores case).
fn is_shadowed(path: &Path) -> bool {
    let first = path.with_file_name("Dockerfile");
    path.file_name().is_some_and(|name| name == "dockerfile")
        && first.is_file()
        && !same_file::is_same_file(path, &first).unwrap_or(false)
}

/// The inputs for `paths` (the current folder when empty), in order.
pub fn inputs(
    paths: &[PathBuf],
    options: WalkOptions,
) -> impl Iterator<Item = Input> + Send + use<> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut seen = (paths.len() > 1).then(|| Seen::with_capacity(paths.len()));
    paths
        .into_iter()
        .flat_map(move |path| -> Box<dyn Iterator<Item = Input> + Send> {
            if path.as_os_str() == "-" {
                return Box::new(std::iter::once(Input::Stdin));
            }
            match std::fs::metadata(&path) {
                Err(error) => Box::new(std::iter::once(Input::Missing {
                    message: io_message(&error),
                    path,
                })),
                Ok(meta) if meta.is_dir() => {
                    let mut walk = folder(&path, options).peekable();
                    match walk.peek() {
                        None => Box::new(std::iter::once(Input::EmptyFolder(path))),
                        Some(_) => Box::new(walk),
                    }
                }
                Ok(meta) if meta.is_file() => Box::new(std::iter::once(Input::File {
                    path,
                    len: Some(meta.len()),
                })),
                Ok(_) => Box::new(std::iter::once(Input::Missing {
                    path,
                    message: "not a regular file (a named pipe, a device or a socket)".into(),
                })),
            }
        })
        .filter(move |input| match (input, &mut seen) {
            (Input::File { path, .. }, Some(seen)) => seen.first_time(path),
            _ => true,
        })
}

/// The files given out so far, so that each is given out once however it is reached
/// (`a a/Dockerfile`, `./a/Dockerfile`, a symlinked folder): by its name in its folder's
/// canonical path, each folder resolved once (a thousand files named in one folder cost
/// one resolution, not one per file and folder above it).
/// Names are keys by their bytes (a `Path` hashes component by component).
struct Seen {
    folders: HashMap<OsString, PathBuf>,
    files: HashSet<OsString>,
}

impl Seen {
    /// Room for `files` names: those given on the command line.
    fn with_capacity(files: usize) -> Seen {
        Seen {
            folders: HashMap::new(),
            files: HashSet::with_capacity(files),
        }
    }

    fn first_time(&mut self, path: &Path) -> bool {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return self.files.insert(path.as_os_str().to_owned());
        };
        let key = parent.as_os_str();
        if !self.folders.contains_key(key) {
            let folder = if key.is_empty() {
                Path::new(".")
            } else {
                parent
            };
            let canonical = std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_owned());
            self.folders.insert(key.to_owned(), canonical);
        }
        self.files
            .insert(self.folders[key].join(name).into_os_string())
    }
}

/// The Dockerfiles under `root`, sorted by name within each folder.
fn folder(root: &Path, options: WalkOptions) -> impl Iterator<Item = Input> + Send + use<> {
    let filters = !options.no_ignore;
    let root_path = root.to_owned();
    ignore::WalkBuilder::new(root)
        .hidden(!options.hidden)
        .ignore(filters)
        .git_ignore(filters)
        .git_global(filters)
        .git_exclude(filters)
        .parents(filters)
        // A copy of a repository without its `.git` still has its `.gitignore` respected.
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build()
        .filter_map(move |entry| match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                let name = entry.file_name().to_string_lossy();
                (is_file && is_dockerfile_name(&name) && !is_shadowed(entry.path())).then(|| {
                    Input::File {
                        path: entry.into_path(),
                        len: None,
                    }
                })
            }
            Err(error) => Some(walk_error(&root_path, error)),
        })
}

fn walk_error(root: &Path, error: ignore::Error) -> Input {
    let path = error_path(&error).unwrap_or(root).to_owned();
    let message = match error.io_error() {
        Some(io) => io_message(io),
        None => error.to_string(),
    };
    Input::Missing { path, message }
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// An IO error as a short phrase, without Rust's `(os error 2)` suffix.
pub fn io_message(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "no such file or folder".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_owned(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "api.dockerfile",
            "Containerfile",
            "Containerfile.dev",
        ] {
            assert!(is_dockerfile_name(name), "{name}");
        }
        for name in [
            "dockerfile.txt",
            "Dockerfiles",
            ".dockerfile",
            "Makefile",
            "Dockerfile-old",
            "Dockerfile.dockerignore",
            "Dockerfile.prod.dockerignore",
            "Dockerfile~",
            "Dockerfile.orig",
            "Dockerfile.prod.BAK",
            "Containerfile.rej",
            "Dockerfile.j2",
            "api.Dockerfile.tmpl",
            "Dockerfile.in",
            "Dockerfile.template",
        ] {
            assert!(!is_dockerfile_name(name), "{name}");
        }
    }
}
