//! `.dockerignore` patterns, as far as restage reads them: which files and folders of
//! a build context they keep out of what a `COPY .` sends.

use crate::glob;

/// Whether the `.dockerignore` text keeps the entry at `path` (relative, `/`-separated)
/// out of the context: a pattern that matches it or a folder it is in does (the last
/// matching pattern decides; `!` patterns let it back in), as Docker's own matcher.
pub fn ignores(dockerignore: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let mut ignored = false;
    for (negated, pattern) in patterns(dockerignore) {
        let matched =
            (1..=parts.len()).any(|len| glob::matches_parts(pattern, &parts[..len].join("/"), '/'));
        if matched {
            ignored = !negated;
        }
    }
    ignored
}

/// Whether a `!` pattern of the `.dockerignore` text may let back in something under
/// the folder `path`, which another pattern keeps out (`*` with `!templates/**`):
/// Docker then still sends those.
pub fn lets_back_in_under(dockerignore: &str, path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    patterns(dockerignore)
        .filter(|(negated, _)| *negated)
        .any(|(_, pattern)| {
            let pattern: Vec<&str> = pattern.split('/').collect();
            for (at, part) in parts.iter().enumerate() {
                match pattern.get(at) {
                    Some(&"**") => return true,
                    Some(wanted) if glob::matches(wanted, part) => {}
                    _ => return false,
                }
            }
            pattern.len() > parts.len()
        })
}

/// The patterns of the `.dockerignore` text, cleaned as Docker cleans them, each with
/// whether it is a `!` pattern.
fn patterns(dockerignore: &str) -> impl Iterator<Item = (bool, &str)> {
    dockerignore.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (negated, pattern) = match line.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, line),
        };
        let pattern = pattern
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        Some((negated, pattern))
    })
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
