//! The builder's installs of the app's dependencies: each loose install becomes the lock
//! file's own command (`npm install` → `npm ci`, `--frozen-lockfile` for yarn and pnpm)
//! where the lock file is in the image when it runs, and a prune of the devDependencies
//! follows the install and build unless the original installed production ones only or
//! restage cannot see the package.json that says which they are.

use super::paths::Vars;
use super::run::{self, Action, DependencyInstall, Manager, RunFacts};
use super::{Layout, project};
use crate::analyze::{ItemId, file_name};
use crate::glob;
use crate::syntax::{Command, Run, Span};
use crate::transform::Decision;
use crate::transform::plan::{Step, is_root};

impl Layout<'_> {
    /// The builder's steps for `prune` after the instruction `after`: the prune alone
    /// (in the app folder, moving lifted node_modules back for it), or, where a non-root USER is in force
    /// there and an install or the lift ran as another user (who owns what the prune
    /// deletes or moves), the prune as root and that USER again.
    pub(super) fn prune_steps(&mut self, prune: String, after: ItemId) -> Vec<Step> {
        let command = self.in_app_folder(&prune, after);
        let (command, lift) = self.around_lift(&command, after);
        let prune = format!("RUN {command}");
        let Some(user) = self
            .user_at(ItemId(after.0 + 1))
            .filter(|user| !is_root(user))
        else {
            return vec![Step::New(prune)];
        };
        let others: Vec<Option<String>> = self
            .runs
            .iter()
            .filter(|(_, facts)| facts.installs().next().is_some())
            .map(|(id, _)| *id)
            .chain(lift)
            .map(|id| self.user_at(id))
            .collect();
        if others
            .iter()
            .all(|other| other.as_deref() == Some(user.as_str()))
        {
            return vec![Step::New(prune)];
        }
        self.decisions.push(Decision::new(
            format!("`{prune}` runs as root, then `USER {user}` again"),
            format!(
                "an install or the move of node_modules ran as another user than `{user}`, who is in force after the build, and owns the node_modules the prune deletes from"
            ),
        ));
        vec![
            Step::New("USER root".into()),
            Step::New(prune),
            Step::New(format!("USER {user}")),
        ]
    }

    /// `command` run in the app folder: after a `cd` to it where the WORKDIR in force
    /// after `after` is another folder (the install ran after a `cd` of its own).
    fn in_app_folder(&self, command: &str, after: ItemId) -> String {
        let workdir = Vars { input: self.input }.workdir(ItemId(after.0 + 1));
        if workdir.as_deref() == Some(self.app_dir.as_str()) {
            command.to_owned()
        } else {
            format!("cd {} && {command}", self.app_dir)
        }
    }

    /// The builder's prune of devDependencies (the command, without `RUN`), if it needs one.
    pub(super) fn prune(&mut self, production_install: bool) -> Option<String> {
        let base = &self.input.stage.base;
        if self
            .runs
            .iter()
            .any(|(_, facts)| facts.actions.contains(&Action::Prune))
        {
            self.decisions.push(Decision::new(
                "no prune added",
                "the original prunes the dependencies itself",
            ));
            return None;
        }
        if production_install {
            self.decisions.push(Decision::new("no prune", "the install takes production dependencies only (or named packages), as in the original"));
            return None;
        }
        if !self.project.seen {
            self.decisions.push(Decision::new(
                "not pruned: the final stage keeps every dependency the install put in",
                "restage sees no package.json in the build context, so it cannot tell which dependencies are devDependencies, nor whether the start command needs one",
            ));
            return None;
        }
        let lock = self.lock_present();
        let (command, why) = match self.manager {
            Manager::Npm if project::npm_has_omit(base) => {
                ("npm prune --omit=dev".to_owned(), "npm 7 and later")
            }
            Manager::Npm if base.ecosystem.is_some() => (
                "npm prune --production".to_owned(),
                "the npm of this Node version predates `--omit=dev`",
            ),
            Manager::Npm => (
                "npm prune --production".to_owned(),
                "the base image's npm may predate `--omit=dev`, and every npm takes `--production`",
            ),
            Manager::Yarn if lock => (
                "yarn install --production --frozen-lockfile --ignore-scripts --prefer-offline"
                    .to_owned(),
                "yarn v1 has no prune; a production install over the same lock removes the devDependencies",
            ),
            Manager::Yarn => (
                "yarn install --production --ignore-scripts --prefer-offline".to_owned(),
                "yarn v1 has no prune; a production install removes the devDependencies",
            ),
            Manager::Pnpm => ("pnpm prune --prod".to_owned(), "pnpm's own prune"),
        };
        self.decisions.push(Decision::new(
            format!("the builder runs `{command}` after the install and build"),
            format!("the final stage gets production dependencies only ({why})"),
        ));
        Some(command)
    }

    /// Whether the manager's lock file is there: in the context, or named by a COPY or a bind mount.
    fn lock_present(&self) -> bool {
        let locks = self.manager.lock_files();
        if self.context_sends_lock() {
            return true;
        }
        let analysis = self.input.analysis;
        self.input
            .stage
            .body
            .iter()
            .any(|&id| match analysis.instruction(id).command() {
                Some(Command::Copy(copy)) => {
                    copy.sources.iter().any(|s| locks.contains(&file_name(s)))
                }
                Some(Command::Run(run)) => mounts_a_lock(&run, locks),
                _ => false,
            })
    }

    /// Whether the build context has the manager's lock file and `.dockerignore` does
    /// not keep it out of what `COPY` sees.
    fn context_sends_lock(&self) -> bool {
        let context = self.project.context(self.input.context);
        self.manager
            .lock_files()
            .iter()
            .any(|lock| context.has(lock) && !context.ignores(lock))
    }

    /// Whether the lock file is in the image (or mounted) when `id` runs.
    fn lock_copied_before(&self, id: ItemId) -> bool {
        let analysis = self.input.analysis;
        let locks = self.manager.lock_files();
        let known = self.context_sends_lock() || !self.input.context.present;
        self.input
            .stage
            .body
            .iter()
            .filter(|&&before| before <= id)
            .any(|&before| match analysis.instruction(before).command() {
                Some(Command::Copy(copy)) if copy.from.is_none() => {
                    copy.sources.iter().any(|source| {
                        let name = file_name(source.trim_end_matches('/'));
                        locks.contains(&name)
                            || (known
                                && (source == "."
                                    || source.ends_with('/')
                                    || locks.iter().any(|lock| glob::matches(name, lock))))
                    })
                }
                Some(Command::Run(run)) => mounts_a_lock(&run, locks),
                _ => false,
            })
    }

    /// Edits that make installs use the lock file (`npm install` → `npm ci`,
    /// `--frozen-lockfile` for yarn and pnpm).
    pub(super) fn install_edits(&mut self) -> Vec<(ItemId, Vec<(Span, String)>)> {
        let mut out = Vec::new();
        let present = self.lock_present();
        for (id, facts) in &self.runs {
            let loose: Vec<&DependencyInstall> = facts
                .installs()
                .filter(|i| !i.frozen && !i.named && !i.ignores_lock)
                .collect();
            let Some(first) = loose.first() else { continue };
            let shown = first.text.clone();
            if let Some(why) = self.keeps_loose(*id, facts, &loose, present) {
                self.decisions
                    .push(Decision::new(format!("`{shown}` kept as written"), why));
                continue;
            }
            let (replacement, spans) = self.loose_spans(*id);
            if spans.len() != loose.len() {
                self.decisions.push(Decision::new(
                    format!("`{shown}` kept as written"),
                    "restage could not place the change in the RUN's text",
                ));
                continue;
            }
            let edits: Vec<(Span, String)> = spans
                .into_iter()
                .map(|span| (span, replacement.to_owned()))
                .collect();
            self.decisions.push(Decision::new(
                format!("`{shown}` installs with `{replacement}`"),
                "the lock file's own command installs exactly the locked versions, devDependencies included for the build",
            ));
            out.push((*id, edits));
        }
        out
    }

    /// Why the `loose` installs of the RUN `id` stay as written, if they do (`present`:
    /// whether the lock file is known at all).
    fn keeps_loose(
        &self,
        id: ItemId,
        facts: &RunFacts,
        loose: &[&DependencyInstall],
        present: bool,
    ) -> Option<String> {
        let base = &self.input.stage.base;
        if !present {
            Some("no lock file is known (none in the build context or named by a COPY)".to_owned())
        } else if !self.lock_copied_before(id) {
            Some("the lock file is not in the image when it runs".to_owned())
        } else if facts.exec_form {
            Some("it is an exec-form RUN".to_owned())
        } else if self.manager == Manager::Npm && !project::npm_has_ci(base) {
            Some(match base.ecosystem {
                Some(_) => "the npm of this Node version predates `npm ci`".to_owned(),
                None => format!("the npm of `{}` may predate `npm ci`", base.image.raw),
            })
        } else if self.manager == Manager::Npm && loose.iter().any(|i| i.unusual_flags) {
            Some("it has options `npm ci` may not take".to_owned())
        } else {
            None
        }
    }

    /// The lock file's own install command, and where the RUN `id` writes a loose
    /// install (its phrase followed by flags only) that it replaces.
    fn loose_spans(&self, id: ItemId) -> (&'static str, Vec<Span>) {
        let only_flags = |rest: &str| {
            rest.split_whitespace()
                .all(|w| w.starts_with('-') || w == "\\")
        };
        let not_frozen =
            |rest: &str| !rest.contains("--frozen-lockfile") && !rest.contains("--immutable");
        // The phrases of a loose install, whether a frozen one is left alone, and the
        // lock file's own command.
        let (phrases, frozen_stays, replacement): (&[&str], bool, &str) = match self.manager {
            Manager::Npm => (&["npm install", "npm i", "npm isntall"], false, "npm ci"),
            Manager::Yarn => (
                &["yarn install", "yarn"],
                true,
                "yarn install --frozen-lockfile",
            ),
            Manager::Pnpm => (
                &["pnpm install", "pnpm i"],
                true,
                "pnpm install --frozen-lockfile",
            ),
        };
        let mut spans: Vec<Span> = phrases
            .iter()
            .flat_map(|phrase| {
                run::phrase_spans(self.input.analysis, id, phrase, |rest| {
                    only_flags(rest) && (!frozen_stays || not_frozen(rest))
                })
            })
            .collect();
        spans.sort_by_key(|s| s.start);
        // `yarn` also matches where `yarn install` does.
        spans.dedup_by_key(|s| s.start);
        (replacement, spans)
    }
}

/// Whether a RUN bind-mounts one of the lock files.
fn mounts_a_lock(run: &Run, locks: &[&str]) -> bool {
    run.mounts.iter().any(|m| {
        locks
            .iter()
            .any(|lock| m.contains(&format!("source={lock}")))
    })
}
