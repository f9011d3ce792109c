//! Runtime files: the folders and config files at the top of the build context that a
//! Go app reads at run time (templates, static assets, migrations, config), minus what
//! `.dockerignore` keeps out of the image.

use crate::analyze::file_name;
use crate::context::BuildContext;

/// Top-level folders an app reads at run time.
const RUNTIME_DIRS: &[&str] = &[
    "templates",
    "template",
    "static",
    "assets",
    "web",
    "public",
    "config",
    "configs",
    "conf",
    "migrations",
    "views",
    "locales",
    "i18n",
    "translations",
    "resources",
    "www",
];

/// Config files of the repository itself (CI, tooling, compose), not of the app.
const REPOSITORY_FILES: &[&str] = &[
    "renovate.json",
    "codecov.yml",
    "codecov.yaml",
    "mkdocs.yml",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "buf.yaml",
    "buf.gen.yaml",
    "buf.work.yaml",
    "sqlc.yaml",
    "sqlc.yml",
    "sqlc.json",
    "gqlgen.yml",
    "skaffold.yaml",
    "cloudbuild.yaml",
    "fly.toml",
    "netlify.toml",
    "vercel.json",
    "app.yaml",
    "Chart.yaml",
    "catalog-info.yaml",
    "lefthook.yml",
    "Taskfile.yml",
    "Taskfile.yaml",
    "air.toml",
];

const CONFIG_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "toml"];

/// Whether a COPY source names something the app reads at run time.
pub fn is_runtime_source(source: &str) -> bool {
    let name = file_name(source.trim_end_matches('/'));
    RUNTIME_DIRS.contains(&name) || is_config_file(name)
}

fn is_config_file(name: &str) -> bool {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    extension.is_some_and(|extension| CONFIG_EXTENSIONS.contains(&extension))
        && !name.starts_with('.')
        && !name.starts_with("docker-compose")
        && !name.starts_with("compose.")
        && !REPOSITORY_FILES.contains(&name)
}

/// The runtime folders and files at the top of the context that a `COPY .` takes in.
pub fn runtime_entries(context: &BuildContext) -> Vec<String> {
    let ignore = context.file(".dockerignore").unwrap_or_default();
    let dirs = context
        .dirs
        .iter()
        .filter(|dir| RUNTIME_DIRS.contains(&dir.as_str()));
    let files = context.top_files.iter().filter(|file| is_config_file(file));
    dirs.chain(files)
        .filter(|name| !ignored(ignore, name))
        .cloned()
        .collect()
}

/// Whether `.dockerignore` keeps the top-level entry `name` out of the context (the
/// last matching pattern decides; `!` patterns let it back in).
fn ignored(dockerignore: &str, name: &str) -> bool {
    let mut ignored = false;
    for line in dockerignore.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (negated, pattern) = match line.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, line),
        };
        let pattern = pattern
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let pattern = pattern.strip_prefix("**/").unwrap_or(pattern);
        if glob(pattern, name) {
            ignored = !negated;
        }
    }
    ignored
}

/// `*` and `?` matching of one path element.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once(['*', '?']) {
        None => pattern == name,
        Some((prefix, _)) => {
            let Some(rest) = name.strip_prefix(prefix) else {
                return false;
            };
            let wildcard = pattern.as_bytes()[prefix.len()];
            let after = &pattern[prefix.len() + 1..];
            if wildcard == b'?' {
                let mut chars = rest.chars();
                chars.next().is_some() && glob(after, chars.as_str())
            } else {
                (0..=rest.len())
                    .filter(|&i| rest.is_char_boundary(i) && !rest[..i].contains('/'))
                    .any(|i| glob(after, &rest[i..]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_entries_skip_repository_files_and_ignored_ones() {
        let mut context = BuildContext::default();
        context.present = true;
        context
            .dirs
            .extend(["templates".into(), "cmd".into(), "static".into()]);
        context.top_files.extend([
            "config.yaml".into(),
            "docker-compose.yml".into(),
            ".golangci.yml".into(),
            "go.mod".into(),
            "secrets.json".into(),
        ]);
        context
            .files
            .insert(".dockerignore".into(), "static/\n*.json\n".into());
        assert_eq!(runtime_entries(&context), vec!["templates", "config.yaml"]);
    }

    #[test]
    fn globs_and_negations() {
        assert!(glob("*.json", "a.json") && !glob("*.json", "a.yaml") && glob("conf?g", "config"));
        assert!(!ignored("*.yaml\n!config.yaml\n", "config.yaml"));
        assert!(ignored("**/*.yaml\n", "config.yaml"));
    }
}
