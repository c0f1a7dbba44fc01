//! The native half of the npm package `secctx`: a thin napi-rs layer over the `secctx` core.
//!
//! JavaScript never calls this module directly; `index.js` wraps it with the typed API
//! (`Resolver`, `SecurityContext`, the request adapters and the error classes). This layer only
//! translates: strings in, the core's results out as strings. It still checks every value it
//! receives, so a direct call with junk throws instead of crashing.
//!
//! Crossing the boundary is what costs in Node, so each request crosses once, and nothing but
//! strings comes back (a native object per request would need a finalizer, which costs more
//! than resolving). The hot path is a plain C callback made per resolver
//! ([`NativeResolver::resolve_function`]): napi-rs's generated glue for a class method (the
//! `&self` borrow registry, `napi_unwrap`, typed optional arguments) cost about 1 µs per call,
//! more than resolving. `index.js` sends only the headers the resolver reads
//! (`Resolver::read_header_names`), in one of three forms:
//!
//! - the hot path: up to 8 items (`name, value, …`) as separate arguments after their number;
//!   a packed string would have to be built and then flattened by V8, which costs more than
//!   reading the strings one by one;
//! - one string, the flat header list `[name, value, …]` with each item followed by a NUL, plus
//!   the number of items. If a name or value itself held a NUL the split gives a different
//!   count; the call then returns `null` and `index.js` retries with the third form;
//! - an array of strings `[name, value, …]` (Node's `req.rawHeaders` layout).
//!
//! All are read into one byte buffer reused across calls, with spans into it. The answer is
//! the `user_security_context` fields in a compact form (`push_compact_usc`) that `index.js`
//! splits without `JSON.parse`; the cold renderings (`record`, `legacy`, …) are JSON text.
//!
//! Errors from the core are thrown as JS errors whose `code` is the core's error kind
//! (`invalid_config`, …); `index.js` turns them into `SecCtxError` subclasses.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::{Env, FromNapiValue, TypeName, Unknown, ValidateNapiValue, ValueType};
use napi::sys;
use napi_derive::napi;
use secctx::{FieldText, Identity, Request, Resolver, SecurityContext};

/// An error carrying the core's error kind (or `ERR_INVALID_ARG_TYPE`) as its JS `code`.
type KindError = napi::Error<&'static str>;

fn core_error(e: secctx::Error) -> KindError {
    napi::Error::new(e.kind().as_str(), e.message().to_string())
}

fn arg_error(message: impl Into<String>) -> KindError {
    napi::Error::new("ERR_INVALID_ARG_TYPE", message.into())
}

/// A byte buffer and the `(start, end)` spans of the items in it.
type Scratch = (Vec<u8>, Vec<(usize, usize)>);

thread_local! {
    /// Buffers reused across calls on one JS thread (each worker thread has its own).
    static SCRATCH: RefCell<Scratch> = RefCell::new((Vec::with_capacity(4096), Vec::with_capacity(64)));
}

/// Request headers copied from JS into one buffer, with `(start, end)` spans of each item.
pub struct Headers {
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// `true` when the value was a joined string (its item count is checked by the caller).
    joined: bool,
    problem: Option<String>,
}

impl Headers {
    fn empty() -> Headers {
        let (buf, spans) =
            SCRATCH.with(|s| s.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)).unwrap_or_default());
        Headers { buf, spans, joined: false, problem: None }
    }

    /// `Ok(false)` when a packed string does not split into `count` items (an item held a
    /// NUL). `Err` is an argument problem, for a `TypeError`.
    fn splits_into(&self, count: u32) -> Result<bool, String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        if self.joined && self.spans.len() != count as usize {
            return Ok(false);
        }
        if self.spans.len() % 2 != 0 {
            return Err(format!(
                "headers must hold name/value pairs; got an odd number of items ({})",
                self.spans.len()
            ));
        }
        Ok(true)
    }

    /// The whole buffer as text: one UTF-8 check for every item. Items are whole JS strings
    /// (napi writes UTF-8) or pieces split at NUL bytes, so every span starts and ends on a
    /// character boundary.
    fn text(&self) -> Result<&str, String> {
        std::str::from_utf8(&self.buf).map_err(|_| "headers: an item is not valid UTF-8".to_string())
    }

    /// `Ok(None)` when a packed string does not split into `count` items (an item held a NUL).
    /// `Err` is an argument problem, for a `TypeError`.
    fn pairs(&self, count: u32) -> Result<Option<Vec<(&str, &str)>>, String> {
        if !self.splits_into(count)? {
            return Ok(None);
        }
        let all = self.text()?;
        let text = |(a, b): (usize, usize)| all.get(a..b).ok_or_else(|| "headers: span out of range".to_string());
        self.spans
            .chunks_exact(2)
            .map(|pair| Ok((text(pair[0])?, text(pair[1])?)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn release(self) {
        let Headers { mut buf, mut spans, .. } = self;
        if buf.capacity() <= 1 << 20 {
            buf.clear();
            spans.clear();
            SCRATCH.with(|s| {
                if let Ok(mut s) = s.try_borrow_mut() {
                    *s = (buf, spans);
                }
            });
        }
    }
}

/// Copies the JS string `value` to the end of `buf`; `false` when it is not a string.
///
/// # Safety
/// `env` and `value` must be live handles of the current call.
unsafe fn append_js_string(env: sys::napi_env, value: sys::napi_value, buf: &mut Vec<u8>) -> bool {
    let start = buf.len();
    if buf.capacity() - start < 256 {
        buf.reserve(4096);
    }
    let spare = buf.capacity() - start;
    let mut copied = 0usize;
    // Write straight into the spare capacity. napi writes at most `spare - 1` bytes and a NUL,
    // and only whole characters (up to 4 bytes each): when fewer than 4 bytes of room are left
    // unused the string may have been cut, so then ask for its length.
    // SAFETY: the destination is `spare` bytes of `buf`'s allocation past its length.
    let status =
        unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().add(start).cast(), spare, &mut copied) };
    if status != sys::Status::napi_ok {
        return false;
    }
    if copied + 4 >= spare {
        let mut len = 0usize;
        // SAFETY: a length query writes nothing but `len`.
        let status = unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) };
        if status != sys::Status::napi_ok {
            return false;
        }
        buf.reserve(len + 1);
        // SAFETY: as above, with room for `len` bytes and the NUL.
        let status = unsafe {
            sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().add(start).cast(), len + 1, &mut copied)
        };
        if status != sys::Status::napi_ok {
            return false;
        }
    }
    // SAFETY: napi initialised `copied` bytes at `start`, within the capacity.
    unsafe { buf.set_len(start + copied) };
    true
}

/// Splits a packed header string (each item followed by a NUL) into spans. A missing final NUL
/// leaves one more item, so the count check catches it like an item holding a NUL.
fn split_terminated(h: &mut Headers) {
    let mut start = 0;
    let mut at = 0;
    let buf = &h.buf;
    // Eight bytes at a time: a word holds a zero byte iff `(x - 0x01…01) & !x & 0x80…80` ≠ 0.
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    for chunk in buf.chunks_exact(8) {
        let x = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        if x.wrapping_sub(LO) & !x & HI != 0 {
            for (i, &b) in chunk.iter().enumerate() {
                if b == 0 {
                    h.spans.push((start, at + i));
                    start = at + i + 1;
                }
            }
        }
        at += 8;
    }
    for (i, &b) in buf.get(at..).unwrap_or_default().iter().enumerate() {
        if b == 0 {
            h.spans.push((start, at + i));
            start = at + i + 1;
        }
    }
    if start < buf.len() {
        h.spans.push((start, buf.len()));
    }
}

impl Headers {
    /// Reads the headers argument: a packed string or an array of strings.
    ///
    /// # Safety
    /// `env` and `value` must be live handles of the current call.
    unsafe fn read(env: sys::napi_env, value: sys::napi_value) -> Headers {
        let mut h = Headers::empty();
        h.buf.clear();
        h.spans.clear();
        // SAFETY (all calls below): `env` and `value` are the live handles of this call.
        // The hot path first: a string (anything else fails with `napi_string_expected`).
        if unsafe { append_js_string(env, value, &mut h.buf) } {
            h.joined = true;
            split_terminated(&mut h);
            return h;
        }
        let mut is_array = false;
        if unsafe { sys::napi_is_array(env, value, &mut is_array) } != sys::Status::napi_ok || !is_array {
            h.problem = Some("headers must be a string or an array of strings [name, value, …]".into());
            return h;
        }
        let mut len = 0u32;
        if unsafe { sys::napi_get_array_length(env, value, &mut len) } != sys::Status::napi_ok {
            h.problem = Some("headers: cannot read the array's length".into());
            return h;
        }
        for i in 0..len {
            let mut item = ptr::null_mut();
            if unsafe { sys::napi_get_element(env, value, i, &mut item) } != sys::Status::napi_ok {
                h.problem = Some(format!("headers[{i}] cannot be read"));
                break;
            }
            let start = h.buf.len();
            if !unsafe { append_js_string(env, item, &mut h.buf) } {
                h.problem = Some(format!("headers[{i}] must be a string"));
                break;
            }
            h.spans.push((start, h.buf.len()));
        }
        h
    }
}

impl FromNapiValue for Headers {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: the caller passes live handles.
        Ok(unsafe { Headers::read(env, value) })
    }
}

impl TypeName for Headers {
    fn type_name() -> &'static str {
        "string | Array<string>"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Headers {}

/// A compiled resolver (core `Resolver`): immutable; one per configuration.
#[napi]
pub struct NativeResolver {
    inner: Resolver,
}

/// Resolves and renders with `render`; `Ok(None)` when a packed header string must be retried
/// as an array.
fn with_context<T>(
    resolver: &Resolver,
    peer: Option<&str>,
    headers: Headers,
    count: u32,
    ids: [Option<&str>; 4],
    render: impl FnOnce(&Resolver, Request<'_, std::vec::IntoIter<(&str, &str)>>, &Identity<'_>) -> Result<T, KindError>,
) -> Result<Option<T>, KindError> {
    let result = match headers.pairs(count) {
        Err(e) => Err(arg_error(e)),
        Ok(None) => Ok(None),
        Ok(Some(pairs)) => {
            let identity = Identity {
                end_user_id: ids[0],
                end_user_id_type: ids[1],
                end_user_tenant_id: ids[2],
                application_name: ids[3],
            };
            render(resolver, Request::new(peer, pairs.into_iter()), &identity).map(Some)
        }
    };
    headers.release();
    result
}

fn resolve_ctx(
    r: &Resolver,
    req: Request<'_, std::vec::IntoIter<(&str, &str)>>,
    id: &Identity<'_>,
) -> Result<SecurityContext, KindError> {
    r.resolve(req, id).map_err(core_error)
}

fn internal(e: impl std::fmt::Display) -> KindError {
    napi::Error::new("internal", e.to_string())
}

#[napi]
impl NativeResolver {
    /// Parses the SPEC section 3 configuration document (JSON text) and compiles it.
    #[napi(constructor, catch_unwind)]
    pub fn new(config_json: String) -> Result<Self, KindError> {
        Resolver::from_json(&config_json).map(|inner| NativeResolver { inner }).map_err(core_error)
    }

    /// The effective configuration (presets applied) as JSON.
    #[napi(catch_unwind)]
    pub fn config_json(&self) -> String {
        self.inner.config().to_json()
    }

    /// Every header name a resolve may read, in lower case (`Resolver::read_header_names`):
    /// resolving with only these headers gives the same result as with all of them.
    #[napi(catch_unwind)]
    pub fn read_header_names(&self) -> Vec<String> {
        self.inner.read_header_names().map(str::to_string).collect()
    }

    /// The hot path: a plain function bound to this resolver, called as
    /// `(peer, n, item0, …, item{n-1}, endUserId?, endUserIdType?, endUserTenantId?,
    /// applicationName?)` with the header items `name, value, …` as arguments (`n` ≤ 8), or
    /// `(peer, headers, count, endUserId?, …)` with `headers` the flat list `[name, value, …]`
    /// packed into one string (each item followed by a NUL; `count` items) or an array of
    /// strings. It returns the request's
    /// `user_security_context` in the compact form `index.js` decodes (see `push_compact_usc`),
    /// or `null` when the packed string does not split into `count` items (an item held a NUL:
    /// retry with the array). A plain C callback, without napi-rs's per-call glue.
    #[napi(
        catch_unwind,
        ts_return_type = "{ (peer: string | null | undefined, headers: string | Array<string>, count: number, endUserId?: string | null, endUserIdType?: string | null, endUserTenantId?: string | null, applicationName?: string | null): string | null; (peer: string | null | undefined, n: number, ...itemsThenIdentity: Array<string | null | undefined>): string | null }"
    )]
    pub fn resolve_function(&self, env: &Env) -> Result<Unknown<'_>, KindError> {
        let data = Box::into_raw(Box::new(self.inner.clone()));
        let mut func = ptr::null_mut();
        let name = "resolve";
        // SAFETY: `env` is live; `data` stays valid until the finalizer below frees it.
        let status = unsafe {
            sys::napi_create_function(
                env.raw(),
                name.as_ptr().cast(),
                name.len() as isize,
                Some(fast_resolve_callback),
                data.cast(),
                &mut func,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: not handed to napi, so still ours.
            drop(unsafe { Box::from_raw(data) });
            return Err(internal("cannot create the resolve function"));
        }
        // SAFETY: as above; from here napi owns `data` and frees it with the function.
        let status = unsafe {
            sys::napi_add_finalizer(env.raw(), func, data.cast(), Some(drop_resolver), ptr::null_mut(), ptr::null_mut())
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the finalizer was not attached, so nothing else frees it; the function is
            // dropped unreferenced and never called.
            drop(unsafe { Box::from_raw(data) });
            return Err(internal("cannot attach the resolve function's finalizer"));
        }
        // SAFETY: `func` is a live value of this call.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), func) })
    }

    /// Resolves one request and renders `what`: `usc` (the `user_security_context` as JSON),
    /// `record` (the full context as JSON), `legacy`
    /// (the legacy `user` document), `body` (`{"user_security_context": …}` or `{"user": …}`
    /// for `api_version`), or `explain` (the core's explanation as JSON). `null` as above.
    #[napi(
        catch_unwind,
        ts_args_type = "what: 'usc' | 'record' | 'legacy' | 'body' | 'explain', apiVersion: string | null | undefined, peer: string | null | undefined, headers: string | Array<string>, count: number, endUserId?: string | null, endUserIdType?: string | null, endUserTenantId?: string | null, applicationName?: string | null"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn render(
        &self,
        what: String,
        api_version: Option<String>,
        peer: Option<String>,
        headers: Headers,
        count: u32,
        end_user_id: Option<String>,
        end_user_id_type: Option<String>,
        end_user_tenant_id: Option<String>,
        application_name: Option<String>,
    ) -> Result<Option<String>, KindError> {
        let ids = [
            end_user_id.as_deref(),
            end_user_id_type.as_deref(),
            end_user_tenant_id.as_deref(),
            application_name.as_deref(),
        ];
        with_context(&self.inner, peer.as_deref(), headers, count, ids, |r, req, id| match what.as_str() {
            "usc" => Ok(resolve_ctx(r, req, id)?.user_security_context_json()),
            "record" => serde_json::to_string(&resolve_ctx(r, req, id)?).map_err(internal),
            "legacy" => resolve_ctx(r, req, id)?.legacy_user_json().map_err(core_error),
            "body" => {
                let version = api_version.as_deref().ok_or_else(|| arg_error("apiVersion must be a string"))?;
                let ctx = resolve_ctx(r, req, id)?;
                ctx.body_fields_for_api_version(version).map(|f| f.to_json()).map_err(core_error)
            }
            "explain" => serde_json::to_string(&r.explain(req, id).map_err(core_error)?).map_err(internal),
            other => Err(arg_error(format!("what must be usc, record, legacy, body or explain, got {other:?}"))),
        })
    }
}

/// Appends the `user_security_context` fields of `ctx` to `out` in the compact form `index.js`
/// decodes: one character `0x20 + mask` (bit 0 `application_name`, 1 `end_user_id`, 2
/// `end_user_tenant_id`, 3 `source_ip`), then one character per present field whose code is the
/// field's length in UTF-16 code units, then the fields' texts, in that order. A field too long
/// for one character (≥ 0xD800 code units) makes it fall back to the JSON text, which starts
/// with `{` and so cannot be taken for a mask.
fn push_compact_usc(ctx: &SecurityContext, out: &mut String) {
    // The members as the core lists them (SPEC 2.1); a key this form does not know makes it
    // fall back to the JSON text.
    let mut fields: [Option<FieldText<'_>>; 4] = [None; 4];
    for (key, value) in ctx.user_security_context_members() {
        let slot = match key {
            "application_name" => 0,
            "end_user_id" => 1,
            "end_user_tenant_id" => 2,
            "source_ip" => 3,
            _ => {
                out.push_str(&ctx.user_security_context_json());
                return;
            }
        };
        fields[slot] = Some(value);
    }
    let mut mask = 0u32;
    let mut lengths = [0u32; 4];
    for (i, field) in fields.iter().enumerate() {
        if let Some(text) = field {
            let units = if text.is_ascii() { text.len() } else { text.chars().map(char::len_utf16).sum() };
            if units >= 0xD800 {
                out.push_str(&ctx.user_security_context_json());
                return;
            }
            mask |= 1 << i;
            lengths[i] = units as u32;
        }
    }
    out.push(char::from_u32(0x20 + mask).unwrap_or(' '));
    for (i, field) in fields.iter().enumerate() {
        if field.is_some() {
            out.push(char::from_u32(lengths[i]).unwrap_or('\0'));
        }
    }
    for text in fields.iter().flatten() {
        out.push_str(text);
    }
}

thread_local! {
    /// The result text of the fast path, reused across calls on one JS thread.
    static OUT: RefCell<String> = RefCell::new(String::with_capacity(256));
}

/// Reads an optional string argument onto the end of `buf`: its span, or `None` for `null` or
/// `undefined`; anything else is an argument error naming `what`.
///
/// # Safety
/// `env` and `value` must be live handles of the current call.
unsafe fn read_opt_arg(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &mut Vec<u8>,
    what: &str,
) -> Result<Option<(usize, usize)>, KindError> {
    let start = buf.len();
    // SAFETY: live handles; a non-string fails without touching `buf`.
    if unsafe { append_js_string(env, value, buf) } {
        return Ok(Some((start, buf.len())));
    }
    let mut kind = sys::ValueType::napi_undefined;
    // SAFETY: live handles.
    if unsafe { sys::napi_typeof(env, value, &mut kind) } == sys::Status::napi_ok
        && (kind == sys::ValueType::napi_undefined || kind == sys::ValueType::napi_null)
    {
        return Ok(None);
    }
    Err(arg_error(format!("{what} must be a string or null")))
}

/// The fast path's body: `(peer, headers, count, endUserId?, endUserIdType?, endUserTenantId?,
/// applicationName?)` → the compact `user_security_context` text, or `null` to retry with the
/// headers as an array.
///
/// # Safety
/// `env` and `info` must be the live handles of a call to a function made by
/// [`NativeResolver::resolve_function`], whose data pointer is a live `Resolver`.
unsafe fn fast_resolve(env: sys::napi_env, info: sys::napi_callback_info) -> Result<sys::napi_value, KindError> {
    let mut argc = MAX_ARGS;
    let mut argv = [ptr::null_mut(); MAX_ARGS];
    let mut data = ptr::null_mut();
    // SAFETY: `argv` has room for `argc` values.
    let status = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    if status != sys::Status::napi_ok || data.is_null() {
        return Err(internal("cannot read the call's arguments"));
    }
    // SAFETY: `data` is the `Box<Resolver>` the function was created with; its finalizer runs
    // only once the function is unreachable, so not during a call to it.
    let resolver = unsafe { &*(data as *const Resolver) };
    let peer_v = argv[0];
    let mut inline = 0u32;
    // SAFETY (all napi calls below): live handles of this call (missing arguments are
    // `undefined`).
    let mut h;
    let count;
    let ids_at;
    if unsafe { sys::napi_get_value_uint32(env, argv[1], &mut inline) } == sys::Status::napi_ok {
        // (peer, n, item0, …, item{n-1}, ids…): no packing, no flattening on the JS side.
        let n = inline as usize;
        if n > MAX_INLINE_ITEMS {
            return Err(arg_error(format!("at most {MAX_INLINE_ITEMS} header items as arguments, got {n}")));
        }
        h = Headers::empty();
        h.buf.clear();
        h.spans.clear();
        for (i, &item) in argv[2..2 + n].iter().enumerate() {
            let start = h.buf.len();
            if !unsafe { append_js_string(env, item, &mut h.buf) } {
                h.problem = Some(format!("headers[{i}] must be a string"));
                break;
            }
            h.spans.push((start, h.buf.len()));
        }
        count = Ok(inline);
        ids_at = 2 + n;
    } else {
        // (peer, headers, count, ids…): a packed string or an array.
        h = unsafe { Headers::read(env, argv[1]) };
        let mut c = 0u32;
        count = if unsafe { sys::napi_get_value_uint32(env, argv[2], &mut c) } == sys::Status::napi_ok {
            Ok(c)
        } else {
            Err(arg_error("count must be a number"))
        };
        ids_at = 3;
    }
    let ids = (argc > ids_at).then(|| [argv[ids_at], argv[ids_at + 1], argv[ids_at + 2], argv[ids_at + 3]]);
    let result = match count {
        Ok(count) => unsafe { fast_resolve_with(env, resolver, &mut h, peer_v, count, ids) },
        Err(e) => Err(e),
    };
    h.release();
    result
}

/// The most header items the fast path takes as separate arguments.
const MAX_INLINE_ITEMS: usize = 8;
/// Peer, item count, the items, four identity fields.
const MAX_ARGS: usize = 2 + MAX_INLINE_ITEMS + 4;

/// The rest of [`fast_resolve`], with the headers read into `h`: the peer and identity are
/// read onto the end of the same buffer, so one UTF-8 check covers everything.
///
/// # Safety
/// `env` and the values must be live handles of the current call.
unsafe fn fast_resolve_with(
    env: sys::napi_env,
    resolver: &Resolver,
    h: &mut Headers,
    peer_v: sys::napi_value,
    count: u32,
    ids_v: Option<[sys::napi_value; 4]>,
) -> Result<sys::napi_value, KindError> {
    // SAFETY (all napi calls below): live handles of this call.
    let peer = unsafe { read_opt_arg(env, peer_v, &mut h.buf, "peer")? };
    let mut ids = [None; 4];
    if let Some(values) = ids_v {
        const NAMES: [&str; 4] = ["endUserId", "endUserIdType", "endUserTenantId", "applicationName"];
        for ((id, v), name) in ids.iter_mut().zip(values).zip(NAMES) {
            *id = unsafe { read_opt_arg(env, v, &mut h.buf, name)? };
        }
    }
    let all = h.text().map_err(arg_error)?;
    if !h.splits_into(count).map_err(arg_error)? {
        let mut result = ptr::null_mut();
        if unsafe { sys::napi_get_null(env, &mut result) } != sys::Status::napi_ok {
            return Err(internal("cannot create the result"));
        }
        return Ok(result);
    }
    let text = |span: Option<(usize, usize)>| span.and_then(|(a, b)| all.get(a..b));
    let identity = Identity {
        end_user_id: text(ids[0]),
        end_user_id_type: text(ids[1]),
        end_user_tenant_id: text(ids[2]),
        application_name: text(ids[3]),
    };
    // Spans lie on character boundaries (whole strings, or split at NUL bytes), so `get` finds
    // each; the pairs go to the core lazily, without a vector.
    let pairs = h
        .spans
        .chunks_exact(2)
        .map(|p| (all.get(p[0].0..p[0].1).unwrap_or_default(), all.get(p[1].0..p[1].1).unwrap_or_default()));
    let ctx = resolver.resolve(Request::new(text(peer), pairs), &identity).map_err(core_error)?;
    OUT.with(|out| {
        let mut out = out.try_borrow_mut().map_err(internal)?;
        out.clear();
        push_compact_usc(&ctx, &mut out);
        let mut result = ptr::null_mut();
        // SAFETY: `out` is valid UTF-8 of `out.len()` bytes.
        let status = unsafe { sys::napi_create_string_utf8(env, out.as_ptr().cast(), out.len() as isize, &mut result) };
        if out.capacity() > 1 << 16 {
            *out = String::with_capacity(256);
        }
        if status != sys::Status::napi_ok {
            return Err(internal("cannot create the result"));
        }
        Ok(result)
    })
}

/// Throws `err` as a JS error with `code` set (a `TypeError` for argument problems).
///
/// # Safety
/// `env` must be the live handle of the current call.
unsafe fn throw(env: sys::napi_env, err: &KindError) {
    let code = std::ffi::CString::new(err.status).unwrap_or_default();
    let message = std::ffi::CString::new(err.reason.replace('\0', "\u{FFFD}")).unwrap_or_default();
    // SAFETY: both are NUL-terminated; a pending exception makes these no-ops.
    unsafe {
        if err.status == "ERR_INVALID_ARG_TYPE" {
            sys::napi_throw_type_error(env, code.as_ptr(), message.as_ptr());
        } else {
            sys::napi_throw_error(env, code.as_ptr(), message.as_ptr());
        }
    }
}

/// The C callback of the fast resolve function: no napi-rs glue, one `napi_get_cb_info`.
unsafe extern "C" fn fast_resolve_callback(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: napi calls this with the live handles of the call.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe { fast_resolve(env, info) })) {
        Ok(Ok(value)) => value,
        Ok(Err(err)) => {
            // SAFETY: as above.
            unsafe { throw(env, &err) };
            ptr::null_mut()
        }
        Err(_) => {
            // SAFETY: as above.
            unsafe { throw(env, &internal("panic in secctx")) };
            ptr::null_mut()
        }
    }
}

/// Frees the resolver of a fast resolve function once the function is collected.
unsafe extern "C" fn drop_resolver(_env: sys::napi_env, data: *mut std::ffi::c_void, _hint: *mut std::ffi::c_void) {
    if !data.is_null() {
        // SAFETY: `data` came from `Box::into_raw` in `resolve_function` and is freed only here.
        drop(unsafe { Box::from_raw(data as *mut Resolver) });
    }
}

/// The core library's version.
#[napi(catch_unwind)]
pub fn core_version() -> String {
    secctx::VERSION.to_string()
}

#[cfg(test)]
mod tests {
    use super::{Headers, split_terminated};

    fn packed(text: &str) -> Headers {
        let mut h = Headers { buf: text.as_bytes().to_vec(), spans: Vec::new(), joined: true, problem: None };
        split_terminated(&mut h);
        h
    }

    #[test]
    fn packed_headers_split_into_pairs() {
        let h = packed("X-Forwarded-For\x001.2.3.4\x00User-Agent\x00\x00");
        let pairs = h.pairs(4).ok().flatten();
        assert_eq!(pairs, Some(vec![("X-Forwarded-For", "1.2.3.4"), ("User-Agent", "")]));
        assert_eq!(packed("").pairs(0).ok().flatten(), Some(vec![]));
    }

    #[test]
    fn a_nul_inside_an_item_changes_the_count() {
        // ["a\0b", "c"] packed is "a\0b\0c\0": three pieces for two items.
        assert!(matches!(packed("a\x00b\x00c\x00").pairs(2), Ok(None)));
        // A missing final NUL leaves an extra piece too.
        assert!(matches!(packed("a\x00b").pairs(1), Ok(None)));
    }

    #[test]
    fn the_word_at_a_time_split_agrees_with_a_plain_split() {
        for len in 0..40 {
            for nul in 0..len {
                let mut text: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
                text.replace_range(nul..=nul, "\0");
                if (nul * 7) % 3 == 0 && len > 1 {
                    text.replace_range(len - 1..len, "\0");
                }
                let h = packed(&text);
                let mut want = Vec::new();
                let mut start = 0;
                for piece in text.split_terminator('\0') {
                    want.push((start, start + piece.len()));
                    start += piece.len() + 1;
                }
                assert_eq!(h.spans, want, "{text:?}");
            }
        }
    }

    #[test]
    #[allow(clippy::panic)]
    fn compact_addresses_match_display() {
        use secctx::{Identity, Request, Resolver};
        let r = Resolver::default();
        for ip in [
            "1.0.0.0",
            "10.0.0.1",
            "1.2.3.4",
            "9.10.99.100",
            "255.255.255.255",
            "203.0.113.7",
            "2001:db8::1",
            "::ffff:1.2.3.4",
        ] {
            let ctx = r.resolve(Request::new(ip, []), &Identity::new()).ok();
            let ctx = ctx.as_ref().map(|c| (c.source_ip().map(|a| a.to_string()), c));
            let Some((Some(want), ctx)) = ctx else { panic!("{ip} did not resolve") };
            let mut out = String::new();
            super::push_compact_usc(ctx, &mut out);
            assert!(out.ends_with(&want), "{out:?} {want:?}");
            assert_eq!(out.chars().nth(1).map(|c| c as usize), Some(want.len()));
        }
    }

    #[test]
    fn an_odd_number_of_items_is_an_argument_error() {
        assert!(matches!(packed("a\x00b\x00c\x00").pairs(3), Err(m) if m.contains("odd")));
    }
}
