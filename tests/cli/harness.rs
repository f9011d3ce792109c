//! A small builder for the CLI tests: a temp folder with files in it, `restage` run
//! there with arguments and stdin, and its exit code, stdout and stderr back.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A Flask app on a slim base: the Python transformer rewrites it.
pub const PYTHON_APP: &str = "\
FROM python:3.12-slim

WORKDIR /app

COPY . /app/

RUN pip install -r requirements.txt

CMD [\"python\", \"app.py\"]
";

/// The same app on a full base: the final stage can take the slim variant.
pub const PYTHON_FULL: &str = "\
FROM python:3.11

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py .
CMD [\"python\", \"app.py\"]
";

/// A single-stage file restage declines: no ecosystem it knows.
pub const UNKNOWN_BASE: &str =
    "FROM alpine:3.19\nRUN apk add --no-cache curl\nCMD [\"curl\", \"--version\"]\n";

/// Already multistage: restage leaves it unchanged.
pub const MULTISTAGE: &str = "\
FROM python:3.12 AS builder
RUN pip install --target=/deps flask

FROM python:3.12-slim
COPY --from=builder /deps /deps
CMD [\"python\", \"-m\", \"flask\", \"run\"]
";

pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `contents` at `relative`, creating folders.
    pub fn file(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Project {
        let path = self.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
        self
    }

    /// A Python app folder: the Dockerfile and its requirements.
    pub fn python_app(&self, folder: &str) -> &Project {
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        self.file(&format!("{prefix}Dockerfile"), PYTHON_APP)
            .file(&format!("{prefix}requirements.txt"), "flask\n")
            .file(&format!("{prefix}app.py"), "print('hi')\n")
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.join(relative)).unwrap()
    }

    /// Names in `relative` that look like restage's temp files.
    pub fn leftovers(&self, relative: &str) -> Vec<String> {
        fs::read_dir(self.join(relative))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".restage-"))
            .collect()
    }

    /// `restage` with `args`, run in the project folder, without the caller's NO_COLOR.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None, &[])
    }

    /// `restage`'s stdout with `args`, which must exit 0.
    pub fn stdout_of(&self, args: &[&str]) -> String {
        self.run(args).code(0).stdout.clone()
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(args, Some(stdin), &[])
    }

    /// `restage` with `args` run as a user whom file permissions bind, for tests of what
    /// they stop: the caller, or (as root, whom they do not bind) `nobody` through
    /// `setpriv`, with the project folder opened to it. `None` when neither can be had.
    #[cfg(unix)]
    pub fn run_unprivileged(&self, args: &[&str]) -> Option<Output> {
        use std::os::unix::fs::PermissionsExt;
        if !permissions_do_not_bind() {
            return Some(self.run(args));
        }
        let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
            .into_iter()
            .find(|path| Path::new(path).exists())?;
        fs::set_permissions(self.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let as_nobody = |args: &[&str]| {
            let mut command = Command::new(setpriv);
            command
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(restage().get_program())
                .args(args)
                .current_dir(self.path())
                .env_remove("NO_COLOR");
            Output::of(command.output().unwrap())
        };
        // The binary may sit where `nobody` cannot reach it (under a private home).
        if as_nobody(&["--version"]).code != 0 {
            return None;
        }
        Some(as_nobody(args))
    }

    /// `restage` with `args` started in the project folder, stdout and stderr piped.
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        use std::process::Stdio;
        std::process::Command::new(restage().get_program())
            .args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// `restage` with `args`, its stdout closed after the first 64 bytes, as `| head`
    /// does: the exit code and stderr.
    pub fn run_closing_stdout(&self, args: &[&str]) -> (i32, String) {
        use std::io::Read;
        let mut child = self.spawn(args);
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .as_mut()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        (status.code().expect("restage exited with a code"), stderr)
    }

    /// `restage` with `args`, sent `signal` (as `kill -s` names it) once it has printed
    /// its first line: a `--write` run stopped after it has written a file.
    #[cfg(unix)]
    pub fn run_signalled(&self, args: &[&str], signal: &str) -> Output {
        use std::io::{BufRead, Read};
        let mut child = self.spawn(args);
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut printed = String::new();
        stdout.read_line(&mut printed).unwrap();
        let sent = std::process::Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -s {signal} failed");
        stdout.read_to_string(&mut printed).unwrap();
        let mut output = child.wait_with_output().unwrap();
        output.stdout = printed.into_bytes();
        Output::of(output)
    }

    pub fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut command = restage();
        command
            .current_dir(self.path())
            .args(args)
            .env_remove("NO_COLOR")
            // A restage that hangs (reading a named pipe) fails its test, not the run.
            .timeout(std::time::Duration::from_secs(120));
        for (key, value) in env {
            command.env(key, value);
        }
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        Output::of(command.output().unwrap())
    }
}

pub fn restage() -> Command {
    Command::cargo_bin("restage").unwrap()
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn of(output: std::process::Output) -> Output {
        Output {
            code: output.status.code().expect("restage exited with a code"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Asserts the exit code, showing everything when it is not the expected one.
    pub fn code(&self, expected: i32) -> &Output {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The JSON records of `--format json`.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// The summary line (the last line of stderr).
    pub fn summary(&self) -> &str {
        self.stderr.lines().last().unwrap_or("")
    }
}

/// Whether this process can write where permissions say it cannot (root).
pub fn permissions_do_not_bind() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    let mut permissions = fs::metadata(&locked).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&locked, permissions.clone()).unwrap();
    let bypassed = fs::write(locked.join("probe"), "").is_ok();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&locked, permissions).unwrap();
    bypassed
}
