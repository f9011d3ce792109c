//! Copies of standard-library modules in the target folders. In the original, pip put
//! them in site-packages, which comes after the standard library on `sys.path`, so
//! Python never imported them (`asyncio==3.4.3`, `typing`, `enum34`, or any dependency
//! that pulls one in); on `PYTHONPATH` they would come first, and an old `asyncio` does
//! not even parse on Python 3.7. On an official image the builder removes every entry
//! of the target folders named like a module of its own standard library, as read from
//! that library: the final stage imports what the original imported.

use crate::ecosystem::{Base, Ecosystem};
use crate::transform::Decision;
use crate::transform::plan::Step;

/// The script that removes, from the folders given as arguments, every entry whose name
/// (up to its first dot) is a module of the interpreter's standard library: its built-in
/// modules, and the files and folders of its library and `lib-dynload` folders. Entries
/// such as `asyncio-3.4.3.dist-info` keep the metadata pip wrote. It uses no double quote
/// or backslash, so it stands in a JSON string as it is.
const SCRIPT: &str = "import os, shutil, sys, sysconfig; \
lib = sysconfig.get_paths()['stdlib']; \
std = set(sys.builtin_module_names) | {n.split('.')[0] for d in (lib, os.path.join(lib, 'lib-dynload')) if os.path.isdir(d) for n in os.listdir(d)}; \
std -= {'site-packages', '__pycache__'}; \
[shutil.rmtree(p) if os.path.isdir(p) else os.remove(p) for t in sys.argv[1:] for n in os.listdir(t) if n.split('.')[0] in std for p in [os.path.join(t, n)]]";

/// Whether the builder removes the copies: on an official python image, whose standard
/// library the step reads; on another base, such a requirement declines instead.
pub fn removed_on(base: &Base) -> bool {
    base.ecosystem == Some(Ecosystem::Python)
}

/// The builder's step after the last install that removes standard-library copies from
/// `folders`, and the decision that says why.
pub fn removal(folders: &[String]) -> (Step, Decision) {
    let arguments: String = folders.iter().map(|f| format!(", \"{f}\"")).collect();
    let step = Step::New(format!("RUN [\"python\", \"-c\", \"{SCRIPT}\"{arguments}]"));
    let decision = Decision::new(
        format!(
            "the builder removes copies of standard-library modules from {}",
            folders.join(", ")
        ),
        "in the original they were in site-packages, after the standard library on sys.path, and never imported (an old `asyncio` or `typing` from PyPI, or one a dependency pulls in); on PYTHONPATH they would come before it",
    );
    (step, decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::process::Command;

    /// The script removes a copy of `asyncio` and `typing.py` but keeps the packages and
    /// metadata beside them (run with the machine's own Python).
    #[test]
    fn the_script_removes_standard_library_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path();
        for folder in ["asyncio", "flask", "asyncio-3.4.3.dist-info", "bin"] {
            fs::create_dir(target.join(folder)).unwrap();
        }
        for file in ["typing.py", "six.py", "enum.py"] {
            fs::write(target.join(file), "").unwrap();
        }
        let status = Command::new("python3")
            .args(["-c", SCRIPT])
            .arg(target)
            .status()
            .expect("python3 runs");
        assert!(status.success());
        let mut left: Vec<String> = fs::read_dir(target)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["asyncio-3.4.3.dist-info", "bin", "flask", "six.py"]);
    }

    #[test]
    fn the_step_is_exec_form_json() {
        let (Step::New(line), _) = removal(&["/opt/pydeps".into(), "/opt/pydeps-2".into()]) else {
            panic!("a new step");
        };
        let json = line.strip_prefix("RUN ").unwrap();
        let words: Vec<String> = serde_json::from_str(json).unwrap();
        assert_eq!(words[..2], ["python", "-c"]);
        assert_eq!(words[2], SCRIPT);
        assert_eq!(words[3..], ["/opt/pydeps", "/opt/pydeps-2"]);
    }
}
