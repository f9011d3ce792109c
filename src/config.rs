//! `restage.toml`: the transformer options a repository can set for itself. The nearest
//! file upward from each Dockerfile's folder applies (no merging of several files); a
//! choice made on the command line wins over it. Lookups are cached per folder, so a
//! batch reads each configuration file once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use restage::ecosystem::Ecosystem;
use restage::recent::RecentFolders;
use restage::syntax::ParseError;
use restage::transform::{GoFinal, Options};

use crate::walk::io_message;

pub const FILE_NAME: &str = "restage.toml";

/// The keys of `restage.toml`. Unknown keys are an error, so a typo does not pass silently.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default, deserialize_with = "go_final")]
    pub go_final: Option<GoFinal>,
    pub slim: Option<bool>,
    #[serde(default, deserialize_with = "ecosystem")]
    pub ecosystem: Option<Ecosystem>,
    pub serve_static: Option<bool>,
}

fn go_final<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<GoFinal>, D::Error> {
    let name = String::deserialize(deserializer)?;
    name.parse().map(Some).map_err(serde::de::Error::custom)
}

fn ecosystem<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Ecosystem>, D::Error> {
    let name = String::deserialize(deserializer)?;
    <Ecosystem as clap::ValueEnum>::from_str(&name, true)
        .map(Some)
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown ecosystem `{name}`, expected python, go or node"
            ))
        })
}

/// The options given on the command line; `None` leaves the choice to the configuration.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub go_final: Option<GoFinal>,
    pub slim: Option<bool>,
    pub ecosystem: Option<Ecosystem>,
    pub serve_static: Option<bool>,
}

impl Overrides {
    /// The options for a file under `config` (if any): the command line first, then the
    /// file, then restage's defaults.
    pub fn resolve(&self, config: Option<&Config>) -> Options {
        let config = config.cloned().unwrap_or_default();
        let defaults = Options::default();
        Options {
            go_final: self
                .go_final
                .clone()
                .or(config.go_final)
                .unwrap_or(defaults.go_final),
            slim: self.slim.or(config.slim).unwrap_or(defaults.slim),
            ecosystem: self.ecosystem.or(config.ecosystem).or(defaults.ecosystem),
            serve_static: self
                .serve_static
                .or(config.serve_static)
                .unwrap_or(defaults.serve_static),
        }
    }
}

/// A `restage.toml` that could not be used.
#[derive(Clone, Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text, for showing where the error is; `None` when it could not be
    /// read, and the error is the reason (there is no place in it to show).
    pub source: Option<Vec<u8>>,
    pub error: ParseError,
}

type Found = Result<Option<Arc<Config>>, Arc<ConfigError>>;

/// How many folders a [`Finder`] remembers: enough for the folders of a walk's current
/// path and their neighbours.
const REMEMBERED: usize = 64;

/// Finds and reads configuration files, once per folder (of the recent ones).
#[derive(Debug, Default)]
pub struct Finder {
    by_dir: RecentFolders<Found, REMEMBERED>,
    /// The working folder, asked for once: relative folders are taken from it.
    cwd: OnceLock<Option<PathBuf>>,
}

impl Finder {
    /// The configuration that applies to files in `dir`: the nearest `restage.toml` in
    /// `dir` or a folder above it.
    pub fn for_dir(&self, dir: &Path) -> Found {
        self.for_absolute_dir(&self.absolute(dir))
    }

    /// [`Finder::for_dir`] for a folder already made absolute (its parents are too).
    fn for_absolute_dir(&self, dir: &Path) -> Found {
        self.by_dir.get_or_make(dir, || {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                read(&candidate)
                    .map(|config| Some(Arc::new(config)))
                    .map_err(Arc::new)
            } else {
                match dir.parent() {
                    Some(parent) => self.for_absolute_dir(parent),
                    None => Ok(None),
                }
            }
        })
    }

    /// `dir` as [`std::path::absolute`] makes it, without asking the system for the
    /// working folder each time. A path with `..` in it is resolved by the system
    /// instead: `absolute` keeps the `..` (`/w/here/../proj`), whose parents would lead
    /// the search up through `/w/here`, a folder the file is not in.
    fn absolute(&self, dir: &Path) -> PathBuf {
        let cwd = self
            .cwd
            .get_or_init(|| std::env::current_dir().ok())
            .as_deref();
        let joined = match cwd {
            Some(cwd) if dir.is_relative() => cwd.join(dir),
            _ => dir.to_owned(),
        };
        let climbs = joined
            .components()
            .any(|part| part == std::path::Component::ParentDir);
        let resolved = if climbs {
            std::fs::canonicalize(&joined)
        } else {
            std::path::absolute(&joined)
        };
        resolved.unwrap_or(joined)
    }
}

fn read(path: &Path) -> Result<Config, ConfigError> {
    let fail = |source: Option<Vec<u8>>, error: ParseError| ConfigError {
        path: path.to_owned(),
        source,
        error,
    };
    let source =
        std::fs::read(path).map_err(|error| fail(None, ParseError::new(io_message(&error), 0)))?;
    let text = std::str::from_utf8(&source).map_err(|error| {
        fail(
            Some(source.clone()),
            ParseError::new(format!("{FILE_NAME} is not UTF-8"), error.valid_up_to()),
        )
    })?;
    toml::from_str(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let message = format!("invalid {FILE_NAME}: {}", error.message());
        let parse_error = ParseError::new(message, offset)
            .with_hint("the keys are go-final (a string), slim (true or false), ecosystem (python, go or node) and serve-static (true or false)");
        fail(Some(source.clone()), parse_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_applies_and_the_command_line_wins() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join(FILE_NAME),
            "go-final = \"scratch\"\nslim = false\nserve-static = true\n",
        )
        .unwrap();
        let nested = root.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let finder = Finder::default();
        let config = finder.for_dir(&nested).unwrap().unwrap();
        assert_eq!(config.go_final, Some(GoFinal::Scratch));

        let options = Overrides::default().resolve(Some(&config));
        assert_eq!((options.go_final, options.slim), (GoFinal::Scratch, false));
        assert!(options.serve_static);

        let cli = Overrides {
            go_final: Some(GoFinal::Image("gcr.io/distroless/base".into())),
            slim: Some(true),
            ecosystem: Some(Ecosystem::Go),
            serve_static: None,
        };
        let options = cli.resolve(Some(&config));
        assert_eq!(
            options.go_final,
            GoFinal::Image("gcr.io/distroless/base".into())
        );
        assert!(options.slim);
        assert_eq!(options.ecosystem, Some(Ecosystem::Go));
    }

    #[test]
    fn an_unknown_key_is_located() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(
            root.path().join(FILE_NAME),
            "slim = true\ngo_final = \"x\"\n",
        )
        .unwrap();
        let error = Finder::default().for_dir(root.path()).unwrap_err();
        assert!(
            error.error.message.contains("unknown field"),
            "{}",
            error.error.message
        );
        assert_eq!(error.error.offset, 12);
    }

    #[test]
    fn a_go_final_that_is_no_image_is_located() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(FILE_NAME), "go-final = \"bad image!\"\n").unwrap();
        let error = Finder::default().for_dir(root.path()).unwrap_err();
        assert!(
            error.error.message.contains("is not an image reference"),
            "{}",
            error.error.message
        );
        assert_eq!(error.error.offset, 11);
    }

    #[test]
    fn the_finder_forgets_old_folders_and_still_finds_the_file() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join(FILE_NAME), "slim = false\n").unwrap();
        let finder = Finder::default();
        for index in 0..REMEMBERED + 10 {
            let dir = root.path().join(format!("repo{index}"));
            let config = finder.for_dir(&dir).unwrap().unwrap();
            assert_eq!(config.slim, Some(false));
            assert!(finder.by_dir.folders() <= REMEMBERED);
        }
    }
}
