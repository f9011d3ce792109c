//! Just enough reading of shell-form RUN commands to classify them: the simple commands
//! of an `&&`/`;`/`|` list, their words, and where a phrase sits in the raw text.

use std::ops::Range;

use super::Input;
use super::provenance::{self, Origin};
use crate::analyze::{Analysis, ItemId};
use crate::context::BuildContext;
use crate::syntax::{Command, Form, Keyword, LineKind, Run, Span};

/// The simple commands of a shell command line, split at `&&`, `||`, `;` and `|`
/// outside quotes, each trimmed; a `#` that starts a word outside quotes starts a
/// comment, to the end of its line.
pub fn commands(line: &str) -> Vec<&str> {
    command_ranges(line)
        .into_iter()
        .map(|range| &line[range])
        .collect()
}

/// Where the simple commands of a shell command line are, as [`commands`] splits them.
pub fn command_ranges(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut quote = None;
    let mut start = 0;
    let mut i = 0;
    let mut push = |range: Range<usize>| {
        let piece = &line[range.clone()];
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            out.push(range.start + lead..range.start + lead + trimmed.len());
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), b'\\') => i += 1,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'\\') => i += 1,
            (None, b'#') if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                push(start..i);
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
                start = i + 1;
            }
            (None, b'&' | b'|' | b';') => {
                push(start..i);
                if i + 1 < bytes.len() && (bytes[i + 1] == b'&' || bytes[i + 1] == b'|') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(start.min(line.len())..line.len());
    out
}

/// The instruction's logical line as BuildKit joins it (its text lines without their
/// continuations, and without the comment and blank lines a continuation pulls in),
/// with the absolute offset in the file of each of its bytes.
pub fn logical_line(analysis: &Analysis, id: ItemId) -> (String, Vec<usize>) {
    let text = analysis.dockerfile.text();
    let mut line = String::new();
    let mut offsets = Vec::new();
    for piece in &analysis.instruction(id).lines {
        if let LineKind::Text { text: span, .. } = piece.kind {
            line.push_str(&text[span.start..span.end]);
            offsets.extend(span.start..span.end);
        }
    }
    (line, offsets)
}

/// The words of a simple command, quotes removed, with leading `VAR=value`
/// assignments skipped.
pub fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next()
                    && !next.is_whitespace()
                {
                    {
                        word.push(next);
                        in_word = true;
                    }
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    let assignments = words.iter().take_while(|word| is_assignment(word)).count();
    words.drain(..assignments);
    words
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Where `phrase` occurs in the instruction's own lines (not its heredocs), as
/// absolute spans, matching runs of blanks loosely.
pub fn find(analysis: &Analysis, id: ItemId, phrase: &str) -> Vec<Span> {
    let instruction = analysis.instruction(id);
    let head = instruction.head();
    let text = &analysis.dockerfile.text()[head.start..head.end];
    let parts: Vec<&str> = phrase.split(' ').collect();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find(parts[0]) {
        let start = from + offset;
        let mut end = start + parts[0].len();
        let mut matched = word_starts(text, start);
        for part in &parts[1..] {
            let gap = text[end..].len() - text[end..].trim_start_matches([' ', '\t']).len();
            if gap == 0 || !text[end + gap..].starts_with(part) {
                matched = false;
                break;
            }
            end += gap + part.len();
        }
        if matched && !text[end..].starts_with(|c: char| c.is_alphanumeric() || c == '-') {
            found.push(Span::new(head.start + start, head.start + end));
        }
        from = start + parts[0].len();
    }
    found
}

/// Where the simple command that starts at the absolute offset `start` of the
/// instruction's own lines ends: after its last word before the next `&&`, `||`, `;`
/// or `|` outside quotes, or before the end of those lines. Only the instruction's
/// text is read: continuations, and the comment and blank lines a continuation pulls
/// in (BuildKit drops them), are not part of the command.
pub fn command_end(analysis: &Analysis, id: ItemId, start: usize) -> usize {
    let text = analysis.dockerfile.text();
    let pieces = analysis
        .instruction(id)
        .lines
        .iter()
        .filter_map(|line| match line.kind {
            LineKind::Text { text, .. } if text.end > start => {
                Some(text.start.max(start)..text.end)
            }
            _ => None,
        });
    let mut quote = None;
    let mut end = start;
    for piece in pieces {
        let bytes = &text.as_bytes()[piece.clone()];
        let mut i = 0;
        while i < bytes.len() {
            match (quote, bytes[i]) {
                (Some(q), b) if b == q => quote = None,
                // An escape and the character it escapes, whatever that is.
                (Some(b'"') | None, b'\\') => {
                    i = (i + 1).min(bytes.len() - 1);
                    end = piece.start + i + 1;
                }
                (Some(_), _) => {}
                (None, b'\'' | b'"') => quote = Some(bytes[i]),
                (None, b'&' | b'|' | b';') => return end,
                _ => {}
            }
            if !bytes[i].is_ascii_whitespace() {
                end = piece.start + i + 1;
            }
            i += 1;
        }
    }
    end
}

/// Where any of `phrases` occurs in the instruction's own lines, in text order; where
/// two end at one place (`pip install` inside `python -m pip install`), the longer.
pub fn find_any<'p>(
    analysis: &Analysis,
    id: ItemId,
    phrases: impl IntoIterator<Item = &'p str>,
) -> Vec<Span> {
    let mut phrases: Vec<&str> = phrases.into_iter().collect();
    phrases.sort_unstable();
    phrases.dedup();
    let mut spans: Vec<Span> = phrases
        .iter()
        .flat_map(|phrase| find(analysis, id, phrase))
        .collect();
    spans.sort_by_key(|span| span.start);
    spans.dedup_by_key(|span| span.end);
    spans
}

fn word_starts(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
}

/// The stage's shell-form RUNs and their command lines, in order (exec-form RUNs run
/// no shell and have none).
pub fn shell_runs<'a>(input: &'a Input) -> impl Iterator<Item = (ItemId, String)> + 'a {
    let analysis = input.analysis;
    analysis
        .with_keyword(input.stage, Keyword::Run)
        .filter_map(|id| match analysis.instruction(id).command() {
            Some(Command::Run(Run {
                command: Form::Shell(line),
                ..
            })) => Some((id, line)),
            _ => None,
        })
}

/// Whether a program is a POSIX-style shell (`/bin/sh`, `bash`).
fn is_shell(program: &str) -> bool {
    matches!(
        program_name(program),
        "sh" | "bash" | "ash" | "dash" | "zsh"
    )
}

/// A shell command's first operand past its options, and whether `-c` made it the
/// script to run (else it names a script file); `None` for another program.
fn shell_operand<S: AsRef<str>>(words: &[S]) -> Option<(bool, &str)> {
    let (program, options) = words.split_first()?;
    if !is_shell(program.as_ref()) {
        return None;
    }
    let mut command_string = false;
    let mut options = options.iter().map(AsRef::as_ref);
    while let Some(option) = options.next() {
        match option {
            "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file" => {
                options.next();
            }
            "--" => return options.next().map(|operand| (command_string, operand)),
            _ if option.starts_with("--") => {}
            _ if option.starts_with('-') && option.contains('c') => command_string = true,
            _ if option.starts_with(['-', '+']) => {}
            _ => return Some((command_string, option)),
        }
    }
    None
}

/// The script of a command that runs a shell on one (`sh -c 'npm ci'`, `/bin/bash -ec
/// "…"`, `bash -o pipefail -c …`); `None` for any other command, a shell started on a
/// script file among them.
pub fn shell_script<S: AsRef<str>>(words: &[S]) -> Option<&str> {
    if words
        .first()
        .is_some_and(|program| program_name(program.as_ref()) == "su")
    {
        // `su node -c "npx prisma migrate deploy"`: su's shell runs the string.
        let at = words
            .iter()
            .position(|word| matches!(word.as_ref(), "-c" | "--command"))?;
        return words.get(at + 1).map(AsRef::as_ref);
    }
    shell_operand(words).and_then(|(command_string, operand)| command_string.then_some(operand))
}

/// Whether a command starts an interactive shell (`bash`, `/bin/sh -l`), not one that
/// runs a `-c` script or a script file (`sh -c '…'`, `sh ./docker-entrypoint.sh`).
/// An ENTRYPOINT `sh -c` whose script the CMD gives runs that script.
pub fn starts_a_shell<S: AsRef<str>>(words: &[S]) -> bool {
    let Some((program, options)) = words.split_first() else {
        return false;
    };
    let command_string = options
        .iter()
        .map(AsRef::as_ref)
        .any(|option| option.starts_with('-') && !option.starts_with("--") && option.contains('c'));
    is_shell(program.as_ref()) && !command_string && shell_operand(words).is_none()
}

/// The script file a command runs (`./install.sh`, `sh scripts/build.sh`), if it runs
/// one; [`shell_script`] reads a shell's `-c` script instead.
pub fn started_file<S: AsRef<str>>(words: &[S]) -> Option<&str> {
    let program = words.first()?.as_ref();
    if program.ends_with(".sh") {
        return Some(program);
    }
    if matches!(program, "." | "source") {
        return words.get(1).map(AsRef::as_ref);
    }
    shell_operand(words).and_then(|(command_string, operand)| (!command_string).then_some(operand))
}

/// The script a command runs: a shell's quoted `-c` script, or (given the build
/// `context`) the context's script file that it starts.
pub enum Script<'a> {
    Quoted(&'a str),
    File { path: &'a str, text: String },
}

/// The script the command `words` runs, if it runs one restage can read.
pub fn script_run<'a, S: AsRef<str>>(
    words: &'a [S],
    context: Option<&BuildContext>,
) -> Option<Script<'a>> {
    script_read(words, |path| context?.script_file(path))
}

/// [`script_run`] for a command that runs in the stage after the instruction `id`: a
/// script file is read where the stage's COPY or ADD took it from
/// (`/usr/local/bin/docker-entrypoint.sh` from `COPY docker/entrypoint.sh
/// /usr/local/bin/docker-entrypoint.sh`), not at all where the stage made it otherwise
/// (a heredoc, another stage), else as [`script_run`] finds it.
pub fn script_run_at<'a, S: AsRef<str>>(
    input: &Input,
    id: ItemId,
    words: &'a [S],
) -> Option<Script<'a>> {
    script_read(words, |path| match provenance::origin(input, id, path) {
        Origin::Context(copied) => input.context.nested_text(&copied),
        Origin::Elsewhere => None,
        Origin::Unknown => input.context.script_file(path),
    })
}

/// The script `words` run, their script files read with `read`.
fn script_read<'a, S: AsRef<str>>(
    words: &'a [S],
    read: impl Fn(&str) -> Option<String>,
) -> Option<Script<'a>> {
    if let Some(script) = shell_script(words) {
        return Some(Script::Quoted(script));
    }
    if let Some(path) = started_file(words) {
        let text = read(path)?;
        return Some(Script::File { path, text });
    }
    // A program named by its path whose file is a shell script by its first line
    // (`./docker-entrypoint`, `#!/bin/sh`).
    let path = words.first()?.as_ref();
    if !path.contains('/') {
        return None;
    }
    let text = read(path)?;
    let interpreter = text.lines().next()?.strip_prefix("#!")?;
    if !interpreter.split_whitespace().any(is_shell) {
        return None;
    }
    Some(Script::File { path, text })
}

/// The simple commands of a shell script, its comment lines left out: each command's
/// text and words.
pub fn script_commands(script: &str) -> impl Iterator<Item = (&str, Vec<String>)> {
    script
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(commands)
        .map(|command| (command, words(command)))
}

/// Words that stand before a command's program without being it.
const PREFIXES: &[&str] = &[
    "if", "then", "elif", "else", "while", "until", "do", "!", "{", "(", "exec", "time",
];

/// Wrappers that run the command after them and take one operand of their own first:
/// a duration, a user.
const WRAPPERS_WITH_OPERAND: &[&str] = &["timeout", "gosu", "su-exec"];

/// A simple command's words from its program on: past the shell keywords and wrappers
/// before it with their options (`then pip install x`, `sudo -H pip install x`,
/// `timeout 60 curl …`, `gosu node npx …`), a `case` pattern or a function's head
/// (`health) curl …`, `wait() { wget …`), and the variable assignments after those
/// (`then PIP_NO_CACHE_DIR=1 pip install x`).
pub fn after_keywords<S: AsRef<str>>(words: &[S]) -> &[S] {
    let mut at = 0;
    while let Some(word) = words.get(at).map(AsRef::as_ref) {
        at += 1;
        if WRAPPERS_WITH_OPERAND.contains(&program_name(word)) {
            while let Some(option) = words.get(at).map(AsRef::as_ref) {
                if !option.starts_with('-') {
                    break;
                }
                // timeout's signal and kill delay take a value.
                at += if matches!(option, "-s" | "-k") { 2 } else { 1 };
            }
            at += 1;
        } else if word == "function" {
            at += 1;
        } else if matches!(word, "sudo" | "env" | "nohup") {
            while let Some(option) = words.get(at).map(AsRef::as_ref) {
                if !option.starts_with('-') {
                    break;
                }
                let takes_value = match word {
                    "sudo" => matches!(option, "-u" | "-g" | "-C" | "-D" | "--user" | "--group"),
                    _ => matches!(option, "-u" | "-C" | "--unset" | "--chdir"),
                };
                at += if takes_value { 2 } else { 1 };
            }
        } else if !(PREFIXES.contains(&word)
            || (at > 1 && is_assignment(word))
            || (word.ends_with(')') && !word.starts_with('(')))
        {
            return &words[at - 1..];
        }
    }
    &words[words.len()..]
}

/// A program's name without the folder it is called from (`/env/bin/pip` → `pip`).
pub fn program_name(word: &str) -> &str {
    crate::analyze::file_name(word)
}

/// The first line of an instruction, shortened for messages.
pub fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let line = line.trim_end_matches(['\\', '`']).trim_end();
    match line.char_indices().nth(72) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interactive_shell_is_one_without_a_script() {
        for session in ["bash", "/bin/sh -l", "bash --login", "sh -s", "zsh -i"] {
            assert!(starts_a_shell(&words(session)), "{session}");
        }
        for runs in [
            "sh -c 'npm start'",
            "sh -c",
            "sh ./docker-entrypoint.sh",
            "/bin/bash -e docker-entrypoint.sh start",
            "bash -o pipefail start.sh",
            "node server.js",
        ] {
            assert!(!starts_a_shell(&words(runs)), "{runs}");
        }
    }

    #[test]
    fn reads_the_script_a_shell_runs() {
        let script = |command: &str| shell_script(&words(command)).map(str::to_owned);
        assert_eq!(script("sh -c 'npm ci'").as_deref(), Some("npm ci"));
        assert_eq!(
            script("/bin/bash -ec \"pip install x\"").as_deref(),
            Some("pip install x")
        );
        assert_eq!(
            script("bash -o pipefail -c 'a | b'").as_deref(),
            Some("a | b")
        );
        assert_eq!(script("bash --login -c make").as_deref(), Some("make"));
        assert_eq!(
            script("bash -c -- 'pip install x'").as_deref(),
            Some("pip install x")
        );
        assert_eq!(script("bash -O extglob -c make").as_deref(), Some("make"));
        assert_eq!(script("bash --rcfile f -c make").as_deref(), Some("make"));
        assert_eq!(script("bash -e -- build.sh"), None);
        assert_eq!(script("sh ./build.sh -c x"), None);
        assert_eq!(script("python -c 'print(1)'"), None);
        assert_eq!(script("bash -o"), None);
        // su's shell runs the string its -c gives.
        for (command, string) in [
            (
                "su node -c 'npx prisma migrate deploy'",
                Some("npx prisma migrate deploy"),
            ),
            ("su -s /bin/sh --command 'make' app", Some("make")),
            ("su node", None),
        ] {
            assert_eq!(script(command).as_deref(), string, "{command}");
        }
    }

    #[test]
    fn finds_the_program_past_keywords_wrappers_and_assignments() {
        let program = |command: &str| after_keywords(&words(command)).join(" ");
        assert_eq!(program("then pip install x"), "pip install x");
        assert_eq!(program("sudo -H pip install x"), "pip install x");
        assert_eq!(program("sudo -u app ./build.sh"), "./build.sh");
        assert_eq!(program("sudo --user app ./build.sh"), "./build.sh");
        assert_eq!(program("env -u HOME -C /app make"), "make");
        assert_eq!(
            program("then PIP_NO_CACHE_DIR=1 pip install x"),
            "pip install x"
        );
        assert_eq!(program("env -i HOME=/x bash -c 'make'"), "bash -c make");
        assert_eq!(program("pip install a=1"), "pip install a=1");
        assert_eq!(program("fi"), "fi");
        assert_eq!(program("timeout 60 curl -f x"), "curl -f x");
        assert_eq!(program("timeout -s KILL 5m wget x"), "wget x");
        assert_eq!(program("exec gosu node npx knex"), "npx knex");
        assert_eq!(program("su-exec app:app node s.js"), "node s.js");
        assert_eq!(program("health) curl -fsS x"), "curl -fsS x");
        assert_eq!(program("start|serve) exec node s.js"), "node s.js");
        assert_eq!(program("wait_for() { wget -q x"), "wget -q x");
        assert_eq!(program("function wait_for { wget -q x"), "wget -q x");
    }

    #[test]
    fn reads_the_script_file_a_command_runs() {
        let file = |command: &str| started_file(&words(command)).map(str::to_owned);
        assert_eq!(file("./install.sh --all").as_deref(), Some("./install.sh"));
        assert_eq!(
            file("bash -e scripts/build.sh").as_deref(),
            Some("scripts/build.sh")
        );
        assert_eq!(file("sh -c 'npm ci'"), None);
        assert_eq!(file("cp install.sh /usr/bin/"), None);
        assert_eq!(file("bash"), None);
        assert_eq!(file("bash -O extglob b.sh").as_deref(), Some("b.sh"));
        assert_eq!(file(". ./env.sh").as_deref(), Some("./env.sh"));
        assert_eq!(
            file("source scripts/migrate").as_deref(),
            Some("scripts/migrate")
        );
    }

    #[test]
    fn splits_lists_outside_quotes() {
        assert_eq!(
            commands("apt-get update && apt-get install -y gcc; echo 'a && b' | tee x"),
            vec![
                "apt-get update",
                "apt-get install -y gcc",
                "echo 'a && b'",
                "tee x"
            ]
        );
    }

    #[test]
    fn a_comment_ends_the_line() {
        assert_eq!(
            commands("exec node server.js  # plain node; no nodemon | here"),
            vec!["exec node server.js"]
        );
        assert_eq!(
            commands("echo '# not; a comment' && echo ${#x} a#b"),
            vec!["echo '# not; a comment'", "echo ${#x} a#b"]
        );
        assert_eq!(commands("a # one\nb && c"), vec!["a", "b", "c"]);
    }

    #[test]
    fn words_skip_assignments_and_quotes() {
        assert_eq!(
            words("CGO_ENABLED=0 GOOS=linux go build -o \"my app\" ."),
            vec!["go", "build", "-o", "my app", "."]
        );
    }

    #[test]
    fn a_command_ends_before_comment_lines_of_its_continuation() {
        for (run, command) in [
            (
                "RUN uv sync --locked \\\n    && uv pip list\n",
                "uv sync --locked",
            ),
            (
                "RUN uv sync --locked \\\n# don't & stop here\n    && uv pip list\n",
                "uv sync --locked",
            ),
            (
                "RUN uv sync \\\n  # first\n  --locked \\\n  # last\n\n",
                "uv sync \\\n  # first\n  --locked",
            ),
            ("RUN uv sync a\\  && b\n", "uv sync a\\ "),
            ("RUN uv sync 'a && b' ; echo\n", "uv sync 'a && b'"),
        ] {
            let dockerfile = crate::syntax::parse(&format!("FROM a\n{run}")).unwrap();
            let analysis = Analysis::new(&dockerfile);
            let id = analysis.stages[0].body[0];
            let start = find(&analysis, id, "uv sync")[0].start;
            let end = command_end(&analysis, id, start);
            assert_eq!(&dockerfile.text()[start..end], command, "{run:?}");
        }
    }
}
