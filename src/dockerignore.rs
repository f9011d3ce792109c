//! `.dockerignore` patterns, as far as restage reads them: which top-level entries of a
//! build context they keep out of what a `COPY .` sends.

/// Whether the `.dockerignore` text keeps the top-level entry `name` out of the context (the
/// last matching pattern decides; `!` patterns let it back in).
pub fn ignores(dockerignore: &str, name: &str) -> bool {
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
    fn globs_and_negations() {
        assert!(glob("*.json", "a.json") && !glob("*.json", "a.yaml") && glob("conf?g", "config"));
        assert!(!ignores("*.yaml\n!config.yaml\n", "config.yaml"));
        assert!(ignores("**/*.yaml\n", "config.yaml"));
        assert!(
            ignores("node_modules\n", "node_modules")
                && ignores("/node_modules/\n", "node_modules")
        );
    }
}
