//! Golden fixtures: every `tests/fixtures/<case>/input.Dockerfile` is rewritten and
//! compared with `expected.Dockerfile` (or, for a file restage must leave alone, its
//! reason with the text of `expected.decline`). Each expected rewrite is rewritten a
//! second time to prove that restage leaves its own output alone.
//!
//! A case may have a `context/` folder (the files next to the Dockerfile) and an
//! `options` file (see `case_options`).
//! `RESTAGE_BLESS=1 cargo test --test fixtures` writes the current results.

mod case_options;

use std::fs;
use std::path::Path;

use restage::context::BuildContext;
use restage::syntax;
use restage::transform::{Outcome, restage};

fn outcome(case: &Path, text: &str) -> Outcome {
    let dockerfile = syntax::parse(text)
        .unwrap_or_else(|error| panic!("{}: does not parse: {error}", case.display()));
    let context = match case.join("context") {
        dir if dir.is_dir() => BuildContext::read(&dir),
        _ => BuildContext::default(),
    };
    restage(&dockerfile, || context, &case_options::read(case))
        .unwrap_or_else(|error| panic!("{}: {error}", case.display()))
}

#[test]
fn golden_fixtures() {
    let bless = std::env::var_os("RESTAGE_BLESS").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("input.Dockerfile").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} fixture cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let input = fs::read_to_string(case.join("input.Dockerfile")).unwrap();
        let expected_rewrite = case.join("expected.Dockerfile");
        let expected_decline = case.join("expected.decline");
        match outcome(case, &input) {
            Outcome::Rewritten(rewrite) => {
                if bless {
                    fs::write(&expected_rewrite, &rewrite.text).unwrap();
                    let _ = fs::remove_file(&expected_decline);
                }
                match fs::read_to_string(&expected_rewrite) {
                    Ok(expected) if expected == rewrite.text => {}
                    Ok(expected) => failures.push(format!(
                        "{}: rewrite differs\n--- expected\n{expected}\n--- got\n{}",
                        case.display(),
                        rewrite.text
                    )),
                    Err(_) => failures.push(format!(
                        "{}: rewritten, but the case expects a decline:\n{}",
                        case.display(),
                        rewrite.text
                    )),
                }
                if !matches!(outcome(case, &rewrite.text), Outcome::Declined(_)) {
                    failures.push(format!(
                        "{}: the rewrite is rewritten again",
                        case.display()
                    ));
                }
            }
            Outcome::Declined(decline) => {
                if bless {
                    fs::write(&expected_decline, format!("{}\n", decline.reason)).unwrap();
                    let _ = fs::remove_file(&expected_rewrite);
                }
                match fs::read_to_string(&expected_decline) {
                    Ok(reason) if decline.reason.contains(reason.trim()) => {}
                    _ => failures.push(format!(
                        "{}: declined ({}), not as expected",
                        case.display(),
                        decline.reason
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
