//! The native half of the npm package `secctx`: a thin napi-rs layer over the `secctx` core.
//!
//! JavaScript never calls this module directly; `index.js` wraps it with the typed API
//! (`Resolver`, `SecurityContext`, the request adapters and the error classes). This layer only
//! translates: strings in, the core's results out as strings. It still checks every value it
//! receives, so a direct call with junk throws instead of crashing.
//!
//! Crossing the boundary is what costs in Node, so each request crosses once, and nothing but
//! strings comes back (a native object per request would need a finalizer, which costs more
//! than resolving). The headers arrive as one value, in one of two forms:
//!
//! - the hot path: one string, the flat header list `[name, value, …]` joined with NUL, plus
//!   the number of items. If a name or value itself held a NUL the split gives a different
//!   count; the call then returns `null` and `index.js` retries with the second form;
//! - an array of strings `[name, value, …]` (Node's `req.rawHeaders` layout).
//!
//! Both are read into one byte buffer reused across calls, with spans into it.
//!
//! Errors from the core are thrown as JS errors whose `code` is the core's error kind
//! (`invalid_config`, …); `index.js` turns them into `SecCtxError` subclasses.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use napi_derive::napi;
use secctx::{Identity, Request, Resolver, SecurityContext};

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

    /// `Ok(None)` when a joined string does not split into `count` items (an item held a NUL).
    /// `Err` is an argument problem, for a `TypeError`.
    fn pairs(&self, count: u32) -> Result<Option<Vec<(&str, &str)>>, String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        if self.joined && self.spans.len() != count as usize {
            return Ok(None);
        }
        if self.spans.len() % 2 != 0 {
            return Err(format!(
                "headers must hold name/value pairs; got an odd number of items ({})",
                self.spans.len()
            ));
        }
        // One UTF-8 check for the whole buffer: items are whole JS strings (napi writes UTF-8)
        // or pieces split at NUL bytes, so every span starts and ends on a character boundary.
        let all = std::str::from_utf8(&self.buf).map_err(|_| "headers: an item is not valid UTF-8".to_string())?;
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
    // Write straight into the spare capacity. napi writes at most `spare - 1` bytes and a NUL;
    // `spare - 1` bytes written may mean the string was cut, so then ask for its length.
    // SAFETY: the destination is `spare` bytes of `buf`'s allocation past its length.
    let status =
        unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().add(start).cast(), spare, &mut copied) };
    if status != sys::Status::napi_ok {
        return false;
    }
    if copied + 1 >= spare {
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

impl FromNapiValue for Headers {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        let mut h = Headers::empty();
        h.buf.clear();
        h.spans.clear();
        let mut kind = sys::ValueType::napi_undefined;
        // SAFETY (all calls below): `env` and `value` are the live handles of this call.
        if unsafe { sys::napi_typeof(env, value, &mut kind) } != sys::Status::napi_ok {
            h.problem = Some("headers cannot be read".into());
            return Ok(h);
        }
        if kind == sys::ValueType::napi_string {
            h.joined = true;
            if !unsafe { append_js_string(env, value, &mut h.buf) } {
                h.problem = Some("headers cannot be read".into());
            } else if !h.buf.is_empty() {
                let mut start = 0;
                // `str::split` finds the separators with memchr; a non-UTF-8 buffer (impossible
                // from napi) is left unsplit and rejected by `pairs`.
                if let Ok(text) = std::str::from_utf8(&h.buf) {
                    for item in text.split('\0') {
                        h.spans.push((start, start + item.len()));
                        start += item.len() + 1;
                    }
                } else {
                    h.spans.push((0, h.buf.len()));
                }
            }
            return Ok(h);
        }
        let mut is_array = false;
        if unsafe { sys::napi_is_array(env, value, &mut is_array) } != sys::Status::napi_ok || !is_array {
            h.problem = Some("headers must be an array of strings [name, value, …]".into());
            return Ok(h);
        }
        let mut len = 0u32;
        if unsafe { sys::napi_get_array_length(env, value, &mut len) } != sys::Status::napi_ok {
            h.problem = Some("headers: cannot read the array's length".into());
            return Ok(h);
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
        Ok(h)
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

impl NativeResolver {
    /// Resolves and renders with `render`; `Ok(None)` when a joined header string must be
    /// retried as an array.
    fn with_context<T>(
        &self,
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
                render(&self.inner, Request::new(peer, pairs.into_iter()), &identity).map(Some)
            }
        };
        headers.release();
        result
    }
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

    /// Resolves one request and returns its `user_security_context` as JSON; `null` when
    /// `headers` is a joined string that does not split into `count` items.
    #[napi(
        catch_unwind,
        ts_args_type = "peer: string | null | undefined, headers: string | Array<string>, count: number, endUserId?: string | null, endUserIdType?: string | null, endUserTenantId?: string | null, applicationName?: string | null"
    )]
    #[allow(clippy::too_many_arguments)]
    pub fn user_security_context(
        &self,
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
        self.with_context(peer.as_deref(), headers, count, ids, |r, req, id| {
            resolve_ctx(r, req, id).map(|ctx| ctx.user_security_context_json())
        })
    }

    /// Resolves one request and renders `what`: `record` (the full context as JSON), `legacy`
    /// (the legacy `user` document), `body` (`{"user_security_context": …}` or `{"user": …}`
    /// for `api_version`), or `explain` (the core's explanation as JSON). `null` as above.
    #[napi(
        catch_unwind,
        ts_args_type = "what: 'record' | 'legacy' | 'body' | 'explain', apiVersion: string | null | undefined, peer: string | null | undefined, headers: string | Array<string>, count: number, endUserId?: string | null, endUserIdType?: string | null, endUserTenantId?: string | null, applicationName?: string | null"
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
        self.with_context(peer.as_deref(), headers, count, ids, |r, req, id| match what.as_str() {
            "record" => serde_json::to_string(&resolve_ctx(r, req, id)?).map_err(internal),
            "legacy" => resolve_ctx(r, req, id)?.legacy_user_json().map_err(core_error),
            "body" => {
                let version = api_version.as_deref().ok_or_else(|| arg_error("apiVersion must be a string"))?;
                let ctx = resolve_ctx(r, req, id)?;
                ctx.body_fields_for_api_version(version).map(|f| f.to_json()).map_err(core_error)
            }
            "explain" => serde_json::to_string(&r.explain(req, id).map_err(core_error)?).map_err(internal),
            other => Err(arg_error(format!("what must be record, legacy, body or explain, got {other:?}"))),
        })
    }
}

/// The core library's version.
#[napi(catch_unwind)]
pub fn core_version() -> String {
    secctx::VERSION.to_string()
}

#[cfg(test)]
mod tests {
    use super::Headers;

    fn joined(text: &str) -> Headers {
        let buf = text.as_bytes().to_vec();
        let mut spans = Vec::new();
        let mut start = 0;
        for item in text.split('\0') {
            spans.push((start, start + item.len()));
            start += item.len() + 1;
        }
        Headers { buf, spans, joined: true, problem: None }
    }

    #[test]
    fn joined_headers_split_into_pairs() {
        let h = joined("X-Forwarded-For\x001.2.3.4\x00User-Agent\x00");
        let pairs = h.pairs(4).ok().flatten();
        assert_eq!(pairs, Some(vec![("X-Forwarded-For", "1.2.3.4"), ("User-Agent", "")]));
    }

    #[test]
    fn a_nul_inside_an_item_changes_the_count() {
        // ["a\0b", "c"] joined is "a\0b\0c": three pieces for two items.
        let h = joined("a\x00b\x00c");
        assert!(matches!(h.pairs(2), Ok(None)));
    }

    #[test]
    fn an_odd_number_of_items_is_an_argument_error() {
        let h = joined("a\x00b\x00c");
        assert!(matches!(h.pairs(3), Err(m) if m.contains("odd")));
    }
}
