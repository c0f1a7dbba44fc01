//! `secctx eval` and `secctx check`, on small vector files and on the whole corpus.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{repo_root, secctx};
use predicates::prelude::*;
use secctx::conformance::{evaluate, load_dir, vectors_dir};
use serde_json::{Value, json};

fn cmd() -> Command {
    let mut cmd = Command::new(secctx());
    cmd.env_remove("SECCTX_VECTORS");
    cmd
}

/// Three cases with known answers: a walk, a configuration error, a legacy rendering error.
fn sample_cases() -> Value {
    json!([
        {
            "name": "rightmost untrusted entry wins",
            "config": {"trusted_proxies": ["10.0.0.0/8"]},
            "request": {"peer": "10.0.0.2:51234", "headers": [["X-Forwarded-For", "6.6.6.6, 203.0.113.7"]]},
            "identity": {"end_user_id": "u1", "end_user_id_type": "aad"},
            "expect": {
                "user_security_context": {"end_user_id": "u1", "source_ip": "203.0.113.7"},
                "user": {"EndUserId": "u1", "EndUserIdType": "AAD", "SourceIP": "10.0.0.2",
                         "SourceRequestHeaders": {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}}
            },
            "comment": "keys other than name, config, request and identity are ignored"
        },
        {
            "name": "max_hops zero is a configuration error",
            "config": {"max_hops": 0},
            "request": {"peer": null, "headers": []},
            "expect": {"error": "invalid_config"}
        },
        {
            "name": "id without type cannot be rendered legacy",
            "config": {},
            "request": {"peer": "192.0.2.1", "headers": []},
            "identity": {"end_user_id": "u2"},
            "expect": {"user_security_context": {"end_user_id": "u2", "source_ip": "192.0.2.1"},
                       "user_error": "missing_end_user_id_type"}
        }
    ])
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object per line: {l}: {e}")))
        .collect()
}

#[test]
fn eval_prints_one_json_line_per_case() {
    let dir = tempfile::tempdir().unwrap();
    let cases = sample_cases();
    let array = write(dir.path(), "a.json", &cases);
    let single = write(dir.path(), "b.json", &cases[0]);
    let out = cmd().arg("eval").arg(&array).arg(&single).assert().success().stderr("").get_output().stdout.clone();
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    assert_eq!(
        got[0],
        json!({
            "name": "rightmost untrusted entry wins",
            "user_security_context": {"end_user_id": "u1", "source_ip": "203.0.113.7"},
            "user": {"EndUserId": "u1", "EndUserIdType": "AAD", "SourceIP": "10.0.0.2",
                     "SourceRequestHeaders": {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}}
        })
    );
    assert_eq!(got[1], json!({"name": "max_hops zero is a configuration error", "error": "invalid_config"}));
    assert_eq!(got[2]["user_error"], "missing_end_user_id_type");
    assert_eq!(got[2]["user_security_context"], json!({"end_user_id": "u2", "source_ip": "192.0.2.1"}));
    assert_eq!(got[3], got[0], "a file holding one case object");
    // Compact: no insignificant whitespace.
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().all(|l| !l.contains(": ") && !l.contains(", \"")), "{text}");
}

#[test]
fn eval_reads_stdin() {
    let cases = sample_cases();
    let out = cmd().args(["eval", "-"]).write_stdin(cases.to_string()).assert().success().get_output().stdout.clone();
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["user_security_context"]["source_ip"], "203.0.113.7");
}

#[test]
fn eval_errors_exit_2_and_print_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.json", &sample_cases());
    let not_json = dir.path().join("broken.json");
    std::fs::write(&not_json, "[{\"name\": ").unwrap();
    let not_cases = write(dir.path(), "scalar.json", &json!(42));
    let malformed = write(
        dir.path(),
        "malformed.json",
        &json!([{"name": "bad headers", "request": {"headers": "X-Forwarded-For: 1.2.3.4"}}]),
    );
    let missing = dir.path().join("missing.json");

    cmd()
        .arg("eval")
        .arg(&good)
        .arg(&missing)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[io]: ").and(predicate::str::contains("missing.json")));
    cmd().arg("eval").arg(&not_json).assert().code(2).stdout("").stderr(
        predicate::str::starts_with("error[invalid_vectors]: ").and(predicate::str::contains("not valid JSON")),
    );
    cmd()
        .arg("eval")
        .arg(&not_cases)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[invalid_vectors]: "));
    cmd()
        .arg("eval")
        .arg(&good)
        .arg(&malformed)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("bad headers").and(predicate::str::contains("request.headers")));
    cmd().arg("eval").assert().code(2).stderr(predicate::str::contains("FILE"));
}

#[test]
fn check_reports_pass_and_fail_per_case() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.json", &sample_cases());
    cmd().arg("check").arg(dir.path()).assert().success().stdout(
        "PASS rightmost untrusted entry wins\n\
             PASS max_hops zero is a configuration error\n\
             PASS id without type cannot be rendered legacy\n\
             3 passed, 0 failed\n",
    );

    let mut wrong = sample_cases()[0].clone();
    wrong["name"] = json!("wrong expectation");
    wrong["expect"]["user_security_context"]["source_ip"] = json!("6.6.6.6");
    let mut no_expect = sample_cases()[1].clone();
    no_expect["name"] = json!("no expect");
    no_expect.as_object_mut().unwrap().remove("expect");
    write(dir.path(), "b.json", &json!([wrong, no_expect, sample_cases()[1]]));
    let out = cmd().arg("check").arg(dir.path()).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[3].starts_with("FAIL wrong expectation: user_security_context: expected "), "{text}");
    assert!(lines[3].contains("6.6.6.6") && lines[3].contains("203.0.113.7"), "{text}");
    assert!(lines[4].starts_with("FAIL no expect: "), "{text}");
    assert_eq!(lines[5], "FAIL max_hops zero is a configuration error: b.json: duplicate case name");
    assert_eq!(lines[6], "3 passed, 3 failed");
}

#[test]
fn check_cannot_read_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    cmd()
        .arg("check")
        .arg(empty.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[invalid_vectors]: ").and(predicate::str::contains("no *.json")));
    cmd()
        .arg("check")
        .arg(empty.path().join("nope"))
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[invalid_vectors]: "));
    std::fs::write(empty.path().join("x.json"), "{oops").unwrap();
    cmd().arg("check").arg(empty.path()).assert().code(2).stderr(predicate::str::contains("x.json"));
}

#[test]
fn check_honours_secctx_vectors_and_the_default_directory() {
    let corpus = tempfile::tempdir().unwrap();
    write(corpus.path(), "only.json", &json!([sample_cases()[1]]));
    let elsewhere = tempfile::tempdir().unwrap();
    // No DIR: $SECCTX_VECTORS.
    cmd()
        .current_dir(elsewhere.path())
        .env("SECCTX_VECTORS", corpus.path())
        .arg("check")
        .assert()
        .success()
        .stdout("PASS max_hops zero is a configuration error\n1 passed, 0 failed\n");
    // No DIR and no variable: tests/vectors under the working directory.
    cmd().current_dir(elsewhere.path()).arg("check").assert().code(2).stderr(predicate::str::contains("tests/vectors"));
    let default = elsewhere.path().join("tests/vectors");
    std::fs::create_dir_all(&default).unwrap();
    write(&default, "v.json", &sample_cases());
    cmd()
        .current_dir(elsewhere.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::ends_with("3 passed, 0 failed\n"));
    // An explicit DIR wins over the variable.
    cmd()
        .current_dir(elsewhere.path())
        .env("SECCTX_VECTORS", corpus.path())
        .arg("check")
        .arg(&default)
        .assert()
        .success()
        .stdout(predicate::str::ends_with("3 passed, 0 failed\n"));
}

/// The corpus (or `$SECCTX_VECTORS`): every file's `secctx eval` lines are byte-identical to the
/// core's `evaluate` for the same cases. Fails when the corpus holds no vector files.
#[test]
fn eval_agrees_with_core_over_the_whole_corpus() {
    let dir = vectors_dir(&repo_root().join("tests/vectors"));
    let cases = load_dir(&dir).unwrap_or_else(|e| panic!("cannot read the corpus: {e}"));
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let out = cmd().arg("eval").args(&files).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let got: Vec<&str> = text.lines().collect();
    assert_eq!(got.len(), cases.len(), "one line per case");
    for ((file, case), line) in cases.iter().zip(&got) {
        let want = evaluate(case).unwrap_or_else(|e| panic!("{file}: {e}")).to_string();
        assert_eq!(*line, want, "{file}: {}", case["name"]);
    }
    println!("{} cases from {} files agree", cases.len(), files.len());
}

/// The corpus passes `secctx check`, case by case.
#[test]
fn check_passes_on_the_whole_corpus() {
    let dir = vectors_dir(&repo_root().join("tests/vectors"));
    let cases = load_dir(&dir).unwrap_or_else(|e| panic!("cannot read the corpus: {e}"));
    let out = cmd().arg("check").arg(&dir).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("PASS ")).count(), cases.len());
    assert!(text.ends_with(&format!("{} passed, 0 failed\n", cases.len())), "{text}");
}
