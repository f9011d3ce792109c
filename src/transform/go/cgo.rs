//! Whether the binary needs cgo, and why: a `CGO_ENABLED` setting decides; without one,
//! a .go file that imports "C", a package known to need cgo (required in go.mod or
//! imported), `-race`, or a C toolchain the build installs does, and so does Go source
//! restage could not read all of. It does not place `CGO_ENABLED=0` (`runs` does), pick
//! the C library (`image` does) or read the source (`context::GoSources` does).

use crate::analyze::ItemId;
use crate::context::Unread;

use super::Start;
use super::facts::Facts;

/// Go packages whose ordinary Linux build needs cgo, by import path, with what they are.
/// A path stands for the packages below it too, and a module's path for its later major
/// versions (`…/v2`); it is matched against the modules go.mod requires and the packages
/// the .go files import. A package that also builds without cgo behind `//go:build !cgo`
/// is listed when that build is a stub or loses what the package is for: the original,
/// built with cgo (the golang images have gcc), did not have that. Left out as they do
/// without cgo on Linux: `github.com/shirou/gopsutil`, `modernc.org/sqlite`,
/// `github.com/glebarez/sqlite`, `github.com/ebitengine/purego`, and gopacket but for
/// its `pcap` package.
const NEEDS_CGO: &[(&str, &str)] = &[
    // Its `!cgo` build is a stub whose Open fails: "Binary was compiled with
    // 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub".
    (
        "github.com/mattn/go-sqlite3",
        "SQLite's cgo binding (without cgo it is a stub that fails at run time)",
    ),
    // GORM's SQLite drivers import github.com/mattn/go-sqlite3 (a go.mod older than Go
    // 1.17 does not list it beside them).
    (
        "gorm.io/driver/sqlite",
        "GORM's SQLite driver, built on github.com/mattn/go-sqlite3",
    ),
    (
        "github.com/jinzhu/gorm/dialects/sqlite",
        "GORM v1's SQLite dialect, built on github.com/mattn/go-sqlite3",
    ),
    // "CGO_ENABLED must NOT be set to 0" (its README): librdkafka, linked in through cgo.
    (
        "github.com/confluentinc/confluent-kafka-go",
        "Confluent's Kafka client, a cgo binding of librdkafka",
    ),
    (
        "gopkg.in/confluentinc/confluent-kafka-go.v1",
        "Confluent's Kafka client, a cgo binding of librdkafka",
    ),
    // Its Go files need cgo (`CGO_ENABLED=0` builds of its users failed: "build
    // constraints exclude all Go files"); libraries that fall back without it (sarama,
    // badger) lose zstd.
    ("github.com/DataDog/zstd", "a cgo binding of zstd"),
    ("github.com/valyala/gozstd", "a cgo binding of zstd"),
    ("github.com/tecbot/gorocksdb", "a cgo binding of RocksDB"),
    ("github.com/linxGnu/grocksdb", "a cgo binding of RocksDB"),
    // Only pcap: the rest of gopacket (layers, afpacket) is Go.
    (
        "github.com/google/gopacket/pcap",
        "gopacket's cgo binding of libpcap",
    ),
    (
        "github.com/gopacket/gopacket/pcap",
        "gopacket's cgo binding of libpcap",
    ),
    // "C compiler with CGO_ENABLED=1" (its README): Oracle's ODPI-C.
    (
        "github.com/godror/godror",
        "an Oracle driver built on ODPI-C through cgo",
    ),
    ("github.com/h2non/bimg", "a cgo binding of libvips"),
    ("github.com/davidbyttow/govips", "a cgo binding of libvips"),
    ("github.com/go-gl/gl", "a cgo binding of OpenGL"),
    ("github.com/go-gl/glfw", "a cgo binding of GLFW"),
    // "A C compiler is required as Ebitengine uses not only Go but also C" (its install
    // guide; Windows alone does without).
    (
        "github.com/hajimehoshi/ebiten",
        "Ebitengine, which needs cgo on Linux",
    ),
];

/// Packages that install a C toolchain, which says the build means to use cgo.
pub(super) const CGO_TOOLCHAIN: &[&str] = &[
    "gcc",
    "g++",
    "clang",
    "build-base",
    "build-essential",
    "musl-dev",
    "libc-dev",
    "libc6-dev",
];

/// Why the binary needs cgo, if it does or restage cannot rule it out (Go source it
/// could not read all of: the build then keeps cgo, as the original's did).
pub(super) fn cgo_reason(facts: &Facts, start: &Start) -> Option<String> {
    let mut settings: Vec<bool> = facts
        .runs
        .iter()
        .filter(|(_, run)| run.is_build())
        .filter_map(|(&id, run)| run.cgo.or_else(|| env_cgo(facts, id)))
        .collect();
    if let Start::GoRun { id, .. } = start {
        settings.extend(env_cgo(facts, *id));
    }
    if settings.contains(&true) {
        return Some("the Dockerfile sets `CGO_ENABLED=1`".into());
    }
    if let Some((&id, _)) = facts
        .runs
        .iter()
        .find(|(_, run)| run.is_build() && run.cgo.is_none() && run.sets_cgo)
    {
        return Some(format!(
            "`{}` takes CGO_ENABLED from a variable, which a build may set to 1",
            crate::transform::shell::one_line(facts.input.analysis.text(id))
        ));
    }
    if !settings.is_empty() {
        return None;
    }
    // The context's Go source outside `node_modules`, then the packages the patterns
    // match (in `node_modules` too).
    let sources = facts.input.context.go_sources();
    let cgo_file = sources.cgo_file.iter();
    if let Some(file) = cgo_file
        .chain(facts.compiled.iter().flat_map(|package| &package.cgo_file))
        .next()
    {
        return Some(format!("`{file}` imports \"C\""));
    }
    let requires = sources
        .requires
        .iter()
        .map(|(module, go_mod)| (module, go_mod, "requires"));
    let imports = (sources.imports.iter())
        .chain(facts.compiled.iter().flat_map(|package| &package.imports))
        .map(|(package, file)| (package, file, "imports"));
    if let Some(why) = known_cgo(requires.chain(imports)) {
        return Some(why);
    }
    let race = match start {
        Start::GoRun { build, .. } => build.race,
        _ => false,
    };
    if race
        || facts
            .runs
            .values()
            .flat_map(|run| &run.builds)
            .any(|(build, _)| build.race)
    {
        return Some("`-race` needs cgo".into());
    }
    if let Some(package) = facts
        .installed_packages()
        .find(|package| CGO_TOOLCHAIN.contains(package))
    {
        return Some(format!(
            "the build installs `{package}`, a C toolchain for cgo"
        ));
    }
    Some(match sources.unread.as_ref()? {
        Unread::Budget(entries) => format!(
            "the context is larger than restage reads (more than {entries} files and folders), and cgo cannot be ruled out in what it did not read"
        ),
        Unread::Path(path) => {
            format!(
                "restage could not read `{path}` in the context, and cgo cannot be ruled out there"
            )
        }
    })
}

/// Why a package of [`NEEDS_CGO`] that a go.mod requires or a .go file imports (each
/// `(path, file, verb)`) makes the binary need cgo, if one does.
fn known_cgo<'a>(
    mut named: impl Iterator<Item = (&'a String, &'a String, &'a str)>,
) -> Option<String> {
    named.find_map(|(path, file, verb)| {
        let (_, what) = NEEDS_CGO.iter().find(|(known, _)| {
            path.strip_prefix(known)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })?;
        Some(format!("`{file}` {verb} `{path}`, {what}"))
    })
}

/// The `CGO_ENABLED` an ENV or ARG sets at `id`, if any.
pub(super) fn env_cgo(facts: &Facts, id: ItemId) -> Option<bool> {
    match facts.vars_at(id).get("CGO_ENABLED").map(String::as_str) {
        Some("0") => Some(false),
        Some("1") => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(requires: &[&str], imports: &[&str]) -> Option<String> {
        let located = |paths: &[&str], file: &str, verb: &'static str| {
            paths
                .iter()
                .map(|path| (path.to_string(), file.to_owned(), verb))
                .collect::<Vec<_>>()
        };
        let named = [
            located(requires, "go.mod", "requires"),
            located(imports, "cmd/app/main.go", "imports"),
        ]
        .concat();
        known_cgo(named.iter().map(|(path, file, verb)| (path, file, *verb)))
    }

    #[test]
    fn known_modules_and_packages_need_cgo() {
        assert_eq!(
            why(
                &["github.com/gin-gonic/gin", "github.com/mattn/go-sqlite3"],
                &[]
            )
            .as_deref(),
            Some(
                "`go.mod` requires `github.com/mattn/go-sqlite3`, SQLite's cgo binding (without cgo it is a stub that fails at run time)"
            )
        );
        for module in [
            "github.com/confluentinc/confluent-kafka-go/v2",
            "gopkg.in/confluentinc/confluent-kafka-go.v1",
            "github.com/go-gl/glfw/v3.3/glfw",
            "github.com/hajimehoshi/ebiten/v2",
        ] {
            assert!(why(&[module], &[]).is_some(), "{module}");
        }
        assert_eq!(
            why(
                &["github.com/google/gopacket"],
                &["github.com/google/gopacket/pcap"]
            )
            .as_deref(),
            Some(
                "`cmd/app/main.go` imports `github.com/google/gopacket/pcap`, gopacket's cgo binding of libpcap"
            )
        );
    }

    #[test]
    fn modules_that_do_without_cgo_do_not() {
        let none = why(
            &[
                "github.com/google/gopacket",
                "github.com/shirou/gopsutil/v3",
                "modernc.org/sqlite",
                "github.com/mattn/go-sqlite3-extra",
                "github.com/go-gl/mathgl",
            ],
            &[
                "github.com/google/gopacket/layers",
                "github.com/ebitengine/purego",
            ],
        );
        assert_eq!(none, None);
    }
}
