//! The conformance-vector format of SPEC section 7: reading cases, evaluating them with this
//! crate, and comparing results with a case's `expect`.
//!
//! Every surface runs the same corpus (`tests/vectors/*.json`). This module is the core's
//! runner and the CLI's `eval`/`check`; bindings evaluate cases through their own API and
//! compare with the same rules.
//!
//! ```
//! use secctx::conformance::{evaluate, compare};
//! let case: serde_json::Value = serde_json::from_str(r#"{
//!   "name": "untrusted peer is the client",
//!   "config": {},
//!   "request": {"peer": "203.0.113.9:4000", "headers": [["X-Forwarded-For", "1.1.1.1"]]},
//!   "expect": {"user_security_context": {"source_ip": "203.0.113.9"}}
//! }"#).unwrap();
//! let got = evaluate(&case).unwrap();
//! assert_eq!(got["user_security_context"]["source_ip"], "203.0.113.9");
//! compare(&case["expect"], &got).unwrap();
//! ```

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::{Identity, Request, Resolver};

/// The environment variable naming the corpus directory to run instead of the default.
///
/// ```
/// assert_eq!(secctx::conformance::VECTORS_ENV, "SECCTX_VECTORS");
/// ```
pub const VECTORS_ENV: &str = "SECCTX_VECTORS";

/// The corpus directory: `$SECCTX_VECTORS` when set and non-empty, else `default`.
///
/// ```
/// let dir = secctx::conformance::vectors_dir("tests/vectors".as_ref());
/// assert!(!dir.as_os_str().is_empty());
/// ```
pub fn vectors_dir(default: &Path) -> PathBuf {
    match std::env::var_os(VECTORS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => default.to_path_buf(),
    }
}

/// Reads every `*.json` file of `dir` (sorted by name) into `(file name, case)` pairs. A file
/// holds one case object or an array of them.
///
/// ```no_run
/// let cases = secctx::conformance::load_dir("tests/vectors".as_ref()).unwrap();
/// println!("{} cases", cases.len());
/// ```
pub fn load_dir(dir: &Path) -> Result<Vec<(String, Value)>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no *.json vector files", dir.display()));
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for case in parse_cases(&text).map_err(|e| format!("{}: {e}", file.display()))? {
            out.push((name.clone(), case));
        }
    }
    Ok(out)
}

/// Parses a vector file: one case object, or an array of case objects.
///
/// ```
/// let cases = secctx::conformance::parse_cases(r#"[{"name": "a"}, {"name": "b"}]"#).unwrap();
/// assert_eq!(cases.len(), 2);
/// ```
pub fn parse_cases(text: &str) -> Result<Vec<Value>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let cases = match doc {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return Err("a vector file holds a case object or an array of them".into()),
    };
    for (i, case) in cases.iter().enumerate() {
        if !case.is_object() {
            return Err(format!("case {i} is not an object"));
        }
    }
    Ok(cases)
}

/// Evaluates one case from its `config`, `request` and `identity` and returns an object shaped
/// like SPEC section 7's `expect`, plus `name`. Errors of the library are results
/// (`{"error": "invalid_config"}`); `Err` means the case itself is not well-formed.
///
/// ```
/// let case = serde_json::json!({"name": "bad", "config": {"max_hops": 0}});
/// let got = secctx::conformance::evaluate(&case).unwrap();
/// assert_eq!(got, serde_json::json!({"name": "bad", "error": "invalid_config"}));
/// ```
pub fn evaluate(case: &Value) -> Result<Value, String> {
    let mut out = Map::new();
    if let Some(name) = case.get("name") {
        out.insert("name".into(), name.clone());
    }
    let config = case.get("config").cloned().unwrap_or_else(|| json!({}));
    let request = case.get("request").cloned().unwrap_or_else(|| json!({}));
    let peer = match request.get("peer") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err("request.peer must be a string or null".into()),
    };
    let headers = headers_of(&request)?;
    let identity_value = case.get("identity").cloned().unwrap_or(Value::Null);
    let identity = identity_of(&identity_value)?;

    let resolver = match Resolver::from_json(&config.to_string()) {
        Ok(r) => r,
        Err(e) => {
            out.insert("error".into(), e.kind().as_str().into());
            return Ok(Value::Object(out));
        }
    };
    let ctx = match resolver.resolve(Request::new(peer, headers.iter().map(|(n, v)| (*n, *v))), &identity) {
        Ok(ctx) => ctx,
        Err(e) => {
            out.insert("error".into(), e.kind().as_str().into());
            return Ok(Value::Object(out));
        }
    };
    let usc: Value = serde_json::from_str(&ctx.user_security_context_json()).map_err(|e| e.to_string())?;
    out.insert("user_security_context".into(), usc);
    match ctx.legacy_user_json() {
        Ok(doc) => {
            out.insert("user".into(), serde_json::from_str(&doc).map_err(|e| e.to_string())?);
        }
        Err(e) => {
            out.insert("user_error".into(), e.kind().as_str().into());
        }
    }
    Ok(Value::Object(out))
}

fn headers_of(request: &Value) -> Result<Vec<(&str, &str)>, String> {
    let Some(list) = request.get("headers") else { return Ok(Vec::new()) };
    let items = list.as_array().ok_or("request.headers must be an array of [name, value] pairs")?;
    items
        .iter()
        .enumerate()
        .map(|(i, pair)| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.as_str(), v.as_str())),
            _ => Err(format!("request.headers[{i}] must be a [name, value] pair of strings")),
        })
        .collect()
}

fn identity_of(value: &Value) -> Result<Identity<'_>, String> {
    let obj = match value {
        Value::Null => return Ok(Identity::new()),
        Value::Object(obj) => obj,
        _ => return Err("identity must be an object".into()),
    };
    let field = |key: &str| -> Result<Option<&str>, String> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("identity.{key} must be a string")),
        }
    };
    for key in obj.keys() {
        if !matches!(key.as_str(), "end_user_id" | "end_user_id_type" | "end_user_tenant_id" | "application_name") {
            return Err(format!("identity.{key} is not an identity key"));
        }
    }
    Ok(Identity {
        end_user_id: field("end_user_id")?,
        end_user_id_type: field("end_user_id_type")?,
        end_user_tenant_id: field("end_user_tenant_id")?,
        application_name: field("application_name")?,
    })
}

/// Compares a result (from [`evaluate`] or any surface) with a case's `expect`, by SPEC section 7:
/// objects compare as JSON values; `user`/`user_error` are compared when `expect` gives them;
/// an `expect` holding only `error` requires that error and nothing else.
///
/// ```
/// use serde_json::json;
/// use secctx::conformance::compare;
/// let expect = json!({"user_security_context": {"source_ip": "192.0.2.1"}});
/// assert!(compare(&expect, &json!({"user_security_context": {"source_ip": "192.0.2.1"}, "user": {}})).is_ok());
/// assert!(compare(&expect, &json!({"user_security_context": {}})).is_err());
/// ```
pub fn compare(expect: &Value, got: &Value) -> Result<(), String> {
    let mut problems = Vec::new();
    if let Some(err) = expect.get("error") {
        if got.get("error") != Some(err) {
            problems.push(format!("expected error {err}, got {}", summary(got)));
        }
    } else {
        for key in ["user_security_context", "user", "user_error"] {
            let want = expect.get(key);
            if (key == "user_security_context" || want.is_some()) && got.get(key) != want {
                problems.push(format!(
                    "{key}: expected {}, got {}",
                    want.map_or("nothing".to_string(), Value::to_string),
                    got.get(key).map_or_else(|| summary(got), Value::to_string)
                ));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

fn summary(got: &Value) -> String {
    match got.get("error") {
        Some(e) => format!("error {e}"),
        None => "no error".into(),
    }
}
