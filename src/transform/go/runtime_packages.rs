//! The packages the final stage needs at run time: an Alpine final stage installs them
//! (with CA certificates, and time zones where the original has them); any other final
//! image must do without, so the file declines when the app may need one. Build tools,
//! compilers and headers stay in the builder; a cgo build's headers become the runtime
//! libraries they link.

use crate::analyze::ItemId;
use crate::transform::Decision;
use crate::transform::packages::{self, Manager};
use crate::transform::shell::one_line;

use super::cgo::CGO_TOOLCHAIN;
use super::facts::Facts;
use super::image::{FinalImage, Kind};

/// Packages a Go build needs and the app does not (besides compilers and headers).
const BUILD_TOOLS: &[&str] = &[
    "git",
    "mercurial",
    "subversion",
    "bzr",
    "make",
    "curl",
    "wget",
    "upx",
    "upx-ucl",
    "protobuf",
    "protobuf-compiler",
    "protoc",
    "unzip",
    "xz-utils",
    "tar",
    "openssh-client",
    "bash",
    "gnupg",
    "binutils",
    "file",
    "patch",
    "zip",
    "ca-certificates",
    "tzdata",
];

/// The packages an Alpine final stage installs (`None` for other final images), or why
/// the packages the original installed cannot be had in the final image.
pub(super) fn final_packages(
    facts: &Facts,
    image: &FinalImage,
    cgo: bool,
    decisions: &mut Vec<Decision>,
) -> Result<Option<Vec<String>>, String> {
    let installed = Installed::read(facts, cgo)?;
    if image.kind != Kind::Alpine {
        installed.check_preinstalled(facts, image)?;
        if image.kind == Kind::Scratch && facts.has_time_zones() {
            decisions.push(Decision::new(
                "/usr/share/zoneinfo copied from the builder",
                "the original has time zone files (tzdata), and scratch has none",
            ));
        }
        return Ok(None);
    }
    let list = installed.apk_list(facts.has_time_zones())?;
    decisions.push(Decision::new(
        format!("`apk add --no-cache {}` in the final stage", list.join(" ")),
        "Alpine has no CA certificates by default; the rest are what the app uses at run time",
    ));
    Ok(Some(list))
}

/// What the original's RUNs install, sorted for the final stage.
struct Installed {
    /// Packages the app may need at run time, with the RUN that installs each.
    runtime: Vec<(String, Manager, ItemId)>,
    /// Runtime libraries of the headers a cgo build links, with those headers.
    libraries: Vec<(String, Manager, String)>,
}

impl Installed {
    /// Sorts every installed package: build-only ones are left out, the headers of a cgo
    /// build become their runtime libraries, the rest is runtime; an error when a
    /// header's library is unknown.
    fn read(facts: &Facts, cgo: bool) -> Result<Installed, String> {
        let mut installed = Installed {
            runtime: Vec::new(),
            libraries: Vec::new(),
        };
        let last_build = facts.last_build();
        for (&id, run) in &facts.runs {
            // After the build, what a RUN installs is for the app, whatever it is.
            let after_build = last_build.is_some_and(|build| id > build);
            for install in &run.installs {
                for package in &install.packages {
                    let package = package.as_str();
                    let for_app = after_build && !matches!(package, "ca-certificates" | "tzdata");
                    if cgo && is_linked_header(package) {
                        let Some(library) = packages::runtime_for(package, install.manager) else {
                            return Err(format!(
                                "the cgo build links `{package}`, and restage cannot tell which runtime library the final image needs for it"
                            ));
                        };
                        installed.libraries.push((
                            library.to_owned(),
                            install.manager,
                            package.to_owned(),
                        ));
                    } else if for_app || !is_build_only(package) {
                        installed
                            .runtime
                            .push((package.to_owned(), install.manager, id));
                    }
                }
            }
        }
        Ok(installed)
    }

    /// An error when a final image that installs nothing lacks what the app may need.
    fn check_preinstalled(&self, facts: &Facts, image: &FinalImage) -> Result<(), String> {
        if let Some((package, _, id)) = self.runtime.first() {
            return Err(format!(
                "`{}` installs `{package}`, which the app may need at run time, and restage cannot install it in {}",
                one_line(facts.input.analysis.text(*id)),
                image.describe()
            ));
        }
        let missing = self
            .libraries
            .iter()
            .find(|(library, _, _)| !(image.kind == Kind::Distroless && library == "libssl3"));
        if let Some((library, _, package)) = missing {
            return Err(format!(
                "the cgo build links `{package}`, and its runtime library `{library}` is not in {}",
                image.image
            ));
        }
        Ok(())
    }

    /// The `apk add` list: CA certificates, time zones when the original has them,
    /// then the runtime packages and libraries; an error for a Debian package.
    fn apk_list(&self, time_zones: bool) -> Result<Vec<String>, String> {
        let mut list = vec!["ca-certificates".to_owned()];
        if time_zones {
            list.push("tzdata".into());
        }
        let runtime = self
            .runtime
            .iter()
            .map(|(package, manager, _)| (package, manager));
        let libraries = self
            .libraries
            .iter()
            .map(|(library, manager, _)| (library, manager));
        for (package, manager) in runtime.chain(libraries) {
            if *manager != Manager::Apk {
                return Err(format!(
                    "the app needs the Debian package `{package}` at run time, and restage cannot tell its Alpine name"
                ));
            }
            if !list.contains(package) {
                list.push(package.clone());
            }
        }
        Ok(list)
    }
}

/// A C header package a cgo build links, whose runtime library the app needs.
fn is_linked_header(package: &str) -> bool {
    package.ends_with("-dev") && !CGO_TOOLCHAIN.contains(&package) && package != "linux-headers"
}

/// A package only the build needs: tools, compilers and cross toolchains.
fn is_build_only(package: &str) -> bool {
    packages::is_build_only(package)
        || BUILD_TOOLS.contains(&package)
        || package.starts_with("gcc-")
        || package.starts_with("g++-")
        || package.contains("-cross")
}
