//! Whole-request resolution: the input is split into a config choice, a peer, identity values
//! and header lines; the invariants of `common::check` must hold and nothing may panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secctx::{Identity, Request, Resolver};

#[path = "common.rs"]
mod common;

const CONFIGS: [&str; 6] = [
    r#"{}"#,
    r#"{"trusted_proxies": ["10.0.0.0/8", "loopback"], "trust_easy_auth": true}"#,
    r#"{"trusted_proxies": ["10.0.0.0/8", "fd00::/8"], "forwarded_header": "Forwarded", "max_hops": 3}"#,
    r#"{"trusted_proxies": ["0.0.0.0/0", "::/0"], "client_ip_header": "X-Real-IP", "request_headers": ["X-Real-IP", "X-Custom"]}"#,
    r#"{"preset": "azure_front_door", "front_door_id": "8f2b7e1c-3d4a-4f6b-9c1d-2e3f4a5b6c7d", "trust_easy_auth": true}"#,
    r#"{"preset": "cloudflare"}"#,
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let peer = lines.next().unwrap_or("");
    let id = lines.next().filter(|s| !s.is_empty());
    let id_type = lines.next().filter(|s| !s.is_empty());
    let headers: Vec<(&str, &str)> = lines.map(|l| l.split_once(':').unwrap_or((l, ""))).collect();
    thread_local! {
        static RESOLVERS: Vec<Resolver> = CONFIGS.iter().map(|c| Resolver::from_json(c).unwrap()).collect();
    }
    RESOLVERS.with(|rs| {
        let r = &rs[usize::from(choice) % rs.len()];
        let identity = Identity { end_user_id: id, end_user_id_type: id_type, ..Identity::default() };
        match r.resolve(Request::new(peer, headers.iter().copied()), &identity) {
            Ok(ctx) => {
                common::check(&ctx);
                let ex = r.explain(Request::new(peer, headers.iter().copied()), &identity).unwrap();
                assert_eq!(ex.context, ctx);
            }
            Err(e) => assert_eq!(e.kind(), secctx::ErrorKind::InvalidIdentity),
        }
    });
});
