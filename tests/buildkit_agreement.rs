//! restage reads every Dockerfile of `../shared/corpus` and of BuildKit's conformance
//! files as BuildKit's own parser does, field for field (the `dockerfile` PyPI package,
//! which wraps BuildKit v0.12.5, in a virtualenv made on first use). Disagreements are
//! printed with their reason; at least 99.5% of the files must agree completely.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use restage::syntax::{self, Dockerfile};
use serde_json::{Value, json};

fn files() -> Vec<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let mut files = Vec::new();
    if let Ok(entries) = fs::read_dir(shared.join("corpus")) {
        files.extend(
            entries
                .map(|entry| entry.unwrap().path())
                .filter(|path| !path.ends_with("MANIFEST.tsv")),
        );
    }
    for set in ["testfiles", "testfiles-negative"] {
        if let Ok(entries) = fs::read_dir(shared.join("conformance/buildkit").join(set)) {
            files.extend(entries.map(|entry| entry.unwrap().path().join("Dockerfile")));
        }
    }
    files.sort();
    files
}

/// restage's reading in the reference's terms.
fn reading(dockerfile: &Dockerfile) -> Vec<Value> {
    dockerfile
        .instructions()
        .map(|instruction| {
            let node = &instruction.node;
            // The package reports an ONBUILD trigger's heredocs as none.
            let heredocs: Vec<Value> = if node.sub_cmd.is_some() {
                Vec::new()
            } else {
                instruction
                    .heredocs
                    .iter()
                    .map(|heredoc| {
                        json!({"name": heredoc.marker.name, "content": dockerfile.slice(heredoc.body)})
                    })
                    .collect()
            };
            json!({
                "cmd": node.cmd,
                "sub_cmd": node.sub_cmd,
                "json": node.json,
                "flags": node.flags,
                "value": node.value,
                "start_line": instruction.start_line,
                "end_line": instruction.end_line,
                "heredocs": heredocs,
            })
        })
        .collect()
}

fn theirs(item: &Value) -> Value {
    let heredocs: Vec<Value> = item["heredocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|heredoc| json!({"name": heredoc["name"], "content": heredoc["content"]}))
        .collect();
    json!({
        "cmd": item["cmd"],
        "sub_cmd": item["sub_cmd"],
        "json": item["json"],
        "flags": item["flags"],
        "value": item["value"],
        "start_line": item["start_line"],
        "end_line": item["end_line"],
        "heredocs": heredocs,
    })
}

/// Why restage's reading of a file differs from BuildKit's, if it does.
fn disagreement(path: &Path, reference: &Value) -> Option<String> {
    let source = fs::read(path).unwrap();
    // The lossless tree is BuildKit's parser's reading (unknown instructions kept).
    let tree = std::str::from_utf8(&source)
        .map_err(|error| error.to_string())
        .and_then(|text| syntax::parse_lossless(text).map_err(|error| error.to_string()))
        .and_then(|tree| {
            if tree.instructions().next().is_none() {
                Err("file with no instructions".to_owned())
            } else {
                Ok(tree)
            }
        });
    match (tree, reference["ok"].as_bool().unwrap()) {
        (Ok(_), false) => Some(format!(
            "BuildKit rejects it ({}), restage accepts it",
            reference["error"]
        )),
        (Err(error), true) => Some(format!("restage rejects it ({error}), BuildKit accepts it")),
        (Err(_), false) => None,
        (Ok(tree), true) => {
            let ours = reading(&tree);
            let theirs: Vec<Value> = reference["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(theirs)
                .collect();
            if ours.len() != theirs.len() {
                return Some(format!(
                    "{} instructions, BuildKit reads {}",
                    ours.len(),
                    theirs.len()
                ));
            }
            ours.iter()
                .zip(&theirs)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("instruction differs:\n    restage:  {a}\n    buildkit: {b}"))
        }
    }
}

#[test]
fn restage_reads_every_file_as_buildkit_does() {
    let files = files();
    if files.is_empty() {
        eprintln!("../shared is not here; nothing to compare");
        return;
    }
    let references = support::buildkit_parse(&files);
    assert_eq!(references.len(), files.len());
    let disagreements: Vec<String> = files
        .iter()
        .zip(&references)
        .filter_map(|(path, reference)| {
            disagreement(path, reference).map(|why| format!("{}: {why}", path.display()))
        })
        .collect();
    for line in &disagreements {
        eprintln!("disagrees: {line}");
    }
    let agreeing = files.len() - disagreements.len();
    eprintln!(
        "{agreeing} of {} files agree with BuildKit field for field",
        files.len()
    );
    assert!(
        agreeing * 1000 >= files.len() * 995,
        "only {agreeing} of {} files agree",
        files.len()
    );
}
