//! `secctx eval` and `secctx check`: the conformance corpus (SPEC section 7) through the core's
//! runner, `secctx::conformance`.

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use secctx::conformance::{compare, evaluate, load_dir, parse_cases, vectors_dir};
use serde_json::Value;

use crate::{CliError, Outcome};

/// The corpus `check` runs when no directory is given and `SECCTX_VECTORS` is not set.
const DEFAULT_CORPUS: &str = "tests/vectors";

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Vector files: each holds one case object or an array of cases. `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The corpus directory (every *.json in it). Default: $SECCTX_VECTORS, else tests/vectors.
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Reads every file and evaluates every case before printing anything, so that a file that
/// cannot be read leaves no partial output.
pub fn eval(args: &EvalArgs) -> Outcome {
    let mut lines = Vec::new();
    for file in &args.files {
        let label = file.display().to_string();
        let text = read_input(file).map_err(|e| CliError::new("io", format!("{label}: {e}")))?;
        let cases = parse_cases(&text).map_err(|e| CliError::new("invalid_vectors", format!("{label}: {e}")))?;
        for (i, case) in cases.iter().enumerate() {
            let got = evaluate(case).map_err(|e| {
                CliError::new("invalid_vectors", format!("{label}: case {i} ({}): {e}", case_name(case)))
            })?;
            lines.push(got.to_string());
        }
    }
    let mut out = io::stdout().lock();
    for line in &lines {
        if let Err(e) = writeln!(out, "{line}") {
            return write_failed(e);
        }
    }
    out.flush().map_or_else(write_failed, |()| Ok(0))
}

/// Runs a corpus: `PASS name` or `FAIL name: why` per case, then `N passed, N failed`.
/// Exit 0 when every case passes, 1 when any fails, 2 when the corpus cannot be read.
pub fn check(args: &CheckArgs) -> Outcome {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => vectors_dir(Path::new(DEFAULT_CORPUS)),
    };
    let cases = load_dir(&dir).map_err(|e| CliError::new("invalid_vectors", e))?;
    eprintln!("checking {} cases from {}", cases.len(), dir.display());
    let mut out = io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut names = HashSet::new();
    for (file, case) in &cases {
        let name = case_name(case);
        let verdict = if !names.insert(name.clone()) {
            Err(format!("{file}: duplicate case name"))
        } else {
            match (case.get("expect"), evaluate(case)) {
                (None, _) => Err(format!("{file}: the case has no expect")),
                (_, Err(e)) => Err(format!("{file}: malformed case: {e}")),
                (Some(expect), Ok(got)) => compare(expect, &got),
            }
        };
        let line = match verdict {
            Ok(()) => {
                passed += 1;
                format!("PASS {name}")
            }
            Err(why) => {
                failed += 1;
                format!("FAIL {name}: {why}")
            }
        };
        if let Err(e) = writeln!(out, "{line}") {
            return write_failed(e);
        }
    }
    if let Err(e) = writeln!(out, "{passed} passed, {failed} failed").and_then(|()| out.flush()) {
        return write_failed(e);
    }
    Ok(if failed == 0 { 0 } else { 1 })
}

fn case_name(case: &Value) -> String {
    match case.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "<unnamed>".to_string(),
    }
}

fn read_input(path: &Path) -> io::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

/// A closed pipe (`secctx eval … | head`) ends the command quietly; other write errors are
/// reported.
fn write_failed(e: io::Error) -> Outcome {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(0)
    } else {
        Err(CliError::new("io", format!("writing to stdout: {e}")))
    }
}
