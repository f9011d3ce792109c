//! restage reads every Dockerfile of `../shared/corpus` and of BuildKit's conformance
//! files as BuildKit's own parser does, field for field (the `dockerfile` PyPI package,
//! which wraps BuildKit v0.12.5, in a virtualenv made on first use). Disagreements are
//! printed with their reason; at least 99.5% of the files must agree completely.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

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
            support::agreement::disagreement(&fs::read(path).unwrap(), reference)
                .map(|why| format!("{}: {why}", path.display()))
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
