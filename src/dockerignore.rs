//! `.dockerignore` patterns, as far as restage reads them: which files and folders of
//! a build context they keep out of what a `COPY .` sends.

use crate::glob;

/// Whether the `.dockerignore` text keeps the entry at `path` (relative, `/`-separated)
/// out of the context: a pattern that matches it or a folder it is in does (the last
/// matching pattern decides; `!` patterns let it back in), as Docker's own matcher.
pub fn ignores(dockerignore: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
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
        let matched =
            (1..=parts.len()).any(|len| glob::matches_parts(pattern, &parts[..len].join("/"), '/'));
        if matched {
            ignored = !negated;
        }
    }
    ignored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_negations() {
        assert!(!ignores("*.yaml\n!config.yaml\n", "config.yaml"));
        assert!(ignores("**/*.yaml\n", "config.yaml"));
        // Nested paths: a pattern for the path or a folder it is in.
        assert!(ignores(
            "**/package-lock.json\n",
            "backend/package-lock.json"
        ));
        assert!(!ignores("package-lock.json\n", "backend/package-lock.json"));
        assert!(ignores("backend\n", "backend/package-lock.json"));
        assert!(ignores("backend/*.json\n", "backend/package.json"));
        assert!(!ignores(
            "backend/*\n!backend/package.json\n",
            "backend/package.json"
        ));
        assert!(
            ignores("node_modules\n", "node_modules")
                && ignores("/node_modules/\n", "node_modules")
        );
    }
}
