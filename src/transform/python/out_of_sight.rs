//! Start commands that would not see the target folder: the final stage finds the
//! dependencies through `PYTHONPATH` and their commands through `PATH`, which some ways of
//! starting an app ignore or reset, and console scripts are no longer where pip put them
//! in the original. Each declines with what it would miss.

use crate::syntax::{Command, Keyword};
use crate::transform::Input;
use crate::transform::shell::program_name;

use super::pip::is_python;

/// Why the app, started with `words`, would not see the target folder, if it would not.
pub fn reason(input: &Input, words: &[&str]) -> Option<String> {
    let program = *words.first()?;
    let name = program_name(program);
    if (program.starts_with("/usr/local/bin/") || program.contains("/.local/bin/"))
        && !is_python(name)
        && !BASE_COMMANDS.iter().any(|base| name.starts_with(base))
        && !put_there(input, program)
    {
        return Some(format!(
            "the start command runs `{program}` by its path, where pip put the console script in the original; installed with --target, it is in the target folder's bin/"
        ));
    }
    if is_python(name)
        && let Some(option) = words[1..]
            .iter()
            .take_while(|word| word.starts_with('-') && **word != "-m" && **word != "-c")
            .find(|word| {
                word.starts_with('-') && !word.starts_with("--") && word.contains(['E', 'I'])
            })
    {
        return Some(format!(
            "the start command runs Python with `{option}`, which ignores PYTHONPATH, where the final stage puts the dependencies"
        ));
    }
    if matches!(name, "cron" | "crond" | "supercronic") {
        return Some(format!(
            "the start command runs `{name}`, whose jobs start without the container's environment: they would not see the dependencies on PYTHONPATH"
        ));
    }
    if name == "jupyter" || name.starts_with("jupyter-") || name == "voila" {
        return Some(format!(
            "the start command runs `{name}`, which finds its extensions and assets under sys.prefix (share/jupyter, etc/jupyter), where --target does not put them"
        ));
    }
    login_shell(input)
}

/// Commands of an official python image's own in /usr/local/bin.
const BASE_COMMANDS: &[&str] = &["pip", "idle", "pydoc", "2to3"];

/// Whether a step other than the start command may put the file `path` where it is:
/// one names it, or a COPY or ADD goes to a bin/ folder.
fn put_there(input: &Input, path: &str) -> bool {
    let analysis = input.analysis;
    input.stage.body.iter().any(|&id| {
        let instruction = analysis.instruction(id);
        match instruction.keyword {
            Some(Keyword::Cmd | Keyword::Entrypoint) | None => false,
            Some(Keyword::Copy | Keyword::Add) => {
                let text = analysis.text(id);
                text.contains(path) || text.contains("/bin")
            }
            Some(_) => analysis.text(id).contains(path),
        }
    })
}

/// A `SHELL` that starts a login shell, whose profile sets `PATH` anew (without the
/// target folder's bin/).
fn login_shell(input: &Input) -> Option<String> {
    let analysis = input.analysis;
    analysis
        .with_keyword(input.stage, Keyword::Shell)
        .find_map(|id| match analysis.instruction(id).command() {
            Some(Command::Shell(words))
                if words.iter().skip(1).any(|word| {
                    word == "--login" || (word.starts_with('-') && !word.starts_with("--") && word.contains('l'))
                }) =>
            {
                Some(format!(
                    "`{}` starts a login shell, whose profile sets PATH anew, without the target folder's bin/",
                    analysis.text(id).trim()
                ))
            }
            _ => None,
        })
}
