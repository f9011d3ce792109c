//! BuildKit's own parser as the tests' reference, run through the `dockerfile` Python package.
//!
//! Owns the Python side: a virtualenv under the target folder with the pinned package (made on
//! first use, safely when several test binaries start at once), and one run of
//! `tests/support/buildkit.py` over a batch of files. `agreement` compares a record with
//! restage's own reading of the same file.

pub mod agreement;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The package wraps BuildKit v0.12.5; the expectations in `src/syntax/buildkit` were checked
/// against this version.
const DOCKERFILE_PACKAGE: &str = "dockerfile==3.4.0";

/// The Python interpreter of `<target>/buildkit-venv`, created with the pinned package if missing.
pub fn buildkit_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(create_venv).clone()
}

fn create_venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let venv = target.join("buildkit-venv");
    let python = venv.join("bin").join("python");
    if python.exists() {
        return python;
    }
    // Build in a private folder and rename it into place: the first finisher wins, and a
    // half-made venv is never visible under the final name.
    let staging = target.join(format!("buildkit-venv.{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&target).expect("create the target folder");
    run(Command::new("python3").args(["-m", "venv"]).arg(&staging));
    run(Command::new(staging.join("bin").join("python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        DOCKERFILE_PACKAGE,
    ]));
    if std::fs::rename(&staging, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    assert!(python.exists(), "no interpreter at {}", python.display());
    python
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

/// BuildKit's reading of each file, in order: one `buildkit.py` record per path.
pub fn buildkit_parse(paths: &[PathBuf]) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/buildkit.py");
    let mut child = Command::new(buildkit_python())
        .arg(script)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start buildkit.py");
    let list: String = paths
        .iter()
        .map(|p| format!("{}\n", p.to_str().expect("a UTF-8 path")))
        .collect();
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Write from another thread so a large output cannot block the child while we write.
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let output = child.wait_with_output().expect("run buildkit.py");
    writer.join().unwrap().expect("write paths to buildkit.py");
    assert!(
        output.status.success(),
        "buildkit.py failed: {}",
        output.status
    );
    let records: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect();
    assert_eq!(records.len(), paths.len(), "one record per path");
    records
}
