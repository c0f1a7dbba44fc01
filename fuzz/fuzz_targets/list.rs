//! The comma-separated address-list parser (X-Forwarded-For), through a resolver that trusts every address so the walk
//! visits every entry.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secctx::{Identity, Request, Resolver};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static RESOLVER: Resolver = Resolver::from_json(
            r#"{"trusted_proxies": ["0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"], "max_hops": 100000}"#,
        ).unwrap();
    }
    let value = String::from_utf8_lossy(data);
    // Also split into two header lines at the first newline, if any.
    let (a, b) = value.split_once('\n').unwrap_or((&value, ""));
    RESOLVER.with(|r| {
        let ctx = r.resolve(Request::new("10.0.0.1", [("X-Forwarded-For", a), ("x-forwarded-for", b)]), &Identity::new()).unwrap();
        common::check(&ctx);
        let one = r.resolve(Request::new("10.0.0.1", [("X-Forwarded-For", &*value)]), &Identity::new()).unwrap();
        common::check(&one);
    });
});
