//! The final stage's copy of the app from the builder, and who owns it: the owner the
//! original gave the app's files (`COPY --chown`, `RUN chown` on the app folder), else
//! the user the app runs as when that is `node`, or the user who installed it.

use super::Layout;
use super::paths::Vars;
use super::run::Action;
use crate::analyze::ItemId;
use crate::syntax::{Command, Keyword};
use crate::transform::Decision;
use crate::transform::plan::is_plain_owner;
use crate::transform::shell;

impl Layout<'_> {
    /// The final stage's `COPY --from=<builder>` of the app folder (`pruned`: with
    /// production dependencies only); an error when its owner cannot be written.
    pub(super) fn app_copy(&mut self, builder: &str, pruned: bool) -> Result<String, String> {
        let owner = self.owner();
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
        Ok(format!(
            "COPY --from={builder}{} {dir} {dir}",
            owner
                .map(|owner| format!(" --chown={owner}"))
                .unwrap_or_default(),
            dir = self.app_dir
        ))
    }

    /// The owner the final stage's copy of the app needs.
    fn owner(&mut self) -> Option<String> {
        let analysis = self.input.analysis;
        let stage = self.input.stage;
        let mut owners: Vec<String> = Vec::new();
        for &id in &stage.body {
            match analysis.instruction(id).command() {
                Some(Command::Copy(copy)) if self.copies_into_app(id).unwrap_or(false) => {
                    owners.extend(copy.chown)
                }
                Some(Command::Run(_)) => {
                    for action in &self.facts(id).actions {
                        if let Action::Setup(text) = action {
                            owners.extend(self.chown_of_app(text, id));
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(owner) = owners.last() {
            self.decisions.push(Decision::new(
                format!("the app is copied with `--chown={owner}`"),
                "the original gave the app's files to this owner",
            ));
            return Some(owner.clone());
        }
        let user = analysis
            .with_keyword(stage, Keyword::User)
            .last()
            .and_then(|id| match analysis.instruction(id).command() {
                Some(Command::User(user)) => Some((id, user)),
                _ => None,
            });
        match user {
            Some((_, user)) if user == "node" || user.starts_with("node:") => {
                self.decisions.push(Decision::new(
                    "the app is copied with `--chown=node:node`",
                    "the app runs as the image's `node` user, who may need to write in its folder",
                ));
                Some("node:node".into())
            }
            Some((id, user)) if id < self.first_install => {
                self.decisions.push(Decision::new(
                    format!("the app is copied with `--chown={user}`"),
                    "the original installed the app as this user",
                ));
                Some(user)
            }
            _ => None,
        }
    }

    /// The owner a `chown` command (of the RUN `id`) gives, when it names the app folder.
    fn chown_of_app(&self, command: &str, id: ItemId) -> Option<String> {
        let words = shell::words(command);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let ["chown", rest @ ..] = words.as_slice() else {
            return None;
        };
        let args: Vec<&&str> = rest.iter().filter(|w| !w.starts_with('-')).collect();
        let [owner, paths @ ..] = args.as_slice() else {
            return None;
        };
        let workdir = self.input.analysis.workdir_at(self.input.stage, id);
        let vars = Vars { input: self.input };
        paths
            .iter()
            .any(|p| {
                vars.path(p, workdir.as_deref(), id)
                    .is_some_and(|p| self.in_app(&p))
            })
            .then(|| (**owner).to_owned())
    }
}
