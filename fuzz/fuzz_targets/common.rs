// Shared invariants for the fuzz targets.
use secctx::{SecurityContext, parse_address};

/// Every address the library returns is canonical, and every rendering is valid JSON.
pub fn check(ctx: &SecurityContext) {
    for ip in [ctx.source_ip(), ctx.peer()].into_iter().flatten() {
        let text = ip.to_string();
        assert_eq!(parse_address(&text), Some(ip), "not canonical: {text}");
    }
    let usc: serde_json::Value = serde_json::from_str(&ctx.user_security_context_json()).expect("valid JSON");
    assert!(usc.is_object());
    if let Ok(doc) = ctx.legacy_user_json() {
        let legacy: serde_json::Value = serde_json::from_str(&doc).expect("valid JSON");
        assert!(legacy.is_object());
    }
}
