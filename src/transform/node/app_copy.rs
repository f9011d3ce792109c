//! The final stage's copy of the app from the builder, and who owns it: the owner the
//! original gave the app's files. Each step that puts files in the app folder gives
//! them an owner: a COPY or ADD its `--chown` (root without one), an install, build or
//! other command on the app the USER it runs as, a `chown` the owner it names (a
//! recursive one of the whole folder replaces every owner before it). One owner
//! other than root is written into the copy as `--chown`; root, or owners that differ
//! from file to file, are left to the copy itself: `COPY --from` keeps the owner each
//! file has in the builder, which runs the original's steps.

use std::collections::BTreeSet;

use super::Layout;
use super::app_folder::is_app_other;
use super::paths::Vars;
use super::run::Action;
use crate::analyze::ItemId;
use crate::syntax::Command;
use crate::transform::Decision;
use crate::transform::plan::{is_plain_owner, is_root};
use crate::transform::shell::{self, one_line};

/// A step of the original that puts files in the app folder, and the owner it gives them.
struct Writer {
    owner: String,
    /// The step as a decision shows it.
    step: String,
}

/// A `chown` of (part of) the app folder.
struct Chown {
    owner: String,
    /// Recursive, of the app folder or a folder above it: every file of the app.
    whole: bool,
}

impl Layout<'_> {
    /// The final stage's `COPY --from=<builder>` of the app folder (`pruned`: with
    /// production dependencies only), and of its node_modules where they were lifted
    /// out of it; an error when their owner cannot be written.
    pub(super) fn app_copy(&mut self, builder: &str, pruned: bool) -> Result<Vec<String>, String> {
        let owner = self.owner()?;
        if let Some(owner) = owner.as_ref().filter(|owner| !is_plain_owner(owner)) {
            return Err(format!(
                "the app's owner `{owner}` is not a user or group name restage can write into `COPY --chown`"
            ));
        }
        self.decisions.push(Decision::new(
            format!("the final stage copies {} from the builder", self.app_dir),
            if pruned {
                "the built app with its production node_modules only"
            } else {
                "the app with the node_modules it installed"
            },
        ));
        let chown = owner
            .map(|owner| format!(" --chown={owner}"))
            .unwrap_or_default();
        let dir = self.app_dir_as_written();
        let mut copies = vec![format!("COPY --from={builder}{chown} {dir} {dir}")];
        if let Some(lifted) = &self.lifted {
            self.decisions.push(Decision::new(
                format!("the final stage copies {} from the builder too", lifted.to),
                format!(
                    "`{}` moves the app's dependencies there, above the app folder, where Node finds them",
                    lifted.command
                ),
            ));
            copies.push(format!(
                "COPY --from={builder}{chown} {to} {to}",
                to = lifted.to
            ));
        }
        Ok(copies)
    }

    /// The app folder as the final stage's COPY names it: as the WORKDIR wrote it where
    /// that names build ARGs only (`${APP_DIR}`, which a `--build-arg` may move in both
    /// stages alike), else resolved.
    fn app_dir_as_written(&self) -> String {
        let id = self.first_install;
        let written = self.input.analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        written
            .filter(|dir| {
                self.facts(id).install_dir().is_none()
                    && dir
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/_-.${}".contains(c))
                    && vars.names_build_args_only(dir, id)
                    && vars.path(dir, None, id).as_deref() == Some(self.app_dir.as_str())
            })
            .unwrap_or_else(|| self.app_dir.clone())
    }

    /// The owner the final stage's copy of the app gives its files, if it gives one.
    fn owner(&mut self) -> Result<Option<String>, String> {
        let writers = self.writers()?;
        let owners: BTreeSet<&str> = writers.iter().map(|w| user_of(&w.owner)).collect();
        let steps = |writers: &[Writer]| {
            writers
                .iter()
                .map(|w| w.step.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(match owners.into_iter().collect::<Vec<_>>().as_slice() {
            [] => None,
            [user] if !is_root(user) => {
                // The owner as the original wrote it last with a group, if it did.
                let owner = writers
                    .iter()
                    .rev()
                    .map(|w| &w.owner)
                    .find(|owner| owner.contains(':'))
                    .unwrap_or(&writers[writers.len() - 1].owner)
                    .clone();
                self.decisions.push(Decision::new(
                    format!("the app is copied with `--chown={owner}`"),
                    format!(
                        "the original gave every file it put in {} to `{user}`: {}",
                        self.app_dir,
                        steps(&writers)
                    ),
                ));
                Some(owner)
            }
            [_] => {
                if let Some(user) = self
                    .user_at(ItemId(usize::MAX))
                    .filter(|user| !is_root(user_of(user)))
                {
                    self.decisions.push(Decision::new(
                        "the app is copied without `--chown`, owned by root",
                        format!(
                            "as in the original, where every file it put in {} belongs to root ({}); the app runs as `{user}`, who does not own them there either",
                            self.app_dir,
                            steps(&writers)
                        ),
                    ));
                }
                None
            }
            users => {
                let by_owner: Vec<String> = users
                    .iter()
                    .map(|user| {
                        let mine: Vec<&str> = writers
                            .iter()
                            .filter(|w| user_of(&w.owner) == *user)
                            .map(|w| w.step.as_str())
                            .collect();
                        format!("`{user}`: {}", mine.join(", "))
                    })
                    .collect();
                self.decisions.push(Decision::new(
                    "the app is copied without `--chown`",
                    format!(
                        "the original's files in {} have more than one owner ({}); `COPY --from` keeps the owner each file has in the builder, which runs the same steps",
                        self.app_dir,
                        by_owner.join("; ")
                    ),
                ));
                None
            }
        })
    }

    /// The steps that put files in the app folder, in order, from the last recursive
    /// `chown` of the whole folder on.
    fn writers(&self) -> Result<Vec<Writer>, String> {
        let analysis = self.input.analysis;
        let mut user: Option<String> = None;
        let mut writers: Vec<Writer> = Vec::new();
        for &id in &self.input.stage.body {
            match analysis.instruction(id).command() {
                Some(Command::User(name)) => user = Some(name),
                Some(Command::Copy(copy)) if self.copies_into_app(id).unwrap_or(false) => {
                    writers.push(Writer {
                        owner: copy.chown.unwrap_or_else(|| "root".to_owned()),
                        step: format!("`{}`", one_line(analysis.text(id))),
                    });
                }
                Some(Command::Run(_)) => {
                    let facts = self.facts(id);
                    let on_app = facts.is_app_work()
                        || (id > self.first_install
                            && id <= self.last_app_step
                            && is_app_other(facts));
                    let runs_as = user.clone().unwrap_or_else(|| "root".to_owned());
                    for action in &facts.actions {
                        let text = match action {
                            Action::Setup(text) => {
                                if let Some(chown) = self.chown_of_app(text, id)? {
                                    if chown.whole {
                                        writers.clear();
                                    }
                                    writers.push(Writer {
                                        owner: chown.owner,
                                        step: format!("`{text}`"),
                                    });
                                    continue;
                                }
                                if !self.names_app_path(text, id) {
                                    continue;
                                }
                                text
                            }
                            Action::Install(install) if on_app => install.text.as_str(),
                            Action::Build(text) | Action::Other(text) if on_app => text,
                            _ => continue,
                        };
                        writers.push(Writer {
                            owner: runs_as.clone(),
                            step: format!("`{}` (run as `{runs_as}`)", one_line(text)),
                        });
                    }
                }
                _ => {}
            }
        }
        Ok(writers)
    }

    /// Whether a command (of the RUN `id`) names a path in the app folder, where it may
    /// make files (`mkdir /app/data`, `touch /app/key`) that its user then owns.
    fn names_app_path(&self, command: &str, id: ItemId) -> bool {
        let workdir = self.input.analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        shell::words(command)
            .iter()
            .skip(1)
            .filter(|word| !word.starts_with('-'))
            .filter_map(|word| vars.path(word, workdir.as_deref(), id))
            .any(|path| path != self.app_dir && self.in_app(&path))
    }

    /// The `chown` command (of the RUN `id`), when it names the app folder, a folder in
    /// it, or (recursively) a folder above it.
    fn chown_of_app(&self, command: &str, id: ItemId) -> Result<Option<Chown>, String> {
        let words = shell::words(command);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let ["chown", rest @ ..] = words.as_slice() else {
            return Ok(None);
        };
        let recursive = rest.iter().any(|w| {
            *w == "--recursive" || (w.starts_with('-') && !w.starts_with("--") && w.contains('R'))
        });
        let args: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
        let [owner, paths @ ..] = args.as_slice() else {
            return Ok(None);
        };
        let workdir = self.input.analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        let paths: Vec<String> = paths
            .iter()
            .filter_map(|p| vars.path(p, workdir.as_deref(), id))
            .collect();
        let above = |path: &str| {
            let path = path.trim_end_matches('/');
            self.app_dir.starts_with(&format!("{path}/"))
        };
        let whole = recursive
            && paths
                .iter()
                .any(|p| p.trim_end_matches('/') == self.app_dir || above(p));
        if !(whole || paths.iter().any(|p| self.in_app(p))) {
            return Ok(None);
        }
        // The owner as the RUN saw it, ENV variables expanded: the final stage's copy may
        // come before the ENV that sets one, or after one that sets it anew. A build ARG
        // stays a variable: `--build-arg` may give it another value.
        let Some(expanded) = vars.expand(owner, id) else {
            return Err(format!(
                "`{command}` gives the app's files an owner from a shell variable (`{owner}`), which no ARG or ENV sets: `COPY --chown` could not name it"
            ));
        };
        // An ENV of the same name overrides an ARG; an owner with an ENV variable in it
        // is written expanded whole.
        let owner = if vars.names_build_args_only(owner, id) {
            (**owner).to_owned()
        } else {
            expanded
        };
        Ok(Some(Chown { owner, whole }))
    }
}

/// The user of an owner (`node` of `node:node`).
fn user_of(owner: &str) -> &str {
    owner.split(':').next().unwrap_or(owner)
}
