//! Copies of standard-library modules in the target folders. In the original, pip put
//! them in site-packages, which comes after the standard library on `sys.path`, so
//! Python never imported them (`asyncio==3.4.3`, `typing`, `enum34`, or any dependency
//! that pulls one in); on `PYTHONPATH` they would come first, and an old `asyncio` does
//! not even parse on Python 3.7. On an official image the builder removes every entry
//! of the target folders named like a module of its own standard library, as read from
//! that library: the final stage imports what the original imported.

use crate::transform::Decision;

/// The script that removes, from the folders given as arguments, every entry whose name
/// (up to its first dot) is a module of the interpreter's standard library: its built-in
/// modules, and the modules (`*.py`, `*.pyc`, `*.so`) and packages (folders with an
/// `__init__.py`) of the library folders on `sys.path` (`lib-dynload`, Python 2's
/// `lib-tk` and `plat-linux2`); a folder that is no module, as Python 2's `config`, does
/// not count. Entries such as `asyncio-3.4.3.dist-info` keep the metadata pip wrote. It
/// runs on Python 2.7 and 3.
pub const SCRIPT: &str = "import os, shutil, sys, sysconfig; \
lib = sysconfig.get_paths()['stdlib']; \
std = set(sys.builtin_module_names) | {n.split('.')[0] for d in sys.path if d.startswith(lib) and 'site-packages' not in d and os.path.isdir(d) for n in os.listdir(d) if n.endswith(('.py', '.pyc', '.so')) or os.path.isfile(os.path.join(d, n, '__init__.py'))}; \
[shutil.rmtree(p) if os.path.isdir(p) else os.remove(p) for t in sys.argv[1:] for n in os.listdir(t) if n.split('.')[0] in std for p in [os.path.join(t, n)]]";

/// Why the builder removes the copies from `folders`.
pub fn decision(folders: &[String]) -> Decision {
    Decision::new(
        format!(
            "the builder removes copies of standard-library modules from {}",
            folders.join(", ")
        ),
        "in the original they were in site-packages, after the standard library on sys.path, and never imported (an old `asyncio` or `typing` from PyPI, or one a dependency pulls in); on PYTHONPATH they would come before it",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::python::interpreters::interpreters;
    use std::fs;

    /// The script removes `json.py` (standard library everywhere) and, on Python 3, copies
    /// of `asyncio` and `typing.py` (standard library from 3.4 and 3.5), on Python 2 one
    /// of `ttk.py` (its `lib-tk`), but keeps `config` (on Python 2 a folder of its library
    /// that is no module) and the packages and metadata beside them, with every
    /// interpreter the machine has.
    #[test]
    fn the_script_removes_standard_library_names_only() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path();
            for folder in [
                "asyncio",
                "flask",
                "asyncio-3.4.3.dist-info",
                "bin",
                "config",
            ] {
                fs::create_dir(target.join(folder)).unwrap();
            }
            for file in ["typing.py", "six.py", "json.py", "ttk.py"] {
                fs::write(target.join(file), "").unwrap();
            }
            assert!(python.runs(SCRIPT, [target]), "{python:?}");
            let mut left: Vec<String> = fs::read_dir(target)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .collect();
            left.sort();
            let expected: &[&str] = if python.major == 2 {
                &[
                    "asyncio",
                    "asyncio-3.4.3.dist-info",
                    "bin",
                    "config",
                    "flask",
                    "six.py",
                    "typing.py",
                ]
            } else {
                &[
                    "asyncio-3.4.3.dist-info",
                    "bin",
                    "config",
                    "flask",
                    "six.py",
                    "ttk.py",
                ]
            };
            assert_eq!(left, expected, "{python:?}");
        }
    }
}
