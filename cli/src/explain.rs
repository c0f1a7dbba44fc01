//! `secctx explain`: how one request resolves, for people (default) and programs (`--json`).

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use secctx::{Explanation, Identity, Request, Resolver, WireFormat};
use serde_json::{Map, Value, json};

use crate::{CliError, Outcome};

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The configuration document (JSON, SPEC section 3). Without --config or --preset: defaults
    /// (no proxy trusted).
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    config: Option<PathBuf>,
    /// A named preset instead of a file: sidecar, private_ingress, cloudflare, azure_front_door.
    #[arg(long, value_name = "NAME")]
    preset: Option<String>,
    /// The Front Door profile id, with --preset azure_front_door.
    #[arg(long, value_name = "GUID", requires = "preset")]
    front_door_id: Option<String>,
    /// The immediate peer (socket address) the request came from: ip, ip:port, [ipv6]:port.
    #[arg(long, value_name = "ADDR")]
    peer: Option<String>,
    /// A request header, `Name: value`; repeat for several (order kept, repeats allowed).
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    headers: Vec<String>,
    /// The end user's id, passed by the application.
    #[arg(long, value_name = "ID")]
    end_user_id: Option<String>,
    /// The end user's id type: aad, google or other.
    #[arg(long, value_name = "TYPE")]
    end_user_id_type: Option<String>,
    /// The end user's tenant id.
    #[arg(long, value_name = "ID")]
    end_user_tenant_id: Option<String>,
    /// A per-request application name (over the configuration's).
    #[arg(long, value_name = "NAME")]
    application_name: Option<String>,
    /// Also show the request-body field for this api-version (v1, 2025-04-01-preview, 2024-10-21, …).
    #[arg(long, value_name = "V")]
    api_version: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Colour the text output: auto (only on a terminal, and not when NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub fn run(args: &ExplainArgs) -> Outcome {
    let resolver = resolver(args)?;
    let headers = args.headers.iter().map(|h| parse_header(h)).collect::<Result<Vec<_>, _>>()?;
    if let Some(v) = &args.api_version {
        WireFormat::for_api_version(v).map_err(|e| CliError::core(&e))?;
    }
    let identity = Identity {
        end_user_id: args.end_user_id.as_deref(),
        end_user_id_type: args.end_user_id_type.as_deref(),
        end_user_tenant_id: args.end_user_tenant_id.as_deref(),
        application_name: args.application_name.as_deref(),
    };
    let request = Request::new(args.peer.as_deref(), headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let ex = resolver.explain(request, &identity).map_err(|e| CliError::core(&e))?;
    let body = match &args.api_version {
        Some(v) => Some(ex.context.body_fields_for_api_version(v).map_err(|e| CliError::core(&e))?),
        None => None,
    };

    let text = if args.json {
        let mut doc = match serde_json::to_value(&ex) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        doc.insert("config".into(), parse_json(&resolver.config().to_json()));
        doc.insert("user_security_context".into(), parse_json(&ex.context.user_security_context_json()));
        match ex.context.legacy_user_json() {
            Ok(user) => {
                doc.insert("user".into(), parse_json(&user));
                doc.insert("user_error".into(), Value::Null);
            }
            Err(e) => {
                doc.insert("user".into(), Value::Null);
                doc.insert("user_error".into(), json!({"code": e.kind().as_str(), "message": e.message()}));
            }
        }
        if let (Some(v), Some(fields)) = (&args.api_version, &body) {
            doc.insert("api_version".into(), Value::from(v.as_str()));
            doc.insert("body_fields".into(), parse_json(&fields.to_json()));
        }
        let mut s = Value::Object(doc).to_string();
        s.push('\n');
        s
    } else {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        render(&ex, args, resolver.config().client_ip_header(), body.as_ref(), Style { color })
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(CliError::new("io", format!("writing to stdout: {e}"))),
    }
}

fn resolver(args: &ExplainArgs) -> Result<Resolver, CliError> {
    let doc = if let Some(path) = &args.config {
        std::fs::read_to_string(path).map_err(|e| CliError::new("io", format!("--config {}: {e}", path.display())))?
    } else if let Some(preset) = &args.preset {
        let mut doc = json!({ "preset": preset });
        if let Some(id) = &args.front_door_id {
            doc["front_door_id"] = Value::from(id.as_str());
        }
        doc.to_string()
    } else {
        "{}".to_string()
    };
    Resolver::from_json(&doc).map_err(|e| CliError::core(&e))
}

/// `Name: value` → (name, value). The name must be an HTTP token; spaces and tabs around the
/// value are dropped.
fn parse_header(text: &str) -> Result<(String, String), CliError> {
    let bad = |why: &str| CliError::new("invalid_header", format!("-H {text:?}: {why}; write -H 'Name: value'"));
    let (name, value) = text.split_once(':').ok_or_else(|| bad("no ':' between name and value"))?;
    if name.is_empty() {
        return Err(bad("the header name is empty"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
        return Err(bad("the header name is not an HTTP token"));
    }
    Ok((name.to_string(), value.trim_matches([' ', '\t']).to_string()))
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    fn heading(self, text: &str) -> String {
        self.paint("1", text)
    }
    fn good(self, text: &str) -> String {
        self.paint("32", text)
    }
    fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }
    fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }
    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

fn render(
    ex: &Explanation,
    args: &ExplainArgs,
    client_ip_header: Option<&str>,
    body: Option<&secctx::BodyFields>,
    st: Style,
) -> String {
    let ctx = &ex.context;
    let reason = ctx.reason();
    let mut o = String::new();

    // The answer first.
    let _ = match ctx.source_ip() {
        Some(ip) => writeln!(o, "{}  {}", st.heading("source_ip"), st.good(&ip.to_string())),
        None => writeln!(o, "{}  {}", st.heading("source_ip"), st.bad("(absent)")),
    };
    let _ = writeln!(o, "  {} {}", st.dim(&format!("[{}]", reason.code())), reason);

    // The peer.
    let _ = writeln!(o, "\n{}", st.heading("peer"));
    let _ = match (&ex.peer, &args.peer) {
        (Some(peer), _) => match &ex.peer_trusted_by {
            Some(entry) => writeln!(o, "  {peer}  {} by trusted_proxies entry {entry}", st.warn("trusted")),
            None => writeln!(o, "  {peer}  {} (no trusted_proxies entry matches it)", st.good("not trusted")),
        },
        (None, Some(text)) => writeln!(o, "  {}: {text:?} is not an IP address", st.bad("unknown")),
        (None, None) => writeln!(o, "  {}: no --peer given", st.bad("unknown")),
    };

    // The header and the walk.
    let _ = writeln!(o, "\n{}", st.heading("header"));
    match &ex.header {
        None => {
            let _ = writeln!(o, "  none read");
        }
        Some(h) if Some(h.as_str()) == client_ip_header => {
            let _ = writeln!(o, "  {h} (client_ip_header: one address set by a trusted edge)");
        }
        Some(h) => {
            let _ = writeln!(o, "  {h} (forwarded_header), walked from the right");
        }
    }
    if !ex.hops.is_empty() {
        let width = ex.hops.iter().map(|h| h.entry.chars().count()).max().unwrap_or(0).clamp(5, 48);
        for hop in &ex.hops {
            let verdict = match hop.verdict {
                "client" => st.good("client "),
                "trusted" => st.warn("trusted"),
                _ => st.bad("invalid"),
            };
            let mut entry = hop.entry.clone();
            if entry.is_empty() {
                entry = "(empty)".into();
            }
            let canonical = match &hop.address {
                Some(a) if *a != hop.entry => format!("; address {a}"),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "  hop {:<3} {:<width$}  {verdict}  {}{canonical}",
                hop.hop,
                entry,
                hop.detail,
                width = width
            );
        }
        if let Some(last) = ex.hops.last() {
            if last.verdict == "client" || last.verdict == "invalid" {
                let _ =
                    writeln!(o, "  {}", st.dim("(any entries further left were not read: the client can write them)"));
            }
        }
    }

    // Identity.
    let _ = writeln!(o, "\n{}", st.heading("identity"));
    let _ = writeln!(o, "  source: {} ({})", ctx.identity_source().code(), ctx.identity_source());
    let fields = [
        ("end_user_id", ctx.end_user_id().map(str::to_string)),
        ("end_user_id_type", ctx.end_user_id_type().map(|t| t.as_str().to_string())),
        ("end_user_tenant_id", ctx.end_user_tenant_id().map(str::to_string)),
        ("application_name", ctx.application_name().map(str::to_string)),
    ];
    for (name, value) in fields {
        let _ = writeln!(o, "  {name:<19} {}", value.unwrap_or_else(|| st.dim("-")));
    }
    if let Some(note) = ctx.easy_auth_note() {
        let _ = writeln!(o, "  {} [{}] {note}", st.warn("note"), note.code());
    }

    // Headers.
    let _ = writeln!(o, "\n{}", st.heading("request headers"));
    let _ = writeln!(
        o,
        "  forwarded (SourceRequestHeaders): {}",
        if ex.forwarded_headers.is_empty() { "none".to_string() } else { ex.forwarded_headers.join(", ") }
    );
    let _ = writeln!(
        o,
        "  dropped (credentials, never forwarded): {}",
        if ex.dropped_headers.is_empty() { "none".to_string() } else { st.warn(&ex.dropped_headers.join(", ")) }
    );

    // Both wire formats.
    let _ = writeln!(
        o,
        "\n{}",
        st.heading("user_security_context (api-version v1, 2024-12-01-preview and later previews)")
    );
    let _ = writeln!(o, "  {}", ctx.user_security_context_json());
    let _ =
        writeln!(o, "\n{}", st.heading("user (legacy document: GA versions, earlier previews; SourceIP is the peer)"));
    let _ = match ctx.legacy_user_json() {
        Ok(doc) => writeln!(o, "  {doc}"),
        Err(e) => writeln!(o, "  {} {}", st.bad(&format!("error[{}]:", e.kind().as_str())), e.message()),
    };
    if let (Some(v), Some(fields)) = (&args.api_version, body) {
        let _ = writeln!(o, "\n{}", st.heading(&format!("request body field for api-version {v}")));
        let _ = writeln!(o, "  {}", fields.to_json());
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse() {
        assert_eq!(
            parse_header("X-Forwarded-For: 1.2.3.4, 5.6.7.8").unwrap(),
            ("X-Forwarded-For".into(), "1.2.3.4, 5.6.7.8".into())
        );
        assert_eq!(parse_header("Forwarded:for=\"[2001:db8::1]:80\"").unwrap().1, "for=\"[2001:db8::1]:80\"");
        assert_eq!(parse_header("X-Empty:").unwrap().1, "");
        for bad in ["no colon", ": value", "Bad Name: v", "Bad\tName: v"] {
            assert_eq!(parse_header(bad).unwrap_err().code, "invalid_header", "{bad}");
        }
    }
}
