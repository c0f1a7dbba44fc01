//! Checking a chat-completions request body against the two wire formats (SPEC section 2).
//!
//! This is the receiving side of secctx: given the JSON body a client sent to Azure OpenAI and
//! the request's api-version, [`check`] lists everything about its `user_security_context` and
//! its legacy `user` document that Defender for Cloud would read wrongly or not at all — unknown
//! or misspelled keys, wrong types, empty and `null` values, an address that is not canonical, a
//! context sent to an api-version that does not accept it. `secctx mock` records these findings
//! for every request it receives; it never fails a request because of them.
//!
//! Each [`Finding`] has a stable [`FindingCode`] (for programs and tests) and a message naming the
//! field at fault (for people). The check is pure and bounded: it reads the body once, reports at
//! most [`MAX_FINDINGS`] findings, and quotes at most 64 bytes of any value or key it names.
//!
//! ```
//! use secctx::inspect::{check, FindingCode};
//!
//! let body = serde_json::json!({
//!     "messages": [{"role": "user", "content": "hi"}],
//!     "user_security_context": {"source_ip": "203.0.113.7:50123", "SourceIp": "203.0.113.7"}
//! });
//! let findings = check(&body, Some("2025-04-01-preview"));
//! let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
//! codes.sort();
//! assert_eq!(codes, ["invalid_source_ip", "misspelled_key"]);
//! assert!(findings.iter().any(|f| f.message.contains("did you mean \"source_ip\"")));
//!
//! // The same context sent to a GA api-version is not read at all.
//! let findings = check(&serde_json::json!({"user_security_context": {}}), Some("2024-10-21"));
//! assert_eq!(findings[0].code, FindingCode::ContextNotSupportedByApiVersion);
//! ```
//!
//! ## What is reported
//!
//! | code | meaning |
//! |---|---|
//! | `body_not_json` | the body is not JSON at all ([`check_bytes`] only) |
//! | `body_not_object` | the body is JSON but not an object |
//! | `invalid_api_version` | the api-version is not `v1`, `latest`, `preview` or a dated version |
//! | `context_not_supported_by_api_version` | `user_security_context` sent to a GA version or a preview before 2024-12-01 |
//! | `user_security_context_not_object` | `user_security_context` is present but not an object |
//! | `unknown_key` | a key of `user_security_context` that the format does not define |
//! | `misspelled_key` | a key of `user_security_context` that differs from a real one only in case, `_` or `-` (`sourceIp`, `SourceIP`) |
//! | `wrong_type` | a value of the wrong JSON type (a number for a string, …), in either form |
//! | `empty_value` | `""` where an absent value must be omitted, in either form |
//! | `null_value` | `null` where an absent value must be omitted, in either form |
//! | `invalid_source_ip` | `source_ip` / `SourceIP` is not an address, or not in canonical form |
//! | `user_not_security_document` | informational: `user` is a plain string (an OpenAI end-user id), not the legacy document |
//! | `legacy_user_not_json` | `user` starts with `{` but is not a JSON document |
//! | `legacy_unknown_key` | a key of the legacy document that the format does not define |
//! | `legacy_misspelled_key` | a legacy key that differs from a real one only in case, `_` or `-` (`SourceIp`, `EndUserID`) |
//! | `legacy_missing_end_user_id_type` | `EndUserId` without `EndUserIdType` |
//! | `legacy_invalid_end_user_id_type` | `EndUserIdType` other than `AAD`, `Google`, `Other` |
//! | `sensitive_header_forwarded` | `SourceRequestHeaders` carries a credential header (`Authorization`, `Cookie`, …) |
//! | `too_many_findings` | the report was cut at [`MAX_FINDINGS`] |
//!
//! A plain `user` string is legitimate for OpenAI in general (it identifies the end user to
//! OpenAI's abuse monitoring), so `user_not_security_document` is informational
//! ([`FindingCode::is_informational`]): it says that Defender receives no context from that
//! request's `user`, not that the request is wrong. A `user` string that starts with `{` was
//! meant as the legacy document, so failing to parse it is `legacy_user_not_json`.

use std::fmt;

use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::addr::parse_address;
use crate::context::WireFormat;
use crate::headers::is_denied_header;

/// The most findings [`check`] reports for one body; when there are more, the list ends with one
/// [`FindingCode::TooManyFindings`].
///
/// ```
/// use secctx::inspect::{check, FindingCode, MAX_FINDINGS};
/// let context: serde_json::Map<String, serde_json::Value> =
///     (0..100).map(|i| (format!("k{i}"), serde_json::Value::from("v"))).collect();
/// let findings = check(&serde_json::json!({"user_security_context": context}), None);
/// assert_eq!(findings.len(), MAX_FINDINGS + 1);
/// assert_eq!(findings.last().unwrap().code, FindingCode::TooManyFindings);
/// ```
pub const MAX_FINDINGS: usize = 64;

/// The most bytes of a key or value quoted in a finding's message.
const MAX_QUOTE: usize = 64;

const CONTEXT_KEYS: [&str; 4] = ["application_name", "end_user_id", "end_user_tenant_id", "source_ip"];
const LEGACY_KEYS: [&str; 6] =
    ["EndUserId", "EndUserIdType", "EndUserTenantId", "SourceIP", "SourceRequestHeaders", "ApplicationName"];
const LEGACY_ID_TYPES: [&str; 3] = ["AAD", "Google", "Other"];

/// What a [`Finding`] is about: a stable code for programs and tests.
///
/// ```
/// use secctx::inspect::FindingCode;
/// assert_eq!(FindingCode::LegacyMisspelledKey.as_str(), "legacy_misspelled_key");
/// assert_eq!(FindingCode::LegacyMisspelledKey.to_string(), "legacy_misspelled_key");
/// assert_eq!(serde_json::to_string(&FindingCode::UnknownKey).unwrap(), r#""unknown_key""#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingCode {
    /// The body is not JSON ([`check_bytes`] only).
    BodyNotJson,
    /// The body is JSON but not an object.
    BodyNotObject,
    /// The api-version is not `v1`, `latest`, `preview` or a dated version (SPEC 2.3).
    InvalidApiVersion,
    /// `user_security_context` was sent to an api-version that takes the legacy `user` document.
    ContextNotSupportedByApiVersion,
    /// `user_security_context` is not a JSON object.
    UserSecurityContextNotObject,
    /// A key of `user_security_context` that the format does not define.
    UnknownKey,
    /// A key of `user_security_context` that matches a real key only when case, `_` and `-` are
    /// ignored (`sourceIp`, `SourceIP`).
    MisspelledKey,
    /// A value of the wrong JSON type.
    WrongType,
    /// An empty string where an absent value must be omitted.
    EmptyValue,
    /// `null` where an absent value must be omitted.
    NullValue,
    /// `source_ip` or `SourceIP` is not an address, or not in canonical form.
    InvalidSourceIp,
    /// Informational: `user` is a plain string, not the legacy security document.
    UserNotSecurityDocument,
    /// `user` starts with `{` but is not a JSON document.
    LegacyUserNotJson,
    /// A key of the legacy document that the format does not define.
    LegacyUnknownKey,
    /// A legacy key that matches a real key only when case, `_` and `-` are ignored (`SourceIp`).
    LegacyMisspelledKey,
    /// `EndUserId` without `EndUserIdType`.
    LegacyMissingEndUserIdType,
    /// `EndUserIdType` other than `AAD`, `Google` or `Other`.
    LegacyInvalidEndUserIdType,
    /// `SourceRequestHeaders` carries a header that holds credentials.
    SensitiveHeaderForwarded,
    /// More than [`MAX_FINDINGS`] findings; the rest were not reported.
    TooManyFindings,
}

impl FindingCode {
    /// Every code, in a stable order.
    ///
    /// ```
    /// use secctx::inspect::FindingCode;
    /// assert_eq!(FindingCode::ALL.len(), 19);
    /// assert!(FindingCode::ALL.contains(&FindingCode::InvalidSourceIp));
    /// ```
    pub const ALL: [FindingCode; 19] = [
        FindingCode::BodyNotJson,
        FindingCode::BodyNotObject,
        FindingCode::InvalidApiVersion,
        FindingCode::ContextNotSupportedByApiVersion,
        FindingCode::UserSecurityContextNotObject,
        FindingCode::UnknownKey,
        FindingCode::MisspelledKey,
        FindingCode::WrongType,
        FindingCode::EmptyValue,
        FindingCode::NullValue,
        FindingCode::InvalidSourceIp,
        FindingCode::UserNotSecurityDocument,
        FindingCode::LegacyUserNotJson,
        FindingCode::LegacyUnknownKey,
        FindingCode::LegacyMisspelledKey,
        FindingCode::LegacyMissingEndUserIdType,
        FindingCode::LegacyInvalidEndUserIdType,
        FindingCode::SensitiveHeaderForwarded,
        FindingCode::TooManyFindings,
    ];

    /// The stable code, e.g. `unknown_key`.
    ///
    /// ```
    /// assert_eq!(secctx::inspect::FindingCode::InvalidSourceIp.as_str(), "invalid_source_ip");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            FindingCode::BodyNotJson => "body_not_json",
            FindingCode::BodyNotObject => "body_not_object",
            FindingCode::InvalidApiVersion => "invalid_api_version",
            FindingCode::ContextNotSupportedByApiVersion => "context_not_supported_by_api_version",
            FindingCode::UserSecurityContextNotObject => "user_security_context_not_object",
            FindingCode::UnknownKey => "unknown_key",
            FindingCode::MisspelledKey => "misspelled_key",
            FindingCode::WrongType => "wrong_type",
            FindingCode::EmptyValue => "empty_value",
            FindingCode::NullValue => "null_value",
            FindingCode::InvalidSourceIp => "invalid_source_ip",
            FindingCode::UserNotSecurityDocument => "user_not_security_document",
            FindingCode::LegacyUserNotJson => "legacy_user_not_json",
            FindingCode::LegacyUnknownKey => "legacy_unknown_key",
            FindingCode::LegacyMisspelledKey => "legacy_misspelled_key",
            FindingCode::LegacyMissingEndUserIdType => "legacy_missing_end_user_id_type",
            FindingCode::LegacyInvalidEndUserIdType => "legacy_invalid_end_user_id_type",
            FindingCode::SensitiveHeaderForwarded => "sensitive_header_forwarded",
            FindingCode::TooManyFindings => "too_many_findings",
        }
    }

    /// Whether the finding only informs (the request is legitimate, but Defender receives no
    /// context from it). Only `user_not_security_document` is informational.
    ///
    /// ```
    /// use secctx::inspect::FindingCode;
    /// assert!(FindingCode::UserNotSecurityDocument.is_informational());
    /// assert!(!FindingCode::LegacyUserNotJson.is_informational());
    /// ```
    pub const fn is_informational(self) -> bool {
        matches!(self, FindingCode::UserNotSecurityDocument)
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FindingCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One thing [`check`] found: a stable code and a message that names the field at fault.
/// Serializes as `{"code": "...", "message": "..."}`.
///
/// ```
/// use secctx::inspect::{check, FindingCode};
/// let findings = check(&serde_json::json!({"user_security_context": {"end_user_id": ""}}), None);
/// assert_eq!(findings[0].code, FindingCode::EmptyValue);
/// assert_eq!(
///     serde_json::to_string(&findings[0]).unwrap(),
///     r#"{"code":"empty_value","message":"user_security_context.end_user_id is an empty string; omit an absent value"}"#
/// );
/// assert_eq!(findings[0].to_string(), format!("empty_value: {}", findings[0].message));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// What the finding is about.
    pub code: FindingCode,
    /// A sentence for people, naming the field (`user_security_context.source_ip`,
    /// `user.SourceIP`, …).
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Checks a parsed chat-completions body and its api-version (when the request had one).
///
/// Reports, in this order: the api-version; the body's shape; `user_security_context` (and
/// whether the api-version accepts it); the `user` field. An empty list means Defender reads
/// the body's context exactly as sent (or the body carries none).
///
/// ```
/// use secctx::inspect::{check, FindingCode};
/// let body = serde_json::json!({
///     "model": "gpt-4o",
///     "user": r#"{"EndUserId":"u1","SourceIp":"10.0.0.4"}"#
/// });
/// let codes: Vec<FindingCode> = check(&body, Some("2024-10-21")).into_iter().map(|f| f.code).collect();
/// assert_eq!(codes, [FindingCode::LegacyMisspelledKey, FindingCode::LegacyMissingEndUserIdType]);
///
/// let good = serde_json::json!({"user_security_context": {"application_name": "chat", "source_ip": "2001:db8::7"}});
/// assert!(check(&good, Some("v1")).is_empty());
/// ```
pub fn check(body: &Value, api_version: Option<&str>) -> Vec<Finding> {
    let mut out = Findings::default();
    let format = api_format(api_version, &mut out);
    check_body(body, api_version, format, &mut out);
    out.list
}

/// Parses a raw request body and checks it like [`check`]. Returns the parsed body (`None` when
/// it is not JSON, reported as `body_not_json`) and the findings.
///
/// ```
/// use secctx::inspect::{check_bytes, FindingCode};
/// let (body, findings) = check_bytes(b"model=gpt-4o", Some("v1"));
/// assert!(body.is_none());
/// assert_eq!(findings[0].code, FindingCode::BodyNotJson);
///
/// let (body, findings) = check_bytes(br#"{"user": "alice"}"#, None);
/// assert_eq!(body.unwrap()["user"], "alice");
/// assert_eq!(findings[0].code, FindingCode::UserNotSecurityDocument);
/// ```
pub fn check_bytes(bytes: &[u8], api_version: Option<&str>) -> (Option<Value>, Vec<Finding>) {
    let mut out = Findings::default();
    let format = api_format(api_version, &mut out);
    match serde_json::from_slice::<Value>(bytes) {
        Ok(body) => {
            check_body(&body, api_version, format, &mut out);
            (Some(body), out.list)
        }
        Err(e) => {
            out.push(FindingCode::BodyNotJson, format!("the request body is not valid JSON: {e}"));
            (None, out.list)
        }
    }
}

#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
}

impl Findings {
    fn push(&mut self, code: FindingCode, message: String) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(Finding { code, message });
        } else if self.list.len() == MAX_FINDINGS {
            self.list.push(Finding {
                code: FindingCode::TooManyFindings,
                message: format!("more than {MAX_FINDINGS} findings; the rest are not reported"),
            });
        }
    }
}

fn api_format(api_version: Option<&str>, out: &mut Findings) -> Option<WireFormat> {
    let version = api_version?;
    match WireFormat::for_api_version(version) {
        Ok(format) => Some(format),
        Err(_) => {
            out.push(
                FindingCode::InvalidApiVersion,
                format!("api-version {} is not v1, latest, preview, YYYY-MM-DD or YYYY-MM-DD-preview", quote(version)),
            );
            None
        }
    }
}

fn check_body(body: &Value, api_version: Option<&str>, format: Option<WireFormat>, out: &mut Findings) {
    let Some(obj) = body.as_object() else {
        out.push(
            FindingCode::BodyNotObject,
            format!("the request body must be a JSON object, not {}", crate::config::type_name(body)),
        );
        return;
    };
    if let Some(context) = obj.get("user_security_context") {
        if let (Some(WireFormat::LegacyUser), Some(version)) = (format, api_version) {
            out.push(
                FindingCode::ContextNotSupportedByApiVersion,
                format!(
                    "user_security_context is not read by api-version {} (a GA version or a preview before \
                     2024-12-01): send the legacy user document, or use 2024-12-01-preview or later",
                    quote(version)
                ),
            );
        }
        check_context(context, out);
    }
    if let Some(user) = obj.get("user") {
        check_user(user, out);
    }
}

fn check_context(context: &Value, out: &mut Findings) {
    let Some(map) = context.as_object() else {
        out.push(
            FindingCode::UserSecurityContextNotObject,
            format!("user_security_context must be a JSON object, not {}", crate::config::type_name(context)),
        );
        return;
    };
    for (key, value) in map {
        if CONTEXT_KEYS.contains(&key.as_str()) {
            let path = format!("user_security_context.{key}");
            if let Some(s) = string_value(&path, value, out) {
                if key == "source_ip" {
                    check_ip(&path, s, out);
                }
            }
        } else if let Some(real) = near_miss(key, &CONTEXT_KEYS) {
            out.push(
                FindingCode::MisspelledKey,
                format!(
                    "user_security_context.{}: did you mean \"{real}\"? Keys are exact and lower-case; \
                     Defender ignores this one",
                    quote_key(key)
                ),
            );
        } else {
            out.push(
                FindingCode::UnknownKey,
                format!(
                    "user_security_context.{} is not a key of the format (application_name, end_user_id, \
                     end_user_tenant_id, source_ip)",
                    quote_key(key)
                ),
            );
        }
    }
}

fn check_user(user: &Value, out: &mut Findings) {
    let text = match user {
        Value::Null => {
            out.push(FindingCode::NullValue, "user is null; omit an absent value".into());
            return;
        }
        Value::String(s) => s,
        other => {
            out.push(FindingCode::WrongType, format!("user must be a string, not {}", crate::config::type_name(other)));
            return;
        }
    };
    if text.is_empty() {
        out.push(FindingCode::EmptyValue, "user is an empty string; omit an absent value".into());
        return;
    }
    if !text.trim_start().starts_with('{') {
        out.push(
            FindingCode::UserNotSecurityDocument,
            format!(
                "user {} is a plain end-user id, not the legacy security document: Defender receives no \
                 context from it",
                quote(text)
            ),
        );
        return;
    }
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(doc) => check_legacy(&doc, out),
        Err(e) => out.push(
            FindingCode::LegacyUserNotJson,
            format!("user starts with '{{' but is not a JSON object document: {e}"),
        ),
    }
}

fn check_legacy(doc: &Map<String, Value>, out: &mut Findings) {
    for (key, value) in doc {
        let path = format!("user.{key}");
        match key.as_str() {
            "SourceRequestHeaders" => check_source_headers(value, out),
            "SourceIP" => {
                if let Some(s) = string_value(&path, value, out) {
                    check_ip(&path, s, out);
                }
            }
            "EndUserIdType" => {
                if let Some(s) = string_value(&path, value, out) {
                    if !LEGACY_ID_TYPES.contains(&s) {
                        let hint = LEGACY_ID_TYPES
                            .iter()
                            .find(|t| t.eq_ignore_ascii_case(s))
                            .map_or(String::new(), |t| format!(" (write \"{t}\")"));
                        out.push(
                            FindingCode::LegacyInvalidEndUserIdType,
                            format!("user.EndUserIdType {} is not AAD, Google or Other{hint}", quote(s)),
                        );
                    }
                }
            }
            k if LEGACY_KEYS.contains(&k) => {
                string_value(&path, value, out);
            }
            k => match near_miss(k, &LEGACY_KEYS) {
                Some(real) => out.push(
                    FindingCode::LegacyMisspelledKey,
                    format!(
                        "user.{}: did you mean \"{real}\"? Keys are exact; Defender ignores this one",
                        quote_key(k)
                    ),
                ),
                None => out.push(
                    FindingCode::LegacyUnknownKey,
                    format!(
                        "user.{} is not a key of the legacy document (EndUserId, EndUserIdType, \
                         EndUserTenantId, SourceIP, SourceRequestHeaders, ApplicationName)",
                        quote_key(k)
                    ),
                ),
            },
        }
    }
    if doc.contains_key("EndUserId") && !doc.contains_key("EndUserIdType") {
        out.push(
            FindingCode::LegacyMissingEndUserIdType,
            "user.EndUserId is present without user.EndUserIdType (AAD, Google or Other)".into(),
        );
    }
}

fn check_source_headers(value: &Value, out: &mut Findings) {
    let headers = match value {
        Value::Null => {
            out.push(
                FindingCode::NullValue,
                "user.SourceRequestHeaders is null; omit it when no header is forwarded".into(),
            );
            return;
        }
        Value::Object(headers) => headers,
        other => {
            out.push(
                FindingCode::WrongType,
                format!(
                    "user.SourceRequestHeaders must be an object of header names to strings, not {}",
                    crate::config::type_name(other)
                ),
            );
            return;
        }
    };
    for (name, value) in headers {
        let path = format!("user.SourceRequestHeaders.{}", quote_key(name));
        if is_denied_header(name) {
            out.push(
                FindingCode::SensitiveHeaderForwarded,
                format!("{path} carries credentials and must never be forwarded"),
            );
        }
        match value {
            Value::String(_) => {} // an empty value is a header that was present and empty
            Value::Null => out.push(FindingCode::NullValue, format!("{path} is null; omit an absent header")),
            other => out.push(
                FindingCode::WrongType,
                format!("{path} must be a string, not {}", crate::config::type_name(other)),
            ),
        }
    }
}

/// Checks that a value is a non-empty string and returns it.
fn string_value<'v>(path: &str, value: &'v Value, out: &mut Findings) -> Option<&'v str> {
    match value {
        Value::String(s) if s.is_empty() => {
            out.push(FindingCode::EmptyValue, format!("{path} is an empty string; omit an absent value"));
            None
        }
        Value::String(s) => Some(s),
        Value::Null => {
            out.push(FindingCode::NullValue, format!("{path} is null; omit an absent value"));
            None
        }
        other => {
            out.push(
                FindingCode::WrongType,
                format!("{path} must be a string, not {}", crate::config::type_name(other)),
            );
            None
        }
    }
}

fn check_ip(path: &str, text: &str, out: &mut Findings) {
    match parse_address(text) {
        None => out.push(FindingCode::InvalidSourceIp, format!("{path} {} is not an IP address", quote(text))),
        Some(ip) => {
            let canonical = ip.to_string();
            if canonical != text {
                out.push(
                    FindingCode::InvalidSourceIp,
                    format!("{path} {} is not in canonical form: send \"{canonical}\"", quote(text)),
                );
            }
        }
    }
}

/// The real key that `key` matches when case, `_` and `-` are ignored.
fn near_miss(key: &str, keys: &[&'static str]) -> Option<&'static str> {
    if key.len() > MAX_QUOTE {
        return None;
    }
    let squash =
        |s: &str| -> String { s.chars().filter(|c| !matches!(c, '_' | '-')).map(|c| c.to_ascii_lowercase()).collect() };
    let wanted = squash(key);
    keys.iter().copied().find(|k| squash(k) == wanted)
}

/// A value as a JSON string literal, cut to [`MAX_QUOTE`] bytes.
fn quote(text: &str) -> String {
    let mut end = text.len().min(MAX_QUOTE);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = serde_json::to_string(&text[..end]).unwrap_or_default();
    if end < text.len() {
        out.insert(out.len() - 1, '…');
    }
    out
}

/// A key as written when it is a plain identifier, else quoted.
fn quote_key(key: &str) -> String {
    if !key.is_empty()
        && key.len() <= MAX_QUOTE
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        key.to_string()
    } else {
        quote(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(body: Value, api_version: Option<&str>) -> Vec<&'static str> {
        check(&body, api_version).into_iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn clean_bodies_have_no_findings() {
        let usc = json!({"user_security_context": {
            "application_name": "chat", "end_user_id": "u1", "end_user_tenant_id": "t1", "source_ip": "203.0.113.7"}});
        for v in
            [None, Some("v1"), Some("latest"), Some("preview"), Some("2024-12-01-preview"), Some("2025-04-01-preview")]
        {
            assert!(codes(usc.clone(), v).is_empty(), "{v:?}");
        }
        let legacy = json!({"user": r#"{"EndUserId":"u1","EndUserIdType":"AAD","EndUserTenantId":"t","SourceIP":"10.0.0.4","SourceRequestHeaders":{"User-Agent":"x","X-Forwarded-For":""},"ApplicationName":"a"}"#});
        assert!(codes(legacy, Some("2024-10-21")).is_empty());
        assert!(codes(json!({"messages": []}), Some("2024-10-21")).is_empty());
        assert!(codes(json!({"user_security_context": {}}), None).is_empty());
        assert!(codes(json!({"user": "{}"}), None).is_empty());
    }

    #[test]
    fn body_not_json() {
        let (body, f) = check_bytes(b"{\"messages\": [", None);
        assert!(body.is_none());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FindingCode::BodyNotJson);
        let (body, f) = check_bytes(b"", Some("v1"));
        assert!(body.is_none());
        assert_eq!(f[0].code, FindingCode::BodyNotJson);
    }

    #[test]
    fn body_not_object() {
        assert_eq!(codes(json!([1, 2]), None), ["body_not_object"]);
        assert_eq!(codes(json!("text"), Some("v1")), ["body_not_object"]);
    }

    #[test]
    fn invalid_api_version() {
        for v in ["", "V1", "2024-13-01", "someday", " v1"] {
            assert_eq!(codes(json!({}), Some(v)), ["invalid_api_version"], "{v}");
        }
        // An invalid version is not also reported as not supporting the context.
        assert_eq!(codes(json!({"user_security_context": {}}), Some("nope")), ["invalid_api_version"]);
    }

    #[test]
    fn context_not_supported_by_api_version() {
        for v in ["2024-10-21", "2024-06-01", "2024-11-01-preview", "2025-04-01"] {
            assert_eq!(
                codes(json!({"user_security_context": {"source_ip": "192.0.2.1"}}), Some(v)),
                ["context_not_supported_by_api_version"],
                "{v}"
            );
        }
        // Without an api-version (the /v1 paths) nothing is said about versions.
        assert!(codes(json!({"user_security_context": {}}), None).is_empty());
        let f = check(&json!({"user_security_context": {}}), Some("2024-10-21"));
        assert!(f[0].message.contains("\"2024-10-21\""), "{}", f[0].message);
    }

    #[test]
    fn user_security_context_not_object() {
        for v in [json!("{\"source_ip\":\"1.2.3.4\"}"), json!(null), json!([]), json!(3)] {
            assert_eq!(codes(json!({"user_security_context": v}), None), ["user_security_context_not_object"]);
        }
    }

    #[test]
    fn unknown_key() {
        let f = check(&json!({"user_security_context": {"end_user_email": "a@b"}}), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FindingCode::UnknownKey);
        assert!(f[0].message.starts_with("user_security_context.end_user_email "), "{}", f[0].message);
        // The legacy type key has no counterpart in the current form.
        assert_eq!(codes(json!({"user_security_context": {"EndUserIdType": "AAD"}}), None), ["unknown_key"]);
    }

    #[test]
    fn misspelled_key() {
        for (key, real) in [
            ("sourceIp", "source_ip"),
            ("SourceIP", "source_ip"),
            ("Source_IP", "source_ip"),
            ("EndUserId", "end_user_id"),
            ("end-user-tenant-id", "end_user_tenant_id"),
            ("ApplicationName", "application_name"),
        ] {
            let f = check(&json!({"user_security_context": {key: "x"}}), None);
            assert_eq!(f.len(), 1, "{key}");
            assert_eq!(f[0].code, FindingCode::MisspelledKey, "{key}");
            assert!(f[0].message.contains(&format!("did you mean \"{real}\"")), "{}", f[0].message);
        }
    }

    #[test]
    fn wrong_type() {
        assert_eq!(codes(json!({"user_security_context": {"end_user_id": 42}}), None), ["wrong_type"]);
        assert_eq!(codes(json!({"user_security_context": {"source_ip": ["1.2.3.4"]}}), None), ["wrong_type"]);
        assert_eq!(codes(json!({"user": {"EndUserId": "u"}}), None), ["wrong_type"]);
        assert_eq!(codes(json!({"user": r#"{"SourceIP": 17}"#}), None), ["wrong_type"]);
        assert_eq!(codes(json!({"user": r#"{"SourceRequestHeaders": "User-Agent: x"}"#}), None), ["wrong_type"]);
        assert_eq!(codes(json!({"user": r#"{"SourceRequestHeaders": {"User-Agent": 1}}"#}), None), ["wrong_type"]);
        let f = check(&json!({"user_security_context": {"end_user_id": true}}), None);
        assert_eq!(f[0].message, "user_security_context.end_user_id must be a string, not a boolean");
    }

    #[test]
    fn empty_value() {
        assert_eq!(codes(json!({"user_security_context": {"application_name": ""}}), None), ["empty_value"]);
        assert_eq!(codes(json!({"user": ""}), None), ["empty_value"]);
        assert_eq!(codes(json!({"user": r#"{"EndUserTenantId": ""}"#}), None), ["empty_value"]);
        // An empty source_ip is empty, not also an invalid address.
        assert_eq!(codes(json!({"user_security_context": {"source_ip": ""}}), None), ["empty_value"]);
    }

    #[test]
    fn null_value() {
        assert_eq!(codes(json!({"user_security_context": {"end_user_tenant_id": null}}), None), ["null_value"]);
        assert_eq!(codes(json!({"user": null}), None), ["null_value"]);
        assert_eq!(codes(json!({"user": r#"{"ApplicationName": null}"#}), None), ["null_value"]);
        assert_eq!(codes(json!({"user": r#"{"SourceRequestHeaders": null}"#}), None), ["null_value"]);
        assert_eq!(codes(json!({"user": r#"{"SourceRequestHeaders": {"X-Real-IP": null}}"#}), None), ["null_value"]);
    }

    #[test]
    fn invalid_source_ip() {
        for bad in
            ["203.0.113.7:443", "2001:DB8::1", "[2001:db8::1]", "::ffff:192.0.2.1", "010.8.8.8", "unknown", "0.0.0.0"]
        {
            assert_eq!(
                codes(json!({"user_security_context": {"source_ip": bad}}), None),
                ["invalid_source_ip"],
                "{bad}"
            );
            let doc = json!({"SourceIP": bad}).to_string();
            assert_eq!(codes(json!({"user": doc}), None), ["invalid_source_ip"], "{bad}");
        }
        let f = check(&json!({"user_security_context": {"source_ip": "[2001:DB8::1]:80"}}), None);
        assert!(f[0].message.ends_with("send \"2001:db8::1\""), "{}", f[0].message);
        let f = check(&json!({"user": r#"{"SourceIP": "garbage"}"#}), None);
        assert_eq!(f[0].message, "user.SourceIP \"garbage\" is not an IP address");
        for good in ["203.0.113.7", "2001:db8::1", "::1"] {
            assert!(codes(json!({"user_security_context": {"source_ip": good}}), None).is_empty(), "{good}");
        }
    }

    #[test]
    fn user_not_security_document() {
        for user in ["alice", "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", "[1,2]", "\"quoted\"", "42"] {
            let f = check(&json!({"user": user}), None);
            assert_eq!(f.len(), 1, "{user}");
            assert_eq!(f[0].code, FindingCode::UserNotSecurityDocument, "{user}");
            assert!(f[0].code.is_informational());
        }
    }

    #[test]
    fn legacy_user_not_json() {
        for user in ["{EndUserId: u1}", "{\"EndUserId\":\"u1\"", "  {'SourceIP': '1.2.3.4'}", "{} trailing"] {
            assert_eq!(codes(json!({"user": user}), None), ["legacy_user_not_json"], "{user}");
        }
    }

    #[test]
    fn legacy_unknown_key() {
        let f = check(&json!({"user": r#"{"EndUserEmail": "a@b", "SourceIP": "10.0.0.1"}"#}), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FindingCode::LegacyUnknownKey);
        assert!(f[0].message.starts_with("user.EndUserEmail "), "{}", f[0].message);
    }

    #[test]
    fn legacy_misspelled_key() {
        for (key, real) in [
            ("SourceIp", "SourceIP"),
            ("sourceip", "SourceIP"),
            ("EndUserID", "EndUserId"),
            ("end_user_tenant_id", "EndUserTenantId"),
            ("applicationName", "ApplicationName"),
            ("SourceRequestheaders", "SourceRequestHeaders"),
        ] {
            let doc = json!({key: "x"}).to_string();
            let f = check(&json!({"user": doc}), None);
            assert_eq!(f.len(), 1, "{key}");
            assert_eq!(f[0].code, FindingCode::LegacyMisspelledKey, "{key}");
            assert!(f[0].message.contains(&format!("did you mean \"{real}\"")), "{}", f[0].message);
        }
    }

    #[test]
    fn legacy_missing_end_user_id_type() {
        assert_eq!(codes(json!({"user": r#"{"EndUserId": "u1"}"#}), None), ["legacy_missing_end_user_id_type"]);
        // A type without an id is fine (SPEC-NOTES: it renders that way).
        assert!(codes(json!({"user": r#"{"EndUserIdType": "Other"}"#}), None).is_empty());
        // A misspelled type key is reported, and the type still counts as missing.
        assert_eq!(
            codes(json!({"user": r#"{"EndUserId": "u1", "EndUserIDType": "AAD"}"#}), None),
            ["legacy_misspelled_key", "legacy_missing_end_user_id_type"]
        );
    }

    #[test]
    fn legacy_invalid_end_user_id_type() {
        let f = check(&json!({"user": r#"{"EndUserId": "u1", "EndUserIdType": "aad"}"#}), None);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, FindingCode::LegacyInvalidEndUserIdType);
        assert!(f[0].message.ends_with("(write \"AAD\")"), "{}", f[0].message);
        assert_eq!(
            codes(json!({"user": r#"{"EndUserId": "u1", "EndUserIdType": "GitHub"}"#}), None),
            ["legacy_invalid_end_user_id_type"]
        );
    }

    #[test]
    fn sensitive_header_forwarded() {
        let doc = r#"{"SourceRequestHeaders": {"User-Agent": "x", "Authorization": "Bearer s3cret", "x-ms-token-aad-id-token": "t"}}"#;
        let f = check(&json!({"user": doc}), None);
        let c: Vec<_> = f.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(c, ["sensitive_header_forwarded", "sensitive_header_forwarded"]);
        assert!(f.iter().all(|f| !f.message.contains("s3cret")), "a finding must not repeat the secret");
    }

    #[test]
    fn too_many_findings() {
        let doc: Map<String, Value> = (0..200).map(|i| (format!("Key{i}"), Value::from(i))).collect();
        let f = check(&json!({"user": Value::Object(doc).to_string()}), None);
        assert_eq!(f.len(), MAX_FINDINGS + 1);
        assert_eq!(f[MAX_FINDINGS].code, FindingCode::TooManyFindings);
    }

    #[test]
    fn long_values_are_quoted_short() {
        let long = "x".repeat(10_000);
        let f = check(&json!({"user_security_context": {"source_ip": long}}), None);
        assert!(f[0].message.len() < 200, "{}", f[0].message.len());
        let long_multibyte = "é".repeat(100);
        let f = check(&json!({"user": long_multibyte}), None);
        assert!(f[0].message.contains('…'));
    }

    #[test]
    fn every_code_is_distinct_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in FindingCode::ALL {
            assert!(seen.insert(code.as_str()), "{code}");
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
        }
    }
}
