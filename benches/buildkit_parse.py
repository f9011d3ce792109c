"""BuildKit's own parser over many Dockerfiles in one Python process (for benches/bulk.py).

Usage: python buildkit_parse.py FILE...

Parses every file with `dockerfile.parse_file` (the PyPI package `dockerfile`: BuildKit's Go
parser behind a Python API), then prints one JSON object on stdout:
{"files": N, "parsed": N_OK, "failed": N_ERR, "parse_seconds": T}
where T is the in-process time of the parse loop alone (no interpreter start-up, no import).
A file BuildKit rejects is counted, not fatal (the corpus holds a few); anything else that
goes wrong, e.g. the package missing, ends the process with a traceback and a non-zero code.
"""

import json
import sys
import time

import dockerfile


def main(paths):
    parsed = failed = 0
    start = time.perf_counter()
    for path in paths:
        try:
            dockerfile.parse_file(path)
            parsed += 1
        except (dockerfile.GoParseError, UnicodeDecodeError):
            failed += 1
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "files": len(paths),
                "parsed": parsed,
                "failed": failed,
                "parse_seconds": elapsed,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
