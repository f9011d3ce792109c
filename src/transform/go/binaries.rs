//! The binaries the builds write and where: each `go build` and `go install` with its
//! `-o`, `-C`, packages, GOBIN and GOPATH, the default names the go command gives
//! them, and which binary a start command or HEALTHCHECK names. What the final stage
//! copies of them is `copies`' part.

use std::collections::BTreeMap;

use crate::analyze::{ItemId, file_name, join, relative_to};
use crate::context::{GoPackage, PackageKind, shown_folder};

use super::command::{self, GoBuild, expand};
use super::facts::Facts;

/// A binary a build writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binary {
    /// Where the builder has it.
    pub path: String,
    pub run: ItemId,
    /// `go install pkg@version`: build tooling, unless the app starts it.
    pub tool: bool,
}

impl Binary {
    /// A binary `go build` writes.
    fn built(path: String, run: ItemId) -> Binary {
        Binary {
            path,
            run,
            tool: false,
        }
    }
}

impl Facts<'_> {
    /// Reads the binaries of every `go build` and `go install`, in order.
    pub(super) fn read_binaries(&mut self) -> Result<(), String> {
        let builds: Vec<(ItemId, GoBuild, String)> = self
            .runs
            .iter()
            .flat_map(|(id, run)| {
                run.builds
                    .iter()
                    .map(|(build, cwd)| (*id, build.clone(), cwd.clone()))
            })
            .collect();
        for (id, build, cwd) in builds {
            let binaries = self.outputs(id, &build, &cwd)?;
            self.binaries.extend(binaries);
        }
        Ok(())
    }

    /// The binaries one `go build` or `go install` writes; the packages its patterns
    /// match go to [`compiled`](Facts::compiled), and why it writes none, where it has
    /// no `-o` and writes none, to [`no_binary`](Facts::no_binary).
    fn outputs(&mut self, id: ItemId, build: &GoBuild, cwd: &str) -> Result<Vec<Binary>, String> {
        let vars = self.vars_at(id);
        let resolve = |word: &str| {
            expand(word, &vars)
                .ok_or_else(|| format!("`{word}` is a variable restage cannot resolve"))
        };
        let cwd = match &build.chdir {
            Some(dir) => join(cwd, &resolve(dir)?),
            None => cwd.to_owned(),
        };
        let packages: Vec<String> = match build.packages.as_slice() {
            [] => vec![".".to_owned()],
            packages => packages
                .iter()
                .map(|package| resolve(package))
                .collect::<Result<_, _>>()?,
        };
        let verb = build.verb();
        let output = build.output.as_deref().map(&resolve).transpose()?;
        let written = match &build.output {
            Some(output) => format!("{verb} -o {output} {}", packages.join(" ")),
            None => format!("{verb} {}", packages.join(" ")),
        };
        let to_file = output.as_deref().filter(|output| {
            !build.install && !output.ends_with('/') && !self.is_dir(&join(&cwd, output))
        });
        if packages.iter().any(|package| is_pattern(package)) {
            let matched = self.packages(&packages, &cwd);
            if let Ok(matched) = &matched {
                self.compiled
                    .extend(matched.iter().map(|(_, package)| package.clone()));
            }
            return match (build.install, to_file) {
                // `-o file` takes the one command there is (with several the original fails).
                (_, Some(file)) => Ok(vec![Binary::built(join(&cwd, file), id)]),
                // Without -o the go command writes a binary only where the patterns come
                // to one main package alone.
                (false, None) if output.is_none() => {
                    let lone = match self.gopath_mode(id) {
                        true => Err("with GO111MODULE=off the go command matches other modules' packages too, which restage does not follow".into()),
                        false => self.lone_command(id, build, &cwd, matched),
                    };
                    Ok(lone.map_or_else(
                        |why| {
                            self.no_binary.get_or_insert(format!(
                                "the `{written}` here has no `-o`, so it writes a binary only where its packages come to one main package alone, and {why}"
                            ));
                            Vec::new()
                        },
                        |binary| vec![binary],
                    ))
                }
                // GOPATH mode matches across the go.mod files of other modules.
                _ if self.gopath_mode(id) => Err(format!(
                    "`{written}` writes a binary for every command under it, and with GO111MODULE=off the go command matches those of other modules too, which restage does not follow"
                )),
                _ => {
                    let commands = commands(
                        matched,
                        &written,
                        "writes a binary for every command under it, and restage cannot see which commands the build context has there",
                    )?;
                    self.binaries_of(id, build, &commands, &cwd, output.as_deref(), &vars)
                }
            };
        }
        // `-o file` names the binary itself; the default name matters otherwise.
        if let Some(file) = to_file.filter(|_| packages.len() == 1) {
            return Ok(vec![Binary::built(join(&cwd, file), id)]);
        }
        if let (Some(_), [_, _, ..]) = (&output, packages.as_slice()) {
            // `-o folder/` of several packages: a binary for each that is a command.
            let commands = commands(
                self.packages(&packages, &cwd),
                &written,
                "builds several packages into one folder, and restage cannot see which of them are commands",
            )?;
            return self.binaries_of(id, build, &commands, &cwd, output.as_deref(), &vars);
        }
        let names: Vec<String> = if packages[0].ends_with(".go") {
            vec![file_name(&packages[0]).trim_end_matches(".go").to_owned()]
        } else {
            packages
                .iter()
                .map(|package| self.package_name(package, &cwd, verb))
                .collect::<Result<_, _>>()?
        };
        if build.install {
            return Ok(installed(id, &names, &packages, &vars));
        }
        let path = match &output {
            None if names.len() > 1 => {
                self.no_binary.get_or_insert(format!(
                    "the `{written}` here has no `-o` and names several packages, which it only compiles"
                ));
                return Ok(Vec::new());
            }
            None => join(&cwd, &names[0]),
            Some(output) => join(&join(&cwd, output), &names[0]),
        };
        Ok(vec![Binary::built(path, id)])
    }

    /// The packages of the context, each with its folder in the image, that `packages`
    /// (some of them `./...` patterns) name, as the build context has them; an error
    /// where restage cannot see it: `None` for a package no whole copy of the context
    /// fills, else why the context does not tell.
    fn packages(
        &self,
        packages: &[String],
        cwd: &str,
    ) -> Result<Vec<(String, GoPackage)>, Option<String>> {
        let context = self.input.context;
        let mut found = Vec::new();
        for package in packages {
            let (base, names) = local_package(package)?;
            let dir = join(cwd, base);
            let folder = self.context_folder(&dir).ok_or(None)?;
            let matched = match names {
                Some(_) => context.go_packages_under(&folder),
                None => context.go_package_in(&folder),
            };
            let in_image = |package: GoPackage| {
                let rest = relative_to(&package.folder, &folder)
                    .filter(|rest| rest.starts_with(names.unwrap_or_default()))?;
                Some((join(&dir, rest), package))
            };
            found.extend(matched.map_err(Some)?.into_iter().filter_map(in_image));
        }
        Ok(found)
    }

    /// The binary a build without `-o` of the packages `matched` writes: the one of
    /// their command where they come to that one package alone (cmd/go's rule, tests
    /// alone counting as a package); why there is none, or restage cannot tell.
    fn lone_command(
        &self,
        id: ItemId,
        build: &GoBuild,
        cwd: &str,
        matched: Result<Vec<(String, GoPackage)>, Option<String>>,
    ) -> Result<Binary, String> {
        let matched = matched.map_err(|reason| {
            with_reason(
                "restage cannot see which packages the build context has there".into(),
                reason,
            )
        })?;
        // A package two patterns match is built once.
        let matched: BTreeMap<String, GoPackage> = matched.into_iter().collect();
        for package in matched.values() {
            if let PackageKind::OfSomeBuilds(file) = &package.kind {
                return Err(format!(
                    "restage cannot tell whether `{}` is a package, as `{file}` has build constraints on a tag, an architecture or cgo",
                    shown_folder(&package.folder)
                ));
            }
        }
        let folders = || {
            let folders: Vec<String> = matched
                .values()
                .map(|package| format!("`{}`", shown_folder(&package.folder)))
                .collect();
            folders.join(", ")
        };
        match matched.iter().collect::<Vec<_>>().as_slice() {
            [(dir, package)] if package.kind == PackageKind::Command => {
                let name = self.package_name(dir, "/", build.verb())?;
                Ok(Binary::built(join(cwd, &name), id))
            }
            [] => Err("they come to no package in the build context".into()),
            [_] => Err(format!(
                "they come to one package in the build context, {}, which is not package main",
                folders()
            )),
            several => Err(format!(
                "they come to {} packages in the build context ({})",
                several.len(),
                folders()
            )),
        }
    }

    /// The binaries that `build` of the commands in the image folders `commands` writes:
    /// into `output`, a folder, or where `go install` puts them.
    fn binaries_of(
        &self,
        id: ItemId,
        build: &GoBuild,
        commands: &[String],
        cwd: &str,
        output: Option<&str>,
        vars: &BTreeMap<String, String>,
    ) -> Result<Vec<Binary>, String> {
        let names: Vec<String> = commands
            .iter()
            .map(|dir| self.package_name(dir, "/", build.verb()))
            .collect::<Result<_, _>>()?;
        if build.install {
            return Ok(installed(id, &names, commands, vars));
        }
        let folder = join(cwd, output.unwrap_or("."));
        Ok(names
            .iter()
            .map(|name| Binary::built(join(&folder, name), id))
            .collect())
    }

    /// The default executable name of a package, as the go command chooses it.
    pub fn package_name(&self, package: &str, cwd: &str, verb: &str) -> Result<String, String> {
        if !(package.starts_with('.') || package.starts_with('/')) {
            return command::import_path_name(package)
                .ok_or_else(|| format!("cannot tell the binary name of `{verb} {package}`"));
        }
        let dir = join(cwd, package);
        if self.module.root.as_deref() == Some(dir.as_str()) {
            return match &self.module.path {
                Some(path) => command::import_path_name(path).ok_or_else(|| {
                    format!("cannot read a binary name from the module path `{path}`")
                }),
                None => Err(format!(
                    "`{verb}` names the binary after the module path in go.mod, which is not in the build context; add `-o <path>` to the build"
                )),
            };
        }
        if package == "." && self.module.root.is_none() {
            return Err(format!(
                "`{verb}` in {dir} names the binary after its module, and restage cannot tell which module that is; add `-o <path>` to the build"
            ));
        }
        let name = file_name(&dir);
        if !command::is_version_element(name) {
            return Ok(name.to_owned());
        }
        // `cmd/v2` is named as its import path is, after the element before (cmd/go's
        // DefaultExecName), which is the module path's last one for `v2` at its root.
        if let (Some(root), Some(path)) = (&self.module.root, &self.module.path)
            && let Some(below) = relative_to(&dir, root)
        {
            return command::import_path_name(&format!("{path}/{below}"))
                .ok_or_else(|| format!("cannot tell the binary name of `{verb} {package}`"));
        }
        Err(format!(
            "`{verb} {package}` names the binary after the element before `{name}` in the package's import path, which restage cannot tell; add `-o <path>` to the build"
        ))
    }

    /// The binary a program name or path refers to, at instruction `id`.
    pub fn binary_for(&self, program: &str, id: ItemId) -> Option<&Binary> {
        let vars = self.vars_at(id);
        let program = expand(program, &vars)?;
        if program.contains('/') {
            let path = join(&self.workdir(id).ok()?, &program);
            return self.binaries.iter().find(|binary| binary.path == path);
        }
        vars.get("PATH")?.split(':').find_map(|dir| {
            let path = join("/", &format!("{dir}/{program}"));
            self.binaries.iter().find(|binary| binary.path == path)
        })
    }
}

/// The image folders of the commands among the packages `matched`; an error where
/// there is none, or restage cannot see the packages: then that the `written` build
/// `unseen`, followed by the context's reason where it has one.
fn commands(
    matched: Result<Vec<(String, GoPackage)>, Option<String>>,
    written: &str,
    unseen: &str,
) -> Result<Vec<String>, String> {
    let matched = matched.map_err(|reason| with_reason(format!("`{written}` {unseen}"), reason))?;
    let commands: Vec<String> = matched
        .into_iter()
        .filter(|(_, package)| package.kind == PackageKind::Command)
        .map(|(dir, _)| dir)
        .collect();
    if commands.is_empty() {
        return Err(format!(
            "`{written}` builds no command: no folder it names has a package main file"
        ));
    }
    Ok(commands)
}

/// `what` restage cannot see, followed by the context's `reason` where it has one.
fn with_reason(what: String, reason: Option<String>) -> String {
    match reason {
        Some(reason) => format!("{what}: {reason}"),
        None => what,
    }
}

/// The go command's own patterns, which name packages by what they are: `all` (the main
/// module's packages and what they import), `std`, `cmd`, `tool` (go.mod's tools, Go
/// 1.24) and `work` (the packages of a workspace's modules, Go 1.25).
const META_PATTERNS: &[&str] = &["all", "std", "cmd", "tool", "work"];

/// Whether a package argument is a pattern: one with `...`, or one of the go command's
/// own.
fn is_pattern(package: &str) -> bool {
    package.contains("...") || META_PATTERNS.contains(&package)
}

/// A package argument that names folders (`./cmd/api`, `../...`, `./cmd/...`,
/// `./cmd/api...`) as the folder the go command starts from and, for a `...` pattern,
/// what the path of a matched folder below it starts with (`api` for `./cmd/api...`;
/// empty for `./cmd/...`, which also matches `cmd` itself). An error for an import path
/// (`None`: no folder of the context) and for `...` before a pattern's end
/// (`./svc/.../main`), which restage does not match.
fn local_package(package: &str) -> Result<(&str, Option<&str>), Option<String>> {
    if META_PATTERNS.contains(&package) {
        return Err(Some(format!(
            "`{package}` names packages by what they are, not by their folders, which restage does not follow"
        )));
    }
    let local = package == "."
        || package == ".."
        || package.starts_with("./")
        || package.starts_with("../");
    if !local {
        return Err(None);
    }
    let Some(at) = package.find("...") else {
        return Ok((package, None));
    };
    if at + "...".len() < package.len() {
        return Err(Some(format!(
            "`{package}` has `...` before its end, which restage does not match"
        )));
    }
    // A local pattern has a `/` before its `...`.
    let (base, names) = package[..at].rsplit_once('/').unwrap_or(("", ""));
    Ok((base, Some(names)))
}

/// The binaries `go install` writes: into GOBIN, else the first GOPATH's bin.
fn installed(
    id: ItemId,
    names: &[String],
    packages: &[String],
    vars: &BTreeMap<String, String>,
) -> Vec<Binary> {
    let dir = match vars.get("GOBIN").filter(|dir| !dir.is_empty()) {
        Some(dir) => dir.clone(),
        None => format!("{}/bin", vars["GOPATH"].split(':').next().unwrap_or("/go")),
    };
    names
        .iter()
        .zip(packages)
        .map(|(name, package)| Binary {
            path: join(&dir, name),
            run: id,
            tool: package.contains('@'),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{is_pattern, local_package};

    #[test]
    fn package_arguments_name_folders_as_the_go_command_reads_them() {
        assert_eq!(local_package("./cmd/api"), Ok(("./cmd/api", None)));
        assert_eq!(local_package("."), Ok((".", None)));
        assert_eq!(local_package("./..."), Ok((".", Some(""))));
        assert_eq!(local_package("../..."), Ok(("..", Some(""))));
        assert_eq!(local_package("./cmd/..."), Ok(("./cmd", Some(""))));
        assert_eq!(local_package("./cmd/api..."), Ok(("./cmd", Some("api"))));
        // Import paths are no folder of the context.
        for package in ["...", ".hidden/...", "example.com/x/..."] {
            assert_eq!(local_package(package), Err(None), "{package}");
        }
        assert!(local_package("./svc/.../main").unwrap_err().is_some());
        // The go command's own patterns name no folder, and say so.
        assert!(is_pattern("work") && !is_pattern("./work"));
        assert!(local_package("work").unwrap_err().is_some());
    }
}
