//! # secctx
//!
//! Tell Microsoft Defender for Cloud *who* sent each Azure OpenAI prompt: the end user, their
//! tenant, the application, and the client's real IP address — resolved from proxy headers in
//! a way a forged header cannot spoof.
//!
//! A [`Resolver`] is compiled once from a [`Config`] (the JSON document that is identical in
//! every secctx language) and resolves each incoming request, given its socket peer and headers,
//! into a [`SecurityContext`]. The context renders as the `user_security_context` request-body
//! object (current API versions) or the legacy `user` document (older ones).
//!
//! ```
//! use secctx::{Identity, Request, Resolver};
//!
//! // Behind Application Gateway in 10.1.0.0/24; the gateway appends `client:port` to XFF.
//! let resolver = Resolver::from_json(r#"{
//!     "application_name": "contoso-chat",
//!     "trusted_proxies": ["10.1.0.0/24"]
//! }"#)?;
//!
//! let headers = [
//!     ("User-Agent", "Mozilla/5.0"),
//!     ("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123"), // 6.6.6.6 was forged by the client
//!     ("Authorization", "Bearer secret"),                  // never forwarded
//! ];
//! let identity = Identity::new().end_user_id("8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10").end_user_id_type("aad");
//! let ctx = resolver.resolve(Request::new("10.1.0.4:61000", headers), &identity)?;
//!
//! assert_eq!(
//!     ctx.user_security_context_json(),
//!     r#"{"application_name":"contoso-chat","end_user_id":"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10","source_ip":"203.0.113.7"}"#
//! );
//! assert_eq!(
//!     ctx.body_fields_for_api_version("2024-10-21")?.to_json(),
//!     r#"{"user":"{\"EndUserId\":\"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10\",\"EndUserIdType\":\"AAD\",\"SourceIP\":\"10.1.0.4\",\"SourceRequestHeaders\":{\"User-Agent\":\"Mozilla/5.0\",\"X-Forwarded-For\":\"6.6.6.6, 203.0.113.7:50123\"},\"ApplicationName\":\"contoso-chat\"}"}"#
//! );
//! # Ok::<(), secctx::Error>(())
//! ```
//!
//! ## Bounds
//!
//! Work per request is bounded whatever the input: the chain header is read only when its
//! instances together hold at most [`MAX_CHAIN_BYTES`] bytes; the walk visits at most
//! `max_hops + 1` entries; a `Forwarded` element may hold at most [`MAX_FORWARDED_PAIRS`] pairs;
//! an address entry longer than 128 bytes is not an address; each `SourceRequestHeaders` value is
//! cut to [`MAX_SOURCE_HEADER_BYTES`]; an Easy Auth principal larger than
//! [`MAX_PRINCIPAL_BYTES`] is ignored.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod addr;
mod config;
pub mod conformance;
mod context;
mod error;
mod forwarded;
mod headers;
mod identity;
pub mod inspect;
mod preset;
mod resolve;

pub use addr::parse_address;
pub use config::{Config, ConfigBuilder, DEFAULT_FORWARDED_HEADER, DEFAULT_MAX_HOPS};
pub use context::{BodyFields, ContextValues, FieldText, IpText, SecurityContext, WireFormat};
pub use error::{Error, ErrorKind, Result};
pub use forwarded::MAX_FORWARDED_PAIRS;
pub use headers::{DEFAULT_REQUEST_HEADERS, DENIED_REQUEST_HEADERS, is_denied_header};
pub use identity::{EasyAuthNote, EndUserIdType, Identity, IdentitySource, MAX_PRINCIPAL_BYTES};
pub use preset::{CLOUDFLARE_RANGES, CLOUDFLARE_RANGES_DATE, Preset};
pub use resolve::{Explanation, Hop, MAX_CHAIN_BYTES, MAX_SOURCE_HEADER_BYTES, Peer, Reason, Request, Resolver};

// The README's Rust examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The version of this library.
///
/// ```
/// assert!(!secctx::VERSION.is_empty());
/// ```
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
