//! The `docker` command line as `restage verify` uses it: is an engine there, build an
//! image, read its size, start, watch and remove containers. Every call goes through
//! the user's own `docker` client, so `DOCKER_HOST`, contexts and config apply as they
//! do in the user's shell. Knows nothing about rewrites or what a check compares.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The label on every image and container `restage verify` makes, so that leftovers of
/// an interrupted run can be found: `docker ps -a --filter label=restage.verify`.
pub const LABEL: &str = "restage.verify";

/// How images are built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Builder {
    /// The classic builder (`DOCKER_BUILDKIT=0`): works with any engine and no buildx.
    #[default]
    Classic,
    /// BuildKit (`DOCKER_BUILDKIT=1`, `--progress=plain`): needs buildx or a client
    /// with BuildKit built in.
    Buildkit,
    /// Whatever the `docker` client does by default (`DOCKER_BUILDKIT` left as it is).
    Auto,
}

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`docker {command}` failed: {message}")]
    Failed { command: String, message: String },
}

/// How both images are built.
pub struct BuildSettings<'a> {
    /// `key=value`, put on the image.
    pub label: &'a str,
    pub build_args: &'a [String],
    pub no_cache: bool,
    /// Copy the build's output to stderr as it comes.
    pub echo: bool,
}

/// A build that did not produce an image, with the end of its log.
#[derive(Debug)]
pub struct BuildFailure {
    pub log_tail: String,
    pub error: Option<DockerError>,
}

/// The user's `docker` client.
#[derive(Clone, Debug)]
pub struct Docker {
    program: PathBuf,
    builder: Builder,
}

/// What a container is doing, as `docker inspect` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Running,
    Exited(i64),
}

/// A foreground `docker run` that finished (or was stopped at its deadline).
#[derive(Clone, Debug)]
pub struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// `None` when the deadline passed and the container was removed.
    pub exit_code: Option<i32>,
}

impl Docker {
    pub fn new(program: PathBuf, builder: Builder) -> Docker {
        Docker { program, builder }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.stdin(Stdio::null());
        command
    }

    fn output(&self, args: &[&str]) -> Result<Output, DockerError> {
        self.command()
            .args(args)
            .output()
            .map_err(|source| self.spawn_error(source))
    }

    fn spawn_error(&self, source: std::io::Error) -> DockerError {
        DockerError::Spawn {
            program: self.program.display().to_string(),
            source,
        }
    }

    /// Runs `docker ARGS` and returns its stdout, or an error carrying its stderr.
    fn text(&self, args: &[&str]) -> Result<String, DockerError> {
        let output = self.output(args)?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        } else {
            Err(DockerError::Failed {
                command: args.join(" "),
                message: last_lines(&String::from_utf8_lossy(&output.stderr), 5),
            })
        }
    }

    /// The engine's version, or why no engine answers.
    pub fn engine_version(&self) -> Result<String, DockerError> {
        self.text(&["info", "--format", "{{.ServerVersion}}"])
            .and_then(|version| {
                // `docker info` exits 0 with an empty server part when the engine is away
                // on some client versions; treat that as no engine.
                if version.is_empty() || version.contains("<no value>") {
                    Err(DockerError::Failed {
                        command: "info".into(),
                        message: "the engine did not answer".into(),
                    })
                } else {
                    Ok(version)
                }
            })
    }

    /// Builds `dockerfile` (which may live outside `context`) as `tag`.
    pub fn build(
        &self,
        dockerfile: &Path,
        context: &Path,
        tag: &str,
        settings: &BuildSettings,
    ) -> Result<(), BuildFailure> {
        let mut command = self.command();
        command.arg("build");
        match self.builder {
            Builder::Classic => {
                command.env("DOCKER_BUILDKIT", "0");
            }
            Builder::Buildkit => {
                command.env("DOCKER_BUILDKIT", "1").arg("--progress=plain");
            }
            Builder::Auto => {}
        }
        // --force-rm: a failed step's container is removed too, not only a passing one's.
        command
            .args(["--force-rm", "-t", tag, "--label", settings.label, "-f"])
            .arg(dockerfile);
        if settings.no_cache {
            command.arg("--no-cache");
        }
        for arg in settings.build_args {
            command.args(["--build-arg", arg]);
        }
        command.arg(context);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = command.spawn().map_err(|source| BuildFailure {
            log_tail: String::new(),
            error: Some(self.spawn_error(source)),
        })?;
        let (status, log) = wait_collecting(child, settings.echo);
        match status {
            Ok(status) if status.success() => Ok(()),
            Ok(_) => Err(BuildFailure {
                log_tail: last_lines(&strip_ansi(&log), 30),
                error: None,
            }),
            Err(source) => Err(BuildFailure {
                log_tail: last_lines(&strip_ansi(&log), 30),
                error: Some(self.spawn_error(source)),
            }),
        }
    }

    /// The image's size in bytes, as `docker images` shows it.
    pub fn image_size(&self, image: &str) -> Result<u64, DockerError> {
        let text = self.text(&["image", "inspect", "-f", "{{.Size}}", image])?;
        text.parse().map_err(|_| DockerError::Failed {
            command: format!("image inspect {image}"),
            message: format!("unexpected size `{text}`"),
        })
    }

    /// Starts `image` in the background as container `name`. `publish` maps that
    /// container port to a random port on 127.0.0.1; `args` replace the image's CMD.
    /// An `Err` holds docker's message: the container could not be started.
    pub fn start(
        &self,
        name: &str,
        image: &str,
        label: &str,
        publish: Option<u16>,
        args: &[String],
    ) -> Result<(), String> {
        let mut command = self.command();
        command.args(["run", "-d", "--name", name, "--label", label]);
        if let Some(port) = publish {
            command.args(["-p", &format!("127.0.0.1::{port}")]);
        }
        command.arg(image).args(args);
        match command.output() {
            Ok(output) if output.status.success() => Ok(()),
            Ok(output) => Err(last_lines(&String::from_utf8_lossy(&output.stderr), 5)),
            Err(error) => Err(self.spawn_error(error).to_string()),
        }
    }

    /// Runs `image` with `args` (replacing its CMD) in the foreground and collects its
    /// output; past `timeout` the container is removed.
    pub fn run_to_end(
        &self,
        name: &str,
        image: &str,
        label: &str,
        args: &[String],
        timeout: Duration,
    ) -> Result<Finished, DockerError> {
        let mut child = self
            .command()
            .args(["run", "--name", name, "--label", label, image])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| self.spawn_error(source))?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    timed_out = true;
                    self.remove_container(name);
                    let _ = child.kill();
                    break child.wait().ok();
                }
                Ok(None) => thread::sleep(Duration::from_millis(100)),
                Err(_) => break None,
            }
        };
        let stdout = stdout.join().unwrap_or_default();
        let stderr = stderr.join().unwrap_or_default();
        Ok(Finished {
            stdout,
            stderr,
            exit_code: if timed_out {
                None
            } else {
                status.and_then(|status| status.code())
            },
        })
    }

    /// The host port that container `name`'s `port` is published on.
    pub fn host_port(&self, name: &str, port: u16) -> Result<u16, DockerError> {
        let text = self.text(&["port", name, &format!("{port}/tcp")])?;
        text.lines()
            .find_map(|line| line.rsplit_once(':')?.1.trim().parse().ok())
            .ok_or_else(|| DockerError::Failed {
                command: format!("port {name}"),
                message: format!("no published port in `{text}`"),
            })
    }

    pub fn state(&self, name: &str) -> Result<State, DockerError> {
        let text = self.text(&[
            "inspect",
            "-f",
            "{{.State.Running}} {{.State.ExitCode}}",
            name,
        ])?;
        let (running, code) = text.split_once(' ').unwrap_or((&text, "0"));
        Ok(if running == "true" {
            State::Running
        } else {
            State::Exited(code.trim().parse().unwrap_or(-1))
        })
    }

    /// `docker inspect`'s `.State.Health` of container `name` as JSON (`null` when the
    /// image has no HEALTHCHECK).
    pub fn health_json(&self, name: &str) -> Result<String, DockerError> {
        self.text(&["inspect", "-f", "{{json .State.Health}}", name])
    }

    /// The last lines the container printed (stdout and stderr), for error messages.
    pub fn logs_tail(&self, name: &str, lines: usize) -> String {
        match self.output(&["logs", "--tail", &lines.to_string(), name]) {
            Ok(output) => {
                let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&output.stderr));
                last_lines(&text, lines)
            }
            Err(_) => String::new(),
        }
    }

    /// Removes a container whether it runs or not; quiet when it is already gone.
    pub fn remove_container(&self, name: &str) {
        let _ = self.output(&["rm", "-f", "-v", name]);
    }

    /// Removes the tag (and the image, when no other tag names it).
    pub fn remove_image(&self, tag: &str) {
        let _ = self.output(&["image", "rm", tag]);
    }
}

/// Waits for `child`, copying its stdout and stderr into one log (and to our stderr
/// when `echo`).
fn wait_collecting(
    mut child: Child,
    echo: bool,
) -> (std::io::Result<std::process::ExitStatus>, String) {
    let log = Arc::new(Mutex::new(String::new()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let log = Arc::clone(&log);
        thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if echo {
                    eprintln!("{line}");
                }
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        })
    })
    .collect();
    let status = child.wait();
    for reader in readers {
        let _ = reader.join();
    }
    let log = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (status, log)
}

fn drain<R: Read + Send + 'static>(stream: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// `text` without terminal colour codes (`ESC [ … letter`), which builds print.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The last `n` non-empty lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_skips_blank_lines() {
        assert_eq!(last_lines("a\n\nb\nc\n\n", 2), "b\nc");
        assert_eq!(last_lines("a\n", 5), "a");
        assert_eq!(last_lines("", 5), "");
    }

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi("\u{1b}[91mERROR: x\n\u{1b}[0m"), "ERROR: x\n");
    }

    #[test]
    fn a_missing_client_is_a_spawn_error() {
        let docker = Docker::new("/nonexistent/docker".into(), Builder::Classic);
        assert!(matches!(
            docker.engine_version(),
            Err(DockerError::Spawn { .. })
        ));
    }
}
