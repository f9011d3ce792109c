"""Reference parse of Dockerfiles by BuildKit's own parser, for restage's tests.

Uses the `dockerfile` package (a Go binding of BuildKit's parser). Arguments are file paths, or
`-` to read paths from stdin, one per line. Prints one JSON object per file and line:
{"path", "ok": true, "items": [...]} or {"path", "ok": false, "error"}.
Each item has cmd, sub_cmd, json, flags, value, start_line, end_line, original and
heredocs [{name, fd, content}]. The binding drops the heredocs of an ONBUILD trigger.
"""

import json
import sys

import dockerfile


def item(command):
    return {
        "cmd": command.cmd,
        "sub_cmd": command.sub_cmd,
        "json": command.json,
        "flags": list(command.flags),
        "value": list(command.value),
        "start_line": command.start_line,
        "end_line": command.end_line,
        "original": command.original,
        "heredocs": [
            {"name": h.name, "fd": h.file_descriptor, "content": h.content}
            for h in command.heredocs
        ],
    }


def record(path):
    try:
        items = [item(command) for command in dockerfile.parse_file(path)]
    except Exception as error:  # GoParseError, GoIOError, UnicodeDecodeError
        return {"path": path, "ok": False, "error": str(error)}
    return {"path": path, "ok": True, "items": items}


def main(argv):
    paths = argv[1:]
    if paths == ["-"]:
        paths = [line.rstrip("\r\n") for line in sys.stdin if line.rstrip("\r\n")]
    for path in paths:
        print(json.dumps(record(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
