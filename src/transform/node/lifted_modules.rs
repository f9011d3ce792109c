//! `node_modules` lifted above the app folder: `mv /code/node_modules /node_modules`
//! after the install, so that the source bind-mounted over the app folder in development
//! does not hide the dependencies (Node looks for `node_modules` in every parent folder).
//! The final stage copies the lifted folder beside the app, and the builder's prune runs
//! where the package.json and the dependencies are together.

use super::Layout;
use super::paths::Vars;
use super::run::{Action, RunFacts};
use crate::analyze::{ItemId, join};
use crate::syntax::{Command, Form, Keyword, Run};
use crate::transform::Decision;
use crate::transform::plan::is_plain_path;
use crate::transform::shell;

/// The app's `node_modules` moved to a parent folder of the app.
#[derive(Clone, Debug)]
pub struct Lifted {
    /// The RUN that moves it.
    pub run: ItemId,
    /// The `mv` command as the RUN writes it.
    pub command: String,
    /// Where it is after the move (`/node_modules`).
    pub to: String,
}

impl Layout<'_> {
    /// The first `mv` of the app's `node_modules` into a parent folder of the app, in a
    /// RUN at or after the first install.
    pub(super) fn find_lifted(&self, runs: &[(ItemId, RunFacts)]) -> Option<Lifted> {
        let analysis = self.input.analysis;
        let vars = Vars { input: self.input };
        for (id, facts) in runs.iter().filter(|(id, _)| *id >= self.first_install) {
            // A command of the RUN itself, not one of a script it runs (whose `cd`s the
            // actions do not follow).
            let line = match analysis.instruction(*id).command() {
                Some(Command::Run(Run {
                    command: Form::Shell(line),
                    ..
                })) => line,
                _ => continue,
            };
            let top_level = shell::commands(&line);
            let mut cwd = analysis.workdir_at(self.input.stage, *id);
            for action in &facts.actions {
                match action {
                    Action::Cd(to) => cwd = vars.path(to, cwd.as_deref(), *id),
                    Action::Other(command) if top_level.contains(&command.as_str()) => {
                        if let Some(to) = self.lift_target(command, cwd.as_deref(), *id) {
                            return Some(Lifted {
                                run: *id,
                                command: command.clone(),
                                to,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// An error where the prune moves lifted node_modules back into an app folder that a
    /// COPY after the lift may have given a `node_modules` of the build context's own
    /// (not kept out by `.dockerignore`): `mv` would put them inside it.
    pub(super) fn check_lift(&self) -> Result<(), String> {
        let Some(lifted) = self.lifted.as_ref().filter(|l| l.run <= self.prune_after) else {
            return Ok(());
        };
        let context = self.project.context(self.input.context);
        if !context.dirs.contains("node_modules") || context.ignores("node_modules") {
            return Ok(());
        }
        let analysis = self.input.analysis;
        let copies_over = analysis
            .with_keyword(self.input.stage, Keyword::Copy)
            .chain(analysis.with_keyword(self.input.stage, Keyword::Add))
            .filter(|&id| id > lifted.run && id < self.prune_after)
            .any(|id| self.copies_into_app(id).unwrap_or(true));
        if copies_over {
            return Err(format!(
                "the build context has a node_modules folder that .dockerignore does not keep out, and a COPY into {} after `{}` may bring it in: moving the lifted node_modules back for the prune would put them inside it (add node_modules to .dockerignore)",
                self.app_dir, lifted.command
            ));
        }
        Ok(())
    }

    /// Where `command` moves the app's `node_modules` when it is a plain
    /// `mv <app>/node_modules <parent>[/node_modules]` (relative paths from `cwd`).
    fn lift_target(&self, command: &str, cwd: Option<&str>, id: ItemId) -> Option<String> {
        let words = shell::words(command);
        let (program, args) = words.split_first()?;
        if program != "mv" {
            return None;
        }
        let (options, operands): (Vec<&String>, Vec<&String>) =
            args.iter().partition(|word| word.starts_with('-'));
        if !options.iter().all(|o| matches!(o.as_str(), "-f" | "-v")) {
            return None;
        }
        let [from, to] = operands.as_slice() else {
            return None;
        };
        let vars = Vars { input: self.input };
        if vars.path(from, cwd, id)? != format!("{}/node_modules", self.app_dir) {
            return None;
        }
        let to = vars.path(to, cwd, id)?;
        // `mv x /node_modules` names the new folder; `mv x /` the folder it goes into.
        let (parent, lifted) = match to.strip_suffix("/node_modules") {
            Some(parent) => (if parent.is_empty() { "/" } else { parent }, to.clone()),
            None => (to.as_str(), join(&to, "node_modules")),
        };
        let above_app = parent == "/" || self.app_dir.starts_with(&format!("{parent}/"));
        (above_app && is_plain_path(&lifted)).then_some(lifted)
    }

    /// The prune `command`, run where the dependencies are: when they were lifted before
    /// it, the prune moves them back into the app folder for its run, and up again (with
    /// the lifting RUN, whose user may own the parent folder).
    pub(super) fn around_lift(&mut self, command: &str, after: ItemId) -> (String, Option<ItemId>) {
        let Some(lifted) = self.lifted.as_ref().filter(|lifted| lifted.run <= after) else {
            return (command.to_owned(), None);
        };
        let home = format!("{}/node_modules", self.app_dir);
        let wrapped = format!(
            "mv {to} {home} && {command} && mv {home} {to}",
            to = lifted.to
        );
        let run = lifted.run;
        self.decisions.push(Decision::new(
            format!("the prune moves {} back to {home} for its run", lifted.to),
            format!(
                "`{}` moved them before the prune runs, and the package manager prunes the node_modules of the folder it runs in",
                lifted.command
            ),
        ));
        (wrapped, Some(run))
    }
}

#[cfg(test)]
mod tests {
    use crate::context::BuildContext;
    use crate::transform::{Options, Outcome, restage};

    fn rewrite(text: &str) -> Result<String, String> {
        let dockerfile = crate::syntax::parse(text).unwrap();
        let mut context = BuildContext::default();
        context.present = true;
        context.files.insert(
            "package.json".into(),
            r#"{"dependencies": {"express": "4"}, "devDependencies": {"nodemon": "3"}}"#.into(),
        );
        match restage(&dockerfile, || context, &Options::default()).unwrap() {
            Outcome::Rewritten(rewrite) => Ok(rewrite.text),
            Outcome::Declined(decline) => Err(decline.reason),
        }
    }

    fn app(mv: &str) -> String {
        format!(
            "FROM node:20\nWORKDIR /srv/app\nCOPY package.json .\nRUN npm install\nRUN {mv}\nCOPY . .\nCMD [\"node\", \"app.js\"]\n"
        )
    }

    #[test]
    fn a_move_to_any_parent_of_the_app_is_a_lift() {
        for (mv, to) in [
            ("mv /srv/app/node_modules /node_modules", "/node_modules"),
            ("mv node_modules /", "/node_modules"),
            ("mv ./node_modules ../", "/srv/node_modules"),
            ("mv -f node_modules/ /srv/node_modules", "/srv/node_modules"),
        ] {
            let text = rewrite(&app(mv)).unwrap();
            assert!(
                text.contains(&format!("COPY --from=builder {to} {to}\n")),
                "{mv}:\n{text}"
            );
        }
    }

    #[test]
    fn a_move_elsewhere_is_not() {
        for mv in [
            "mv node_modules /opt/node_modules",
            "mv node_modules /srv/lib",
            "mv /srv/app/lib /lib2",
            "mv -t / node_modules",
            "sh -c 'mv node_modules /'",
        ] {
            let reason = rewrite(&app(mv)).unwrap_err();
            assert!(reason.contains("outside the app folder"), "{mv}: {reason}");
        }
    }
}
