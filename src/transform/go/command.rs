//! Reading what a Go Dockerfile's commands do: `go build`/`go install`/`go run` and
//! their flags, the simple commands of a RUN sorted by what they are for, a package's
//! default binary name, `$VAR` expansion, and the exec form of a shell-form command.

use std::collections::BTreeMap;

use crate::analyze::join;
use crate::transform::packages::{self, Install};
use crate::transform::shell;

/// `go build` and `go install` flags that take a value in the next word.
const VALUE_FLAGS: &[&str] = &[
    "o",
    "C",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "tags",
    "mod",
    "modfile",
    "overlay",
    "pkgdir",
    "p",
    "buildmode",
    "compiler",
    "installsuffix",
    "toolexec",
    "pgo",
    "covermode",
    "coverpkg",
    "exec",
];

/// A `go build`, `go install` or `go run` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoBuild {
    pub install: bool,
    /// `-o`, as written.
    pub output: Option<String>,
    /// The flags, as written (for `go run` rewritten into `go build`).
    pub flags: Vec<String>,
    /// Packages or `.go` files.
    pub packages: Vec<String>,
    /// The words after the package (only `go run` has them: the program's arguments).
    pub arguments: Vec<String>,
    /// `-C dir`: the directory the command runs in, relative to the current one.
    pub chdir: Option<String>,
    pub race: bool,
}

impl GoBuild {
    /// `go install` or `go build`, as a reason names the command.
    pub fn verb(&self) -> &'static str {
        if self.install {
            "go install"
        } else {
            "go build"
        }
    }
}

/// Reads `go build …`, `go install …` or `go run …` (`verb` says which).
pub fn go_command(words: &[&str], verb: &str) -> Option<GoBuild> {
    let [go, sub, rest @ ..] = words else {
        return None;
    };
    if shell::program_name(go) != "go" || *sub != verb {
        return None;
    }
    let mut build = GoBuild {
        install: verb == "install",
        output: None,
        flags: Vec::new(),
        packages: Vec::new(),
        arguments: Vec::new(),
        chdir: None,
        race: false,
    };
    let mut words = rest.iter();
    while let Some(&word) = words.next() {
        if !build.packages.is_empty() {
            // Only `go run` takes words after its package: the program's arguments.
            if verb == "run" {
                build.arguments.push(word.to_owned());
                continue;
            }
            build.packages.push(word.to_owned());
            continue;
        }
        let Some(flag) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
            build.packages.push(word.to_owned());
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None if VALUE_FLAGS.contains(&flag) => (flag, words.next().map(|v| (*v).to_owned())),
            None => (flag, None),
        };
        match name {
            "o" => build.output = value,
            "C" => build.chdir = value,
            "race" => build.race = true,
            _ => {
                build.flags.push(word.to_owned());
                if !word.contains('=') && VALUE_FLAGS.contains(&name) {
                    build.flags.push(value.unwrap_or_default());
                }
            }
        }
    }
    // `go run a.go b.go -v`: the files are the package, the rest goes to the program.
    if verb == "run" && build.packages.first().is_some_and(|p| p.ends_with(".go")) {
        let all: Vec<String> = build
            .packages
            .drain(..)
            .chain(build.arguments.drain(..))
            .collect();
        let files = all.iter().take_while(|word| word.ends_with(".go")).count();
        build.packages = all[..files].to_vec();
        build.arguments = all[files..].to_vec();
    }
    Some(build)
}

/// What the simple commands of one RUN do.
#[derive(Clone, Debug, Default)]
pub struct RunFacts {
    /// `go build`/`go install`, each with the directory it runs in.
    pub builds: Vec<(GoBuild, String)>,
    /// `go mod download`, `go mod vendor`, `go mod tidy` or `go get` in a module.
    pub downloads: bool,
    /// `go get …` commands, as written.
    pub gets: Vec<String>,
    /// `go mod init <path>` and the directory it ran in.
    pub mod_init: Option<(String, String)>,
    /// Other toolchain work (`go generate`, `go test`, `go vet`…).
    pub go_other: bool,
    pub installs: Vec<Install>,
    /// `useradd`, `adduser`, `groupadd`, `addgroup`, `usermod`.
    pub users: Vec<String>,
    /// `mkdir`, `chmod`, `chown`, `ln`, `touch`, `cp`, `mv`, redirections.
    pub files: Vec<Vec<String>>,
    /// Commands restage does not know.
    pub others: Vec<String>,
    /// `CGO_ENABLED=` set in the line (`Some(true)` for 1).
    pub cgo: Option<bool>,
    /// The line sets `CGO_ENABLED=` itself, to a value or a variable (`$CGO`): its
    /// choice stays.
    pub sets_cgo: bool,
}

impl RunFacts {
    pub fn read(line: &str, workdir: &str, vars: &BTreeMap<String, String>) -> RunFacts {
        let mut facts = RunFacts {
            installs: packages::installs(line),
            cgo: cgo_setting(line),
            sets_cgo: line.contains("CGO_ENABLED="),
            ..RunFacts::default()
        };
        let mut cwd = workdir.to_owned();
        for command in shell::commands(line) {
            let words = shell::words(command);
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let Some(&first) = words.first() else {
                continue;
            };
            let program = shell::program_name(first);
            if let Some(build) =
                go_command(&words, "build").or_else(|| go_command(&words, "install"))
            {
                facts.builds.push((build, cwd.clone()));
                continue;
            }
            match (program, &words[1..]) {
                ("go", ["mod", "download" | "vendor" | "tidy", ..]) => facts.downloads = true,
                ("go", ["mod", "init", path, ..]) => {
                    facts.mod_init = Some(((*path).to_owned(), cwd.clone()))
                }
                ("go", ["get", ..]) => facts.gets.push(command.to_owned()),
                ("go", _) | ("gofmt" | "golangci-lint" | "staticcheck", _) => facts.go_other = true,
                ("cd", [dir]) => match expand(dir, vars) {
                    Some(dir) => cwd = join(&cwd, &dir),
                    None => facts.others.push(command.to_owned()),
                },
                (
                    "apt-get" | "apt" | "apk" | "dpkg" | "apt-mark" | "yum" | "dnf" | "microdnf",
                    _,
                ) => {}
                ("useradd" | "adduser" | "groupadd" | "addgroup" | "usermod", _) => {
                    facts.users.push(command.to_owned())
                }
                _ if command.contains('>') => facts
                    .files
                    .push(words.iter().map(|w| (*w).to_owned()).collect()),
                ("mkdir" | "chmod" | "chown" | "ln" | "touch" | "cp" | "mv", _) => facts
                    .files
                    .push(words.iter().map(|w| (*w).to_owned()).collect()),
                ("rm" | "set" | "true" | "echo" | "export" | ":" | "ls" | "pwd" | "env", _) => {}
                _ => facts.others.push(command.to_owned()),
            }
        }
        facts
    }

    pub fn is_build(&self) -> bool {
        !self.builds.is_empty()
    }

    /// Work only the builder needs: the toolchain and its downloads.
    pub fn is_toolchain(&self) -> bool {
        self.downloads || self.go_other || !self.gets.is_empty() || self.mod_init.is_some()
    }
}

/// `CGO_ENABLED=0` or `=1` set anywhere in a command line.
pub fn cgo_setting(text: &str) -> Option<bool> {
    let at = text.rfind("CGO_ENABLED=")?;
    match text[at + "CGO_ENABLED=".len()..]
        .trim_start_matches(['"', '\''])
        .chars()
        .next()
    {
        Some('0') => Some(false),
        Some('1') => Some(true),
        _ => None,
    }
}

/// A package or file list's default executable name, as `go build` chooses it: the
/// first file's name, or the last element of the import path that is not a major
/// version (`example.com/app/v2` → `app`; `example.com/api/v1` → `v1`).
pub fn import_path_name(path: &str) -> Option<String> {
    let path = path.split('@').next().unwrap_or(path).trim_end_matches('/');
    let mut elements = path.rsplit('/').filter(|e| !e.is_empty() && *e != ".");
    let last = elements.next()?;
    let name = match (is_version_element(last), elements.next()) {
        (true, Some(before)) => before,
        _ => last,
    };
    (name != "..").then(|| name.to_owned())
}

/// Whether an import path element is a major version as cmd/go's `isVersionElement`
/// reads one: `v2`, `v3`, `v10`, not `v0`, `v1` or `v05` (no module path ends in those).
pub fn is_version_element(element: &str) -> bool {
    element.strip_prefix('v').is_some_and(|digits| {
        digits.bytes().all(|b| b.is_ascii_digit())
            && !matches!(digits.as_bytes(), [] | [b'0', ..] | [b'1'])
    })
}

/// Expands `$NAME` and `${NAME}`; `None` when a variable is unknown or has modifiers.
pub fn expand(text: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}')?;
                (&inner[..end], end + 2)
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        out.push_str(vars.get(name)?);
        rest = &after[used..];
    }
    out.push_str(rest);
    Some(out)
}

/// A command as exec-form JSON: `["./server", "--port", "80"]`.
pub fn exec_form(words: &[String]) -> String {
    let quoted: Vec<String> = words
        .iter()
        .map(|word| serde_json::to_string(word).expect("a string serialises"))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// Whether a shell-form command needs a shell to mean what it says.
pub fn uses_shell(text: &str) -> bool {
    let assignment = text
        .split_whitespace()
        .next()
        .is_some_and(|first| first.contains('='));
    assignment || text.contains(|c: char| "$|&;<>()`*?[]{}~\"'\\#\n".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        shell::words(line)
    }

    #[test]
    fn reads_go_build_flags_and_packages() {
        let w = words("go build -ldflags '-s -w' -tags netgo -o /bin/server ./cmd/server");
        let w: Vec<&str> = w.iter().map(String::as_str).collect();
        let build = go_command(&w, "build").unwrap();
        assert_eq!(build.output.as_deref(), Some("/bin/server"));
        assert_eq!(build.packages, vec!["./cmd/server"]);
        assert_eq!(build.flags, vec!["-ldflags", "-s -w", "-tags", "netgo"]);
        let run = go_command(&["go", "run", "main.go", "util.go", "-i", "0.0.0.0"], "run").unwrap();
        assert_eq!(run.packages, vec!["main.go", "util.go"]);
        assert_eq!(run.arguments, vec!["-i", "0.0.0.0"]);
        let run = go_command(&["go", "run", "-race", ".", "--port", "80"], "run").unwrap();
        assert!(run.race);
        assert_eq!(
            (run.packages, run.arguments),
            (vec![".".into()], vec!["--port".into(), "80".into()])
        );
    }

    #[test]
    fn names_paths_and_variables() {
        assert_eq!(
            import_path_name("github.com/acme/api/v2").as_deref(),
            Some("api")
        );
        assert_eq!(
            import_path_name("golang.org/x/tools/gopls@v0.6.3").as_deref(),
            Some("gopls")
        );
        // cmd/go's isVersionElement: v0, v1 and v05 are names, v10 a version.
        for (path, name) in [
            ("example.com/api/v1", "v1"),
            ("example.com/api/v0", "v0"),
            ("example.com/api/v05", "v05"),
            ("example.com/api/v10", "api"),
            ("example.com/api/cmd/v3", "cmd"),
            ("v2", "v2"),
        ] {
            assert_eq!(import_path_name(path).as_deref(), Some(name), "{path}");
        }
        let vars = BTreeMap::from([("GOPATH".to_owned(), "/go".to_owned())]);
        assert_eq!(
            expand("${GOPATH}/src/$GOPATH", &vars).as_deref(),
            Some("/go/src//go")
        );
        assert_eq!(expand("$NOPE/x", &vars), None);
        assert_eq!(
            cgo_setting("CGO_ENABLED=0 GOOS=linux go build"),
            Some(false)
        );
        assert_eq!(
            exec_form(&["./server".into(), "-v".into()]),
            r#"["./server", "-v"]"#
        );
        assert!(uses_shell("./server --port $PORT") && !uses_shell("./server --port 80"));
    }

    #[test]
    fn sorts_the_commands_of_a_run() {
        let facts = RunFacts::read(
            "apk add --no-cache git && cd cmd/api && CGO_ENABLED=0 go build -o /out/api . && adduser -D app",
            "/src",
            &BTreeMap::new(),
        );
        assert_eq!(facts.builds[0].1, "/src/cmd/api");
        assert_eq!(facts.installs[0].packages, vec!["git"]);
        assert_eq!(facts.users, vec!["adduser -D app"]);
        assert_eq!(facts.cgo, Some(false));
    }
}
