//! The pest binding of `grammar/dockerfile.pest`.

use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/dockerfile.pest"]
pub(crate) struct DockerfileGrammar;
