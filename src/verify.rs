//! `restage verify`: builds the original and the rewrite with the user's Docker
//! engine, compares sizes and behaviour. (Being implemented.)

use std::path::PathBuf;

/// Arguments of `restage verify`.
#[derive(Clone, Debug, clap::Args)]
pub struct VerifyArgs {
    /// The Dockerfile to verify (its folder is the build context).
    pub path: PathBuf,
}

/// Runs the verification; the exit code follows the CLI contract.
pub fn run(args: &VerifyArgs) -> std::process::ExitCode {
    eprintln!("error: restage verify is not implemented yet ({})", args.path.display());
    std::process::ExitCode::from(2)
}
