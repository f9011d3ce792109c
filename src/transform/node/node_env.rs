//! `NODE_ENV=production`: set before the install, it makes npm, yarn and pnpm skip the
//! devDependencies. The builder keeps it when the original installed production
//! dependencies only, or all of them all the same (`--include=dev`); it moves to the
//! final stage alone when the build needs them.

use super::Layout;
use super::paths::Vars;
use crate::analyze::ItemId;
use crate::syntax::{Command, Keyword};
use crate::transform::Decision;
use crate::transform::shell::one_line;

pub struct NodeEnv {
    /// The `ENV NODE_ENV=production` left out of the builder.
    pub dropped: Option<ItemId>,
    /// The builder's install takes production dependencies only.
    pub production_install: bool,
}

impl Layout<'_> {
    /// Whether an `ENV NODE_ENV=production` before the install stays in the builder
    /// (the install then takes production dependencies only, as in the original) or goes
    /// to the final stage only (the build needs the devDependencies it would skip).
    pub(super) fn node_env(&mut self) -> NodeEnv {
        let analysis = self.input.analysis;
        let vars = Vars { input: self.input };
        let production = analysis.with_keyword(self.input.stage, Keyword::Env).find(|&id| {
            id < self.first_install
                && matches!(analysis.instruction(id).command(), Some(Command::Env(pairs)) if pairs.iter().any(|(name, value)| {
                    name == "NODE_ENV" && vars.expand(value, id).is_some_and(|v| v.eq_ignore_ascii_case("production"))
                }))
        });
        let flags_production = self
            .runs
            .iter()
            .flat_map(|(_, f)| f.installs())
            .all(|i| i.production || i.named);
        let Some(env) = production else {
            return NodeEnv {
                dropped: None,
                production_install: flags_production,
            };
        };
        if let Some(install) = self
            .runs
            .iter()
            .flat_map(|(_, f)| f.installs())
            .find(|install| install.includes_dev)
        {
            self.decisions.push(Decision::new(
                format!("`{}` kept in the builder", one_line(analysis.text(env))),
                format!(
                    "`{}` takes the devDependencies whatever NODE_ENV says, and the build runs with NODE_ENV=production as in the original",
                    install.text
                ),
            ));
            return NodeEnv {
                dropped: None,
                production_install: false,
            };
        }
        let builds = self
            .runs
            .iter()
            .any(|(_, facts)| facts.builds().next().is_some());
        let single = matches!(analysis.instruction(env).command(), Some(Command::Env(pairs)) if pairs.len() == 1);
        let needs_dev = builds && !self.project.dev_dependencies.is_empty();
        if needs_dev && single {
            self.decisions.push(Decision::new(
                format!("`{}` only in the final stage", one_line(analysis.text(env))),
                "in the builder it would make the install skip the devDependencies that the build needs (package.json has devDependencies); the app still runs with NODE_ENV=production",
            ));
            return NodeEnv {
                dropped: Some(env),
                production_install: flags_production,
            };
        }
        self.decisions.push(Decision::new(
            format!("`{}` kept in the builder", one_line(analysis.text(env))),
            "NODE_ENV=production before the install installs production dependencies only, as the original did; nothing to prune",
        ));
        NodeEnv {
            dropped: None,
            production_install: true,
        }
    }
}
