//! `secctx._secctx`: the Python extension module of secctx.
//!
//! This crate only translates between Python objects and the Rust core (`secctx`): it turns
//! Python arguments (a peer, headers in several shapes, a WSGI environ, an ASGI scope) into the
//! core's borrowed `Request`, and the core's results (JSON text, errors) into Python objects and
//! exceptions. Every decision about addresses, headers, identity and wire formats is the core's.
//!
//! The public Python API is the package `secctx` (`python/secctx/`), which re-exports these
//! classes beside pure-Python framework adapters; `python/secctx/_secctx.pyi` describes this
//! module and is checked against it by `mypy.stubtest`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::borrow::Cow;
use std::fmt;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyIterator, PyList, PyString, PyTuple};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use secctx as core;

// ---------------------------------------------------------------------------------------------
// Errors

/// Raises the `secctx.errors` class for a core error, carrying the core's message and `.code`.
fn core_err(py: Python<'_>, err: core::Error) -> PyErr {
    let class = match err.kind() {
        core::ErrorKind::InvalidConfig => "InvalidConfigError",
        core::ErrorKind::InvalidIdentity => "InvalidIdentityError",
        core::ErrorKind::MissingEndUserIdType => "MissingEndUserIdTypeError",
        core::ErrorKind::InvalidApiVersion => "InvalidApiVersionError",
        _ => "SecCtxError",
    };
    let raised = (|| -> PyResult<PyErr> {
        let module = py.import(intern!(py, "secctx.errors"))?;
        let exc = module.getattr(class)?.call1((err.message(),))?;
        // The root class takes its code from the instance; subclasses already define it.
        exc.setattr(intern!(py, "code"), err.kind().as_str())?;
        Ok(PyErr::from_value(exc))
    })();
    // If even the exception module cannot be imported, the import error is the clearest thing
    // to report.
    raised.unwrap_or_else(|import_error| import_error)
}

fn type_err(what: impl fmt::Display, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    let type_name = got.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("{what} must be {expected}, not {type_name}"))
}

// ---------------------------------------------------------------------------------------------
// Python objects → text the core can borrow
//
// Strings are encoded to UTF-8 `bytes` once, while the request is gathered (on the stable ABI of
// CPython 3.9 there is no way to borrow a `str`'s UTF-8 without a copy), and the core borrows
// from those `bytes` objects. Errors are raised while gathering, naming the argument.

/// One piece of request text, kept alive until the core has read it.
enum Raw<'py> {
    /// UTF-8 bytes: a Python `str` encoded by Python, or ASCII bytes of an ASGI header.
    Utf8(Bound<'py, PyBytes>),
    /// Non-ASCII ASGI header bytes, decoded as ISO-8859-1 as ASGI servers do.
    Owned(String),
}

impl Raw<'_> {
    fn as_str(&self) -> &str {
        match self {
            // Python's UTF-8 encoder only produces valid UTF-8, and ASCII is UTF-8.
            Raw::Utf8(b) => std::str::from_utf8(b.as_bytes()).unwrap_or_default(),
            Raw::Owned(s) => s,
        }
    }
}

/// ASGI header bytes as text, decoded as ISO-8859-1 (bytes are borrowed when they are ASCII).
fn latin1<'py>(bytes: &Bound<'py, PyBytes>) -> Raw<'py> {
    let b = bytes.as_bytes();
    if b.is_ascii() { Raw::Utf8(bytes.clone()) } else { Raw::Owned(b.iter().map(|&c| char::from(c)).collect()) }
}

/// A request as received from Python: the peer and the `(name, value)` pairs in arrival order.
#[derive(Default)]
struct RawRequest<'py> {
    peer: Option<Raw<'py>>,
    headers: Vec<(Raw<'py>, Raw<'py>)>,
}

impl RawRequest<'_> {
    /// The core's view of the request, borrowing this one's text.
    fn request(&self) -> core::Request<'_, impl Iterator<Item = (&str, &str)>> {
        let headers = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        core::Request::new(self.peer.as_ref().map(Raw::as_str), headers)
    }
}

/// A `str` argument as UTF-8: `TypeError` if it is not a `str`, `ValueError` if it holds lone
/// surrogates.
fn str_of<'py>(obj: &Bound<'py, PyAny>, what: impl Fn() -> String) -> PyResult<Raw<'py>> {
    match obj.cast::<PyString>() {
        Ok(s) => s.encode_utf8().map(Raw::Utf8).map_err(|e| {
            let py = obj.py();
            PyValueError::new_err(format!("{} is not valid Unicode text: {}", what(), e.value(py)))
        }),
        Err(_) => Err(type_err(what(), "a str", obj)),
    }
}

fn peer_of<'py>(peer: &Bound<'py, PyAny>, what: &str) -> PyResult<Option<Raw<'py>>> {
    if peer.is_none() {
        return Ok(None);
    }
    if !peer.is_instance_of::<PyString>() {
        return Err(type_err(what, "a str or None", peer));
    }
    str_of(peer, || what.to_string()).map(Some)
}

/// `headers` of `resolve`: None, `(name, value)` pairs, a mapping (list or tuple values are
/// repeated headers), or any object whose `.items()` yields pairs (werkzeug `Headers`, Starlette
/// `Headers`, `email.message.Message`).
fn collect_headers<'py>(req: &mut RawRequest<'py>, headers: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = headers.py();
    if headers.is_none() {
        return Ok(());
    }
    let pairs_of = |iter: Bound<'py, PyIterator>, req: &mut RawRequest<'py>, from_items: bool| -> PyResult<()> {
        for (i, pair) in iter.enumerate() {
            let pair = pair?;
            let (name, value) =
                pair_of(&pair).ok_or_else(|| type_err(format!("headers[{i}]"), "a (name, value) pair", &pair))?;
            if from_items && (value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>()) {
                for (j, v) in value.try_iter()?.enumerate() {
                    let n = str_of(&name, || format!("headers item {i} name"))?;
                    let v = str_of(&v?, || format!("headers item {i}, value {j},"))?;
                    req.headers.push((n, v));
                }
            } else {
                let n = str_of(&name, || format!("headers[{i}] name"))?;
                let v = str_of(&value, || format!("headers[{i}] value"))?;
                req.headers.push((n, v));
            }
        }
        Ok(())
    };
    let expected = "(name, value) pairs, a mapping or a headers object";
    // Plain sequences first: they are the common case and have no `.items()`.
    if headers.is_instance_of::<PyList>() || headers.is_instance_of::<PyTuple>() {
        return pairs_of(headers.try_iter()?, req, false);
    }
    if headers.is_instance_of::<PyString>() || headers.is_instance_of::<PyBytes>() {
        return Err(type_err("headers", expected, headers));
    }
    if headers.is_instance_of::<PyDict>() || headers.hasattr(intern!(py, "items"))? {
        let items = headers.call_method0(intern!(py, "items"))?;
        let iter = items.try_iter().map_err(|_| type_err("headers.items()", "an iterable of pairs", &items))?;
        return pairs_of(iter, req, true);
    }
    match headers.try_iter() {
        Ok(iter) => pairs_of(iter, req, false),
        Err(_) => Err(type_err("headers", expected, headers)),
    }
}

/// A 2-item tuple or list.
fn pair_of<'py>(obj: &Bound<'py, PyAny>) -> Option<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    if let Ok(t) = obj.cast::<PyTuple>() {
        if t.len() == 2 {
            return Some((t.get_item(0).ok()?, t.get_item(1).ok()?));
        }
    } else if let Ok(l) = obj.cast::<PyList>() {
        if l.len() == 2 {
            return Some((l.get_item(0).ok()?, l.get_item(1).ok()?));
        }
    }
    None
}

/// A WSGI environ (PEP 3333): the peer is `REMOTE_ADDR` (the one before werkzeug's `ProxyFix`
/// rewrote it, when it did); headers are the `HTTP_*` keys (`HTTP_X_FORWARDED_FOR` →
/// `X-FORWARDED-FOR`; names match case-insensitively) plus `CONTENT_TYPE` and `CONTENT_LENGTH`,
/// in the environ's order. With `only`, headers that resolver never reads are skipped before
/// their values are converted (the result is the same; `explain` passes None so that it sees
/// every header).
fn collect_wsgi<'py>(req: &mut RawRequest<'py>, environ: &Bound<'py, PyAny>, only: Option<&Resolver>) -> PyResult<()> {
    let py = environ.py();
    let Ok(dict) = environ.cast::<PyDict>() else {
        return Err(type_err("environ", "a dict (a WSGI environ)", environ));
    };
    let mut remote = dict.get_item(intern!(py, "REMOTE_ADDR"))?;
    if let Some(orig) = dict.get_item(intern!(py, "werkzeug.proxy_fix.orig"))? {
        if let Ok(orig) = orig.cast::<PyDict>() {
            remote = orig.get_item(intern!(py, "REMOTE_ADDR"))?;
        }
    }
    req.peer = match remote {
        Some(p) => peer_of(&p, "environ['REMOTE_ADDR']")?,
        None => None,
    };
    let Some(resolver) = only else {
        req.headers.reserve(dict.len().min(64));
        for (key, value) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else { continue };
            let Some(name) = wsgi_header_name(key)? else { continue };
            req.headers.push((Raw::Utf8(name), wsgi_value(key, &value)?));
        }
        return Ok(());
    };
    // The hot path of `from_wsgi`: one lookup per environ key in the resolver's memo, which
    // answers "not read" for most keys, without touching reference counts for those.
    let memo = resolver.wsgi_keys.bind(py);
    let (mut pos, mut key_ptr, mut value_ptr) = (0, std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: `dict` is a dict and the GIL is held. `PyDict_Next` lends `key_ptr` and
    // `value_ptr`: they are only used borrowed for the memo lookup (exact `str` keys, and the
    // memo only ever holds exact `str` keys: strings are hashed and compared in C, no Python
    // code runs, nothing is allocated), and owned (`from_borrowed_ptr`) before anything else.
    while unsafe { pyo3::ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut key_ptr, &mut value_ptr) } != 0 {
        let exact = unsafe { pyo3::ffi::PyUnicode_CheckExact(key_ptr) } != 0;
        let mut known = std::ptr::null_mut();
        if exact {
            known = unsafe { pyo3::ffi::PyDict_GetItemWithError(memo.as_ptr(), key_ptr) };
            if known.is_null() {
                if let Some(err) = PyErr::take(py) {
                    return Err(err);
                }
            } else if known == unsafe { pyo3::ffi::Py_None() } {
                continue;
            }
        } else if unsafe { pyo3::ffi::PyUnicode_Check(key_ptr) } == 0 {
            continue;
        }
        // SAFETY: lent by `PyDict_Next` just above; a `str` (checked above).
        let key = unsafe { Bound::from_borrowed_ptr(py, key_ptr).cast_into_unchecked::<PyString>() };
        let value = unsafe { Bound::from_borrowed_ptr(py, value_ptr) };
        let name = if known.is_null() {
            let name = wsgi_read_name(&key, &resolver.inner)?;
            // `str` subclasses are not memoised: their `__hash__` and `__eq__` may be Python code.
            if exact && memo.len() < WSGI_NAME_MEMO {
                match &name {
                    Some(n) => memo.set_item(&key, n)?,
                    None => memo.set_item(&key, py.None())?,
                }
            }
            match name {
                Some(n) => n,
                None => continue,
            }
        } else {
            // SAFETY: the memo's values are None (handled above) or `bytes`; borrowed from the
            // memo, which no Python code has changed since the lookup.
            unsafe { Bound::from_borrowed_ptr(py, known).cast_into_unchecked::<PyBytes>() }
        };
        req.headers.push((Raw::Utf8(name), wsgi_value(&key, &value)?));
    }
    Ok(())
}

/// An environ value as UTF-8; errors name the key.
fn wsgi_value<'py>(key: &Bound<'py, PyString>, value: &Bound<'py, PyAny>) -> PyResult<Raw<'py>> {
    str_of(value, || format!("environ[{}]", key.repr().map(|r| r.to_string()).unwrap_or_default()))
}

/// The header name of a WSGI environ key when `resolver` reads that header, else None.
fn wsgi_read_name<'py>(key: &Bound<'py, PyString>, resolver: &core::Resolver) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let Some(name) = wsgi_header_name(key)? else { return Ok(None) };
    let read = std::str::from_utf8(name.as_bytes()).is_ok_and(|n| resolver.reads_header(n));
    Ok(read.then_some(name))
}

/// The most environ keys whose translation is remembered (a client choosing many distinct header
/// names cannot grow the memo beyond this).
const WSGI_NAME_MEMO: usize = 4096;

static WSGI_NAMES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The header name of a WSGI environ key as UTF-8 (`HTTP_X_FORWARDED_FOR` → `X-FORWARDED-FOR`,
/// `CONTENT_TYPE` → `Content-Type`), or None for a key that is not a header. Translations are
/// memoised per key string, so a request costs one dict lookup per environ key.
fn wsgi_header_name<'py>(key: &Bound<'py, PyString>) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let py = key.py();
    let memo = WSGI_NAMES.get_or_init(py, || PyDict::new(py).unbind()).bind(py);
    if let Some(known) = memo.get_item(key)? {
        return Ok(known.cast_into::<PyBytes>().ok());
    }
    let Raw::Utf8(key_bytes) = str_of(key, || "an environ key".to_string())? else { return Ok(None) };
    let key_text = std::str::from_utf8(key_bytes.as_bytes()).unwrap_or_default();
    let name = if let Some(rest) = key_text.strip_prefix("HTTP_") {
        Some(PyBytes::new(py, rest.replace('_', "-").as_bytes()))
    } else if key_text == "CONTENT_TYPE" {
        Some(PyBytes::new(py, b"Content-Type"))
    } else if key_text == "CONTENT_LENGTH" {
        Some(PyBytes::new(py, b"Content-Length"))
    } else {
        None
    };
    if memo.len() < WSGI_NAME_MEMO {
        match &name {
            Some(n) => memo.set_item(key, n)?,
            None => memo.set_item(key, py.None())?,
        }
    }
    Ok(name)
}

/// An ASGI HTTP or WebSocket scope: the peer is `scope["client"][0]`; headers are
/// `scope["headers"]`, byte pairs decoded as ISO-8859-1.
fn collect_asgi<'py>(req: &mut RawRequest<'py>, scope: &Bound<'py, PyAny>) -> PyResult<()> {
    let py = scope.py();
    let Ok(dict) = scope.cast::<PyDict>() else {
        return Err(type_err("scope", "a dict (an ASGI scope)", scope));
    };
    req.peer = match dict.get_item(intern!(py, "client"))? {
        None => None,
        Some(c) if c.is_none() => None,
        Some(c) => {
            let host = match pair_of(&c) {
                Some((host, _port)) => host,
                None => return Err(type_err("scope['client']", "a (host, port) pair or None", &c)),
            };
            peer_of(&host, "scope['client'][0]")?
        }
    };
    let Some(headers) = dict.get_item(intern!(py, "headers"))? else { return Ok(()) };
    let iter = headers.try_iter().map_err(|_| type_err("scope['headers']", "an iterable of byte pairs", &headers))?;
    for (i, pair) in iter.enumerate() {
        let pair = pair?;
        let (name, value) =
            pair_of(&pair).ok_or_else(|| type_err(format!("scope['headers'][{i}]"), "a (name, value) pair", &pair))?;
        let bytes = |obj: &Bound<'py, PyAny>, part: &str| -> PyResult<Raw<'py>> {
            match obj.cast::<PyBytes>() {
                Ok(b) => Ok(latin1(b)),
                Err(_) => Err(type_err(format!("scope['headers'][{i}] {part}"), "bytes", obj)),
            }
        };
        req.headers.push((bytes(&name, "name")?, bytes(&value, "value")?));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JSON text from the core → Python objects (order kept)

/// Builds Python objects straight from JSON text, keeping object key order.
struct ToPy<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for ToPy<'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn py_fail<E: serde::de::Error>(e: PyErr) -> E {
    E::custom(e.to_string())
}

impl<'de, 'py> Visitor<'de> for ToPy<'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(pyo3::types::PyBool::new(self.0, v).to_owned().into_any())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(obj) = v.into_pyobject(self.0);
        Ok(obj.into_any())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(obj) = v.into_pyobject(self.0);
        Ok(obj.into_any())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let Ok(obj) = v.into_pyobject(self.0);
        Ok(obj.into_any())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(ToPy(self.0))? {
            list.append(item).map_err(py_fail)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let value = map.next_value_seed(ToPy(self.0))?;
            dict.set_item(key_str(self.0, &key), value).map_err(py_fail)?;
        }
        Ok(dict.into_any())
    }
}

/// A dict key: the wire formats' field names are interned (built once, shared), others are new.
fn key_str<'py>(py: Python<'py>, key: &str) -> Bound<'py, PyString> {
    match key {
        "application_name" => intern!(py, "application_name").clone(),
        "end_user_id" => intern!(py, "end_user_id").clone(),
        "end_user_tenant_id" => intern!(py, "end_user_tenant_id").clone(),
        "source_ip" => intern!(py, "source_ip").clone(),
        "user_security_context" => intern!(py, "user_security_context").clone(),
        "user" => intern!(py, "user").clone(),
        _ => PyString::new(py, key),
    }
}

fn json_to_py<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let mut de = serde_json::Deserializer::from_str(text);
    ToPy(py)
        .deserialize(&mut de)
        .map_err(|e| PyValueError::new_err(format!("secctx produced JSON it cannot read back (a bug): {e}")))
}

// ---------------------------------------------------------------------------------------------
// Resolver

/// Resolves requests under one configuration. Thread-safe, immutable and reusable: build it
/// once at start-up and share it.
#[pyclass(frozen, module = "secctx._secctx", name = "Resolver")]
struct Resolver {
    inner: core::Resolver,
    /// `from_wsgi`'s memo: environ key → the header's name (`bytes`) when this resolver reads
    /// that header, None for every other key (at most `WSGI_NAME_MEMO` keys, all exact `str`).
    wsgi_keys: Py<PyDict>,
}

/// Per-request identity arguments (None means "not given").
struct IdentityArgs<'a> {
    end_user_id: Option<&'a str>,
    end_user_id_type: Option<&'a str>,
    end_user_tenant_id: Option<&'a str>,
    application_name: Option<&'a str>,
}

impl IdentityArgs<'_> {
    fn core(&self) -> core::Identity<'_> {
        core::Identity {
            end_user_id: self.end_user_id,
            end_user_id_type: self.end_user_id_type,
            end_user_tenant_id: self.end_user_tenant_id,
            application_name: self.application_name,
        }
    }
}

type Id = Option<pyo3::pybacked::PyBackedStr>;

const ID_NAMES: [&str; 4] = ["end_user_id", "end_user_id_type", "end_user_tenant_id", "application_name"];

/// The identity keyword arguments as text: None means "not given"; anything but a `str` is a
/// `TypeError` naming the argument.
fn id_args(args: [Option<&Bound<'_, PyAny>>; 4]) -> PyResult<[Id; 4]> {
    let mut out: [Id; 4] = Default::default();
    for ((slot, arg), name) in out.iter_mut().zip(args).zip(ID_NAMES) {
        if let Some(arg) = arg.filter(|a| !a.is_none()) {
            if !arg.is_instance_of::<PyString>() {
                return Err(type_err(name, "a str or None", arg));
            }
            *slot = Some(arg.extract().map_err(|e: PyErr| {
                PyValueError::new_err(format!("{name} is not valid Unicode text: {}", e.value(arg.py())))
            })?);
        }
    }
    Ok(out)
}

fn identity(ids: &[Id; 4]) -> IdentityArgs<'_> {
    IdentityArgs {
        end_user_id: ids[0].as_deref(),
        end_user_id_type: ids[1].as_deref(),
        end_user_tenant_id: ids[2].as_deref(),
        application_name: ids[3].as_deref(),
    }
}

enum Source<'a, 'py> {
    Pairs(&'a Bound<'py, PyAny>, &'a Bound<'py, PyAny>),
    Wsgi(&'a Bound<'py, PyAny>),
    Asgi(&'a Bound<'py, PyAny>),
}

impl Resolver {
    fn wrap(py: Python<'_>, inner: core::Resolver) -> Self {
        Resolver { inner, wsgi_keys: PyDict::new(py).unbind() }
    }

    fn gather<'py>(source: Source<'_, 'py>, only: Option<&Resolver>) -> PyResult<RawRequest<'py>> {
        let mut req = RawRequest::default();
        match source {
            Source::Pairs(peer, headers) => {
                req.peer = peer_of(peer, "peer")?;
                collect_headers(&mut req, headers)?;
            }
            Source::Wsgi(environ) => collect_wsgi(&mut req, environ, only)?,
            Source::Asgi(scope) => collect_asgi(&mut req, scope)?,
        }
        Ok(req)
    }

    fn run(&self, py: Python<'_>, source: Source<'_, '_>, id: &IdentityArgs<'_>) -> PyResult<SecurityContext> {
        let raw = Self::gather(source, Some(self))?;
        let request = raw.request();
        // The GIL is kept: a typical resolve takes well under a microsecond, less than releasing
        // and re-acquiring it costs (see docs/benchmarks/python.md).
        match self.inner.resolve(request, &id.core()) {
            Ok(ctx) => Ok(SecurityContext { inner: ctx }),
            Err(e) => Err(core_err(py, e)),
        }
    }

    fn run_explain<'py>(
        &self,
        py: Python<'py>,
        source: Source<'_, 'py>,
        id: &IdentityArgs<'_>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let raw = Self::gather(source, None)?;
        let request = raw.request();
        let explanation = self.inner.explain(request, &id.core()).map_err(|e| core_err(py, e))?;
        let json = serde_json::to_string(&explanation)
            .map_err(|e| PyValueError::new_err(format!("cannot render the explanation: {e}")))?;
        json_to_py(py, &json)
    }
}

#[pymethods]
impl Resolver {
    /// `Resolver(config=None, **keys)`: the configuration document of SPEC section 3 as a dict,
    /// and/or its keys as keyword arguments. A key given both ways takes the keyword's value;
    /// a keyword whose value is None is ignored.
    #[new]
    #[pyo3(signature = (config = None, **keys))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>, keys: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let merged = PyDict::new(py);
        if let Some(config) = config.filter(|c| !c.is_none()) {
            let Ok(mapping) = config.cast::<pyo3::types::PyMapping>() else {
                return Err(type_err("config", "a dict (the configuration document) or None", config));
            };
            merged.update(mapping)?;
        }
        if let Some(keys) = keys {
            for (k, v) in keys.iter() {
                if !v.is_none() {
                    merged.set_item(k, v)?;
                }
            }
        }
        let json = py.import(intern!(py, "json"))?;
        let text = json.call_method1(intern!(py, "dumps"), (merged,)).map_err(|e| {
            if e.is_instance_of::<PyTypeError>(py) {
                PyTypeError::new_err(format!("config: a value is not JSON data: {}", e.value(py)))
            } else {
                e
            }
        })?;
        let text: pyo3::pybacked::PyBackedStr = text.extract()?;
        let inner = core::Resolver::from_json(&text).map_err(|e| core_err(py, e))?;
        Ok(Resolver::wrap(py, inner))
    }

    /// Builds a resolver from the configuration document as JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, json: pyo3::pybacked::PyBackedStr) -> PyResult<Self> {
        let inner = core::Resolver::from_json(&json).map_err(|e| core_err(py, e))?;
        Ok(Resolver::wrap(py, inner))
    }

    /// The effective configuration (presets and defaults filled in) as a dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.inner.config().to_json())
    }

    /// Resolves one request given its socket peer and its headers.
    #[pyo3(signature = (peer, headers = None, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    #[allow(clippy::too_many_arguments)]
    fn resolve(
        &self,
        py: Python<'_>,
        peer: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SecurityContext> {
        let none = py.None().into_bound(py);
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run(py, Source::Pairs(peer, headers.unwrap_or(&none)), &id)
    }

    /// Resolves the request of a WSGI environ (Flask's `request.environ`, Django's
    /// `request.META`).
    #[pyo3(signature = (environ, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    #[pyo3(name = "from_wsgi")]
    fn resolve_wsgi(
        &self,
        py: Python<'_>,
        environ: &Bound<'_, PyAny>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SecurityContext> {
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run(py, Source::Wsgi(environ), &id)
    }

    /// Resolves the request of an ASGI HTTP or WebSocket scope.
    #[pyo3(signature = (scope, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    #[pyo3(name = "from_asgi")]
    fn resolve_asgi(
        &self,
        py: Python<'_>,
        scope: &Bound<'_, PyAny>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SecurityContext> {
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run(py, Source::Asgi(scope), &id)
    }

    /// Like `resolve`, and also records how: every hop visited, the entry that trusted the
    /// peer, the headers forwarded and those dropped as credentials. Returns a dict.
    #[pyo3(signature = (peer, headers = None, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    #[allow(clippy::too_many_arguments)]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        peer: &Bound<'py, PyAny>,
        headers: Option<&Bound<'py, PyAny>>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let none = py.None().into_bound(py);
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run_explain(py, Source::Pairs(peer, headers.unwrap_or(&none)), &id)
    }

    /// `explain` for a WSGI environ.
    #[pyo3(signature = (environ, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    fn explain_wsgi<'py>(
        &self,
        py: Python<'py>,
        environ: &Bound<'py, PyAny>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run_explain(py, Source::Wsgi(environ), &id)
    }

    /// `explain` for an ASGI scope.
    #[pyo3(signature = (scope, *, end_user_id = None, end_user_id_type = None,
                        end_user_tenant_id = None, application_name = None))]
    fn explain_asgi<'py>(
        &self,
        py: Python<'py>,
        scope: &Bound<'py, PyAny>,
        end_user_id: Option<&Bound<'_, PyAny>>,
        end_user_id_type: Option<&Bound<'_, PyAny>>,
        end_user_tenant_id: Option<&Bound<'_, PyAny>>,
        application_name: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
        let id = identity(&ids);
        self.run_explain(py, Source::Asgi(scope), &id)
    }

    fn __repr__(&self) -> String {
        format!("Resolver({})", self.inner.config().to_json())
    }
}

// ---------------------------------------------------------------------------------------------
// SecurityContext

/// The security context of one request: who sent it, from where, and why secctx thinks so.
#[pyclass(frozen, eq, module = "secctx._secctx", name = "SecurityContext")]
#[derive(PartialEq)]
struct SecurityContext {
    inner: core::SecurityContext,
}

impl SecurityContext {
    /// The `user_security_context` object as a dict, built from the core's members (the keys,
    /// order and values of `user_security_context_json`) without rendering JSON and reading it
    /// back.
    fn usc_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in self.inner.user_security_context_members() {
            dict.set_item(member_key(py, key), value.as_str())?;
        }
        Ok(dict)
    }

    /// The body field for an api-version (None: `user_security_context`): its name and its
    /// value (the object as a dict, or the legacy document as a `str`).
    fn field_for<'py>(
        &self,
        py: Python<'py>,
        api_version: Option<&str>,
    ) -> PyResult<(Bound<'py, PyString>, Bound<'py, PyAny>)> {
        let format = match api_version {
            None => core::WireFormat::UserSecurityContext,
            Some(v) => core::WireFormat::for_api_version(v).map_err(|e| core_err(py, e))?,
        };
        let value = match format {
            core::WireFormat::LegacyUser => {
                let doc = self.inner.legacy_user_json().map_err(|e| core_err(py, e))?;
                PyString::new(py, &doc).into_any()
            }
            _ => self.usc_dict(py)?.into_any(),
        };
        Ok((key_str(py, format.field_name()), value))
    }
}

/// A key of the `user_security_context` object as an interned Python `str`.
fn member_key<'py>(py: Python<'py>, key: &'static str) -> Bound<'py, PyString> {
    match key {
        "application_name" => intern!(py, "application_name").clone(),
        "end_user_id" => intern!(py, "end_user_id").clone(),
        "end_user_tenant_id" => intern!(py, "end_user_tenant_id").clone(),
        "source_ip" => intern!(py, "source_ip").clone(),
        other => PyString::new(py, other),
    }
}

#[pymethods]
impl SecurityContext {
    /// The application's name (per request, else the configuration's).
    #[getter]
    fn application_name(&self) -> Option<&str> {
        self.inner.application_name()
    }

    /// The end user's id.
    #[getter]
    fn end_user_id(&self) -> Option<&str> {
        self.inner.end_user_id()
    }

    /// `AAD`, `Google`, `Other` or None.
    #[getter]
    fn end_user_id_type(&self) -> Option<&'static str> {
        self.inner.end_user_id_type().map(core::EndUserIdType::as_str)
    }

    /// The end user's tenant id.
    #[getter]
    fn end_user_tenant_id(&self) -> Option<&str> {
        self.inner.end_user_tenant_id()
    }

    /// The original client's address, canonical; None when it cannot be known.
    #[getter]
    fn source_ip(&self) -> Option<String> {
        self.inner.source_ip().map(|ip| ip.to_string())
    }

    /// The immediate peer's address, canonical (the legacy `SourceIP`).
    #[getter]
    fn peer(&self) -> Option<String> {
        self.inner.peer().map(|ip| ip.to_string())
    }

    /// The allow-listed request headers (the legacy `SourceRequestHeaders`), in allow-list order.
    #[getter]
    fn source_request_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in self.inner.source_request_headers() {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    /// Why `source_ip` is what it is, for people (and logs).
    #[getter]
    fn reason(&self) -> String {
        self.inner.reason().to_string()
    }

    /// Why `source_ip` is what it is, as a stable code (`peer_untrusted`, `chosen_at_hop`, …).
    #[getter]
    fn reason_code(&self) -> &'static str {
        self.inner.reason().code()
    }

    /// The hop the reason is about (`chosen_at_hop`, `invalid_entry`), counted from the right
    /// from 1; else None.
    #[getter]
    fn reason_hop(&self) -> Option<u32> {
        self.inner.reason().hop()
    }

    /// Where the end user's identity came from: `none`, `explicit` or `easy_auth`.
    #[getter]
    fn identity_source(&self) -> &'static str {
        self.inner.identity_source().code()
    }

    /// Why App Service authentication headers were present but (partly) ignored, for people;
    /// None when nothing was ignored.
    #[getter]
    fn easy_auth_note(&self) -> Option<String> {
        self.inner.easy_auth_note().map(|n| n.to_string())
    }

    /// `easy_auth_malformed`, `easy_auth_repeated` or None.
    #[getter]
    fn easy_auth_note_code(&self) -> Option<&'static str> {
        self.inner.easy_auth_note().map(core::EasyAuthNote::code)
    }

    /// The `user_security_context` object (current API versions) as a dict.
    fn user_security_context<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.usc_dict(py)
    }

    /// The `user_security_context` object as compact JSON text.
    fn user_security_context_json(&self) -> String {
        self.inner.user_security_context_json()
    }

    /// The legacy `user` document (older API versions) as JSON text. Raises
    /// `MissingEndUserIdTypeError` when there is an end-user id but no type.
    fn legacy_user(&self, py: Python<'_>) -> PyResult<String> {
        self.inner.legacy_user_json().map_err(|e| core_err(py, e))
    }

    /// `"user_security_context"` or `"user"`: the body field an api-version takes.
    #[staticmethod]
    fn field_for_api_version(py: Python<'_>, api_version: pyo3::pybacked::PyBackedStr) -> PyResult<&'static str> {
        core::WireFormat::for_api_version(&api_version).map(core::WireFormat::field_name).map_err(|e| core_err(py, e))
    }

    /// The request-body fields for an api-version: `{"user_security_context": {...}}` or
    /// `{"user": "..."}`.
    fn for_api_version<'py>(
        &self,
        py: Python<'py>,
        api_version: pyo3::pybacked::PyBackedStr,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (name, value) = self.field_for(py, Some(&api_version))?;
        let out = PyDict::new(py);
        out.set_item(name, value)?;
        Ok(out)
    }

    /// The dict to pass as openai-python's `extra_body`: a copy of `existing` (when given) with
    /// the context's field set. Without `api_version` the field is `user_security_context`;
    /// with one, the field that api-version takes.
    #[pyo3(signature = (existing = None, *, api_version = None))]
    fn extra_body<'py>(
        &self,
        py: Python<'py>,
        existing: Option<&Bound<'py, PyAny>>,
        api_version: Option<pyo3::pybacked::PyBackedStr>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (name, value) = self.field_for(py, api_version.as_deref())?;
        let out = PyDict::new(py);
        if let Some(existing) = existing.filter(|e| !e.is_none()) {
            let Ok(mapping) = existing.cast::<pyo3::types::PyMapping>() else {
                return Err(type_err("existing", "a dict (an extra_body) or None", existing));
            };
            out.update(mapping)?;
        }
        out.set_item(name, value)?;
        Ok(out)
    }

    /// The full record as a dict, for logs: fields, peer, headers, reason, identity source.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_string(&self.inner)
            .map_err(|e| PyValueError::new_err(format!("cannot render the context: {e}")))?;
        json_to_py(py, &json)
    }

    fn __repr__(&self) -> String {
        let opt = |v: Option<&str>| v.map_or_else(|| "None".to_string(), py_repr);
        let ip = |v: Option<std::net::IpAddr>| v.map_or_else(|| "None".to_string(), |ip| format!("'{ip}'"));
        format!(
            "SecurityContext(source_ip={}, peer={}, end_user_id={}, end_user_id_type={}, end_user_tenant_id={}, application_name={}, reason_code='{}')",
            ip(self.inner.source_ip()),
            ip(self.inner.peer()),
            opt(self.inner.end_user_id()),
            opt(self.inner.end_user_id_type().map(core::EndUserIdType::as_str)),
            opt(self.inner.end_user_tenant_id()),
            opt(self.inner.application_name()),
            self.inner.reason().code(),
        )
    }
}

/// A string literal as Python's `repr` would usually write it (single quotes).
fn py_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

// ---------------------------------------------------------------------------------------------
// Module

/// The canonical form of an address (`ip`, `ip:port`, `[ipv6]:port`, …) by secctx's rules, or
/// None when the text is not an address.
#[pyfunction]
fn parse_address(text: pyo3::pybacked::PyBackedStr) -> Option<String> {
    core::parse_address(&text).map(|ip| ip.to_string())
}

static DEFAULT_RESOLVER: PyOnceLock<Py<Resolver>> = PyOnceLock::new();

/// The shared resolver of the default configuration: no proxy trusted, so `source_ip` is always
/// the socket peer.
#[pyfunction]
fn default_resolver(py: Python<'_>) -> PyResult<Py<Resolver>> {
    DEFAULT_RESOLVER
        .get_or_try_init(py, || Py::new(py, Resolver::wrap(py, core::Resolver::default())))
        .map(|r| r.clone_ref(py))
}

fn resolver_or_default<'py>(py: Python<'py>, resolver: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, Resolver>> {
    match resolver.filter(|r| !r.is_none()) {
        Some(r) => r.cast::<Resolver>().cloned().map_err(|_| type_err("resolver", "a secctx.Resolver or None", r)),
        None => Ok(default_resolver(py)?.into_bound(py)),
    }
}

/// `from_wsgi(environ, resolver=None, *, ...)`: `resolver.from_wsgi(environ, ...)`, with the
/// default resolver when none is given.
#[pyfunction]
#[pyo3(name = "from_wsgi", signature = (environ, resolver = None, *, end_user_id = None, end_user_id_type = None,
                    end_user_tenant_id = None, application_name = None))]
fn module_from_wsgi(
    py: Python<'_>,
    environ: &Bound<'_, PyAny>,
    resolver: Option<&Bound<'_, PyAny>>,
    end_user_id: Option<&Bound<'_, PyAny>>,
    end_user_id_type: Option<&Bound<'_, PyAny>>,
    end_user_tenant_id: Option<&Bound<'_, PyAny>>,
    application_name: Option<&Bound<'_, PyAny>>,
) -> PyResult<SecurityContext> {
    let resolver = resolver_or_default(py, resolver)?;
    let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
    resolver.get().run(py, Source::Wsgi(environ), &identity(&ids))
}

/// `from_asgi(scope, resolver=None, *, ...)`: `resolver.from_asgi(scope, ...)`, with the default
/// resolver when none is given.
#[pyfunction]
#[pyo3(name = "from_asgi", signature = (scope, resolver = None, *, end_user_id = None, end_user_id_type = None,
                    end_user_tenant_id = None, application_name = None))]
fn module_from_asgi(
    py: Python<'_>,
    scope: &Bound<'_, PyAny>,
    resolver: Option<&Bound<'_, PyAny>>,
    end_user_id: Option<&Bound<'_, PyAny>>,
    end_user_id_type: Option<&Bound<'_, PyAny>>,
    end_user_tenant_id: Option<&Bound<'_, PyAny>>,
    application_name: Option<&Bound<'_, PyAny>>,
) -> PyResult<SecurityContext> {
    let resolver = resolver_or_default(py, resolver)?;
    let ids = id_args([end_user_id, end_user_id_type, end_user_tenant_id, application_name])?;
    resolver.get().run(py, Source::Asgi(scope), &identity(&ids))
}

#[pymodule]
fn _secctx(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Resolver>()?;
    m.add_class::<SecurityContext>()?;
    m.add_function(wrap_pyfunction!(parse_address, m)?)?;
    m.add_function(wrap_pyfunction!(default_resolver, m)?)?;
    m.add_function(wrap_pyfunction!(module_from_wsgi, m)?)?;
    m.add_function(wrap_pyfunction!(module_from_asgi, m)?)?;
    m.add("__version__", core::VERSION)?;
    m.add("DEFAULT_REQUEST_HEADERS", core::DEFAULT_REQUEST_HEADERS.to_vec())?;
    m.add("DENIED_REQUEST_HEADERS", core::DENIED_REQUEST_HEADERS.to_vec())?;
    m.add("MAX_CHAIN_BYTES", core::MAX_CHAIN_BYTES)?;
    m.add("MAX_SOURCE_HEADER_BYTES", core::MAX_SOURCE_HEADER_BYTES)?;
    m.add("MAX_PRINCIPAL_BYTES", core::MAX_PRINCIPAL_BYTES)?;
    m.add("MAX_FORWARDED_PAIRS", core::MAX_FORWARDED_PAIRS)?;
    m.add("PRESETS", core::Preset::ALL.iter().map(|p| p.name()).collect::<Vec<_>>())?;
    Ok(())
}
