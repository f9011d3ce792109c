//! What one `.go` file says about a Linux build of its package, as the go tool reads it:
//! whether it is compiled there at all (its name, `_test.go`, its build constraints) and
//! which packages it imports ("C" is cgo). Only the file's header is read: the comments,
//! the package clause and the import declarations before the first other declaration.
//! Which files to read is the walks' concern (`go_sources`, `go_pattern`); what an import
//! means for the image, the Go transformer's.
//!
//! restage knows the target's OS (Linux, where cgo is on, as in the golang images), not
//! its architecture or the `-tags` of the build: a constraint on those may hold, and a
//! file it leaves in doubt counts as compiled.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::MAX_READ;

/// `GOOS` values the go tool knows (go/build's `knownOS`): in a file name (`_windows.go`)
/// or a build constraint, each but `linux` leaves the file out of a Linux build.
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// `GOARCH` values the go tool knows (go/build's `knownArch`), for the `_GOOS_GOARCH.go`
/// ending; the architecture itself is not known.
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Whether the go tool compiles a `.go` file named `name` into a Linux binary, as far as
/// the name tells: not a test (`_test.go`), not ignored (`_x.go`, `.x.go`), and no other
/// OS in its ending (`_windows.go`, `_darwin_arm64.go`), as go/build's `goodOSArchFile`.
pub(super) fn compiled_by_name(name: &str) -> bool {
    if name.ends_with("_test.go") || name.starts_with(['_', '.']) {
        return false;
    }
    let stem = name.split('.').next().unwrap_or(name);
    let Some(underscore) = stem.find('_') else {
        return true;
    };
    let parts: Vec<&str> = stem[underscore..].split('_').collect();
    let os = match parts[..] {
        [.., os, arch] if KNOWN_OS.contains(&os) && KNOWN_ARCH.contains(&arch) => os,
        [.., os] if KNOWN_OS.contains(&os) => os,
        _ => return true,
    };
    os == "linux"
}

/// Whether the go tool compiles a `_test.go` file named `name` into a Linux build of its
/// package's tests, as far as the name tells: the same test as [`compiled_by_name`] on the
/// name without `_test` (`x_windows_test.go` is left out).
pub(super) fn test_compiled_by_name(name: &str) -> bool {
    name.strip_suffix("_test.go")
        .is_some_and(|stem| compiled_by_name(&format!("{stem}.go")))
}

/// What the header of a `.go` file says.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Header<'a> {
    /// Its build constraints leave it out of a Linux build.
    Excluded,
    /// It may be compiled, belongs to the package named (empty for text that is not Go)
    /// and imports these packages; `certain` when a Linux build compiles it whatever
    /// its architecture, tags and cgo setting.
    Compiled {
        package: &'a str,
        imports: Vec<&'a str>,
        certain: bool,
    },
    /// The text ends before the header does: only part of the file was read.
    Cut,
}

/// Reads the header of the Go source `text`, the whole file when `whole` says so, else
/// its beginning.
pub(super) fn header(text: &str, whole: bool) -> Header<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some((package, imports)) = package_and_imports(text, whole) else {
        return Header::Cut;
    };
    // The constraints stand before the package clause, which `imports` has seen.
    if constraint(text, Truth::Yes) == Truth::No {
        Header::Excluded
    } else {
        let certain = constraint(text, Truth::Maybe) == Truth::Yes;
        Header::Compiled {
            package,
            imports,
            certain,
        }
    }
}

/// How much of a `.go` file is read first; its header nearly always ends within it. A
/// longer header is read on, to [`MAX_READ`].
const FIRST_READ: u64 = 16 << 10;

/// What the header of a `.go` file that Linux builds may compile says.
pub(super) struct GoFile {
    pub package: String,
    pub imports: Vec<String>,
    /// Every Linux build compiles it.
    pub certain: bool,
}

/// The header of the `.go` file at `at`, `Some(None)` when Linux builds leave it out,
/// and `None` when it could not be read.
pub(super) fn compiled_header(at: &Path) -> Option<Option<GoFile>> {
    let mut file = File::open(at).ok()?;
    let mut bytes = Vec::new();
    for limit in [FIRST_READ, MAX_READ] {
        let more = limit.saturating_sub(bytes.len() as u64);
        (&mut file).take(more).read_to_end(&mut bytes).ok()?;
        let whole = (bytes.len() as u64) < limit;
        match header(&String::from_utf8_lossy(&bytes), whole) {
            Header::Excluded => return Some(None),
            Header::Compiled {
                package,
                imports,
                certain,
            } => {
                return Some(Some(GoFile {
                    package: package.to_owned(),
                    imports: imports.into_iter().map(str::to_owned).collect(),
                    certain,
                }));
            }
            Header::Cut => {}
        }
    }
    None
}

/// A build constraint's value for a Linux build with cgo, with what restage does not know
/// (the architecture, `-tags`, the Go version) as `Maybe`: Kleene's three-valued logic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    Yes,
    No,
    Maybe,
}

impl Truth {
    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::No, _) | (_, Truth::No) => Truth::No,
            (Truth::Yes, Truth::Yes) => Truth::Yes,
            _ => Truth::Maybe,
        }
    }

    fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::Yes, _) | (_, Truth::Yes) => Truth::Yes,
            (Truth::No, Truth::No) => Truth::No,
            _ => Truth::Maybe,
        }
    }

    fn not(self) -> Truth {
        match self {
            Truth::Yes => Truth::No,
            Truth::No => Truth::Yes,
            Truth::Maybe => Truth::Maybe,
        }
    }
}

/// A build tag's value, with `cgo` as given. `ignore` is no tag anyone builds with: it
/// marks the generator programs that sit in a package's folder (`go mod vendor` leaves
/// them out for that).
fn tag(name: &str, cgo: Truth) -> Truth {
    match name {
        "cgo" => cgo,
        "linux" | "unix" | "gc" => Truth::Yes,
        "ignore" | "gccgo" => Truth::No,
        _ if KNOWN_OS.contains(&name) => Truth::No,
        _ => Truth::Maybe,
    }
}

/// The file's build constraint, with the `cgo` tag as given: its `//go:build` line, else its `// +build` lines (all
/// must hold), found where go/build's `parseFileHeader` looks: in the comments before
/// the package clause, `// +build` lines only above a blank line that comes before
/// anything but `//` comments.
fn constraint(text: &str, cgo: Truth) -> Truth {
    let mut plus_build_end = 0;
    let mut ended = false;
    let mut in_block = false;
    let mut go_build = None;
    let mut offset = 0;
    'lines: for raw in text.split_inclusive('\n') {
        offset += raw.len();
        let line = raw.trim();
        if line.is_empty() && !ended {
            plus_build_end = offset;
            continue;
        }
        if !line.starts_with("//") {
            ended = true;
        }
        if !in_block && go_build.is_none() {
            go_build = line
                .strip_prefix("//go:build")
                .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        }
        let mut rest = line;
        while !rest.is_empty() {
            if in_block {
                let Some(end) = rest.find("*/") else {
                    continue 'lines;
                };
                in_block = false;
                rest = rest[end + 2..].trim();
            } else if rest.starts_with("//") {
                continue 'lines;
            } else if let Some(after) = rest.strip_prefix("/*") {
                in_block = true;
                rest = after.trim();
            } else {
                break 'lines;
            }
        }
    }
    match go_build {
        Some(expression) => go_build_value(expression, cgo),
        None => text[..plus_build_end]
            .lines()
            .filter_map(|line| plus_build_value(line, cgo))
            .fold(Truth::Yes, Truth::and),
    }
}

/// The value of a `//go:build` expression (`linux && (amd64 || arm64)`, `!windows`);
/// one that does not parse is `Maybe`, as restage cannot tell.
fn go_build_value(expression: &str, cgo: Truth) -> Truth {
    let mut parser = Expression {
        rest: expression,
        cgo,
    };
    match parser.or() {
        Some(value) if parser.rest.trim().is_empty() => value,
        _ => Truth::Maybe,
    }
}

/// The value of a `// +build` line, if `line` is one: its space-separated options, any
/// of which may hold, each a comma-separated list of (`!`-negated) tags that all must.
fn plus_build_value(line: &str, cgo: Truth) -> Option<Truth> {
    let options = line
        .trim()
        .strip_prefix("//")?
        .trim()
        .strip_prefix("+build")
        .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))?;
    let option = |option: &str| {
        option
            .split(',')
            .map(|term| match term.strip_prefix('!') {
                Some(name) => tag(name, cgo).not(),
                None => tag(term, cgo),
            })
            .fold(Truth::Yes, Truth::and)
    };
    Some(
        options
            .split_whitespace()
            .map(option)
            .fold(Truth::No, Truth::or),
    )
}

/// A `//go:build` expression, read by recursive descent: `||` binds looser than `&&`,
/// which binds looser than `!` and parentheses.
struct Expression<'a> {
    rest: &'a str,
    cgo: Truth,
}

impl Expression<'_> {
    fn or(&mut self) -> Option<Truth> {
        let mut value = self.and()?;
        while self.eat("||") {
            value = value.or(self.and()?);
        }
        Some(value)
    }

    fn and(&mut self) -> Option<Truth> {
        let mut value = self.unary()?;
        while self.eat("&&") {
            value = value.and(self.unary()?);
        }
        Some(value)
    }

    fn unary(&mut self) -> Option<Truth> {
        if self.eat("!") {
            return Some(self.unary()?.not());
        }
        if self.eat("(") {
            let value = self.or()?;
            return self.eat(")").then_some(value);
        }
        let rest = self.rest.trim_start();
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        self.rest = &rest[len..];
        Some(tag(&rest[..len], self.cgo))
    }

    fn eat(&mut self, token: &str) -> bool {
        self.rest = self.rest.trim_start();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }
}

/// The package clause's name and the paths of the import declarations that follow it,
/// as the Go tokenizer sees them (comments and string literals are not code); `None`
/// when the text ends inside them and is not the whole file. Text that is not Go is of
/// no package and imports nothing.
fn package_and_imports(text: &str, whole: bool) -> Option<(&str, Vec<&str>)> {
    let mut tokens = Tokens { rest: text, whole };
    let package = match (tokens.next(), tokens.next()) {
        (Token::Word("package"), Token::Word(name)) => name,
        (Token::Cut, _) | (_, Token::Cut) => return None,
        _ => return Some(("", Vec::new())),
    };
    let imports = imports(&mut tokens)?;
    Some((package, imports))
}

/// The paths of the import declarations `tokens` go on with; `None` when the text ends
/// inside them.
fn imports<'a>(tokens: &mut Tokens<'a>) -> Option<Vec<&'a str>> {
    let mut paths = Vec::new();
    loop {
        match tokens.next() {
            Token::Mark(';') => {}
            Token::Word("import") => {
                let first = tokens.next();
                let grouped = first == Token::Mark('(');
                let mut token = if grouped { tokens.next() } else { first };
                loop {
                    // An import spec: a path, or a name (`_`, `.`, an identifier) and one.
                    if matches!(token, Token::Word(_) | Token::Mark('.')) {
                        token = tokens.next();
                    }
                    match token {
                        Token::Text(path) => paths.push(path),
                        Token::Mark(';') if grouped => {}
                        Token::Mark(')') if grouped => break,
                        Token::Cut => return None,
                        _ => return Some(paths),
                    }
                    if !grouped {
                        break;
                    }
                    token = tokens.next();
                }
            }
            Token::Cut => return None,
            _ => return Some(paths),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// An identifier or keyword.
    Word(&'a str),
    /// A string literal's contents, escapes as written.
    Text(&'a str),
    /// Any other character.
    Mark(char),
    /// The end of the file.
    End,
    /// The end of the text read, which is not the end of the file.
    Cut,
}

/// The tokens of a Go source text, comments and white space skipped.
struct Tokens<'a> {
    rest: &'a str,
    /// The text is the whole file.
    whole: bool,
}

impl<'a> Tokens<'a> {
    fn next(&mut self) -> Token<'a> {
        loop {
            self.rest = self.rest.trim_start();
            let (close, after) = if let Some(after) = self.rest.strip_prefix("//") {
                ("\n", after)
            } else if let Some(after) = self.rest.strip_prefix("/*") {
                ("*/", after)
            } else {
                break;
            };
            let Some(end) = after.find(close) else {
                return self.end();
            };
            self.rest = &after[end + close.len()..];
        }
        let Some(first) = self.rest.chars().next() else {
            return self.end();
        };
        if first == '"' || first == '`' {
            let body = &self.rest[1..];
            let end = if first == '`' {
                body.find('`')
            } else {
                closing_quote(body)
            };
            let Some(end) = end else {
                return self.end();
            };
            self.rest = &body[end + 1..];
            return Token::Text(&body[..end]);
        }
        let word = |c: char| c.is_alphanumeric() || c == '_';
        if word(first) {
            let len = self.rest.find(|c| !word(c)).unwrap_or(self.rest.len());
            if len == self.rest.len() && !self.whole {
                return Token::Cut;
            }
            let (token, rest) = self.rest.split_at(len);
            self.rest = rest;
            return Token::Word(token);
        }
        self.rest = &self.rest[first.len_utf8()..];
        Token::Mark(first)
    }

    fn end(&self) -> Token<'a> {
        if self.whole { Token::End } else { Token::Cut }
    }
}

/// Where the interpreted string literal whose text follows its opening quote ends.
fn closing_quote(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some(at),
            b'\n' => return None,
            _ => at += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports_of(source: &str) -> Vec<&str> {
        match header(source, true) {
            Header::Compiled { imports, .. } => imports,
            other => panic!("{other:?} for {source}"),
        }
    }

    fn imports_c(source: &str) -> bool {
        imports_of(source).contains(&"C")
    }

    #[test]
    fn finds_import_c_however_it_is_written() {
        for source in [
            "package db\n\nimport \"C\"\n",
            "package db\n\n// #include <stdio.h>\nimport \"C\" // cgo: uses the C helper above\n",
            "package db\n\n/*\n#include <stdlib.h>\n*/\nimport \"C\"\n\nimport \"unsafe\"\n",
            "package db\nimport (\n\t\"fmt\"\n\t\"C\" /* cgo */\n)\n",
            "package db; import \"unsafe\"; import \"C\"",
            "\u{feff}package db\nimport `C`\n",
            // gopacket's pcap: other imports first, then the preamble and "C".
            "// +build !windows\n\npackage pcap\n\nimport (\n\t\"errors\"\n)\n\n/*\n#cgo linux LDFLAGS: -lpcap\n*/\nimport \"C\"\n",
        ] {
            assert!(imports_c(source), "{source}");
        }
    }

    #[test]
    fn import_c_in_a_comment_or_string_is_not_an_import() {
        for source in [
            "package db\n\n// import \"C\"\nimport \"fmt\"\n",
            "package db\n\n/*\nimport \"C\"\n*/\nimport \"fmt\"\n",
            "package db\n\nimport \"fmt\"\n\nconst doc = `\nimport \"C\"\n`\n",
            "package db\n\nfunc f() {}\n\nimport \"C\"\n",
            "import \"C\"\n",
        ] {
            assert!(!imports_c(source), "{source}");
        }
    }

    /// A file is certain to be compiled only where no tag, architecture or cgo setting
    /// could leave it out.
    #[test]
    fn a_constraint_on_a_tag_an_architecture_or_cgo_is_not_certain() {
        let certain = |source: &str| match header(source, true) {
            Header::Compiled { certain, .. } => certain,
            other => panic!("{other:?} for {source}"),
        };
        assert!(certain("package main\n"));
        assert!(certain("//go:build linux || darwin\n\npackage main\n"));
        assert!(certain("//go:build !windows\n\npackage main\n"));
        for constraint in ["integration", "cgo", "amd64", "linux && cgo"] {
            let source = format!("//go:build {constraint}\n\npackage main\n");
            assert!(!certain(&source), "{constraint}");
        }
        assert!(!certain("// +build integration\n\npackage main\n"));
    }

    #[test]
    fn reads_the_package_name() {
        assert!(matches!(
            header(
                "// Command api.\npackage main // the app\n\nimport \"fmt\"\n",
                true
            ),
            Header::Compiled {
                package: "main",
                ..
            }
        ));
        assert!(matches!(
            header("package main_test\n", true),
            Header::Compiled {
                package: "main_test",
                ..
            }
        ));
    }

    #[test]
    fn reads_named_and_grouped_imports() {
        assert_eq!(
            imports_of(
                "package main\n\nimport (\n\tsq \"github.com/mattn/go-sqlite3\"\n\t_ \"embed\"; . \"fmt\"\n)\nimport \"os\"\nvar x = 1\n"
            ),
            ["github.com/mattn/go-sqlite3", "embed", "fmt", "os"]
        );
    }

    #[test]
    fn a_cut_text_asks_for_more() {
        let source = "package db\n\nimport (\n\t\"fmt\"\n\t\"C\"\n)\n\nfunc main() {}\n";
        for len in [3, 10, 20, 25] {
            assert_eq!(header(&source[..len], false), Header::Cut, "{len}");
        }
        assert_eq!(
            header(&source[..source.len() - 3], false),
            Header::Compiled {
                package: "db",
                imports: vec!["fmt", "C"],
                certain: true
            }
        );
        assert_eq!(header("package db\n/* a long comment", false), Header::Cut);
        assert_eq!(
            header("package db\n/* a long comment", true),
            Header::Compiled {
                package: "db",
                imports: vec![],
                certain: true
            }
        );
    }

    #[test]
    fn build_constraints_for_linux() {
        let excluded = |constraint: &str| {
            let source = format!("{constraint}\n\npackage db\n\nimport \"C\"\n");
            header(&source, true) == Header::Excluded
        };
        for constraint in [
            "//go:build windows",
            "//go:build darwin || freebsd",
            "//go:build !cgo",
            "//go:build ignore",
            "//go:build linux && !cgo",
            "// +build windows",
            "// +build !linux",
            "// +build linux\n// +build !cgo",
            "// Copyright\n\n//go:build !linux",
        ] {
            assert!(excluded(constraint), "{constraint}");
        }
        for constraint in [
            "//go:build cgo",
            "//go:build linux && amd64",
            "//go:build !windows",
            "//go:build (linux || darwin) && cgo",
            "//go:build integration",
            "//go:build !libsqlite3",
            "//go:build go1.21",
            "//go:build linux &&",
            "// +build linux,cgo darwin",
            "// +build cgo,!windows",
        ] {
            assert!(!excluded(constraint), "{constraint}");
        }
        // A `// +build` line that no blank line follows is a comment.
        assert_eq!(
            header("// +build windows\npackage db\n", true),
            Header::Compiled {
                package: "db",
                imports: vec![],
                certain: true
            }
        );
    }

    #[test]
    fn a_go_build_line_wins_over_plus_build() {
        let source = "//go:build linux\n// +build windows\n\npackage db\n";
        assert_eq!(
            header(source, true),
            Header::Compiled {
                package: "db",
                imports: vec![],
                certain: true
            }
        );
    }

    #[test]
    fn file_names_for_linux() {
        for name in [
            "main.go",
            "store_linux.go",
            "store_unix.go",
            "store_linux_amd64.go",
            "store_arm64.go",
            "linux.go",
            "windows_store.go",
            "c.pb.go",
        ] {
            assert!(compiled_by_name(name), "{name}");
        }
        for name in [
            "store_test.go",
            "store_linux_test.go",
            "store_windows.go",
            "store_darwin.go",
            "store_windows_amd64.go",
            "store_android.go",
            "_scratch.go",
            ".hidden.go",
        ] {
            assert!(!compiled_by_name(name), "{name}");
        }
    }

    #[test]
    fn test_file_names_for_linux() {
        for name in ["store_test.go", "store_linux_test.go", "linux_test.go"] {
            assert!(test_compiled_by_name(name), "{name}");
        }
        for name in [
            "store.go",
            "store_windows_test.go",
            "_test.go",
            "_x_test.go",
        ] {
            assert!(!test_compiled_by_name(name), "{name}");
        }
    }
}
