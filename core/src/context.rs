//! The resolved context and its two wire formats (SPEC section 2).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::error::{Error, ErrorKind, Result};
use crate::identity::{EasyAuthNote, EndUserIdType, IdentitySource};
use crate::resolve::Reason;

/// The security context of one request: who sent it, from where, and why secctx thinks so.
///
/// Produced by [`Resolver::resolve`](crate::Resolver::resolve). Render it with
/// [`user_security_context_json`](Self::user_security_context_json) (current API versions),
/// [`legacy_user_json`](Self::legacy_user_json) (older ones), or let
/// [`body_fields_for_api_version`](Self::body_fields_for_api_version) choose.
///
/// ```
/// use secctx::{Identity, Request, Resolver};
///
/// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}"#)?;
/// let headers = [("X-Forwarded-For", "203.0.113.7, 10.0.0.9")];
/// let ctx = resolver.resolve(Request::new("10.0.0.2:51234", headers), &Identity::new())?;
/// assert_eq!(ctx.source_ip().unwrap().to_string(), "203.0.113.7");
/// assert_eq!(ctx.user_security_context_json(), r#"{"application_name":"chat","source_ip":"203.0.113.7"}"#);
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityContext {
    pub(crate) application_name: Option<Arc<str>>,
    /// Where `end_user_id` and `end_user_tenant_id` are in `text`.
    pub(crate) end_user_id: Option<std::ops::Range<usize>>,
    pub(crate) end_user_id_type: Option<EndUserIdType>,
    pub(crate) end_user_tenant_id: Option<std::ops::Range<usize>>,
    pub(crate) source_ip: Option<IpAddr>,
    pub(crate) peer: Option<IpAddr>,
    /// Names and where their values are in `text`.
    pub(crate) source_request_headers: Vec<(Arc<str>, std::ops::Range<usize>)>,
    /// The end user's id and tenant id, then the source request headers' values: one
    /// allocation for every string the context owns.
    pub(crate) text: String,
    pub(crate) reason: Reason,
    pub(crate) identity_source: IdentitySource,
    pub(crate) easy_auth_note: Option<EasyAuthNote>,
}

impl SecurityContext {
    /// The application's name (per request, else the configuration's).
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.application_name(), Some("chat"));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The end user's id.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.end_user_id(), Some("u1"));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn end_user_id(&self) -> Option<&str> {
        self.end_user_id.clone().map(|r| &self.text[r])
    }

    /// The kind of identity provider behind the id.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.end_user_id_type(), Some(secctx::EndUserIdType::Google));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn end_user_id_type(&self) -> Option<EndUserIdType> {
        self.end_user_id_type
    }

    /// The end user's tenant id.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.end_user_tenant_id(), Some("t1"));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn end_user_tenant_id(&self) -> Option<&str> {
        self.end_user_tenant_id.clone().map(|r| &self.text[r])
    }

    /// The original client's address (SPEC section 4), canonical; absent when it cannot be known.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.source_ip().map(|ip| ip.to_string()).as_deref(), Some("203.0.113.7"));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn source_ip(&self) -> Option<IpAddr> {
        self.source_ip
    }

    /// The immediate peer's address, canonical (the legacy `SourceIP`).
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.peer().map(|ip| ip.to_string()).as_deref(), Some("10.0.0.2"));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn peer(&self) -> Option<IpAddr> {
        self.peer
    }

    /// The allow-listed request headers (the legacy `SourceRequestHeaders`), in allow-list order.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.source_request_headers().collect::<Vec<_>>(), [("User-Agent", "curl/8")]);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn source_request_headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone {
        self.source_request_headers.iter().map(|(n, range)| (&**n, &self.text[range.clone()]))
    }

    /// Why `source_ip` is what it is.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.reason(), secctx::Reason::ChosenAtHop { hop: 1 });
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// Where the end user's identity came from.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat", "request_headers": ["User-Agent"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")];
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", headers), &Identity::new().end_user_id("u1").end_user_id_type("google").end_user_tenant_id("t1"))?;
    /// assert_eq!(ctx.identity_source(), secctx::IdentitySource::Explicit);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn identity_source(&self) -> IdentitySource {
        self.identity_source
    }

    /// Set when Easy Auth headers were present but (partly) ignored.
    ///
    /// ```
    /// use secctx::{EasyAuthNote, Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trust_easy_auth": true}"#)?;
    /// let ctx = resolver.resolve(Request::new("169.254.0.1", [("X-MS-CLIENT-PRINCIPAL", "%%%")]), &Identity::new())?;
    /// assert_eq!(ctx.easy_auth_note(), Some(EasyAuthNote::Malformed("not valid base64")));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn easy_auth_note(&self) -> Option<EasyAuthNote> {
        self.easy_auth_note
    }

    /// The `user_security_context` object (SPEC 2.1) as compact JSON: keys in the order
    /// `application_name`, `end_user_id`, `end_user_tenant_id`, `source_ip`; absent values
    /// omitted.
    ///
    /// ```
    /// use secctx::{Peer, Identity, Request, Resolver};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id("u1"))?;
    /// assert_eq!(ctx.user_security_context_json(), r#"{"end_user_id":"u1"}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn user_security_context_json(&self) -> String {
        // Keys, quotes and commas take at most 72 bytes; values rarely need escaping.
        let values = [self.application_name.as_deref(), self.end_user_id(), self.end_user_tenant_id()]
            .iter()
            .map(|v| v.map_or(0, str::len))
            .sum::<usize>();
        let mut out = String::with_capacity(72 + IpText::CAPACITY + values);
        let mut obj = JsonObject::new(&mut out);
        for (key, value) in self.user_security_context_members() {
            match value {
                FieldText::Str(s) => obj.opt_str(key, Some(s)),
                FieldText::Ip(ip) => {
                    obj.key(key);
                    obj.out.push('"');
                    obj.out.push_str(&ip);
                    obj.out.push('"');
                }
            }
        }
        obj.end();
        out
    }

    /// The members of the `user_security_context` object (SPEC 2.1), in order, absent ones
    /// omitted: exactly what [`user_security_context_json`](Self::user_security_context_json)
    /// renders, for bindings that build their runtime's own object instead of parsing JSON.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}"#)?;
    /// let ctx = resolver.resolve(Request::new("10.0.0.2", [("X-Forwarded-For", "203.0.113.7")]), &Identity::new())?;
    /// let members: Vec<(&str, String)> =
    ///     ctx.user_security_context_members().map(|(k, v)| (k, v.to_string())).collect();
    /// assert_eq!(members, [("application_name", "chat".to_string()), ("source_ip", "203.0.113.7".to_string())]);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn user_security_context_members(&self) -> impl Iterator<Item = (&'static str, FieldText<'_>)> {
        [
            ("application_name", self.application_name.as_deref().map(FieldText::Str)),
            ("end_user_id", self.end_user_id().map(FieldText::Str)),
            ("end_user_tenant_id", self.end_user_tenant_id().map(FieldText::Str)),
            ("source_ip", self.source_ip.map(|ip| FieldText::Ip(IpText::new(ip)))),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?)))
    }

    /// The legacy `user` document (SPEC 2.2) as compact JSON: `EndUserId`, `EndUserIdType`,
    /// `EndUserTenantId`, `SourceIP` (the peer), `SourceRequestHeaders`, `ApplicationName`.
    ///
    /// Fails with `missing_end_user_id_type` when there is an `EndUserId` but no type.
    ///
    /// ```
    /// use secctx::{ErrorKind, Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"request_headers": []}"#)?;
    /// let ctx = resolver.resolve(Request::new("192.0.2.1", []), &Identity::new().end_user_id("u1").end_user_id_type("other"))?;
    /// assert_eq!(ctx.legacy_user_json()?, r#"{"EndUserId":"u1","EndUserIdType":"Other","SourceIP":"192.0.2.1"}"#);
    ///
    /// let ctx = resolver.resolve(Request::new("192.0.2.1", []), &Identity::new().end_user_id("u1"))?;
    /// assert_eq!(ctx.legacy_user_json().unwrap_err().kind(), ErrorKind::MissingEndUserIdType);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn legacy_user_json(&self) -> Result<String> {
        let peer = self.peer.map(IpText::new);
        legacy_json(&LegacyParts {
            end_user_id: self.end_user_id(),
            end_user_id_type: self.end_user_id_type.map(EndUserIdType::as_str),
            end_user_tenant_id: self.end_user_tenant_id(),
            peer: peer.as_deref(),
            source_request_headers: self.source_request_headers(),
            application_name: self.application_name(),
        })
    }

    /// The request-body field for an api-version (SPEC 2.3): `user_security_context` for `v1`,
    /// `latest`, `preview` and previews from 2024-12-01; the legacy `user` string otherwise.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new("192.0.2.1", []), &Identity::new())?;
    /// let fields = ctx.body_fields_for_api_version("2024-10-21")?;
    /// assert_eq!(fields.format(), WireFormat::LegacyUser);
    /// assert_eq!(fields.to_json(), r#"{"user":"{\"SourceIP\":\"192.0.2.1\"}"}"#);
    /// let fields = ctx.body_fields_for_api_version("v1")?;
    /// assert_eq!(fields.to_json(), r#"{"user_security_context":{"source_ip":"192.0.2.1"}}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn body_fields_for_api_version(&self, api_version: &str) -> Result<BodyFields> {
        let format = WireFormat::for_api_version(api_version)?;
        self.body_fields(format)
    }

    /// The request-body field in a given format.
    ///
    /// ```
    /// use secctx::{Peer, Identity, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new())?;
    /// assert_eq!(ctx.body_fields(WireFormat::UserSecurityContext)?.value_json(), "{}");
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn body_fields(&self, format: WireFormat) -> Result<BodyFields> {
        let value_json = match format {
            WireFormat::UserSecurityContext => self.user_security_context_json(),
            WireFormat::LegacyUser => json_string(&self.legacy_user_json()?),
        };
        Ok(BodyFields { format, value_json })
    }
}

/// A JSON string holding `doc` (the legacy document inside the `user` field).
fn json_string(doc: &str) -> String {
    let mut s = String::with_capacity(doc.len() + 16);
    push_json_str(&mut s, doc);
    s
}

/// What the legacy document is made of (SPEC 2.2), as text.
struct LegacyParts<'a, H> {
    end_user_id: Option<&'a str>,
    end_user_id_type: Option<&'a str>,
    end_user_tenant_id: Option<&'a str>,
    peer: Option<&'a str>,
    source_request_headers: H,
    application_name: Option<&'a str>,
}

/// The legacy document: the one renderer behind [`SecurityContext::legacy_user_json`] and
/// [`ContextValues::legacy_user_json`].
fn legacy_json<'a, H>(parts: &LegacyParts<'a, H>) -> Result<String>
where
    H: ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
{
    if parts.end_user_id.is_some() && parts.end_user_id_type.is_none() {
        return Err(Error::new(
            ErrorKind::MissingEndUserIdType,
            "the legacy user document needs EndUserIdType whenever EndUserId is present: pass end_user_id_type (aad, google or other)",
        ));
    }
    let headers = parts.source_request_headers.clone();
    let header_bytes = headers.clone().map(|(n, v)| n.len() + v.len() + 6).sum::<usize>();
    let mut out = String::with_capacity(160 + header_bytes);
    let mut obj = JsonObject::new(&mut out);
    obj.opt_str("EndUserId", parts.end_user_id);
    obj.opt_str("EndUserIdType", parts.end_user_id_type);
    obj.opt_str("EndUserTenantId", parts.end_user_tenant_id);
    if let Some(peer) = parts.peer {
        // An address's text needs no escaping; it goes through the escaper all the same.
        obj.opt_str("SourceIP", Some(peer));
    }
    if headers.len() > 0 {
        obj.key("SourceRequestHeaders");
        let mut inner = JsonObject::new(obj.out);
        for (name, value) in headers {
            inner.opt_str(name, Some(value));
        }
        inner.end();
    }
    obj.opt_str("ApplicationName", parts.application_name);
    obj.end();
    Ok(out)
}

impl Serialize for SecurityContext {
    /// A full record for logs and bindings: the fields, `peer`, `source_request_headers`, the
    /// reason and where the identity came from.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let source_ip = self.source_ip.map(IpText::new);
        let peer = self.peer.map(IpText::new);
        let reason_text = self.reason.to_string();
        let note_text = self.easy_auth_note.map(|n| n.to_string());
        Record {
            application_name: self.application_name(),
            end_user_id: self.end_user_id(),
            end_user_id_type: self.end_user_id_type.map(EndUserIdType::as_str),
            end_user_tenant_id: self.end_user_tenant_id(),
            source_ip: source_ip.as_deref(),
            peer: peer.as_deref(),
            source_request_headers: self.source_request_headers(),
            reason: (self.reason.code(), self.reason.hop(), &reason_text),
            identity_source: self.identity_source.code(),
            easy_auth_note: self.easy_auth_note.map(|n| n.code()).zip(note_text.as_deref()),
        }
        .serialize(serializer)
    }
}

/// The full record as text: the one serializer behind `SecurityContext`'s `Serialize` and
/// [`ContextValues::record_json`].
struct Record<'a, H> {
    application_name: Option<&'a str>,
    end_user_id: Option<&'a str>,
    end_user_id_type: Option<&'a str>,
    end_user_tenant_id: Option<&'a str>,
    source_ip: Option<&'a str>,
    peer: Option<&'a str>,
    source_request_headers: H,
    /// Code, hop, sentence.
    reason: (&'a str, Option<u32>, &'a str),
    identity_source: &'a str,
    /// Code, sentence.
    easy_auth_note: Option<(&'a str, &'a str)>,
}

impl<'a, H> Serialize for Record<'a, H>
where
    H: ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("application_name", &self.application_name)?;
        map.serialize_entry("end_user_id", &self.end_user_id)?;
        map.serialize_entry("end_user_id_type", &self.end_user_id_type)?;
        map.serialize_entry("end_user_tenant_id", &self.end_user_tenant_id)?;
        map.serialize_entry("source_ip", &self.source_ip)?;
        map.serialize_entry("peer", &self.peer)?;
        map.serialize_entry("source_request_headers", &HeaderMap(self.source_request_headers.clone()))?;
        map.serialize_entry("reason", &ReasonView(self.reason))?;
        map.serialize_entry("identity_source", self.identity_source)?;
        match self.easy_auth_note {
            Some(note) => map.serialize_entry("easy_auth_note", &NoteView(note))?,
            None => map.serialize_entry("easy_auth_note", &None::<()>)?,
        }
        map.end()
    }
}

struct HeaderMap<H>(H);

impl<'a, H> Serialize for HeaderMap<H>
where
    H: ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0.clone() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A reason as `Reason`'s own `Serialize` writes it: code, hop when there is one, text.
struct ReasonView<'a>((&'a str, Option<u32>, &'a str));

impl Serialize for ReasonView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (code, hop, text) = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", code)?;
        if let Some(hop) = hop {
            map.serialize_entry("hop", &hop)?;
        }
        map.serialize_entry("text", text)?;
        map.end()
    }
}

struct NoteView<'a>((&'a str, &'a str));

impl Serialize for NoteView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("code", self.0.0)?;
        map.serialize_entry("text", self.0.1)?;
        map.end()
    }
}

/// A security context's values as text, for bindings that copy a context out field by field
/// (Go, .NET) and render its other forms later without keeping the context or its resolver.
/// Every rendering is byte-identical to the [`SecurityContext`] method of the same name, given
/// the values that context's accessors give (addresses as [`IpText`], the reason and the Easy
/// Auth note as their code and sentence).
///
/// ```
/// use secctx::{ContextValues, Identity, Request, Resolver};
/// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}"#)?;
/// let request = Request::new("10.0.0.2", [("X-Forwarded-For", "203.0.113.7"), ("User-Agent", "curl/8")]);
/// let ctx = resolver.resolve(request, &Identity::new().end_user_id("u1").end_user_id_type("aad"))?;
///
/// // What a binding copied out of `ctx`, as text:
/// let values = ContextValues {
///     application_name: Some("chat"),
///     end_user_id: Some("u1"),
///     end_user_id_type: Some("AAD"),
///     source_ip: Some("203.0.113.7"),
///     peer: Some("10.0.0.2"),
///     source_request_headers: vec![("User-Agent", "curl/8"), ("X-Forwarded-For", "203.0.113.7")],
///     reason_code: "chosen_at_hop",
///     reason_hop: Some(1),
///     reason_text: "the first untrusted entry from the right, at hop 1, is the client",
///     identity_source: "explicit",
///     ..ContextValues::default()
/// };
/// assert_eq!(values.legacy_user_json()?, ctx.legacy_user_json()?);
/// assert_eq!(values.record_json(), serde_json::to_string(&ctx).unwrap());
/// assert_eq!(values.body_fields_for_api_version("2024-10-21")?, ctx.body_fields_for_api_version("2024-10-21")?);
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextValues<'a> {
    /// [`SecurityContext::application_name`].
    pub application_name: Option<&'a str>,
    /// [`SecurityContext::end_user_id`].
    pub end_user_id: Option<&'a str>,
    /// [`SecurityContext::end_user_id_type`] as written: `AAD`, `Google` or `Other`.
    pub end_user_id_type: Option<&'a str>,
    /// [`SecurityContext::end_user_tenant_id`].
    pub end_user_tenant_id: Option<&'a str>,
    /// [`SecurityContext::source_ip`] as its canonical text.
    pub source_ip: Option<&'a str>,
    /// [`SecurityContext::peer`] as its canonical text.
    pub peer: Option<&'a str>,
    /// [`SecurityContext::source_request_headers`], in order.
    pub source_request_headers: Vec<(&'a str, &'a str)>,
    /// [`Reason::code`].
    pub reason_code: &'a str,
    /// [`Reason::hop`].
    pub reason_hop: Option<u32>,
    /// The reason's sentence (its `Display`).
    pub reason_text: &'a str,
    /// [`IdentitySource::code`].
    pub identity_source: &'a str,
    /// [`SecurityContext::easy_auth_note`] as its code and sentence.
    pub easy_auth_note: Option<(&'a str, &'a str)>,
}

impl ContextValues<'_> {
    /// [`SecurityContext::user_security_context_json`].
    ///
    /// ```
    /// let values = secctx::ContextValues { end_user_id: Some("u1"), source_ip: Some("192.0.2.1"), ..Default::default() };
    /// assert_eq!(values.user_security_context_json(), r#"{"end_user_id":"u1","source_ip":"192.0.2.1"}"#);
    /// ```
    pub fn user_security_context_json(&self) -> String {
        let mut out = String::with_capacity(160);
        let mut obj = JsonObject::new(&mut out);
        obj.opt_str("application_name", self.application_name);
        obj.opt_str("end_user_id", self.end_user_id);
        obj.opt_str("end_user_tenant_id", self.end_user_tenant_id);
        obj.opt_str("source_ip", self.source_ip);
        obj.end();
        out
    }

    /// [`SecurityContext::legacy_user_json`], with the same error.
    ///
    /// ```
    /// use secctx::ErrorKind;
    /// let values = secctx::ContextValues { end_user_id: Some("u1"), peer: Some("192.0.2.1"), ..Default::default() };
    /// assert_eq!(values.legacy_user_json().unwrap_err().kind(), ErrorKind::MissingEndUserIdType);
    /// let values = secctx::ContextValues { end_user_id_type: Some("Other"), ..values };
    /// assert_eq!(values.legacy_user_json()?, r#"{"EndUserId":"u1","EndUserIdType":"Other","SourceIP":"192.0.2.1"}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn legacy_user_json(&self) -> Result<String> {
        legacy_json(&LegacyParts {
            end_user_id: self.end_user_id,
            end_user_id_type: self.end_user_id_type,
            end_user_tenant_id: self.end_user_tenant_id,
            peer: self.peer,
            source_request_headers: self.source_request_headers.iter().copied(),
            application_name: self.application_name,
        })
    }

    /// [`SecurityContext::body_fields`].
    ///
    /// ```
    /// use secctx::WireFormat;
    /// let values = secctx::ContextValues { peer: Some("192.0.2.1"), ..Default::default() };
    /// assert_eq!(values.body_fields(WireFormat::LegacyUser)?.to_json(), r#"{"user":"{\"SourceIP\":\"192.0.2.1\"}"}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn body_fields(&self, format: WireFormat) -> Result<BodyFields> {
        let value_json = match format {
            WireFormat::UserSecurityContext => self.user_security_context_json(),
            WireFormat::LegacyUser => json_string(&self.legacy_user_json()?),
        };
        Ok(BodyFields { format, value_json })
    }

    /// [`SecurityContext::body_fields_for_api_version`].
    ///
    /// ```
    /// let values = secctx::ContextValues { source_ip: Some("192.0.2.1"), ..Default::default() };
    /// assert_eq!(values.body_fields_for_api_version("v1")?.value_json(), r#"{"source_ip":"192.0.2.1"}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn body_fields_for_api_version(&self, api_version: &str) -> Result<BodyFields> {
        self.body_fields(WireFormat::for_api_version(api_version)?)
    }

    /// The full record, exactly as `serde_json::to_string(&context)` writes it.
    ///
    /// ```
    /// let values = secctx::ContextValues { reason_code: "peer_unknown", reason_text: "no peer", identity_source: "none", ..Default::default() };
    /// assert!(values.record_json().contains(r#""reason":{"code":"peer_unknown","text":"no peer"}"#));
    /// ```
    pub fn record_json(&self) -> String {
        let record = Record {
            application_name: self.application_name,
            end_user_id: self.end_user_id,
            end_user_id_type: self.end_user_id_type,
            end_user_tenant_id: self.end_user_tenant_id,
            source_ip: self.source_ip,
            peer: self.peer,
            source_request_headers: self.source_request_headers.iter().copied(),
            reason: (self.reason_code, self.reason_hop, self.reason_text),
            identity_source: self.identity_source,
            easy_auth_note: self.easy_auth_note,
        };
        // Serializing strings into a String cannot fail.
        serde_json::to_string(&record).unwrap_or_default()
    }
}

/// Which body field an api-version takes (SPEC 2.3).
///
/// ```
/// use secctx::WireFormat;
/// assert_eq!(WireFormat::for_api_version("2024-12-01-preview")?, WireFormat::UserSecurityContext);
/// assert_eq!(WireFormat::for_api_version("2024-11-01-preview")?, WireFormat::LegacyUser);
/// assert_eq!(WireFormat::for_api_version("2025-04-01")?, WireFormat::LegacyUser);
/// assert_eq!(WireFormat::for_api_version("v1")?, WireFormat::UserSecurityContext);
/// assert!(WireFormat::for_api_version("2024-02-30").is_err());
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireFormat {
    /// The `user_security_context` object.
    UserSecurityContext,
    /// The legacy JSON document in the `user` string.
    LegacyUser,
}

impl WireFormat {
    /// Chooses the format for an api-version; anything unrecognised is `invalid_api_version`.
    ///
    /// ```
    /// assert_eq!(secctx::WireFormat::for_api_version("latest")?, secctx::WireFormat::UserSecurityContext);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn for_api_version(api_version: &str) -> Result<WireFormat> {
        match api_version {
            "v1" | "latest" | "preview" => return Ok(WireFormat::UserSecurityContext),
            _ => {}
        }
        let (date, preview) = match api_version.strip_suffix("-preview") {
            Some(date) => (date, true),
            None => (api_version, false),
        };
        let Some(ymd) = parse_date(date) else {
            return Err(Error::new(
                ErrorKind::InvalidApiVersion,
                format!("api-version {api_version:?} is not v1, latest, preview, YYYY-MM-DD or YYYY-MM-DD-preview"),
            ));
        };
        Ok(if preview && ymd >= (2024, 12, 1) { WireFormat::UserSecurityContext } else { WireFormat::LegacyUser })
    }

    /// The body field's name: `user_security_context` or `user`.
    ///
    /// ```
    /// assert_eq!(secctx::WireFormat::LegacyUser.field_name(), "user");
    /// ```
    pub const fn field_name(self) -> &'static str {
        match self {
            WireFormat::UserSecurityContext => "user_security_context",
            WireFormat::LegacyUser => "user",
        }
    }
}

fn parse_date(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

/// The body field to merge into a chat-completions request for one api-version.
///
/// ```
/// use secctx::{Identity, Request, Resolver};
/// let ctx = Resolver::default().resolve(Request::new("192.0.2.1", []), &Identity::new())?;
/// let fields = ctx.body_fields_for_api_version("2025-04-01-preview")?;
/// assert_eq!(fields.field_name(), "user_security_context");
/// assert_eq!(fields.value_json(), r#"{"source_ip":"192.0.2.1"}"#);
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyFields {
    format: WireFormat,
    value_json: String,
}

impl BodyFields {
    /// The format chosen.
    ///
    /// ```
    /// use secctx::{Identity, Peer, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id("u1").end_user_id_type("aad"))?;
    /// let fields = ctx.body_fields_for_api_version("2024-10-21")?;
    /// assert_eq!(fields.format(), WireFormat::LegacyUser);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn format(&self) -> WireFormat {
        self.format
    }

    /// The field's name: `user_security_context` or `user`.
    ///
    /// ```
    /// use secctx::{Identity, Peer, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id("u1").end_user_id_type("aad"))?;
    /// let fields = ctx.body_fields_for_api_version("2024-10-21")?;
    /// assert_eq!(fields.field_name(), "user");
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn field_name(&self) -> &'static str {
        self.format.field_name()
    }

    /// The field's value as JSON text: an object, or a JSON string holding the legacy document.
    ///
    /// ```
    /// use secctx::{Identity, Peer, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id("u1").end_user_id_type("aad"))?;
    /// let fields = ctx.body_fields_for_api_version("2024-10-21")?;
    /// assert_eq!(fields.value_json(), r#""{\"EndUserId\":\"u1\",\"EndUserIdType\":\"AAD\"}""#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn value_json(&self) -> &str {
        &self.value_json
    }

    /// A JSON object holding just this field, ready to merge into a request body.
    ///
    /// ```
    /// use secctx::{Identity, Peer, Request, Resolver, WireFormat};
    /// let ctx = Resolver::default().resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id("u1").end_user_id_type("aad"))?;
    /// let fields = ctx.body_fields_for_api_version("2024-10-21")?;
    /// assert_eq!(fields.to_json(), r#"{"user":"{\"EndUserId\":\"u1\",\"EndUserIdType\":\"AAD\"}"}"#);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let name = self.field_name();
        let mut out = String::with_capacity(name.len() + self.value_json.len() + 5);
        out.push_str("{\"");
        out.push_str(name);
        out.push_str("\":");
        out.push_str(&self.value_json);
        out.push('}');
        out
    }
}

/// A tiny writer for compact JSON objects with string values, in the order written.
struct JsonObject<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> JsonObject<'a> {
    fn new(out: &'a mut String) -> Self {
        out.push('{');
        JsonObject { out, first: true }
    }

    /// Writes a key; keys are fixed ASCII names that need no escaping.
    fn key(&mut self, key: &str) {
        debug_assert!(!needs_escape(key.as_bytes()) && key.is_ascii());
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.key(key);
            push_json_str(self.out, v);
        }
    }

    fn end(self) {
        self.out.push('}');
    }
}

/// Whether any byte is a control character, `"` or `\`; eight bytes at a time.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    #[inline]
    fn has_zero(x: u64) -> bool {
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    }
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // A byte below 0x20 (high bit clear) gives a borrow into its high bit.
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
        if below_space || has_zero(x ^ (ONES * u64::from(b'"'))) || has_zero(x ^ (ONES * u64::from(b'\\'))) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The canonical text of an address (exactly what its `Display` writes), held on the stack:
/// IPv4 is written without the formatting machinery, which matters on the hot path. For
/// bindings that hand addresses to another runtime as text.
///
/// ```
/// use secctx::IpText;
/// let ip: std::net::IpAddr = "203.0.113.7".parse().unwrap();
/// assert_eq!(IpText::new(ip).as_str(), "203.0.113.7");
/// let ip: std::net::IpAddr = "2001:db8:0:0::1".parse().unwrap();
/// assert_eq!(&*IpText::new(ip), "2001:db8::1");
/// ```
#[derive(Clone, Copy)]
pub struct IpText {
    buf: [u8; IpText::CAPACITY],
    len: u8,
}

impl IpText {
    /// The longest canonical text of an address (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`
    /// is 45 bytes), rounded up.
    const CAPACITY: usize = 48;

    /// Renders `ip`.
    pub fn new(ip: IpAddr) -> IpText {
        let mut t = IpText { buf: [0; IpText::CAPACITY], len: 0 };
        match ip {
            IpAddr::V4(v4) => {
                let mut n = 0;
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        t.buf[n] = b'.';
                        n += 1;
                    }
                    if octet >= 100 {
                        t.buf[n] = b'0' + octet / 100;
                        n += 1;
                    }
                    if octet >= 10 {
                        t.buf[n] = b'0' + octet / 10 % 10;
                        n += 1;
                    }
                    t.buf[n] = b'0' + octet % 10;
                    n += 1;
                }
                t.len = n as u8;
            }
            IpAddr::V6(v6) => {
                let _ = fmt::Write::write_fmt(&mut t, format_args!("{v6}"));
            }
        }
        t
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, dots, colons and hex letters are ever written.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Write for IpText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let start = usize::from(self.len);
        let end = start + s.len();
        let dst = self.buf.get_mut(start..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end as u8;
        Ok(())
    }
}

impl std::ops::Deref for IpText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The value of one member of the `user_security_context` object: text borrowed from the
/// context, or an address rendered on the stack. Either way it derefs to `&str`.
#[derive(Clone, Copy, Debug)]
pub enum FieldText<'a> {
    /// Text held by the context.
    Str(&'a str),
    /// An address, as canonical text.
    Ip(IpText),
}

impl FieldText<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            FieldText::Str(s) => s,
            FieldText::Ip(t) => t.as_str(),
        }
    }
}

impl std::ops::Deref for FieldText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// Appends `s` as a JSON string, escaped as serde_json does (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`,
/// `\f`, other control characters as `\u00xx`; everything else as UTF-8).
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_escape_agrees_with_a_byte_loop() {
        let mut samples: Vec<Vec<u8>> = vec![b"plain text that is long enough".to_vec()];
        for b in 0u8..=255 {
            for pos in 0..17 {
                let mut v = vec![b'a'; 17];
                v[pos] = b;
                samples.push(v);
            }
        }
        for v in samples {
            let slow = v.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            assert_eq!(needs_escape(&v), slow, "{v:?}");
        }
    }

    #[test]
    fn ip_text_matches_display() {
        for ip in ["0.0.0.1", "9.10.99.100", "255.255.255.255", "203.0.113.7", "2001:db8::1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(IpText::new(ip).as_str(), ip.to_string());
        }
    }

    #[test]
    fn escaping_matches_serde_json() {
        for s in ["plain", "q\"b\\s", "\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}", "é ü 漢 😀", "</script>"] {
            let mut ours = String::new();
            push_json_str(&mut ours, s);
            assert_eq!(ours, serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn api_versions() {
        use WireFormat::*;
        for (v, f) in [
            ("v1", UserSecurityContext),
            ("latest", UserSecurityContext),
            ("preview", UserSecurityContext),
            ("2024-12-01-preview", UserSecurityContext),
            ("2025-04-01-preview", UserSecurityContext),
            ("2024-10-01-preview", LegacyUser),
            ("2024-10-21", LegacyUser),
            ("2024-02-29", LegacyUser),
        ] {
            assert_eq!(WireFormat::for_api_version(v).unwrap(), f, "{v}");
        }
        for v in [
            "",
            "V1",
            " v1",
            "2024-12-01-Preview",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-12-01",
            "2024-12-01-preview-x",
            "+024-12-01",
        ] {
            assert_eq!(WireFormat::for_api_version(v).unwrap_err().kind(), ErrorKind::InvalidApiVersion, "{v}");
        }
    }
}
