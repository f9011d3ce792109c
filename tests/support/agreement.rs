//! Comparing restage's reading of a Dockerfile with BuildKit's (a `buildkit.py` record),
//! field for field: shared by the tests that hold restage to BuildKit's parser.

use restage::syntax::{self, Dockerfile};
use serde_json::{Value, json};

/// restage's reading in the reference's terms.
fn reading(dockerfile: &Dockerfile) -> Vec<Value> {
    dockerfile
        .instructions()
        .map(|instruction| {
            let mut fields = syntax::buildkit_fields(dockerfile, instruction);
            // The package reports an ONBUILD trigger's heredocs as none.
            if instruction.node.sub_cmd.is_some() {
                fields["heredocs"] = json!([]);
            }
            fields
        })
        .collect()
}

fn theirs(item: &Value) -> Value {
    let heredocs: Vec<Value> = item["heredocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|heredoc| json!({"name": heredoc["name"], "content": heredoc["content"]}))
        .collect();
    json!({
        "cmd": item["cmd"],
        "sub_cmd": item["sub_cmd"],
        "json": item["json"],
        "flags": item["flags"],
        "value": item["value"],
        "start_line": item["start_line"],
        "end_line": item["end_line"],
        "heredocs": heredocs,
    })
}

/// Why restage's reading of a file's bytes differs from BuildKit's record of the same
/// file, if it does. Both rejecting the file is agreement.
pub fn disagreement(source: &[u8], reference: &Value) -> Option<String> {
    // The lossless tree is BuildKit's parser's reading (unknown instructions kept).
    let tree = std::str::from_utf8(source)
        .map_err(|error| error.to_string())
        .and_then(|text| syntax::parse_lossless(text).map_err(|error| error.to_string()))
        .and_then(|tree| {
            if tree.instructions().next().is_none() {
                Err("file with no instructions".to_owned())
            } else {
                Ok(tree)
            }
        });
    match (tree, reference["ok"].as_bool().unwrap()) {
        (Ok(_), false) => Some(format!(
            "BuildKit rejects it ({}), restage accepts it",
            reference["error"]
        )),
        (Err(error), true) => Some(format!("restage rejects it ({error}), BuildKit accepts it")),
        (Err(_), false) => None,
        (Ok(tree), true) => {
            let ours = reading(&tree);
            let theirs: Vec<Value> = reference["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(theirs)
                .collect();
            if ours.len() != theirs.len() {
                return Some(format!(
                    "{} instructions, BuildKit reads {}",
                    ours.len(),
                    theirs.len()
                ));
            }
            ours.iter()
                .zip(&theirs)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("instruction differs:\n    restage:  {a}\n    buildkit: {b}"))
        }
    }
}
