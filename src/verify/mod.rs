//! `restage verify`: proves a rewrite with the user's own Docker engine. The original
//! Dockerfile and restage's rewrite of it (kept in memory, written to a temporary file
//! outside the build context) are built from the same context, their sizes compared,
//! and a container of each run under one check to see that they behave the same.
//!
//! This module holds the arguments and the sequence of steps; [`docker`] talks to the
//! engine, [`behaviour`] defines the checks and the verdict, [`report`] the output,
//! [`cleanup`] removes what was made.

mod argv;
mod behaviour;
mod cleanup;
mod docker;
mod health;
mod http;
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::analyze::Analysis;
use crate::context::BuildContext;
use crate::diagnostic::Diagnostic;
use crate::ecosystem::{Base, Ecosystem, Variant};
use crate::syntax;
use crate::transform::{self, GoFinal, Options, Outcome, Rewrite};

pub use behaviour::{Check, Observation, Verdict};
pub use docker::{Builder, LABEL};
pub use http::Target;
pub use report::{Report, Status};

/// Arguments of `restage verify`.
#[derive(Clone, Debug, clap::Args)]
pub struct VerifyArgs {
    /// The Dockerfile to verify, or a folder holding one named `Dockerfile`.
    pub path: PathBuf,

    /// The build context [default: the Dockerfile's folder].
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Run CMD in each image and compare stdout and exit code. CMD replaces the image's
    /// CMD (its ENTRYPOINT stays) and is split into words like a shell would, but no
    /// shell runs it; write `sh -c '…'` for pipes or variables in images that have one.
    #[arg(long, value_name = "CMD", conflicts_with = "http")]
    pub smoke: Option<String>,

    /// Publish PORT on 127.0.0.1, wait until each container answers GET /path
    /// (default `/`), and compare status and body.
    #[arg(long, value_name = "PORT[/PATH]")]
    pub http: Option<Target>,

    /// Text that both answers (--http) or outputs (--smoke) must contain.
    #[arg(long, value_name = "TEXT")]
    pub expect: Option<String>,

    /// Without --smoke or --http: how long each container must keep running (or exit 0
    /// before).
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub run_seconds: u64,

    /// How long --http waits for an answer and --smoke for its command.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,

    /// Keep the images, containers and the rewritten Dockerfile (their names are shown).
    #[arg(long)]
    pub keep: bool,

    /// Output format: a short text block, or one JSON object.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// How to build.
    #[arg(long, value_enum, env = "RESTAGE_BUILDER", default_value_t = Builder::Classic)]
    pub builder: Builder,

    /// The docker client to run.
    #[arg(
        long,
        value_name = "PROGRAM",
        env = "RESTAGE_DOCKER",
        default_value = "docker"
    )]
    pub docker: PathBuf,

    /// Build both images without the engine's build cache.
    #[arg(long)]
    pub no_cache: bool,

    /// Passed to both builds as `--build-arg`.
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,

    /// Final image of a Go rewrite: distroless, scratch, alpine or any image.
    #[arg(long, value_name = "IMAGE")]
    pub go_final: Option<GoFinal>,

    /// Keep a full python/node base in the final stage instead of its slim variant.
    #[arg(long)]
    pub no_slim: bool,

    /// Rewrite as this ecosystem even when the base image does not say so.
    #[arg(long, value_enum)]
    pub ecosystem: Option<Ecosystem>,

    /// Serve a Node front end's built files from nginx instead of its own server.
    #[arg(long)]
    pub serve_static: bool,

    /// Show the builds' output as they run.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs the verification and prints its report; the exit code is 0 when both images
/// behave the same, 1 when they do not, 2 when nothing could be compared.
pub fn run(args: &VerifyArgs) -> ExitCode {
    let report = verify(args);
    let shown = match args.format {
        Format::Text => report.text(),
        Format::Json => report.json() + "\n",
    };
    let written = match (args.format, report.status) {
        (Format::Text, Status::Declined | Status::Error) => {
            std::io::stderr().write_all(shown.as_bytes())
        }
        _ => std::io::stdout().write_all(shown.as_bytes()),
    };
    match written {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::from(2),
        _ => report.status.exit_code(),
    }
}

/// The whole verification; every failure ends up in the report.
pub fn verify(args: &VerifyArgs) -> Report {
    let dockerfile = if args.path.is_dir() {
        args.path.join("Dockerfile")
    } else {
        args.path.clone()
    };
    let mut report = Report::new(dockerfile.display().to_string());
    let (status, message) = match verify_steps(args, &dockerfile, &mut report) {
        Ok(ending) | Err(ending) => ending,
    };
    report.finish(status, message)
}

/// How a verification ends: the report's status and message.
type Ending = (Status, String);

fn failed(message: impl Into<String>) -> Ending {
    (Status::Error, message.into())
}

/// The steps in order, each filling in `report`: the rewrite, the engine, both builds,
/// both runs. An early end is an `Err`.
fn verify_steps(
    args: &VerifyArgs,
    dockerfile: &Path,
    report: &mut Report,
) -> Result<Ending, Ending> {
    let progress = Progress::new(args.format == Format::Text);
    let (context_dir, rewrite) = rewrite_in_memory(args, dockerfile, report)?;
    let check = check_of(args).map_err(failed)?;
    report.check = Some(report::CheckInfo {
        kind: check.kind(),
        description: check.describe(),
        expect: args.expect.clone(),
    });
    let docker = docker::Docker::new(args.docker.clone(), args.builder);
    report.engine = Some(docker.engine_version().map_err(|error| {
        let host = std::env::var("DOCKER_HOST")
            .map(|h| format!(" at DOCKER_HOST={h}"))
            .unwrap_or_default();
        failed(format!("no Docker engine reachable{host}: {error}"))
    })?);

    // The rewrite goes outside the context, so it can neither be copied into the image
    // nor change what `COPY . .` sees.
    let rewrite_file = write_rewrite(&rewrite.text).map_err(|error| {
        failed(format!(
            "cannot write the rewrite to a temporary file: {error}"
        ))
    })?;
    let id = std::process::id();
    let label = format!("{LABEL}={id}");
    let cleanup = cleanup::Cleanup::new(docker.clone(), args.keep);
    let tags = [
        cleanup.image(&format!("restage-verify-{id}-original")),
        cleanup.image(&format!("restage-verify-{id}-rewrite")),
    ];
    report.original.tag = tags[0].clone();
    report.rewrite.tag = tags[1].clone();
    if args.keep {
        report.kept = Some(report::Kept {
            images: tags.to_vec(),
            containers: Vec::new(),
        });
    }
    let engine = Session {
        args,
        docker: &docker,
        label: &label,
        progress: &progress,
    };
    if let Err(ending) = engine.build_both(
        &context_dir,
        [dockerfile, rewrite_file.path()],
        &tags,
        report,
    ) {
        keep_rewrite(rewrite_file, args.keep, report);
        return Err(ending);
    }

    progress.say(&format!("checking: {}…", check.describe()));
    let names = [
        format!("restage-verify-{id}-original"),
        format!("restage-verify-{id}-rewrite"),
    ];
    let ending = engine.run_both(&cleanup, &check, &tags, &names, report);
    keep_rewrite(rewrite_file, args.keep, report);
    drop(cleanup);
    Ok(ending)
}

/// Reads, parses and rewrites the Dockerfile: the build context folder and the rewrite.
fn rewrite_in_memory(
    args: &VerifyArgs,
    dockerfile: &Path,
    report: &mut Report,
) -> Result<(PathBuf, Rewrite), Ending> {
    let bytes = std::fs::read(dockerfile)
        .map_err(|e| failed(format!("cannot read {}: {e}", dockerfile.display())))?;
    let parsed = syntax::parse_bytes(&bytes).map_err(|e| {
        let shown = Diagnostic::from_parse_error(&report.path, &bytes, &e).render();
        failed(shown.trim_end().trim_start_matches("error: "))
    })?;
    let context_dir = match &args.context {
        Some(dir) => dir.clone(),
        None => match dockerfile.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
    };
    if !context_dir.is_dir() {
        return Err(failed(format!(
            "the build context {} is not a folder",
            context_dir.display()
        )));
    }
    let options = Options {
        go_final: args.go_final.clone().unwrap_or_default(),
        slim: !args.no_slim,
        ecosystem: args.ecosystem,
        serve_static: args.serve_static,
    };
    if let Some(stage) = Analysis::new(&parsed).stages.last() {
        describe_base(&mut report.original, &stage.base);
    }
    let rewrite = match transform::restage(&parsed, || BuildContext::read(&context_dir), &options) {
        Ok(Outcome::Rewritten(rewrite)) => rewrite,
        Ok(Outcome::Declined(decline)) => {
            report.ecosystem = decline.ecosystem;
            return Err((
                Status::Declined,
                format!(
                    "restage leaves this file alone ({}), so there is nothing to verify",
                    decline.reason
                ),
            ));
        }
        Err(e) => return Err(failed(e.to_string())),
    };
    report.ecosystem = Some(rewrite.ecosystem);
    if let Ok(rewritten) = syntax::parse(&rewrite.text)
        && let Some(stage) = Analysis::new(&rewritten).stages.last()
    {
        describe_base(&mut report.rewrite, &stage.base);
    }
    report.dockerfile = Some(rewrite.text.clone());
    report.decisions = rewrite.decisions.clone();
    Ok((context_dir, rewrite))
}

/// What the builds and runs of both images share.
struct Session<'a> {
    args: &'a VerifyArgs,
    docker: &'a docker::Docker,
    /// The label that marks what this verification makes.
    label: &'a str,
    progress: &'a Progress,
}

impl Session<'_> {
    /// Builds the original and the rewrite (`files`) as `tags`, with their build times
    /// and sizes in the report.
    fn build_both(
        &self,
        context_dir: &Path,
        files: [&Path; 2],
        tags: &[String; 2],
        report: &mut Report,
    ) -> Result<(), Ending> {
        for (which, file, tag) in [
            ("original", files[0], &tags[0]),
            ("rewrite", files[1], &tags[1]),
        ] {
            self.progress.say(&format!("building the {which}…"));
            let started = Instant::now();
            let settings = docker::BuildSettings {
                label: self.label,
                build_args: &self.args.build_args,
                no_cache: self.args.no_cache,
                echo: self.args.verbose,
            };
            let built = self.docker.build(file, context_dir, tag, &settings);
            let seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
            let image = if which == "original" {
                &mut report.original
            } else {
                &mut report.rewrite
            };
            image.build_seconds = Some(seconds);
            if let Err(failure) = built {
                let mut why = failure.error.map(|e| format!(": {e}")).unwrap_or_default();
                if self.args.builder == Builder::Buildkit && failure.log_tail.contains("buildx") {
                    why.push_str(" (this docker client cannot use BuildKit: try --builder classic, or a client with BuildKit built in via --docker)");
                }
                report.build_log_tail = Some(failure.log_tail).filter(|t| !t.is_empty());
                return Err(failed(format!("the {which} does not build{why}")));
            }
            image.size_bytes = Some(
                self.docker
                    .image_size(tag)
                    .map_err(|e| failed(e.to_string()))?,
            );
        }
        if let (Some(a), Some(b)) = (report.original.size_bytes, report.rewrite.size_bytes) {
            report.set_sizes(a, b);
        }
        Ok(())
    }

    /// Runs a container of each image under the check, compares what they did (and their
    /// health, when the images define a HEALTHCHECK), and says how the verification ends.
    fn run_both(
        &self,
        cleanup: &cleanup::Cleanup,
        check: &Check,
        tags: &[String; 2],
        names: &[String; 2],
        report: &mut Report,
    ) -> Ending {
        let timeout = Duration::from_secs(self.args.timeout);
        let [original, rewritten] = behaviour::observe(
            self.docker,
            cleanup,
            check,
            [&tags[0], &tags[1]],
            [&names[0], &names[1]],
            self.label,
            timeout,
        );
        let [original_health, rewrite_health] = match check {
            // A smoke command replaces what the container runs; there is nothing to probe.
            Check::Smoke { .. } => [None, None],
            _ => health::observe(self.docker, [&names[0], &names[1]], timeout),
        };
        cleanup.remove_containers();
        if let Some(kept) = &mut report.kept {
            kept.containers = names.to_vec();
        }
        let (mut verdict, mut message) =
            behaviour::judge(&original, &rewritten, self.args.expect.as_deref());
        let healths = [original_health.as_ref(), rewrite_health.as_ref()];
        if verdict == Verdict::Same {
            if let Some(why) = health::difference(healths[0], healths[1]) {
                (verdict, message) = (Verdict::Different, why);
            } else if healths.iter().all(|h| *h == Some(&health::Health::Healthy)) {
                message.push_str("; both healthy");
            }
        }
        report.original.observation = Some(original);
        report.rewrite.observation = Some(rewritten);
        report.original.health = original_health;
        report.rewrite.health = rewrite_health;
        (verdict.into(), message)
    }
}

/// The check the arguments ask for.
fn check_of(args: &VerifyArgs) -> Result<Check, String> {
    if let Some(command) = &args.smoke {
        let words = argv::split(command).map_err(|e| format!("--smoke: {e}"))?;
        return Ok(Check::Smoke {
            args: words,
            command: command.clone(),
        });
    }
    if let Some(target) = &args.http {
        return Ok(Check::Http {
            target: target.clone(),
        });
    }
    if args.expect.is_some() {
        return Err("--expect needs --smoke or --http".into());
    }
    Ok(Check::Run {
        wait: Duration::from_secs(args.run_seconds),
    })
}

fn describe_base(image: &mut report::Image, base: &Base) {
    image.base = base.image.raw.clone();
    image.base_variant = Some(match base.variant {
        Variant::Full => "full",
        Variant::Slim => "slim",
        Variant::Alpine => "alpine",
        Variant::Other => "other",
        Variant::Unknown => "unknown",
    });
}

fn write_rewrite(text: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut file = tempfile::Builder::new()
        .prefix("restage-verify-")
        .suffix(".Dockerfile")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(file)
}

/// With `--keep`, leaves the rewritten Dockerfile on disk and says where.
fn keep_rewrite(file: tempfile::NamedTempFile, keep: bool, report: &mut Report) -> Option<PathBuf> {
    if !keep {
        return None;
    }
    let (_, path) = file.keep().ok()?;
    report.kept_dockerfile = Some(path.display().to_string());
    Some(path)
}

/// Progress lines on stderr, for the text format only.
struct Progress {
    on: bool,
    started: Instant,
}

impl Progress {
    fn new(on: bool) -> Progress {
        Progress {
            on,
            started: Instant::now(),
        }
    }

    fn say(&self, what: &str) {
        if self.on {
            eprintln!(
                "restage verify [{:5.1}s] {what}",
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        verify: VerifyArgs,
    }

    fn args(line: &[&str]) -> VerifyArgs {
        Cli::try_parse_from(std::iter::once("verify").chain(line.iter().copied()))
            .unwrap()
            .verify
    }

    #[test]
    fn parses_checks() {
        let parsed = args(&["Dockerfile", "--http", "8080/health", "--expect", "ok"]);
        let Check::Http { target } = check_of(&parsed).unwrap() else {
            panic!()
        };
        assert_eq!(target.to_string(), "8080/health");
        let parsed = args(&["Dockerfile", "--smoke", "python -c 'import flask'"]);
        assert!(matches!(check_of(&parsed).unwrap(), Check::Smoke { args, .. } if args.len() == 3));
        assert!(matches!(
            check_of(&args(&["x"])).unwrap(),
            Check::Run { .. }
        ));
        assert!(check_of(&args(&["x", "--expect", "y"])).is_err());
        assert!(Cli::try_parse_from(["v", "x", "--smoke", "a", "--http", "80"]).is_err());
    }

    #[test]
    fn transformer_options_reach_the_rewrite() {
        let parsed = args(&[
            "x",
            "--go-final",
            "scratch",
            "--no-slim",
            "--ecosystem",
            "go",
        ]);
        assert_eq!(parsed.go_final, Some(GoFinal::Scratch));
        assert!(parsed.no_slim);
        assert_eq!(parsed.ecosystem, Some(Ecosystem::Go));
    }

    #[test]
    fn errors_before_docker_need_no_engine() {
        let dir = tempfile::tempdir().unwrap();
        let missing = verify(&args(&[
            dir.path().join("nope").to_str().unwrap(),
            "--format",
            "json",
        ]));
        assert_eq!(missing.status, Status::Error);
        assert!(
            missing.message.contains("cannot read"),
            "{}",
            missing.message
        );

        let file = dir.path().join("Dockerfile");
        std::fs::write(&file, "FROM alpine:3.20\nRUN echo hi\n").unwrap();
        let declined = verify(&args(&[dir.path().to_str().unwrap(), "--format", "json"]));
        assert_eq!(declined.status, Status::Declined);
        assert!(declined.message.contains("alpine"), "{}", declined.message);

        std::fs::write(&file, "FROM python:3.12\nFORM x\n").unwrap();
        let broken = verify(&args(&[file.to_str().unwrap(), "--format", "json"]));
        assert_eq!(broken.status, Status::Error);
        assert!(
            broken.message.contains("Dockerfile:2:1"),
            "{}",
            broken.message
        );
    }

    #[test]
    fn no_engine_is_an_error_naming_the_client() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("requirements.txt"), "flask\n").unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n",
        )
        .unwrap();
        let verified = verify(&args(&[
            dir.path().to_str().unwrap(),
            "--docker",
            "/nonexistent/docker",
            "--format",
            "json",
        ]));
        assert_eq!(verified.status, Status::Error, "{}", verified.message);
        assert!(
            verified.message.contains("no Docker engine reachable"),
            "{}",
            verified.message
        );
        assert!(verified.dockerfile.is_some());
    }
}
