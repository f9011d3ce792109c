//! Ecosystems restage knows and how their official base images are named: the
//! family of `python:3.12-slim`, and the slim variant of a full base.

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
    /// The tag is (partly) a build variable.
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

/// A FROM's image with what restage reads from its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    pub image: ImageRef,
    /// Set for official `python`, `golang` and `node` images.
    pub ecosystem: Option<Ecosystem>,
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
            variant: variant(image.tag.as_deref()),
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
        let tag = self.image.tag.as_deref().unwrap_or("latest");
        let slim = match (tag, self.ecosystem) {
            ("latest", _) => "slim".to_owned(),
            (_, Some(Ecosystem::Python)) => match tag.split_once('-') {
                Some((version, distro)) => format!("{version}-slim-{distro}"),
                None => format!("{tag}-slim"),
            },
            (_, Some(Ecosystem::Node)) => format!("{tag}-slim"),
            _ => return None,
        };
        Some(self.image.with_tag(&slim))
    }

    /// The Debian release the tag names, if it names one (`-bookworm`, `-slim-trixie`).
    pub fn debian(&self) -> Option<Debian> {
        let tag = self.image.tag.as_deref()?;
        tag.split('-').find_map(|part| match part {
            "stretch" | "buster" => Some(Debian::Buster),
            "bullseye" => Some(Debian::Bullseye),
            "bookworm" => Some(Debian::Bookworm),
            "trixie" => Some(Debian::Trixie),
            _ => None,
        })
    }

    /// The version part of the tag (`3.12` of `3.12-slim`), if it is one.
    pub fn version(&self) -> Option<&str> {
        let tag = self.image.tag.as_deref()?;
        let version = tag.split('-').next()?;
        version
            .starts_with(|c: char| c.is_ascii_digit())
            .then_some(version)
    }
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
    } else if parts.iter().any(|part| {
        ["windowsservercore", "nanoserver", "onbuild"]
            .iter()
            .any(|other| part.starts_with(other))
    }) {
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
        assert_eq!(base("python:3.12-alpine3.20").variant, Variant::Alpine);
        assert_eq!(base("python:3.12-slim-bookworm").variant, Variant::Slim);
        assert_eq!(base("golang:onbuild").variant, Variant::Other);
        assert_eq!(base("python:${V}").variant, Variant::Unknown);
        assert_eq!(base("node").variant, Variant::Full);
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
        assert_eq!(base("python:3.12-slim").slim(), None);
        assert_eq!(base("gcr.io/google-appengine/nodejs").slim(), None);
        assert_eq!(base("tiangolo/uwsgi-nginx-flask:python3.12").slim(), None);
        assert_eq!(base("golang:1.22").slim(), None);
        assert_eq!(
            base("python:3.12@sha256:ab").slim().as_deref(),
            Some("python:3.12-slim")
        );
    }
}
