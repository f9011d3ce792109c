//! Criterion benchmarks of parsing and rewriting a few representative Dockerfiles:
//! `cargo bench --bench rewrite` (about a minute).
//!
//! The files are the examples (`examples/*/Dockerfile`, small apps in each ecosystem) and two
//! larger ones under `benches/data/`: a 2 kB single-stage Python service that restage
//! rewrites, and an 8 kB multistage build that it leaves alone (the common case of a bulk
//! run). Nothing here needs `../shared`; `benches/bulk.sh` measures whole runs over the corpus.
//!
//! - `parse/<file>`: `restage::syntax::parse_bytes`, the lossless parse (throughput in bytes).
//! - `rewrite/<file>`: `restage::transform::restage` on the parsed file: analysis, the plan,
//!   emitting the rewrite and the invariant checks (which parse the rewrite again). The build
//!   context is read once beforehand, so no file IO is timed.
//! - `parse_and_rewrite/<file>`: both, as the command line does per file (less the IO).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use restage::context::BuildContext;
use restage::transform::{self, Options, Outcome};

/// (benchmark name, folder holding the Dockerfile, whether restage rewrites it).
const FILES: &[(&str, &str, bool)] = &[
    ("seed-flask", "examples/seed-flask", true),
    ("python-compiled", "examples/python-compiled", true),
    ("go-http", "examples/go-http", true),
    ("node-typescript", "examples/node-typescript", true),
    ("python-large", "benches/data/python-large", true),
    ("multistage-large", "benches/data/multistage-large", false),
];

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    context: BuildContext,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    FILES
        .iter()
        .map(|&(name, dir, rewritten)| {
            let dir = root.join(dir);
            let bytes = std::fs::read(dir.join("Dockerfile"))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let context = BuildContext::read(&dir);
            // A benchmark of a file that is declined would measure something else than its
            // name says: check the outcome once before timing it.
            let dockerfile = restage::syntax::parse_bytes(&bytes).expect("the file parses");
            let outcome = transform::restage(&dockerfile, || &context, &Options::default())
                .expect("restage keeps its invariants");
            assert_eq!(
                matches!(outcome, Outcome::Rewritten(_)),
                rewritten,
                "{name}: expected {}",
                if rewritten { "a rewrite" } else { "no rewrite" }
            );
            Case {
                name,
                bytes,
                context,
            }
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let cases = cases();
    let options = Options::default();

    let mut group = c.benchmark_group("parse");
    for case in &cases {
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        group.bench_function(case.name, |b| {
            b.iter(|| restage::syntax::parse_bytes(black_box(&case.bytes)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("rewrite");
    for case in &cases {
        let dockerfile = restage::syntax::parse_bytes(&case.bytes).unwrap();
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        group.bench_function(case.name, |b| {
            b.iter(|| transform::restage(black_box(&dockerfile), || &case.context, &options))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse_and_rewrite");
    for case in &cases {
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        group.bench_function(case.name, |b| {
            b.iter(|| {
                let dockerfile = restage::syntax::parse_bytes(black_box(&case.bytes)).unwrap();
                transform::restage(&dockerfile, || &case.context, &options)
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    // Modest times, so the whole bench (18 benchmarks) takes about a minute.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = rewrite;
    config = config();
    targets = benches
}
criterion_main!(rewrite);
