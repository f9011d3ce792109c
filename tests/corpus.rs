//! The real-world corpus in `../shared/corpus` (when present): every file round-trips
//! byte for byte, and the rewrite engine runs over every file without a panic or an
//! invariant failure. Prints the outcome table per ecosystem.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use restage::context::BuildContext;
use restage::syntax;
use restage::transform::{Options, Outcome, restage};

fn corpus() -> Option<(PathBuf, Vec<Vec<String>>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let manifest = fs::read_to_string(dir.join("MANIFEST.tsv")).ok()?;
    let rows = manifest
        .lines()
        .skip(1)
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect();
    Some((dir, rows))
}

#[test]
fn every_corpus_file_round_trips() {
    let Some((dir, rows)) = corpus() else {
        eprintln!("../shared/corpus is not here; nothing to check");
        return;
    };
    assert!(rows.len() > 600);
    for row in &rows {
        let bytes = fs::read(dir.join(&row[0])).unwrap();
        let text = String::from_utf8(bytes).expect("corpus files are UTF-8");
        let tree = syntax::parse_lossless(&text)
            .unwrap_or_else(|error| panic!("{}: {error} at byte {}", row[0], error.offset));
        assert_eq!(tree.to_string(), text, "{} does not round-trip", row[0]);
    }
}

#[test]
fn the_engine_rewrites_or_declines_every_corpus_file() {
    let Some((dir, rows)) = corpus() else {
        eprintln!("../shared/corpus is not here; nothing to check");
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    let mut table: BTreeMap<(String, String), usize> = BTreeMap::new();
    let (mut target, mut target_rewritten) = (0, 0);
    for row in &rows {
        let text = fs::read_to_string(dir.join(&row[0])).unwrap();
        let at = tree.path().join(&row[1]).join(&row[2]);
        fs::create_dir_all(at.parent().unwrap()).unwrap();
        fs::write(&at, &text).unwrap();
        let Ok(dockerfile) = syntax::parse(&text) else {
            *table
                .entry(("-".into(), "error: does not parse".into()))
                .or_default() += 1;
            continue;
        };
        let context = || BuildContext::read(at.parent().unwrap());
        let outcome = restage(&dockerfile, context, &Options::default())
            .unwrap_or_else(|error| panic!("{}: {error}", row[0]));
        let is_target = row[7].contains("SINGLE-STAGE-PGN-toolchain-base");
        target += usize::from(is_target);
        let key = match outcome {
            Outcome::Rewritten(rewrite) => {
                target_rewritten += usize::from(is_target);
                (rewrite.ecosystem.to_string(), "rewritten".to_owned())
            }
            Outcome::Declined(decline) => {
                let reason = decline
                    .reason
                    .split([':', '('])
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let ecosystem = decline.ecosystem.map_or("-".into(), |e| e.to_string());
                (ecosystem, format!("declined: {}", reason.trim()))
            }
        };
        *table.entry(key).or_default() += 1;
    }
    eprintln!("{:<8} {:>5}  outcome", "eco", "files");
    for ((ecosystem, outcome), count) in &table {
        eprintln!("{ecosystem:<8} {count:>5}  {outcome}");
    }
    eprintln!(
        "single-stage on a python/golang/node toolchain base: {target_rewritten} of {target} rewritten"
    );
}
