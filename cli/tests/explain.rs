//! `secctx explain`: text and JSON, flags and errors.

mod common;

use assert_cmd::Command;
use common::secctx;
use predicates::prelude::*;
use secctx::{Identity, Request, Resolver};
use serde_json::{Value, json};

const CONFIG: &str = r#"{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24", "198.18.0.0/15"]}"#;

/// The simulated chain: the client forged a leftmost entry; a Front Door-like edge (198.18.x)
/// appended the client; Application Gateway (10.1.0.x) appended the edge, with ports.
const CHAIN: [(&str, &str); 4] = [
    ("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123, 198.18.4.20:443"),
    ("User-Agent", "contoso-web/2.1"),
    ("Authorization", "Bearer secret-token"),
    ("Cookie", "s=1"),
];
const PEER: &str = "10.1.0.4:61000";

fn explain(config: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(secctx());
    cmd.env_remove("NO_COLOR").arg("explain").arg("--config").arg(config).args(["--peer", PEER]);
    for (name, value) in CHAIN {
        cmd.arg("-H").arg(format!("{name}: {value}"));
    }
    cmd.args(extra);
    cmd
}

fn config_file() -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), CONFIG).unwrap();
    file
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1, "one JSON line");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn text_output_walks_the_chain_for_people() {
    let config = config_file();
    let out = explain(
        config.path(),
        &["--end-user-id", "u-42", "--end-user-id-type", "AAD", "--api-version", "2025-04-01-preview"],
    )
    .assert()
    .success()
    .stderr("")
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("source_ip  203.0.113.7\n"), "{text}");
    assert!(
        text.contains("[chosen_at_hop] the first untrusted entry from the right, at hop 2, is the client"),
        "{text}"
    );
    assert!(text.contains("10.1.0.4  trusted by trusted_proxies entry 10.1.0.0/24"), "{text}");
    assert!(text.contains("X-Forwarded-For (forwarded_header), walked from the right"), "{text}");
    let hop1 = text.lines().find(|l| l.trim_start().starts_with("hop 1 ")).expect("hop 1 line");
    assert!(hop1.contains("198.18.4.20:443") && hop1.contains("trusted") && hop1.contains("198.18.0.0/15"), "{hop1}");
    let hop2 = text.lines().find(|l| l.trim_start().starts_with("hop 2 ")).expect("hop 2 line");
    assert!(
        hop2.contains("203.0.113.7:50123") && hop2.contains("client") && hop2.contains("address 203.0.113.7"),
        "{hop2}"
    );
    assert!(!text.contains("hop 3"), "the forged entry is never visited");
    assert!(text.contains("source: explicit (passed by the application)"));
    assert!(text.contains("end_user_id_type    AAD"));
    assert!(text.contains("application_name    contoso-chat"));
    assert!(text.contains("forwarded (SourceRequestHeaders): User-Agent, X-Forwarded-For"));
    assert!(text.contains("dropped (credentials, never forwarded): Authorization, Cookie"));
    assert!(
        text.contains(r#"  {"application_name":"contoso-chat","end_user_id":"u-42","source_ip":"203.0.113.7"}"#),
        "{text}"
    );
    assert!(text.contains(r#""SourceIP":"10.1.0.4""#), "{text}");
    assert!(text.contains("request body field for api-version 2025-04-01-preview"));
    assert!(text.contains(r#"{"user_security_context":{"application_name":"contoso-chat","end_user_id":"u-42","source_ip":"203.0.113.7"}}"#));
    assert!(!text.contains("secret-token"), "credentials are never printed");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let config = config_file();
    explain(config.path(), &["--color", "always"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\x1b[32m203.0.113.7\x1b[0m"));
    explain(config.path(), &["--color", "never"]).assert().success().stdout(predicate::str::contains("\x1b").not());
    // auto with NO_COLOR set, and auto on a pipe: plain.
    explain(config.path(), &[]).env("NO_COLOR", "1").assert().success().stdout(predicate::str::contains("\x1b").not());
    explain(config.path(), &["--color", "auto"]).assert().success().stdout(predicate::str::contains("\x1b").not());
}

#[test]
fn json_output_is_the_core_explanation() {
    let config = config_file();
    let got = json_of(&mut explain(
        config.path(),
        &[
            "--json",
            "--end-user-id",
            "u-42",
            "--end-user-id-type",
            "aad",
            "--end-user-tenant-id",
            "t-1",
            "--application-name",
            "per-request",
        ],
    ));

    // The same request through the core directly.
    let resolver = Resolver::from_json(CONFIG).unwrap();
    let identity = Identity::new()
        .end_user_id("u-42")
        .end_user_id_type("aad")
        .end_user_tenant_id("t-1")
        .application_name("per-request");
    let ex = resolver.explain(Request::new(PEER, CHAIN), &identity).unwrap();
    let core = serde_json::to_value(&ex).unwrap();
    for key in ["context", "peer", "peer_trusted_by", "header", "hops", "forwarded_headers", "dropped_headers"] {
        assert_eq!(got[key], core[key], "{key}");
    }
    assert_eq!(got["context"]["source_ip"], "203.0.113.7");
    assert_eq!(got["context"]["reason"]["code"], "chosen_at_hop");
    assert_eq!(got["hops"].as_array().unwrap().len(), 2);
    assert_eq!(got["dropped_headers"], json!(["Authorization", "Cookie"]));
    assert_eq!(got["peer_trusted_by"], "10.1.0.0/24");
    assert_eq!(
        got["user_security_context"],
        serde_json::from_str::<Value>(&ex.context.user_security_context_json()).unwrap()
    );
    assert_eq!(got["user"], serde_json::from_str::<Value>(&ex.context.legacy_user_json().unwrap()).unwrap());
    assert_eq!(got["user_error"], Value::Null);
    assert_eq!(got["config"]["trusted_proxies"], json!(["10.1.0.0/24", "198.18.0.0/15"]));
    assert!(got.get("body_fields").is_none(), "no body field without --api-version");
}

#[test]
fn json_body_field_follows_the_api_version() {
    let config = config_file();
    let current = json_of(&mut explain(config.path(), &["--json", "--api-version", "v1"]));
    assert_eq!(current["api_version"], "v1");
    assert_eq!(
        current["body_fields"],
        json!({"user_security_context": {"application_name": "contoso-chat", "source_ip": "203.0.113.7"}})
    );
    let legacy = json_of(&mut explain(config.path(), &["--json", "--api-version", "2024-10-21"]));
    let user = legacy["body_fields"]["user"].as_str().expect("the legacy field is a string");
    let doc: Value = serde_json::from_str(user).unwrap();
    assert_eq!(doc["SourceIP"], "10.1.0.4");
    assert_eq!(doc["ApplicationName"], "contoso-chat");
    assert_eq!(doc["SourceRequestHeaders"]["X-Forwarded-For"], CHAIN[0].1);
    assert!(doc["SourceRequestHeaders"].get("Authorization").is_none());
}

#[test]
fn json_reports_a_legacy_rendering_error_as_data() {
    let config = config_file();
    let got = json_of(&mut explain(config.path(), &["--json", "--end-user-id", "u-1"]));
    assert_eq!(got["user"], Value::Null);
    assert_eq!(got["user_error"]["code"], "missing_end_user_id_type");
    assert_eq!(got["user_security_context"]["end_user_id"], "u-1");
    // Asking for the legacy body field itself is an error.
    explain(config.path(), &["--end-user-id", "u-1", "--api-version", "2024-10-21"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error[missing_end_user_id_type]: "));
}

#[test]
fn presets_and_defaults() {
    // Defaults: nothing trusted, the peer is the client.
    let got = json_of(Command::new(secctx()).args([
        "explain",
        "--json",
        "--peer",
        "10.0.0.9",
        "-H",
        "X-Forwarded-For: 1.2.3.4",
    ]));
    assert_eq!(got["context"]["source_ip"], "10.0.0.9");
    assert_eq!(got["context"]["reason"]["code"], "peer_untrusted");
    assert_eq!(got["hops"], json!([]));

    // No peer at all.
    Command::new(secctx())
        .arg("explain")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("source_ip  (absent)\n").and(predicate::str::contains("no --peer given")));
    Command::new(secctx())
        .args(["explain", "--peer", "not-an-ip"])
        .assert()
        .success()
        .stdout(predicate::str::contains(r#"unknown: "not-an-ip" is not an IP address"#));

    let got = json_of(Command::new(secctx()).args([
        "explain",
        "--json",
        "--preset",
        "sidecar",
        "--peer",
        "127.0.0.1:5000",
        "-H",
        "X-Forwarded-For: 2001:DB8::9",
    ]));
    assert_eq!(got["context"]["source_ip"], "2001:db8::9");
    assert_eq!(got["peer_trusted_by"], "loopback");

    let fdid = "0a1b2c3d-0000-4000-8000-000000000001";
    let mut front_door = Command::new(secctx());
    front_door.args(["explain", "--preset", "azure_front_door", "--front-door-id", fdid, "--peer", "10.0.0.5"]);
    front_door.args([
        "-H",
        &format!("X-Azure-FDID: {fdid}"),
        "-H",
        "X-Azure-SocketIP: 203.0.113.99",
        "-H",
        "X-Azure-ClientIP: 6.6.6.6",
    ]);
    front_door.assert().success().stdout(
        predicate::str::starts_with("source_ip  203.0.113.99\n")
            .and(predicate::str::contains("X-Azure-SocketIP (client_ip_header")),
    );
    Command::new(secctx())
        .args(["explain", "--preset", "azure_front_door"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error[invalid_config]: ").and(predicate::str::contains("front_door_id")));
}

#[test]
fn errors_are_typed_and_exit_2() {
    let config = config_file();
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), r#"{"trusted_proxies": ["10.0.0.0/33"]}"#).unwrap();
    let typo = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(typo.path(), r#"{"trusted_proxy": ["10.0.0.0/8"]}"#).unwrap();

    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (vec!["--config".into(), bad.path().display().to_string()], "error[invalid_config]: ", "trusted_proxies[0]"),
        (vec!["--config".into(), typo.path().display().to_string()], "error[invalid_config]: ", "trusted_proxy"),
        (vec!["--config".into(), "/nonexistent/secctx.json".into()], "error[io]: ", "/nonexistent/secctx.json"),
        (vec!["--preset".into(), "cloud-flare".into()], "error[invalid_config]: ", "cloud-flare"),
        (vec!["--end-user-id-type".into(), "github".into()], "error[invalid_identity]: ", "github"),
        (vec!["--api-version".into(), "2024-02-30".into()], "error[invalid_api_version]: ", "2024-02-30"),
        (vec!["-H".into(), "X-Forwarded-For 1.2.3.4".into()], "error[invalid_header]: ", "no ':'"),
        (vec!["-H".into(), "Bad Name: x".into()], "error[invalid_header]: ", "HTTP token"),
    ];
    for (args, prefix, mentions) in cases {
        Command::new(secctx())
            .arg("explain")
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(prefix).and(predicate::str::contains(mentions)));
    }
    // --config and --preset together: a usage error.
    Command::new(secctx())
        .arg("explain")
        .arg("--config")
        .arg(config.path())
        .args(["--preset", "sidecar"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn top_level_usage() {
    Command::new(secctx()).arg("--version").assert().success().stdout(format!("secctx {}\n", secctx::VERSION));
    Command::new(secctx())
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognized subcommand"));
    Command::new(secctx()).assert().code(2).stderr(predicate::str::contains("Usage"));
    Command::new(secctx()).arg("--help").assert().success().stdout(
        predicate::str::contains("eval")
            .and(predicate::str::contains("check"))
            .and(predicate::str::contains("explain"))
            .and(predicate::str::contains("mock")),
    );
}
