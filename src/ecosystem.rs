//! Ecosystems restage knows and how their base images are named: the family of
//! `python:3.12-slim`, the slim variant of a full base, and the language another
//! image's name says it carries (`tiangolo/uvicorn-gunicorn-fastapi:python3.10`).

use std::fmt;

use serde::Serialize;

use crate::syntax::ImageRef;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Python,
    Go,
    Node,
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ecosystem::Python => "python",
            Ecosystem::Go => "go",
            Ecosystem::Node => "node",
        })
    }
}

/// Which flavour of an official image a tag names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The full Debian-based image with compilers (`python:3.12`, `node:20-bookworm`).
    Full,
    Slim,
    Alpine,
    /// Windows, `onbuild` and other tags restage does not rewrite around.
    Other,
    /// restage cannot tell: the tag is (partly) a build variable, or the image is not
    /// an official one, whose tags follow no convention restage knows.
    Unknown,
}

/// A Debian release that a Debian-based tag can name (`python:3.12-slim-bookworm`).
/// Stretch shares Buster's library names, the ones restage writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Debian {
    Buster,
    Bullseye,
    Bookworm,
    Trixie,
}

/// The Debian release of an image, as far as its name says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Named by the tag (`python:3.12-slim-bookworm`).
    Named(Debian),
    /// An official image whose tag names none: today's build on bookworm or trixie.
    Current,
    /// Another image that names none: it may be built on any release.
    Unknown,
}

/// A FROM's image with what restage reads from its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    pub image: ImageRef,
    /// Set for official `python`, `golang` and `node` images.
    pub ecosystem: Option<Ecosystem>,
    /// The one language another image's name says it carries: its last path
    /// component (`bitnami/python`, `gcr.io/google-appengine/nodejs`,
    /// `mhart/alpine-node`) or its tag (`tiangolo/uwsgi-nginx-flask:python3.6`).
    /// Such an image has the language's tools, but none of the official variants.
    pub named: Option<Ecosystem>,
    pub variant: Variant,
}

impl Base {
    pub fn of(image: &ImageRef) -> Base {
        let official =
            image.is_official() || image.path.ends_with(&format!("library/{}", image.name()));
        let ecosystem = match image.name() {
            "python" if official => Some(Ecosystem::Python),
            "golang" if official => Some(Ecosystem::Go),
            "node" if official => Some(Ecosystem::Node),
            _ => None,
        };
        Base {
            image: image.clone(),
            ecosystem,
            named: ecosystem.is_none().then(|| named(image)).flatten(),
            variant: match ecosystem {
                Some(_) => variant(image.tag.as_deref()),
                None => unofficial_variant(image),
            },
        }
    }

    /// The slim variant of a full base (`python:3.12-bookworm` → `python:3.12-slim-bookworm`,
    /// `node:20-bookworm` → `node:20-bookworm-slim`); `None` when there is none to take.
    pub fn slim(&self) -> Option<String> {
        // Only the official images' variants are known; another image's `:slim` tag,
        // if it has one, may be anything.
        if self.variant != Variant::Full || self.ecosystem.is_none() {
            return None;
        }
        // A digest pins the full image to one release; the slim tag of a floating one
        // may be another, whose runtime the builder's compiled modules do not fit.
        if self.image.digest.is_some() && self.floats_abi() {
            return None;
        }
        let tag = self.image.tag.as_deref().unwrap_or("latest");
        let slim = match (tag, self.ecosystem) {
            ("latest", _) => "slim".to_owned(),
            (_, Some(Ecosystem::Python)) => {
                // A release candidate's version is `3.14-rc` (`python:3.14-rc-slim`).
                let (version, distro) = match tag.split_once('-') {
                    Some((version, "rc")) => (format!("{version}-rc"), None),
                    Some((version, rest)) => match rest.strip_prefix("rc-") {
                        Some(distro) => (format!("{version}-rc"), Some(distro)),
                        None => (version.to_owned(), Some(rest)),
                    },
                    None => (tag.to_owned(), None),
                };
                match distro {
                    Some(distro) => format!("{version}-slim-{distro}"),
                    // `python:bookworm`'s slim variant is `python:slim-bookworm`.
                    None if self.debian().is_some() => format!("slim-{tag}"),
                    None => format!("{version}-slim"),
                }
            }
            (_, Some(Ecosystem::Node)) => format!("{tag}-slim"),
            _ => return None,
        };
        Some(self.image.with_tag(&slim))
    }

    /// The Debian release the tag names, if it names one (`-bookworm`, `-slim-trixie`).
    pub fn debian(&self) -> Option<Debian> {
        let tag = self.image.tag.as_deref()?;
        tag.split('-').find_map(debian_release)
    }

    /// The Debian release the image is built on, as far as its name says.
    pub fn release(&self) -> Release {
        match (self.debian(), self.ecosystem) {
            (Some(debian), _) => Release::Named(debian),
            (None, Some(_)) => Release::Current,
            (None, None) => Release::Unknown,
        }
    }

    /// Whether the tag of a python image says Python 2: a part that names Python's
    /// version says it (`tiangolo/uwsgi-nginx-flask:python2.7`, but not
    /// `azure-functions/python:2.0-python3.7`); else the tag's version is Python's where
    /// the image is named `python` (`python:2.7-slim`, `vimagick/python:2`).
    pub fn is_python_2(&self) -> bool {
        if self.ecosystem.or(self.named) != Some(Ecosystem::Python) {
            return false;
        }
        let is_2 = |version: &str| version == "2" || version.starts_with("2.");
        let tag = self.image.tag.as_deref().unwrap_or("");
        match tag.split('-').find_map(|part| part.strip_prefix("python")) {
            Some(version) => is_2(version),
            None => self.image.name() == "python" && tag.split('-').next().is_some_and(is_2),
        }
    }

    /// Whether the tag of an official image follows new releases across the version
    /// that compiled modules are built for (Python's minor version, Node's major):
    /// `python:latest`, `python:3`, `python:bookworm`, `node:lts`, `node`. Such a tag
    /// and its slim variant pair up only when both are pulled at once.
    pub fn floats_abi(&self) -> bool {
        let tag = self.image.tag.as_deref().unwrap_or("latest");
        let first = tag.split('-').next().unwrap_or("");
        // `latest`, `rc` and a bare release (`bookworm`) name the newest version.
        let alias = matches!(first, "latest" | "rc") || debian_release(first).is_some();
        match self.ecosystem {
            Some(Ecosystem::Python) => alias || self.version().is_some_and(|v| !v.contains('.')),
            Some(Ecosystem::Node) => alias || first == "lts" || first == "current",
            _ => false,
        }
    }

    /// The version part of an official image's tag (`3.12` of `3.12-slim`), if it is one.
    pub fn version(&self) -> Option<&str> {
        self.ecosystem?;
        let tag = self.image.tag.as_deref()?;
        let version = tag.split('-').next()?;
        version
            .starts_with(|c: char| c.is_ascii_digit())
            .then_some(version)
    }
}

/// The Debian release a part of a tag names (`bookworm`), if it names one.
fn debian_release(part: &str) -> Option<Debian> {
    match part {
        "stretch" | "buster" => Some(Debian::Buster),
        "bullseye" => Some(Debian::Bullseye),
        "bookworm" => Some(Debian::Bookworm),
        "trixie" => Some(Debian::Trixie),
        _ => None,
    }
}

/// The language words of an image's name, then of its tag; `None` unless exactly one
/// language is named (`nikolaik/python-nodejs` names two).
fn named(image: &ImageRef) -> Option<Ecosystem> {
    let name = image.name();
    // `go` names the language alone (`gcr.io/cloud-builders/go`) or in a tag (`go1.22`);
    // as a part of a name it more often names a tool written in it (`go-cron`).
    let by_name = languages(name, name == "go");
    let found = match by_name.as_slice() {
        [] => languages(image.tag.as_deref().unwrap_or(""), true),
        _ => by_name,
    };
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The languages the dash- or underscore-separated words of `text` name, a trailing
/// version aside (`python3.10`).
fn languages(text: &str, go_counts: bool) -> Vec<Ecosystem> {
    let language =
        |word: &str| match word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
            "python" => Some(Ecosystem::Python),
            "golang" => Some(Ecosystem::Go),
            "go" if go_counts => Some(Ecosystem::Go),
            "node" | "nodejs" => Some(Ecosystem::Node),
            _ => None,
        };
    let mut found: Vec<Ecosystem> = text.split(['-', '_']).filter_map(language).collect();
    found.dedup();
    found
}

/// Another image's tags follow no known convention; only Alpine, Windows and
/// `onbuild` in its name or tag are read.
fn unofficial_variant(image: &ImageRef) -> Variant {
    let name_and_tag = [image.name(), image.tag.as_deref().unwrap_or("")];
    let parts = || name_and_tag.iter().flat_map(|text| text.split('-'));
    if parts().any(|part| part.starts_with("alpine")) {
        Variant::Alpine
    } else if parts().any(is_other) {
        Variant::Other
    } else {
        Variant::Unknown
    }
}

fn is_other(part: &str) -> bool {
    ["windowsservercore", "nanoserver", "onbuild"]
        .iter()
        .any(|other| part.starts_with(other))
}

fn variant(tag: Option<&str>) -> Variant {
    let Some(tag) = tag else {
        return Variant::Full;
    };
    if tag.contains('$') {
        return Variant::Unknown;
    }
    let parts: Vec<&str> = tag.split('-').collect();
    if parts.iter().any(|part| part.starts_with("alpine")) {
        Variant::Alpine
    } else if parts.contains(&"slim") {
        Variant::Slim
    } else if parts.iter().any(|part| is_other(part)) {
        Variant::Other
    } else {
        Variant::Full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(raw: &str) -> Base {
        Base::of(&ImageRef::parse(raw))
    }

    #[test]
    fn families_and_variants() {
        assert_eq!(base("python:3.12").ecosystem, Some(Ecosystem::Python));
        assert_eq!(
            base("docker.io/library/node:20").ecosystem,
            Some(Ecosystem::Node)
        );
        assert_eq!(
            base("mirror.gcr.io/library/golang:1.22").ecosystem,
            Some(Ecosystem::Go)
        );
        assert_eq!(base("tiangolo/uwsgi-nginx-flask:python3.6").ecosystem, None);
        assert_eq!(base("python:3.12").named, None);
        assert_eq!(base("python:3.12-alpine3.20").variant, Variant::Alpine);
        assert_eq!(base("python:3.12-slim-bookworm").variant, Variant::Slim);
        assert_eq!(base("golang:onbuild").variant, Variant::Other);
        assert_eq!(base("python:${V}").variant, Variant::Unknown);
        assert_eq!(base("node").variant, Variant::Full);
    }

    #[test]
    fn languages_other_images_are_named_after() {
        let named = |raw| base(raw).named;
        assert_eq!(
            named("tiangolo/uwsgi-nginx-flask:python3.6"),
            Some(Ecosystem::Python)
        );
        assert_eq!(
            named("gcr.io/google_appengine/python"),
            Some(Ecosystem::Python)
        );
        assert_eq!(
            named("gcr.io/google-appengine/nodejs"),
            Some(Ecosystem::Node)
        );
        assert_eq!(named("mhart/alpine-node:4.8.3"), Some(Ecosystem::Node));
        assert_eq!(
            named("gcr.io/cloud-builders/go:debian"),
            Some(Ecosystem::Go)
        );
        assert_eq!(
            named("mcr.microsoft.com/azure-functions/python:4-python3.9-core-tools"),
            Some(Ecosystem::Python)
        );
        // Two languages, or none.
        assert_eq!(named("nikolaik/python-nodejs:python3.9-nodejs14"), None);
        assert_eq!(named("jupyter/scipy-notebook"), None);
        assert_eq!(named("continuumio/anaconda3:2020.11"), None);
        assert_eq!(named("pythonista/tools"), None);
        assert_eq!(named("example/go-cron:latest"), None);
        assert_eq!(named("example/alpine-golang:1.22"), Some(Ecosystem::Go));
        assert_eq!(named("example/builder:go1.22"), Some(Ecosystem::Go));
    }

    #[test]
    fn other_images_tags_say_little() {
        assert_eq!(base("mhart/alpine-node:4.8.3").variant, Variant::Alpine);
        assert_eq!(base("bitnami/python:3.12-alpine").variant, Variant::Alpine);
        assert_eq!(
            base("tiangolo/uwsgi-nginx-flask:python3.6").variant,
            Variant::Unknown
        );
        assert_eq!(base("example/python:onbuild").variant, Variant::Other);
        assert_eq!(base("bitnami/python:3.12").slim(), None);
        assert_eq!(base("bitnami/python:3.12").version(), None);
        assert_eq!(base("python:3.12").version(), Some("3.12"));
    }

    #[test]
    fn python_2_is_read_from_the_tag() {
        for python_2 in [
            "python:2",
            "python:2.7-slim",
            "python:2-alpine",
            "tiangolo/uwsgi-nginx-flask:python2.7",
            "vimagick/python:2",
        ] {
            assert!(base(python_2).is_python_2(), "{python_2}");
        }
        for other in [
            "python:3.12",
            "python:latest",
            "python",
            "tiangolo/uwsgi-nginx-flask:python3.6",
            "node:20",
            "golang:1.22",
            "bitnami/python:2024.1",
            "mcr.microsoft.com/azure-functions/python:2.0-python3.7",
            "tiangolo/meinheld-gunicorn:2",
        ] {
            assert!(!base(other).is_python_2(), "{other}");
        }
    }

    #[test]
    fn debian_releases_named_by_tags() {
        assert_eq!(
            base("python:3.8-slim-buster").debian(),
            Some(Debian::Buster)
        );
        assert_eq!(base("node:18-bullseye").debian(), Some(Debian::Bullseye));
        assert_eq!(base("python:3.14-trixie").debian(), Some(Debian::Trixie));
        assert_eq!(base("python:3.12").debian(), None);
        assert_eq!(base("python:3.12-alpine3.20").debian(), None);
        assert_eq!(
            base("python:3.8-slim-buster").release(),
            Release::Named(Debian::Buster)
        );
        assert_eq!(base("python:3.12").release(), Release::Current);
        assert_eq!(base("bitnami/python:3.12").release(), Release::Unknown);
    }

    #[test]
    fn slim_variants_follow_each_family_s_naming() {
        assert_eq!(
            base("python:3.12").slim().as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(
            base("python:3.12-bookworm").slim().as_deref(),
            Some("python:3.12-slim-bookworm")
        );
        assert_eq!(
            base("node:20-bookworm").slim().as_deref(),
            Some("node:20-bookworm-slim")
        );
        assert_eq!(base("node").slim().as_deref(), Some("node:slim"));
        assert_eq!(
            base("python:bookworm").slim().as_deref(),
            Some("python:slim-bookworm")
        );
        assert_eq!(
            base("python:3.14-rc").slim().as_deref(),
            Some("python:3.14-rc-slim")
        );
        assert_eq!(
            base("python:3.14-rc-bookworm").slim().as_deref(),
            Some("python:3.14-rc-slim-bookworm")
        );
        assert_eq!(
            base(&format!("python:3@sha256:{}", "a".repeat(64))).slim(),
            None
        );
        assert_eq!(
            base("node:bookworm").slim().as_deref(),
            Some("node:bookworm-slim")
        );
        assert_eq!(base("python:3.12-slim").slim(), None);
        assert_eq!(base("gcr.io/google-appengine/nodejs").slim(), None);
        assert_eq!(base("tiangolo/uwsgi-nginx-flask:python3.12").slim(), None);
        assert_eq!(base("golang:1.22").slim(), None);
        assert_eq!(
            base("python:3.12@sha256:ab").slim().as_deref(),
            Some("python:3.12-slim")
        );
    }

    #[test]
    fn floating_tags_are_those_that_cross_the_compiled_modules_version() {
        for floating in [
            "python",
            "python:latest",
            "python:3",
            "python:3-bookworm",
            "python:bookworm",
            "python:rc",
            "node",
            "node:lts",
            "node:current-bookworm",
            "node:bookworm",
        ] {
            assert!(base(floating).floats_abi(), "{floating}");
        }
        for pinned in [
            "python:3.12",
            "python:3.12.4-bookworm",
            "node:20",
            "node:20-bookworm",
            "node:iron",
            "golang:latest",
            "bitnami/python:latest",
        ] {
            assert!(!base(pinned).floats_abi(), "{pinned}");
        }
    }
}
