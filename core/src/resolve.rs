//! The resolver: the client-IP algorithm of SPEC section 4 and identity of section 6, over one
//! pass of the request's headers.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::addr::{IpSet, canonical, parse_address, trim_ows};
use crate::config::Config;
use crate::context::SecurityContext;
use crate::error::Result;
use crate::forwarded::{element_node, split_elements};
use crate::headers::{canonical_name, is_denied_header};
use crate::identity::{EasyAuthHeaders, EndUserIdType, Identity, IdentitySource, easy_auth};

/// The most bytes the chain header's instances may hold together (a separator between
/// instances counted); a longer chain is not read and `source_ip` is absent
/// ([`Reason::HeaderTooLarge`]).
///
/// ```
/// use secctx::{Identity, Reason, Request, Resolver};
/// let r = Resolver::from_json(r#"{"trusted_proxies": ["loopback"]}"#)?;
/// let long = "203.0.113.7, ".repeat(secctx::MAX_CHAIN_BYTES / 13 + 1);
/// let ctx = r.resolve(Request::new("127.0.0.1", [("X-Forwarded-For", long.as_str())]), &Identity::new())?;
/// assert_eq!(ctx.reason(), Reason::HeaderTooLarge { limit: secctx::MAX_CHAIN_BYTES });
/// # Ok::<(), secctx::Error>(())
/// ```
pub const MAX_CHAIN_BYTES: usize = 64 * 1024;

/// The most bytes of one `SourceRequestHeaders` value (instances joined); longer values are cut
/// at a UTF-8 character boundary.
///
/// ```
/// use secctx::{Identity, Request, Resolver};
/// let ua = "x".repeat(5000);
/// let ctx = Resolver::default().resolve(Request::new("192.0.2.1", [("User-Agent", ua.as_str())]), &Identity::new())?;
/// assert_eq!(ctx.source_request_headers().next().unwrap().1.len(), secctx::MAX_SOURCE_HEADER_BYTES);
/// # Ok::<(), secctx::Error>(())
/// ```
pub const MAX_SOURCE_HEADER_BYTES: usize = 1024;

/// The immediate peer of the request: the socket address the server accepted.
///
/// ```
/// use secctx::Peer;
/// use std::net::{IpAddr, SocketAddr};
/// let _: Peer = "10.0.0.2:51234".into();
/// let _: Peer = "10.0.0.2:51234".parse::<SocketAddr>().unwrap().into();
/// let _: Peer = "::1".parse::<IpAddr>().unwrap().into();
/// let _: Peer = None::<&str>.into();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer<'a> {
    /// The peer is not known.
    Unknown,
    /// Text in any accepted form: `ip`, `ip:port`, `[ipv6]`, `[ipv6]:port`; unparsable text is
    /// an unknown peer.
    Text(&'a str),
    /// An address.
    Ip(IpAddr),
}

impl<'a> From<&'a str> for Peer<'a> {
    fn from(s: &'a str) -> Self {
        Peer::Text(s)
    }
}

impl<'a> From<&'a String> for Peer<'a> {
    fn from(s: &'a String) -> Self {
        Peer::Text(s)
    }
}

impl<'a> From<Option<&'a str>> for Peer<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Peer::Unknown, Peer::Text)
    }
}

impl From<IpAddr> for Peer<'_> {
    fn from(ip: IpAddr) -> Self {
        Peer::Ip(ip)
    }
}

impl From<SocketAddr> for Peer<'_> {
    fn from(sa: SocketAddr) -> Self {
        Peer::Ip(sa.ip())
    }
}

impl From<Option<IpAddr>> for Peer<'_> {
    fn from(ip: Option<IpAddr>) -> Self {
        ip.map_or(Peer::Unknown, Peer::Ip)
    }
}

impl From<Option<SocketAddr>> for Peer<'_> {
    fn from(sa: Option<SocketAddr>) -> Self {
        sa.map_or(Peer::Unknown, |sa| Peer::Ip(sa.ip()))
    }
}

impl Peer<'_> {
    fn address(self) -> Option<IpAddr> {
        match self {
            Peer::Unknown => None,
            Peer::Text(s) => parse_address(s),
            Peer::Ip(ip) => canonical(ip),
        }
    }
}

/// A view of one request: its peer and its headers, borrowed, never copied.
///
/// `headers` is any iterator of `(name, value)` pairs in arrival order; repeated names are kept.
///
/// ```
/// use secctx::Request;
/// let headers = vec![("User-Agent".to_string(), "curl/8".to_string())];
/// let req = Request::new("192.0.2.1", headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
/// # let _ = req;
/// ```
#[derive(Clone, Debug)]
pub struct Request<'a, H> {
    peer: Peer<'a>,
    headers: H,
}

impl<'a, H> Request<'a, H>
where
    H: IntoIterator<Item = (&'a str, &'a str)>,
{
    /// A request from `peer` with `headers`.
    ///
    /// ```
    /// let req = secctx::Request::new("192.0.2.1:443", [("User-Agent", "curl/8")]);
    /// # let _ = req;
    /// ```
    pub fn new(peer: impl Into<Peer<'a>>, headers: H) -> Self {
        Request { peer: peer.into(), headers }
    }
}

/// Why `source_ip` is what it is (SPEC section 4). [`code`](Reason::code) is stable for
/// programs; `Display` is for people.
///
/// ```
/// use secctx::Reason;
/// let r = Reason::ChosenAtHop { hop: 2 };
/// assert_eq!(r.code(), "chosen_at_hop");
/// assert_eq!(r.hop(), Some(2));
/// assert_eq!(r.to_string(), "the first untrusted entry from the right, at hop 2, is the client");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The peer is missing or not an address: no header was read; `source_ip` is absent.
    PeerUnknown,
    /// The peer is not in `trusted_proxies`: `source_ip` is the peer; no header was read.
    PeerUntrusted,
    /// `front_door_id` is set and the request does not carry exactly one matching
    /// `X-Azure-FDID`: the peer is treated as untrusted.
    FrontDoorIdMismatch,
    /// The peer is trusted but the chain header is absent: `source_ip` is the peer.
    NoForwardedHeader,
    /// The first untrusted entry from the right (hop 1 is the rightmost) is the client.
    ChosenAtHop {
        /// The entry's position from the right, from 1.
        hop: u32,
    },
    /// Every entry is trusted: `source_ip` is the leftmost.
    AllTrusted {
        /// How many entries the chain holds.
        hops: u32,
    },
    /// The entry the walk reached is not an address: `source_ip` is absent.
    InvalidEntry {
        /// The entry's position from the right, from 1.
        hop: u32,
    },
    /// More than `max_hops` trusted entries: `source_ip` is absent.
    TooManyHops {
        /// The configured limit.
        max_hops: u32,
    },
    /// The chain header exceeds [`MAX_CHAIN_BYTES`]: `source_ip` is absent.
    HeaderTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// `source_ip` was read from `client_ip_header`.
    ClientIpHeader,
    /// `client_ip_header` is absent: `source_ip` is absent.
    ClientIpHeaderMissing,
    /// `client_ip_header` appears more than once: `source_ip` is absent.
    ClientIpHeaderRepeated,
    /// `client_ip_header` does not hold exactly one address: `source_ip` is absent.
    ClientIpHeaderInvalid,
}

impl Reason {
    /// The stable code, e.g. `peer_untrusted`, `chosen_at_hop`, `invalid_entry`.
    ///
    /// ```
    /// assert_eq!(secctx::Reason::PeerUntrusted.code(), "peer_untrusted");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            Reason::PeerUnknown => "peer_unknown",
            Reason::PeerUntrusted => "peer_untrusted",
            Reason::FrontDoorIdMismatch => "front_door_id_mismatch",
            Reason::NoForwardedHeader => "no_forwarded_header",
            Reason::ChosenAtHop { .. } => "chosen_at_hop",
            Reason::AllTrusted { .. } => "all_trusted",
            Reason::InvalidEntry { .. } => "invalid_entry",
            Reason::TooManyHops { .. } => "too_many_hops",
            Reason::HeaderTooLarge { .. } => "header_too_large",
            Reason::ClientIpHeader => "client_ip_header",
            Reason::ClientIpHeaderMissing => "client_ip_header_missing",
            Reason::ClientIpHeaderRepeated => "client_ip_header_repeated",
            Reason::ClientIpHeaderInvalid => "client_ip_header_invalid",
        }
    }

    /// The hop the reason is about, for `chosen_at_hop` and `invalid_entry`.
    ///
    /// ```
    /// assert_eq!(secctx::Reason::InvalidEntry { hop: 3 }.hop(), Some(3));
    /// assert_eq!(secctx::Reason::PeerUnknown.hop(), None);
    /// ```
    pub const fn hop(self) -> Option<u32> {
        match self {
            Reason::ChosenAtHop { hop } | Reason::InvalidEntry { hop } => Some(hop),
            _ => None,
        }
    }
}

impl Reason {
    /// The sentence of [`Display`](fmt::Display) as a fixed beginning, an optional number and a
    /// fixed end, so that it is written without the integer formatting machinery.
    fn text_parts(self) -> (&'static str, Option<u64>, &'static str) {
        match self {
            Reason::PeerUnknown => ("the peer address is missing or not an IP address; no header was read", None, ""),
            Reason::PeerUntrusted => {
                ("the peer is not in trusted_proxies, so no header was read; source_ip is the peer", None, "")
            }
            Reason::FrontDoorIdMismatch => (
                "front_door_id is set but the request does not carry exactly one matching X-Azure-FDID; source_ip is the peer",
                None,
                "",
            ),
            Reason::NoForwardedHeader => {
                ("the peer is trusted but sent no forwarded header; source_ip is the peer", None, "")
            }
            Reason::ChosenAtHop { hop } => {
                ("the first untrusted entry from the right, at hop ", Some(u64::from(hop)), ", is the client")
            }
            Reason::AllTrusted { hops } => {
                ("all ", Some(u64::from(hops)), " entries are trusted; source_ip is the leftmost")
            }
            Reason::InvalidEntry { hop } => {
                ("the entry at hop ", Some(u64::from(hop)), " is not an IP address; source_ip is absent")
            }
            Reason::TooManyHops { max_hops } => {
                ("more than max_hops (", Some(u64::from(max_hops)), ") trusted entries; source_ip is absent")
            }
            Reason::HeaderTooLarge { limit } => (
                "the forwarded header holds more than ",
                Some(limit as u64),
                " bytes and was not read; source_ip is absent",
            ),
            Reason::ClientIpHeader => ("read from client_ip_header", None, ""),
            Reason::ClientIpHeaderMissing => ("client_ip_header is absent; source_ip is absent", None, ""),
            Reason::ClientIpHeaderRepeated => {
                ("client_ip_header appears more than once; source_ip is absent", None, "")
            }
            Reason::ClientIpHeaderInvalid => {
                ("client_ip_header does not hold exactly one IP address; source_ip is absent", None, "")
            }
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, number, tail) = self.text_parts();
        f.write_str(head)?;
        if let Some(mut n) = number {
            let mut digits = [0u8; 20];
            let mut start = digits.len();
            loop {
                start -= 1;
                digits[start] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            f.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)?;
        }
        f.write_str(tail)
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", self.code())?;
        if let Some(hop) = self.hop() {
            map.serialize_entry("hop", &hop)?;
        }
        map.serialize_entry("text", &self.to_string())?;
        map.end()
    }
}

/// One entry the walk visited, for [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
///
/// ```
/// use secctx::{Identity, Request, Resolver};
/// let r = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"]}"#)?;
/// let ex = r.explain(Request::new("10.0.0.2", [("X-Forwarded-For", "unknown, 10.0.0.3")]), &Identity::new())?;
/// assert_eq!(ex.hops[0].detail, "in trusted_proxies (10.0.0.0/8)");
/// assert_eq!(ex.hops[1].verdict, "invalid");
/// # Ok::<(), secctx::Error>(())
/// ```
pub struct Hop {
    /// Position from the right, from 1.
    pub hop: u32,
    /// The entry as it appeared (spaces trimmed).
    pub entry: String,
    /// The canonical address, when the entry is one.
    pub address: Option<String>,
    /// `trusted`, `client` or `invalid`.
    pub verdict: &'static str,
    /// Which `trusted_proxies` entry matched, or what is wrong with the entry.
    pub detail: String,
}

/// Everything [`Resolver::explain`] found out about one request: what an operator needs when
/// Defender shows the wrong address.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
///
/// ```
/// use secctx::{Identity, Request, Resolver};
/// let r = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"]}"#)?;
/// let ex = r.explain(Request::new("10.0.0.2", [("X-Forwarded-For", "unknown, 10.0.0.3")]), &Identity::new())?;
/// assert_eq!(ex.peer_trusted_by.as_deref(), Some("10.0.0.0/8"));
/// assert_eq!(ex.context.source_ip(), None);
/// # Ok::<(), secctx::Error>(())
/// ```
pub struct Explanation {
    /// The resolved context.
    pub context: SecurityContext,
    /// The peer, canonical, if known.
    pub peer: Option<String>,
    /// The `trusted_proxies` entry that matched the peer.
    pub peer_trusted_by: Option<String>,
    /// The header consulted for the client (`client_ip_header` or `forwarded_header`), if any.
    pub header: Option<String>,
    /// The entries the walk visited, rightmost first.
    pub hops: Vec<Hop>,
    /// Request headers copied into `SourceRequestHeaders`.
    pub forwarded_headers: Vec<String>,
    /// Request headers that carry credentials and are never forwarded.
    pub dropped_headers: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChainKind {
    Forwarded,
    List,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    chain: Box<str>,
    chain_kind: ChainKind,
    client: Option<Box<str>>,
    source: Vec<(Box<str>, Arc<str>)>,
    application_name: Option<Arc<str>>,
    /// Bit `n` set when some header name the scan looks for is `n` bytes long; all bits set when
    /// one is 64 bytes or longer (then no header is skipped).
    name_lengths: u64,
    /// Every header name `resolve` may read, lower case.
    read_names: Vec<Box<str>>,
}

/// Resolves requests under one [`Config`]: compiled once, immutable, `Send + Sync`; `clone`
/// shares the compiled tables.
///
/// ```
/// use secctx::{Identity, Reason, Request, Resolver};
///
/// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"]}"#)?;
/// // A client forged the leftmost entry; the proxy appended the real address.
/// let headers = [("X-Forwarded-For", "6.6.6.6, 203.0.113.7")];
/// let ctx = resolver.resolve(Request::new("10.0.0.2:51234", headers), &Identity::new())?;
/// assert_eq!(ctx.source_ip().unwrap().to_string(), "203.0.113.7");
/// assert_eq!(ctx.reason(), Reason::ChosenAtHop { hop: 1 });
///
/// // The same headers from an untrusted peer are not read at all.
/// let ctx = resolver.resolve(Request::new("198.51.100.4", headers), &Identity::new())?;
/// assert_eq!(ctx.source_ip().unwrap().to_string(), "198.51.100.4");
/// assert_eq!(ctx.reason(), Reason::PeerUntrusted);
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Resolver {
    inner: Arc<Inner>,
}

impl Default for Resolver {
    /// A resolver for [`Config::default`]: no proxy trusted.
    fn default() -> Self {
        Resolver::new(&Config::default())
    }
}

/// What the single header pass collects.
#[derive(Default)]
struct Scan<'a> {
    chain: SmallList<&'a str, 4>,
    client_count: u32,
    client: Option<&'a str>,
    fdid_count: u32,
    fdid: Option<&'a str>,
    easy: EasyAuthHeaders<'a>,
    source: SmallList<(usize, &'a str), 12>,
}

enum WalkEnd {
    Client(IpAddr, Reason),
    Absent(Reason),
}

/// Whether `name` equals `lower` (a lower-case configured name) ignoring ASCII case, exactly as
/// `eq_ignore_ascii_case`, but eight bytes at a time for names of eight bytes or more.
#[inline]
fn eq_lower(name: &str, lower: &str) -> bool {
    let (name, lower) = (name.as_bytes(), lower.as_bytes());
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    if n < 8 {
        return name.eq_ignore_ascii_case(lower);
    }
    #[inline]
    fn word(b: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w)
    }
    /// ASCII upper-case letters to lower case in every byte; other bytes unchanged.
    #[inline]
    fn fold(w: u64) -> u64 {
        const ONES: u64 = 0x0101_0101_0101_0101;
        let low7 = w & (ONES * 0x7f);
        // High bit set where the byte is at least 'A' / at least '[' (no carry: low7 <= 0x7f).
        let from_a = low7 + ONES * (0x80 - u64::from(b'A'));
        let past_z = low7 + ONES * (0x80 - u64::from(b'['));
        let upper = from_a & !past_z & !w & (ONES * 0x80);
        w | (upper >> 2)
    }
    let mut at = 0;
    while at + 8 <= n {
        if fold(word(name, at)) != word(lower, at) {
            return false;
        }
        at += 8;
    }
    // The last partial word, read overlapping what was compared already.
    at == n || fold(word(name, n - 8)) == word(lower, n - 8)
}

impl Resolver {
    /// Compiles a resolver from a validated configuration.
    ///
    /// ```
    /// let config = secctx::Config::from_json(r#"{"preset": "private_ingress"}"#)?;
    /// let resolver = secctx::Resolver::new(&config);
    /// assert_eq!(resolver.config(), &config);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn new(config: &Config) -> Resolver {
        let chain_kind = if config.forwarded_header().eq_ignore_ascii_case("forwarded") {
            ChainKind::Forwarded
        } else {
            ChainKind::List
        };
        let source = config
            .request_headers()
            .iter()
            .map(|name| (name.to_ascii_lowercase().into_boxed_str(), Arc::from(canonical_name(name))))
            .collect();
        // Every header name a resolve may read.
        let mut names: Vec<&str> = Vec::new();
        match config.client_ip_header() {
            Some(client) => names.push(client),
            None => names.push(config.forwarded_header()),
        }
        if config.front_door_id().is_some() {
            names.push("X-Azure-FDID");
        }
        if config.trust_easy_auth() {
            names.extend(["X-MS-CLIENT-PRINCIPAL", "X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-IDP"]);
        }
        names.extend(config.request_headers().iter().map(String::as_str));
        let read_names: Vec<Box<str>> = names.iter().map(|n| n.to_ascii_lowercase().into_boxed_str()).collect();
        let name_lengths = names.iter().fold(0u64, |mask, n| mask | if n.len() < 64 { 1u64 << n.len() } else { 1 });
        let name_lengths = if name_lengths & 1 != 0 { u64::MAX } else { name_lengths };
        Resolver {
            inner: Arc::new(Inner {
                name_lengths,
                read_names,
                chain: config.forwarded_header().to_ascii_lowercase().into_boxed_str(),
                chain_kind,
                client: config.client_ip_header().map(|n| n.to_ascii_lowercase().into_boxed_str()),
                source,
                application_name: config.application_name().map(Arc::from),
                config: config.clone(),
            }),
        }
    }

    /// Parses the configuration document and compiles a resolver.
    ///
    /// ```
    /// let err = secctx::Resolver::from_json(r#"{"trusted_proxies": "10.0.0.0/8"}"#).unwrap_err();
    /// assert_eq!(err.kind().as_str(), "invalid_config");
    /// ```
    pub fn from_json(json: &str) -> Result<Resolver> {
        Ok(Resolver::new(&Config::from_json(json)?))
    }

    /// The configuration this resolver was compiled from.
    ///
    /// ```
    /// assert_eq!(secctx::Resolver::default().config().max_hops(), 20);
    /// ```
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether [`resolve`](Self::resolve) may read a header of this name (compared
    /// case-insensitively). A binding that must convert each header before handing it over can
    /// skip the others: the result is the same. ([`explain`](Self::explain) also lists the
    /// credential headers it saw, so give it every header.)
    ///
    /// ```
    /// let r = secctx::Resolver::from_json(r#"{"trusted_proxies": ["loopback"], "request_headers": ["User-Agent"]}"#)?;
    /// assert!(r.reads_header("x-forwarded-for"));
    /// assert!(r.reads_header("USER-AGENT"));
    /// assert!(!r.reads_header("Cookie"));
    /// assert!(!r.reads_header("X-MS-CLIENT-PRINCIPAL")); // trust_easy_auth is off
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn reads_header(&self, name: &str) -> bool {
        let len = name.len();
        let mask = self.inner.name_lengths;
        let possible = if len < 64 { mask & (1u64 << len) != 0 } else { mask == u64::MAX };
        possible && self.inner.read_names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// Every header name [`reads_header`](Self::reads_header) accepts, in lower case, without
    /// repeats. A binding can keep this list and filter headers on its own side of the
    /// boundary, instead of asking once per header.
    ///
    /// ```
    /// let r = secctx::Resolver::from_json(r#"{"trusted_proxies": ["loopback"], "request_headers": ["User-Agent"]}"#)?;
    /// let names: Vec<&str> = r.read_header_names().collect();
    /// assert_eq!(names, ["x-forwarded-for", "user-agent"]);
    /// assert!(names.iter().all(|n| r.reads_header(n)));
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn read_header_names(&self) -> impl Iterator<Item = &str> + '_ {
        let names = &self.inner.read_names;
        names.iter().enumerate().filter(move |(i, n)| !names[..*i].contains(n)).map(|(_, n)| &**n)
    }

    /// Resolves one request: `source_ip` by SPEC section 4, identity by section 6, and the
    /// allow-listed headers by section 5. Fails only with `invalid_identity`.
    ///
    /// ```
    /// use secctx::{Peer, Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["loopback"], "forwarded_header": "Forwarded"}"#)?;
    /// let headers = [("Forwarded", r#"for="[2001:db8::17]:4711";proto=https"#)];
    /// let ctx = resolver.resolve(Request::new("127.0.0.1:9000", headers), &Identity::new())?;
    /// assert_eq!(ctx.source_ip().unwrap().to_string(), "2001:db8::17");
    ///
    /// let err = resolver.resolve(Request::new(Peer::Unknown, []), &Identity::new().end_user_id_type("github")).unwrap_err();
    /// assert_eq!(err.kind().as_str(), "invalid_identity");
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn resolve<'a, H>(&self, request: Request<'a, H>, identity: &Identity<'_>) -> Result<SecurityContext>
    where
        H: IntoIterator<Item = (&'a str, &'a str)>,
    {
        self.run(request, identity, None)
    }

    /// Resolves one request and records how: every hop visited, which entry trusted the peer,
    /// which headers were forwarded and which were dropped as sensitive. Slower than
    /// [`resolve`](Self::resolve); meant for `secctx explain` and debugging.
    ///
    /// ```
    /// use secctx::{Identity, Request, Resolver};
    /// let resolver = Resolver::from_json(r#"{"trusted_proxies": ["10.0.0.0/8"]}"#)?;
    /// let headers = [("X-Forwarded-For", "203.0.113.7, 10.1.1.1"), ("Authorization", "Bearer x")];
    /// let ex = resolver.explain(Request::new("10.0.0.2", headers), &Identity::new())?;
    /// assert_eq!(ex.hops.len(), 2);
    /// assert_eq!(ex.hops[0].verdict, "trusted");
    /// assert_eq!(ex.hops[1].verdict, "client");
    /// assert_eq!(ex.dropped_headers, ["Authorization"]);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn explain<'a, H>(&self, request: Request<'a, H>, identity: &Identity<'_>) -> Result<Explanation>
    where
        H: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut trace = Trace::default();
        let context = self.run(request, identity, Some(&mut trace))?;
        let cfg = &self.inner.config;
        let peer_trusted_by = context.peer.and_then(|p| cfg.trusted.matching(p)).map(str::to_string);
        let header = match context.reason {
            Reason::PeerUnknown | Reason::PeerUntrusted | Reason::FrontDoorIdMismatch => None,
            Reason::ClientIpHeader
            | Reason::ClientIpHeaderMissing
            | Reason::ClientIpHeaderRepeated
            | Reason::ClientIpHeaderInvalid => cfg.client_ip_header().map(str::to_string),
            _ => Some(cfg.forwarded_header().to_string()),
        };
        Ok(Explanation {
            peer: context.peer.map(|p| p.to_string()),
            peer_trusted_by,
            header,
            hops: trace.hops,
            forwarded_headers: context.source_request_headers().map(|(n, _)| n.to_string()).collect(),
            dropped_headers: trace.dropped,
            context,
        })
    }

    fn run<'a, H>(
        &self,
        request: Request<'a, H>,
        identity: &Identity<'_>,
        mut trace: Option<&mut Trace>,
    ) -> Result<SecurityContext>
    where
        H: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let inner = &*self.inner;
        let cfg = &inner.config;
        let explicit_id = non_empty(identity.end_user_id);
        let explicit_type = non_empty(identity.end_user_id_type).map(str::parse::<EndUserIdType>).transpose()?;
        let use_easy_auth = cfg.trust_easy_auth() && explicit_id.is_none();

        let scan = self.scan(request.headers, use_easy_auth, trace.as_deref_mut());
        let peer = request.peer.address();
        let (source_ip, reason) = self.client_ip(peer, &scan, trace);

        // Identity (SPEC section 6). Every string the context owns goes into one buffer.
        let source_bytes = scan.source.iter().map(|(_, v)| v.len().min(MAX_SOURCE_HEADER_BYTES) + 2).sum::<usize>();
        let mut text = String::new();
        let push = |text: &mut String, s: &str| {
            let start = text.len();
            text.push_str(s);
            start..text.len()
        };
        let (end_user_id, end_user_id_type, end_user_tenant_id, identity_source, easy_auth_note) =
            if let Some(id) = explicit_id {
                let tenant = non_empty(identity.end_user_tenant_id);
                text.reserve(id.len() + tenant.map_or(0, str::len) + source_bytes);
                let id = push(&mut text, id);
                let tenant = tenant.map(|t| push(&mut text, t));
                (Some(id), explicit_type, tenant, IdentitySource::Explicit, None)
            } else {
                let derived = if use_easy_auth { easy_auth(&scan.easy) } else { Default::default() };
                let explicit_tenant = non_empty(identity.end_user_tenant_id);
                let source = if derived.id.is_some() {
                    IdentitySource::EasyAuth
                } else if explicit_type.is_some() || explicit_tenant.is_some() {
                    IdentitySource::Explicit
                } else {
                    IdentitySource::None
                };
                let tenant = explicit_tenant.or(derived.tenant.as_deref());
                text.reserve(derived.id.as_ref().map_or(0, String::len) + tenant.map_or(0, str::len) + source_bytes);
                let id = derived.id.as_deref().map(|i| push(&mut text, i));
                let tenant = tenant.map(|t| push(&mut text, t));
                (id, explicit_type.or(derived.id_type), tenant, source, derived.note)
            };
        let application_name = match non_empty(identity.application_name) {
            Some(name) => Some(Arc::from(name)),
            None => inner.application_name.clone(),
        };

        // SourceRequestHeaders (SPEC section 5), in allow-list order, after the identity.
        let mut source_request_headers = Vec::new();
        if !scan.source.is_empty() {
            for (slot, (_, out_name)) in inner.source.iter().enumerate() {
                let start = text.len();
                let mut present = false;
                for &(s, value) in scan.source.iter() {
                    if s != slot {
                        continue;
                    }
                    if present {
                        if text.len() - start > MAX_SOURCE_HEADER_BYTES {
                            break;
                        }
                        text.push_str(", ");
                    }
                    present = true;
                    // Copy no more than the cap (plus a little, so that the cut is exact).
                    text.push_str(prefix_at_most(value, MAX_SOURCE_HEADER_BYTES + 4));
                }
                if present {
                    let end = start + prefix_at_most(&text[start..], MAX_SOURCE_HEADER_BYTES).len();
                    text.truncate(end);
                    source_request_headers.push((Arc::clone(out_name), start..end));
                }
            }
        }

        Ok(SecurityContext {
            application_name,
            end_user_id,
            end_user_id_type,
            end_user_tenant_id,
            source_ip,
            peer,
            source_request_headers,
            text,
            reason,
            identity_source,
            easy_auth_note,
        })
    }

    /// One pass over the headers, keeping only what the configuration asks about.
    fn scan<'a, H>(&self, headers: H, easy_auth: bool, mut trace: Option<&mut Trace>) -> Scan<'a>
    where
        H: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let inner = &*self.inner;
        let want_chain = inner.client.is_none();
        let want_fdid = inner.config.front_door_id().is_some();
        let mut scan = Scan::default();
        let mut easy_counts = [0u8; 3];
        for (name, value) in headers {
            // Most request headers have a length no configured name has: skip them at once.
            let len = name.len();
            let unknown_length =
                if len < 64 { inner.name_lengths & (1u64 << len) == 0 } else { inner.name_lengths != u64::MAX };
            if unknown_length && trace.is_none() {
                continue;
            }
            if want_chain && eq_lower(name, &inner.chain) {
                scan.chain.push(value);
            }
            if let Some(client) = &inner.client {
                if eq_lower(name, client) {
                    scan.client_count += 1;
                    scan.client.get_or_insert(value);
                }
            }
            if want_fdid && name.eq_ignore_ascii_case("x-azure-fdid") {
                scan.fdid_count += 1;
                scan.fdid.get_or_insert(value);
            }
            if easy_auth && name.len() >= 21 && name.as_bytes()[..21].eq_ignore_ascii_case(b"x-ms-client-principal") {
                let (slot, field) = match &name.as_bytes()[21..] {
                    b"" => (0, &mut scan.easy.principal),
                    suffix if suffix.eq_ignore_ascii_case(b"-id") => (1, &mut scan.easy.id),
                    suffix if suffix.eq_ignore_ascii_case(b"-idp") => (2, &mut scan.easy.idp),
                    _ => (3, &mut None),
                };
                if slot < 3 {
                    easy_counts[slot] += 1;
                    if easy_counts[slot] > 1 {
                        scan.easy.repeated = true;
                    }
                    field.get_or_insert(value);
                }
            }
            for (slot, (lower, _)) in inner.source.iter().enumerate() {
                if eq_lower(name, lower) {
                    scan.source.push((slot, value));
                }
            }
            if let Some(t) = trace.as_deref_mut() {
                if is_denied_header(name) && !t.dropped.iter().any(|d| d.eq_ignore_ascii_case(name)) {
                    t.dropped.push(name.to_string());
                }
            }
        }
        scan
    }

    /// SPEC section 4.
    fn client_ip(&self, peer: Option<IpAddr>, scan: &Scan<'_>, trace: Option<&mut Trace>) -> (Option<IpAddr>, Reason) {
        let inner = &*self.inner;
        let cfg = &inner.config;
        let Some(peer) = peer else {
            return (None, Reason::PeerUnknown);
        };
        if !cfg.trusted.contains(peer) {
            return (Some(peer), Reason::PeerUntrusted);
        }
        if let Some(id) = cfg.front_door_id() {
            if scan.fdid_count != 1 || scan.fdid.map(trim_ows) != Some(id) {
                return (Some(peer), Reason::FrontDoorIdMismatch);
            }
        }
        if inner.client.is_some() {
            return match (scan.client_count, scan.client) {
                (0, _) | (_, None) => (None, Reason::ClientIpHeaderMissing),
                (1, Some(value)) => match parse_address(value) {
                    Some(ip) => (Some(ip), Reason::ClientIpHeader),
                    None => (None, Reason::ClientIpHeaderInvalid),
                },
                _ => (None, Reason::ClientIpHeaderRepeated),
            };
        }
        if scan.chain.is_empty() {
            return (Some(peer), Reason::NoForwardedHeader);
        }
        let total: usize = scan.chain.iter().map(|v| v.len()).sum::<usize>() + 2 * (scan.chain.len() - 1);
        if total > MAX_CHAIN_BYTES {
            return (None, Reason::HeaderTooLarge { limit: MAX_CHAIN_BYTES });
        }
        let mut walk =
            Walk { trusted: &cfg.trusted, max_hops: cfg.max_hops(), hop: 0, passed: 0, leftmost: None, trace };
        let end = match inner.chain_kind {
            ChainKind::List => {
                let mut end = None;
                'outer: for value in scan.chain.iter().rev() {
                    for entry in RSplitCommas::new(value) {
                        if let Some(e) = walk.step(entry, parse_address(entry).ok_or("not an IP address")) {
                            end = Some(e);
                            break 'outer;
                        }
                    }
                }
                end
            }
            ChainKind::Forwarded => {
                let mut elements = Vec::new();
                for value in scan.chain.iter() {
                    split_elements(value, &mut elements);
                }
                elements
                    .iter()
                    .rev()
                    .find_map(|element| walk.step(element, element_node(element).map_err(|p| p.describe())))
            }
        };
        match end {
            Some(WalkEnd::Client(ip, reason)) => (Some(ip), reason),
            Some(WalkEnd::Absent(reason)) => (None, reason),
            None => (walk.leftmost, Reason::AllTrusted { hops: walk.hop }),
        }
    }
}

struct Walk<'t, 'r> {
    trusted: &'r IpSet,
    max_hops: u32,
    hop: u32,
    passed: u32,
    leftmost: Option<IpAddr>,
    trace: Option<&'t mut Trace>,
}

impl Walk<'_, '_> {
    /// Visits one entry (right to left); `Some` ends the walk.
    #[inline]
    fn step(&mut self, entry: &str, parsed: std::result::Result<IpAddr, &'static str>) -> Option<WalkEnd> {
        self.hop += 1;
        let hop = self.hop;
        let mut label = None;
        let end = match parsed {
            Err(_) => Some(WalkEnd::Absent(Reason::InvalidEntry { hop })),
            Ok(ip) => match self.trusted.matching(ip) {
                Some(l) => {
                    label = Some(l);
                    self.passed += 1;
                    self.leftmost = Some(ip);
                    (self.passed > self.max_hops)
                        .then_some(WalkEnd::Absent(Reason::TooManyHops { max_hops: self.max_hops }))
                }
                None => Some(WalkEnd::Client(ip, Reason::ChosenAtHop { hop })),
            },
        };
        if let Some(t) = self.trace.as_deref_mut() {
            let (verdict, detail) = match (parsed, label) {
                (Err(problem), _) => ("invalid", problem.to_string()),
                (Ok(_), Some(l)) if end.is_some() => {
                    ("trusted", format!("in trusted_proxies ({l}), one more than max_hops"))
                }
                (Ok(_), Some(l)) => ("trusted", format!("in trusted_proxies ({l})")),
                (Ok(_), None) => ("client", "not in trusted_proxies".to_string()),
            };
            t.hops.push(Hop {
                hop,
                entry: trim_ows(entry).to_string(),
                address: parsed.ok().map(|ip| ip.to_string()),
                verdict,
                detail,
            });
        }
        end
    }
}

/// A list that keeps its first `N` items inline (no allocation for ordinary requests).
#[derive(Debug)]
struct SmallList<T, const N: usize> {
    inline: [T; N],
    len: usize,
    spill: Vec<T>,
}

impl<T: Copy + Default, const N: usize> Default for SmallList<T, N> {
    fn default() -> Self {
        SmallList { inline: [T::default(); N], len: 0, spill: Vec::new() }
    }
}

impl<T: Copy + Default, const N: usize> SmallList<T, N> {
    #[inline]
    fn push(&mut self, item: T) {
        if self.len < N {
            self.inline[self.len] = item;
        } else {
            self.spill.push(item);
        }
        self.len += 1;
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.inline[..self.len.min(N)].iter().chain(self.spill.iter())
    }
}

/// `value.rsplit(',')`, but a plain byte loop: several times faster on long lists.
struct RSplitCommas<'a> {
    value: &'a str,
    end: Option<usize>,
}

impl<'a> RSplitCommas<'a> {
    fn new(value: &'a str) -> Self {
        RSplitCommas { value, end: Some(value.len()) }
    }
}

impl<'a> Iterator for RSplitCommas<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let end = self.end?;
        let bytes = &self.value.as_bytes()[..end];
        match bytes.iter().rposition(|&c| c == b',') {
            Some(comma) => {
                self.end = Some(comma);
                Some(&self.value[comma + 1..end])
            }
            None => {
                self.end = None;
                Some(&self.value[..end])
            }
        }
    }
}

#[derive(Default)]
struct Trace {
    hops: Vec<Hop>,
    dropped: Vec<String>,
}

/// The longest prefix of `s` of at most `max` bytes that ends at a character boundary.
fn prefix_at_most(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{RSplitCommas, Reason, eq_lower};

    #[test]
    fn eq_lower_agrees_with_eq_ignore_ascii_case() {
        let names =
            ["x-forwarded-for", "user-agent", "forwarded", "x-ms-client-principal-idp", "abcdefgh", "a1-b2_c3~"];
        for lower in names {
            let base = lower.as_bytes();
            for pos in 0..base.len() {
                for b in 0u8..=127 {
                    let mut v = base.to_vec();
                    v[pos] = b;
                    let name = std::str::from_utf8(&v).unwrap();
                    assert_eq!(eq_lower(name, lower), name.eq_ignore_ascii_case(lower), "{name:?} vs {lower:?}");
                }
                // A non-ASCII character in place of the byte (two bytes: the lengths differ, or
                // replace two bytes when there is room).
                if pos + 1 < base.len() {
                    for c in ['é', 'ÿ', 'Ā'] {
                        let name = format!("{}{c}{}", &lower[..pos], &lower[pos + 2..]);
                        assert_eq!(eq_lower(&name, lower), name.eq_ignore_ascii_case(lower), "{name:?}");
                    }
                }
            }
            assert!(eq_lower(&lower.to_ascii_uppercase(), lower));
            assert!(!eq_lower(&lower[1..], lower));
        }
    }

    #[test]
    fn reason_sentences_write_their_numbers_in_full() {
        for n in [0u32, 1, 9, 10, 99, 100, 4_294_967_295] {
            assert_eq!(
                Reason::ChosenAtHop { hop: n }.to_string(),
                format!("the first untrusted entry from the right, at hop {n}, is the client")
            );
            assert_eq!(
                Reason::AllTrusted { hops: n }.to_string(),
                format!("all {n} entries are trusted; source_ip is the leftmost")
            );
            assert_eq!(
                Reason::InvalidEntry { hop: n }.to_string(),
                format!("the entry at hop {n} is not an IP address; source_ip is absent")
            );
            assert_eq!(
                Reason::TooManyHops { max_hops: n }.to_string(),
                format!("more than max_hops ({n}) trusted entries; source_ip is absent")
            );
        }
        for limit in [0usize, 65_536, usize::MAX] {
            assert_eq!(
                Reason::HeaderTooLarge { limit }.to_string(),
                format!("the forwarded header holds more than {limit} bytes and was not read; source_ip is absent")
            );
        }
        assert_eq!(Reason::ClientIpHeader.to_string(), "read from client_ip_header");
    }

    #[test]
    fn long_configured_names_are_still_matched() {
        let long = "X-".to_string() + &"a".repeat(70);
        let r = crate::Resolver::from_json(&format!(r#"{{"request_headers": ["{long}"]}}"#)).unwrap();
        let ctx = r.resolve(crate::Request::new("192.0.2.1", [(long.as_str(), "v")]), &crate::Identity::new()).unwrap();
        assert_eq!(ctx.source_request_headers().collect::<Vec<_>>(), [(long.as_str(), "v")]);
        let ctx = crate::Resolver::default()
            .resolve(crate::Request::new("192.0.2.1", [(long.as_str(), "v")]), &crate::Identity::new())
            .unwrap();
        assert_eq!(ctx.source_request_headers().count(), 0);
    }

    #[test]
    fn small_list_spills_in_order() {
        let mut list: super::SmallList<u32, 2> = Default::default();
        for i in 0..5 {
            list.push(i);
        }
        assert_eq!(list.len(), 5);
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        assert_eq!(list.iter().rev().copied().collect::<Vec<_>>(), [4, 3, 2, 1, 0]);
    }

    #[test]
    fn rsplit_commas_matches_std() {
        for s in ["", ",", "a", "a,b", ",a,,b,", " 1.2.3.4 , 5.6.7.8"] {
            let ours: Vec<&str> = RSplitCommas::new(s).collect();
            let std: Vec<&str> = s.rsplit(',').collect();
            assert_eq!(ours, std, "{s:?}");
        }
    }
}
