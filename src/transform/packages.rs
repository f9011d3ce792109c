//! System packages in RUN commands: which installs are build-only (compilers, headers)
//! and which runtime libraries a `-dev` package implies in a slim final image.

use super::{Input, shell};
use crate::ecosystem::{Debian, Release, Variant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manager {
    Apt,
    Apk,
}

impl Manager {
    /// The system package manager of the stage's image: apk on Alpine, apt on the
    /// Debian-based variants, and on an image whose variant restage cannot tell (another
    /// than an official image, a tag that is a variable), the one the stage's own RUNs
    /// install with (apt if they install nothing).
    pub fn of(input: &Input) -> Manager {
        match input.stage.base.variant {
            Variant::Alpine => Manager::Apk,
            Variant::Full | Variant::Slim => Manager::Apt,
            Variant::Other | Variant::Unknown => shell::shell_runs(input)
                .find_map(|(_, line)| installs(&line).first().map(|install| install.manager))
                .unwrap_or(Manager::Apt),
        }
    }
}

/// An `apt-get install` or `apk add` with its package names (options dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    pub manager: Manager,
    pub packages: Vec<String>,
}

/// The package installs among a shell command line's simple commands.
pub fn installs(line: &str) -> Vec<Install> {
    shell::commands(line)
        .into_iter()
        .filter_map(|command| install_in(&shell::words(command)))
        .collect()
}

/// The install a simple command's words make, if they make one.
pub fn install_in(words: &[String]) -> Option<Install> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let (manager, rest) = match words.as_slice() {
        ["apt-get" | "apt", "install", rest @ ..] => (Manager::Apt, rest),
        ["apk", "add", rest @ ..] => (Manager::Apk, rest),
        _ => return None,
    };
    let mut packages = Vec::new();
    let mut skip_next = false;
    for word in rest {
        if skip_next {
            skip_next = false;
        } else if *word == "--virtual" || *word == "-t" {
            skip_next = true;
        } else if !word.starts_with('-') {
            // A word no package is named like (a stray `\\`, a redirection) is not
            // an install restage can read, let alone write again.
            if !word.chars().all(is_package_char) {
                return None;
            }
            // The name without its version constraint (`=1.2`, `>=1`, `~1.2`).
            let name = word.split(['=', '<', '>', '~']).next().unwrap_or(word);
            packages.push(name.to_owned());
        }
    }
    Some(Install { manager, packages })
}

/// What Debian's and Alpine's package names, versions, architectures, repository tags
/// and version constraints are written with, and the `${VARIABLE}` that stands for some.
fn is_package_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+-._:=~@/<>*${}".contains(c)
}

/// A package only the build needs: compilers, build tools, headers.
pub fn is_build_only(package: &str) -> bool {
    TOOLS.contains(&package) || package.ends_with("-dev") || package.ends_with("-devel")
}

/// Compilers, build tools and the headers of the C library and the kernel.
const TOOLS: &[&str] = &[
    "gcc",
    "g++",
    "make",
    "cmake",
    "build-essential",
    "build-base",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
    "pkg-config",
    "pkgconf",
    "autoconf",
    "automake",
    "libtool",
    "cargo",
    "rust",
    "gfortran",
    "clang",
    "linux-headers",
    "python3-dev",
    "python-dev",
];

/// `-dev` packages that are headers alone, of code compiled into what includes them:
/// nothing to link at run time.
const HEADER_ONLY: &[&str] = &[
    "linux-libc-dev",
    "libeigen3-dev",
    "eigen-dev",
    "pybind11-dev",
    "rapidjson-dev",
    "nlohmann-json3-dev",
    "nlohmann-json",
    "libglm-dev",
    "glm-dev",
    "libboost-dev",
];

/// The headers of a library (`libxext-dev`), as opposed to a build tool or headers
/// alone: what the build links against has a runtime package of its own, which the
/// final image needs.
pub fn is_library_headers(package: &str) -> bool {
    (package.ends_with("-dev") || package.ends_with("-devel"))
        && !TOOLS.contains(&package)
        && !HEADER_ONLY.contains(&package)
}

/// The runtime library a `-dev` package's build links against, for the final image.
pub fn runtime_for(package: &str, manager: Manager) -> Option<&'static str> {
    let apt = [
        ("libpq-dev", "libpq5"),
        ("default-libmysqlclient-dev", "libmariadb3"),
        ("libmariadb-dev", "libmariadb3"),
        ("libmariadb-dev-compat", "libmariadb3"),
        ("libmysqlclient-dev", "libmariadb3"),
        ("libjpeg-dev", "libjpeg62-turbo"),
        ("libjpeg62-turbo-dev", "libjpeg62-turbo"),
        ("libpng-dev", "libpng16-16"),
        ("libxml2-dev", "libxml2"),
        ("libxslt1-dev", "libxslt1.1"),
        ("libxslt-dev", "libxslt1.1"),
        ("libffi-dev", "libffi8"),
        ("libssl-dev", "libssl3"),
        ("libyaml-dev", "libyaml-0-2"),
        ("libldap2-dev", "libldap-2.5-0"),
        ("libsasl2-dev", "libsasl2-2"),
        ("libgeos-dev", "libgeos-c1v5"),
        ("libmagic-dev", "libmagic1"),
        ("zlib1g-dev", "zlib1g"),
        ("libfreetype6-dev", "libfreetype6"),
        ("libtiff-dev", "libtiff6"),
        ("libwebp-dev", "libwebp7"),
        ("libcurl4-openssl-dev", "libcurl4"),
        ("libsqlite3-dev", "libsqlite3-0"),
        ("libgdal-dev", "gdal-bin"),
        ("libopenblas-dev", "libopenblas0"),
        ("liblapack-dev", "liblapack3"),
        ("freetds-dev", "libsybdb5"),
        ("libkrb5-dev", "libkrb5-3"),
        ("libsnappy-dev", "libsnappy1v5"),
        ("libzstd-dev", "libzstd1"),
        ("libmagickwand-dev", "libmagickwand-6.q16-6"),
        ("libmagickwand-6.q16-dev", "libmagickwand-6.q16-6"),
        // The C++ runtime is in every Debian image already; Fortran's is not.
        ("gfortran", "libgfortran5"),
    ];
    let apk = [
        ("postgresql-dev", "libpq"),
        ("libpq-dev", "libpq"),
        ("mariadb-dev", "mariadb-connector-c"),
        ("mariadb-connector-c-dev", "mariadb-connector-c"),
        ("jpeg-dev", "libjpeg-turbo"),
        ("libjpeg-turbo-dev", "libjpeg-turbo"),
        ("zlib-dev", "zlib"),
        ("libxml2-dev", "libxml2"),
        ("libxslt-dev", "libxslt"),
        ("libffi-dev", "libffi"),
        // `openssl` pulls the libssl of its own Alpine release (libssl1.1 before 3.17).
        ("openssl-dev", "openssl"),
        ("yaml-dev", "yaml"),
        ("freetype-dev", "freetype"),
        ("libpng-dev", "libpng"),
        ("geos-dev", "geos"),
        ("openblas-dev", "openblas"),
        ("lapack-dev", "lapack"),
        ("freetds-dev", "freetds"),
        ("cyrus-sasl-dev", "libsasl"),
        ("krb5-dev", "krb5-libs"),
        ("snappy-dev", "snappy"),
        ("zstd-dev", "zstd-libs"),
        // What C++ and Fortran code links against; Alpine's base image has neither.
        ("g++", "libstdc++"),
        ("build-base", "libstdc++"),
        ("gfortran", "libgfortran"),
    ];
    let table: &[(&str, &str)] = match manager {
        Manager::Apt => &apt,
        Manager::Apk => &apk,
    };
    table
        .iter()
        .find(|(dev, _)| *dev == package)
        .map(|(_, runtime)| *runtime)
}

/// Runtime libraries whose Debian package was renamed between releases: bookworm's
/// name (the one [`runtime_for`] gives) and the names in buster, bullseye, bookworm and
/// trixie. Trixie's 64-bit time_t renames (`libssl3t64`) provide the old name, which
/// apt installs them by, so they need no entry.
const RENAMED: &[(&str, [&str; 4])] = &[
    ("libffi8", ["libffi6", "libffi7", "libffi8", "libffi8"]),
    ("libssl3", ["libssl1.1", "libssl1.1", "libssl3", "libssl3"]),
    (
        "libldap-2.5-0",
        [
            "libldap-2.4-2",
            "libldap-2.4-2",
            "libldap-2.5-0",
            "libldap2",
        ],
    ),
    ("libtiff6", ["libtiff5", "libtiff5", "libtiff6", "libtiff6"]),
    ("libwebp7", ["libwebp6", "libwebp6", "libwebp7", "libwebp7"]),
    // ImageMagick 7 from trixie on.
    (
        "libmagickwand-6.q16-6",
        [
            "libmagickwand-6.q16-6",
            "libmagickwand-6.q16-6",
            "libmagickwand-6.q16-6",
            "libmagickwand-7.q16-10",
        ],
    ),
];

/// A Debian runtime library's package name in `release`. An official tag that names
/// no release (today's images build on bookworm or trixie) gets the name both share,
/// another image's the name every release shares; the error says why there is none.
pub fn debian_name(library: &'static str, release: Release) -> Result<&'static str, String> {
    let Some((_, names)) = RENAMED.iter().find(|(name, _)| *name == library) else {
        return Ok(library);
    };
    let bookworm = names[Debian::Bookworm as usize];
    let trixie = names[Debian::Trixie as usize];
    match release {
        Release::Named(release) => Ok(names[release as usize]),
        Release::Current if bookworm == trixie => Ok(bookworm),
        Release::Current => Err(format!(
            "the final stage needs the runtime library that Debian bookworm calls `{bookworm}` and trixie `{trixie}`, and the tag names no release (add one, as in `python:3.12-bookworm`)"
        )),
        Release::Unknown if names.iter().all(|name| *name == bookworm) => Ok(bookworm),
        Release::Unknown => {
            let mut distinct = names.to_vec();
            distinct.dedup();
            Err(format!(
                "the final stage needs the runtime library that Debian releases name differently (`{}`), and the base image's name does not say which release it is built on",
                distinct.join("`, `")
            ))
        }
    }
}

/// A runtime package's name in the final image: apt's name in the Debian `release` (see
/// [`debian_name`]), apk's as it is.
pub fn release_name(
    library: &'static str,
    manager: Manager,
    release: Release,
) -> Result<&'static str, String> {
    match manager {
        Manager::Apt => debian_name(library, release),
        Manager::Apk => Ok(library),
    }
}

/// A RUN line that installs `packages` in a final image of `manager`'s distribution.
pub fn install_line(manager: Manager, packages: &[&str]) -> String {
    let list = packages.join(" ");
    match manager {
        Manager::Apt => format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {list} && rm -rf /var/lib/apt/lists/*"
        ),
        Manager::Apk => format!("RUN apk add --no-cache {list}"),
    }
}

/// `line`, a RUN that [`install_line`] wrote for apt, installing `more` packages too.
pub fn extend_install_line(line: &str, more: &[&str]) -> Option<String> {
    let [install] = installs(line.strip_prefix("RUN ")?).try_into().ok()?;
    let mut names: Vec<&str> = install.packages.iter().map(String::as_str).collect();
    if install.manager != Manager::Apt || install_line(Manager::Apt, &names) != line {
        return None;
    }
    names.extend(
        more.iter()
            .filter(|name| !install.packages.iter().any(|p| p == *name)),
    );
    Some(install_line(Manager::Apt, &names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_installs_and_their_packages() {
        let found = installs(
            "apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev=15 && rm -rf /x",
        );
        assert_eq!(
            found,
            vec![Install {
                manager: Manager::Apt,
                packages: vec!["gcc".into(), "libpq-dev".into()]
            }]
        );
        let virtual_group = installs("apk add --no-cache --virtual .build-deps gcc musl-dev");
        assert_eq!(virtual_group[0].packages, vec!["gcc", "musl-dev"]);
        let spelled = installs("apk add git@edge libc6:armhf ${BUILD_DEPS} 'py3-pip>=23'");
        assert_eq!(
            spelled[0].packages,
            vec!["git@edge", "libc6:armhf", "${BUILD_DEPS}", "py3-pip"]
        );
        // `g++ \\` at the end of a line is an escaped backslash, not a continuation.
        assert_eq!(installs("apk add make g++ \\\\"), vec![]);
    }

    #[test]
    fn build_only_and_runtime_counterparts() {
        assert!(is_build_only("build-essential") && is_build_only("libffi-dev"));
        assert!(!is_build_only("curl") && !is_build_only("libpq5"));
        assert!(is_library_headers("libxext-dev") && !is_library_headers("musl-dev"));
        assert!(!is_library_headers("libeigen3-dev") && is_build_only("libeigen3-dev"));
        assert_eq!(runtime_for("libpq-dev", Manager::Apt), Some("libpq5"));
        assert_eq!(runtime_for("postgresql-dev", Manager::Apk), Some("libpq"));
        assert_eq!(runtime_for("openssl-dev", Manager::Apk), Some("openssl"));
        assert_eq!(runtime_for("gcc", Manager::Apt), None);
    }

    #[test]
    fn restage_s_own_install_lines_take_more_packages() {
        let line = install_line(Manager::Apt, &["libpq5"]);
        assert_eq!(
            extend_install_line(&line, &["curl", "libpq5"]),
            Some(install_line(Manager::Apt, &["libpq5", "curl"]))
        );
        assert_eq!(
            extend_install_line("RUN apt-get install -y libpq5", &["curl"]),
            None
        );
        assert_eq!(
            extend_install_line(&install_line(Manager::Apk, &["libpq"]), &["curl"]),
            None
        );
    }

    #[test]
    fn runtime_libraries_by_debian_release() {
        assert_eq!(
            debian_name("libffi8", Release::Named(Debian::Buster)),
            Ok("libffi6")
        );
        assert_eq!(
            debian_name("libssl3", Release::Named(Debian::Bullseye)),
            Ok("libssl1.1")
        );
        assert_eq!(
            debian_name("libldap-2.5-0", Release::Named(Debian::Trixie)),
            Ok("libldap2")
        );
        assert_eq!(
            debian_name("libpq5", Release::Named(Debian::Buster)),
            Ok("libpq5")
        );
        assert_eq!(
            debian_name("libmagickwand-6.q16-6", Release::Named(Debian::Trixie)),
            Ok("libmagickwand-7.q16-10")
        );
        assert!(debian_name("libmagickwand-6.q16-6", Release::Current).is_err());
        assert_eq!(debian_name("libffi8", Release::Current), Ok("libffi8"));
        assert!(debian_name("libldap-2.5-0", Release::Current).is_err());
        // Another image may be built on any release.
        assert_eq!(debian_name("libpq5", Release::Unknown), Ok("libpq5"));
        assert!(debian_name("libffi8", Release::Unknown).is_err());
    }
}
