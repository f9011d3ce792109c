//! The "did you mean" hint for an unknown instruction, as BuildKit's `suggest.WrapError` picks it.
//!
//! Owns the choice: the known instruction nearest in Levenshtein distance (case-insensitive),
//! if it is at most 2 edits away, spelled in the case the user wrote (all lower, all upper,
//! else lower). Ties go to the first name alphabetically, where BuildKit's map order is random.

use super::go_text::{to_lower, to_upper};
use super::line_parsers::INSTRUCTIONS;

/// `did you mean FROM?` for `FORM`, or nothing when no instruction is near.
pub fn instruction_hint(written: &str) -> Option<String> {
    let lower = to_lower(written);
    let mut best = None;
    let mut best_distance = 3;
    for name in INSTRUCTIONS {
        let option = to_lower(name);
        let distance = levenshtein(&lower, &option);
        if distance < best_distance {
            best_distance = distance;
            best = Some(option);
        }
    }
    let option = best?;
    let spelled = if written == to_lower(written) {
        option
    } else if written == to_upper(written) {
        to_upper(&option)
    } else {
        option
    };
    Some(format!("did you mean {spelled}?"))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_instruction_in_the_written_case() {
        assert_eq!(
            instruction_hint("FORM").as_deref(),
            Some("did you mean FROM?")
        );
        assert_eq!(
            instruction_hint("form").as_deref(),
            Some("did you mean from?")
        );
        assert_eq!(
            instruction_hint("Form").as_deref(),
            Some("did you mean from?")
        );
        assert_eq!(
            instruction_hint("WORKDI").as_deref(),
            Some("did you mean WORKDIR?")
        );
        assert_eq!(
            instruction_hint("ENTRYPINT").as_deref(),
            Some("did you mean ENTRYPOINT?")
        );
        assert_eq!(instruction_hint("XYZZY"), None);
        assert_eq!(instruction_hint(""), None);
    }

    #[test]
    fn counts_edits_by_character() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("é", "e"), 1);
    }
}
