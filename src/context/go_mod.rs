//! What a go.mod file says that restage reads: the modules its `require` directives name
//! (whether the binary needs cgo) and the folders its `ignore` directives (Go 1.25) keep
//! out of `./...` patterns. Which go.mod to read is the walks' concern.

/// The arguments of a go.mod's `verb` directives, one-line (`require m v1`) and block
/// (`require (` … `)`) alike, each trimmed, comments such as `// indirect` left out.
fn directives<'a>(go_mod: &'a str, verb: &'a str) -> impl Iterator<Item = &'a str> {
    let mut in_block = false;
    go_mod.lines().filter_map(move |line| {
        let line = line.split("//").next().unwrap_or_default().trim();
        if in_block {
            if line.starts_with(')') {
                in_block = false;
                return None;
            }
            return Some(line).filter(|line| !line.is_empty());
        }
        let rest = line.strip_prefix(verb)?;
        if rest.trim_start().starts_with('(') {
            in_block = true;
            return None;
        }
        Some(rest.strip_prefix([' ', '\t'])?.trim())
    })
}

/// The module paths of a go.mod's `require` directives.
pub(super) fn requirements(go_mod: &str) -> impl Iterator<Item = &str> {
    directives(go_mod, "require").filter_map(|spec| {
        let module = spec.split_whitespace().next()?;
        Some(module.trim_matches('"'))
    })
}

/// The paths of a go.mod's `ignore` directives, unquoted: `./web/node_modules` (a folder
/// of the module, with all below it) or `node_modules` (every folder of that name).
pub(super) fn ignores(go_mod: &str) -> impl Iterator<Item = &str> {
    directives(go_mod, "ignore").map(|path| path.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_forms_of_require() {
        let go_mod = "module example.com/svc\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22 // indirect\nrequire \"example.com/quoted\" v1.0.0\n\nrequire (\n\tgithub.com/gin-gonic/gin v1.9.1\n\n\t// a comment\n\tgolang.org/x/sys v0.15.0 // indirect\n)\n\nrequire(\n\tgithub.com/a/b v1.0.0\n)\n\nreplace github.com/c/d => ../d\nexclude (\n\tgithub.com/e/f v1.0.0\n)\n";
        assert_eq!(
            requirements(go_mod).collect::<Vec<_>>(),
            [
                "github.com/mattn/go-sqlite3",
                "example.com/quoted",
                "github.com/gin-gonic/gin",
                "golang.org/x/sys",
                "github.com/a/b",
            ]
        );
        assert_eq!(requirements("requirements v1\nrequire\n").count(), 0);
    }

    #[test]
    fn reads_both_forms_of_ignore() {
        let go_mod = "module example.com/app\n\ngo 1.25\n\nignore ./web/node_modules // npm's\nignore (\n\tnode_modules\n\n\t\"./build out\"\n)\nignored x\nrequire example.com/lib v1.0.0\n";
        assert_eq!(
            ignores(go_mod).collect::<Vec<_>>(),
            ["./web/node_modules", "node_modules", "./build out"]
        );
        assert_eq!(ignores("module m\n").count(), 0);
    }
}
