//! BuildKit's own parser test files (`../shared/conformance/buildkit`, when present):
//! every `testfiles/<case>/Dockerfile` parses to what its `result` file says, and every
//! file in `testfiles-negative` is rejected.
//!
//! The result files come from a newer BuildKit than the one restage follows (v0.12.5,
//! the `dockerfile` package's): its dump ends each ENV/LABEL pair with a separator node,
//! `"="` for `name=value` pairs and `""` for the legacy `name value` form, which `dump`
//! writes too.

use std::fs;
use std::path::Path;

use restage::syntax::{self, Dockerfile, Instruction, Keyword, Span};

fn go_quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dump_node(cmd: &str, flags: &[String], values: &[String], separator: Option<&str>) -> String {
    let mut out = cmd.to_ascii_lowercase();
    if !flags.is_empty() {
        let quoted: Vec<String> = flags.iter().map(|flag| go_quote(flag)).collect();
        out.push_str(&format!(" [{}]", quoted.join(" ")));
    }
    for (index, value) in values.iter().enumerate() {
        out.push(' ');
        out.push_str(&go_quote(value));
        if let Some(separator) = separator.filter(|_| index % 2 == 1) {
            out.push(' ');
            out.push_str(&go_quote(separator));
        }
    }
    out
}

fn dump(dockerfile: &Dockerfile, instruction: &Instruction) -> String {
    let node = &instruction.node;
    let pairs = instruction.is(Keyword::Env) || instruction.is(Keyword::Label);
    let arguments = dockerfile.slice(Span::new(
        instruction.keyword_span.end,
        instruction.head().end,
    ));
    let first_word = arguments.split_whitespace().next().unwrap_or("");
    let separator = pairs.then_some(if first_word.contains('=') { "=" } else { "" });
    match &node.sub_cmd {
        Some(sub_cmd) => format!(
            "({} ({}))",
            node.cmd.to_ascii_lowercase(),
            dump_node(sub_cmd, &node.sub_flags, &node.value, None)
        ),
        None => format!(
            "({})",
            dump_node(&node.cmd, &node.flags, &node.value, separator)
        ),
    }
}

fn conformance() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/buildkit");
    dir.is_dir().then_some(dir)
}

#[test]
fn every_buildkit_test_file_parses_to_its_result() {
    let Some(dir) = conformance() else {
        eprintln!("../shared/conformance is not here; nothing to check");
        return;
    };
    let mut cases = 0;
    for entry in fs::read_dir(dir.join("testfiles")).unwrap() {
        let case = entry.unwrap().path();
        let source = fs::read(case.join("Dockerfile")).unwrap();
        let expected = fs::read_to_string(case.join("result")).unwrap();
        // BuildKit's parser package reads these files; its builder may still refuse some
        // (a CMD with no FROM), so this is the parser layer alone.
        let text = std::str::from_utf8(&source).unwrap();
        let dockerfile = syntax::parse_lossless(text)
            .unwrap_or_else(|error| panic!("{}: {error}", case.display()));
        assert_eq!(
            dockerfile.to_string().as_bytes(),
            source,
            "{} round-trips",
            case.display()
        );
        let got: Vec<String> = dockerfile
            .instructions()
            .map(|i| dump(&dockerfile, i))
            .collect();
        let want: Vec<&str> = expected.lines().filter(|line| !line.is_empty()).collect();
        assert_eq!(got, want, "{}", case.display());
        cases += 1;
    }
    assert!(cases >= 30, "only {cases} cases");
}

#[test]
fn every_negative_test_file_is_rejected() {
    let Some(dir) = conformance() else {
        eprintln!("../shared/conformance is not here; nothing to check");
        return;
    };
    for entry in fs::read_dir(dir.join("testfiles-negative")).unwrap() {
        let case = entry.unwrap().path();
        let source = fs::read(case.join("Dockerfile")).unwrap();
        assert!(
            syntax::parse_bytes(&source).is_err(),
            "{} is accepted",
            case.display()
        );
        // The lossless tree still reads what BuildKit's parser reads.
        if let Ok(text) = std::str::from_utf8(&source)
            && let Ok(tree) = syntax::parse_lossless(text)
        {
            assert_eq!(tree.to_string(), text);
        }
    }
}
