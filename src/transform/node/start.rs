//! What the container starts: the words of ENTRYPOINT and CMD, with the commands of the
//! build context scripts they run (`./docker-entrypoint.sh`) and of the
//! package.json scripts they run (`npm start`, `yarn run serve`, the scripts given to
//! npm-run-all, `run-p` and `run-s`) and of the scripts those run in turn. Development
//! servers, scripts chosen at start-up and npm-run-all patterns that match no script
//! decline here; which stage needs a tool is decided elsewhere.

use super::project::Project;
use super::static_site;
use crate::glob;
use crate::syntax::Form;
use crate::transform::Input;
use crate::transform::shell::{self, Script, program_name};

/// npm scripts that run a development server by their name.
const DEV_SCRIPTS: &[&str] = &["dev", "develop", "watch", "serve:dev", "start:dev"];

/// How a development server's decline says what else there is.
fn serve_static_hint(input: &Input) -> String {
    if input.options.serve_static {
        format!(
            " (--serve-static serves {}; restage sees none of them here)",
            static_site::SERVED
        )
    } else {
        " (for a front end, `--serve-static` builds it and serves the files from nginx)".into()
    }
}

/// Development servers: a program, and the subcommand that makes it one.
const DEV_SERVERS: &[(&str, Option<&str>)] = &[
    ("nodemon", None),
    ("webpack-dev-server", None),
    ("ts-node-dev", None),
    ("react-scripts", Some("start")),
    ("ng", Some("serve")),
    ("vue-cli-service", Some("serve")),
    ("next", Some("dev")),
    ("nuxt", Some("dev")),
    ("vite", Some("dev")),
    ("webpack", Some("serve")),
];

/// Programs of npm-run-all, which run the package.json scripts they name.
const RUN_ALL: &[&str] = &["npm-run-all", "run-p", "run-s"];

/// npm-run-all's options that take a value (the other options take none).
const RUN_ALL_VALUED: &[&str] = &["--max-parallel", "--npm-path"];

/// The start command (ENTRYPOINT then CMD) and the package.json scripts it runs.
pub struct Start {
    pub words: Vec<String>,
    /// The scripts it runs (`npm start`, `yarn run X`, npm-run-all's names), and the
    /// scripts those run in turn.
    pub scripts: Vec<String>,
    /// The commands of those scripts (with their pre- and post- scripts), each as words.
    pub bodies: Vec<Vec<String>>,
    /// An npm-run-all pattern that names no script of package.json.
    pub unmatched: Option<String>,
}

impl Start {
    pub fn read(input: &Input, project: &Project) -> Start {
        let (entrypoint, cmd) = input.analysis.start_command(input.stage);
        let words: Vec<String> = entrypoint
            .iter()
            .chain(cmd.iter())
            .flat_map(|form| form.words())
            .map(str::to_owned)
            .collect();
        let mut start = Start {
            words,
            scripts: Vec::new(),
            bodies: Vec::new(),
            unmatched: None,
        };
        // A shell form is read command by command too, its quotes removed.
        let mut pending: Vec<Vec<String>> = entrypoint
            .iter()
            .chain(cmd.iter())
            .filter_map(|form| match form {
                Form::Shell(line) => Some(line.clone()),
                Form::Exec(_) => None,
            })
            .flat_map(|line| {
                shell::commands(&line)
                    .into_iter()
                    .map(shell::words)
                    .collect::<Vec<_>>()
            })
            .collect();
        start.bodies.extend(pending.iter().cloned());
        pending.push(start.words.clone());
        let mut files_read: Vec<String> = Vec::new();
        // The container runs them in the stage as it ends: its scripts are where its
        // COPYs put them.
        let last = *input.stage.body.last().expect("a stage has instructions");
        while let Some(command) = pending.pop() {
            // The script it runs, past keywords and wrappers: a quoted one (`sh -c "npx
            // prisma migrate deploy && …"`, `su node -c …`, also with the script in the
            // CMD of an ENTRYPOINT `sh -c`) or a build context file (`./docker-entrypoint.sh`,
            // `exec ./migrate.sh`, `. ./env.sh`), each file once: its commands are the
            // container's too.
            let script = match shell::script_run_at(input, last, shell::after_keywords(&command)) {
                Some(Script::Quoted(script)) => Some(script.to_owned()),
                Some(Script::File { path, text })
                    if !files_read
                        .iter()
                        .any(|read| read == path.trim_start_matches("./")) =>
                {
                    files_read.push(path.trim_start_matches("./").to_owned());
                    Some(text)
                }
                _ => None,
            };
            for (_, words) in script
                .iter()
                .flat_map(|script| shell::script_commands(script))
            {
                start.bodies.push(words.clone());
                pending.push(words);
            }
            for script in start.started_scripts(&command, project) {
                if start.scripts.contains(&script) {
                    continue;
                }
                for body in project.run_of(&script) {
                    for command in shell::commands(body) {
                        let words = shell::words(command);
                        start.bodies.push(words.clone());
                        pending.push(words);
                    }
                }
                start.scripts.push(script);
            }
        }
        start
    }

    /// The commands the container runs: the start command and the script bodies.
    pub fn commands(&self) -> impl Iterator<Item = &[String]> {
        std::iter::once(self.words.as_slice()).chain(self.bodies.iter().map(Vec::as_slice))
    }

    /// The package.json scripts that the command `words` runs: `npm run X`, `yarn run X`,
    /// `npm start`, yarn's and pnpm's shorthand `yarn X` (for a script X of `project`),
    /// and the scripts npm-run-all is given (a pattern that matches none is kept in
    /// `unmatched`).
    fn started_scripts(&mut self, words: &[String], project: &Project) -> Vec<String> {
        let run = words.iter().enumerate().find_map(|(at, program)| {
            if !matches!(program.as_str(), "npm" | "pnpm" | "yarn") {
                return None;
            }
            // The tool's options (`npm --silent run serve`, `npm run -s serve`) aside.
            let mut rest = words[at + 1..]
                .iter()
                .map(String::as_str)
                .filter(|word| !word.starts_with('-'));
            match (rest.next(), rest.next()) {
                (Some("run" | "run-script"), Some(script)) => Some(script.to_owned()),
                (Some("start"), _) => Some("start".to_owned()),
                (Some(script), _) if program != "npm" && project.script(script).is_some() => {
                    Some(script.to_owned())
                }
                _ => None,
            }
        });
        let mut scripts: Vec<String> = run.into_iter().collect();
        for pattern in run_all_patterns(words) {
            if pattern.contains(['{', '[', '(', '!', '+', '@']) {
                // Brace, class and extended patterns, which restage does not match.
                self.unmatched.get_or_insert(pattern);
                continue;
            }
            if !pattern.contains(['*', '?']) {
                scripts.push(pattern);
                continue;
            }
            let matched: Vec<String> = project
                .scripts
                .iter()
                .map(|(name, _)| name)
                .filter(|name| glob::matches_parts(&pattern, name, ':'))
                .cloned()
                .collect();
            if matched.is_empty() && project.seen {
                self.unmatched.get_or_insert(pattern);
            }
            scripts.extend(matched);
        }
        scripts
    }
}

/// Node's options that load a module before the app (`node -r dotenv/config`).
const PRELOAD_OPTIONS: &[&str] = &[
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
];

/// The modules that `words` have Node load before the app: the values of its preload
/// options, as `-r x` or `--require=x`.
pub fn preloaded_modules(words: &[String]) -> impl Iterator<Item = &str> {
    words.iter().enumerate().filter_map(|(at, word)| {
        if PRELOAD_OPTIONS.contains(&word.as_str()) {
            return words.get(at + 1).map(String::as_str);
        }
        let (option, value) = word.split_once('=')?;
        PRELOAD_OPTIONS.contains(&option).then_some(value)
    })
}

/// The start command's words and those of the scripts it runs; an error for a
/// development server, a script named by a variable, or a pattern restage cannot resolve.
pub fn start_words(input: &Input, start: &Start) -> Result<Vec<String>, String> {
    if let Some(pattern) = &start.unmatched {
        return Err(format!(
            "the start command runs the npm scripts `{pattern}` with npm-run-all, a pattern that restage cannot match to scripts of package.json"
        ));
    }
    for script in &start.scripts {
        if script.contains('$') {
            return Err(format!(
                "the start command runs the npm script `{script}`, chosen when the container starts; restage cannot tell what it needs"
            ));
        }
        if DEV_SCRIPTS.contains(&script.as_str()) {
            return Err(format!(
                "the start command runs the `{script}` script, a development server, not a production app{}",
                serve_static_hint(input)
            ));
        }
    }
    let words: Vec<String> = start.commands().flatten().cloned().collect();
    if let Some(shown) = dev_server(&words) {
        return Err(format!(
            "the app starts with `{shown}`, a development server: this is a development image{}",
            serve_static_hint(input)
        ));
    }
    Ok(words)
}

/// The script names and patterns that npm-run-all (`run-p`, `run-s`, however it is
/// reached: `npx`, `./node_modules/.bin/`, a link of its own) is given in `words`, without
/// its options and the arguments after `--`.
fn run_all_patterns(words: &[String]) -> Vec<String> {
    let Some(at) = words
        .iter()
        .position(|word| RUN_ALL.contains(&program_name(word)))
    else {
        return Vec::new();
    };
    let mut patterns = Vec::new();
    let mut takes_value = false;
    for word in &words[at + 1..] {
        if std::mem::take(&mut takes_value) {
            continue;
        }
        match word.as_str() {
            "--" | "&&" | "||" | ";" | "|" | "&" => break,
            option if RUN_ALL_VALUED.contains(&option) => takes_value = true,
            option if option.starts_with('-') => {}
            // A script with its arguments: `"build -- --prod"`; quotes a shell form's
            // words may keep.
            task => patterns.extend(
                task.trim_matches(['"', '\''])
                    .split_whitespace()
                    .next()
                    .map(str::to_owned),
            ),
        }
    }
    patterns
}

/// The development server the words start, as shown in a message.
fn dev_server(words: &[String]) -> Option<String> {
    let runs = |program: &str, next: &dyn Fn(Option<&String>) -> bool| {
        words
            .iter()
            .enumerate()
            .any(|(i, word)| program_name(word) == program && next(words.get(i + 1)))
    };
    DEV_SERVERS
        .iter()
        .find(|(program, sub)| {
            runs(program, &|next| {
                sub.is_none_or(|sub| next.map(String::as_str) == Some(sub))
            })
        })
        .map(|(program, sub)| sub.map_or(program.to_string(), |sub| format!("{program} {sub}")))
        // A bare `vite` (or `vite --host`) is its dev server too.
        .or_else(|| {
            runs("vite", &|next| {
                next.is_none_or(|next| next.starts_with('-'))
            })
            .then(|| "vite".to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(command: &str) -> Vec<String> {
        run_all_patterns(&shell::words(command))
    }

    #[test]
    fn npm_run_all_script_names() {
        assert_eq!(
            patterns("./npm-run-all --parallel server client"),
            ["server", "client"]
        );
        assert_eq!(
            patterns("npx run-p -l --race --max-parallel 2 api 'build:*'"),
            ["api", "build:*"]
        );
        assert_eq!(
            patterns("node_modules/.bin/run-s -c clean \"build -- --prod\" -p a -- b"),
            ["clean", "build", "a"]
        );
        assert!(patterns("node server.js").is_empty());
    }

    #[test]
    fn npm_run_all_patterns() {
        assert!(glob::matches_parts("build:*", "build:css", ':'));
        assert!(!glob::matches_parts("build:*", "build:css:min", ':'));
        assert!(!glob::matches_parts("build:*", "build", ':'));
        assert!(glob::matches_parts("build:**", "build:css:min", ':'));
        assert!(glob::matches_parts("watch:?s", "watch:js", ':'));
        assert!(!glob::matches_parts("serve:*", "server", ':'));
    }
}
