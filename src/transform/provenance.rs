//! Where a file of the image came from in the build context: followed back through the
//! stage's COPY and ADD instructions and a RUN's bind mounts, so that restage reads the
//! file the image has (a requirements file, the script an ENTRYPOINT runs) where it is.

use crate::analyze::{ItemId, file_name, join};
use crate::glob;
use crate::syntax::{Command, mount_field};
use crate::transform::Input;

/// Where a file of the image came from.
#[derive(Debug, PartialEq, Eq)]
pub enum Origin {
    /// The build context, at this path relative to its root.
    Context(String),
    /// The stage made it otherwise: a heredoc, a URL, another stage or image, a mount
    /// of a cache or secret.
    Elsewhere,
    /// Nothing in the stage says (the base image had it, or a RUN made it).
    Unknown,
}

/// Where the file that the instruction `id` names as `file` (relative to its WORKDIR)
/// came from in the build context: the source of the RUN's bind mount, or of the last
/// COPY or ADD before it, that put it there, relative to the context root; `None` when
/// the stage made it otherwise or nothing brought it from the context.
pub fn context_path(input: &Input, id: ItemId, file: &str) -> Option<String> {
    match origin(input, id, file) {
        Origin::Context(path) => Some(path),
        Origin::Elsewhere | Origin::Unknown => None,
    }
}

/// Where the file that the instruction `id` names as `file` came from (see
/// [`context_path`]).
pub fn origin(input: &Input, id: ItemId, file: &str) -> Origin {
    let analysis = input.analysis;
    let stage = input.stage;
    let workdir = |at: ItemId| analysis.workdir_at(stage, at).unwrap_or_else(|| "/".into());
    let wanted = join(&workdir(id), file);
    let readable = |path: &String| input.context.nested_text(path).is_some();
    let mounts = match analysis.instruction(id).command() {
        Some(Command::Run(run)) => run.mounts,
        _ => Vec::new(),
    };
    for mount in &mounts {
        let field = |key: &str| mount_field(mount, key);
        let Some(target) = field("target").or(field("dst")).or(field("destination")) else {
            continue;
        };
        let target = join(&workdir(id), target);
        if !covers(&target, &wanted) {
            continue;
        }
        let bind = field("type").is_none_or(|kind| kind == "bind") && field("from").is_none();
        let source = field("source").or(field("src")).unwrap_or(".");
        if !bind {
            return Origin::Elsewhere;
        }
        return mapped(&wanted, &[source.to_owned()], &target, false)
            .into_iter()
            .find(readable)
            .map_or(Origin::Elsewhere, Origin::Context);
    }
    for &at in stage.body.iter().rev().filter(|&&at| at < id) {
        let Some(Command::Copy(copy)) = analysis.instruction(at).command() else {
            continue;
        };
        let into_folder = copy.dest.ends_with('/') || copy.sources.len() > 1;
        let dest = join(&workdir(at), &copy.dest);
        let elsewhere = copy.from.is_some()
            || copy
                .sources
                .iter()
                .any(|source| source.starts_with("<<") || source.contains("://"));
        if elsewhere {
            if covers(&dest, &wanted) {
                return Origin::Elsewhere;
            }
            continue;
        }
        let copied = mapped(&wanted, &copy.sources, &dest, into_folder);
        if let Some(path) = copied.into_iter().find(readable) {
            return Origin::Context(path);
        }
    }
    Origin::Unknown
}

/// Whether writing `dest` (a file or a folder) writes `path`.
fn covers(dest: &str, path: &str) -> bool {
    path == dest || path.starts_with(&format!("{}/", dest.trim_end_matches('/')))
}

/// The context paths that `sources` copied to `dest` could have put at `wanted`: each
/// source's, as a file of that name or a folder whose contents went there.
fn mapped(wanted: &str, sources: &[String], dest: &str, into_folder: bool) -> Vec<String> {
    let under = |folder: &str| {
        let folder = folder.trim_end_matches('/');
        wanted
            .strip_prefix(folder)
            .and_then(|rest| rest.strip_prefix('/'))
            .map(str::to_owned)
    };
    sources
        .iter()
        .filter_map(|source| {
            let source = join("/", source);
            if source == "/" {
                return under(dest);
            }
            if glob::is_pattern(&source) {
                // A pattern names files (or folders) of its folder: one of them is
                // `wanted` where it went to `dest` under its own name.
                let (folder, pattern) = source.rsplit_once('/').expect("absolute");
                let name = file_name(wanted);
                let named = wanted == join(dest, name) && glob::matches(pattern, name);
                return (named && !glob::is_pattern(folder))
                    .then(|| join(folder, name)[1..].to_owned());
            }
            if wanted == join(dest, file_name(&source)) || (!into_folder && wanted == dest) {
                Some(source[1..].to_owned())
            } else {
                under(dest).map(|rest| join(&source, &rest)[1..].to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_an_image_path_back_to_the_context() {
        let sources = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // COPY . /app
        assert_eq!(
            mapped("/app/req/prod.txt", &sources(&["."]), "/app", false),
            vec!["req/prod.txt".to_owned()]
        );
        // COPY requirements.txt /tmp/ (into a folder) and COPY requirements.txt /tmp/r.txt
        assert_eq!(
            mapped(
                "/tmp/requirements.txt",
                &sources(&["requirements.txt"]),
                "/tmp",
                true
            ),
            vec!["requirements.txt".to_owned()]
        );
        assert_eq!(
            mapped(
                "/tmp/r.txt",
                &sources(&["deps/requirements.txt"]),
                "/tmp/r.txt",
                false
            ),
            vec!["deps/requirements.txt".to_owned()]
        );
        // COPY requirements requirements: the folder's contents
        assert_eq!(
            mapped(
                "/app/requirements/prod.txt",
                &sources(&["requirements"]),
                "/app/requirements",
                false
            ),
            vec!["requirements/prod.txt".to_owned()]
        );
        assert!(mapped("/srv/requirements.txt", &sources(&["."]), "/app", false).is_empty());
        // COPY requirements*.txt ./ and COPY deps/package*.json ./
        assert_eq!(
            mapped(
                "/app/requirements.txt",
                &sources(&["requirements*.txt"]),
                "/app",
                false
            ),
            vec!["requirements.txt".to_owned()]
        );
        assert_eq!(
            mapped(
                "/app/package-lock.json",
                &sources(&["deps/package*.json"]),
                "/app",
                true
            ),
            vec!["deps/package-lock.json".to_owned()]
        );
        assert!(mapped("/app/yarn.lock", &sources(&["package*.json"]), "/app", true).is_empty());
        assert!(
            mapped(
                "/app/x/package.json",
                &sources(&["package*.json"]),
                "/app",
                true
            )
            .is_empty()
        );
        // COPY Pipfile Pipfile.lock ./: each source is a candidate
        assert_eq!(
            mapped(
                "/app/Pipfile.lock",
                &sources(&["Pipfile", "Pipfile.lock"]),
                "/app",
                true
            ),
            vec!["Pipfile/Pipfile.lock".to_owned(), "Pipfile.lock".to_owned()]
        );
    }
}
