//! Parse throughput over `../shared/corpus` (MB/s), against BuildKit's own parser (the
//! `dockerfile` PyPI package, one Python process) on the same files in the same run.
//! `cargo bench --bench parse`; the BuildKit side needs `target/buildkit-venv` (made by
//! `cargo test --test buildkit_agreement`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 20;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(entries) = std::fs::read_dir(root.join("../shared/corpus")) else {
        eprintln!("../shared/corpus is not here; nothing to measure");
        return;
    };
    let paths: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.ends_with("MANIFEST.tsv"))
        .collect();
    let files: Vec<Vec<u8>> = paths
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();

    let ours = median(
        (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                for file in &files {
                    let _ = std::hint::black_box(restage::syntax::parse_bytes(file));
                }
                start.elapsed()
            })
            .collect(),
    );
    let mb = bytes as f64 / 1e6;
    println!(
        "restage parse: {} files, {:.2} MB, median {:.2} ms, {:.1} MB/s",
        files.len(),
        mb,
        ours.as_secs_f64() * 1e3,
        mb / ours.as_secs_f64()
    );

    let python = root.join("target/buildkit-venv/bin/python");
    if !python.exists() {
        println!(
            "BuildKit parser: no {}; run the tests first",
            python.display()
        );
        return;
    }
    let script = format!(
        "import sys, time, dockerfile\npaths = sys.argv[1:]\ntimes = []\nfor _ in range({ROUNDS}):\n    t = time.perf_counter()\n    for p in paths:\n        try: dockerfile.parse_file(p)\n        except Exception: pass\n    times.append(time.perf_counter() - t)\ntimes.sort()\nprint(times[len(times) // 2])\n"
    );
    let output = Command::new(&python)
        .arg("-c")
        .arg(script)
        .args(&paths)
        .output()
        .expect("run the BuildKit parser");
    let theirs: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    println!(
        "BuildKit parser (dockerfile package): median {:.2} ms, {:.1} MB/s",
        theirs * 1e3,
        mb / theirs
    );
    println!(
        "ratio: restage takes {:.2}x the time of BuildKit's parser",
        ours.as_secs_f64() / theirs
    );
}
