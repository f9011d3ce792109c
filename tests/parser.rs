//! The parser's reading of the odd spellings, one table per concern: directives,
//! continuations, line endings, forms, flags, heredocs, and the errors users see.

use restage::syntax::{self, Command, Form, ItemKind, LineKind};

/// `(cmd, value)` of each instruction, the way BuildKit reads it.
fn read(text: &str) -> Vec<(String, Vec<String>)> {
    let tree = syntax::parse(text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
    assert_eq!(tree.to_string(), text, "round trip");
    tree.instructions()
        .map(|i| (i.node.cmd.to_ascii_lowercase(), i.node.value.clone()))
        .collect()
}

fn one(text: &str) -> (String, Vec<String>) {
    read(text).pop().unwrap()
}

fn v(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn error(text: &str) -> syntax::ParseError {
    match syntax::parse(text) {
        Ok(_) => panic!("{text:?} parses"),
        Err(error) => error,
    }
}

#[test]
fn directives() {
    for (text, escape, kinds) in [
        ("# escape=`\nFROM a\nRUN x `\n y\n", '`', 1),
        ("#ESCAPE = `\nFROM a\n", '`', 1),
        ("  # escape=`\nFROM a\n", '`', 1),
        ("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n", '`', 2),
        ("# check=skip=all\nFROM a\n", '\\', 1),
        // After a comment or a blank line, `escape` is just a comment.
        ("# hello\n# escape=`\nFROM a\n", '\\', 0),
        ("\n# escape=`\nFROM a\n", '\\', 0),
        // An unknown name ends the directives.
        ("# foo=bar\n# escape=`\nFROM a\n", '\\', 0),
        ("\u{feff}# escape=`\nFROM a\n", '`', 1),
    ] {
        let tree = syntax::parse(text).unwrap();
        assert_eq!(tree.escape(), escape, "{text:?}");
        let directives = tree
            .items()
            .iter()
            .filter(|i| matches!(i.kind, ItemKind::Directive(_)))
            .count();
        assert_eq!(directives, kinds, "{text:?}");
        assert_eq!(tree.to_string(), text);
    }
    assert!(
        error("# escape=x\nFROM a\n")
            .message
            .contains("invalid escape token")
    );
    assert!(
        error("# escape=`\n# escape=\\\nFROM a\n")
            .message
            .contains("only one escape")
    );
}

#[test]
fn continuations() {
    for (text, value) in [
        ("FROM a\nRUN a \\  \t\n  b\n", "a   b"),
        ("FROM a\nRUN a \\\n# comment inside\n\n  b\n", "a   b"),
        ("FROM a\nRUN a \\\n  # indented comment\n  b\n", "a   b"),
        ("FROM a\nRUN a \\", "a"),
        ("FROM a\nRUN a \\\n", "a"),
        ("FROM a\nRUN a \\\\\nCMD b\n", "a \\\\"),
        ("FROM a\nRUN ec\\\nho hi\n", "echo hi"),
        ("FROM a\r\nRUN a \\\r\n  b\r\n", "a   b"),
        ("FROM a\n\tRUN\ta\n", "a"),
        ("# escape=`\nFROM a\nRUN a `\n b\n", "a  b"),
        ("# escape=`\nFROM a\nRUN dir c:\\\n", "dir c:\\"),
    ] {
        let (cmd, values) = read(text).into_iter().nth(1).unwrap();
        assert_eq!((cmd.as_str(), values), ("run", v(&[value])), "{text:?}");
    }
    let (cmd, _) = one("FROM a\nRU\\\nN x\n");
    assert_eq!(cmd, "run");
    // A doubled escape ends the instruction: CMD is its own.
    assert_eq!(read("FROM a\nRUN a \\\\\nCMD b\n").len(), 3);
}

/// The keyword's span runs on to the line that ends it where a continuation splits it
/// (also past a comment line), so that an edit of the arguments keeps it whole.
#[test]
fn keyword_split_by_a_continuation_spans_its_lines() {
    for (text, keyword) in [
        ("FROM a\nC\\\nMD [\"x\"]\n", "C\\\nMD"),
        ("FROM a\nCMD\\\n [\"x\"]\n", "CMD"),
        ("FROM a\nC\\\n# c\nMD x\n", "C\\\n# c\nMD"),
        ("FROM a\r\nCM\\\r\nD x\r\n", "CM\\\r\nD"),
        ("# escape=`\nFROM a\nC`\nMD x\n", "C`\nMD"),
        ("FROM a\n  CMD x\n", "CMD"),
    ] {
        let tree = syntax::parse(text).unwrap();
        let cmd = tree.instructions().nth(1).unwrap();
        assert_eq!(tree.slice(cmd.keyword_span), keyword, "{text:?}");
    }
}

#[test]
fn lines_of_an_instruction_keep_their_kinds() {
    let tree = syntax::parse("FROM a\nRUN a \\\n# c\n\n  b\n").unwrap();
    let run = tree.instructions().nth(1).unwrap();
    let kinds: Vec<&str> = run
        .lines
        .iter()
        .map(|line| match line.kind {
            LineKind::Text {
                continuation: Some(_),
                ..
            } => "continued",
            LineKind::Text {
                continuation: None, ..
            } => "text",
            LineKind::Comment => "comment",
            LineKind::Blank => "blank",
        })
        .collect();
    assert_eq!(kinds, ["continued", "comment", "blank", "text"]);
    assert_eq!((run.start_line, run.end_line), (2, 5));
}

/// Each line's text and continuation as spans of the file: the continuation runs from
/// the text's end through its line end (blanks after the escape, carriage returns, the
/// line feed), whatever follows it.
#[test]
fn each_line_keeps_its_text_and_continuation() {
    for (text, expected) in [
        (
            "FROM a\nRUN a \\\n# c\n\n  b\n",
            vec![
                ("RUN a ", Some("\\\n")),
                ("# c\n", None),
                ("\n", None),
                ("  b", None),
            ],
        ),
        (
            "FROM a\nRUN a \\ \t\r\n b \\\r\r\n c",
            vec![
                ("RUN a ", Some("\\ \t\r\n")),
                (" b ", Some("\\\r\r\n")),
                (" c", None),
            ],
        ),
        ("FROM a\nRUN a \\", vec![("RUN a ", Some("\\"))]),
        (
            "# escape=`\nFROM a\nRUN a \\ `\n  `\n b\n",
            vec![
                ("RUN a \\ ", Some("`\n")),
                ("  ", Some("`\n")),
                (" b", None),
            ],
        ),
    ] {
        let tree = syntax::parse(text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
        let run = tree.instructions().nth(1).unwrap();
        let lines: Vec<(&str, Option<&str>)> = run
            .lines
            .iter()
            .map(|line| match line.kind {
                LineKind::Text { text, continuation } => {
                    (tree.slice(text), continuation.map(|span| tree.slice(span)))
                }
                _ => (tree.slice(line.span), None),
            })
            .collect();
        assert_eq!(lines, expected, "{text:?}");
    }
}

#[test]
fn carriage_returns_end_a_line_only_before_its_line_feed() {
    for (text, line_texts, value) in [
        ("FROM a\nRUN a\r\r\n", vec!["RUN a"], "a"),
        ("FROM a\nRUN a\r", vec!["RUN a"], "a"),
        ("FROM a\nRUN a\r  \n", vec!["RUN a\r  "], "a"),
        ("FROM a\nRUN a\rb\n", vec!["RUN a\rb"], "a\rb"),
        (
            "FROM a\nRUN a\r\\\r\n b\r\n",
            vec!["RUN a\r", " b"],
            "a\r b",
        ),
    ] {
        let tree = syntax::parse(text).unwrap();
        assert_eq!(tree.to_string(), text, "round trip");
        let run = tree.instructions().nth(1).unwrap();
        let texts: Vec<&str> = run
            .lines
            .iter()
            .filter_map(|line| match line.kind {
                LineKind::Text { text, .. } => Some(tree.slice(text)),
                _ => None,
            })
            .collect();
        assert_eq!(texts, line_texts, "{text:?}");
        assert_eq!(run.node.value, v(&[value]), "{text:?}");
    }
}

/// The grammar reads runs of characters in loops, not by recursion: a million carriage
/// returns after a continuation, or a million blanks before a comment line inside one,
/// do not run the parser out of stack.
#[test]
fn long_runs_at_line_ends_and_inside_continuations() {
    let returns = format!("FROM a\nRUN a \\{}\n b\n", "\r".repeat(1_000_000));
    assert_eq!(read(&returns)[1], ("run".into(), v(&["a  b"])));
    let blanks = format!("FROM a\nRUN a \\\n{}# c\n b\n", " ".repeat(1_000_000));
    assert_eq!(read(&blanks)[1], ("run".into(), v(&["a  b"])));
}

#[test]
fn instruction_names_in_any_case_and_bom_crlf() {
    assert_eq!(
        read("\u{feff}fRoM a\r\nrun b\r\n")[1],
        ("run".into(), v(&["b"]))
    );
    let tree = syntax::parse("FROM a\r\nCMD b\r\n").unwrap();
    assert_eq!(tree.line_break(), "\r\n");
}

#[test]
fn exec_and_shell_forms() {
    let form = |text: &str| match syntax::parse(text)
        .unwrap()
        .instructions()
        .nth(1)
        .unwrap()
        .command()
    {
        Some(Command::Cmd(form)) => form,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        form("FROM a\nCMD [\"a\", \"b c\"]\n"),
        Form::Exec(v(&["a", "b c"]))
    );
    assert_eq!(form("FROM a\nCMD ['a']\n"), Form::Shell("['a']".into()));
    assert_eq!(form("FROM a\nCMD [\"a\"\n"), Form::Shell("[\"a\"".into()));
    assert_eq!(
        form("FROM a\nCMD python app.py\n"),
        Form::Shell("python app.py".into())
    );
}

#[test]
fn instructions_and_their_views() {
    let tree = syntax::parse(concat!(
        "ARG A B=2\n",
        "FROM --platform=$BUILDPLATFORM docker.io/library/python:3.12@sha256:ab AS build\n",
        "COPY --from=x --chown=1:2 --chmod=644 --link a b /dest/\n",
        "ADD --exclude=*.md https://x/y.tgz /y\n",
        "RUN --mount=type=cache,target=/c --mount=type=secret,id=s --network=none --security=insecure make\n",
        "ENV A=1 B=\"x y\"\n",
        "ENV LEGACY a b\n",
        "LABEL a=b \"c d\"=e\n",
        "EXPOSE 80 443/udp\n",
        "VOLUME [\"/a\", \"/b\"]\n",
        "WORKDIR /app\n",
        "USER app:app\n",
        "STOPSIGNAL SIGINT\n",
        "SHELL [\"bash\", \"-c\"]\n",
        "HEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://x/\n",
        "HEALTHCHECK NONE\n",
        "ONBUILD RUN echo hi\n",
        "MAINTAINER me\n",
        "ENTRYPOINT [\"app\"]\n",
        "CMD [\"--flag\"]\n",
    ))
    .unwrap();
    let commands: Vec<Command> = tree.instructions().filter_map(|i| i.command()).collect();
    let Command::From(from) = &commands[1] else {
        panic!()
    };
    assert_eq!(from.image.name(), "python");
    assert_eq!(from.image.tag.as_deref(), Some("3.12"));
    assert_eq!(from.image.digest.as_deref(), Some("sha256:ab"));
    assert_eq!(from.platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(from.alias.as_deref(), Some("build"));
    let Command::Copy(copy) = &commands[2] else {
        panic!()
    };
    assert_eq!(
        (
            copy.from.as_deref(),
            copy.chown.as_deref(),
            copy.chmod.as_deref(),
            copy.link
        ),
        (Some("x"), Some("1:2"), Some("644"), true)
    );
    assert_eq!(
        (copy.sources.clone(), copy.dest.as_str()),
        (v(&["a", "b"]), "/dest/")
    );
    let Command::Run(run) = &commands[4] else {
        panic!()
    };
    assert_eq!(run.mounts, v(&["type=cache,target=/c", "type=secret,id=s"]));
    assert_eq!(
        (run.network.as_deref(), run.security.as_deref()),
        (Some("none"), Some("insecure"))
    );
    assert_eq!(
        commands[5],
        Command::Env(vec![
            ("A".into(), "1".into()),
            ("B".into(), "\"x y\"".into())
        ])
    );
    assert_eq!(
        commands[6],
        Command::Env(vec![("LEGACY".into(), "a b".into())])
    );
    assert_eq!(commands[8], Command::Expose(v(&["80", "443/udp"])));
    assert_eq!(commands[9], Command::Volume(v(&["/a", "/b"])));
    assert_eq!(commands[11], Command::User("app:app".into()));
    let Command::Healthcheck(syntax::Healthcheck::Cmd { options, command }) = &commands[14] else {
        panic!()
    };
    assert_eq!(options, &v(&["--interval=5s", "--timeout=3s"]));
    assert_eq!(command, &Form::Shell("curl -f http://x/".into()));
    assert_eq!(
        commands[15],
        Command::Healthcheck(syntax::Healthcheck::None)
    );
    assert_eq!(
        commands[16],
        Command::Onbuild {
            trigger: "RUN".into(),
            arguments: v(&["echo hi"])
        }
    );
    let Command::Arg(args) = &commands[0] else {
        panic!()
    };
    assert_eq!(
        (args[0].default.as_deref(), args[1].default.as_deref()),
        (None, Some("2"))
    );
}

#[test]
fn heredocs() {
    let bodies = |text: &str| -> Vec<(String, String)> {
        let tree = syntax::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(tree.to_string(), text);
        tree.instructions()
            .flat_map(|i| {
                i.heredocs
                    .iter()
                    .map(|h| (h.marker.name.clone(), tree.slice(h.body).to_owned()))
            })
            .collect()
    };
    let pair = |n: &str, b: &str| (n.to_owned(), b.to_owned());
    assert_eq!(
        bodies("FROM a\nRUN <<EOF\necho hi\nEOF\n"),
        [pair("EOF", "echo hi\n")]
    );
    assert_eq!(
        bodies("FROM a\nRUN <<-EOF\n\techo\n\tEOF\n"),
        [pair("EOF", "\techo\n")]
    );
    assert_eq!(
        bodies("FROM a\nRUN <<\"EOF\"\n$x\nEOF\n"),
        [pair("EOF", "$x\n")]
    );
    assert_eq!(
        bodies("FROM a\nRUN <<'EOF' python3\nprint(1)\nEOF\n"),
        [pair("EOF", "print(1)\n")]
    );
    assert_eq!(
        bodies("FROM a\nCOPY <<A <<B /d/\na\nA\nb\nB\nCMD x\n"),
        [pair("A", "a\n"), pair("B", "b\n")]
    );
    assert_eq!(
        bodies("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n"),
        [pair("EOF", "x\n")]
    );
    // Not heredocs: exec form, or an instruction that cannot hold one.
    assert!(bodies("FROM a\nRUN [\"cat\", \"<<EOF\"]\n").is_empty());
    assert!(bodies("FROM a\nENV A=<<EOF\n").is_empty());
    let unterminated = error("FROM a\nRUN <<EOF\necho\n");
    assert_eq!(unterminated.message, "unterminated heredoc");
    assert!(unterminated.hint.unwrap().contains("EOF"));
}

/// The driver reads items in runs that stop at a line with `<<`; whatever the
/// neighbours of that line, the file reads as if read item by item.
#[test]
fn items_around_heredoc_lines() {
    let kinds = |text: &str| -> Vec<String> {
        let tree = syntax::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(tree.to_string(), text);
        tree.items()
            .iter()
            .map(|item| {
                let kind = match &item.kind {
                    ItemKind::Instruction(i) if !i.heredocs.is_empty() => "heredoc",
                    ItemKind::Instruction(_) => "instruction",
                    ItemKind::Comment => "comment",
                    ItemKind::Blank => "blank",
                    _ => "other",
                };
                format!("{kind}:{}", tree.slice(item.span).lines().count())
            })
            .collect()
    };
    // A continuation before the `<<` line, then items after the body.
    assert_eq!(
        kinds("FROM a\nRUN \\\n  cat <<EOF\nbody\nEOF\n# c\n\nCMD x\n"),
        [
            "instruction:1",
            "heredoc:4",
            "comment:1",
            "blank:1",
            "instruction:1"
        ]
    );
    // `<<` in a comment and in a continuation line that opens no heredoc.
    assert_eq!(
        kinds("FROM a\n# see <<EOF\nRUN echo \\\n  '<<x' \\\n  done\nCMD y"),
        [
            "instruction:1",
            "comment:1",
            "instruction:3",
            "instruction:1"
        ]
    );
    // Heredocs one after another, the last at the end without a line feed.
    assert_eq!(
        kinds("FROM a\nRUN <<A\na\nA\nRUN <<B\nb\nB"),
        ["instruction:1", "heredoc:3", "heredoc:3"]
    );
    // A `<<` split by a continuation opens a heredoc too (BuildKit joins the line
    // first), though no line of the file holds `<<`.
    assert_eq!(
        kinds("FROM a\nCOPY <\\\n<EOF /app.py\nprint(1)\nEOF\nRUN x\nCMD y\n"),
        [
            "instruction:1",
            "heredoc:4",
            "instruction:1",
            "instruction:1"
        ]
    );
}

#[test]
fn errors_people_can_act_on() {
    let unknown = error("FROM a\nFORM b\n");
    assert_eq!(unknown.message, "unknown instruction: FORM");
    assert_eq!(unknown.offset, 7);
    assert_eq!(unknown.hint.as_deref(), Some("did you mean FROM?"));
    assert_eq!(error("").message, "file with no instructions");
    assert_eq!(
        error("# only a comment\n").message,
        "file with no instructions"
    );
    assert!(
        error("FROM a\nENV PATH\n")
            .message
            .contains("ENV must have two arguments")
    );
    let utf8 = syntax::parse_bytes(b"FROM a\nRUN \xff\n").unwrap_err();
    assert_eq!(utf8.offset, 11);
    // The lossless reading keeps what BuildKit's parser keeps.
    let tree = syntax::parse_lossless("FROM a\n...\n").unwrap();
    assert_eq!(tree.instructions().nth(1).unwrap().keyword, None);
}

/// What BuildKit's builder refuses in a file its parser reads: the message it gives
/// and the byte restage points at.
#[test]
fn instructions_the_builder_refuses() {
    for (text, message, offset) in [
        ("RUN x\nFROM a\n", "no build stage in current context", 0),
        ("FROM a\nCMD --l ./server\n", "unknown flag: l", 7),
        ("FROM a\nCOPY --form=b x /y\n", "unknown flag: form", 7),
        ("FROM --plaform=linux/amd64 a\n", "unknown flag: plaform", 0),
        // BuildKit reads flags byte by byte; the message names the flag as written.
        ("FROM a\nCOPY --日本=1 x /y\n", "unknown flag: 日本", 7),
        ("ARG V=1\nENV A=b\n", "no build stage in current context", 8),
        ("ARG V=1\n", "no FROM instruction", 8),
        (
            "FROM python:3.7 python:3.7\n",
            "FROM requires either one or three arguments",
            16,
        ),
        (
            "FROM --platform=$P a:1 b:2\n",
            "FROM requires either one or three arguments",
            23,
        ),
        (
            "FROM a # a trailing comment\n",
            "FROM requires either one or three arguments",
            7,
        ),
        (
            "FROM a AS 1st\n",
            "invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
            10,
        ),
        (
            "FROM a AS b!\n",
            "invalid name for build stage: \"b!\", name can't start with a number or contain symbols",
            10,
        ),
        (
            "FROM a\nCOPY app\n",
            "COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            7,
        ),
        (
            "FROM a\nADD [\"x\"]\n",
            "ADD requires at least two arguments",
            7,
        ),
        (
            "FROM a\nWORKDIR\n",
            "WORKDIR requires exactly one argument",
            7,
        ),
        ("FROM a\nUSER\n", "USER requires exactly one argument", 7),
        (
            "FROM a\nEXPOSE\n",
            "EXPOSE requires at least one argument",
            7,
        ),
        (
            "FROM a\nVOLUME [\"\"]\n",
            "VOLUME specified can not be an empty string",
            7,
        ),
        (
            "FROM a\nSHELL sh -c\n",
            "SHELL requires the arguments to be in JSON form",
            7,
        ),
        (
            "FROM a\nSHELL []\n",
            "SHELL requires at least one argument",
            7,
        ),
        ("FROM a\nARG =x\n", "ARG names can not be blank", 7),
        (
            "FROM a\nHEALTHCHECK NONE x\n",
            "HEALTHCHECK NONE takes no arguments",
            7,
        ),
        (
            "FROM a\nHEALTHCHECK CMD\n",
            "Missing command after HEALTHCHECK CMD",
            7,
        ),
        (
            "FROM a\nHEALTHCHECK RUN x\n",
            "Unknown type \"RUN\" in HEALTHCHECK (try CMD)",
            7,
        ),
        (
            "FROM a\nONBUILD ONBUILD RUN x\n",
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            7,
        ),
        (
            "FROM a\nONBUILD FROM b\n",
            "FROM isn't allowed as an ONBUILD trigger",
            7,
        ),
    ] {
        let refused = error(text);
        assert!(
            refused.message.starts_with(message),
            "{text:?}: {}",
            refused.message
        );
        assert_eq!(refused.offset, offset, "{text:?}");
        assert!(refused.hint.is_some(), "{text:?} has a hint");
        // The parser layer alone reads every one of them.
        assert!(syntax::parse_lossless(text).is_ok(), "{text:?}");
    }
    for accepted in [
        "ARG V=1\nFROM a:${V} AS Build.1\nRUN x\n",
        "FROM --platform=$P a AS b\nONBUILD RUN x\n",
        "FROM a\nHEALTHCHECK --interval=5s CMD [\"true\"]\nHEALTHCHECK none\n",
        "FROM a\nUSER app:app\nWORKDIR /a b\nSHELL [\"bash\", \"-c\"]\n",
    ] {
        assert!(syntax::parse(accepted).is_ok(), "{accepted:?}");
    }
}
