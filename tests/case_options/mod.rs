//! A fixture case's `options` file: `key=value` lines (`go_final`, `slim`, `ecosystem`,
//! `serve_static`) that set the transformer options it is rewritten with. Shared by the
//! golden fixtures and the property tests that damage them.

use std::fs;
use std::path::Path;

use restage::ecosystem::Ecosystem;
use restage::transform::Options;

/// The options of the case in folder `case` (the defaults when it has no `options` file).
pub fn read(case: &Path) -> Options {
    let mut options = Options::default();
    let Ok(text) = fs::read_to_string(case.join("options")) else {
        return options;
    };
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let (key, value) = line.split_once('=').expect("options lines are key=value");
        match key.trim() {
            "go_final" => options.go_final = value.trim().parse().unwrap(),
            "slim" => options.slim = value.trim() == "true",
            "serve_static" => options.serve_static = value.trim() == "true",
            "ecosystem" => {
                options.ecosystem =
                    Some(<Ecosystem as clap::ValueEnum>::from_str(value.trim(), true).unwrap())
            }
            other => panic!("{}: unknown option {other}", case.display()),
        }
    }
    options
}
