//! Corepack's package managers: `corepack enable` puts pnpm and yarn shims on PATH, and
//! the first command that runs one downloads it into the running user's cache. The
//! original image has that download from its install; a final stage that starts the
//! package manager (`CMD ["pnpm", "start"]`) gets it too, or the container would fetch
//! it at every start (and fail without a network).

use super::Layout;
use super::run::Manager;

use crate::analyze::ItemId;
use crate::transform::Decision;
use crate::transform::plan::Step;
use crate::transform::shell;

impl Layout<'_> {
    /// The final stage's RUN that downloads the package manager the start command runs
    /// through corepack, as the original did for the user the app runs as: none unless
    /// the final stage keeps `corepack enable` and the start command runs pnpm or yarn.
    /// It comes after the app's copy, where the app's user must be in force; where the
    /// app's user never ran the package manager in the original (its cache had no
    /// download either), or another user is in force there, the decision says so.
    pub(super) fn corepack_download(&mut self, final_stage: &[Step]) -> Option<String> {
        let manager = self.manager;
        let name = manager.name();
        if manager == Manager::Npm || !self.start_words.iter().any(|word| word == name) {
            return None;
        }
        let enabled = final_stage.iter().any(|step| match step {
            Step::Keep(id) => self.runs.iter().any(|(run, facts)| {
                run == id
                    && facts
                        .globals()
                        .0
                        .iter()
                        .any(|package| package == "corepack")
            }),
            Step::New(_) | Step::Continued(_) => step
                .new_text()
                .is_some_and(|text| text.contains("corepack enable")),
            Step::Edit(..) => false,
        });
        if !enabled {
            return None;
        }
        let app_user = self.user_at(ItemId(usize::MAX));
        let user_name = app_user.clone().unwrap_or_else(|| "root".into());
        let ran_it = self.runs.iter().any(|(id, facts)| {
            let runs_manager = facts.installs().any(|install| install.manager == manager)
                || facts.builds().any(|build| {
                    let words = shell::words(build);
                    match shell::after_keywords(&words) {
                        [program, ..] if program == name => true,
                        [corepack, program, ..] => corepack == "corepack" && program == name,
                        _ => false,
                    }
                });
            runs_manager && self.user_at(*id) == app_user
        });
        if !ran_it {
            self.decisions.push(Decision::new(
                format!("the final stage does not download {name}"),
                format!(
                    "corepack downloads it into the cache of the user that runs it, and `{user_name}`, whom the app runs as, ran no {name} command in the original: the container downloads {name} when it first starts it, as the original's does"
                ),
            ));
            return None;
        }
        if self.user_at(self.last_app_step) != app_user {
            self.decisions.push(Decision::new(
                format!("the final stage does not download {name}"),
                format!(
                    "the original's `{user_name}` had it in its cache, but the final stage copies the app as another user: the container downloads {name} when it first starts it"
                ),
            ));
            return None;
        }
        self.decisions.push(Decision::new(
            format!("the final stage runs `{name} --version` after copying the app"),
            format!(
                "`corepack enable` only puts a shim on PATH; in the original, `{user_name}`, whom the app runs as, had {name} in its cache from the install or build, and without it the container would download {name} at every start"
            ),
        ));
        Some(format!("RUN {name} --version"))
    }
}
