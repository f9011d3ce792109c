//! Splitting `--smoke 'CMD'` into the arguments that replace the image's CMD. No shell
//! runs the command (a distroless or scratch image has none), so the splitting is done
//! here the way a POSIX shell splits words: blanks separate, 'single' and "double"
//! quotes group, a backslash escapes. No variables, globs or operators.

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("unterminated {0} quote in `{1}`")]
    Unterminated(&'static str, String),
    #[error("the command is empty")]
    Empty,
}

pub fn split(command: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unterminated("single", command.into())),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => {
                                return Err(SplitError::Unterminated("double", command.into()));
                            }
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unterminated("double", command.into())),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err(SplitError::Empty);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(
            split(r#"python -c "import flask; print(flask.__name__)""#).unwrap(),
            ["python", "-c", "import flask; print(flask.__name__)"]
        );
        assert_eq!(
            split(r#"sh -c 'echo "$HOME"'"#).unwrap(),
            ["sh", "-c", r#"echo "$HOME""#]
        );
        assert_eq!(split(r"a\ b  ''  c").unwrap(), ["a b", "", "c"]);
        assert_eq!(split(r#""a\"b\n""#).unwrap(), [r#"a"b\n"#]);
    }

    #[test]
    fn refuses_unterminated_quotes_and_empty_commands() {
        assert!(matches!(
            split("echo 'x"),
            Err(SplitError::Unterminated("single", _))
        ));
        assert!(matches!(
            split("echo \"x"),
            Err(SplitError::Unterminated("double", _))
        ));
        assert_eq!(split("   "), Err(SplitError::Empty));
    }
}
