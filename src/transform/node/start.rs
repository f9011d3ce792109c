//! What the container starts: the words of ENTRYPOINT and CMD, with the bodies of the
//! package.json scripts they run (`npm start`, `yarn run serve`). Development servers and
//! scripts chosen at start-up decline here; which stage needs a tool is decided elsewhere.

use super::project::Project;
use crate::transform::Input;
use crate::transform::shell::program_name;

/// npm scripts that run a development server by their name.
const DEV_SCRIPTS: &[&str] = &["dev", "develop", "watch", "serve:dev", "start:dev"];

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

/// The start command's words and those of the scripts it runs; an error for a
/// development server or a script named by a variable.
pub fn start_words(input: &Input, project: &Project) -> Result<Vec<String>, String> {
    let (entrypoint, cmd) = input.analysis.start_command(input.stage);
    let mut words: Vec<String> = entrypoint
        .iter()
        .chain(cmd.iter())
        .flat_map(|form| form.words())
        .map(str::to_owned)
        .collect();
    if let Some(script) = started_script(&words) {
        if script.contains('$') {
            return Err(format!(
                "the start command runs the npm script `{script}`, chosen when the container starts; restage cannot tell what it needs"
            ));
        }
        if DEV_SCRIPTS.contains(&script.as_str()) {
            return Err(format!(
                "the start command runs the `{script}` script, a development server, not a production app"
            ));
        }
        let bodies: Vec<String> = project
            .run_of(&script)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for body in bodies {
            words.extend(body.split_whitespace().map(str::to_owned));
        }
    }
    if let Some(shown) = dev_server(&words) {
        return Err(format!(
            "the app starts with `{shown}`, a development server: this is a development image (a front end would need a production server or nginx, which is opt-in)"
        ));
    }
    Ok(words)
}

/// The package.json script that `npm run X`, `yarn run X` or `npm start` runs.
fn started_script(words: &[String]) -> Option<String> {
    words.windows(3).chain(words.windows(2)).find_map(|window| {
        match window
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["npm" | "pnpm" | "yarn", "run" | "run-script", script] => Some((*script).to_owned()),
            ["npm" | "pnpm" | "yarn", "start", ..] => Some("start".to_owned()),
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
