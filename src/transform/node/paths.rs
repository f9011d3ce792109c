//! Paths as the Dockerfile writes them: `$NAME` and `${NAME:-default}` expanded from
//! the ENV and ARG values in force, relative paths joined to the WORKDIR, and the `*`
//! globs of COPY sources.

use crate::analyze::{ItemId, join};
use crate::syntax::Command;
use crate::transform::Input;

/// Resolves `$NAME` and `${NAME}` in paths from the ENV and ARG values in force.
pub struct Vars<'a> {
    pub input: &'a Input<'a>,
}

impl Vars<'_> {
    fn values(&self, id: ItemId) -> Vec<(String, String)> {
        let analysis = self.input.analysis;
        let mut values: Vec<(String, String)> = Vec::new();
        let items = analysis
            .global_args
            .iter()
            .chain(self.input.stage.body.iter().filter(|&&b| b < id));
        for &item in items {
            let pairs: Vec<(String, Option<String>)> = match analysis.instruction(item).command() {
                Some(Command::Env(pairs)) => pairs.into_iter().map(|(k, v)| (k, Some(v))).collect(),
                Some(Command::Arg(decls)) => {
                    decls.into_iter().map(|d| (d.name, d.default)).collect()
                }
                _ => continue,
            };
            for (name, value) in pairs {
                let value = value.and_then(|v| expand_with(&v, &values));
                values.retain(|(known, _)| *known != name);
                if let Some(value) = value {
                    values.push((name, value));
                }
            }
        }
        values
    }

    pub fn expand(&self, text: &str, id: ItemId) -> Option<String> {
        expand_with(text, &self.values(id))
    }

    /// `path` (relative to `workdir`, or `/`) with its variables expanded, normalised.
    pub fn path(&self, path: &str, workdir: Option<&str>, id: ItemId) -> Option<String> {
        let path = self.expand(path, id)?;
        let workdir = match workdir {
            Some(dir) if !path.starts_with('/') => self.expand(dir, id)?,
            _ => "/".to_owned(),
        };
        Some(join(&workdir, &path))
    }
}

fn expand_with(text: &str, values: &[(String, String)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, default, tail) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            let inner = &braced[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((name, default)) => (name, Some(default)),
                None => (inner, None),
            };
            (name, default, &braced[end + 1..])
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, &after[end..])
        };
        let value = values
            .iter()
            .rev()
            .find(|(known, _)| known == name)
            .map(|(_, v)| v.as_str());
        out.push_str(value.filter(|v| !v.is_empty()).or(default)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// `*` and `?` globbing of a file name.
pub fn glob(pattern: &str, name: &str) -> bool {
    match (pattern.chars().next(), name.chars().next()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob(&pattern[1..], name)
                || (!name.is_empty()
                    && glob(
                        pattern,
                        &name[name.chars().next().map_or(1, char::len_utf8)..],
                    ))
        }
        (Some('?'), Some(c)) => glob(&pattern[1..], &name[c.len_utf8()..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[p.len_utf8()..], &name[c.len_utf8()..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_expansions() {
        assert!(glob("package*.json", "package-lock.json"));
        assert!(glob("package-lock.json*", "package-lock.json"));
        assert!(!glob("package.json", "package-lock.json"));
        let values = vec![("appdir".to_owned(), "/app".to_owned())];
        assert_eq!(
            expand_with("${appdir}/dist", &values).as_deref(),
            Some("/app/dist")
        );
        assert_eq!(expand_with("$appdir", &values).as_deref(), Some("/app"));
        assert_eq!(expand_with("${v:-x}", &values).as_deref(), Some("x"));
        assert_eq!(expand_with("$missing", &values), None);
    }
}
