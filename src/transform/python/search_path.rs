//! The search paths that find the dependencies in the target folder: the `ENV
//! PYTHONPATH` and `ENV PATH` lines the rewrite adds, whether they keep the entries
//! PYTHONPATH already had, and the file's own ENVs that would hide the target folder.
//!
//! Where those lines go in the plan is the plan's business (`python.rs`); this file
//! only reads ENVs and writes the lines.

use crate::analyze::{ItemId, mentions_variable};
use crate::syntax::{Command, Keyword};
use crate::transform::Input;
use crate::transform::plan::Step;
use crate::transform::shell::one_line;

use super::TARGET;
use super::targets::Targets;

/// An error when an ENV after the install `first_copy`, where the final stage first
/// copies the dependencies, sets a PATH that drops `$PATH`, hiding the target folder's
/// commands.
pub fn search_path_env(input: &Input, first_copy: ItemId) -> Result<(), String> {
    let analysis = input.analysis;
    let after_install = analysis
        .with_keyword(input.stage, Keyword::Env)
        .filter(|&id| id > first_copy);
    for id in after_install {
        if env_values(input, id, "PATH").any(|value| !mentions_variable(&value, "PATH")) {
            return Err(format!(
                "`{}` sets PATH itself, where the final stage puts the installed packages' commands ({TARGET}/bin)",
                one_line(analysis.text(id))
            ));
        }
    }
    Ok(())
}

/// The values an ENV instruction gives `name`.
pub fn env_values<'a>(
    input: &Input,
    id: ItemId,
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    let pairs = match input.analysis.instruction(id).command() {
        Some(Command::Env(pairs)) => pairs,
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter(move |(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Whether an ENV sets PYTHONPATH without keeping what it was.
pub fn resets_pythonpath(input: &Input, id: ItemId) -> bool {
    env_values(input, id, "PYTHONPATH").any(|value| !mentions_variable(&value, "PYTHONPATH"))
}

/// Whether PYTHONPATH may hold entries where the last install was: another base than
/// an official python image (one named after python, or rewritten with `--ecosystem
/// python`) may set one, and so may the file's own ENV before it.
pub fn pythonpath_may_be_set(input: &Input, last_install: ItemId) -> bool {
    input.stage.base.ecosystem.is_none()
        || input
            .analysis
            .with_keyword(input.stage, Keyword::Env)
            .take_while(|&id| id < last_install)
            .any(|id| env_values(input, id, "PYTHONPATH").next().is_some())
}

/// The ENV lines that make the packages in the target folders `copied` importable and
/// the commands of those among them that are `new` found (the others' are on PATH
/// already). Entries PYTHONPATH already has stay ahead of the target folders, as they
/// were ahead of site-packages.
pub fn target_env(keep_pythonpath: bool, copied: &Targets, new: &Targets) -> [Step; 2] {
    [
        Step::New(target_pythonpath(keep_pythonpath, copied)),
        Step::New(format!("ENV PATH={}:$PATH", new.search_path("/bin"))),
    ]
}

/// The `ENV PYTHONPATH` line that puts the target folders last, after what PYTHONPATH
/// held where `keep_pythonpath`.
pub fn target_pythonpath(keep_pythonpath: bool, targets: &Targets) -> String {
    let keep = if keep_pythonpath {
        "${PYTHONPATH:+$PYTHONPATH:}"
    } else {
        ""
    };
    format!("ENV PYTHONPATH={keep}{}", targets.search_path(""))
}
