//! Runtime files: what of the build context a Go app may read at run time (templates,
//! static assets, migrations, config, `.env`, its data), told apart from what only the
//! build reads (Go source, the module's files) and the repository's own files (CI,
//! docs, tooling), minus what `.dockerignore` keeps out of the image.

use crate::analyze::file_name;
use crate::context::BuildContext;
use crate::glob;

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

/// Files and folders only the build reads.
const BUILD_ENTRIES: &[&str] = &["go.mod", "go.sum", "go.work", "go.work.sum", "vendor"];

/// Top-level entries of a repository that are not the app's: version control, CI,
/// editors, docs, build and deployment tooling, tests. Matched as `.dockerignore`
/// patterns are.
const REPOSITORY_ENTRIES: &[&str] = &[
    ".git",
    ".git*",
    ".github",
    ".gitlab",
    ".gitlab-ci.yml",
    ".circleci",
    ".travis.yml",
    ".vscode",
    ".idea",
    ".devcontainer",
    ".dockerignore",
    ".editorconfig",
    ".golangci*",
    ".goreleaser*",
    ".pre-commit-config.yaml",
    ".air.toml",
    "Dockerfile*",
    "*.Dockerfile",
    "*.dockerfile",
    "Makefile",
    "GNUmakefile",
    "*.mk",
    "*.md",
    "README*",
    "LICENSE*",
    "LICENCE*",
    "NOTICE*",
    "AUTHORS*",
    "CODEOWNERS",
    "docs",
    "doc",
    "scripts",
    "hack",
    "build",
    "ci",
    "deploy",
    "deployments",
    "k8s",
    "kubernetes",
    "helm",
    "charts",
    "test",
    "tests",
    "testdata",
    "e2e",
    "*_test.go",
    // Inputs of code generation, which the build reads.
    "proto",
    "*.proto",
    "docker-compose*",
    "compose.*",
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

/// Whether a COPY source brings in what the build reads: Go source (a `.go` file, a
/// folder that holds one), the module's files or vendored modules; or what restage
/// cannot see into (a pattern or variable that may name those, a folder of a context
/// it does not have).
pub fn is_build_source(context: &BuildContext, source: &str) -> bool {
    let path = source.trim_start_matches("./").trim_end_matches('/');
    let name = file_name(path);
    if path.is_empty() || path == "." || name.ends_with(".go") || BUILD_ENTRIES.contains(&name) {
        return true;
    }
    if path.contains('$') || glob::is_pattern(path) {
        return !is_runtime_source(path);
    }
    if !context.present {
        // Without the context, a name with an extension is a file, not a package folder.
        return !is_runtime_source(path) && !name.contains('.');
    }
    context.holds_go_sources(path)
}

fn is_config_file(name: &str) -> bool {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    extension.is_some_and(|extension| CONFIG_EXTENSIONS.contains(&extension))
        && !name.starts_with('.')
        && !name.starts_with("docker-compose")
        && !name.starts_with("compose.")
        && !REPOSITORY_FILES.contains(&name)
}

/// The entries at the top of the context that a `COPY .` takes in and the app may
/// read at run time: every one but Go source, the module's files, the repository's own
/// files and what `.dockerignore` keeps out (a folder it ignores but lets some of
/// back in counts: the builder has those). A folder that holds Go source counts only
/// under a name apps read files from (`web/`, `static/`).
pub fn runtime_entries(context: &BuildContext) -> Vec<String> {
    let dirs = context.dirs.iter().filter(|dir| {
        RUNTIME_DIRS.contains(&dir.as_str())
            || !(is_repository_source(dir) || is_build_source(context, dir))
    });
    let files = context.top_files.iter().filter(|file| {
        !(is_repository_source(file)
            || file.ends_with(".go")
            || BUILD_ENTRIES.contains(&file.as_str()))
    });
    dirs.chain(files)
        .filter(|name| context.sends_any(name))
        .cloned()
        .collect()
}

/// Whether a COPY source or context entry is the repository's own (CI, docs, tooling,
/// build scripts), not the app's.
pub fn is_repository_source(source: &str) -> bool {
    let name = file_name(source.trim_end_matches('/'));
    REPOSITORY_FILES.contains(&name)
        || REPOSITORY_ENTRIES
            .iter()
            .any(|pattern| glob::matches(pattern, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_entries_skip_sources_repository_files_and_ignored_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in [
            "templates",
            "cmd/server",
            "static",
            "db/migrations",
            "docs",
            ".github",
        ] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        for (file, text) in [
            ("cmd/server/main.go", "package main\n"),
            ("db/migrations/1_init.sql", "create table t (id int);\n"),
            ("config.yaml", "port: 80\n"),
            ("app.ini", "[app]\n"),
            (".env", "DATABASE_URL=postgres://db/app\n"),
            ("docker-compose.yml", "services: {}\n"),
            (".golangci.yml", "linters: {}\n"),
            ("go.mod", "module example.com/app\n"),
            ("main.go", "package main\n"),
            ("README.md", "# app\n"),
            ("Dockerfile", "FROM golang\n"),
            ("secrets.json", "{}\n"),
            (".dockerignore", "static/\n*.json\n"),
        ] {
            std::fs::write(root.join(file), text).unwrap();
        }
        let context = BuildContext::read(root);
        assert_eq!(
            runtime_entries(&context),
            vec!["db", "templates", ".env", "app.ini", "config.yaml"]
        );
        assert!(is_build_source(&context, "cmd/") && is_build_source(&context, "./cmd/server"));
        assert!(
            !is_build_source(&context, "db/migrations") && !is_build_source(&context, "app.ini")
        );
        assert!(is_build_source(&context, "go.*") && !is_build_source(&context, "*.yaml"));
    }

    #[test]
    fn without_a_context_files_and_runtime_folders_are_runtime_sources() {
        let context = BuildContext::default();
        assert!(!is_build_source(&context, "app.ini") && !is_build_source(&context, "templates/"));
        assert!(is_build_source(&context, "cmd") && is_build_source(&context, "main.go"));
    }
}
