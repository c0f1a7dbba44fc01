//! Runs the shared conformance corpus (SPEC section 7) through the core.
//!
//! The directory is `$SECCTX_VECTORS` when set, else the repository's `tests/vectors`.

use std::path::Path;

use secctx::conformance::{compare, evaluate, load_dir, vectors_dir};

#[test]
fn every_vector_passes() {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let dir = vectors_dir(&default);
    let cases = load_dir(&dir).unwrap_or_else(|e| panic!("cannot read the corpus: {e}"));
    assert!(!cases.is_empty(), "no cases in {}", dir.display());

    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (file, case) in &cases {
        let name = case.get("name").and_then(|n| n.as_str()).unwrap_or("<unnamed>");
        if !names.insert(name.to_string()) {
            failures.push(format!("{file}: {name}: duplicate case name"));
        }
        let Some(expect) = case.get("expect") else {
            failures.push(format!("{file}: {name}: no expect"));
            continue;
        };
        match evaluate(case) {
            Ok(got) => {
                if let Err(diff) = compare(expect, &got) {
                    failures.push(format!("{file}: {name}: {diff}"));
                }
            }
            Err(e) => failures.push(format!("{file}: {name}: malformed case: {e}")),
        }
    }
    println!("{} vectors from {}, {} failed", cases.len(), dir.display(), failures.len());
    assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
