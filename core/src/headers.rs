//! Header names: the allow-list for `SourceRequestHeaders`, the names never forwarded, and the
//! token grammar of HTTP field names.

/// The default allow-list for `SourceRequestHeaders`, in output order and canonical spelling.
///
/// ```
/// assert_eq!(secctx::DEFAULT_REQUEST_HEADERS[0], "User-Agent");
/// assert_eq!(secctx::DEFAULT_REQUEST_HEADERS.len(), 9);
/// ```
pub const DEFAULT_REQUEST_HEADERS: [&str; 9] = [
    "User-Agent",
    "X-Forwarded-For",
    "X-Real-IP",
    "Forwarded",
    "CF-Connecting-IP",
    "True-Client-IP",
    "X-Client-IP",
    "X-Forwarded",
    "Forwarded-For",
];

/// Header names that are never forwarded in `SourceRequestHeaders` (compared case-insensitively);
/// listing one in `request_headers` is an `invalid_config` error. Names starting with
/// `X-MS-TOKEN-` or `X-MS-CLIENT-PRINCIPAL` are denied too.
///
/// ```
/// assert!(secctx::is_denied_header("authorization"));
/// assert!(secctx::is_denied_header("X-MS-TOKEN-AAD-ID-TOKEN"));
/// assert!(!secctx::is_denied_header("User-Agent"));
/// ```
pub const DENIED_REQUEST_HEADERS: [&str; 7] = [
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "Api-Key",
    "X-Api-Key",
    "Ocp-Apim-Subscription-Key",
];

const DENIED_PREFIXES: [&str; 2] = ["x-ms-token-", "x-ms-client-principal"];

/// Whether a header name is one secctx never forwards (see [`DENIED_REQUEST_HEADERS`]).
///
/// ```
/// assert!(secctx::is_denied_header("Cookie"));
/// assert!(secctx::is_denied_header("x-ms-client-principal-name"));
/// assert!(!secctx::is_denied_header("X-Forwarded-For"));
/// ```
pub fn is_denied_header(name: &str) -> bool {
    DENIED_REQUEST_HEADERS.iter().any(|d| d.eq_ignore_ascii_case(name))
        || DENIED_PREFIXES
            .iter()
            .any(|p| name.len() >= p.len() && name.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
}

/// The canonical output spelling of `name`: one of the nine default names when it matches one
/// case-insensitively, else `name` as given.
pub(crate) fn canonical_name(name: &str) -> &str {
    DEFAULT_REQUEST_HEADERS.iter().find(|d| d.eq_ignore_ascii_case(name)).copied().unwrap_or(name)
}

/// RFC 9110 `tchar`.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
        )
}

/// Whether `name` is a valid HTTP field name (a non-empty token).
pub(crate) fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_tchar)
}
