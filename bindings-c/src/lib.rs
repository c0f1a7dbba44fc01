//! The C ABI of secctx: `libsecctx.so` / `libsecctx.a` and the header `include/secctx.h`
//! (generated from this file by cbindgen; `tests/header.rs` fails when they drift).
//!
//! This crate only translates between C and the Rust core (`secctx`): every decision about
//! addresses, headers, identity and JSON is the core's.
//!
//! Conventions, the same for every function:
//!
//! - Every symbol and type starts with `secctx_`. Handles are opaque.
//! - A function that can fail returns `secctx_error *`: NULL on success, otherwise an error
//!   owned by the caller (free it with `secctx_error_free`). On failure, out-parameters are left
//!   untouched.
//! - Inputs are borrowed `(pointer, length)` byte strings; nothing is kept after the call
//!   returns. A NULL pointer with length 0 is the empty string.
//! - Strings the library allocates (`char *` out-parameters) are NUL-terminated UTF-8 owned by
//!   the caller and freed only with `secctx_string_free` (never with C `free`).
//! - Views (`secctx_str` results) borrow from a context and stay valid until that context is
//!   freed; they are NUL-terminated too.
//! - Every `_free` accepts NULL.
//! - No Rust panic crosses the boundary: every function body runs under one guard that turns a
//!   panic into an error with code `SECCTX_ERROR_CODE_PANIC` (or an empty result where the
//!   function cannot fail).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(non_camel_case_types)]

use std::borrow::Cow;
use std::ffi::{CStr, CString, c_char};
use std::fmt::Display;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use secctx_core::{
    BodyFields, ContextValues, Error, ErrorKind, Identity, IpText, Peer, Request, Resolver, SecurityContext, WireFormat,
};

// ---------------------------------------------------------------------------------------------
// Types

/// A byte string: `len` bytes at `ptr`.
///
/// As an input it is borrowed for the duration of the call only; `ptr` may be NULL when `len` is
/// 0. As a result (a view into a context) `ptr` is NULL when the value is absent; otherwise the
/// bytes are UTF-8 followed by a NUL (not counted in `len`), valid until the context is freed.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct secctx_str {
    /// The first byte, or NULL.
    pub ptr: *const u8,
    /// The number of bytes, not counting any terminating NUL.
    pub len: usize,
}

/// One request header: a name and a value, both borrowed for the duration of the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct secctx_header {
    /// The header's name, in any case.
    pub name: secctx_str,
    /// The header's value.
    pub value: secctx_str,
}

/// Identity values the application passes for one request (SPEC section 6). Each member is
/// borrowed for the duration of the call; a member with a NULL `ptr`, or an empty one, is
/// absent. Values must be UTF-8 (otherwise `SECCTX_ERROR_CODE_INVALID_IDENTITY`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct secctx_identity {
    /// The end user's id (for Entra ID, the object id).
    pub end_user_id: secctx_str,
    /// `aad`, `google` or `other`, in any case.
    pub end_user_id_type: secctx_str,
    /// The end user's tenant id.
    pub end_user_tenant_id: secctx_str,
    /// A per-request application name, over the configuration's.
    pub application_name: secctx_str,
}

/// Every field of a resolved context at once, as views borrowed from the context: valid until
/// the context is freed. Absent values have a NULL `ptr`.
///
/// Guarantee: every present string view of one context (including the names and values of
/// `source_request_headers`) points into one contiguous buffer owned by the context, so a binding
/// may copy the span from the lowest to the highest byte once and slice it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct secctx_context_view {
    /// The application's name.
    pub application_name: secctx_str,
    /// The end user's id.
    pub end_user_id: secctx_str,
    /// `AAD`, `Google` or `Other`.
    pub end_user_id_type: secctx_str,
    /// The end user's tenant id.
    pub end_user_tenant_id: secctx_str,
    /// The original client's address, canonical (`source_ip`).
    pub source_ip: secctx_str,
    /// The immediate peer's address, canonical (the legacy `SourceIP`).
    pub peer: secctx_str,
    /// Why `source_ip` is what it is: a stable code (`peer_untrusted`, `chosen_at_hop`, …).
    pub reason_code: secctx_str,
    /// The same reason, as a sentence for logs.
    pub reason_text: secctx_str,
    /// The hop the reason is about (`chosen_at_hop`, `invalid_entry`), from 1; 0 otherwise.
    pub reason_hop: u32,
    /// Where the identity came from: `explicit`, `easy_auth` or `none`.
    pub identity_source: secctx_str,
    /// Set when Easy Auth headers were present but (partly) ignored: a stable code.
    pub easy_auth_note_code: secctx_str,
    /// The same note, as a sentence.
    pub easy_auth_note_text: secctx_str,
    /// The `user_security_context` object as compact JSON (SPEC 2.1).
    pub user_security_context_json: secctx_str,
    /// The allow-listed request headers (the legacy `SourceRequestHeaders`), in allow-list
    /// order: an array of `n_source_request_headers` entries owned by the context.
    pub source_request_headers: *const secctx_header,
    /// The number of entries of `source_request_headers`.
    pub n_source_request_headers: usize,
}

/// Stable error codes. 1–4 are the specification's error kinds; 100 and up are ABI misuse.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum secctx_error_code {
    /// `invalid_config`: the configuration document is not valid (the message names the key).
    InvalidConfig = 1,
    /// `invalid_identity`: an identity value is not valid (an unknown `end_user_id_type`).
    InvalidIdentity = 2,
    /// `missing_end_user_id_type`: the legacy form needs `EndUserIdType` with `EndUserId`.
    MissingEndUserIdType = 3,
    /// `invalid_api_version`: not `v1`, `latest`, `preview` or a dated version.
    InvalidApiVersion = 4,
    /// `invalid_argument`: a required pointer is NULL or a packed request is malformed.
    InvalidArgument = 100,
    /// `panic`: a bug inside the library was caught at the boundary. Please report it.
    Panic = 101,
}

impl secctx_error_code {
    const fn as_str(self) -> &'static CStr {
        match self {
            secctx_error_code::InvalidConfig => c"invalid_config",
            secctx_error_code::InvalidIdentity => c"invalid_identity",
            secctx_error_code::MissingEndUserIdType => c"missing_end_user_id_type",
            secctx_error_code::InvalidApiVersion => c"invalid_api_version",
            secctx_error_code::InvalidArgument => c"invalid_argument",
            secctx_error_code::Panic => c"panic",
        }
    }

    fn from_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidConfig => secctx_error_code::InvalidConfig,
            ErrorKind::InvalidIdentity => secctx_error_code::InvalidIdentity,
            ErrorKind::MissingEndUserIdType => secctx_error_code::MissingEndUserIdType,
            ErrorKind::InvalidApiVersion => secctx_error_code::InvalidApiVersion,
            // `ErrorKind` is non-exhaustive; a kind added to the core without a code here is a
            // bug of this crate, reported as such rather than mislabelled.
            _ => secctx_error_code::Panic,
        }
    }
}

/// An error: a stable code and a message. Owned by the caller; free with `secctx_error_free`.
pub struct secctx_error {
    code: secctx_error_code,
    message: CString,
}

/// A compiled configuration. Immutable: one resolver may be used from any number of threads at
/// once. Free with `secctx_resolver_free`.
pub struct secctx_resolver {
    inner: Resolver,
}

/// The security context of one request. Immutable once built: it may be read from any thread,
/// and from several at once. Free with `secctx_context_free`.
pub struct secctx_context {
    ctx: SecurityContext,
    view: secctx_context_view,
    // The bytes and header array `view` points into; never modified after construction.
    _text: Box<[u8]>,
    _headers: Box<[secctx_header]>,
}

// SAFETY: the raw pointers in `view` point into `_text` and `_headers`, heap buffers owned by
// the same value and never written after construction; the rest is `Send + Sync`.
unsafe impl Send for secctx_context {}
// SAFETY: as above: shared access only ever reads.
unsafe impl Sync for secctx_context {}

const ABSENT: secctx_str = secctx_str { ptr: ptr::null(), len: 0 };

type Fallible<T> = Result<T, Box<secctx_error>>;

impl secctx_error {
    fn new(code: secctx_error_code, message: impl Into<String>) -> Box<Self> {
        let mut message = message.into();
        if message.contains('\0') {
            message = message.replace('\0', "\u{FFFD}");
        }
        let message = CString::new(message).unwrap_or_default();
        Box::new(secctx_error { code, message })
    }

    fn from_core(err: &Error) -> Box<Self> {
        secctx_error::new(secctx_error_code::from_kind(err.kind()), err.message())
    }

    fn argument(message: impl Into<String>) -> Box<Self> {
        secctx_error::new(secctx_error_code::InvalidArgument, message)
    }

    fn panic(payload: &(dyn std::any::Any + Send)) -> Box<Self> {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        secctx_error::new(secctx_error_code::Panic, format!("internal error in secctx (please report): {what}"))
    }
}

// ---------------------------------------------------------------------------------------------
// The guard and input helpers

/// Runs `f`, turning an error or a panic into an owned `secctx_error *` (NULL on success).
fn guard(f: impl FnOnce() -> Fallible<()>) -> *mut secctx_error {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => ptr::null_mut(),
        Ok(Err(err)) => Box::into_raw(err),
        Err(payload) => Box::into_raw(secctx_error::panic(&*payload)),
    }
}

/// Runs `f`; a panic yields `fallback`. For functions that cannot report an error.
fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Borrows `len` bytes at `ptr`; NULL with length 0 is empty.
///
/// # Safety
/// `ptr` must be NULL or point to `len` readable bytes that outlive `'a`.
unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &str) -> Fallible<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(secctx_error::argument(format!("{what}: NULL pointer with length {len}")));
    }
    // SAFETY: the caller guarantees `len` readable bytes at the non-null `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows an optional byte string: NULL `ptr` is absent.
///
/// # Safety
/// As [`bytes`].
unsafe fn opt_bytes<'a>(s: secctx_str, what: &str) -> Fallible<Option<&'a [u8]>> {
    if s.ptr.is_null() {
        if s.len == 0 {
            return Ok(None);
        }
        return Err(secctx_error::argument(format!("{what}: NULL pointer with length {}", s.len)));
    }
    // SAFETY: forwarded from the caller.
    unsafe { bytes(s.ptr, s.len, what) }.map(Some)
}

fn identity_text<'a>(value: Option<&'a [u8]>, what: &str) -> Fallible<Option<&'a str>> {
    value
        .map(|v| {
            if v.is_ascii() {
                // SAFETY: ASCII is UTF-8 (the common case, checked a word at a time).
                return Ok(unsafe { std::str::from_utf8_unchecked(v) });
            }
            std::str::from_utf8(v).map_err(|e| {
                secctx_error::new(
                    secctx_error_code::InvalidIdentity,
                    format!("identity.{what} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
                )
            })
        })
        .transpose()
}

fn lossy(v: &[u8]) -> Cow<'_, str> {
    // The common case first: `from_utf8_lossy` walks chunk by chunk even over valid input.
    if v.is_ascii() {
        // SAFETY: ASCII is valid UTF-8.
        return Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(v) });
    }
    String::from_utf8_lossy(v)
}

/// Writes `value` to `out` when `out` is not NULL.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null and valid for writes per the caller.
        unsafe { out.write(value) };
    }
}

/// Borrows the context behind a handle.
///
/// # Safety
/// `ctx` must be NULL or a live context from this library.
unsafe fn context<'a>(ctx: *const secctx_context) -> Fallible<&'a secctx_context> {
    // SAFETY: per the caller.
    unsafe { ctx.as_ref() }.ok_or_else(|| secctx_error::argument("context: NULL pointer"))
}

fn owned_string(s: String) -> Fallible<(*mut c_char, usize)> {
    let len = s.len();
    let c =
        CString::new(s).map_err(|_| secctx_error::new(secctx_error_code::Panic, "rendered text holds a NUL byte"))?;
    Ok((c.into_raw(), len))
}

/// Hands `text` to the caller: `*out` owns it, `*out_len` (when not NULL) gets its length.
///
/// # Safety
/// `out` must be non-null and writable; `out_len` NULL or writable.
unsafe fn give_string(text: String, out: *mut *mut c_char, out_len: *mut usize) -> Fallible<()> {
    let (s, len) = owned_string(text)?;
    // SAFETY: per the contract above.
    unsafe {
        out.write(s);
        put(out_len, len);
    }
    Ok(())
}

/// An api-version given as bytes; not UTF-8 is `INVALID_API_VERSION`.
///
/// # Safety
/// `api_version` must be NULL (with `len` 0) or point to `len` readable bytes.
unsafe fn api_version_text<'a>(api_version: *const u8, len: usize) -> Fallible<&'a str> {
    // SAFETY: forwarded.
    let raw = unsafe { bytes(api_version, len, "api_version") }?;
    std::str::from_utf8(raw)
        .map_err(|_| secctx_error::new(secctx_error_code::InvalidApiVersion, "api-version is not valid UTF-8"))
}

/// Hands a body field to the caller: its static name in `*field_name` (when not NULL), its value
/// owned by the caller in `*value_json`, the value's length in `*value_len` (when not NULL).
///
/// # Safety
/// `value_json` must be non-null and writable; the others NULL or writable.
unsafe fn give_body_fields(
    fields: &BodyFields,
    field_name: *mut *const c_char,
    value_json: *mut *mut c_char,
    value_len: *mut usize,
) -> Fallible<()> {
    let name: &'static CStr = match fields.format() {
        WireFormat::UserSecurityContext => c"user_security_context",
        WireFormat::LegacyUser => c"user",
    };
    let (s, n) = owned_string(fields.value_json().to_string())?;
    // SAFETY: per the contract above.
    unsafe {
        put(field_name, name.as_ptr());
        value_json.write(s);
        put(value_len, n);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Building a context

struct TextBuf {
    buf: Vec<u8>,
}

#[derive(Clone, Copy)]
struct Span {
    off: usize,
    len: usize,
    present: bool,
}

const NO_SPAN: Span = Span { off: 0, len: 0, present: false };

impl TextBuf {
    fn str(&mut self, s: Option<&str>) -> Span {
        match s {
            None => NO_SPAN,
            Some(s) => {
                let off = self.buf.len();
                self.buf.extend_from_slice(s.as_bytes());
                self.buf.push(0);
                Span { off, len: s.len(), present: true }
            }
        }
    }

    fn display(&mut self, d: Option<impl Display>) -> Span {
        match d {
            None => NO_SPAN,
            Some(d) => {
                let off = self.buf.len();
                // Writing to a Vec cannot fail.
                let _ = write!(self.buf, "{d}");
                let len = self.buf.len() - off;
                self.buf.push(0);
                Span { off, len, present: true }
            }
        }
    }
}

fn view_of(base: *const u8, span: Span) -> secctx_str {
    if span.present { secctx_str { ptr: base.wrapping_add(span.off), len: span.len } } else { ABSENT }
}

impl secctx_context {
    fn new(ctx: SecurityContext) -> Box<secctx_context> {
        let usc = ctx.user_security_context_json();
        let mut t = TextBuf { buf: Vec::with_capacity(320 + usc.len()) };
        let application_name = t.str(ctx.application_name());
        let end_user_id = t.str(ctx.end_user_id());
        let end_user_id_type = t.str(ctx.end_user_id_type().map(|k| k.as_str()));
        let end_user_tenant_id = t.str(ctx.end_user_tenant_id());
        let source_ip = t.display(ctx.source_ip());
        let peer = t.display(ctx.peer());
        let reason = ctx.reason();
        let reason_code = t.str(Some(reason.code()));
        let reason_text = t.display(Some(reason));
        let identity_source = t.str(Some(ctx.identity_source().code()));
        let note = ctx.easy_auth_note();
        let note_code = t.str(note.map(|n| n.code()));
        let note_text = t.display(note);
        let usc_span = t.str(Some(&usc));
        let header_spans: Vec<(Span, Span)> =
            ctx.source_request_headers().map(|(n, v)| (t.str(Some(n)), t.str(Some(v)))).collect();

        // The buffer is final from here on: pointers into it stay valid while it lives.
        let text: Box<[u8]> = t.buf.into_boxed_slice();
        let base = text.as_ptr();
        let headers: Box<[secctx_header]> = header_spans
            .iter()
            .map(|&(n, v)| secctx_header { name: view_of(base, n), value: view_of(base, v) })
            .collect();
        let view = secctx_context_view {
            application_name: view_of(base, application_name),
            end_user_id: view_of(base, end_user_id),
            end_user_id_type: view_of(base, end_user_id_type),
            end_user_tenant_id: view_of(base, end_user_tenant_id),
            source_ip: view_of(base, source_ip),
            peer: view_of(base, peer),
            reason_code: view_of(base, reason_code),
            reason_text: view_of(base, reason_text),
            reason_hop: reason.hop().unwrap_or(0),
            identity_source: view_of(base, identity_source),
            easy_auth_note_code: view_of(base, note_code),
            easy_auth_note_text: view_of(base, note_text),
            user_security_context_json: view_of(base, usc_span),
            source_request_headers: if headers.is_empty() { ptr::null() } else { headers.as_ptr() },
            n_source_request_headers: headers.len(),
        };
        Box::new(secctx_context { ctx, view, _text: text, _headers: headers })
    }
}

fn resolve_with<'a>(
    resolver: &Resolver,
    peer: Option<&[u8]>,
    headers: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>,
    identity: &Identity<'_>,
) -> Fallible<SecurityContext> {
    // Header names and values are converted lossily: an invalid byte becomes U+FFFD. A name
    // with such a byte matches no configured name; a value with one is not an address.
    let headers: Vec<(Cow<'a, str>, Cow<'a, str>)> = headers.map(|(n, v)| (lossy(n), lossy(v))).collect();
    // A peer that is not UTF-8 is not an address: the peer is unknown.
    let peer: Peer<'_> = match peer {
        None => Peer::Unknown,
        Some(p) => std::str::from_utf8(p).map_or(Peer::Unknown, Peer::Text),
    };
    resolver
        .resolve(Request::new(peer, headers.iter().map(|(n, v)| (&**n, &**v))), identity)
        .map_err(|e| secctx_error::from_core(&e))
}

/// Parses a packed request (see `secctx_resolve_packed`) and resolves it.
fn resolve_packed_bytes(resolver: &Resolver, request: &[u8]) -> Fallible<SecurityContext> {
    let mut p = Packed { rest: request, label: "packed request" };
    let peer = p.field("the peer")?;
    let id = Identity {
        end_user_id: identity_text(p.field("end_user_id")?, "end_user_id")?,
        end_user_id_type: identity_text(p.field("end_user_id_type")?, "end_user_id_type")?,
        end_user_tenant_id: identity_text(p.field("end_user_tenant_id")?, "end_user_tenant_id")?,
        application_name: identity_text(p.field("application_name")?, "application_name")?,
    };
    // One pass checks the framing and whether every name and value is UTF-8 already (the
    // common case): then the core reads the headers straight from the buffer, with no copy.
    let headers = p.rest;
    let mut check = Packed { rest: headers, label: "packed request" };
    let mut all_utf8 = true;
    let mut count = 0;
    while !check.rest.is_empty() {
        let name = check.required("a header name")?;
        let value = check.required("a header value")?;
        all_utf8 &= (name.is_ascii() || std::str::from_utf8(name).is_ok())
            && (value.is_ascii() || std::str::from_utf8(value).is_ok());
        count += 1;
    }
    if !all_utf8 {
        let mut pairs = Vec::with_capacity(count);
        let mut p = Packed { rest: headers, label: "packed request" };
        while !p.rest.is_empty() {
            pairs.push((p.required("a header name")?, p.required("a header value")?));
        }
        return resolve_with(resolver, peer, pairs.into_iter(), &id);
    }
    let peer: Peer<'_> = match peer {
        None => Peer::Unknown,
        Some(p) => std::str::from_utf8(p).map_or(Peer::Unknown, Peer::Text),
    };
    resolver.resolve(Request::new(peer, ValidPairs { rest: headers }), &id).map_err(|e| secctx_error::from_core(&e))
}

/// The header pairs of a packed request whose framing and UTF-8 were checked.
struct ValidPairs<'a> {
    rest: &'a [u8],
}

impl<'a> ValidPairs<'a> {
    fn text(&mut self) -> Option<&'a str> {
        let (len, rest) = self.rest.split_first_chunk::<4>()?;
        let (value, rest) = rest.split_at_checked(u32::from_le_bytes(*len) as usize)?;
        self.rest = rest;
        // SAFETY: `resolve_packed_bytes` checked that every name and value is UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(value) })
    }
}

impl<'a> Iterator for ValidPairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        Some((self.text()?, self.text()?))
    }
}

/// Writes the packed result format of `secctx_resolve_packed_into` into a caller's buffer,
/// counting what does not fit.
struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
    too_long: bool,
}

impl Out<'_> {
    fn bytes(&mut self, b: &[u8]) {
        let end = self.pos.saturating_add(b.len());
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(b);
        }
        self.pos = end;
    }

    fn len_prefix(&mut self, len: usize) {
        match u32::try_from(len) {
            Ok(n) if n != u32::MAX => self.bytes(&n.to_le_bytes()),
            _ => {
                self.too_long = true;
                self.bytes(&[0; 4]);
            }
        }
    }

    fn field(&mut self, s: Option<&str>) {
        match s {
            None => self.bytes(&u32::MAX.to_le_bytes()),
            Some(s) => {
                self.len_prefix(s.len());
                self.bytes(s.as_bytes());
            }
        }
    }

    fn display(&mut self, d: Option<impl Display>) {
        let Some(d) = d else {
            self.bytes(&u32::MAX.to_le_bytes());
            return;
        };
        let start = self.pos;
        self.bytes(&[0; 4]);
        let _ = std::fmt::Write::write_fmt(self, format_args!("{d}"));
        let len = self.pos - start - 4;
        let prefix = u32::try_from(len).unwrap_or(0).to_le_bytes();
        if let Some(dst) = self.buf.get_mut(start..start + 4) {
            dst.copy_from_slice(&prefix);
        }
    }
}

impl Out<'_> {
    /// An address as its canonical text (the core's `IpText`: no `fmt` machinery for IPv4).
    fn ip(&mut self, ip: Option<std::net::IpAddr>) {
        match ip {
            Some(ip) => self.field(Some(IpText::new(ip).as_str())),
            None => self.field(None),
        }
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

fn write_result(ctx: &SecurityContext, out: &mut Out<'_>) {
    out.field(ctx.application_name());
    out.field(ctx.end_user_id());
    out.field(ctx.end_user_id_type().map(|k| k.as_str()));
    out.field(ctx.end_user_tenant_id());
    out.ip(ctx.source_ip());
    out.ip(ctx.peer());
    let reason = ctx.reason();
    out.field(Some(reason.code()));
    out.display(Some(reason));
    out.bytes(&reason.hop().unwrap_or(0).to_le_bytes());
    out.field(Some(ctx.identity_source().code()));
    let note = ctx.easy_auth_note();
    out.field(note.map(|n| n.code()));
    out.display(note);
    out.field(Some(&ctx.user_security_context_json()));
    for (name, value) in ctx.source_request_headers() {
        out.field(Some(name));
        out.field(Some(value));
    }
}

// ---------------------------------------------------------------------------------------------
// Library

/// The version of the library, e.g. `"0.1.0"`: a static NUL-terminated string owned by the
/// library (never free it). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn secctx_version() -> *const c_char {
    guard_value(c"".as_ptr(), || concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

// ---------------------------------------------------------------------------------------------
// Errors

/// The stable code of `err` (`SECCTX_ERROR_CODE_*`). `err` is borrowed. Returns
/// `SECCTX_ERROR_CODE_INVALID_ARGUMENT` for NULL. Thread-safe for concurrent reads.
///
/// # Safety
/// `err` must be NULL or an error returned by this library and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_error_get_code(err: *const secctx_error) -> secctx_error_code {
    guard_value(secctx_error_code::Panic, || {
        // SAFETY: per the contract above.
        unsafe { err.as_ref() }.map_or(secctx_error_code::InvalidArgument, |e| e.code)
    })
}

/// The specification's name for an error code: `"invalid_config"`, `"invalid_identity"`,
/// `"missing_end_user_id_type"`, `"invalid_api_version"`, `"invalid_argument"`, `"panic"`, or
/// `"unknown"` for any other number. A static NUL-terminated string owned by the library (never
/// free it). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn secctx_error_code_str(code: u32) -> *const c_char {
    guard_value(c"unknown".as_ptr(), || {
        let code = match code {
            1 => secctx_error_code::InvalidConfig,
            2 => secctx_error_code::InvalidIdentity,
            3 => secctx_error_code::MissingEndUserIdType,
            4 => secctx_error_code::InvalidApiVersion,
            100 => secctx_error_code::InvalidArgument,
            101 => secctx_error_code::Panic,
            _ => return c"unknown".as_ptr(),
        };
        code.as_str().as_ptr()
    })
}

/// The message of `err`: NUL-terminated UTF-8 borrowed from `err`, valid until
/// `secctx_error_free(err)`. When `len` is not NULL it receives the length in bytes (without
/// the NUL). For configuration errors the message starts with the key at fault. NULL `err`
/// yields `""`. Thread-safe for concurrent reads.
///
/// # Safety
/// `err` must be NULL or a live error from this library; `len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_error_message(err: *const secctx_error, len: *mut usize) -> *const c_char {
    guard_value(c"".as_ptr(), || {
        // SAFETY: per the contract above.
        let msg: &CStr = unsafe { err.as_ref() }.map_or(c"", |e| e.message.as_c_str());
        // SAFETY: `len` is NULL or writable.
        unsafe { put(len, msg.count_bytes()) };
        msg.as_ptr()
    })
}

/// Frees an error. NULL is accepted and ignored. After this call `err` and any message borrowed
/// from it are invalid. Must not race with other uses of the same error.
///
/// # Safety
/// `err` must be NULL or an error from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_error_free(err: *mut secctx_error) {
    guard_value((), || {
        if !err.is_null() {
            // SAFETY: the error came from `Box::into_raw` and is freed once.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}

/// Frees a string this library returned through a `char **` out-parameter. NULL is accepted and
/// ignored. Calling C `free` on such a string instead is a bug (another allocator).
///
/// # Safety
/// `s` must be NULL or a string returned by this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_string_free(s: *mut c_char) {
    guard_value((), || {
        if !s.is_null() {
            // SAFETY: the string came from `CString::into_raw` and is freed once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Resolver

/// Compiles a resolver from the configuration JSON document (SPEC section 3): `len` bytes at
/// `config_json`, borrowed for the call only (no NUL needed).
///
/// On success returns NULL and stores a new resolver in `*out`, owned by the caller (free it with
/// `secctx_resolver_free`). On failure returns an error owned by the caller and leaves `*out`
/// untouched: `SECCTX_ERROR_CODE_INVALID_CONFIG` (the message names the key; also when the bytes
/// are not UTF-8) or `SECCTX_ERROR_CODE_INVALID_ARGUMENT` (`config_json` NULL with a non-zero
/// `len`, or `out` NULL). Thread-safe.
///
/// # Safety
/// `config_json` must be NULL or point to `len` readable bytes; `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolver_new(
    config_json: *const u8,
    len: usize,
    out: *mut *mut secctx_resolver,
) -> *mut secctx_error {
    guard(|| {
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let raw = unsafe { bytes(config_json, len, "config_json") }?;
        let text = std::str::from_utf8(raw).map_err(|e| {
            secctx_error::new(
                secctx_error_code::InvalidConfig,
                format!("the configuration is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
            )
        })?;
        let inner = Resolver::from_json(text).map_err(|e| secctx_error::from_core(&e))?;
        let handle = Box::into_raw(Box::new(secctx_resolver { inner }));
        // SAFETY: `out` is non-null and writable.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a resolver. NULL is accepted and ignored. Contexts it produced stay valid (they own
/// their data). Must not race with other uses of the same resolver.
///
/// # Safety
/// `resolver` must be NULL or a resolver from `secctx_resolver_new` that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolver_free(resolver: *mut secctx_resolver) {
    guard_value((), || {
        if !resolver.is_null() {
            // SAFETY: the resolver came from `Box::into_raw` and is freed once.
            drop(unsafe { Box::from_raw(resolver) });
        }
    })
}

/// Every header name a resolve with this resolver may read, in lower case, separated by `'\n'`
/// (a header name never holds one), e.g. `"x-forwarded-for\nuser-agent"`. A resolve gives the
/// same result when the caller passes only the headers whose names match one of these
/// (ASCII case-insensitively), so a binding can filter on its own side before packing.
///
/// On success returns NULL and stores a new NUL-terminated string owned by the caller in `*out`
/// (free it with `secctx_string_free`), its length in `*out_len` when not NULL. On failure
/// returns an error owned by the caller (`SECCTX_ERROR_CODE_INVALID_ARGUMENT` for a NULL
/// `resolver` or `out`), leaving the out-parameters untouched. Thread-safe.
///
/// # Safety
/// `resolver` must be NULL or a live resolver; `out` and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolver_read_header_names(
    resolver: *const secctx_resolver,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let resolver = unsafe { resolver.as_ref() }.ok_or_else(|| secctx_error::argument("resolver: NULL pointer"))?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        let names: Vec<&str> = resolver.inner.read_header_names().collect();
        // SAFETY: `out` is non-null and writable; `out_len` NULL or writable.
        unsafe { give_string(names.join("\n"), out, out_len) }
    })
}

/// Resolves one request (SPEC sections 4–6).
///
/// - `peer`/`peer_len`: the socket peer as text (`ip`, `ip:port`, `[ipv6]:port`, …); NULL means
///   unknown. Text that is not an address (or not UTF-8) is an unknown peer, not an error.
/// - `headers`/`n_headers`: the request's headers in arrival order, repeats allowed; NULL when
///   `n_headers` is 0. Names and values that are not UTF-8 are read with each invalid sequence
///   replaced by U+FFFD (such a name matches nothing; such a value is not an address).
/// - `identity`: NULL for none.
///
/// Everything is borrowed for the call only. On success returns NULL and stores a new context in
/// `*out`, owned by the caller (free it with `secctx_context_free`). On failure returns an error
/// owned by the caller and leaves `*out` untouched: `SECCTX_ERROR_CODE_INVALID_IDENTITY` (an
/// unknown `end_user_id_type`, or identity text that is not UTF-8) or
/// `SECCTX_ERROR_CODE_INVALID_ARGUMENT` (NULL `resolver` or `out`, a NULL pointer with a
/// non-zero length). The resolver is only read: any number of threads may resolve with one
/// resolver at once.
///
/// # Safety
/// Every pointer must be NULL or valid for its stated length; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolve(
    resolver: *const secctx_resolver,
    peer: *const u8,
    peer_len: usize,
    headers: *const secctx_header,
    n_headers: usize,
    identity: *const secctx_identity,
    out: *mut *mut secctx_context,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let resolver = unsafe { resolver.as_ref() }.ok_or_else(|| secctx_error::argument("resolver: NULL pointer"))?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        let peer = if peer.is_null() {
            None
        } else {
            // SAFETY: per the contract above.
            Some(unsafe { bytes(peer, peer_len, "peer") }?)
        };
        let headers: &[secctx_header] = if headers.is_null() {
            if n_headers != 0 {
                return Err(secctx_error::argument(format!("headers: NULL pointer with n_headers {n_headers}")));
            }
            &[]
        } else {
            // SAFETY: per the contract above.
            unsafe { std::slice::from_raw_parts(headers, n_headers) }
        };
        let mut pairs = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            // SAFETY: per the contract above.
            let name = unsafe { bytes(h.name.ptr, h.name.len, "header name") }
                .map_err(|_| secctx_error::argument(format!("headers[{i}].name: NULL pointer with a length")))?;
            // SAFETY: per the contract above.
            let value = unsafe { bytes(h.value.ptr, h.value.len, "header value") }
                .map_err(|_| secctx_error::argument(format!("headers[{i}].value: NULL pointer with a length")))?;
            pairs.push((name, value));
        }
        // SAFETY: per the contract above.
        let id = match unsafe { identity.as_ref() } {
            None => Identity::new(),
            Some(id) => Identity {
                // SAFETY: per the contract above (each member).
                end_user_id: identity_text(
                    unsafe { opt_bytes(id.end_user_id, "identity.end_user_id") }?,
                    "end_user_id",
                )?,
                end_user_id_type: identity_text(
                    // SAFETY: as above.
                    unsafe { opt_bytes(id.end_user_id_type, "identity.end_user_id_type") }?,
                    "end_user_id_type",
                )?,
                end_user_tenant_id: identity_text(
                    // SAFETY: as above.
                    unsafe { opt_bytes(id.end_user_tenant_id, "identity.end_user_tenant_id") }?,
                    "end_user_tenant_id",
                )?,
                application_name: identity_text(
                    // SAFETY: as above.
                    unsafe { opt_bytes(id.application_name, "identity.application_name") }?,
                    "application_name",
                )?,
            },
        };
        let ctx = secctx_context::new(resolve_with(&resolver.inner, peer, pairs.into_iter(), &id)?);
        // SAFETY: `out` is non-null and writable.
        unsafe { out.write(Box::into_raw(ctx)) };
        Ok(())
    })
}

/// A reader of the packed formats (the request of `secctx_resolve_packed`, the result of
/// `secctx_resolve_packed_into`); `label` names the buffer in errors.
struct Packed<'a> {
    rest: &'a [u8],
    label: &'static str,
}

impl<'a> Packed<'a> {
    fn field(&mut self, what: &str) -> Fallible<Option<&'a [u8]>> {
        let label = self.label;
        let Some((len, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(secctx_error::argument(format!("{label}: truncated before the length of {what}")));
        };
        let len = u32::from_le_bytes(*len);
        if len == u32::MAX {
            self.rest = rest;
            return Ok(None);
        }
        let len = len as usize;
        if len > rest.len() {
            return Err(secctx_error::argument(format!(
                "{label}: {what} claims {len} bytes but only {} remain",
                rest.len()
            )));
        }
        let (value, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(Some(value))
    }

    fn required(&mut self, what: &str) -> Fallible<&'a [u8]> {
        let label = self.label;
        self.field(what)?.ok_or_else(|| secctx_error::argument(format!("{label}: {what} cannot be absent")))
    }

    /// An optional field that must be UTF-8.
    fn text(&mut self, what: &str) -> Fallible<Option<&'a str>> {
        let label = self.label;
        self.field(what)?
            .map(|v| {
                std::str::from_utf8(v).map_err(|_| secctx_error::argument(format!("{label}: {what} is not UTF-8")))
            })
            .transpose()
    }

    fn required_text(&mut self, what: &str) -> Fallible<&'a str> {
        let label = self.label;
        self.text(what)?.ok_or_else(|| secctx_error::argument(format!("{label}: {what} cannot be absent")))
    }

    fn u32(&mut self, what: &str) -> Fallible<u32> {
        let label = self.label;
        let Some((n, rest)) = self.rest.split_first_chunk::<4>() else {
            return Err(secctx_error::argument(format!("{label}: truncated before {what}")));
        };
        self.rest = rest;
        Ok(u32::from_le_bytes(*n))
    }
}

/// Reads a packed result (the format of `secctx_resolve_packed_into`) back into the core's
/// `ContextValues`, which renders every form as the context did.
fn result_values(result: &[u8]) -> Fallible<ContextValues<'_>> {
    let mut p = Packed { rest: result, label: "packed result" };
    let application_name = p.text("application_name")?;
    let end_user_id = p.text("end_user_id")?;
    let end_user_id_type = p.text("end_user_id_type")?;
    let end_user_tenant_id = p.text("end_user_tenant_id")?;
    let source_ip = p.text("source_ip")?;
    let peer = p.text("peer")?;
    let reason_code = p.required_text("reason_code")?;
    let reason_text = p.required_text("reason_text")?;
    let reason_hop = Some(p.u32("reason_hop")?).filter(|&hop| hop != 0);
    let identity_source = p.required_text("identity_source")?;
    let easy_auth_note = match (p.text("easy_auth_note_code")?, p.text("easy_auth_note_text")?) {
        (Some(code), Some(text)) => Some((code, text)),
        (None, None) => None,
        _ => return Err(secctx_error::argument("packed result: an easy_auth_note needs both its code and its text")),
    };
    p.field("user_security_context_json")?;
    let mut source_request_headers = Vec::new();
    while !p.rest.is_empty() {
        source_request_headers.push((p.required_text("a header name")?, p.required_text("a header value")?));
    }
    Ok(ContextValues {
        application_name,
        end_user_id,
        end_user_id_type,
        end_user_tenant_id,
        source_ip,
        peer,
        source_request_headers,
        reason_code,
        reason_hop,
        reason_text,
        identity_source,
        easy_auth_note,
    })
}

/// Resolves one request given as ONE packed buffer (the cheapest form for cgo and P/Invoke: no
/// pointers inside the buffer), and optionally fills a view of the result in the same call.
///
/// The buffer is a sequence of fields, each a 4-byte little-endian length `n` followed by `n`
/// bytes; the length `0xFFFFFFFF` means "absent" and is followed by no bytes. In order: the
/// peer (absent = unknown), `end_user_id`, `end_user_id_type`, `end_user_tenant_id`,
/// `application_name` (each absent or empty = not given), then zero or more header name/value
/// pairs (neither may be absent) up to the end of the buffer. Text is read exactly as
/// `secctx_resolve` reads it.
///
/// The buffer is borrowed for the call only. On success returns NULL, stores a new context in
/// `*out` (owned by the caller; free it with `secctx_context_free`) and, when `view` is not
/// NULL, fills `*view` with views borrowed from that context. On failure returns an error owned
/// by the caller and leaves `*out` and `*view` untouched: `SECCTX_ERROR_CODE_INVALID_IDENTITY`,
/// or `SECCTX_ERROR_CODE_INVALID_ARGUMENT` (NULL `resolver` or `out`, a malformed buffer).
/// Thread-safe like `secctx_resolve`.
///
/// # Safety
/// `request` must be NULL (with `request_len` 0) or point to `request_len` readable bytes; `out`
/// must be NULL or writable; `view` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolve_packed(
    resolver: *const secctx_resolver,
    request: *const u8,
    request_len: usize,
    out: *mut *mut secctx_context,
    view: *mut secctx_context_view,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let resolver = unsafe { resolver.as_ref() }.ok_or_else(|| secctx_error::argument("resolver: NULL pointer"))?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let request = unsafe { bytes(request, request_len, "request") }?;
        let ctx = secctx_context::new(resolve_packed_bytes(&resolver.inner, request)?);
        let v = ctx.view;
        // SAFETY: `out` is non-null and writable; `view` is NULL or writable.
        unsafe {
            out.write(Box::into_raw(ctx));
            put(view, v);
        }
        Ok(())
    })
}

/// Resolves one packed request (the format of `secctx_resolve_packed`) and writes the whole
/// result into the caller's buffer: nothing is allocated for the caller and there is no handle
/// to free. The cheapest form for cgo: one call per request, and the native memory is released
/// on the calling thread. (Render the legacy form with `secctx_resolve_packed` and the context
/// functions when you need it.)
///
/// The result uses the same framing (4-byte little-endian length, or `0xFFFFFFFF` for absent):
/// `application_name`, `end_user_id`, `end_user_id_type`, `end_user_tenant_id`, `source_ip`,
/// `peer`, `reason_code`, `reason_text`, then `reason_hop` as a bare 4-byte little-endian number,
/// then `identity_source`, `easy_auth_note_code`, `easy_auth_note_text`,
/// `user_security_context_json`, then the `SourceRequestHeaders` as name/value pairs until the
/// end. The same values as `secctx_context_view`.
///
/// On success returns NULL and stores in `*out_len` the size of the result. When it is at most
/// `out_cap` the result is in `out[0 .. *out_len]`; otherwise the contents of `out` are
/// unspecified and the caller calls again with a buffer of at least `*out_len` bytes. On failure
/// returns an error owned by the caller and leaves `*out_len` untouched:
/// `SECCTX_ERROR_CODE_INVALID_IDENTITY`, or `SECCTX_ERROR_CODE_INVALID_ARGUMENT` (NULL
/// `resolver` or `out_len`, `out` NULL with a non-zero `out_cap`, a malformed request). Both
/// buffers are borrowed for the call only. Thread-safe like `secctx_resolve`.
///
/// # Safety
/// `request` must be NULL (with `request_len` 0) or point to `request_len` readable bytes; `out`
/// NULL (with `out_cap` 0) or `out_cap` writable bytes; `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_resolve_packed_into(
    resolver: *const secctx_resolver,
    request: *const u8,
    request_len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let resolver = unsafe { resolver.as_ref() }.ok_or_else(|| secctx_error::argument("resolver: NULL pointer"))?;
        if out_len.is_null() {
            return Err(secctx_error::argument("out_len: NULL pointer"));
        }
        let buf: &mut [u8] = if out.is_null() {
            if out_cap != 0 {
                return Err(secctx_error::argument(format!("out: NULL pointer with out_cap {out_cap}")));
            }
            &mut []
        } else {
            // SAFETY: per the contract above.
            unsafe { std::slice::from_raw_parts_mut(out, out_cap) }
        };
        // SAFETY: per the contract above.
        let request = unsafe { bytes(request, request_len, "request") }?;
        let ctx = resolve_packed_bytes(&resolver.inner, request)?;
        let mut w = Out { buf, pos: 0, too_long: false };
        write_result(&ctx, &mut w);
        if w.too_long {
            return Err(secctx_error::argument("a value of the result is longer than 4 GiB"));
        }
        // SAFETY: `out_len` is non-null and writable.
        unsafe { out_len.write(w.pos) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Context

/// Frees a context. NULL is accepted and ignored. Every view borrowed from it becomes invalid.
/// Must not race with other uses of the same context.
///
/// # Safety
/// `ctx` must be NULL or a context from this library that has not been freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_free(ctx: *mut secctx_context) {
    guard_value((), || {
        if !ctx.is_null() {
            // SAFETY: the context came from `Box::into_raw` and is freed once.
            drop(unsafe { Box::from_raw(ctx) });
        }
    })
}

/// Fills `*out` with every field of the context as views borrowed from it (valid until the
/// context is freed). Returns NULL, or an error owned by the caller
/// (`SECCTX_ERROR_CODE_INVALID_ARGUMENT` for a NULL `ctx` or `out`; `*out` untouched).
/// Thread-safe: the context is never modified.
///
/// # Safety
/// `ctx` must be NULL or a live context; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_get_view(
    ctx: *const secctx_context,
    out: *mut secctx_context_view,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let ctx = unsafe { context(ctx) }?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        // SAFETY: non-null and writable.
        unsafe { out.write(ctx.view) };
        Ok(())
    })
}

/// Reads one view of a context; NULL `ctx` yields an absent view.
///
/// # Safety
/// `ctx` must be NULL or a live context.
unsafe fn field(ctx: *const secctx_context, pick: impl FnOnce(&secctx_context_view) -> secctx_str) -> secctx_str {
    guard_value(ABSENT, || {
        // SAFETY: per the caller.
        unsafe { ctx.as_ref() }.map_or(ABSENT, |c| pick(&c.view))
    })
}

/// The application's name, a view borrowed from `ctx` (valid until it is freed); `ptr` NULL when
/// absent or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_application_name(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.application_name) }
}

/// The end user's id, a view borrowed from `ctx` (valid until it is freed); `ptr` NULL when
/// absent or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_end_user_id(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.end_user_id) }
}

/// The end user id's type (`AAD`, `Google` or `Other`), a view borrowed from `ctx` (valid until
/// it is freed); `ptr` NULL when absent or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_end_user_id_type(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.end_user_id_type) }
}

/// The end user's tenant id, a view borrowed from `ctx` (valid until it is freed); `ptr` NULL
/// when absent or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_end_user_tenant_id(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.end_user_tenant_id) }
}

/// The original client's address, canonical (`source_ip`), a view borrowed from `ctx` (valid
/// until it is freed); `ptr` NULL when it cannot be known or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_source_ip(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.source_ip) }
}

/// The immediate peer's address, canonical (the legacy `SourceIP`), a view borrowed from `ctx`
/// (valid until it is freed); `ptr` NULL when unknown or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_peer(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.peer) }
}

/// The reason's stable code (`peer_untrusted`, `chosen_at_hop`, …), a view borrowed from `ctx`
/// (valid until it is freed); `ptr` NULL only when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_reason_code(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.reason_code) }
}

/// The reason as a sentence for logs, a view borrowed from `ctx` (valid until it is freed);
/// `ptr` NULL only when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_reason_text(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.reason_text) }
}

/// Where the identity came from (`explicit`, `easy_auth`, `none`), a view borrowed from `ctx`
/// (valid until it is freed); `ptr` NULL only when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_identity_source(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.identity_source) }
}

/// The hop the reason is about (`chosen_at_hop`, `invalid_entry`), counted from the right from
/// 1; 0 for every other reason and for a NULL `ctx`. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_reason_hop(ctx: *const secctx_context) -> u32 {
    guard_value(0, || {
        // SAFETY: per the contract above.
        unsafe { ctx.as_ref() }.map_or(0, |c| c.view.reason_hop)
    })
}

/// The code of the Easy Auth note (set when Easy Auth headers were present but (partly)
/// ignored), a view borrowed from `ctx` (valid until it is freed); `ptr` NULL when there is no
/// note or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_easy_auth_note_code(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.easy_auth_note_code) }
}

/// The Easy Auth note as a sentence, a view borrowed from `ctx` (valid until it is freed); `ptr`
/// NULL when there is no note or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_easy_auth_note_text(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.easy_auth_note_text) }
}

/// The allow-listed request headers (the legacy `SourceRequestHeaders`) in allow-list order: an
/// array borrowed from `ctx` (valid until it is freed), its length stored in `*n` when `n` is
/// not NULL. Returns NULL with `*n = 0` when there are none or when `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context; `n` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_source_request_headers(
    ctx: *const secctx_context,
    n: *mut usize,
) -> *const secctx_header {
    guard_value(ptr::null(), || {
        // SAFETY: per the contract above.
        let (p, len) = unsafe { ctx.as_ref() }
            .map_or((ptr::null(), 0), |c| (c.view.source_request_headers, c.view.n_source_request_headers));
        // SAFETY: `n` is NULL or writable.
        unsafe { put(n, len) };
        p
    })
}

/// The `user_security_context` object (SPEC 2.1) as compact JSON, a view borrowed from `ctx`
/// (valid until it is freed; rendered once when the context was built); `ptr` NULL only when
/// `ctx` is NULL. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_user_security_context_json(ctx: *const secctx_context) -> secctx_str {
    // SAFETY: forwarded.
    unsafe { field(ctx, |v| v.user_security_context_json) }
}

/// Renders the legacy `user` document (SPEC 2.2) as compact JSON.
///
/// On success returns NULL and stores in `*out` a new NUL-terminated string owned by the caller
/// (free it with `secctx_string_free`), and its length in bytes in `*out_len` when `out_len` is
/// not NULL. On failure returns an error owned by the caller, leaving `*out` and `*out_len`
/// untouched: `SECCTX_ERROR_CODE_MISSING_END_USER_ID_TYPE` when there is an `EndUserId` without
/// an `EndUserIdType`, `SECCTX_ERROR_CODE_INVALID_ARGUMENT` for a NULL `ctx` or `out`.
/// Thread-safe: the context is only read.
///
/// # Safety
/// `ctx` must be NULL or a live context; `out` and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_legacy_user_json(
    ctx: *const secctx_context,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let ctx = unsafe { context(ctx) }?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        let doc = ctx.ctx.legacy_user_json().map_err(|e| secctx_error::from_core(&e))?;
        // SAFETY: `out` is non-null and writable; `out_len` NULL or writable.
        unsafe { give_string(doc, out, out_len) }
    })
}

/// Renders the request-body field an api-version takes (SPEC 2.3): `user_security_context` for
/// `v1`, `latest`, `preview` and previews from 2024-12-01, the legacy `user` string otherwise.
/// `api_version` is `len` bytes, borrowed for the call.
///
/// On success returns NULL; stores in `*field_name` (when not NULL) the field's name, a static
/// string owned by the library (`"user_security_context"` or `"user"`, never free it); in
/// `*value_json` the field's value as JSON text (an object, or a JSON string holding the legacy
/// document), a new string owned by the caller (free it with `secctx_string_free`); and its
/// length in `*value_len` when not NULL. On failure returns an error owned by the caller and
/// leaves every out-parameter untouched: `SECCTX_ERROR_CODE_INVALID_API_VERSION` (also when
/// `api_version` is not UTF-8), `SECCTX_ERROR_CODE_MISSING_END_USER_ID_TYPE`, or
/// `SECCTX_ERROR_CODE_INVALID_ARGUMENT` (NULL `ctx` or `value_json`). Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context; `api_version` NULL or `len` readable bytes; the
/// out-parameters NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_for_api_version(
    ctx: *const secctx_context,
    api_version: *const u8,
    len: usize,
    field_name: *mut *const c_char,
    value_json: *mut *mut c_char,
    value_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let ctx = unsafe { context(ctx) }?;
        if value_json.is_null() {
            return Err(secctx_error::argument("value_json: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let version = unsafe { api_version_text(api_version, len) }?;
        let fields = ctx.ctx.body_fields_for_api_version(version).map_err(|e| secctx_error::from_core(&e))?;
        // SAFETY: `value_json` is non-null and writable; the others NULL or writable.
        unsafe { give_body_fields(&fields, field_name, value_json, value_len) }
    })
}

/// Renders the full record of the context as one JSON object, for logs and for bindings that
/// read every field at once: `application_name`, `end_user_id`, `end_user_id_type`,
/// `end_user_tenant_id`, `source_ip`, `peer` (each a string or null), `source_request_headers`
/// (an object), `reason` (`{"code", "hop"?, "text"}`), `identity_source`, `easy_auth_note`
/// (`{"code", "text"}` or null).
///
/// On success returns NULL and stores a new NUL-terminated string owned by the caller in `*out`
/// (free it with `secctx_string_free`), its length in `*out_len` when not NULL. On failure
/// returns an error owned by the caller (`SECCTX_ERROR_CODE_INVALID_ARGUMENT` for NULL `ctx` or
/// `out`), leaving the out-parameters untouched. Thread-safe.
///
/// # Safety
/// `ctx` must be NULL or a live context; `out` and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_context_to_json(
    ctx: *const secctx_context,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        // SAFETY: per the contract above.
        let ctx = unsafe { context(ctx) }?;
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        let json = serde_json::to_string(&ctx.ctx)
            .map_err(|e| secctx_error::new(secctx_error_code::Panic, format!("serialising the context: {e}")))?;
        // SAFETY: `out` is non-null and writable; `out_len` NULL or writable.
        unsafe { give_string(json, out, out_len) }
    })
}

// ---------------------------------------------------------------------------------------------
// Rendering a packed result

/// Borrows a packed result given by the caller.
///
/// # Safety
/// `result` must be NULL (with `result_len` 0) or point to `result_len` readable bytes.
unsafe fn result_bytes<'a>(result: *const u8, result_len: usize) -> Fallible<&'a [u8]> {
    // SAFETY: forwarded.
    unsafe { bytes(result, result_len, "result") }
}

/// `secctx_context_legacy_user_json` for a packed result of `secctx_resolve_packed_into` (the
/// `result_len` bytes it wrote, unchanged), so that a binding that copied the result out renders
/// the legacy document later without a context or the resolver. The same output and errors, plus
/// `SECCTX_ERROR_CODE_INVALID_ARGUMENT` for a malformed result (it names the field). `result`
/// is borrowed for the call. On success `*out` is a new string owned by the caller (free it with
/// `secctx_string_free`); on failure the out-parameters are untouched. Thread-safe.
///
/// # Safety
/// `result` must be NULL (with `result_len` 0) or point to `result_len` readable bytes; `out`
/// and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_result_legacy_user_json(
    result: *const u8,
    result_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let values = result_values(unsafe { result_bytes(result, result_len) }?)?;
        let doc = values.legacy_user_json().map_err(|e| secctx_error::from_core(&e))?;
        // SAFETY: `out` is non-null and writable; `out_len` NULL or writable.
        unsafe { give_string(doc, out, out_len) }
    })
}

/// `secctx_context_for_api_version` for a packed result of `secctx_resolve_packed_into` (see
/// `secctx_result_legacy_user_json`): the same outputs, ownership and errors, plus
/// `SECCTX_ERROR_CODE_INVALID_ARGUMENT` for a malformed result. Thread-safe.
///
/// # Safety
/// `result` must be NULL (with `result_len` 0) or point to `result_len` readable bytes;
/// `api_version` NULL or `len` readable bytes; the out-parameters NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_result_for_api_version(
    result: *const u8,
    result_len: usize,
    api_version: *const u8,
    len: usize,
    field_name: *mut *const c_char,
    value_json: *mut *mut c_char,
    value_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        if value_json.is_null() {
            return Err(secctx_error::argument("value_json: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let values = result_values(unsafe { result_bytes(result, result_len) }?)?;
        // SAFETY: per the contract above.
        let version = unsafe { api_version_text(api_version, len) }?;
        let fields = values.body_fields_for_api_version(version).map_err(|e| secctx_error::from_core(&e))?;
        // SAFETY: `value_json` is non-null and writable; the others NULL or writable.
        unsafe { give_body_fields(&fields, field_name, value_json, value_len) }
    })
}

/// `secctx_context_to_json` (the full record) for a packed result of
/// `secctx_resolve_packed_into` (see `secctx_result_legacy_user_json`): the same output and
/// ownership; `SECCTX_ERROR_CODE_INVALID_ARGUMENT` for NULL `out` or a malformed result.
/// Thread-safe.
///
/// # Safety
/// `result` must be NULL (with `result_len` 0) or point to `result_len` readable bytes; `out`
/// and `out_len` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn secctx_result_to_json(
    result: *const u8,
    result_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut secctx_error {
    guard(|| {
        if out.is_null() {
            return Err(secctx_error::argument("out: NULL pointer"));
        }
        // SAFETY: per the contract above.
        let values = result_values(unsafe { result_bytes(result, result_len) }?)?;
        // SAFETY: `out` is non-null and writable; `out_len` NULL or writable.
        unsafe { give_string(values.record_json(), out, out_len) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_core() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(secctx_version()) };
        assert_eq!(v.to_str().ok(), Some(secctx_core::VERSION));
    }

    #[test]
    fn every_core_kind_has_a_code() {
        for kind in ErrorKind::ALL {
            let code = secctx_error_code::from_kind(kind);
            assert_ne!(code, secctx_error_code::Panic);
            assert_eq!(code.as_str().to_str().ok(), Some(kind.as_str()));
        }
    }

    #[test]
    fn guard_turns_a_panic_into_an_error() {
        let err = guard(|| {
            let v: Vec<u8> = Vec::new();
            let _ = std::hint::black_box(&v)[3];
            Ok(())
        });
        assert!(!err.is_null());
        // SAFETY: `err` is a live error.
        unsafe {
            assert_eq!(secctx_error_get_code(err), secctx_error_code::Panic);
            let msg = CStr::from_ptr(secctx_error_message(err, ptr::null_mut()));
            assert!(msg.to_string_lossy().contains("index out of bounds"), "{msg:?}");
            secctx_error_free(err);
        }
    }

    #[test]
    fn nul_in_message_is_replaced() {
        let e = secctx_error::new(secctx_error_code::InvalidConfig, "a\0b");
        assert_eq!(e.message.to_str().ok(), Some("a\u{FFFD}b"));
    }
}
