//! The users the app runs as: a RUN that creates one goes to the final stage when its
//! image can run it (and to the builder too when the build needs the user), and every
//! USER and final `--chown` must name a user the final image has. Where USER itself goes is the plan's part.

use crate::analyze::ItemId;
use crate::ecosystem::Variant;
use crate::syntax::{Command, Keyword};
use crate::transform::plan::Step;
use crate::transform::{Decision, Plan};

use super::Layout;
use super::command::{RunFacts, expand};
use super::copies::reaches_final;
use super::facts::Facts;
use super::image::{FinalImage, Kind};

/// USER instructions and the owners of COPYs the final stage gets (`--chown`) that the
/// final image can honour.
pub(super) fn check_users(facts: &Facts, image: &FinalImage) -> Result<(), String> {
    let analysis = facts.input.analysis;
    let creates_users = facts.runs.values().any(|run| !run.users.is_empty());
    for id in analysis.with_keyword(facts.input.stage, Keyword::User) {
        let Some(Command::User(user)) = analysis.instruction(id).command() else {
            continue;
        };
        let user = expand(&user, &facts.vars_at(id)).unwrap_or(user);
        if image.knows_user(&user) || (image.kind == Kind::Alpine && creates_users) {
            continue;
        }
        return Err(format!(
            "`USER {user}` needs a user that a RUN creates, and {} cannot run RUNs; a numeric user (`USER 65532`, distroless's nonroot) would do",
            image.describe()
        ));
    }
    for &id in &facts.input.stage.body {
        let Some(Command::Copy(copy)) = analysis.instruction(id).command() else {
            continue;
        };
        let Some(owner) = copy.chown else {
            continue;
        };
        let to_final = reaches_final(facts, id);
        let owner = expand(&owner, &facts.vars_at(id)).unwrap_or(owner);
        if to_final && !image.knows_user(&owner) && !(image.kind == Kind::Alpine && creates_users) {
            return Err(format!(
                "`--chown={owner}` gives the final stage's files to a user or group that {} does not have; a numeric owner (`--chown=65532:65532`, distroless's nonroot) would do",
                image.describe()
            ));
        }
    }
    Ok(())
}

impl Layout<'_> {
    /// A RUN that creates a user: in the final stage (an error when its image cannot run
    /// it), and in the builder when the build runs as that user or gives it files.
    pub(super) fn place_user_run(
        &self,
        id: ItemId,
        run: &RunFacts,
        line: &str,
        plan: &mut Plan,
    ) -> Result<(), String> {
        let busybox = run
            .users
            .iter()
            .all(|user| user.starts_with("adduser") || user.starts_with("addgroup"));
        let stage = self.facts.input.stage;
        let on_alpine = stage.base.variant == Variant::Alpine && busybox && run.others.is_empty();
        if !self.image.can_run(on_alpine) {
            let hint = match self.image.kind {
                Kind::Distroless => " (distroless has the user nonroot, 65532)",
                _ => "",
            };
            return Err(format!(
                "`{line}` creates a user, which {} cannot run{hint}",
                self.image.describe()
            ));
        }
        let analysis = self.facts.input.analysis;
        let user_before_build = analysis
            .with_keyword(stage, Keyword::User)
            .any(|user| user > id && user < self.build_point);
        let owns_files = stage.body.iter().any(|&later| {
            later > id
                && matches!(analysis.instruction(later).command(), Some(Command::Copy(copy)) if copy.chown.is_some())
        });
        if user_before_build || owns_files {
            plan.builder.push(Step::Keep(id));
        }
        plan.final_stage.push(Step::Keep(id));
        plan.decisions.push(Decision::new(
            format!("`{line}` in the final stage"),
            "it creates the user the app runs as",
        ));
        Ok(())
    }
}
