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

/// `ContextValues` (what the Go and .NET bindings keep) renders every form exactly as the
/// context does, over the whole corpus.
#[test]
fn context_values_render_like_the_context() {
    use secctx::{ContextValues, Identity, IpText, Request, Resolver};
    use serde_json::Value;

    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let cases = load_dir(&vectors_dir(&default)).unwrap_or_else(|e| panic!("cannot read the corpus: {e}"));
    fn text(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str)
    }
    let mut compared = 0;
    for (file, case) in &cases {
        let name = format!("{file}: {}", text(case.get("name")).unwrap_or("<unnamed>"));
        let config = case.get("config").map_or("{}".to_string(), Value::to_string);
        let Ok(resolver) = Resolver::from_json(&config) else { continue };
        let request = case.get("request");
        let peer = text(request.and_then(|r| r.get("peer")));
        let headers: Vec<(&str, &str)> = request
            .and_then(|r| r.get("headers"))
            .and_then(Value::as_array)
            .map(|pairs| pairs.iter().filter_map(|p| Some((p.get(0)?.as_str()?, p.get(1)?.as_str()?))).collect())
            .unwrap_or_default();
        let id = case.get("identity");
        let field = |key: &str| text(id.and_then(|i| i.get(key)));
        let identity = Identity {
            end_user_id: field("end_user_id"),
            end_user_id_type: field("end_user_id_type"),
            end_user_tenant_id: field("end_user_tenant_id"),
            application_name: field("application_name"),
        };
        let Ok(ctx) = resolver.resolve(Request::new(peer, headers), &identity) else { continue };

        let source_ip = ctx.source_ip().map(IpText::new);
        let peer = ctx.peer().map(IpText::new);
        let reason_text = ctx.reason().to_string();
        let note_text = ctx.easy_auth_note().map(|n| n.to_string());
        let values = ContextValues {
            application_name: ctx.application_name(),
            end_user_id: ctx.end_user_id(),
            end_user_id_type: ctx.end_user_id_type().map(|t| t.as_str()),
            end_user_tenant_id: ctx.end_user_tenant_id(),
            source_ip: source_ip.as_deref(),
            peer: peer.as_deref(),
            source_request_headers: ctx.source_request_headers().collect(),
            reason_code: ctx.reason().code(),
            reason_hop: ctx.reason().hop(),
            reason_text: &reason_text,
            identity_source: ctx.identity_source().code(),
            easy_auth_note: ctx.easy_auth_note().map(|n| n.code()).zip(note_text.as_deref()),
        };
        assert_eq!(values.user_security_context_json(), ctx.user_security_context_json(), "{name}");
        assert_eq!(values.record_json(), serde_json::to_string(&ctx).unwrap(), "{name}");
        match (values.legacy_user_json(), ctx.legacy_user_json()) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}"),
            (Err(a), Err(b)) => assert_eq!((a.kind(), a.message()), (b.kind(), b.message()), "{name}"),
            (a, b) => panic!("{name}: {a:?} vs {b:?}"),
        }
        for version in ["v1", "2024-12-01-preview", "2024-10-21", "2024-11-01-preview", "nonsense"] {
            match (values.body_fields_for_api_version(version), ctx.body_fields_for_api_version(version)) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{name} {version}"),
                (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{name} {version}"),
                (a, b) => panic!("{name} {version}: {a:?} vs {b:?}"),
            }
        }
        compared += 1;
    }
    assert!(compared > 500, "only {compared} cases resolved");
}
