//! The tree as JSON (`restage parse --format json`): every top-level item in file
//! order with its kind and byte span; instructions also carry BuildKit's fields.

use serde_json::{Value, json};

use super::instruction::Instruction;
use super::tree::{Dockerfile, ItemKind};

pub fn to_json(dockerfile: &Dockerfile) -> Value {
    let items: Vec<Value> = dockerfile
        .items()
        .iter()
        .map(|item| {
            let span = [item.span.start, item.span.end];
            match &item.kind {
                ItemKind::Bom => json!({"kind": "bom", "span": span}),
                ItemKind::Blank => json!({"kind": "blank", "span": span}),
                ItemKind::Comment => json!({"kind": "comment", "span": span}),
                ItemKind::Directive(directive) => json!({
                    "kind": "directive",
                    "span": span,
                    "name": directive.name,
                    "value": directive.value,
                }),
                ItemKind::Instruction(instruction) => {
                    let mut fields = buildkit_fields(dockerfile, instruction);
                    fields["kind"] = json!("instruction");
                    fields["span"] = json!(span);
                    fields["cmd"] = json!(instruction.node.cmd.to_ascii_lowercase());
                    fields
                }
            }
        })
        .collect();
    json!({ "escape": dockerfile.escape().to_string(), "items": items })
}

/// An instruction's fields as BuildKit's parser reports them (the `dockerfile` PyPI
/// package's names), its name as written.
pub fn buildkit_fields(dockerfile: &Dockerfile, instruction: &Instruction) -> Value {
    let node = &instruction.node;
    let heredocs: Vec<Value> = instruction
        .heredocs
        .iter()
        .map(|heredoc| {
            json!({
                "name": heredoc.marker.name,
                "content": dockerfile.slice(heredoc.body),
            })
        })
        .collect();
    json!({
        "cmd": node.cmd,
        "sub_cmd": node.sub_cmd,
        "json": node.json,
        "flags": node.flags,
        "value": node.value,
        "start_line": instruction.start_line,
        "end_line": instruction.end_line,
        "heredocs": heredocs,
    })
}
