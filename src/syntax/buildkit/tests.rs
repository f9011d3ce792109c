//! Tables of BuildKit's readings, one per instruction, with odd spellings.
//!
//! Every expected `cmd`, `sub_cmd`, `json`, `flags`, `value`, heredoc name and fd below was
//! checked against BuildKit v0.12.5 through the `dockerfile` Python package (3.4.0). That package
//! does not expose a heredoc's `chomp` and `expand`, nor an ONBUILD trigger's flags or heredocs;
//! those expectations follow BuildKit's source (`parser.go`, `ParseHeredoc`).

use super::*;
use proptest::prelude::*;

struct Case {
    line: &'static str,
    cmd: &'static str,
    sub_cmd: Option<&'static str>,
    json: bool,
    flags: &'static [&'static str],
    value: &'static [&'static str],
}

fn check_table(escape: char, cases: &[Case]) {
    for case in cases {
        let node = node_from_line(case.line, escape)
            .unwrap_or_else(|e| panic!("{:?}: unexpected error {e}", case.line));
        let got = (
            node.cmd.as_str(),
            node.sub_cmd.as_deref(),
            node.json,
            &node.flags[..],
            &node.value[..],
        );
        let flags: Vec<String> = case.flags.iter().map(|s| s.to_string()).collect();
        let value: Vec<String> = case.value.iter().map(|s| s.to_string()).collect();
        let want = (case.cmd, case.sub_cmd, case.json, &flags[..], &value[..]);
        assert_eq!(got, want, "{:?}", case.line);
    }
}

#[test]
fn run() {
    check_table(
        '\\',
        &[
            Case {
                line: "RUN echo hi",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["echo hi"],
            },
            Case {
                line: "run\techo  hi ",
                cmd: "run",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["echo  hi"],
            },
            Case {
                line: "Run  [\"echo\", \"hi\"]",
                cmd: "Run",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["echo", "hi"],
            },
            Case {
                line: "RUN [ \"a\" ] trailing",
                cmd: "RUN",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["a"],
            },
            Case {
                line: "RUN ['a']",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["['a']"],
            },
            Case {
                line: "RUN [\"a\"",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["[\"a\""],
            },
            Case {
                line: "RUN [\"a\",]",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["[\"a\",]"],
            },
            Case {
                line: "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm pip install .",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[
                    "--mount=type=cache,target=/root/.cache",
                    "--mount=type=secret,id=npm",
                ],
                value: &["pip install ."],
            },
            Case {
                line: "RUN --network=none -- echo",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--network=none"],
                value: &["echo"],
            },
            Case {
                line: "RUN -- --not-a-flag",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["--not-a-flag"],
            },
            Case {
                line: "RUN --network none echo",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--network"],
                value: &["none echo"],
            },
            Case {
                line: "RUN --link",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--link"],
                value: &[],
            },
            Case {
                line: "RUN --a=\"b c\"d echo",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--a=b cd"],
                value: &["echo"],
            },
            Case {
                line: "RUN --flag \"--x\" echo",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--flag"],
                value: &["\"--x\" echo"],
            },
            Case {
                line: "RUN ---a b",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["---a"],
                value: &["b"],
            },
            Case {
                line: "RUN --a\\ b c",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &["--a b"],
                value: &["c"],
            },
            Case {
                line: "RUN",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "RUN []",
                cmd: "RUN",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &[],
            },
            Case {
                line: "RUN [\"\\ud800\"]",
                cmd: "RUN",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["\u{fffd}"],
            },
            Case {
                line: "RUN [\"a\\tb\"]",
                cmd: "RUN",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["a\tb"],
            },
            Case {
                line: "RUN [1e400]",
                cmd: "RUN",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["[1e400]"],
            },
        ],
    );
}

#[test]
fn cmd_entrypoint_and_shell() {
    check_table(
        '\\',
        &[
            Case {
                line: "CMD [\"python\", \"app.py\"]",
                cmd: "CMD",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["python", "app.py"],
            },
            Case {
                line: "cmd python app.py",
                cmd: "cmd",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["python app.py"],
            },
            Case {
                line: "CMD [\"a\"]x",
                cmd: "CMD",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["a"],
            },
            Case {
                line: "ENTRYPOINT [\"/bin/sh\", \"-c\"]",
                cmd: "ENTRYPOINT",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["/bin/sh", "-c"],
            },
            Case {
                line: "ENTRYPOINT exec app",
                cmd: "ENTRYPOINT",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["exec app"],
            },
            Case {
                line: "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
                cmd: "SHELL",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["/bin/bash", "-o", "pipefail", "-c"],
            },
            Case {
                line: "CMD []",
                cmd: "CMD",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &[],
            },
            Case {
                line: "CMD [\"a\", 1e400]",
                cmd: "CMD",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["[\"a\", 1e400]"],
            },
        ],
    );
}

#[test]
fn copy_add_and_volume() {
    check_table(
        '\\',
        &[
            Case {
                line: "COPY . /app",
                cmd: "COPY",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[".", "/app"],
            },
            Case {
                line: "copy --from=builder --chown=1:1 /out /bin",
                cmd: "copy",
                sub_cmd: None,
                json: false,
                flags: &["--from=builder", "--chown=1:1"],
                value: &["/out", "/bin"],
            },
            Case {
                line: "COPY [\"a b\", \"/c\"]",
                cmd: "COPY",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["a b", "/c"],
            },
            Case {
                line: "COPY --link  a\\ b  c",
                cmd: "COPY",
                sub_cmd: None,
                json: false,
                flags: &["--link"],
                value: &["a\\", "b", "c"],
            },
            Case {
                line: "ADD https://x/y.tgz /tmp/",
                cmd: "ADD",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["https://x/y.tgz", "/tmp/"],
            },
            Case {
                line: "ADD --checksum=sha256:abc [\"a\", \"b\"]",
                cmd: "ADD",
                sub_cmd: None,
                json: true,
                flags: &["--checksum=sha256:abc"],
                value: &["a", "b"],
            },
            Case {
                line: "COPY",
                cmd: "COPY",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "VOLUME /data /logs",
                cmd: "VOLUME",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["/data", "/logs"],
            },
            Case {
                line: "VOLUME [\"/data\"]",
                cmd: "VOLUME",
                sub_cmd: None,
                json: true,
                flags: &[],
                value: &["/data"],
            },
        ],
    );
}

#[test]
fn env_and_label() {
    check_table(
        '\\',
        &[
            Case {
                line: "ENV A=1 B=\"x y\"",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "1", "B", "\"x y\""],
            },
            Case {
                line: "ENV A 1",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "1"],
            },
            Case {
                line: "ENV A  \t B  C",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "B  C"],
            },
            Case {
                line: "env PATH=/x:$PATH",
                cmd: "env",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["PATH", "/x:$PATH"],
            },
            Case {
                line: "ENV A=",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", ""],
            },
            Case {
                line: "ENV A=1 B=\"c d\" E='f g'",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "1", "B", "\"c d\"", "E", "'f g'"],
            },
            Case {
                line: "ENV A B=\"c d\"",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "B=\"c d\""],
            },
            Case {
                line: "ENV A=\\\"b",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "\\\"b"],
            },
            Case {
                line: "ENV",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "LABEL a=b c=\"d e\"",
                cmd: "LABEL",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["a", "b", "c", "\"d e\""],
            },
            Case {
                line: "LABEL maintainer me",
                cmd: "LABEL",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["maintainer", "me"],
            },
            Case {
                line: "LABEL \"com.x\"=\"y\"",
                cmd: "LABEL",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["\"com.x\"", "\"y\""],
            },
        ],
    );
}

#[test]
fn arg() {
    check_table(
        '\\',
        &[
            Case {
                line: "ARG A",
                cmd: "ARG",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A"],
            },
            Case {
                line: "ARG a=1 b c=\"d e\"",
                cmd: "ARG",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["a=1", "b", "c=\"d e\""],
            },
            Case {
                line: "arg VERSION=\"1.0\"",
                cmd: "arg",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["VERSION=\"1.0\""],
            },
            Case {
                line: "ARG",
                cmd: "ARG",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "ARG A\\ B=1",
                cmd: "ARG",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A\\ B=1"],
            },
        ],
    );
}

#[test]
fn from_and_expose() {
    check_table(
        '\\',
        &[
            Case {
                line: "FROM python:3.12 AS build",
                cmd: "FROM",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["python:3.12", "AS", "build"],
            },
            Case {
                line: "from \ta\t as b",
                cmd: "from",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["a", "as", "b"],
            },
            Case {
                line: "FROM --platform=$BUILDPLATFORM golang:1.22",
                cmd: "FROM",
                sub_cmd: None,
                json: false,
                flags: &["--platform=$BUILDPLATFORM"],
                value: &["golang:1.22"],
            },
            Case {
                line: "EXPOSE 80  443/tcp",
                cmd: "EXPOSE",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["80", "443/tcp"],
            },
            Case {
                line: "EXPOSE",
                cmd: "EXPOSE",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "FROM",
                cmd: "FROM",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
        ],
    );
}

#[test]
fn user_workdir_stopsignal_maintainer() {
    check_table(
        '\\',
        &[
            Case {
                line: "USER app:app",
                cmd: "USER",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["app:app"],
            },
            Case {
                line: "WORKDIR /srv/my app",
                cmd: "WORKDIR",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["/srv/my app"],
            },
            Case {
                line: "STOPSIGNAL SIGTERM",
                cmd: "STOPSIGNAL",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["SIGTERM"],
            },
            Case {
                line: "MAINTAINER Jane <j@x>",
                cmd: "MAINTAINER",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["Jane <j@x>"],
            },
            Case {
                line: "MA\u{130}NTAINER x",
                cmd: "MA\u{130}NTAINER",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["x"],
            },
            Case {
                line: "USER",
                cmd: "USER",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
        ],
    );
}

/// WORKDIR's path as BuildKit's `ProcessWordWithMatches` evaluates it, in the file's escape.
#[test]
fn workdir_evaluated_word() {
    let evaluated = |line: &str, escape: char| {
        let node = node_from_line(line, escape).unwrap();
        node.evaluated_word(&node.value[0])
    };
    for (line, want) in [
        ("WORKDIR \"/app\"", "/app"),
        ("WORKDIR '/app'", "/app"),
        ("WORKDIR /srv/my app", "/srv/my app"),
        ("WORKDIR /srv/my\\ app", "/srv/my app"),
        ("WORKDIR \"/a b\"/c", "/a b/c"),
        ("WORKDIR \"/a\\\"b\"", "/a\"b"),
        ("WORKDIR $HOME/app", "$HOME/app"),
        ("WORKDIR \"${APP:-/srv}\"", "${APP:-/srv}"),
        ("WORKDIR C:\\app", "C:app"),
    ] {
        assert_eq!(evaluated(line, '\\').as_deref(), Ok(want), "{line}");
    }
    assert_eq!(evaluated("WORKDIR C:\\app", '`').as_deref(), Ok("C:\\app"));
    assert_eq!(
        evaluated("WORKDIR \"C:\\my app\"", '`').as_deref(),
        Ok("C:\\my app")
    );
    assert!(evaluated("WORKDIR \"/app", '\\').is_err());
}

#[test]
fn healthcheck() {
    check_table(
        '\\',
        &[
            Case {
                line: "HEALTHCHECK NONE",
                cmd: "HEALTHCHECK",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["NONE"],
            },
            Case {
                line: "HEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"http://x\"]",
                cmd: "HEALTHCHECK",
                sub_cmd: None,
                json: true,
                flags: &["--interval=5s"],
                value: &["CMD", "curl", "-f", "http://x"],
            },
            Case {
                line: "HEALTHCHECK CMD   curl -f http://x || exit 1",
                cmd: "HEALTHCHECK",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["CMD", "curl -f http://x || exit 1"],
            },
            Case {
                line: "HEALTHCHECK",
                cmd: "HEALTHCHECK",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "healthcheck --timeout=3s cmd curl x",
                cmd: "healthcheck",
                sub_cmd: None,
                json: false,
                flags: &["--timeout=3s"],
                value: &["cmd", "curl x"],
            },
        ],
    );
}

#[test]
fn onbuild() {
    check_table(
        '\\',
        &[
            Case {
                line: "ONBUILD RUN echo hi",
                cmd: "ONBUILD",
                sub_cmd: Some("RUN"),
                json: false,
                flags: &[],
                value: &["echo hi"],
            },
            Case {
                line: "onbuild Run [\"a\"]",
                cmd: "onbuild",
                sub_cmd: Some("Run"),
                json: true,
                flags: &[],
                value: &["a"],
            },
            Case {
                line: "ONBUILD",
                cmd: "ONBUILD",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &[],
            },
            Case {
                line: "ONBUILD COPY --from=a . /b",
                cmd: "ONBUILD",
                sub_cmd: Some("COPY"),
                json: false,
                flags: &[],
                value: &[".", "/b"],
            },
            Case {
                line: "ONBUILD --foo RUN echo",
                cmd: "ONBUILD",
                sub_cmd: Some("RUN"),
                json: false,
                flags: &["--foo"],
                value: &["echo"],
            },
            Case {
                line: "ONBUILD FORM x",
                cmd: "ONBUILD",
                sub_cmd: Some("FORM"),
                json: false,
                flags: &[],
                value: &[""],
            },
            Case {
                line: "ONBUILD ONBUILD RUN x",
                cmd: "ONBUILD",
                sub_cmd: Some("ONBUILD"),
                json: false,
                flags: &[],
                value: &[""],
            },
            Case {
                line: "ONBUILD ENV A=1 B=2",
                cmd: "ONBUILD",
                sub_cmd: Some("ENV"),
                json: false,
                flags: &[],
                value: &["A", "1", "B", "2"],
            },
        ],
    );
}

#[test]
fn backtick_escape() {
    check_table(
        '`',
        &[
            Case {
                line: "ENV A=b`\"c",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "b`\"c"],
            },
            Case {
                line: "ENV A=`\\ B=c",
                cmd: "ENV",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A", "`\\", "B", "c"],
            },
            Case {
                line: "ARG A`=1 B",
                cmd: "ARG",
                sub_cmd: None,
                json: false,
                flags: &[],
                value: &["A`=1", "B"],
            },
        ],
    );
}

#[test]
fn errors_are_worded_as_buildkit_words_them() {
    for (line, message) in [
        ("ENV A", "ENV must have two arguments"),
        (
            "ENV A=1 B",
            "Syntax error - can't find = in \"B\". Must be of the form: name=value",
        ),
        ("LABEL a", "LABEL must have two arguments"),
        (
            "CMD [1]",
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
        (
            "RUN [null]",
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
        (
            "COPY [{\"a\":1}]",
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
        ("ONBUILD ENV A", "ENV must have two arguments"),
        (
            "HEALTHCHECK CMD [true]",
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
    ] {
        let error = node_from_line(line, '\\').unwrap_err();
        assert_eq!(error.message, message, "{line}");
        assert_eq!(error.hint, None, "{line}");
    }
}

#[test]
fn onbuild_keeps_its_triggers_flags_apart() {
    let node = node_from_line("ONBUILD --foo COPY --from=a . /b", '\\').unwrap();
    assert_eq!(node.flags, ["--foo"]);
    assert_eq!(node.sub_flags, ["--from=a"]);
    assert_eq!(node.value, [".", "/b"]);
}

/// (line, [(name, fd, chomp, expand)]).
type HeredocCase = (
    &'static str,
    &'static [(&'static str, Option<u64>, bool, bool)],
);

#[test]
fn heredoc_markers() {
    let cases: &[HeredocCase] = &[
        ("RUN <<EOF", &[("EOF", None, false, true)]),
        ("RUN <<-EOF", &[("EOF", None, true, true)]),
        ("RUN <<'EOF'", &[("EOF", None, false, false)]),
        ("RUN <<\"EOF\"", &[("EOF", None, false, false)]),
        ("RUN <<E'O'F", &[("EOF", None, false, false)]),
        (
            "COPY <<A <<B /d",
            &[("A", None, false, true), ("B", None, false, true)],
        ),
        ("RUN <<EOF python3", &[("EOF", None, false, true)]),
        ("RUN 3<<EOF cat /dev/fd/3", &[("EOF", Some(3), false, true)]),
        (
            "RUN 3<<-'EOF' 4<<\"EOF2\"",
            &[
                ("EOF", Some(3), true, false),
                ("EOF2", Some(4), false, false),
            ],
        ),
        (
            "run --mount=type=cache,target=/x <<EOF",
            &[("EOF", None, false, true)],
        ),
        (
            "COPY --chmod=755 <<-EOT /a.sh",
            &[("EOT", None, true, true)],
        ),
        ("ADD <<EOF /x", &[("EOF", None, false, true)]),
        (
            "RUN <<-\"EOF\"  <<A",
            &[("EOF", None, true, false), ("A", None, false, true)],
        ),
        ("RUN <<\"E F\"", &[("E F", None, false, false)]),
        ("RUN <<A\\ B", &[("A B", None, false, true)]),
        ("RUN <<$X", &[("$X", None, false, true)]),
        ("RUN <<${X:-y}", &[("${X:-y}", None, false, true)]),
        ("RUN echo <<E\\\"OF", &[("E\"OF", None, false, true)]),
        ("RUN <<EOF echo ${a-b}", &[("EOF", None, false, true)]),
        ("ONBUILD RUN <<EOF", &[("EOF", None, false, true)]),
        // BuildKit v0.12.5's lexer rejects these `${...}` forms and the unterminated quote, and
        // a line that does not lex opens no heredoc.
        ("RUN <<EOF echo ${a#b}", &[]),
        ("RUN <<EOF echo \"unterminated", &[]),
        ("RUN <<EOF<<EOF2", &[]),
        ("RUN <<\"\"", &[]),
        ("RUN <<", &[]),
        ("RUN a<<EOF", &[]),
        ("RUN echo \"<<EOF\"", &[]),
        ("RUN [\"a\", \"<<EOF\"]", &[]),
        ("ONBUILD run [\"<<EOF\"]", &[]),
        ("FROM x <<EOF", &[]),
    ];
    for (line, want) in cases {
        let node = node_from_line(line, '\\').unwrap();
        let got: Vec<_> = node
            .heredocs
            .iter()
            .map(|h| (h.name.as_str(), h.fd, h.chomp, h.expand))
            .collect();
        assert_eq!(got, *want, "{line:?}");
    }
}

#[test]
fn unknown_instructions_parse_like_parse_ignore_and_get_a_hint() {
    for (line, hint) in [
        ("FORM python:3", Some("did you mean FROM?")),
        ("form python:3", Some("did you mean from?")),
        ("cpy a b", Some("did you mean copy?")),
        ("...", None),
        ("XYZZY a", None),
    ] {
        let node = node_from_line(line, '\\').unwrap();
        assert_eq!(node.value, vec![String::new()], "{line}");
        let written = line.split(' ').next().unwrap();
        assert_eq!(instruction_hint(written).as_deref(), hint, "{line}");
    }
}

#[test]
fn multi_byte_text_after_flags_never_splits_a_character() {
    // BuildKit reads flags byte by byte: the 0xA0 inside `à` counts as a space.
    let node = node_from_line("RUN --aà b", '\\').unwrap();
    assert_eq!(node.flags, ["--a\u{c3}"]);
    assert_eq!(node.value, ["b"]);
    let node = node_from_line("HEALTHCHECK à", '\\').unwrap();
    assert_eq!(node.value, ["\u{fffd}"]);
}

#[test]
fn deep_json_nesting_is_not_exec_form() {
    let line = format!("CMD {}", "[".repeat(60_000));
    let node = node_from_line(&line, '\\').unwrap();
    assert!(!node.json);
    let nested = format!("CMD [{}{}]", "[".repeat(9_999), "]".repeat(9_999));
    assert!(
        node_from_line(&nested, '\\').is_err(),
        "10000 levels decode, to a non-string"
    );
    let too_deep = format!("CMD [{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    assert!(!node_from_line(&too_deep, '\\').unwrap().json);
}

proptest! {
    #[test]
    fn never_panics(line in "\\PC*", escape in prop::sample::select(vec!['\\', '`'])) {
        let _ = node_from_line(&line, escape);
    }

    #[test]
    fn never_panics_on_dockerfile_like_lines(
        name in prop::sample::select(vec!["RUN", "copy", "ADD", "ENV", "LABEL", "ARG", "CMD",
            "HEALTHCHECK", "ONBUILD", "ONBUILD RUN", "FROM", "USER"]),
        rest in "([ \\t\u{a0}\u{85}]|--[a-z=]*|[\"'`\\\\\\[\\]{},:=$<>-]|<<-?|[0-9]|[a-zé]+|\\$\\{)*",
    ) {
        let _ = node_from_line(&format!("{name} {rest}"), '\\');
    }
}

proptest! {
    /// The shortcut for words without quotes, escapes or variables gives the scanner's word.
    #[test]
    fn a_plain_word_evaluates_as_the_scanner_evaluates_it(
        word in "[^'\"$\\\\`\u{feff}]*",
        escape in prop::sample::select(vec!['\\', '`']),
    ) {
        let node = node_from_line("WORKDIR /", escape).unwrap();
        let scanned = shell_words::Lex { raw_quotes: false, raw_escapes: false, escape }
            .process_word(&word);
        prop_assert_eq!(node.evaluated_word(&word), scanned);
    }

    /// Any array of strings, as a JSON encoder writes it (escapes, controls as `\u00XX`,
    /// characters outside ASCII as they are), reads back as itself.
    #[test]
    fn json_string_arrays_read_back(strings in prop::collection::vec("\\PC*|[\u{0}-\u{1f}\"\\\\/]*", 0..4)) {
        let text = serde_json::to_string(&strings).unwrap();
        prop_assert_eq!(json_array::decode_string_array(&text), Ok(strings));
    }
}
