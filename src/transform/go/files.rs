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
    let dirs = context
        .dirs
        .iter()
        .filter(|dir| RUNTIME_DIRS.contains(&dir.as_str()));
    let files = context.top_files.iter().filter(|file| is_config_file(file));
    dirs.chain(files)
        .filter(|name| !context.ignores(name))
        .cloned()
        .collect()
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
}
