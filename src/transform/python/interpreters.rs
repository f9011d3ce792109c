//! The Python interpreters this machine has, for the tests that run the builder's
//! scripts: `python3` on `PATH`, and every version pyenv installed (Python 2.7 and 3.12+
//! among them where the machine has them), so that a script that would fail on one of
//! the Pythons an official image ships fails its test.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;

#[derive(Debug)]
pub struct Interpreter {
    pub path: PathBuf,
    pub major: u32,
}

impl Interpreter {
    /// Runs `script` on `arguments` as the builder's `python -c` step does; whether it
    /// succeeded.
    pub fn runs<A: AsRef<OsStr>>(
        &self,
        script: &str,
        arguments: impl IntoIterator<Item = A>,
    ) -> bool {
        Command::new(&self.path)
            .args(["-c", script])
            .args(arguments)
            .status()
            .expect("the interpreter runs")
            .success()
    }
}

/// `python3` first, then pyenv's versions; each one that answers with its version.
pub fn interpreters() -> Vec<Interpreter> {
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pyenv")));
    let mut paths = vec![PathBuf::from("python3")];
    if let Some(versions) =
        pyenv_root.and_then(|root| std::fs::read_dir(root.join("versions")).ok())
    {
        let mut found: Vec<PathBuf> = versions
            .filter_map(|entry| Some(entry.ok()?.path().join("bin/python")))
            .filter(|path| path.is_file())
            .collect();
        found.sort();
        paths.extend(found);
    }
    let found: Vec<Interpreter> = paths
        .into_iter()
        .filter_map(|path| {
            let output = Command::new(&path)
                .args(["-c", "import sys; print(sys.version_info[0])"])
                .output()
                .ok()?;
            let major = String::from_utf8_lossy(&output.stdout)
                .trim()
                .parse()
                .ok()?;
            Some(Interpreter { path, major })
        })
        .collect();
    assert!(
        !found.is_empty(),
        "no Python interpreter to run the scripts with"
    );
    found
}
