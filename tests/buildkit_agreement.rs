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

/// Line ends, indentation and escapes where the grammar's pieces meet: each must read
/// exactly as BuildKit reads it (no tolerance, and no need for `../shared`).
#[test]
fn edge_cases_read_exactly_as_buildkit_reads_them() {
    let cases: &[&str] = &[
        "FROM a\nRUN x\r\r\n",
        "FROM a\nRUN x\r",
        "FROM a\nRUN x\r  \nCMD y\n",
        "FROM a\nRUN a\rb\n",
        "FROM a\nRUN a\r\\\r\n  b\r\n",
        "FROM a\r\nRUN a \\\r\n\r\n  # c\r\n  b\r\n",
        "FROM a\n  \t RUN indented\n\t\n",
        "FROM a\n   # comment\n  RUN b\n   \n",
        "FROM a\nRUN a \\\\\nRUN b\n",
        "FROM a\nRUN a \\ \t\n b\n",
        "FROM a\nRUN a\\\n",
        "FROM a\nRUN a \\",
        "FROM a\nRUN a `\n b\n",
        "# escape=`\nFROM a\nRUN a `\r\n b\r\n",
        "# escape=`\nFROM a\nRUN c:\\ `\n b \\\n",
        "# escape=`\nFROM a\nRUN a ``\nRUN b\n",
        "FROM a\nRUN <<EOF\r\necho hi\r\nEOF\r\nCMD x\n",
        "FROM a\nRUN a \\\n\n\n b\n   ",
        "FROM a\nRUN a \\\n  \u{a0}# not a comment\n",
        "FROM a\n\u{a0}RUN nbsp\n",
        "\u{feff}FROM a\r\nRUN x\r\n",
    ];
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let path = dir.path().join(format!("case{index:02}"));
            fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let references = support::buildkit_parse(&paths);
    let disagreements: Vec<String> = cases
        .iter()
        .zip(&references)
        .filter_map(|(text, reference)| {
            support::agreement::disagreement(text.as_bytes(), reference)
                .map(|why| format!("{text:?}: {why}"))
        })
        .collect();
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
