//! The command line as clap reads it: the default rewrite command with its flags, and
//! the `parse`, `verify` and `completions` subcommands. Only the shape of the
//! arguments lives here; what they do is in `batch.rs` and `main.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use restage::ecosystem::Ecosystem;
use restage::transform::GoFinal;
use restage::verify::VerifyArgs;

const EXAMPLES: &str = "\
Examples:
  restage                          show the diff for every Dockerfile under the current folder
  restage path/to/Dockerfile       show the diff for one file; nothing is written
  restage --write .                rewrite every Dockerfile under . in place
  restage --check .                list the files that would change; exit 1 if any would
  restage --explain Dockerfile     say why, decision by decision, beside the diff
  restage --stdout - < Dockerfile  read stdin, print the rewritten file
  restage --format json repos/     one JSON record per file, for scripts
  restage --go-final scratch svc/  Go binaries on `scratch` instead of distroless

Exit codes: 0 nothing to change (or all written), 1 --check found files to change,
2 an error (a path that cannot be read or written, a file that does not parse).

Options can also be set in a `restage.toml` found upward from each file
(`go-final`, `slim`, `ecosystem`, `serve-static`); the command line wins.";

#[derive(Debug, Parser)]
#[command(
    name = "restage",
    version,
    about = "Rewrites single-stage Dockerfiles into multistage ones",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub rewrite: RewriteArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the syntax tree of a Dockerfile.
    Parse(ParseArgs),
    /// Build the original and the rewrite with Docker and compare them.
    Verify(VerifyArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The Dockerfile to parse, or - for stdin.
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    pub format: ParseFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// One JSON object: every top-level item with its kind and byte span.
    Json,
    /// One line per item: span, kind and its first line of text.
    Text,
}

#[derive(Debug, Args)]
pub struct RewriteArgs {
    /// Files, folders (searched recursively) or - for stdin [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Rewrite the files in place, atomically.
    #[arg(short, long, conflicts_with_all = ["check", "stdout"], help_heading = "Mode")]
    pub write: bool,

    /// Change nothing; list the files that would change and exit 1 if any would.
    #[arg(long, conflicts_with = "stdout", help_heading = "Mode")]
    pub check: bool,

    /// Print the rewritten Dockerfile (one file or stdin) instead of a diff.
    #[arg(long, help_heading = "Mode")]
    pub stdout: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, conflicts_with = "stdout", help_heading = "Output")]
    pub format: Format,

    /// Say what each rewrite decided and why, and why a file was left alone.
    #[arg(long, help_heading = "Output")]
    pub explain: bool,

    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = "Output")]
    pub color: ColorChoice,

    /// Print neither the summary line nor the notes about files left alone.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Final image of Go rewrites: distroless, scratch, alpine or any image reference.
    #[arg(long, value_name = "IMAGE", help_heading = "Rewrite")]
    pub go_final: Option<GoFinal>,

    /// Keep the full Python/Node base in the final stage instead of its slim variant.
    #[arg(long, overrides_with = "slim", help_heading = "Rewrite")]
    pub no_slim: bool,

    /// Use the slim variant of a full Python/Node base in the final stage (the default;
    /// overrides `slim = false` in restage.toml).
    #[arg(long, overrides_with = "no_slim", help_heading = "Rewrite")]
    pub slim: bool,

    /// Rewrite as this ecosystem even when the base image does not name it.
    #[arg(long, value_enum, help_heading = "Rewrite")]
    pub ecosystem: Option<Ecosystem>,

    /// Serve a Node front end's built files from nginx (`nginx:stable-alpine`) instead
    /// of its development or static file server: the container then runs nginx.
    #[arg(long, help_heading = "Rewrite")]
    pub serve_static: bool,

    /// Ignore restage.toml files.
    #[arg(long, help_heading = "Rewrite")]
    pub no_config: bool,

    /// Search hidden files and folders too.
    #[arg(long, help_heading = "Discovery")]
    pub hidden: bool,

    /// Do not respect .gitignore, .ignore and .git/info/exclude.
    #[arg(long, help_heading = "Discovery")]
    pub no_ignore: bool,

    /// Number of files processed at once [default: the number of CPUs; at most 256].
    #[arg(short, long, value_name = "N", help_heading = "Discovery")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    /// One JSON object per line and file.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

impl RewriteArgs {
    /// The slim choice made on the command line, if one was.
    pub fn slim_choice(&self) -> Option<bool> {
        if self.no_slim {
            Some(false)
        } else if self.slim {
            Some(true)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
