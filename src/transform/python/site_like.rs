//! The builder's last step on an official python image: one run of the image's own
//! `python` that makes the target folders serve from `PYTHONPATH` as site-packages served
//! in the original. `stdlib_shadows` removes the copies of standard-library modules,
//! `pth_files` makes the folders' `.pth` files read at start. On another base, whose
//! `python` may not be the one that runs the app (or may be missing), there is no such
//! step: a requirement that copies a standard-library module declines, and so does
//! Python 2, which needs its `.pth` files.

use super::{pth_files, python_run, stdlib_shadows};
use crate::ecosystem::{Base, Ecosystem};
use crate::transform::plan::Step;
use crate::transform::shell::one_line;
use crate::transform::{Decision, Input};

/// Whether the builder ends with the step: on an official python image.
pub fn applies_on(base: &Base) -> bool {
    base.ecosystem == Some(Ecosystem::Python)
}

/// Why the step cannot serve the stage, if it cannot: the file puts a `sitecustomize` of
/// its own on the image (`COPY sitecustomize.py /usr/local/lib/python2.7/site-packages/`,
/// Python 2's `setdefaultencoding`), which the step's, first on PYTHONPATH, would hide.
pub fn conflict(input: &Input) -> Option<String> {
    if !applies_on(&input.stage.base) {
        return None;
    }
    let analysis = input.analysis;
    let id = input
        .stage
        .body
        .iter()
        .find(|&&id| analysis.text(id).contains("sitecustomize"))?;
    Some(format!(
        "`{}` handles a sitecustomize of the file's own, which the sitecustomize.py that the builder writes to read the target folders' .pth files would hide where Python looks for one (it comes first on PYTHONPATH)",
        one_line(analysis.text(*id))
    ))
}

/// The step after the last install, for `folders`, and the decisions that say why.
pub fn step(folders: &[String]) -> (Step, Vec<Decision>) {
    let script = python_run::joined(&[stdlib_shadows::SCRIPT, pth_files::SCRIPT]);
    let step = python_run::step(&script, folders);
    let decisions = vec![
        stdlib_shadows::decision(folders),
        pth_files::decision(folders),
    ];
    (step, decisions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::python::interpreters::interpreters;
    use std::fs;

    #[test]
    fn the_step_is_exec_form_json_running_both_scripts() {
        let (step, decisions) = step(&["/opt/pydeps".into(), "/opt/pydeps-2".into()]);
        let words = python_run::words(&step);
        assert_eq!(words[..2], ["python", "-c"]);
        assert_eq!(
            words[2],
            python_run::joined(&[stdlib_shadows::SCRIPT, pth_files::SCRIPT])
                .replace("; ", ";     ")
        );
        assert_eq!(words[3..], ["/opt/pydeps", "/opt/pydeps-2"]);
        assert_eq!(decisions.len(), 2);
    }

    /// The joined scripts run as one with every interpreter the machine has: a copy of
    /// `json` goes, the `.pth` file gets its `sitecustomize.py`.
    #[test]
    fn the_joined_scripts_run() {
        for python in interpreters() {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("json.py"), "").unwrap();
            fs::write(dir.path().join("hook.pth"), "import os\n").unwrap();
            let target = dir.path().to_str().unwrap().to_string();
            let words = python_run::words(&step(&[target]).0);
            assert_eq!(words[1], "-c");
            assert!(python.runs(&words[2], &words[3..]), "{python:?}");
            assert!(!dir.path().join("json.py").exists(), "{python:?}");
            assert!(dir.path().join("sitecustomize.py").exists(), "{python:?}");
        }
    }
}
