//! Corepack's package managers: `corepack enable` puts pnpm and yarn shims on PATH, and
//! the first command that runs one downloads it into the running user's cache. The
//! original image has that download from its install; a final stage that starts the
//! package manager (`CMD ["pnpm", "start"]`) gets it too, or the container would fetch
//! it at every start (and fail without a network).

use super::Layout;
use super::run::Manager;

use crate::transform::Decision;
use crate::transform::plan::Step;

impl Layout<'_> {
    /// The final stage's RUN that downloads the package manager the start command runs
    /// through corepack, as the original's install or build did: none unless the final
    /// stage keeps a `corepack enable` and the start command runs pnpm or yarn. It comes
    /// after the app's copy, as the user in force at the app's last step; where that user
    /// ran no pnpm or yarn command in the original, its cache had no download, and the
    /// decision says so instead.
    pub(super) fn corepack_download(&mut self, final_stage: &[Step]) -> Option<String> {
        let manager = self.manager;
        if manager == Manager::Npm || !self.start_words.iter().any(|word| word == manager.name()) {
            return None;
        }
        let enabled = self.runs.iter().any(|(id, facts)| {
            let (packages, _) = facts.globals();
            packages.iter().any(|package| package == "corepack")
                && final_stage.contains(&Step::Keep(*id))
        });
        if !enabled {
            return None;
        }
        let name = manager.name();
        let user = self.user_at(self.last_app_step);
        let ran_it = self.runs.iter().any(|(id, facts)| {
            let runs_manager = facts.installs().any(|install| install.manager == manager)
                || facts
                    .builds()
                    .any(|build| build.split_whitespace().next() == Some(name));
            runs_manager && self.user_at(*id) == user
        });
        if !ran_it {
            self.decisions.push(Decision::new(
                format!("the final stage does not download {name}"),
                format!(
                    "corepack downloads it into the cache of the user that runs it, and `{}` ran no {name} command in the original: the container downloads {name} when it first starts it, as the original's does",
                    user.as_deref().unwrap_or("root")
                ),
            ));
            return None;
        }
        self.decisions.push(Decision::new(
            format!("the final stage runs `{name} --version` after copying the app"),
            format!(
                "`corepack enable` only puts a shim on PATH; the original's install or build downloaded {name} into the user's cache, and without it the container would download {name} at every start"
            ),
        ));
        Some(format!("RUN {name} --version"))
    }
}
