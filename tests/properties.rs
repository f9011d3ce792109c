//! Property tests: Dockerfiles generated from the odd pieces real files are made of
//! round-trip byte for byte, and no input at all makes the parser panic.

use proptest::prelude::*;
use restage::syntax;

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
