//! `secctx mock`: a mock Azure OpenAI endpoint for tests and local development.
//!
//! It answers chat completions (JSON, or SSE when `"stream": true`) on the three paths the
//! official SDKs use, checks every body's `user_security_context` and `user` with
//! `secctx::inspect`, and records each chat request for `GET /_secctx/requests`. It never fails
//! a request because of a finding. See docs/CLI.md for the contract.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Args;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::{CliError, Outcome};

/// The largest request body read; a larger one is answered 413 and not recorded.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The most records kept; beyond it the oldest are dropped.
const MAX_RECORDS: usize = 10_000;
/// The most characters of a value written to the log line.
const MAX_LOG_VALUE: usize = 512;

#[derive(Args, Debug)]
pub struct MockArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: String,
    /// When ready, write `ADDR:PORT` and a newline to this file (atomically: a temporary file,
    /// then a rename). A file already there is removed at start.
    #[arg(long, value_name = "FILE")]
    port_file: Option<PathBuf>,
    /// Exit by itself after this many seconds (tests pass e.g. 300 so nothing outlives them).
    #[arg(long, value_name = "SECONDS")]
    max_lifetime: Option<f64>,
    /// Allow listening on an address that is not loopback (the mock has no authentication).
    #[arg(long)]
    allow_remote: bool,
}

pub fn run(args: &MockArgs) -> Outcome {
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        CliError::new(
            "invalid_argument",
            format!("--listen {:?} is not an address and port (write 127.0.0.1:0 or [::1]:8080)", args.listen),
        )
    })?;
    if !addr.ip().to_canonical().is_loopback() && !args.allow_remote {
        return Err(CliError::new(
            "remote_not_allowed",
            format!(
                "refusing to listen on {addr}: it is not a loopback address and the mock has no authentication; \
                 pass --allow-remote to allow it"
            ),
        ));
    }
    let lifetime = match args.max_lifetime {
        None => None,
        Some(s) if s.is_finite() && s > 0.0 && s <= 1e9 => Some(Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(CliError::new("invalid_argument", format!("--max-lifetime {s}: give a number of seconds > 0")));
        }
    };
    if let Some(file) = &args.port_file {
        match std::fs::remove_file(file) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(CliError::new("io", format!("--port-file {}: {e}", file.display()))),
        }
    }
    let listener = std::net::TcpListener::bind(addr)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| CliError::new("bind_failed", format!("cannot listen on {addr}: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new("io", format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(listener, args.port_file.as_deref(), lifetime))
}

async fn serve(listener: std::net::TcpListener, port_file: Option<&Path>, lifetime: Option<Duration>) -> Outcome {
    let listener = TcpListener::from_std(listener).map_err(|e| CliError::new("io", e.to_string()))?;
    let local = listener.local_addr().map_err(|e| CliError::new("io", e.to_string()))?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(|e| CliError::new("io", e.to_string()))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(|e| CliError::new("io", e.to_string()))?;
    if let Some(file) = port_file {
        write_port_file(file, local)
            .map_err(|e| CliError::new("io", format!("--port-file {}: {e}", file.display())))?;
    }
    eprintln!("listening on http://{local}");

    let state = Arc::new(State::default());
    let expiry = async move {
        match lifetime {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(expiry);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let state = Arc::clone(&state);
                    tokio::spawn(async move {
                        let service = service_fn(move |req| handle(Arc::clone(&state), req));
                        // A client that goes away mid-request is not the mock's problem.
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
                Err(e) => {
                    eprintln!("secctx mock: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = sigterm.recv() => {
                eprintln!("secctx mock: SIGTERM received, exiting");
                break;
            }
            _ = sigint.recv() => {
                eprintln!("secctx mock: SIGINT received, exiting");
                break;
            }
            () = &mut expiry => {
                eprintln!("secctx mock: --max-lifetime reached, exiting");
                break;
            }
        }
    }
    Ok(0)
}

/// Writes `addr\n` to a temporary file beside `path`, then renames it over `path`, so a reader
/// never sees a partial file.
fn write_port_file(path: &Path, addr: SocketAddr) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = path.with_file_name(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, format!("{addr}\n"))?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[derive(Default)]
struct State {
    records: Mutex<VecDeque<Value>>,
    next_id: AtomicU64,
}

impl State {
    fn records(&self) -> std::sync::MutexGuard<'_, VecDeque<Value>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

enum Route {
    Chat { deployment: Option<String> },
    Requests,
    NotFound,
}

fn route(path: &str) -> Route {
    match path {
        "/openai/v1/chat/completions" | "/v1/chat/completions" => Route::Chat { deployment: None },
        "/_secctx/requests" => Route::Requests,
        _ => match path.strip_prefix("/openai/deployments/").and_then(|p| p.strip_suffix("/chat/completions")) {
            Some(d) if !d.is_empty() && !d.contains('/') => Route::Chat { deployment: Some(percent_decode(d)) },
            _ => Route::NotFound,
        },
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Chunks>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = match route(&path) {
        Route::Chat { deployment } if method == Method::POST => return Ok(chat(&state, req, path, deployment).await),
        Route::Chat { .. } => method_not_allowed(&method, &path, "POST"),
        Route::Requests if method == Method::GET => {
            let records: Vec<Value> = state.records().iter().cloned().collect();
            json_response(StatusCode::OK, &Value::Array(records))
        }
        Route::Requests if method == Method::DELETE => {
            let cleared = {
                let mut records = state.records();
                let n = records.len();
                records.clear();
                n
            };
            json_response(StatusCode::OK, &json!({ "cleared": cleared }))
        }
        Route::Requests => method_not_allowed(&method, &path, "GET, DELETE"),
        Route::NotFound => json_response(
            StatusCode::NOT_FOUND,
            &error_body(
                "not_found",
                &format!(
                    "no route for {method} {path}: the mock serves POST /openai/deployments/{{deployment}}/chat/completions, \
                     /openai/v1/chat/completions, /v1/chat/completions, and GET or DELETE /_secctx/requests"
                ),
            ),
        ),
    };
    eprintln!("secctx mock: {method} {path} -> {}", response.status().as_u16());
    Ok(response)
}

async fn chat(state: &State, req: Request<Incoming>, path: String, deployment: Option<String>) -> Response<Chunks> {
    let api_version = query_param(req.uri().query(), "api-version");
    let headers = record_headers(req.headers());
    let bytes = match Limited::new(req.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let response = if e.downcast_ref::<LengthLimitError>().is_some() {
                json_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &error_body("payload_too_large", &format!("the body exceeds {MAX_BODY_BYTES} bytes")),
                )
            } else {
                json_response(
                    StatusCode::BAD_REQUEST,
                    &error_body("invalid_request", &format!("reading the body: {e}")),
                )
            };
            eprintln!("secctx mock: POST {path} -> {} (body not read; not recorded)", response.status().as_u16());
            return response;
        }
    };
    let (body, findings) = secctx::inspect::check_bytes(&bytes, api_version.as_deref());
    let field = |name: &str| body.as_ref().and_then(|b| b.get(name)).cloned().unwrap_or(Value::Null);
    let context = field("user_security_context");
    let user = field("user");
    let id = state.next_id.fetch_add(1, Ordering::Relaxed) + 1;

    let response = match &body {
        None => json_response(
            StatusCode::BAD_REQUEST,
            &error_body("invalid_request", "the request body is not valid JSON (recorded by the mock)"),
        ),
        Some(b) if !b.is_object() => json_response(
            StatusCode::BAD_REQUEST,
            &error_body("invalid_request", "the request body must be a JSON object (recorded by the mock)"),
        ),
        Some(b) => completion(b, deployment.as_deref(), id, findings.len()),
    };

    let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    eprintln!(
        "secctx mock: #{id} POST {path} -> {} api-version={} deployment={} stream={} user_security_context={} user={} findings={}",
        response.status().as_u16(),
        api_version.as_deref().unwrap_or("-"),
        deployment.as_deref().unwrap_or("-"),
        body.as_ref().is_some_and(is_stream),
        log_value(&context),
        log_value(&user),
        if codes.is_empty() { "none".to_string() } else { codes.join(",") },
    );

    let record = json!({
        "method": "POST",
        "path": path,
        "api_version": api_version,
        "deployment": deployment,
        "headers": headers,
        "body": body.unwrap_or(Value::Null),
        "user_security_context": context,
        "user": user,
        "findings": findings,
    });
    let mut records = state.records();
    if records.len() >= MAX_RECORDS {
        records.pop_front();
    }
    records.push_back(record);
    drop(records);
    response
}

fn is_stream(body: &Value) -> bool {
    body.get("stream") == Some(&Value::Bool(true))
}

/// A chat completion, or its SSE stream when the body asks for one.
fn completion(body: &Value, deployment: Option<&str>, id: u64, findings: usize) -> Response<Chunks> {
    let model = body.get("model").and_then(Value::as_str).or(deployment).unwrap_or("secctx-mock").to_string();
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let completion_id = format!("chatcmpl-secctx-{id}");
    let reply = format!(
        "Hello from the secctx mock endpoint: request {id} recorded with {findings} finding{}.",
        if findings == 1 { "" } else { "s" }
    );
    let prompt_tokens = prompt_words(body).max(1);
    let completion_tokens = reply.split_whitespace().count();
    let usage = json!({
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    });

    if !is_stream(body) {
        return json_response(
            StatusCode::OK,
            &json!({
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": null,
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": reply, "refusal": null},
                    "logprobs": null,
                    "finish_reason": "stop",
                }],
                "usage": usage,
            }),
        );
    }

    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        })
    };
    let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), Value::Null)];
    let words: Vec<&str> = reply.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let piece = if i + 1 < words.len() { format!("{word} ") } else { (*word).to_string() };
        events.push(chunk(json!({ "content": piece }), Value::Null));
    }
    events.push(chunk(json!({}), Value::from("stop")));
    let include_usage = body.pointer("/stream_options/include_usage") == Some(&Value::Bool(true));
    if include_usage {
        events.push(json!({
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": null,
            "choices": [],
            "usage": usage,
        }));
    }
    let mut frames: VecDeque<Bytes> = events.iter().map(|e| Bytes::from(format!("data: {e}\n\n"))).collect();
    frames.push_back(Bytes::from_static(b"data: [DONE]\n\n"));
    let mut response = Response::new(Chunks { frames, exact: false });
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Words in the messages' text, a stand-in for a token count.
fn prompt_words(body: &Value) -> usize {
    let Some(messages) = body.get("messages").and_then(Value::as_array) else { return 0 };
    let mut words = 0;
    for message in messages {
        match message.get("content") {
            Some(Value::String(s)) => words += s.split_whitespace().count(),
            Some(Value::Array(parts)) => {
                for part in parts {
                    if let Some(Value::String(s)) = part.get("text") {
                        words += s.split_whitespace().count();
                    }
                }
            }
            _ => {}
        }
    }
    words
}

/// The request's headers for the record: lower-case names, instances joined with `, `,
/// credentials (`secctx::is_denied_header`) replaced by `<redacted>`.
fn record_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for name in headers.keys() {
        let value = if secctx::is_denied_header(name.as_str()) {
            "<redacted>".to_string()
        } else {
            headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.insert(name.as_str().to_string(), Value::String(value));
    }
    out
}

/// The first value of a query parameter, percent-decoded.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// Decodes `%XX` escapes and `+` (as a space); a malformed escape is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn log_value(value: &Value) -> String {
    if value.is_null() {
        return "-".to_string();
    }
    let text = value.to_string();
    match text.char_indices().nth(MAX_LOG_VALUE) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn error_body(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "type": "invalid_request_error", "param": null}})
}

fn method_not_allowed(method: &Method, path: &str, allow: &'static str) -> Response<Chunks> {
    let mut response = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &error_body("method_not_allowed", &format!("{method} is not allowed on {path}; use {allow}")),
    );
    response.headers_mut().insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response<Chunks> {
    let mut response = Response::new(Chunks::full(value.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A response body of frames known up front: one frame with a `content-length`, or several
/// sent with chunked transfer encoding (the SSE stream).
pub struct Chunks {
    frames: VecDeque<Bytes>,
    exact: bool,
}

impl Chunks {
    fn full(text: String) -> Self {
        Chunks { frames: VecDeque::from([Bytes::from(text)]), exact: true }
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().frames.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.frames.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact {
            SizeHint::with_exact(self.frames.iter().map(|b| b.len() as u64).sum())
        } else {
            SizeHint::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(matches!(route("/v1/chat/completions"), Route::Chat { deployment: None }));
        assert!(matches!(route("/openai/v1/chat/completions"), Route::Chat { deployment: None }));
        match route("/openai/deployments/gpt%2D4o/chat/completions") {
            Route::Chat { deployment: Some(d) } => assert_eq!(d, "gpt-4o"),
            _ => panic!("deployment route"),
        }
        for p in ["/openai/deployments//chat/completions", "/openai/deployments/a/b/chat/completions", "/", "/v1/chat"]
        {
            assert!(matches!(route(p), Route::NotFound), "{p}");
        }
    }

    #[test]
    fn query_and_decoding() {
        assert_eq!(
            query_param(Some("a=1&api-version=2025-04-01-preview"), "api-version").as_deref(),
            Some("2025-04-01-preview")
        );
        assert_eq!(query_param(Some("api%2Dversion=v1"), "api-version").as_deref(), Some("v1"));
        assert_eq!(query_param(Some("x=1"), "api-version"), None);
        assert_eq!(query_param(None, "api-version"), None);
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("%"), "%");
    }
}
