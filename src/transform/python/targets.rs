//! The folders the builder installs into: one per install command, in the order the
//! stage runs them. `pip install --target` does not upgrade what an earlier install put
//! in its folder: it skips every top-level entry that is already there (`bin/`, a
//! package, a namespace folder such as `google/`), so a second install into the same
//! folder would lose its commands and keep the first install's versions. Each later
//! install gets a folder of its own instead, and the search paths list the later
//! folders first, so that what a later install brings wins, as it did when the
//! original upgraded site-packages in place.

use crate::analyze::ItemId;

use super::TARGET;
use super::pins::Pinned;
use super::pip::Source;
use super::run::Run;

/// The install folders, in the order the stage installs into them, each with the RUN
/// that installs into it.
#[derive(Clone)]
pub struct Targets(Vec<(ItemId, String)>);

/// What the builder's installs write before the folder.
const OPTION: &str = "--target=";

impl Targets {
    /// Gives each install among `runs` (each RUN's edits in text order) its folder:
    /// the first keeps [`TARGET`], the `n`th becomes `TARGET-n`. With `pin_projects`, a
    /// later RUN that installs a project alone (`pip install .`) takes the versions of
    /// the earlier folders as constraints (see `pins`).
    pub fn number(runs: &mut [(ItemId, Run)], pin_projects: bool) -> Targets {
        let option = format!("{OPTION}{TARGET}");
        let mut folders: Vec<(ItemId, String)> = Vec::new();
        for (id, run) in runs.iter_mut() {
            let Run::Dependencies(dependencies) = run else {
                continue;
            };
            dependencies.edits.sort_by_key(|(span, _)| span.start);
            for (_, text) in &mut dependencies.edits {
                let mut parts = text.split(option.as_str());
                let mut numbered = parts.next().unwrap_or_default().to_owned();
                for rest in parts {
                    let folder = match folders.len() {
                        0 => TARGET.to_owned(),
                        n => format!("{TARGET}-{}", n + 1),
                    };
                    numbered.push_str(&format!("{OPTION}{folder}{rest}"));
                    folders.push((*id, folder));
                }
                *text = numbered;
            }
            let project_alone = !dependencies.sources.is_empty()
                && dependencies
                    .sources
                    .iter()
                    .all(|source| matches!(source, Source::Project(_)))
                && dependencies.exported.is_empty()
                && dependencies
                    .edits
                    .iter()
                    .filter(|(_, text)| text.contains(OPTION))
                    .count()
                    == 1;
            if pin_projects && project_alone && folders.len() > 1 {
                let ((_, folder), earlier) = folders.split_last().expect("two folders");
                let file = format!("/tmp/{}.pins", crate::analyze::file_name(folder));
                for (_, text) in &mut dependencies.edits {
                    if text.contains(&format!("{OPTION}{folder}")) {
                        text.push_str(&format!(" -c {file}"));
                    }
                }
                dependencies.pinned = Some(Box::new(Pinned {
                    file,
                    earlier: earlier.iter().map(|(_, folder)| folder.clone()).collect(),
                }));
            }
        }
        Targets(folders)
    }

    pub fn folders(&self) -> Vec<String> {
        self.0.iter().map(|(_, folder)| folder.clone()).collect()
    }

    /// The folders of the installs up to the RUN `id`, that one's included.
    pub fn through(&self, id: ItemId) -> Targets {
        Targets(
            self.0
                .iter()
                .filter(|(run, _)| *run <= id)
                .cloned()
                .collect(),
        )
    }

    /// The folders after the first `count`.
    pub fn after(&self, count: usize) -> Targets {
        Targets(self.0[count..].to_vec())
    }

    /// The folders as a search path, the last install's first.
    pub fn search_path(&self, suffix: &str) -> String {
        let folders: Vec<String> = self
            .0
            .iter()
            .rev()
            .map(|(_, folder)| format!("{folder}{suffix}"))
            .collect();
        folders.join(":")
    }

    /// The folders in words, for decisions, with the pronouns that stand for them.
    pub fn named(&self) -> Named {
        match self.folders().as_slice() {
            [one] => Named {
                folders: one.clone(),
                it: "it",
                its: "its",
            },
            all => Named {
                folders: all.join(" and "),
                it: "them",
                its: "their",
            },
        }
    }
}

/// [`Targets::named`].
pub struct Named {
    pub folders: String,
    pub it: &'static str,
    pub its: &'static str,
}
