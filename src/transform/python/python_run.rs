//! The builder's runs of the image's own `python` on a script of restage's (`site_like`,
//! `pins`): exec form, which needs no shell, with one statement of the script to a line,
//! so that a diff shows the script as one would write it rather than as a line of a
//! thousand characters.

use crate::transform::plan::Step;

/// `RUN ["python", "-c", SCRIPT, ARGUMENTS…]`, a line to each statement of the script
/// (up to its `; `): BuildKit joins the lines back into the script, with the blanks of
/// the continuation after each semicolon. The scripts use no double quote or backslash,
/// and no `; ` inside a string, so they stand in a JSON string as they are.
pub fn step<A: AsRef<str>>(script: &str, arguments: &[A]) -> Step {
    let arguments: String = arguments
        .iter()
        .map(|argument| format!(", \"{}\"", argument.as_ref()))
        .collect();
    let text = format!("RUN [\"python\", \"-c\", \"{script}\"{arguments}]");
    Step::Continued(
        text.split_inclusive("; ")
            .map(str::trim_end)
            .map(str::to_owned)
            .collect(),
    )
}

/// `scripts` as one script: each begins with its `import …; ` statement, and the modules
/// of them all are imported once, first, in order (a diff would show `import os, sys`
/// twice otherwise).
pub fn joined(scripts: &[&str]) -> String {
    let mut modules: Vec<&str> = Vec::new();
    let mut bodies = Vec::new();
    for script in scripts {
        let (imports, body) = script
            .strip_prefix("import ")
            .and_then(|script| script.split_once("; "))
            .expect("each script begins with its imports");
        for module in imports.split(", ") {
            if !modules.contains(&module) {
                modules.push(module);
            }
        }
        bodies.push(body);
    }
    format!("import {}; {}", modules.join(", "), bodies.join("; "))
}

/// The words of `step` as BuildKit reads them from a rewrite that indents continuations
/// by four blanks: its lines joined with the blank before the escape and those four.
#[cfg(test)]
pub fn words(step: &Step) -> Vec<String> {
    let Step::Continued(lines) = step else {
        panic!("a step over several lines");
    };
    let json = lines.join("     ");
    serde_json::from_str(json.strip_prefix("RUN ").expect("a RUN")).expect("a JSON array")
}

#[cfg(test)]
mod tests {
    use super::super::{pins, pth_files, stdlib_shadows};
    use crate::context::BuildContext;
    use crate::syntax::{Command, Form, parse};
    use crate::transform::{Options, Outcome, restage};

    /// The `python -c` runs of the rewrite of `text`, as BuildKit reads them: the words,
    /// and how many lines the instruction takes.
    fn python_runs(text: &str) -> Vec<(Vec<String>, usize)> {
        let dockerfile = parse(text).unwrap();
        let rewrite = match restage(&dockerfile, BuildContext::default, &Options::default()) {
            Ok(Outcome::Rewritten(rewrite)) => rewrite.text,
            _ => panic!("{text} was not rewritten"),
        };
        let rewritten = parse(&rewrite).unwrap();
        rewritten
            .instructions()
            .filter_map(|instruction| match instruction.command() {
                Some(Command::Run(run)) => match run.command {
                    Form::Exec(words) if words[..2] == ["python", "-c"] => {
                        Some((words, instruction.lines.len()))
                    }
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn joined_scripts_import_each_module_once() {
        assert_eq!(
            super::joined(&["import os, sys; a(os)", "import os, re; b(re)"]),
            "import os, sys, re; a(os); b(re)"
        );
        let joined = super::joined(&[stdlib_shadows::SCRIPT, pth_files::SCRIPT]);
        assert_eq!(
            joined.matches("import ").count(),
            1 + joined.matches("'import site").count()
        );
    }

    /// `script` up to the blanks after its semicolons.
    fn statements(script: &str) -> Vec<&str> {
        script.split(';').map(str::trim).collect()
    }

    /// In a CRLF file with `# escape=`` that indents continuations with a tab, the
    /// scripts come back from the continuations as written (in exec form: a tab in the
    /// JSON string would make it shell form), one statement to a line, and Python runs
    /// them so.
    #[test]
    fn the_scripts_read_back_from_their_lines() {
        let text = "# escape=`\r\nFROM python:3.12\r\nWORKDIR /app\r\nCOPY . .\r\nRUN pip install `\r\n\t-r requirements.txt\r\nRUN pip install .\r\nCMD [\"app\"]\r\n";
        let runs = python_runs(text);
        let joined = super::joined(&[stdlib_shadows::SCRIPT, pth_files::SCRIPT]);
        let expected = [pins::SCRIPT, joined.as_str()];
        assert_eq!(runs.len(), expected.len(), "{runs:?}");
        for ((words, lines), script) in runs.iter().zip(expected) {
            assert_eq!(statements(&words[2]), statements(script));
            assert_eq!(*lines, statements(script).len());
            let python = std::process::Command::new("python3")
                .args(["-c", &format!("compile({:?}, 'step', 'exec')", words[2])])
                .status()
                .expect("python3 runs");
            assert!(python.success(), "{}", words[2]);
        }
    }
}
