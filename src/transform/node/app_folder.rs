//! The app folder: where the dependencies install (the WORKDIR or a `cd` of the install
//! RUN), which the final stage copies whole from the builder, and the steps that work
//! on it (installs, builds, COPYs into it, commands that write only inside it). A step
//! that writes outside it after the install declines: the final stage would miss it
//! (but for `node_modules` lifted to a parent folder, which the final stage copies too).

use std::collections::BTreeSet;

use super::Layout;
use super::paths::Vars;
use super::run::RunFacts;
use crate::analyze::ItemId;
use crate::syntax::{Command, Keyword};
use crate::transform::Input;
use crate::transform::plan::is_plain_path;
use crate::transform::shell::{self, one_line};

/// Folders a RUN in the builder may write outside the app folder without the final
/// stage missing anything.
const SCRATCH: &[&str] = &[
    "/tmp",
    "/var/cache",
    "/var/lib/apt",
    "/root/.npm",
    "/root/.cache",
    "/dev/null",
    "/usr/local/share/.cache",
];

/// Folders of the base image that an app folder must not be: the final stage copies the
/// app folder whole from the builder.
const SYSTEM_FOLDERS: &[&str] = &[
    "/usr",
    "/usr/local",
    "/usr/local/lib",
    "/usr/local/bin",
    "/usr/lib",
    "/usr/bin",
    "/bin",
    "/sbin",
    "/lib",
    "/etc",
    "/var",
    "/opt",
    "/tmp",
];

/// The one folder the install RUNs install into; an error when there is none to copy,
/// more than one, or one restage cannot name or must not copy.
pub fn app_folder(input: &Input, install_runs: &[&(ItemId, RunFacts)]) -> Result<String, String> {
    let analysis = input.analysis;
    let stage = input.stage;
    let vars = Vars { input };
    let mut app_dirs = BTreeSet::new();
    for (id, facts) in install_runs {
        let workdir = analysis.workdir_at(stage, *id);
        let dir = match facts.install_dir() {
            Some(cd) => vars.path(cd, workdir.as_deref(), *id),
            None => vars.workdir(*id),
        };
        match dir {
            Some(dir) if dir == "/" => {
                return Err("the dependencies install into the root folder /: there is no app folder to copy to the final stage".into());
            }
            Some(dir) if !is_plain_path(&dir) => {
                return Err(format!(
                    "the app folder `{dir}` holds blanks, quotes or escapes, which restage does not write into the final stage's COPY line"
                ));
            }
            Some(dir) if SYSTEM_FOLDERS.contains(&dir.as_str()) => {
                return Err(format!(
                    "the dependencies install into {dir}, a system folder (Node itself is in /usr/local, yarn in /opt): copying it to the final stage would carry the builder's system files with the app"
                ));
            }
            Some(dir) => {
                app_dirs.insert(dir);
            }
            None if analysis.workdir_at(stage, *id).is_none() && facts.install_dir().is_none() => {
                return Err(match stage.base.ecosystem {
                    Some(_) => "the dependencies install into the root folder / (no WORKDIR): there is no app folder to copy to the final stage".into(),
                    None => format!("the dependencies install into the working folder of `{}` (no WORKDIR), which restage cannot see: there is no app folder it can name to copy to the final stage", stage.base.image.raw),
                });
            }
            None => {
                return Err("the app folder is named by a variable restage cannot resolve".into());
            }
        };
    }
    if app_dirs.len() > 1 {
        return Err(format!(
            "dependencies install in more than one folder ({})",
            app_dirs.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(app_dirs.pop_first().expect("one app folder"))
}

/// A RUN of commands restage does not know, which operates on the app after the install.
pub fn is_app_other(facts: &RunFacts) -> bool {
    facts.has_other() && facts.system.is_empty() && facts.globals().0.is_empty()
}

impl Layout<'_> {
    /// Finds the app's last step (after which the final stage copies the app) and where
    /// the prune goes; an error when a step on the installed app writes outside it.
    pub(super) fn find_app_steps(&mut self, runs: &[(ItemId, RunFacts)]) -> Result<(), String> {
        let first_install = self.first_install;
        // With the manifest bind-mounted for the install, it is in the image only at the end.
        let mut binds = false;
        for (id, facts) in runs {
            if *id > first_install
                && !facts.is_app_work()
                && self.is_app_local(facts)
                && is_app_other(facts)
            {
                self.last_app_step = self.last_app_step.max(*id);
            }
            if facts.is_app_work() {
                self.last_app_step = self.last_app_step.max(*id);
                if facts.installs().next().is_some() || facts.builds().next().is_some() {
                    self.prune_after = self.prune_after.max(*id);
                }
                if let Some(other) = facts.others().find(|other| !self.command_is_local(other)) {
                    return Err(format!(
                        "a RUN mixes the install or build with `{other}`, which changes files outside the app folder {} that the final stage would not get",
                        self.app_dir
                    ));
                }
                binds |= facts.binds;
            }
        }
        let analysis = self.input.analysis;
        for id in analysis
            .with_keyword(self.input.stage, Keyword::Copy)
            .chain(analysis.with_keyword(self.input.stage, Keyword::Add))
        {
            if self.copies_into_app(id)? {
                self.last_app_step = self.last_app_step.max(id);
            }
        }
        if binds {
            self.prune_after = self.last_app_step;
        }
        for (id, facts) in runs {
            if *id > first_install
                && *id < self.last_app_step
                && !facts.is_app_work()
                && facts.has_other()
                && !self.is_app_local(facts)
            {
                let other = facts.others().next().unwrap_or_default();
                return Err(format!(
                    "`{other}` runs on the installed app before its last build step and changes files outside the app folder {}, which the final stage would not get",
                    self.app_dir
                ));
            }
        }
        Ok(())
    }

    /// Whether a command (of a builder RUN) writes only inside the app folder.
    fn command_is_local(&self, command: &str) -> bool {
        if self
            .lifted
            .as_ref()
            .is_some_and(|lifted| lifted.command == command)
        {
            return true;
        }
        let words = shell::words(command);
        let moves_outside = matches!(
            words.first().map(String::as_str),
            Some("useradd" | "adduser" | "groupadd" | "addgroup" | "usermod" | "ln" | "mv")
        ) && words.iter().any(|w| w.starts_with('/') && !self.in_app(w));
        !moves_outside
            && words.iter().all(|word| {
                let path = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
                !path.starts_with('/')
                    || self.in_app(path)
                    || SCRATCH.iter().any(|s| path.starts_with(s))
            })
    }

    pub(super) fn is_app_local(&self, facts: &RunFacts) -> bool {
        facts.others().all(|other| self.command_is_local(other))
    }

    pub(super) fn in_app(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        path == self.app_dir || path.starts_with(&format!("{}/", self.app_dir))
    }

    /// Whether a COPY/ADD puts files in the app folder; an error when its destination
    /// cannot be resolved.
    pub(super) fn copies_into_app(&self, id: ItemId) -> Result<bool, String> {
        let analysis = self.input.analysis;
        let Some(Command::Copy(copy)) = analysis.instruction(id).command() else {
            return Ok(false);
        };
        let workdir = analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        match vars.path(&copy.dest, workdir.as_deref(), id) {
            Some(dest) => Ok(self.in_app(&dest)),
            None => Err(format!(
                "`{}` copies to a path named by a variable restage cannot resolve",
                one_line(analysis.text(id))
            )),
        }
    }
}
