//! `--serve-static` (opt-in): a front end whose container serves its files with a
//! development server (`vite`, `react-scripts start`, `vue-cli-service serve`, `ng serve`,
//! `next dev` of a static export), with `vite preview`, or with a static file server
//! (`serve -s build`, `http-server dist`) is built in the builder and served from nginx.
//! The final stage is `nginx:stable-alpine` with the built files in its web root, listening
//! on the port the original used, and answering paths as the original server did: unknown
//! ones with `index.html` for a single-page app's router, or with 404, and a Next.js
//! export's pages by their `.html` files. The container then runs nginx instead of Node,
//! which is why the user asks for it; without the option these images decline as
//! development images (see `start`).

use super::mentions_any;
use super::project::Project;
use super::run::{Manager, RunFacts};
use super::start::Start;
use crate::analyze::ItemId;
use crate::context::BuildContext;
use crate::syntax::{Command, Keyword};
use crate::transform::plan::{Step, is_plain_path};
use crate::transform::shell::{one_line, program_name};
use crate::transform::{Decision, Input, Plan};

use super::paths::Vars;

/// The final stage's image.
pub const NGINX: &str = "nginx:stable-alpine";

/// Where nginx serves files from, in the official image.
const WEB_ROOT: &str = "/usr/share/nginx/html";

/// The nginx configuration the official image reads for its default server.
const SERVER_CONFIG: &str = "/etc/nginx/conf.d/default.conf";

/// Where a bundler writes the built files.
#[derive(Clone, Copy)]
enum OutDir {
    /// Always this folder, unless a file or flag of `Bundler::moved_by` moves it.
    Fixed(&'static str),
    /// The folder `angular.json` gives the application's build.
    AngularJson,
    /// `out`, when next.config makes the build a static export.
    NextExport,
}

/// A bundler whose build writes the files a front end serves.
#[derive(Clone, Copy)]
struct Bundler {
    /// The program, as the build script runs it.
    program: &'static str,
    /// Its build command in package.json's build script.
    build: &'static str,
    /// Where the build writes, relative to the app folder.
    out_dir: OutDir,
    /// Files and words that move the output elsewhere.
    moved_by: &'static [(&'static str, &'static str)],
}

const VITE: Bundler = Bundler {
    program: "vite",
    build: "vite build",
    out_dir: OutDir::Fixed("dist"),
    moved_by: &[
        ("vite.config.js", "outDir"),
        ("vite.config.ts", "outDir"),
        ("vite.config.mjs", "outDir"),
        ("vite.config.mts", "outDir"),
        ("vite.config.cjs", "outDir"),
    ],
};

const CREATE_REACT_APP: Bundler = Bundler {
    program: "react-scripts",
    build: "react-scripts build",
    out_dir: OutDir::Fixed("build"),
    moved_by: &[(".env", "BUILD_PATH"), (".env.production", "BUILD_PATH")],
};

const VUE_CLI: Bundler = Bundler {
    program: "vue-cli-service",
    build: "vue-cli-service build",
    out_dir: OutDir::Fixed("dist"),
    moved_by: &[("vue.config.js", "outputDir")],
};

/// A Next.js app built as a static export (`output: 'export'` in next.config), which
/// `next build` writes to `out` (or to `distDir`).
const NEXT_EXPORT: Bundler = Bundler {
    program: "next",
    build: "next build",
    out_dir: OutDir::NextExport,
    moved_by: &[
        ("next.config.js", "distDir"),
        ("next.config.mjs", "distDir"),
        ("next.config.ts", "distDir"),
    ],
};

const ANGULAR: Bundler = Bundler {
    program: "ng",
    build: "ng build",
    out_dir: OutDir::AngularJson,
    moved_by: &[],
};

/// Words of a build script that move a bundler's output.
const OUTPUT_FLAGS: &[&str] = &["--outDir", "--dest", "--output-path", "BUILD_PATH"];

/// What serves the front end in the original container.
struct Server {
    /// As shown in decisions (`vite`, `serve -s build`).
    shown: String,
    /// The served folder: the bundler's output, or the folder a file server names.
    files: Files,
    /// How it answers a path that is not a file.
    paths: Paths,
    /// Whether the files are built in memory (a development server), which is why the
    /// original need not have run the build.
    in_memory: bool,
    /// The port the command names.
    port: Option<String>,
}

enum Files {
    Built(Bundler),
    Folder(String),
}

/// How a server answers a path that names no file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paths {
    /// With `index.html`: a single-page app's router handles the path.
    Fallback,
    /// With 404.
    NotFound,
    /// A page of a Next.js export: `/about` is `about.html`, and 404 is `404.html`.
    HtmlPages,
}

/// What [`server`] knows, as a decline names it.
pub const SERVED: &str = "the builds of vite, react-scripts, vue-cli-service, ng and a Next.js static export, and the folders that serve and http-server name";

/// The plan that serves the front end `input` starts from nginx: `None` when its start
/// command runs none of the servers above, an error when it does but the rewrite cannot
/// be sure of the files, the port or the rest of the final stage.
pub fn plan(
    input: &Input,
    runs: &[(ItemId, RunFacts)],
    project: &Project,
    start: &Start,
) -> Option<Result<Plan, String>> {
    let server = start.commands().find_map(server)?;
    Some(Site::read(input, runs, project, server).map(|site| site.plan()))
}

/// The server a command starts, if it is one restage knows.
fn server(command: &[String]) -> Option<Server> {
    let words: Vec<&str> = without_runner(command);
    let (program, args) = words.split_first()?;
    let port = port_flag(args, &["--port"]);
    let dev = |bundler: Bundler, shown: String| Server {
        shown,
        files: Files::Built(bundler),
        paths: Paths::Fallback,
        in_memory: true,
        port: port.clone(),
    };
    match (program_name(program), args.first().copied()) {
        ("vite", None | Some("dev" | "serve")) => Some(dev(VITE, "vite".into())),
        ("vite", Some(flag)) if flag.starts_with('-') => Some(dev(VITE, "vite".into())),
        ("vite", Some("preview")) => Some(Server {
            in_memory: false,
            ..dev(VITE, "vite preview".into())
        }),
        ("react-scripts", Some("start")) => {
            Some(dev(CREATE_REACT_APP, "react-scripts start".into()))
        }
        ("vue-cli-service", Some("serve")) => Some(dev(VUE_CLI, "vue-cli-service serve".into())),
        ("ng", Some("serve" | "s")) => Some(dev(ANGULAR, "ng serve".into())),
        ("next", Some("dev")) => Some(Server {
            paths: Paths::HtmlPages,
            ..dev(NEXT_EXPORT, "next dev".into())
        }),
        ("serve", _) => file_server(args, "serve", &["-l", "--listen", "-p", "--port"]),
        ("http-server", _) => file_server(args, "http-server", &["-p", "--port"]),
        _ => None,
    }
}

/// The command without the runner that starts a package's program (`npx`, `npm exec`,
/// `pnpm exec`, `yarn`).
fn without_runner(command: &[String]) -> Vec<&str> {
    let words: Vec<&str> = command.iter().map(String::as_str).collect();
    let rest = match words.as_slice() {
        [npx, rest @ ..] if matches!(program_name(npx), "npx" | "pnpx") => rest,
        [npm, "exec", rest @ ..] if matches!(program_name(npm), "npm" | "pnpm") => rest,
        [yarn, rest @ ..] if program_name(yarn) == "yarn" => rest,
        _ => return words,
    };
    rest.iter()
        .skip_while(|w| w.starts_with('-'))
        .copied()
        .collect()
}

/// A static file server (`serve`, `http-server`) with the folder it serves, its port
/// (`port_flags`) and `-s`/`--single` for the index.html fallback. A flag restage does
/// not know, or no folder, is not a server it rewrites around.
fn file_server(args: &[&str], program: &str, port_flags: &[&str]) -> Option<Server> {
    let switches: &[&str] = match program {
        "serve" => &[
            "-s",
            "--single",
            "-C",
            "--cors",
            "-n",
            "--no-clipboard",
            "-u",
            "--no-compression",
            "--no-etag",
            "-S",
            "--symlinks",
            "--no-port-switching",
            "-d",
            "--debug",
        ],
        _ => &[
            "-s",
            "--silent",
            "--cors",
            "-g",
            "--gzip",
            "-b",
            "--brotli",
            "-r",
            "--robots",
            "--no-dotfiles",
            "-d",
            "-i",
        ],
    };
    // http-server's cache time is written onto its flag: `-c-1`, `-c3600`.
    let is_switch = |word: &str| {
        switches.contains(&word) || (program == "http-server" && word.starts_with("-c"))
    };
    let mut folder = None;
    let mut paths = Paths::NotFound;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let with_value = word.split_once('=').map(|(flag, _)| flag);
        if port_flags.contains(word) || (program == "http-server" && *word == "-a") {
            words.next()?;
        } else if with_value.is_some_and(|flag| port_flags.contains(&flag)) {
            continue;
        } else if is_switch(word) {
            if program == "serve" && matches!(*word, "-s" | "--single") {
                paths = Paths::Fallback;
            }
        } else if word.starts_with('-') || folder.is_some() {
            return None;
        } else {
            folder = Some(word.to_string());
        }
    }
    Some(Server {
        shown: format!("{program} {}", args.join(" ")),
        files: Files::Folder(folder?),
        paths,
        in_memory: false,
        port: port_flag(args, port_flags),
    })
}

/// The port a command names with one of `flags` (`--port 80`, `--port=80`; a number, or
/// `tcp://host:port`).
fn port_flag(args: &[&str], flags: &[&str]) -> Option<String> {
    let value = args.iter().enumerate().find_map(|(at, word)| {
        if flags.contains(word) {
            return args.get(at + 1).copied();
        }
        let (flag, value) = word.split_once('=')?;
        flags.contains(&flag).then_some(value)
    })?;
    let port = value.rsplit(':').next().unwrap_or(value);
    is_port(port).then(|| port.to_owned())
}

/// What the static rewrite needs to know, read and checked.
struct Site<'a> {
    input: &'a Input<'a>,
    server: Server,
    /// The served folder, absolute.
    files: String,
    port: String,
    /// `npm run build` (or yarn's, pnpm's), when the builder must add the build.
    build: Option<&'static str>,
}

impl<'a> Site<'a> {
    fn read(
        input: &'a Input<'a>,
        runs: &[(ItemId, RunFacts)],
        project: &Project,
        server: Server,
    ) -> Result<Site<'a>, String> {
        refuse_runtime_instructions(input)?;
        let manager = runs
            .iter()
            .find_map(|(_, facts)| facts.installs().next().map(|install| install.manager))
            .ok_or("nothing to build: no install of the front end's dependencies (`npm ci`, `npm install`, `yarn`, `pnpm install`)")?;
        let (folder, build) = match &server.files {
            Files::Built(bundler) => (
                built_files(input, project, bundler)?,
                (!runs_the_build(runs, bundler)).then(|| build_command(manager)),
            ),
            Files::Folder(folder) => (folder.clone(), None),
        };
        let start = last_start_instruction(input);
        let workdir = input.analysis.workdir_at(input.stage, start);
        if workdir.is_none() && !folder.starts_with('/') && input.stage.base.ecosystem.is_none() {
            return Err(format!(
                "the front end's folder is relative to the working folder of `{}` (no WORKDIR), which restage cannot see",
                input.stage.base.image.raw
            ));
        }
        let files = Vars { input }
            .path(&folder, workdir.as_deref(), start)
            .filter(|files| is_plain_path(files) && files != "/")
            .ok_or_else(|| {
                format!("the served folder `{folder}` is not a path restage can name in a COPY")
            })?;
        let port = match server.port.clone() {
            Some(port) => port,
            None => exposed_port(input)?,
        };
        Ok(Site {
            input,
            server,
            files,
            port,
            build,
        })
    }

    fn plan(self) -> Plan {
        let input = self.input;
        let analysis = input.analysis;
        let mut plan = Plan {
            replaced: Vec::new(),
            final_image: NGINX.to_owned(),
            builder: Vec::new(),
            final_stage: Vec::new(),
            decisions: vec![Decision::new(
                format!("final stage on `{NGINX}`, serving {}", self.files),
                format!(
                    "--serve-static: the original served these files with `{}`; nginx serves the same files without Node or node_modules",
                    self.server.shown
                ),
            )],
        };
        plan.final_stage.push(Step::New(self.server_config()));
        plan.final_stage.push(Step::New(format!(
            "COPY --from={} {} {WEB_ROOT}",
            input.builder_name, self.files
        )));
        for &id in &input.stage.body {
            match analysis.instruction(id).keyword {
                Some(Keyword::Arg) | None => {}
                Some(Keyword::Env) => {
                    plan.builder.push(Step::Keep(id));
                    plan.final_stage.push(Step::Keep(id));
                }
                Some(Keyword::Label | Keyword::Expose) => plan.final_stage.push(Step::Keep(id)),
                Some(keyword @ (Keyword::Cmd | Keyword::Entrypoint)) => {
                    plan.replaced.push(id);
                    plan.decisions.push(Decision::new(
                        format!(
                            "`{}` left out of the final stage",
                            one_line(analysis.text(id))
                        ),
                        format!("nginx's own {keyword} starts the server"),
                    ));
                }
                Some(Keyword::Workdir) => {
                    plan.replaced.push(id);
                    plan.builder.push(Step::Keep(id));
                }
                Some(_) => plan.builder.push(Step::Keep(id)),
            }
        }
        if let Some(build) = self.build {
            plan.decisions.push(Decision::new(
                format!("the builder runs `{build}`"),
                if self.server.in_memory {
                    format!(
                        "`{}` builds in memory; the build script writes the files nginx serves",
                        self.server.shown
                    )
                } else {
                    format!(
                        "no RUN builds the files `{}` serves; the build script writes them",
                        self.server.shown
                    )
                },
            ));
            plan.builder.push(Step::New(format!("RUN {build}")));
        }
        plan.decisions.push(Decision::new(
            format!("nginx listens on {}", self.port),
            if self.server.port.is_some() {
                "the port the original server was given"
            } else {
                "the port the original EXPOSEs"
            },
        ));
        let shown = &self.server.shown;
        plan.decisions.push(match self.server.paths {
            Paths::Fallback => Decision::new(
                "unknown paths are answered with /index.html",
                format!("as `{shown}` did: the app's own router handles them"),
            ),
            Paths::NotFound => Decision::new(
                "unknown paths are answered with 404",
                format!("as `{shown}` did"),
            ),
            Paths::HtmlPages => Decision::new(
                "`/about` is answered with about.html, unknown paths with 404.html",
                format!("as `{shown}` served the pages the static export writes as files"),
            ),
        });
        plan
    }

    /// A RUN that writes nginx's server block: the port, the web root, the fallback.
    fn server_config(&self) -> String {
        let try_files = match self.server.paths {
            Paths::Fallback => "$uri $uri/ /index.html",
            Paths::NotFound => "$uri $uri/ =404",
            Paths::HtmlPages => "$uri $uri.html $uri/ =404",
        };
        let mut lines = vec![
            "server {".to_owned(),
            format!("    listen {};", self.port),
            format!("    root {WEB_ROOT};"),
            "    index index.html;".to_owned(),
        ];
        if self.server.paths == Paths::HtmlPages {
            lines.push("    error_page 404 /404.html;".to_owned());
        }
        lines.extend([
            "    location / {".to_owned(),
            format!("        try_files {try_files};"),
            "    }".to_owned(),
            "}".to_owned(),
        ]);
        let quoted: Vec<String> = lines.iter().map(|line| format!("'{line}'")).collect();
        format!("RUN printf '%s\\n' {} > {SERVER_CONFIG}", quoted.join(" "))
    }
}

/// Declines instructions that shape a Node container and that an nginx one cannot keep
/// as they are.
fn refuse_runtime_instructions(input: &Input) -> Result<(), String> {
    let analysis = input.analysis;
    for &id in &input.stage.body {
        let reason = match analysis.instruction(id).keyword {
            Some(Keyword::User) => "nginx's image starts as root and drops to its own user",
            Some(Keyword::Healthcheck) => "its command was written for the Node image",
            Some(Keyword::Volume | Keyword::Stopsignal | Keyword::Shell | Keyword::Onbuild) => {
                "it was written for the Node container"
            }
            _ => continue,
        };
        return Err(format!(
            "`{}` cannot move to the nginx final stage of --serve-static: {reason}",
            one_line(analysis.text(id))
        ));
    }
    Ok(())
}

/// The folder the bundler's build writes, relative to the app folder; an error unless
/// package.json's build script runs that build and restage can be sure of the folder.
fn built_files(input: &Input, project: &Project, bundler: &Bundler) -> Result<String, String> {
    let Some(script) = project.script("build") else {
        return Err(format!(
            "no build script in package.json (in the build context): restage cannot see that `{}` builds the front end",
            bundler.build
        ));
    };
    if !script.contains(bundler.build) {
        return Err(format!(
            "package.json's build script (`{script}`) does not run `{}`, so restage cannot tell where the built files go",
            bundler.build
        ));
    }
    let context = project.context(input.context);
    let moved = OUTPUT_FLAGS
        .iter()
        .find(|flag| script.contains(*flag))
        .map(|flag| format!("the build script sets `{flag}`"))
        .or_else(|| {
            OUTPUT_FLAGS
                .iter()
                .find(|flag| mentions_any(input, &[flag]))
                .map(|flag| format!("the Dockerfile sets `{flag}`"))
        })
        .or_else(|| {
            bundler.moved_by.iter().find_map(|(file, word)| {
                context
                    .text(file)
                    .filter(|text| text.contains(word))
                    .map(|_| format!("`{file}` sets `{word}`"))
            })
        });
    match (moved, bundler.out_dir) {
        (Some(why), OutDir::Fixed(folder)) => Err(format!(
            "{why}: the built files are not in `{folder}`, where {} puts them by default",
            bundler.program
        )),
        (Some(why), OutDir::AngularJson) => Err(format!(
            "{why}: the built files are not where angular.json says"
        )),
        (Some(why), OutDir::NextExport) => Err(format!(
            "{why}: the static export is not in `out`, where next build puts it by default"
        )),
        (None, OutDir::Fixed(folder)) => Ok(folder.to_owned()),
        (None, OutDir::AngularJson) => angular_output(context.text("angular.json")),
        (None, OutDir::NextExport) => next_export(context),
    }
}

/// `out`, where `next build` writes a static export, when next.config asks for one
/// (`output: 'export'`); else the app needs Next's own server.
fn next_export(context: &BuildContext) -> Result<String, String> {
    let exports = ["next.config.js", "next.config.mjs", "next.config.ts"]
        .iter()
        .filter_map(|file| context.text(file))
        .any(|config| {
            let config: String = config.split_whitespace().collect();
            config.contains("output:'export'") || config.contains("output:\"export\"")
        });
    if exports {
        Ok("out".to_owned())
    } else {
        Err("a Next.js app that next.config does not build as a static export (`output: 'export'`): it needs Next's own server".into())
    }
}

/// Where `ng build` writes the browser files, from `angular.json`: the one application
/// project's `outputPath`, with the `browser` folder the application builder (Angular
/// 17+) adds. Server-side rendering declines: that app is not static files.
fn angular_output(angular_json: Option<String>) -> Result<String, String> {
    let text = angular_json.ok_or(
        "no angular.json in the build context: restage cannot see where `ng build` writes",
    )?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| "angular.json does not parse as JSON")?;
    let apps: Vec<(&String, &serde_json::Value)> = json["projects"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, project)| {
            project["projectType"] != "library" && project["architect"]["build"].is_object()
        })
        .collect();
    let [(name, project)] = apps.as_slice() else {
        return Err(format!(
            "angular.json has {} application projects: restage cannot tell which one `ng build` builds",
            apps.len()
        ));
    };
    let build = &project["architect"]["build"];
    let options = &build["options"];
    if ["ssr", "server", "prerender"].iter().any(|key| {
        !matches!(
            options[key],
            serde_json::Value::Null | serde_json::Value::Bool(false)
        )
    }) {
        return Err(
            "angular.json builds the app for server-side rendering: it is not static files alone"
                .into(),
        );
    }
    let builder = build["builder"].as_str().unwrap_or_default();
    let application = builder.ends_with(":application");
    let browser_only = builder.ends_with(":browser") || builder.ends_with(":browser-esbuild");
    let output = &options["outputPath"];
    let folder = match (output, application, browser_only) {
        (serde_json::Value::String(path), true, _) => format!("{path}/browser"),
        (serde_json::Value::String(path), _, true) => path.clone(),
        (serde_json::Value::Object(paths), true, _) => {
            let base = paths.get("base").and_then(|v| v.as_str());
            let browser = paths
                .get("browser")
                .and_then(|v| v.as_str())
                .unwrap_or("browser");
            match base {
                Some(base) if browser.is_empty() => base.to_owned(),
                Some(base) => format!("{base}/{browser}"),
                None => return Err("angular.json's outputPath names no base folder".into()),
            }
        }
        (serde_json::Value::Null, true, _) => format!("dist/{name}/browser"),
        _ => {
            return Err(format!(
                "angular.json builds with `{builder}`, whose output folder restage does not know"
            ));
        }
    };
    Ok(folder.trim_start_matches("./").to_owned())
}

/// Whether a RUN already builds the files: package.json's build script, or the bundler's
/// own build command.
fn runs_the_build(runs: &[(ItemId, RunFacts)], bundler: &Bundler) -> bool {
    runs.iter()
        .flat_map(|(_, facts)| facts.builds())
        .any(|build| {
            let words: Vec<&str> = build.split_whitespace().collect();
            build.contains(bundler.build)
                || matches!(
                    words.as_slice(),
                    ["npm" | "pnpm" | "yarn", "run" | "run-script", "build", ..]
                        | ["pnpm" | "yarn", "build", ..]
                )
        })
}

/// The package manager's command that runs package.json's build script.
fn build_command(manager: Manager) -> &'static str {
    match manager {
        Manager::Npm => "npm run build",
        Manager::Yarn => "yarn build",
        Manager::Pnpm => "pnpm run build",
    }
}

/// The last CMD or ENTRYPOINT: the start command's working folder is the one there.
fn last_start_instruction(input: &Input) -> ItemId {
    let analysis = input.analysis;
    analysis
        .with_keyword(input.stage, Keyword::Cmd)
        .chain(analysis.with_keyword(input.stage, Keyword::Entrypoint))
        .max()
        .expect("a front end has a start command")
}

/// Whether `text` is a port number.
fn is_port(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// The one TCP port the stage EXPOSEs.
fn exposed_port(input: &Input) -> Result<String, String> {
    let analysis = input.analysis;
    let vars = Vars { input };
    let mut ports = Vec::new();
    for id in analysis.with_keyword(input.stage, Keyword::Expose) {
        let Some(Command::Expose(exposed)) = analysis.instruction(id).command() else {
            continue;
        };
        for port in &exposed {
            let port = vars.expand(port, id).unwrap_or_default();
            let (number, protocol) = port.split_once('/').unwrap_or((&port, "tcp"));
            if protocol.eq_ignore_ascii_case("tcp") {
                ports.push(number.to_owned());
            }
        }
    }
    match ports.as_slice() {
        [port] if is_port(port) => Ok(port.clone()),
        [] => Err("no EXPOSE and no port in the start command: restage cannot tell which port nginx should listen on".into()),
        _ => Err(format!(
            "the stage EXPOSEs `{}`: restage cannot tell which one port nginx should listen on",
            ports.join(" ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn recognises_the_servers_of_front_ends() {
        let shown = |line: &str| {
            server(&words(line)).map(|s| (s.shown, s.paths == Paths::Fallback, s.in_memory, s.port))
        };
        assert_eq!(shown("vite"), Some(("vite".into(), true, true, None)));
        assert_eq!(
            shown("npx vite --host 0.0.0.0 --port 5173"),
            Some(("vite".into(), true, true, Some("5173".into())))
        );
        assert_eq!(shown("vite preview").map(|s| s.2), Some(false));
        assert_eq!(
            shown("react-scripts start").map(|s| s.0),
            Some("react-scripts start".into())
        );
        assert_eq!(
            shown("npx serve -s build -l 3000"),
            Some((
                "serve -s build -l 3000".into(),
                true,
                false,
                Some("3000".into())
            ))
        );
        assert_eq!(
            shown("serve build -l tcp://0.0.0.0:8080").map(|s| (s.1, s.3)),
            Some((false, Some("8080".into())))
        );
        assert_eq!(
            shown("http-server dist -p 8080 -c-1").map(|s| s.3),
            Some(Some("8080".into()))
        );
        assert_eq!(
            shown("serve --single dist --listen=8080").map(|s| (s.1, s.3)),
            Some((true, Some("8080".into())))
        );
        assert_eq!(
            shown("vite --host --port=5174").map(|s| s.3),
            Some(Some("5174".into()))
        );
        // Serving the whole app folder, or with a flag restage does not know: not a site.
        assert!(shown("serve -s").is_none());
        assert!(shown("http-server dist --proxy http://localhost:8080?").is_none());
        assert!(shown("node server.js").is_none());
        assert!(shown("vite build").is_none());
    }

    #[test]
    fn reads_where_ng_build_writes_from_angular_json() {
        let of = |build: &str| {
            angular_output(Some(format!(
                r#"{{"projects": {{"web": {{"projectType": "application", "architect": {{"build": {build}}}}}}}}}"#
            )))
        };
        let application = r#"{"builder": "@angular-devkit/build-angular:application", "options": "#;
        assert_eq!(
            of(&format!(r#"{application}{{"outputPath": "dist/web"}}}}"#)),
            Ok("dist/web/browser".into())
        );
        assert_eq!(
            of(&format!(r#"{application}{{}}}}"#)),
            Ok("dist/web/browser".into())
        );
        assert_eq!(
            of(&format!(
                r#"{application}{{"outputPath": {{"base": "out", "browser": ""}}}}}}"#
            )),
            Ok("out".into())
        );
        assert_eq!(
            of(
                r#"{"builder": "@angular-devkit/build-angular:browser", "options": {"outputPath": "./dist/web"}}"#
            ),
            Ok("dist/web".into())
        );
        assert!(
            of(r#"{"builder": "@nx/webpack:webpack", "options": {"outputPath": "dist"}}"#).is_err()
        );
        assert!(
            of(&format!(
                r#"{application}{{"outputPath": "dist/web", "prerender": true}}}}"#
            ))
            .is_err()
        );
        assert!(angular_output(None).is_err());
        assert!(angular_output(Some(r#"{"projects": {}}"#.into())).is_err());
    }
}
