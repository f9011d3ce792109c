//! The rewrite: one [`Transformer`] per ecosystem turns the analysis of a single-stage
//! Dockerfile into a [`Plan`] (which instruction goes to which stage, what is edited or
//! added, and why), or declines with a reason. The plan is emitted from the original's
//! own text and held to the invariants in [`crate::check`] before anyone sees it.

mod go;
mod node;
mod packages;
mod plan;
mod provenance;
mod python;
mod shell;
mod slim_tools;

use std::borrow::Borrow;

use serde::Serialize;

use crate::analyze::{Analysis, Stage};
use crate::check::{self, InvariantError};
use crate::context::BuildContext;
use crate::ecosystem::{Ecosystem, Variant};
use crate::syntax::{self, Dockerfile, Instruction};

pub use plan::{Plan, Step};

/// What a rewrite decided, and why; shown by `--explain` and in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub what: String,
    pub why: String,
}

impl Decision {
    pub fn new(what: impl Into<String>, why: impl Into<String>) -> Decision {
        Decision {
            what: what.into(),
            why: why.into(),
        }
    }
}

/// Why a file was left alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decline {
    pub ecosystem: Option<Ecosystem>,
    pub reason: String,
    /// The file has several stages already (restage's own output among them): there is
    /// nothing to do, rather than something restage chose not to do.
    #[serde(skip)]
    pub multistage: bool,
}

impl Decline {
    pub fn new(ecosystem: Option<Ecosystem>, reason: impl Into<String>) -> Decline {
        Decline {
            ecosystem,
            reason: reason.into(),
            multistage: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    pub ecosystem: Ecosystem,
    pub text: String,
    pub decisions: Vec<Decision>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Rewritten(Rewrite),
    Declined(Decline),
}

/// The final image of a Go rewrite.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum GoFinal {
    #[default]
    Distroless,
    Scratch,
    Alpine,
    Image(String),
}

impl std::str::FromStr for GoFinal {
    type Err = String;

    /// `distroless`, `scratch`, `alpine`, or an image reference (letters, digits and
    /// `._/:@-`, as `registry:5000/name:tag@sha256:…` has them); anything else would
    /// not make a FROM line.
    fn from_str(name: &str) -> Result<GoFinal, Self::Err> {
        let reference = !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._/:@-".contains(c));
        Ok(match name {
            "distroless" => GoFinal::Distroless,
            "scratch" => GoFinal::Scratch,
            "alpine" => GoFinal::Alpine,
            image if reference => GoFinal::Image(image.to_owned()),
            other => {
                return Err(format!(
                    "`{other}` is not an image reference; expected distroless, scratch, alpine or an image such as gcr.io/distroless/base-debian12"
                ));
            }
        })
    }
}

/// The choices a user can make about rewrites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub go_final: GoFinal,
    /// Turn a full `python:X`/`node:X` base into its slim variant in the final stage.
    pub slim: bool,
    /// Rewrite as this ecosystem even when the base image does not say so.
    pub ecosystem: Option<Ecosystem>,
    /// Serve a front end's built files from nginx instead of its Node server.
    pub serve_static: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            go_final: GoFinal::default(),
            slim: true,
            ecosystem: None,
            serve_static: false,
        }
    }
}

/// What a transformer is given: the analysis of a single-stage file and its context.
pub struct Input<'a> {
    pub analysis: &'a Analysis<'a>,
    pub stage: &'a Stage,
    pub context: &'a BuildContext,
    pub options: &'a Options,
    /// The builder stage's name ([`plan::builder_name`]), which the final stage copies from.
    pub builder_name: &'a str,
}

/// The final stage's image: the slim variant of a full official base (unless the
/// options keep the base), with the decision that says why. `slim_gain` and
/// `same_gain` finish the reason in either case.
pub(crate) fn final_image(input: &Input, slim_gain: &str, same_gain: &str) -> (String, Decision) {
    let base = &input.stage.base;
    match input.options.slim.then(|| base.slim()).flatten() {
        Some(slim) => {
            let mut why = format!("the slim variant of `{}`: {slim_gain}", base.image.raw);
            if base.image.digest.is_some() {
                why.push_str(
                    "; the original's digest pins the full image only, so the final stage is not pinned: pin it with the slim image's own digest (`docker buildx imagetools inspect`)",
                );
            }
            if base.floats_abi() {
                why.push_str(
                    "; both tags follow new releases, so build with `docker build --pull`: a stale local copy of one could pair modules compiled in the builder with another version of the runtime",
                );
            }
            let decision = Decision::new(format!("final stage on `{slim}`"), why);
            (slim, decision)
        }
        None => {
            let decision = Decision::new(
                format!("final stage on `{}`", base.image.raw),
                format!("the original base; the gain is {same_gain}"),
            );
            (base.image.raw.clone(), decision)
        }
    }
}

/// The final stage on the original base instead of its `slim` variant, and the decision
/// that says why not the slim one (`because`: what restage cannot see).
pub(crate) fn full_base(input: &Input, slim: &str, because: &str) -> (String, Decision) {
    let base = &input.stage.base.image.raw;
    let why = format!(
        "not `{slim}`: {because}; run restage on the Dockerfile in its build context for the slim base"
    );
    (
        base.clone(),
        Decision::new(format!("final stage on `{base}`"), why),
    )
}

/// One ecosystem's rewrite rules.
pub trait Transformer {
    /// A plan for the two stages, or the reason this file is not one to rewrite.
    fn plan(&self, input: &Input) -> Result<Plan, Decline>;
}

fn transformer(ecosystem: Ecosystem) -> &'static dyn Transformer {
    match ecosystem {
        Ecosystem::Python => &python::Python,
        Ecosystem::Go => &go::Go,
        Ecosystem::Node => &node::Node,
    }
}

/// Rewrites a parsed Dockerfile, or says why not. An `Err` is restage's own bug: a
/// rewrite that broke an invariant, which is never shown as a result.
///
/// `context` is asked for the build context only once the file is single-stage on a
/// base restage rewrites around: the files declined for their stages or base image
/// (most of a bulk run) cost no file IO. (A file that is not an app reads it, to be
/// declined as the dev container it may be.)
pub fn restage<C: Borrow<BuildContext>>(
    dockerfile: &Dockerfile,
    context: impl FnOnce() -> C,
    options: &Options,
) -> Result<Outcome, InvariantError> {
    let last = dockerfile.instructions().last();
    let Some(escape) = last.and_then(Instruction::dangling_continuation) else {
        return restage_analysed(&Analysis::new(dockerfile), context, options);
    };
    // The last instruction ends in a continuation with nothing to continue. In the
    // rewrite something may follow it, which the escape would swallow: rewrite the
    // same file without that escape.
    let text = dockerfile.text();
    let closed = format!(
        "{}{}{}",
        &text[..escape.start],
        dockerfile.line_break(),
        &text[escape.end..]
    );
    // `… \ \`: with the last escape gone, the one before it (an escape and blanks)
    // ends the line and continues it in turn, where it was the line's own text. Such a
    // line cannot end where it did.
    let closed = syntax::parse(&closed).ok().filter(|closed| {
        closed
            .instructions()
            .last()
            .is_none_or(|last| last.dangling_continuation().is_none())
    });
    let Some(closed) = closed else {
        return Ok(declined(
            None,
            "the last line ends in an escape, a blank and another escape: without the last escape the line would still continue, so restage cannot end the instruction there as it was",
        ));
    };
    restage_analysed(&Analysis::new(&closed), context, options)
}

/// [`restage`] of a file already analysed (the invariant check has the rewrite's
/// analysis at hand when it rewrites the rewrite again).
pub(crate) fn restage_analysed<C: Borrow<BuildContext>>(
    analysis: &Analysis,
    context: impl FnOnce() -> C,
    options: &Options,
) -> Result<Outcome, InvariantError> {
    let stage = match analysis.stages.as_slice() {
        [] => return Ok(declined(None, "no FROM instruction")),
        [stage] => stage,
        _ => {
            return Ok(Outcome::Declined(Decline {
                multistage: true,
                ..Decline::new(None, "already multistage")
            }));
        }
    };
    let Some(ecosystem) = options
        .ecosystem
        .or(stage.base.ecosystem)
        .or(stage.base.named)
    else {
        return Ok(declined(
            None,
            format!(
                "no recognised ecosystem: the base image `{}` is not an official python, golang or node image, nor named after one of them",
                stage.base.image.raw
            ),
        ));
    };
    if matches!(stage.base.variant, Variant::Other) {
        return Ok(declined(
            Some(ecosystem),
            format!(
                "the base image `{}` is not one restage rewrites around",
                stage.base.image.raw
            ),
        ));
    }
    // A dev container is the more telling reason, even where the start command says
    // too that the image is not an app.
    let not_an_app = not_an_app(analysis, stage, ecosystem);
    let context = context();
    if context.borrow().is_dev_container() {
        return Ok(declined(
            Some(ecosystem),
            "a dev container (`.devcontainer`, devcontainer.json): a development environment, whose tools are the point, not an app image",
        ));
    }
    if let Some(reason) = not_an_app {
        return Ok(declined(Some(ecosystem), reason));
    }
    let builder_name = match plan::builder_name(analysis) {
        Ok(name) => name,
        Err(reason) => return Ok(declined(Some(ecosystem), reason)),
    };
    let input = Input {
        analysis,
        stage,
        context: context.borrow(),
        options,
        builder_name: &builder_name,
    };
    let mut plan = match transformer(ecosystem).plan(&input) {
        Ok(plan) => plan,
        Err(decline) => return Ok(Outcome::Declined(decline)),
    };
    if ecosystem != Ecosystem::Go {
        // Go's final images are not its base's variants; it picks their tools itself.
        slim_tools::restore(&mut plan, &input);
    }
    if options.ecosystem.is_none() && stage.base.ecosystem.is_none() {
        plan.decisions.insert(
            0,
            Decision::new(
                format!("rewritten as {ecosystem}"),
                format!(
                    "the base image `{}` is not an official image, but its name says {ecosystem}; restage knows none of its variants",
                    stage.base.image.raw
                ),
            ),
        );
    }
    let text = plan.emit(&input);
    check::invariants(analysis, &text, options, &plan.replaced)?;
    Ok(Outcome::Rewritten(Rewrite {
        ecosystem,
        text,
        decisions: plan.decisions,
    }))
}

/// Why the image is not one that runs an app (a development, CI or tool image), if so.
/// Without a CMD or ENTRYPOINT, Go and Node rewrites cannot tell what the final stage
/// needs; a Python one can (see [`python`]).
fn not_an_app(analysis: &Analysis, stage: &Stage, ecosystem: Ecosystem) -> Option<String> {
    let (entrypoint, cmd) = analysis.start_command(stage);
    let Some(start) = entrypoint.as_ref().or(cmd.as_ref()) else {
        return (ecosystem != Ecosystem::Python)
            .then(|| "no CMD or ENTRYPOINT: the image does not say which app it runs".into());
    };
    let words = start.words();
    let program = words.first().map(|word| shell::program_name(word));
    // A Python image that starts a shell is a tool image, rewritten as one without a
    // start command is: whatever runs in the shell finds the dependencies. The shell is
    // the ENTRYPOINT's with the CMD's words (`["/bin/sh"]` and `["./start.sh"]` run the
    // script).
    let shell_session = ecosystem != Ecosystem::Python
        && shell::starts_a_shell(&container_words(entrypoint.as_ref(), cmd.as_ref()));
    let idle = matches!(program, Some("sleep" | "tail" | "true"));
    // A test runner, or a test script (`/app/tests.sh`, `run-tests`).
    let tests = words.iter().any(|word| {
        let name = shell::program_name(word);
        let stem = name.split('.').next().unwrap_or(name);
        matches!(
            stem,
            "pytest"
                | "test"
                | "tests"
                | "tox"
                | "nosetests"
                | "unittest"
                | "run-tests"
                | "run_tests"
        )
    });
    (shell_session || idle || tests).then(|| {
        format!(
            "the start command `{}` runs a shell, tests or nothing: this looks like a development or CI image, not an app",
            words.join(" ")
        )
    })
}

/// The words the container runs: the ENTRYPOINT's, then the CMD's.
pub(crate) fn container_words<'a>(
    entrypoint: Option<&'a syntax::Form>,
    cmd: Option<&'a syntax::Form>,
) -> Vec<&'a str> {
    entrypoint
        .into_iter()
        .chain(cmd)
        .flat_map(syntax::Form::words)
        .collect()
}

fn declined(ecosystem: Option<Ecosystem>, reason: impl Into<String>) -> Outcome {
    Outcome::Declined(Decline::new(ecosystem, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn no_context() -> BuildContext {
        panic!("the build context was read for a file declined on its own text")
    }

    #[test]
    fn shells_tests_and_idling_are_not_apps() {
        let outcome = |start: &str| {
            let text = format!("FROM python:3.12\nRUN pip install flask\nCMD {start}\n");
            restage(
                &parse(&text).unwrap(),
                BuildContext::default,
                &Options::default(),
            )
            .unwrap()
        };
        for start in [
            "[\"/app/tests.sh\"]",
            "python -m unittest",
            "[\"tox\", \"-e\", \"py312\"]",
            "sleep infinity",
        ] {
            match outcome(start) {
                Outcome::Declined(decline) => assert!(
                    decline.reason.contains("runs a shell, tests or nothing"),
                    "{start}: {}",
                    decline.reason
                ),
                Outcome::Rewritten(_) => panic!("{start} was rewritten"),
            }
        }
        for start in ["[\"gunicorn\", \"tests_app:app\"]", "bash -c 'flask run'"] {
            assert!(matches!(outcome(start), Outcome::Rewritten(_)), "{start}");
        }
    }

    #[test]
    fn a_shell_is_a_tool_image_for_python_only() {
        let outcome = |text: &str| {
            restage(
                &parse(text).unwrap(),
                BuildContext::default,
                &Options::default(),
            )
            .unwrap()
        };
        for start in ["[\"bash\"]", "[\"/bin/sh\"]", "zsh -l"] {
            let python = format!("FROM python:3.12\nRUN pip install awscli\nCMD {start}\n");
            assert!(matches!(outcome(&python), Outcome::Rewritten(_)), "{start}");
            let node =
                format!("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nENTRYPOINT {start}\n");
            match outcome(&node) {
                Outcome::Declined(decline) => assert!(
                    decline.reason.contains("runs a shell, tests or nothing"),
                    "{start}: {}",
                    decline.reason
                ),
                Outcome::Rewritten(_) => panic!("node with {start} was rewritten"),
            }
        }
    }

    #[test]
    fn files_declined_on_their_text_do_not_read_the_context() {
        let cases = [
            "FROM golang:1.22 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /app /app\n",
            "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\n",
            "FROM golang:windowsservercore\nRUN go build -o /app .\nCMD [\"/app\"]\n",
        ];
        for text in cases {
            let dockerfile = parse(text).unwrap();
            let outcome = restage(&dockerfile, no_context, &Options::default()).unwrap();
            assert!(matches!(outcome, Outcome::Declined(_)), "{text}");
        }
    }

    #[test]
    fn a_floating_or_pinned_tag_s_slim_variant_says_what_to_do() {
        // Node moves to the slim variant only where it sees the package.json.
        let final_decision = |text: &str| {
            let mut context = BuildContext::default();
            context.files.insert("package.json".into(), "{}".into());
            let outcome = restage(&parse(text).unwrap(), || context, &Options::default()).unwrap();
            let Outcome::Rewritten(rewrite) = outcome else {
                panic!("{text} was declined: {outcome:?}");
            };
            rewrite.decisions[0].clone()
        };
        let python = |base: &str| {
            final_decision(&format!(
                "FROM {base}\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n"
            ))
        };
        let node = |base: &str| {
            final_decision(&format!(
                "FROM {base}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"app.js\"]\n"
            ))
        };
        for decision in [python("python:3"), python("python"), node("node:lts")] {
            assert!(decision.why.contains("docker build --pull"), "{decision:?}");
        }
        let pinned = python(&format!("python:3.12@sha256:{}", "a".repeat(64)));
        assert!(pinned.why.contains("is not pinned"), "{pinned:?}");
        for decision in [python("python:3.12"), node("node:20")] {
            assert!(decision.what.starts_with("final stage on"), "{decision:?}");
            assert!(!decision.why.contains("--pull"), "{decision:?}");
            assert!(!decision.why.contains("pinned"), "{decision:?}");
        }
    }
}
