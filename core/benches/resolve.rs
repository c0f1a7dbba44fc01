//! Core benchmarks: `cargo bench -p secctx --bench resolve`. Figures in docs/BENCHMARKS.md.
//!
//! - `typical`: a peer, a 3-entry X-Forwarded-For, a Forwarded, a User-Agent and 8 other
//!   ordinary headers; resolve and render both forms.
//! - `xff_64k` / `forwarded_64k`: a 64 KiB chain header (the largest that is read), walked to its
//!   leftmost entry (every entry trusted, `max_hops` large enough), and rendered.

use divan::{Bencher, black_box};
use secctx::{Identity, Request, Resolver};

fn main() {
    divan::main();
}

const TYPICAL: [(&str, &str); 13] = [
    ("Host", "chat.contoso.example"),
    (
        "User-Agent",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    ),
    ("Accept", "text/event-stream"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Content-Type", "application/json"),
    ("Content-Length", "512"),
    ("Cookie", "session=abc123; theme=dark"),
    ("Origin", "https://chat.contoso.example"),
    ("Referer", "https://chat.contoso.example/c/42"),
    ("X-Forwarded-For", "198.51.100.23, 203.0.113.7:50123, 10.1.0.5"),
    ("Forwarded", "for=198.51.100.23;proto=https, for=\"203.0.113.7:50123\";proto=https"),
    ("X-Request-Id", "7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"),
];

fn typical_resolver() -> Resolver {
    Resolver::from_json(r#"{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24", "loopback"]}"#)
        .expect("valid config")
}

#[divan::bench]
fn typical(bencher: Bencher) {
    let resolver = typical_resolver();
    let identity = Identity::new().end_user_id("8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10").end_user_id_type("aad");
    bencher.bench_local(|| {
        let ctx = resolver.resolve(Request::new(black_box("10.1.0.4:61000"), black_box(TYPICAL)), &identity).unwrap();
        (ctx.user_security_context_json(), ctx.legacy_user_json().unwrap())
    });
}

#[divan::bench]
fn typical_resolve_only(bencher: Bencher) {
    let resolver = typical_resolver();
    bencher.bench_local(|| {
        resolver.resolve(Request::new(black_box("10.1.0.4:61000"), black_box(TYPICAL)), &Identity::new()).unwrap()
    });
}

fn big_chain(entry: &str) -> String {
    let mut s = String::new();
    while s.len() + entry.len() + 2 <= secctx::MAX_CHAIN_BYTES {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(entry);
    }
    s
}

/// A 64 KiB chain against the typical configuration (default `max_hops` 20): the attacker's
/// best effort against a real deployment.
#[divan::bench(args = ["X-Forwarded-For", "Forwarded"])]
fn chain_64k_default_config(bencher: Bencher, header: &str) {
    let entry = if header == "Forwarded" { "for=\"[2001:db8::5]:443\";proto=https" } else { "10.1.0.5" };
    let chain = big_chain(entry);
    let resolver = Resolver::from_json(&format!(
        r#"{{"trusted_proxies": ["10.1.0.0/24", "2001:db8::/32"], "forwarded_header": "{header}"}}"#
    ))
    .unwrap();
    let headers = [(header, chain.as_str())];
    bencher.bench_local(|| {
        let ctx = resolver.resolve(Request::new(black_box("10.1.0.4"), black_box(headers)), &Identity::new()).unwrap();
        ctx.user_security_context_json()
    });
}

/// The worst case: every entry trusted and `max_hops` large enough to walk all of them.
#[divan::bench]
fn xff_64k(bencher: Bencher) {
    let chain = big_chain("10.1.0.5");
    let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.1.0.0/24"], "max_hops": 100000}"#).unwrap();
    let headers = [("X-Forwarded-For", chain.as_str())];
    bencher.bench_local(|| {
        let ctx = resolver.resolve(Request::new(black_box("10.1.0.4"), black_box(headers)), &Identity::new()).unwrap();
        ctx.user_security_context_json()
    });
}

/// The worst case for `Forwarded`: every element trusted and walked.
#[divan::bench]
fn forwarded_64k(bencher: Bencher) {
    let chain = big_chain("for=\"[2001:db8::5]:443\";proto=https");
    let resolver = Resolver::from_json(
        r#"{"trusted_proxies": ["2001:db8::/32", "10.1.0.0/24"], "forwarded_header": "Forwarded", "max_hops": 100000}"#,
    )
    .unwrap();
    let headers = [("Forwarded", chain.as_str())];
    bencher.bench_local(|| {
        let ctx = resolver.resolve(Request::new(black_box("10.1.0.4"), black_box(headers)), &Identity::new()).unwrap();
        ctx.user_security_context_json()
    });
}

/// The request of the Go and .NET binding benchmarks, after the binding kept only the headers the
/// resolver reads: resolve, render `user_security_context` only.
#[divan::bench]
fn binding_request(bencher: Bencher) {
    let resolver = Resolver::from_json(r#"{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}"#)
        .expect("valid config");
    let headers = [
        ("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
        ("X-Forwarded-For", "6.6.6.6, 203.0.113.7"),
    ];
    let identity = Identity::new()
        .end_user_id("8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10")
        .end_user_id_type("aad")
        .end_user_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47");
    bencher.bench_local(|| {
        let ctx = resolver.resolve(Request::new(black_box("10.1.0.4:61000"), black_box(headers)), &identity).unwrap();
        ctx.user_security_context_json()
    });
}
