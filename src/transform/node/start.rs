//! What the container starts: the words of ENTRYPOINT and CMD, with the bodies of the
//! package.json scripts they run (`npm start`, `yarn run serve`). Development servers and
//! scripts chosen at start-up decline here; which stage needs a tool is decided elsewhere.

use super::project::Project;
use super::static_site;
use crate::transform::Input;
use crate::transform::shell::program_name;

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

/// The start command (ENTRYPOINT then CMD) and the package.json script it runs.
pub struct Start {
    pub words: Vec<String>,
    /// The script `npm start`, `yarn run X` and the like run.
    pub script: Option<String>,
    /// The bodies of that script (with its pre- and post- scripts), each as words.
    pub bodies: Vec<Vec<String>>,
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
        let script = started_script(&words, project);
        let bodies = script
            .as_deref()
            .map(|script| project.run_of(script))
            .unwrap_or_default()
            .into_iter()
            .map(|body| body.split_whitespace().map(str::to_owned).collect())
            .collect();
        Start {
            words,
            script,
            bodies,
        }
    }

    /// The commands the container runs: the start command and the script bodies.
    pub fn commands(&self) -> impl Iterator<Item = &[String]> {
        std::iter::once(self.words.as_slice()).chain(self.bodies.iter().map(Vec::as_slice))
    }
}

/// The start command's words and those of the scripts it runs; an error for a
/// development server or a script named by a variable.
pub fn start_words(input: &Input, start: &Start) -> Result<Vec<String>, String> {
    if let Some(script) = &start.script {
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

/// The package.json script that `npm run X`, `yarn run X`, `npm start` or yarn's and
/// pnpm's shorthand `yarn X` (for a script X of `project`) runs.
fn started_script(words: &[String], project: &Project) -> Option<String> {
    words.windows(3).chain(words.windows(2)).find_map(|window| {
        match window
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["npm" | "pnpm" | "yarn", "run" | "run-script", script] => Some((*script).to_owned()),
            ["npm" | "pnpm" | "yarn", "start", ..] => Some("start".to_owned()),
            ["pnpm" | "yarn", script, ..] if project.script(script).is_some() => {
                Some((*script).to_owned())
            }
            _ => None,
        }
    })
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
