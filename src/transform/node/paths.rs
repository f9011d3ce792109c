//! Paths as the Dockerfile writes them: `$NAME` and `${NAME:-default}` expanded from
//! the ENV and ARG values in force, relative paths joined to the WORKDIR.

use crate::analyze::{Analysis, ItemId, join, mentions_variable};
use crate::syntax::Command;
use crate::transform::Input;

/// Resolves `$NAME` and `${NAME}` in paths from the ENV and ARG values in force.
pub struct Vars<'a> {
    pub input: &'a Input<'a>,
}

impl Vars<'_> {
    /// The values in force at `id`: a global ARG's only through the stage's own
    /// `ARG NAME`, as Docker scopes them.
    fn values(&self, id: ItemId) -> Vec<(String, String)> {
        let analysis = self.input.analysis;
        let mut globals: Vec<(String, String)> = Vec::new();
        for &item in &analysis.global_args {
            for (name, value) in declarations(analysis, item) {
                let value = value.and_then(|v| expand_with(&v, &globals));
                set(&mut globals, name, value);
            }
        }
        let mut values: Vec<(String, String)> = Vec::new();
        for &item in self.input.stage.body.iter().filter(|&&b| b < id) {
            for (name, value) in declarations(analysis, item) {
                let value = match value {
                    Some(value) => expand_with(&value, &values),
                    // `ARG NAME` without a default brings in the global ARG's value.
                    None => match globals.iter().find(|(known, _)| *known == name) {
                        Some((_, global)) => Some(global.clone()),
                        None => continue,
                    },
                };
                set(&mut values, name, value);
            }
        }
        values
    }

    /// Whether the variables `text` names are all build ARGs of the stage that no ENV
    /// before `id` overrides (a `--build-arg` may then give them other values); false
    /// for text that names none.
    pub fn names_build_args_only(&self, text: &str, id: ItemId) -> bool {
        let analysis = self.input.analysis;
        let (mut arg, mut env) = (false, false);
        for &item in self.input.stage.body.iter().filter(|&&b| b < id) {
            let is_env = matches!(analysis.instruction(item).command(), Some(Command::Env(_)));
            for (name, _) in declarations(analysis, item) {
                if mentions_variable(text, &name) {
                    if is_env { env = true } else { arg = true }
                }
            }
        }
        arg && !env
    }

    pub fn expand(&self, text: &str, id: ItemId) -> Option<String> {
        expand_with(text, &self.values(id))
    }

    /// The WORKDIR in force at `id`, its variables expanded, normalised.
    pub fn workdir(&self, id: ItemId) -> Option<String> {
        let dir = self.input.analysis.workdir_at(self.input.stage, id)?;
        self.path(&dir, None, id)
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

/// The names an ENV or ARG instruction sets, with their values (`None`: an ARG
/// without a default); none for another instruction.
fn declarations(analysis: &Analysis, item: ItemId) -> Vec<(String, Option<String>)> {
    match analysis.instruction(item).command() {
        Some(Command::Env(pairs)) => pairs.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        Some(Command::Arg(decls)) => decls.into_iter().map(|d| (d.name, d.default)).collect(),
        _ => Vec::new(),
    }
}

/// Sets `name` to `value` among `values` (unsets it for `None`: a value restage cannot
/// resolve).
fn set(values: &mut Vec<(String, String)>, name: String, value: Option<String>) {
    values.retain(|(known, _)| *known != name);
    if let Some(value) = value {
        values.push((name, value));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions() {
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
