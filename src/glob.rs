//! The wildcards of one path element, as `.dockerignore` patterns, COPY sources and
//! npm-run-all's script names use them (Go's `filepath.Match`): `*` (any run of
//! characters but `/`), `?` (one character but `/`), `[abc]`, `[a-z]` and `[^a]` (one
//! character of a class), `\` (the next character as itself).

/// Whether `name` matches `pattern`; a malformed pattern (`[a`, a trailing `\`) matches
/// nothing, as Go's `filepath.Match` then fails. The time is linear in the pattern times
/// the name (patterns may be anyone's): on a mismatch, the last `*` takes one more
/// character, as no earlier `*` needs to be tried again.
pub fn matches(pattern: &str, name: &str) -> bool {
    let Some(tokens) = tokens(pattern) else {
        return false;
    };
    let name: Vec<char> = name.chars().collect();
    let (mut t, mut n) = (0, 0);
    // The last `*` seen, and where in the name its match ends so far.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(token) if token.takes(name[n]) => {
                t += 1;
                n += 1;
            }
            _ => match star {
                Some((at, end)) if name[end] != '/' => {
                    star = Some((at, end + 1));
                    t = at + 1;
                    n = end + 1;
                }
                _ => return false,
            },
        }
    }
    tokens[t..].iter().all(|token| *token == Token::Star)
}

/// Whether `name` matches `pattern` part by part, parts split at `separator`: each
/// pattern part matches one name part as [`matches`] does, and a `**` part any number
/// of them (`**/*.json` matches `a.json` and `a/b/c.json`). Which pattern parts match
/// which name parts is worked out once each, not tried again on every path.
pub fn matches_parts(pattern: &str, name: &str, separator: char) -> bool {
    let pattern: Vec<&str> = pattern.split(separator).collect();
    let name: Vec<&str> = name.split(separator).collect();
    // matched[i][j]: pattern parts from i on match name parts from j on.
    let mut matched = vec![vec![false; name.len() + 1]; pattern.len() + 1];
    matched[pattern.len()][name.len()] = true;
    for i in (0..pattern.len()).rev() {
        for j in (0..=name.len()).rev() {
            matched[i][j] = if pattern[i] == "**" {
                matched[i + 1][j] || (j < name.len() && matched[i][j + 1])
            } else {
                j < name.len() && matches(pattern[i], name[j]) && matched[i + 1][j + 1]
            };
        }
    }
    matched[0][0]
}

/// The pattern that matches `text` alone: its wildcards and escapes escaped.
pub fn literal(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern
}

/// Whether `pattern` has a wildcard, so that it may name other files than itself.
pub fn is_pattern(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

#[derive(Debug, PartialEq)]
enum Token {
    Star,
    Any,
    Literal(char),
    /// Inclusive ranges, and whether the class is negated.
    Class(Vec<(char, char)>, bool),
}

impl Token {
    /// Whether the token (not a `*`) takes the character `c`.
    fn takes(&self, c: char) -> bool {
        match self {
            Token::Star => false,
            Token::Any => c != '/',
            Token::Literal(literal) => *literal == c,
            Token::Class(ranges, negated) => {
                c != '/' && ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// The pattern's tokens; `None` when it is malformed.
fn tokens(pattern: &str) -> Option<Vec<Token>> {
    let mut chars = pattern.chars().peekable();
    let mut tokens = Vec::new();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::Star,
            '?' => Token::Any,
            '\\' => Token::Literal(chars.next()?),
            '[' => {
                let negated = chars.next_if_eq(&'^').is_some();
                let mut ranges = Vec::new();
                loop {
                    let lo = match chars.next()? {
                        ']' if !ranges.is_empty() => break,
                        ']' | '-' => return None,
                        '\\' => chars.next()?,
                        c => c,
                    };
                    let hi = if chars.next_if_eq(&'-').is_some() {
                        match chars.next()? {
                            ']' | '-' => return None,
                            '\\' => chars.next()?,
                            c => c,
                        }
                    } else {
                        lo
                    };
                    ranges.push((lo, hi));
                }
                Token::Class(ranges, negated)
            }
            c => Token::Literal(c),
        });
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("*.json", "a.json") && !matches("*.json", "a.yaml"));
        assert!(matches("*a*b", "xaxxb") && !matches("*a*b", "xaxx") && matches("a?c", "abc"));
        assert!(matches("**", "") && !matches("?", "") && matches("é*", "été"));
        assert!(matches("conf?g", "config") && !matches("conf?g", "confg"));
        assert!(matches("package*.json", "package.json"));
        assert!(matches("package*.json", "package-lock.json"));
        assert!(matches("package-lock.json*", "package-lock.json"));
        assert!(!matches("package.json", "package-lock.json"));
        assert!(matches("poetry.lock*", "poetry.lock") && !matches("*.lock", "dir/a.lock"));
        // Many stars against a long name that does not match: linear, not exponential.
        let name = "a".repeat(60);
        assert!(!matches(&format!("{}b", "*a".repeat(14)), &name));
    }

    #[test]
    fn parts_and_double_stars() {
        assert!(matches_parts("**/*.json", "a.json", '/'));
        assert!(matches_parts("**/*.json", "a/b/c.json", '/'));
        assert!(!matches_parts("*.json", "a/c.json", '/'));
        assert!(
            matches_parts("build:*", "build:css", ':') && !matches_parts("build:*", "build", ':')
        );
        assert!(matches_parts("a/**/b", "a/b", '/') && matches_parts("a/**/b", "a/x/y/b", '/'));
        assert!(!matches_parts("a/**/b", "a/x/y/c", '/'));
        // Many double stars against a long path that does not match: no blow-up.
        let path = vec!["a"; 60].join("/");
        assert!(!matches_parts(
            &format!("{}/b", vec!["**/a"; 20].join("/")),
            &path,
            '/'
        ));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(matches("cwallet.ss[o]", "cwallet.sso") && !matches("cwallet.ss[o]", "cwallet.ss"));
        assert!(matches("v[0-9]", "v7") && !matches("v[0-9]", "vx") && matches("v[^0-9]", "vx"));
        // A `]` or `-` where a class wants a character is malformed, as in Go.
        assert!(!matches("[]a]", "]") && !matches("[a-]", "a") && matches("[\\]]", "]"));
        assert!(matches("a\\*b", "a*b") && !matches("a\\*b", "axb"));
        assert!(!matches("[a", "a") && !matches("a\\", "a"));
        assert!(is_pattern("requirements*.txt") && !is_pattern("requirements.txt"));
    }
}
