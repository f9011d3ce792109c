//! Whether the binary needs cgo, and why: a `CGO_ENABLED` setting decides; without one,
//! a .go file that imports "C", `-race`, or a C toolchain the build installs does. It
//! does not place `CGO_ENABLED=0` (`runs` does) or pick the C library (`image` does).

use crate::analyze::ItemId;

use super::Start;
use super::facts::Facts;

/// Packages that install a C toolchain, which says the build means to use cgo.
pub(super) const CGO_TOOLCHAIN: &[&str] = &[
    "gcc",
    "g++",
    "clang",
    "build-base",
    "build-essential",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
];

/// Why the binary needs cgo, if it does.
pub(super) fn cgo_reason(facts: &Facts, start: &Start) -> Option<String> {
    let mut settings: Vec<bool> = facts
        .runs
        .iter()
        .filter(|(_, run)| run.is_build())
        .filter_map(|(&id, run)| run.cgo.or_else(|| env_cgo(facts, id)))
        .collect();
    if let Start::GoRun { id, .. } = start {
        settings.extend(env_cgo(facts, *id));
    }
    if settings.contains(&true) {
        return Some("the Dockerfile sets `CGO_ENABLED=1`".into());
    }
    if !settings.is_empty() {
        return None;
    }
    if facts.input.context.uses_cgo() {
        return Some("a .go file in the context imports \"C\"".into());
    }
    let race = match start {
        Start::GoRun { build, .. } => build.race,
        _ => false,
    };
    if race
        || facts
            .runs
            .values()
            .flat_map(|run| &run.builds)
            .any(|(build, _)| build.race)
    {
        return Some("`-race` needs cgo".into());
    }
    facts
        .installed_packages()
        .find(|package| CGO_TOOLCHAIN.contains(package))
        .map(|package| format!("the build installs `{package}`, a C toolchain for cgo"))
}

/// The `CGO_ENABLED` an ENV or ARG sets at `id`, if any.
pub(super) fn env_cgo(facts: &Facts, id: ItemId) -> Option<bool> {
    match facts.vars_at(id).get("CGO_ENABLED").map(String::as_str) {
        Some("0") => Some(false),
        Some("1") => Some(true),
        _ => None,
    }
}
