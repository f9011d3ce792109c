//! System packages of a Node build (apt or apk): which are build-only (compilers,
//! headers, node-gyp's python), which the running app needs too (the runtime libraries
//! of native addons, git for git dependencies), and where a RUN that installs them goes.

use super::run::RunFacts;
use super::{Layout, Place};
use crate::analyze::ItemId;
use crate::ecosystem::Release;
use crate::transform::Decision;
use crate::transform::packages::{self, Manager as SystemManager};
use crate::transform::plan::Step;

/// System packages that only build native addons (node-gyp), besides compilers and headers.
const GYP_TOOLS: &[&str] = &["python", "python2", "python3", "alpine-sdk", "node-gyp"];

/// Runtime libraries every Node image has (the node binary links them), which the
/// compilers' runtime packages would add again.
const IN_EVERY_NODE_IMAGE: &[&str] = &["libstdc++", "libstdc++6", "libgcc", "libgcc-s1", "libgcc1"];

/// Runtime packages an install may need too (dependencies from git over ssh or https).
const FETCH_TOOLS: &[&str] = &["git", "openssh-client", "openssh", "ca-certificates"];

fn is_build_only(package: &str) -> bool {
    packages::is_build_only(package) || GYP_TOOLS.contains(&package)
}

/// The packages a RUN installs that the final stage needs too: the runtime libraries
/// `-dev` packages imply (by their name in the final image's Debian `release`) and
/// every package that is not build-only.
pub fn runtime_packages(
    facts: &RunFacts,
    system: SystemManager,
    release: Release,
) -> Result<Vec<String>, String> {
    let mut runtime = Vec::new();
    for install in &facts.system {
        for package in &install.packages {
            let needed = match packages::runtime_for(package, system)
                .or_else(|| addon_library(package, system))
            {
                Some(library) => Some(packages::release_name(library, system, release)?.to_owned()),
                None if !is_build_only(package) => Some(package.clone()),
                None => None,
            };
            runtime
                .extend(needed.filter(|p| {
                    !runtime.contains(p) && !IN_EVERY_NODE_IMAGE.contains(&p.as_str())
                }));
        }
    }
    Ok(runtime)
}

/// The final stage's install of `runtime` packages.
pub fn runtime_install(system: SystemManager, runtime: &[String]) -> Step {
    Step::New(packages::install_line(
        system,
        &runtime.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
}

/// Runtime libraries of `-dev` packages that native addons (sharp, canvas) link against.
pub fn addon_library(package: &str, system: SystemManager) -> Option<&'static str> {
    let table: &[(&str, &str)] = match system {
        SystemManager::Apt => &[
            ("libvips-dev", "libvips42"),
            ("libcairo2-dev", "libcairo2"),
            ("libpango1.0-dev", "libpangocairo-1.0-0"),
            ("libgif-dev", "libgif7"),
            ("librsvg2-dev", "librsvg2-2"),
        ],
        SystemManager::Apk => &[
            ("vips-dev", "vips"),
            ("cairo-dev", "cairo"),
            ("pango-dev", "pango"),
            ("giflib-dev", "giflib"),
            ("librsvg-dev", "librsvg"),
        ],
    };
    table
        .iter()
        .find(|(dev, _)| *dev == package)
        .map(|(_, library)| *library)
}

impl Layout<'_> {
    /// Where a RUN that only installs system packages goes: build tools to the builder,
    /// runtime packages to the final stage (to both when the install may fetch with
    /// them), a mix to the builder with its `runtime` packages installed in the final
    /// stage too (added to `final_stage`).
    pub(super) fn place_system_run(
        &mut self,
        id: ItemId,
        facts: &RunFacts,
        runtime: &[String],
        system: SystemManager,
        final_stage: &mut Vec<Step>,
        line: &str,
    ) -> Place {
        let all: Vec<&String> = facts
            .system
            .iter()
            .flat_map(|install| &install.packages)
            .collect();
        let build_only = all.iter().filter(|p| is_build_only(p)).count();
        if build_only == all.len() && runtime.is_empty() {
            self.decisions.push(Decision::new(
                format!("`{line}` only in the builder"),
                "it installs build tools (compilers, node-gyp's python and make)",
            ));
            return Place::Builder;
        }
        if build_only == 0 {
            let fetch = all.iter().find(|p| FETCH_TOOLS.contains(&p.as_str()));
            let place = if fetch.is_some() && id < self.prune_after {
                Place::Both
            } else {
                Place::Final
            };
            let why = match fetch {
                Some(tool) if place == Place::Both => format!(
                    "the install may need `{tool}` (git dependencies), and the running app may too"
                ),
                _ => "runtime packages; the install does not need them".to_owned(),
            };
            self.decisions
                .push(Decision::new(format!("`{line}` {}", place.words()), why));
            return place;
        }
        self.decisions.push(Decision::new(
            format!(
                "`{line}` in the builder; `{}` installed in the final stage",
                runtime.join(" ")
            ),
            "the build tools and headers stay behind; the final stage gets the runtime libraries of the `-dev` packages, which native addons link against, and the packages that are not build-only",
        ));
        final_stage.push(runtime_install(system, runtime));
        Place::Builder
    }
}
