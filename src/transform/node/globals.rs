//! Global installs (`npm install -g`) in an app image follow whoever uses them: the
//! build (its RUNs and the scripts they run), the running app (its start command and
//! HEALTHCHECK), or both. Package managers installed globally serve both.

use super::run;
use super::{Layout, Place};
use crate::syntax::{Command, Healthcheck, Keyword};
use crate::transform::shell::program_name;

impl Layout<'_> {
    /// Which stage needs a global install of `packages`.
    pub(super) fn global_place(&self, packages: &[String]) -> Place {
        if packages.iter().any(|p| run::is_package_manager(p)) {
            return Place::Both;
        }
        let bins: Vec<String> = packages.iter().flat_map(|p| run::bins(p)).collect();
        let uses = |words: &[String]| {
            words
                .iter()
                .any(|w| bins.iter().any(|bin| program_name(w) == bin))
        };
        let runtime = uses(&self.start_words) || uses(&self.healthcheck_words());
        match (uses(&self.build_words()), runtime) {
            (true, true) => Place::Both,
            (true, false) => Place::Builder,
            _ => Place::Final,
        }
    }

    /// The words of every build and unknown command of the RUNs, with the bodies of the
    /// package.json scripts they name.
    fn build_words(&self) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        for (_, facts) in &self.runs {
            for build in facts.builds().chain(facts.others()) {
                words.extend(build.split_whitespace().map(str::to_owned));
                for script in build
                    .split_whitespace()
                    .skip(1)
                    .filter(|w| !w.starts_with('-'))
                {
                    for body in self.project.run_of(script) {
                        words.extend(body.split_whitespace().map(str::to_owned));
                    }
                }
            }
        }
        words
    }

    fn healthcheck_words(&self) -> Vec<String> {
        let analysis = self.input.analysis;
        analysis
            .with_keyword(self.input.stage, Keyword::Healthcheck)
            .filter_map(|id| match analysis.instruction(id).command() {
                Some(Command::Healthcheck(Healthcheck::Cmd { command, .. })) => Some(
                    command
                        .words()
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect()
    }
}
