//! The system packages the final stage installs for the app to run: the runtime
//! libraries that the build's `-dev` packages and its linking requirements imply, and
//! the packages a build's system install had that are not build-only. The final stage
//! starts afresh from its base (a slim one, often), so it needs them either way.
//!
//! Which package is build-only, and a library's name in each Debian release, are
//! `transform::packages`' business; where the install line goes is the plan's.

use crate::ecosystem::Release;
use crate::transform::Decision;
use crate::transform::packages::{self, Install};

/// Requirements that link a system library the slim image lacks, and that library.
/// (uWSGI has no wheels: built on a full image it finds libxml2's headers and links it;
/// python-magic and psycopg 3 load libmagic and libpq at run time; LightGBM's wheels
/// link the system's OpenMP runtime, which the full image has through gcc; GitPython
/// runs the `git` program, which the full image has and the slim one lacks; Wand loads
/// ImageMagick's MagickWand library, which the full image has through its `-dev` package.)
const LINKED: &[(&str, &str)] = &[
    ("psycopg2", "libpq5"),
    ("psycopg", "libpq5"),
    ("lightgbm", "libgomp1"),
    ("mysqlclient", "libmariadb3"),
    ("python-ldap", "libldap-2.5-0"),
    ("uwsgi", "libxml2"),
    ("python-magic", "libmagic1"),
    ("pycurl", "libcurl4"),
    ("gitpython", "git"),
    ("wand", "libmagickwand-6.q16-6"),
];

/// A package the final stage installs because a build's system install had it.
pub struct RuntimePackage {
    pub name: String,
    /// The `-dev` package whose runtime library this is; `None` for a package the build
    /// installed itself that is not build-only.
    pub library_of: Option<String>,
}

/// Runtime packages the final stage needs from a build's system installs: the
/// libraries `-dev` packages imply (by their name in the final image's Debian
/// `release`), and packages that are not build-only.
pub fn runtime_packages(
    installs: &[Install],
    release: Release,
) -> Result<Vec<RuntimePackage>, String> {
    let mut runtime = Vec::new();
    for install in installs {
        for package in &install.packages {
            if let Some(library) = packages::runtime_for(package, install.manager) {
                runtime.push(RuntimePackage {
                    name: packages::release_name(library, install.manager, release)?.to_owned(),
                    library_of: Some(package.clone()),
                });
            } else if packages::is_library_headers(package) {
                return Err(format!(
                    "`{package}` holds the headers of a library whose runtime package restage does not know: what the build links against would be missing from the final stage"
                ));
            } else if !packages::is_build_only(package) {
                runtime.push(RuntimePackage {
                    name: package.clone(),
                    library_of: None,
                });
            }
        }
    }
    Ok(runtime)
}

/// Why the final stage installs each runtime library among `runtime`.
pub fn library_decisions(runtime: &[RuntimePackage]) -> impl Iterator<Item = Decision> + '_ {
    runtime.iter().filter_map(|package| {
        let dev = package.library_of.as_ref()?;
        Some(Decision::new(
            format!("`{}` installed in the final stage", package.name),
            format!("the runtime library of `{dev}`, which the build links against"),
        ))
    })
}

/// Libraries that the requirements `names` (as [`normalized`](super::pip::normalized))
/// link against and a `slim` final image lacks (Debian names, in `release`).
pub fn linked_libraries(
    names: &[String],
    slim: bool,
    release: Release,
) -> Result<Vec<String>, String> {
    LINKED
        .iter()
        .filter(|(package, _)| slim && names.iter().any(|name| name == package))
        .map(|(_, library)| packages::debian_name(library, release).map(str::to_owned))
        .collect()
}
