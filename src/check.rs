//! The invariants every rewrite is held to before it is shown or written. A rewrite
//! that breaks one is restage's bug: it is reported as an internal error, never output.

use crate::analyze::{Analysis, ItemId, Stage, uses_arg};
use crate::context::BuildContext;
use crate::syntax::{self, Command, Healthcheck, Keyword};
use crate::transform::{self, Options, Outcome};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("internal error: the rewrite {0}; restage left the file unchanged")]
pub struct InvariantError(pub String);

/// Instructions that shape the running container; the final stage keeps them in order.
const RUNTIME: &[Keyword] = &[
    Keyword::Env,
    Keyword::Label,
    Keyword::Expose,
    Keyword::Volume,
    Keyword::User,
    Keyword::Workdir,
    Keyword::Stopsignal,
    Keyword::Healthcheck,
    Keyword::Shell,
    Keyword::Onbuild,
    Keyword::Entrypoint,
    Keyword::Cmd,
];

/// `before`: the analysis of the original. `replaced`: runtime instructions of the
/// original that the rewrite changes on purpose.
pub fn invariants(
    before: &Analysis,
    text: &str,
    options: &Options,
    replaced: &[ItemId],
) -> Result<(), InvariantError> {
    let fail = |what: String| Err(InvariantError(what));
    let rewritten = match syntax::parse(text) {
        Ok(rewritten) => rewritten,
        Err(error) => return fail(format!("does not parse ({error})")),
    };
    let after = Analysis::new(&rewritten);
    let [builder, last] = after.stages.as_slice() else {
        return fail(format!(
            "has {} stages, not a builder and a final stage",
            after.stages.len()
        ));
    };
    if builder.alias.is_none() {
        return fail("has an unnamed builder stage".into());
    }
    let Some(single) = before.single_stage() else {
        return fail("was made from a file that is not single-stage".into());
    };
    let wanted = runtime_shape(before, single, replaced);
    let kept = runtime_shape(&after, last, &[]);
    let mut kept_iter = kept.iter();
    for shape in &wanted {
        if !kept_iter.any(|k| k == shape) {
            return fail(format!("lost or reordered `{shape}` in the final stage"));
        }
    }
    for arg in after.with_keyword(last, Keyword::Arg) {
        let Some(Command::Arg(decls)) = after.instruction(arg).command() else {
            continue;
        };
        let used = decls.iter().all(|decl| {
            last.body
                .iter()
                .filter(|&&id| id > arg)
                .any(|&id| uses_arg(after.text(id), &decl.name))
        });
        if !used {
            return fail(format!(
                "leaks the build ARG `{}` into the final stage",
                after.text(arg).trim()
            ));
        }
    }
    for copy in after.with_keyword(last, Keyword::Copy) {
        if let Some(Command::Copy(copy)) = after.instruction(copy).command()
            && copy.from.is_some()
            && copy.dest.trim_end_matches('/') == "/usr/local"
        {
            return fail(
                "copies a build folder over /usr/local, where Python does not look for packages"
                    .into(),
            );
        }
    }
    match transform::restage_analysed(&after, BuildContext::default, options) {
        Ok(Outcome::Declined(_)) => Ok(()),
        _ => fail("is not left alone when rewritten again".into()),
    }
}

/// The runtime-shaping instructions of a stage, as comparable text: keyword, flags and
/// arguments (the commands of CMD, ENTRYPOINT and HEALTHCHECK by their words, so exec
/// and shell form compare).
fn runtime_shape(analysis: &Analysis, stage: &Stage, skip: &[ItemId]) -> Vec<String> {
    stage
        .body
        .iter()
        .filter(|id| !skip.contains(id))
        .filter_map(|&id| {
            let instruction = analysis.instruction(id);
            let keyword = instruction.keyword.filter(|k| RUNTIME.contains(k))?;
            let arguments = match instruction.command() {
                Some(Command::Cmd(form) | Command::Entrypoint(form)) => form.words().join(" "),
                Some(Command::Healthcheck(Healthcheck::Cmd { command, .. })) => {
                    format!("CMD {}", command.words().join(" "))
                }
                _ => instruction.node.value.join(" "),
            };
            let parts = [
                keyword.to_string(),
                instruction.node.flags.join(" "),
                arguments,
            ];
            Some(
                parts
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect()
}
