//! The versions a later project install keeps. In the original, `pip install .` after
//! `pip install -r requirements.txt` found the pinned versions in site-packages and kept
//! them where they satisfied the project; `pip install --target` ignores what is
//! installed and would resolve the project's dependencies anew, newer versions ahead of
//! the pins on PYTHONPATH. So on an official python image the builder writes the
//! versions the earlier target folders hold into a constraints file, and the project's
//! install takes it (`-c`): the versions stay, and where the project needs another one
//! the build stops with pip's conflict, not with other versions than the original ran.

use super::python_run;
use crate::transform::Decision;
use crate::transform::plan::Step;

/// A later project install's constraints: the file, and the earlier folders it pins.
#[derive(Clone, Debug)]
pub struct Pinned {
    pub file: String,
    pub earlier: Vec<String>,
}

/// The script that writes `name==version` for every `*.dist-info` in the folders given
/// after the file, the later folder first where two hold one package (as on
/// PYTHONPATH; names compared as pip compares them, `zope.interface` as
/// `zope_interface`). A package installed from a path or a link (its `direct_url.json`)
/// is not pinned: the index may not have its version. It uses no double quote or
/// backslash, and runs on Python 2.7 and 3.
pub const SCRIPT: &str = "import os, re, sys; \
seen = set(); \
lines = [n + '==' + v + chr(10) for t in reversed(sys.argv[2:]) for e in sorted(os.listdir(t)) if e.endswith('.dist-info') and not os.path.exists(os.path.join(t, e, 'direct_url.json')) for n, v in [e[:-10].rsplit('-', 1)] for k in [re.sub('[-_.]+', '-', n).lower()] if k not in seen and not seen.add(k)]; \
open(sys.argv[1], 'w').write(''.join(lines))";

/// The builder's step before the project install, and the decision that says why.
pub fn step(pinned: &Pinned, command: &str) -> (Step, Decision) {
    let arguments: Vec<&String> = std::iter::once(&pinned.file)
        .chain(&pinned.earlier)
        .collect();
    let step = python_run::step(SCRIPT, &arguments);
    let decision = Decision::new(
        format!(
            "`{command}` keeps the versions in {} (`-c {}`)",
            pinned.earlier.join(", "),
            pinned.file
        ),
        "in the original it found them installed and kept them where they satisfied the project; --target ignores what is installed and would put newer ones ahead of them (where the project needs another version, pip stops the build with the conflict)",
    );
    (step, decision)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::python::interpreters::interpreters;
    use std::fs;

    /// The constraints name each package once, the later folder's version first, with
    /// every interpreter the machine has.
    #[test]
    fn the_script_pins_what_the_earlier_folders_hold() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            let (first, second) = (dir.path().join("pydeps"), dir.path().join("pydeps-2"));
            for (folder, entries) in [
                (
                    &first,
                    &[
                        "Flask-2.0.3.dist-info",
                        "flask",
                        "typing_extensions-4.0.0.dist-info",
                        "zope.interface-5.4.0.dist-info",
                        "mylib-0.1.dist-info",
                    ][..],
                ),
                (
                    &second,
                    &[
                        "flask-3.1.3.dist-info",
                        "gunicorn-22.0.0.dist-info",
                        "bin",
                        "zope_interface-7.0.dist-info",
                    ][..],
                ),
            ] {
                for entry in entries {
                    fs::create_dir_all(folder.join(entry)).unwrap();
                }
            }
            // Installed from a path: pip wrote where from.
            fs::write(first.join("mylib-0.1.dist-info/direct_url.json"), "{}").unwrap();
            let file = dir.path().join("pins.txt");
            assert!(python.runs(SCRIPT, [&file, &first, &second]), "{python:?}");
            assert_eq!(
                fs::read_to_string(&file).unwrap(),
                "flask==3.1.3\ngunicorn==22.0.0\nzope_interface==7.0\ntyping_extensions==4.0.0\n",
                "{python:?}"
            );
        }
    }

    #[test]
    fn the_step_is_exec_form_json() {
        let pinned = Pinned {
            file: "/tmp/pydeps-3.pins".into(),
            earlier: vec!["/opt/pydeps".into(), "/opt/pydeps-2".into()],
        };
        let (step, decision) = step(&pinned, "pip install .");
        let words = python_run::words(&step);
        assert_eq!(words[..2], ["python", "-c"]);
        assert_eq!(words[2], SCRIPT.replace("; ", ";     "));
        assert_eq!(
            words[3..],
            ["/tmp/pydeps-3.pins", "/opt/pydeps", "/opt/pydeps-2"]
        );
        assert!(decision.what.contains("/opt/pydeps, /opt/pydeps-2"));
    }
}
