//! `secctx`: the operator's command for secctx.
//!
//! - `secctx eval FILE…` evaluates conformance vectors (SPEC section 7) and prints one JSON line
//!   per case.
//! - `secctx check [DIR]` runs a corpus and reports PASS/FAIL per case.
//! - `secctx explain …` shows how one request resolves: the peer, every hop of the walk, the
//!   identity, the headers forwarded and dropped, and both wire formats.
//! - `secctx mock …` serves a mock Azure OpenAI endpoint that records what it receives.
//!
//! All domain logic lives in the `secctx` core crate; this binary parses arguments, reads files
//! and renders results.

mod explain;
mod mock;
mod vectors;

use std::fmt;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tell Microsoft Defender for Cloud who sent each Azure OpenAI prompt.
#[derive(Parser, Debug)]
#[command(name = "secctx", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate conformance vector files; print one JSON line per case (`-` reads stdin).
    Eval(vectors::EvalArgs),
    /// Run a conformance corpus and compare every case with its `expect`.
    Check(vectors::CheckArgs),
    /// Show how one request resolves: client IP, hops, identity, headers, wire formats.
    Explain(explain::ExplainArgs),
    /// Serve a mock Azure OpenAI endpoint that records every chat request it receives.
    Mock(mock::MockArgs),
}

/// An error the command reports as `error[code]: message` on stderr, exiting with `exit`.
#[derive(Debug)]
pub struct CliError {
    code: &'static str,
    message: String,
    exit: u8,
}

impl CliError {
    /// An error that exits with status 2 (bad input, or the command could not run).
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliError { code, message: message.into(), exit: 2 }
    }

    /// An error of the core library, under its own kind (`invalid_config`, …).
    pub fn core(err: &secctx::Error) -> Self {
        CliError::new(err.kind().as_str(), err.message())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}

/// What a subcommand returns: the exit status on success (0, or 1 for `check` with failures).
pub type Outcome = Result<u8, CliError>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Eval(args) => vectors::eval(&args),
        Command::Check(args) => vectors::check(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Mock(args) => mock::run(&args),
    };
    match outcome {
        Ok(status) => ExitCode::from(status),
        Err(err) => {
            eprintln!("{err}");
            ExitCode::from(err.exit)
        }
    }
}
