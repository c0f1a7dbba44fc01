//! `secctx mock` driven by a real HTTP client over loopback.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use common::{Mock, agent, secctx};
use serde_json::{Value, json};

const DEPLOYMENT_PATH: &str = "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2025-04-01-preview";

fn post(mock: &Mock, path_and_query: &str, body: &str) -> (u16, String, String) {
    let mut resp = agent()
        .post(&mock.url(path_and_query))
        .header("content-type", "application/json")
        .header("api-key", "secret-key-123")
        .send(body)
        .expect("POST");
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let text = resp.body_mut().read_to_string().expect("body");
    (status, ctype, text)
}

fn codes(record: &Value) -> Vec<String> {
    let mut codes: Vec<String> = record["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();
    codes
}

#[test]
fn ready_with_port_file_and_log_line() {
    let mock = Mock::start();
    // Readiness is a benchmark matter; this bound only catches a mock that hangs at start.
    eprintln!("mock ready after {} ms", mock.ready_after.as_millis());
    assert!(mock.ready_after < Duration::from_secs(2), "ready after {:?}", mock.ready_after);
    let (host, port) = mock.addr.rsplit_once(':').expect("host:port");
    assert_eq!(host, "127.0.0.1");
    assert!(port.parse::<u16>().expect("port") > 0);
    // The log line is written right after the port file.
    let mut waited = 0;
    while !mock.stderr().contains("listening on") && waited < 200 {
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    assert!(mock.stderr().contains(&format!("listening on http://{}", mock.addr)), "{}", mock.stderr());
}

#[test]
fn answers_a_chat_completion_on_all_three_paths_and_records_them() {
    let mock = Mock::start();
    let paths = [DEPLOYMENT_PATH, "/openai/v1/chat/completions?api-version=preview", "/v1/chat/completions"];
    for (i, path) in paths.iter().enumerate() {
        let body = json!({
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": format!("hello number {i}")}],
            "user_security_context": {"application_name": "tests", "end_user_id": format!("user-{i}"), "source_ip": "203.0.113.7"}
        });
        let (status, ctype, text) = post(&mock, path, &body.to_string());
        assert_eq!(status, 200, "{path}: {text}");
        assert_eq!(ctype, "application/json");
        let reply: Value = serde_json::from_str(&text).expect("reply is JSON");
        assert_eq!(reply["object"], "chat.completion");
        assert!(reply["id"].as_str().expect("id").starts_with("chatcmpl-"));
        assert!(reply["created"].as_u64().expect("created") > 1_600_000_000);
        assert_eq!(reply["model"], "gpt-4o-mini");
        assert_eq!(reply["choices"][0]["index"], 0);
        assert_eq!(reply["choices"][0]["message"]["role"], "assistant");
        assert!(!reply["choices"][0]["message"]["content"].as_str().expect("content").is_empty());
        assert_eq!(reply["choices"][0]["finish_reason"], "stop");
        let usage = &reply["usage"];
        assert_eq!(
            usage["total_tokens"].as_u64(),
            Some(usage["prompt_tokens"].as_u64().unwrap() + usage["completion_tokens"].as_u64().unwrap())
        );
    }

    let records = mock.records();
    assert_eq!(records.len(), 3);
    let expect_meta = [
        ("/openai/deployments/gpt-4o-mini/chat/completions", json!("2025-04-01-preview"), json!("gpt-4o-mini")),
        ("/openai/v1/chat/completions", json!("preview"), Value::Null),
        ("/v1/chat/completions", Value::Null, Value::Null),
    ];
    for (i, (record, (path, version, deployment))) in records.iter().zip(expect_meta).enumerate() {
        assert_eq!(record["method"], "POST");
        assert_eq!(record["path"], path);
        assert_eq!(record["api_version"], version);
        assert_eq!(record["deployment"], deployment);
        assert_eq!(record["body"]["messages"][0]["content"], format!("hello number {i}"));
        assert_eq!(
            record["user_security_context"],
            json!({"application_name": "tests", "end_user_id": format!("user-{i}"), "source_ip": "203.0.113.7"})
        );
        assert_eq!(record["user"], Value::Null);
        assert_eq!(record["findings"], json!([]), "a well-formed context has no findings");
        assert_eq!(record["headers"]["api-key"], "<redacted>");
        assert_eq!(record["headers"]["content-type"], "application/json");
    }
    let log = mock.stderr();
    assert!(log.contains(r#"user_security_context={"application_name":"tests","end_user_id":"user-0""#), "{log}");
    assert_eq!(log.lines().filter(|l| l.contains(" POST ")).count(), 3, "one log line per request:\n{log}");
}

/// Parses an SSE body into its `data:` payloads.
fn sse_events(text: &str) -> Vec<String> {
    assert!(text.ends_with("\n\n"), "events end with a blank line");
    text.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| e.strip_prefix("data: ").unwrap_or_else(|| panic!("not a data event: {e:?}")).to_string())
        .collect()
}

#[test]
fn streams_server_sent_events_when_asked() {
    let mock = Mock::start();
    for (path, include_usage) in [(DEPLOYMENT_PATH, true), ("/v1/chat/completions", false)] {
        let body = json!({
            "messages": [{"role": "user", "content": "stream please"}],
            "stream": true,
            "stream_options": {"include_usage": include_usage},
            "user_security_context": {"source_ip": "198.51.100.4"}
        });
        let mut resp = agent().post(&mock.url(path)).send(body.to_string()).expect("POST");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("content-type").unwrap(), "text/event-stream");
        let text = resp.body_mut().read_to_string().expect("stream body");
        let events = sse_events(&text);
        assert_eq!(events.last().map(String::as_str), Some("[DONE]"));
        let chunks: Vec<Value> =
            events[..events.len() - 1].iter().map(|e| serde_json::from_str(e).expect("chunk JSON")).collect();
        assert!(chunks.len() >= 3);
        assert!(chunks.iter().all(|c| c["object"] == "chat.completion.chunk"));
        let id = &chunks[0]["id"];
        assert!(chunks.iter().all(|c| &c["id"] == id), "one id for the whole stream");
        assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
        let content: String =
            chunks.iter().filter_map(|c| c["choices"][0]["delta"]["content"].as_str()).collect::<Vec<_>>().concat();
        assert!(content.starts_with("Hello from the secctx mock"), "{content}");
        let finished: Vec<&Value> = chunks.iter().filter(|c| c["choices"][0]["finish_reason"] == "stop").collect();
        assert_eq!(finished.len(), 1);
        let usage_chunks: Vec<&Value> = chunks.iter().filter(|c| c.get("usage").is_some()).collect();
        if include_usage {
            assert_eq!(usage_chunks.len(), 1);
            assert_eq!(usage_chunks[0]["choices"], json!([]));
            assert!(usage_chunks[0]["usage"]["total_tokens"].as_u64().unwrap() > 0);
        } else {
            assert!(usage_chunks.is_empty());
        }
    }
    let records = mock.records();
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r["body"]["stream"] == true));
    assert_eq!(records[0]["user_security_context"]["source_ip"], "198.51.100.4");
}

#[test]
fn records_findings_without_failing_the_request() {
    let mock = Mock::start();
    let cases = [
        (
            "/openai/deployments/d/chat/completions?api-version=2024-10-21",
            json!({"messages": [], "user_security_context": {"source_ip": "203.0.113.7"}}),
            vec!["context_not_supported_by_api_version"],
        ),
        (
            DEPLOYMENT_PATH,
            json!({"messages": [], "user_security_context": {"SourceIp": "203.0.113.7", "end_user_id": 7, "application_name": "", "end_user_tenant_id": null, "team": "x"}}),
            vec!["empty_value", "misspelled_key", "null_value", "unknown_key", "wrong_type"],
        ),
        (
            DEPLOYMENT_PATH,
            json!({"messages": [], "user_security_context": {"source_ip": "203.0.113.7:443"}}),
            vec!["invalid_source_ip"],
        ),
        (
            DEPLOYMENT_PATH,
            json!({"messages": [], "user_security_context": "203.0.113.7"}),
            vec!["user_security_context_not_object"],
        ),
        (
            "/openai/deployments/d/chat/completions?api-version=2024-10-21",
            json!({"messages": [], "user": r#"{"EndUserId":"u1","SourceIp":"10.0.0.1","Region":"eu"}"#}),
            vec!["legacy_missing_end_user_id_type", "legacy_misspelled_key", "legacy_unknown_key"],
        ),
        ("/v1/chat/completions", json!({"messages": [], "user": "alice"}), vec!["user_not_security_document"]),
        ("/v1/chat/completions", json!({"messages": [], "user": "{EndUserId: u1}"}), vec!["legacy_user_not_json"]),
        (
            "/openai/deployments/d/chat/completions?api-version=someday",
            json!({"messages": []}),
            vec!["invalid_api_version"],
        ),
    ];
    for (path, body, _) in &cases {
        let (status, _, text) = post(&mock, path, &body.to_string());
        assert_eq!(status, 200, "a finding never fails the request: {text}");
    }
    let records = mock.records();
    assert_eq!(records.len(), cases.len());
    for (record, (path, body, want)) in records.iter().zip(&cases) {
        assert_eq!(&record["body"], body, "{path}");
        assert_eq!(codes(record), *want, "{path}: {}", record["findings"]);
        for finding in record["findings"].as_array().unwrap() {
            assert!(!finding["message"].as_str().unwrap().is_empty());
        }
    }
    assert_eq!(records[4]["user"], cases[4].1["user"]);
    assert!(mock.stderr().contains("findings=context_not_supported_by_api_version"), "{}", mock.stderr());
}

#[test]
fn redacts_secrets_and_joins_repeated_headers() {
    let mock = Mock::start();
    let mut resp = agent()
        .post(&mock.url("/v1/chat/completions"))
        .header("Authorization", "Bearer sk-very-secret")
        .header("Cookie", "session=abc")
        .header("X-Trace", "one")
        .header("X-Trace", "two")
        .send(r#"{"messages": []}"#)
        .expect("POST");
    assert_eq!(resp.status(), 200);
    let _ = resp.body_mut().read_to_string();
    let records = mock.records();
    let headers = &records[0]["headers"];
    assert_eq!(headers["authorization"], "<redacted>");
    assert_eq!(headers["cookie"], "<redacted>");
    assert_eq!(headers["x-trace"], "one, two");
    let all = records[0].to_string();
    assert!(!all.contains("sk-very-secret") && !all.contains("session=abc"), "{all}");
    assert!(!mock.stderr().contains("sk-very-secret"));
}

#[test]
fn delete_clears_the_records() {
    let mock = Mock::start();
    for _ in 0..2 {
        assert_eq!(post(&mock, "/v1/chat/completions", r#"{"messages": []}"#).0, 200);
    }
    assert_eq!(mock.records().len(), 2);
    let mut resp = agent().delete(&mock.url("/_secctx/requests")).call().expect("DELETE");
    assert_eq!(resp.status(), 200);
    let answer: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(answer, json!({"cleared": 2}));
    assert!(mock.records().is_empty());
    assert_eq!(post(&mock, "/v1/chat/completions", r#"{"messages": []}"#).0, 200);
    assert_eq!(mock.records().len(), 1);
}

#[test]
fn rejects_what_it_does_not_serve() {
    let mock = Mock::start();
    // Not JSON: 400 with a JSON error, and still recorded.
    let (status, ctype, text) = post(&mock, "/v1/chat/completions", "model=gpt-4o&messages=hi");
    assert_eq!(status, 400);
    assert_eq!(ctype, "application/json");
    let err: Value = serde_json::from_str(&text).expect("JSON error");
    assert_eq!(err["error"]["code"], "invalid_request");
    let records = mock.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["body"], Value::Null);
    assert_eq!(codes(&records[0]), ["body_not_json"]);

    // JSON but not an object: 400, recorded.
    assert_eq!(post(&mock, "/v1/chat/completions", "[1, 2]").0, 400);
    assert_eq!(codes(&mock.records()[1]), ["body_not_object"]);

    // Unknown paths: 404 JSON.
    for path in ["/", "/openai/deployments//chat/completions", "/v1/completions", "/openai/deployments/d/embeddings"] {
        let (status, ctype, text) = post(&mock, path, "{}");
        assert_eq!(status, 404, "{path}");
        assert_eq!(ctype, "application/json");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"]["code"], "not_found");
    }

    // Wrong methods: 405 with Allow.
    let resp = agent().get(&mock.url("/v1/chat/completions")).call().expect("GET");
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers().get("allow").unwrap(), "POST");
    let resp = agent().put(&mock.url("/_secctx/requests")).send("").expect("PUT");
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers().get("allow").unwrap(), "GET, DELETE");

    // Nothing but the two chat POSTs was recorded.
    assert_eq!(mock.records().len(), 2);
}

#[test]
fn serves_sixteen_concurrent_clients() {
    let mock = Mock::start();
    const CLIENTS: usize = 16;
    const EACH: usize = 8;
    std::thread::scope(|s| {
        for c in 0..CLIENTS {
            let mock = &mock;
            s.spawn(move || {
                let agent = agent();
                for r in 0..EACH {
                    let body = json!({
                        "messages": [{"role": "user", "content": "hi"}],
                        "stream": r % 2 == 1,
                        "user_security_context": {"end_user_id": format!("client-{c}-request-{r}")}
                    });
                    let mut resp = agent.post(&mock.url(DEPLOYMENT_PATH)).send(body.to_string()).expect("POST");
                    assert_eq!(resp.status(), 200);
                    let text = resp.body_mut().read_to_string().expect("body");
                    if r % 2 == 1 {
                        assert!(text.ends_with("data: [DONE]\n\n"));
                    } else {
                        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["object"], "chat.completion");
                    }
                }
            });
        }
    });
    let records = mock.records();
    assert_eq!(records.len(), CLIENTS * EACH);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in &records {
        *seen.entry(record["user_security_context"]["end_user_id"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(seen.len(), CLIENTS * EACH, "every request recorded exactly once");
    assert!(seen.values().all(|&n| n == 1));
    // Each client's requests are recorded in the order that client sent them.
    for c in 0..CLIENTS {
        let order: Vec<&str> = records
            .iter()
            .filter_map(|r| r["user_security_context"]["end_user_id"].as_str())
            .filter(|id| id.starts_with(&format!("client-{c}-")))
            .collect();
        let want: Vec<String> = (0..EACH).map(|r| format!("client-{c}-request-{r}")).collect();
        assert_eq!(order, want);
    }
}

#[test]
fn refuses_a_non_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.10:8080"] {
        let out = Command::new(secctx())
            .args(["mock", "--listen", listen, "--max-lifetime", "5", "--port-file"])
            .arg(&port_file)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{listen}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error[remote_not_allowed]: "), "{stderr}");
        assert!(stderr.contains("--allow-remote"), "{stderr}");
        assert!(!port_file.exists(), "no port file for a refused address");
    }
    // --allow-remote lets the address through to bind(); a documentation address that is not
    // on this machine then fails to bind (nothing is ever exposed).
    let out = Command::new(secctx())
        .args(["mock", "--listen", "192.0.2.10:8080", "--allow-remote", "--max-lifetime", "5"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error[bind_failed]: "));
}

#[test]
fn rejects_bad_arguments() {
    for (args, code) in [
        (vec!["mock", "--listen", "localhost"], "error[invalid_argument]"),
        (vec!["mock", "--listen", "127.0.0.1:0", "--max-lifetime", "0"], "error[invalid_argument]"),
        (vec!["mock", "--listen", "127.0.0.1:0", "--max-lifetime=-3"], "error[invalid_argument]"),
        (vec!["mock", "--listen", "127.0.0.1:0", "--max-lifetime", "inf"], "error[invalid_argument]"),
    ] {
        let out = Command::new(secctx()).args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(secctx()).args(["mock", "--max-lifetime", "soon"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn max_lifetime_exits_by_itself() {
    let mut mock = Mock::start_with(&["--max-lifetime", "0.5"]);
    let status = mock.wait_exit(Duration::from_secs(20)).expect("the mock exits by itself");
    assert!(status.success(), "{status}");
    assert!(mock.stderr().contains("--max-lifetime reached"), "{}", mock.stderr());
}

#[test]
fn exits_on_sigterm_and_sigint() {
    for signal in ["TERM", "INT"] {
        let mut mock = Mock::start();
        assert_eq!(post(&mock, "/v1/chat/completions", "{}").0, 200);
        let killed = Command::new("sh").arg("-c").arg(format!("kill -{signal} {}", mock.pid())).status().expect("kill");
        assert!(killed.success());
        let status = mock.wait_exit(Duration::from_secs(20)).expect("the mock exits on the signal");
        assert!(status.success(), "SIG{signal}: {status}");
        assert!(mock.stderr().contains(&format!("SIG{signal} received")), "{}", mock.stderr());
    }
}

#[test]
fn refuses_an_oversized_body() {
    let mock = Mock::start();
    let big = format!(r#"{{"messages": [], "pad": "{}"}}"#, "x".repeat(9 * 1024 * 1024));
    let result = agent().post(&mock.url("/v1/chat/completions")).send(big.as_str());
    // The mock answers 413 and may close the connection before the client finished sending.
    if let Ok(resp) = result {
        assert_eq!(resp.status(), 413);
    }
    assert!(mock.records().is_empty(), "an unread body is not recorded");
    assert!(mock.stderr().contains("-> 413 (body not read; not recorded)"), "{}", mock.stderr());
    assert_eq!(post(&mock, "/v1/chat/completions", "{}").0, 200, "still serving");
}
