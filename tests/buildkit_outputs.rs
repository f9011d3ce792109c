//! Every rewrite restage produces parses with BuildKit's own parser (issue 3), and BuildKit
//! reads it as restage does, field for field. The rewrites are those of every file of
//! `../shared/corpus` (when it is there; files that do not parse or are declined are
//! skipped), every golden fixture's `expected.Dockerfile` and every `examples/*/Dockerfile`
//! (with its build context). All go to BuildKit's parser in one batch.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use restage::context::BuildContext;
use restage::syntax;
use restage::transform::{Options, Outcome, restage};

/// One rewrite to check: where it came from and its text.
struct Output {
    origin: String,
    text: String,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries.map(|entry| entry.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    paths
}

/// The rewrite of `source`, or `None` when it does not parse or restage declines it.
fn rewrite(origin: &Path, source: &[u8], context: impl FnOnce() -> BuildContext) -> Option<String> {
    let dockerfile = syntax::parse_bytes(source).ok()?;
    match restage(&dockerfile, context, &Options::default()) {
        Ok(Outcome::Rewritten(rewrite)) => Some(rewrite.text),
        Ok(Outcome::Declined(_)) => None,
        Err(error) => panic!("{}: restage broke an invariant: {error}", origin.display()),
    }
}

fn corpus() -> Vec<Output> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    sorted_entries(&corpus)
        .into_iter()
        .filter(|path| !path.ends_with("MANIFEST.tsv"))
        .filter_map(|path| {
            let source = fs::read(&path).unwrap();
            let text = rewrite(&path, &source, BuildContext::default)?;
            Some(Output {
                origin: path.display().to_string(),
                text,
            })
        })
        .collect()
}

fn fixtures() -> Vec<Output> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    sorted_entries(&root)
        .into_iter()
        .map(|case| case.join("expected.Dockerfile"))
        .filter(|path| path.is_file())
        .map(|path| Output {
            text: fs::read_to_string(&path).unwrap(),
            origin: path.display().to_string(),
        })
        .collect()
}

fn examples() -> Vec<Output> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    sorted_entries(&root)
        .into_iter()
        .filter(|dir| dir.join("Dockerfile").is_file())
        .map(|dir| {
            let path = dir.join("Dockerfile");
            let source = fs::read(&path).unwrap();
            let text = rewrite(&path, &source, || BuildContext::read(&dir))
                .unwrap_or_else(|| panic!("{}: restage does not rewrite it", path.display()));
            Output {
                origin: format!("{} (rewritten)", path.display()),
                text,
            }
        })
        .collect()
}

/// What BuildKit rejects after parsing, when it reads a `FROM` as a stage
/// (`parseBuildStageName` in BuildKit v0.12.5's `instructions/parse.go`): the parser, which is
/// all the `dockerfile` package runs, accepts a `FROM` with no argument.
fn bad_from(record: &serde_json::Value) -> Option<String> {
    let items = record["items"].as_array()?;
    items
        .iter()
        .filter(|item| {
            item["cmd"]
                .as_str()
                .is_some_and(|cmd| cmd.eq_ignore_ascii_case("from"))
                && item["sub_cmd"].is_null()
        })
        .find_map(|item| {
            let args: Vec<&str> = item["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|arg| arg.as_str().unwrap())
                .collect();
            let line = &item["start_line"];
            match args.as_slice() {
                [_] => None,
                [_, as_, name] if as_.eq_ignore_ascii_case("as") => {
                    let name = name.to_lowercase();
                    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
                        && name.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c)
                        });
                    (!valid).then(|| format!("line {line}: invalid name for build stage: {name:?}"))
                }
                _ => Some(format!(
                    "line {line}: FROM requires either one or three arguments, not {args:?}"
                )),
            }
        })
}

/// BuildKit's record of each output, in order (written to files for `buildkit.py`).
fn buildkit_records(outputs: &[Output]) -> Vec<serde_json::Value> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("buildkit-outputs.{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let paths: Vec<PathBuf> = outputs
        .iter()
        .enumerate()
        .map(|(i, output)| {
            let path = dir.join(format!("{i:05}.Dockerfile"));
            fs::write(&path, &output.text).unwrap();
            path
        })
        .collect();
    let records = support::buildkit_parse(&paths);
    let _ = fs::remove_dir_all(&dir);
    records
}

#[test]
fn every_rewrite_parses_with_buildkit() {
    let corpus = corpus();
    let fixtures = fixtures();
    let examples = examples();
    assert!(
        fixtures.len() >= 30,
        "only {} fixture rewrites",
        fixtures.len()
    );
    assert!(!examples.is_empty(), "no examples found");
    let counts = (corpus.len(), fixtures.len(), examples.len());
    let outputs: Vec<Output> = corpus.into_iter().chain(fixtures).chain(examples).collect();

    let records = buildkit_records(&outputs);
    let failures: Vec<String> = outputs
        .iter()
        .zip(&records)
        .filter_map(|(output, record)| {
            let why = if record["ok"].as_bool() != Some(true) {
                Some(format!("BuildKit rejects it: {}", record["error"]))
            } else if let Some(why) = bad_from(record) {
                Some(format!("BuildKit would reject its stages: {why}"))
            } else {
                support::agreement::disagreement(output.text.as_bytes(), record)
                    .map(|why| format!("BuildKit reads it differently: {why}"))
            };
            why.map(|why| format!("{}: {why}\n--- the rewrite\n{}", output.origin, output.text))
        })
        .collect();

    eprintln!(
        "BuildKit parsed {} rewrites: {} from the corpus, {} fixtures, {} examples",
        outputs.len(),
        counts.0,
        counts.1,
        counts.2
    );
    assert!(
        failures.is_empty(),
        "{} of {} rewrites fail BuildKit's parser:\n{}",
        failures.len(),
        outputs.len(),
        failures.join("\n")
    );
}
