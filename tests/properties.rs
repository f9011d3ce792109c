//! Property tests: Dockerfiles generated from the odd pieces real files are made of
//! round-trip byte for byte, no input at all makes the parser panic, and the engine
//! answers every damaged fixture with a parse error, a rewrite or a decline, never
//! an internal error.

mod case_options;

use std::fs;
use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use restage::context::BuildContext;
use restage::syntax;
use restage::transform::{Options, restage};

/// Pieces of Dockerfiles, including the awkward ones.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "FROM python:3.12 AS build\n",
        "from --platform=$BUILDPLATFORM golang:1.22\n",
        "RUN apt-get update && \\\n    apt-get install -y gcc\n",
        "RUN echo a \\ \t\n# inside\n\n    b\n",
        "RUN echo \\\\\n",
        "RU\\\nN echo split\n",
        "RUN <<EOF\necho hi\nEOF\n",
        "RUN <<-EOT bash\n\techo tab\n\tEOT\n",
        "COPY <<A <<B /d\na\nA\nb\nB\n",
        "CMD ['a']\n",
        "CMD [\"python\", \"app.py\"]\n",
        "ENV A=1 B=\"x y\"\n",
        "ENV LEGACY value with spaces\n",
        "LABEL a=b c=d\n",
        "ARG X Y=2\n",
        "ONBUILD RUN echo hi\n",
        "HEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\n",
        "HEALTHCHECK NONE\n",
        "COPY --from=build --chown=1:1 --link /a /b\n",
        "RUN --mount=type=cache,target=/root/.cache --mount=type=bind,source=.,target=/s pip install .\n",
        "# a comment\n",
        "   # indented comment\n",
        "\n",
        "   \n",
        "\r\n",
        "WORKDIR /app\r\n",
        "RUN a\rb\r\r\n",
        "RUN a\r\\\r\n  b\r",
        "  \t RUN indented \\\n\t # c\n  x\n",
        "EXPOSE 80/tcp 443\n",
        "\tUSER app\n",
        "RUN echo unterminated \\",
        "SHELL [\"pwsh\", \"-c\"]\n",
        "STOPSIGNAL SIGTERM\n",
        "MAINTAINER someone\n",
        "VOLUME [\"/data\"]\n",
    ])
}

fn prelude() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "\u{feff}",
        "# syntax=docker/dockerfile:1\n",
        "# escape=`\n",
        "#escape = \\\n",
        "# check=skip=all\n# syntax=x\n",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_dockerfiles_round_trip(prelude in prelude(), pieces in prop::collection::vec(piece(), 0..12)) {
        let text = format!("{prelude}{}", pieces.concat());
        if let Ok(tree) = syntax::parse_lossless(&text) {
            prop_assert_eq!(tree.to_string(), text.clone());
            // Every byte belongs to exactly one top-level item, in order.
            let mut end = 0;
            for item in tree.items() {
                prop_assert_eq!(item.span.start, end);
                prop_assert!(item.span.end > item.span.start);
                end = item.span.end;
            }
            prop_assert_eq!(end, text.len());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = syntax::parse_bytes(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics_and_round_trips(text in "(?s).{0,300}") {
        if let Ok(tree) = syntax::parse_lossless(&text) {
            prop_assert_eq!(tree.to_string(), text);
        }
    }
}

/// The fixtures' inputs with the context and the options each one is rewritten with.
static FIXTURES: LazyLock<Vec<(String, BuildContext, Options)>> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    cases.sort();
    cases
        .iter()
        .map(|case| {
            let input = fs::read_to_string(case.join("input.Dockerfile")).unwrap();
            let context = BuildContext::read(&case.join("context"));
            (input, context, case_options::read(case))
        })
        .collect()
});

/// One edit of a file: cut `len` bytes at `at`, or put a piece or a copy of another
/// part of the file there (`at` and `from` are fractions of the length, in 1/1000).
#[derive(Clone, Debug)]
enum Edit {
    Cut { at: usize, len: usize },
    Insert { at: usize, piece: &'static str },
    Copy { at: usize, from: usize, len: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..1000usize, 1..40usize).prop_map(|(at, len)| Edit::Cut { at, len }),
        (0..1000usize, piece()).prop_map(|(at, piece)| Edit::Insert { at, piece }),
        (0..1000usize, 0..1000usize, 1..60usize).prop_map(|(at, from, len)| Edit::Copy {
            at,
            from,
            len
        }),
    ]
}

/// The byte at `per_mille` of `text`, moved back to a character boundary.
fn boundary(text: &str, per_mille: usize) -> usize {
    let mut at = text.len() * per_mille / 1000;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, edit: &Edit) {
    match *edit {
        Edit::Cut { at, len } => {
            let start = boundary(text, at);
            let end = boundary(text, (at + len).min(1000)).max(start);
            text.replace_range(start..end, "");
        }
        Edit::Insert { at, piece } => text.insert_str(boundary(text, at), piece),
        Edit::Copy { at, from, len } => {
            let start = boundary(text, from);
            let end = boundary(text, (from + len).min(1000)).max(start);
            let copied = text[start..end].to_owned();
            text.insert_str(boundary(text, at), &copied);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn damaged_fixtures_never_give_an_internal_error(
        case in 0..FIXTURES.len(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let (input, context, options) = &FIXTURES[case];
        let mut text = input.clone();
        for edit in &edits {
            apply(&mut text, edit);
        }
        if let Ok(dockerfile) = syntax::parse(&text) {
            let outcome = restage(&dockerfile, || context, options);
            prop_assert!(outcome.is_ok(), "{text:?}: {}", outcome.unwrap_err());
        }
    }
}
