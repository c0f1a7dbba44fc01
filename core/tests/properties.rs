//! Property tests: invariants that must hold for every input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use secctx::{Config, Identity, IpText, Reason, Request, Resolver, parse_address};

/// Text that looks like what headers carry, with the characters that matter to the parsers.
fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-fA-F:.,\\[\\]% \t\";=_x-]{0,60}",
        "\\PC{0,40}",
        proptest::collection::vec(address_text(), 0..6).prop_map(|v| v.join(", ")),
    ]
}

fn address_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<Ipv4Addr>().prop_map(|a| a.to_string()),
        any::<Ipv6Addr>().prop_map(|a| a.to_string()),
        (any::<Ipv4Addr>(), any::<u16>()).prop_map(|(a, p)| format!("{a}:{p}")),
        (any::<Ipv6Addr>(), any::<u16>()).prop_map(|(a, p)| format!("[{a}]:{p}")),
        (0u8..4, 0u8..=255).prop_map(|(a, b)| format!("10.{a}.0.{b}")),
        Just("unknown".to_string()),
        Just(String::new()),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("X-Forwarded-For".to_string()),
        Just("x-forwarded-for".to_string()),
        Just("Forwarded".to_string()),
        Just("X-Real-IP".to_string()),
        Just("User-Agent".to_string()),
        Just("X-Azure-FDID".to_string()),
        Just("X-MS-CLIENT-PRINCIPAL".to_string()),
        Just("X-MS-CLIENT-PRINCIPAL-ID".to_string()),
        Just("X-MS-CLIENT-PRINCIPAL-IDP".to_string()),
        "[A-Za-z-]{1,12}",
    ]
}

fn configs() -> Vec<Resolver> {
    [
        r#"{}"#,
        r#"{"trusted_proxies": ["10.0.0.0/8", "loopback"]}"#,
        r#"{"trusted_proxies": ["10.0.0.0/8", "fd00::/8"], "forwarded_header": "Forwarded", "max_hops": 3}"#,
        r#"{"trusted_proxies": ["0.0.0.0/0", "::/0"], "client_ip_header": "X-Real-IP"}"#,
        r#"{"trusted_proxies": ["private"], "trust_easy_auth": true, "application_name": "a\"b"}"#,
        r#"{"preset": "azure_front_door", "front_door_id": "8f2b7e1c-3d4a-4f6b-9c1d-2e3f4a5b6c7d"}"#,
    ]
    .iter()
    .map(|c| Resolver::from_json(c).unwrap())
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Every rendering is valid JSON whatever the request and identity.
    #[test]
    fn output_is_always_valid_json(
        peer in proptest::option::of(header_text()),
        headers in proptest::collection::vec((header_name(), header_text()), 0..8),
        id in proptest::option::of("\\PC{0,12}"),
        app in proptest::option::of("\\PC{0,12}"),
        which in 0usize..6,
    ) {
        let resolver = &configs()[which];
        let identity = Identity { end_user_id: id.as_deref(), end_user_id_type: Some("aad"), application_name: app.as_deref(), ..Identity::default() };
        let ctx = resolver
            .resolve(Request::new(peer.as_deref(), headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))), &identity)
            .unwrap();
        let usc: serde_json::Value = serde_json::from_str(&ctx.user_security_context_json()).unwrap();
        prop_assert!(usc.is_object());
        let legacy: serde_json::Value = serde_json::from_str(&ctx.legacy_user_json().unwrap()).unwrap();
        prop_assert!(legacy.is_object());
        for v in ["v1", "2024-10-21"] {
            let fields: serde_json::Value = serde_json::from_str(&ctx.body_fields_for_api_version(v).unwrap().to_json()).unwrap();
            prop_assert!(fields.is_object());
        }
        let record: serde_json::Value = serde_json::to_value(&ctx).unwrap();
        prop_assert!(record.is_object());
    }

    /// A canonical address parses back to itself, in every accepted wrapping.
    #[test]
    fn canonical_addresses_round_trip(ip in any::<IpAddr>(), port in any::<u16>()) {
        let canonical = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        prop_assume!(!canonical.is_unspecified());
        let text = canonical.to_string();
        prop_assert_eq!(parse_address(&text), Some(canonical));
        prop_assert_eq!(parse_address(&text).unwrap().to_string(), text.clone());
        let wrapped = match canonical {
            IpAddr::V4(_) => format!("{text}:{port}"),
            IpAddr::V6(_) => format!("[{text}]:{port}"),
        };
        prop_assert_eq!(parse_address(&wrapped), Some(canonical));
        prop_assert_eq!(parse_address(&ip.to_string()), Some(canonical));
    }

    /// `IpText` writes exactly what `Display` writes, for any address (and mapped forms).
    #[test]
    fn ip_text_is_display(ip in any::<IpAddr>(), v4 in any::<Ipv4Addr>()) {
        prop_assert_eq!(IpText::new(ip).to_string(), ip.to_string());
        let mapped = IpAddr::V6(v4.to_ipv6_mapped());
        prop_assert_eq!(IpText::new(mapped).to_string(), mapped.to_string());
        let widest = IpAddr::V6(Ipv6Addr::new(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff));
        prop_assert_eq!(IpText::new(widest).to_string(), widest.to_string());
    }

    /// The strict IPv4 reader agrees with the standard library's on any short text.
    #[test]
    fn ipv4_reader_agrees_with_std(s in "[0-9.]{0,16}") {
        let ours = parse_address(&s);
        let std: Option<IpAddr> = s.parse::<Ipv4Addr>().ok().filter(|a| !a.is_unspecified()).map(IpAddr::V4);
        prop_assert_eq!(ours, std);
    }

    /// The walk never returns a trusted address unless every entry is trusted.
    #[test]
    fn walk_never_returns_a_trusted_entry_unless_all_are(
        entries in proptest::collection::vec(
            prop_oneof![
                (0u8..=255).prop_map(|b| format!("10.0.0.{b}")),
                (0u8..=255).prop_map(|b| format!("203.0.113.{b}")),
                (0u8..=255).prop_map(|b| format!("[fd00::{b:x}]:80")),
                Just("garbage".to_string()),
            ],
            1..30,
        ),
        split in 0usize..30,
        max_hops in 1u32..40,
    ) {
        let config = Config::builder().trusted_proxies(["10.0.0.0/8", "fd00::/8"]).max_hops(max_hops).build().unwrap();
        let resolver = Resolver::new(&config);
        // The chain may arrive in two header lines.
        let split = split.min(entries.len());
        let (a, b) = entries.split_at(split);
        let mut headers = Vec::new();
        if !a.is_empty() { headers.push(("X-Forwarded-For", a.join(", "))); }
        if !b.is_empty() { headers.push(("X-Forwarded-For", b.join(", "))); }
        let ctx = resolver
            .resolve(Request::new("10.9.9.9", headers.iter().map(|(n, v)| (*n, v.as_str()))), &Identity::new())
            .unwrap();
        if let Some(ip) = ctx.source_ip() {
            let trusted = matches!(ip, IpAddr::V4(v4) if v4.octets()[0] == 10)
                || matches!(ip, IpAddr::V6(v6) if v6.segments()[0] & 0xff00 == 0xfd00);
            if trusted {
                prop_assert!(matches!(ctx.reason(), Reason::AllTrusted { .. }), "{:?} {:?}", ctx.reason(), entries);
                prop_assert!(entries.iter().all(|e| !e.starts_with("203.") && e != "garbage"));
            }
        }
    }

    /// Dropping the headers a resolver does not read changes nothing.
    #[test]
    fn headers_not_read_do_not_matter(
        headers in proptest::collection::vec((header_name(), header_text()), 0..10),
        which in 0usize..6,
    ) {
        let resolver = &configs()[which];
        let all = resolver.resolve(Request::new("10.0.0.1", headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))), &Identity::new()).unwrap();
        let kept = resolver
            .resolve(
                Request::new("10.0.0.1", headers.iter().filter(|(n, _)| resolver.reads_header(n)).map(|(n, v)| (n.as_str(), v.as_str()))),
                &Identity::new(),
            )
            .unwrap();
        prop_assert_eq!(all, kept);
    }

    /// Nothing panics on arbitrary bytes: configuration, peer, header names and values.
    #[test]
    fn never_panics_on_arbitrary_bytes(
        config in proptest::collection::vec(any::<u8>(), 0..80),
        peer in proptest::collection::vec(any::<u8>(), 0..40),
        headers in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..20), proptest::collection::vec(any::<u8>(), 0..80)), 0..6),
        which in 0usize..6,
    ) {
        let _ = Config::from_json(&String::from_utf8_lossy(&config));
        let peer = String::from_utf8_lossy(&peer).into_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        let mut all = headers.clone();
        for (name, _) in &headers {
            all.push(("X-Forwarded-For".into(), name.clone()));
            all.push(("Forwarded".into(), name.clone()));
        }
        let resolver = &configs()[which];
        let ctx = resolver.resolve(Request::new(peer.as_str(), all.iter().map(|(n, v)| (n.as_str(), v.as_str()))), &Identity::new()).unwrap();
        let _ = ctx.legacy_user_json();
        let _ = resolver.explain(Request::new(peer.as_str(), all.iter().map(|(n, v)| (n.as_str(), v.as_str()))), &Identity::new()).unwrap();
    }
}
