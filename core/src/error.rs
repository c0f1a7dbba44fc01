//! The one error type of secctx.

use std::fmt;

/// What went wrong, as a stable kind.
///
/// [`ErrorKind::as_str`] is exactly the error kind named by the specification; every binding
/// reuses it as its error `code`, so a program can match on it in any language.
///
/// ```
/// use secctx::{Config, ErrorKind};
///
/// let err = Config::from_json(r#"{"trusted_proxy": ["10.0.0.0/8"]}"#).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidConfig);
/// assert_eq!(err.kind().as_str(), "invalid_config");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration document is not valid: an unknown key, a wrong type, an unparsable
    /// address or range, a denied header name, …
    InvalidConfig,
    /// A per-request identity value is not valid (an unknown `end_user_id_type`).
    InvalidIdentity,
    /// The legacy `user` document was asked for with an `EndUserId` but no `EndUserIdType`.
    MissingEndUserIdType,
    /// An api-version string that is neither `v1`, `latest`, `preview`, nor a dated version.
    InvalidApiVersion,
}

impl ErrorKind {
    /// The specification's name of this kind (`invalid_config`, …).
    ///
    /// ```
    /// assert_eq!(secctx::ErrorKind::InvalidApiVersion.as_str(), "invalid_api_version");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidIdentity => "invalid_identity",
            ErrorKind::MissingEndUserIdType => "missing_end_user_id_type",
            ErrorKind::InvalidApiVersion => "invalid_api_version",
        }
    }

    /// Every kind, in a stable order (useful for bindings that mirror them).
    ///
    /// ```
    /// assert_eq!(secctx::ErrorKind::ALL.len(), 4);
    /// ```
    pub const ALL: [ErrorKind; 4] = [
        ErrorKind::InvalidConfig,
        ErrorKind::InvalidIdentity,
        ErrorKind::MissingEndUserIdType,
        ErrorKind::InvalidApiVersion,
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error: a stable [`ErrorKind`] and a message a person can act on.
///
/// For configuration errors the message starts with the key at fault
/// (`trusted_proxies[1]: …`).
///
/// ```
/// let err = secctx::Config::from_json(r#"{"max_hops": 0}"#).unwrap_err();
/// assert!(err.message().starts_with("max_hops"));
/// assert_eq!(err.to_string(), err.message());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// Builds an error of `kind` with `message`.
    ///
    /// ```
    /// use secctx::{Error, ErrorKind};
    /// let e = Error::new(ErrorKind::InvalidIdentity, "end_user_id_type: unknown");
    /// assert_eq!(e.kind(), ErrorKind::InvalidIdentity);
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }

    /// The kind of error.
    ///
    /// ```
    /// let e = secctx::WireFormat::for_api_version("someday").unwrap_err();
    /// assert_eq!(e.kind(), secctx::ErrorKind::InvalidApiVersion);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message (the same text as `Display`).
    ///
    /// ```
    /// let e = secctx::WireFormat::for_api_version("").unwrap_err();
    /// assert!(e.message().contains("api-version"));
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidConfig, message)
    }
}

/// `Result` with secctx's [`Error`].
///
/// ```
/// fn config() -> secctx::Result<secctx::Config> {
///     secctx::Config::from_json("{}")
/// }
/// assert!(config().is_ok());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;
