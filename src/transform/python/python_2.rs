//! Python 2 where the rewrite cannot serve it. Python 2 has no namespace packages
//! without the `.pth` files pip writes beside them, which no Python reads in a
//! `PYTHONPATH` folder, so `google-*`, `protobuf` or `zope.*` packages would not import
//! from the target folder: on an official python image the builder's last step makes
//! them read (`site_like`), on another base it does not run. There a tag that names
//! Python 2 declines; so, on a base that is not an official image, whose Python restage
//! cannot tell, do a `virtualenv` made with the base's default Python and a system
//! install of Python 2.

use super::site_like;
use crate::transform::Input;
use crate::transform::packages;
use crate::transform::shell::{self, program_name};

const WHY: &str = "it has no namespace packages without a `.pth` file, and reads none in a PYTHONPATH folder, so packages such as google-*, protobuf or zope.* would not import from the target folder (restage makes them read on official python images only, whose `python` it knows)";

/// Debian and Alpine packages of Python 2 and its pip.
const PYTHON_2_PACKAGES: &[&str] = &["python", "python2", "python2.7", "python-pip", "py-pip"];

/// Why the stage's Python may be Python 2, if it may.
pub fn reason(input: &Input) -> Option<String> {
    let base = &input.stage.base;
    if base.is_python_2() && !site_like::applies_on(base) {
        return Some(format!("Python 2 on `{}`: {WHY}", base.image.raw));
    }
    if base.ecosystem.is_some() {
        return None;
    }
    for (_, line) in shell::shell_runs(input) {
        for command in shell::commands(&line) {
            let words = shell::words(command);
            if words
                .first()
                .is_some_and(|w| program_name(w) == "virtualenv")
                && !words
                    .iter()
                    .any(|w| w.starts_with("-p") || w.starts_with("--python"))
            {
                return Some(format!(
                    "`{command}` makes a virtualenv of the default Python of `{}`, which restage cannot tell and which may be Python 2 (give it `-p python3`): {WHY}",
                    base.image.raw
                ));
            }
            if let Some(package) = packages::install_in(&words).and_then(|install| {
                install
                    .packages
                    .into_iter()
                    .find(|p| PYTHON_2_PACKAGES.contains(&p.as_str()))
            }) {
                return Some(format!(
                    "`{command}` installs Python 2 (`{package}`) on `{}`, whose own Python restage cannot tell: if the install runs with it, {WHY}",
                    base.image.raw
                ));
            }
        }
    }
    None
}
