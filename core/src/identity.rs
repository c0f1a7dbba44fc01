//! Identity: values the application passes, and App Service / Container Apps authentication
//! ("Easy Auth") headers.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// The largest `X-MS-CLIENT-PRINCIPAL` value that is decoded (bytes of base64); a larger one is
/// treated as malformed.
///
/// ```
/// assert_eq!(secctx::MAX_PRINCIPAL_BYTES, 16 * 1024);
/// ```
pub const MAX_PRINCIPAL_BYTES: usize = 16 * 1024;

const OID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const TID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/tenantid";

/// The kind of identity provider behind `end_user_id` (the legacy `EndUserIdType`).
///
/// Parsed case-insensitively from `aad`, `google`, `other`; rendered `AAD`, `Google`, `Other`.
///
/// ```
/// use secctx::EndUserIdType;
/// let t: EndUserIdType = "aAd".parse().unwrap();
/// assert_eq!(t, EndUserIdType::Aad);
/// assert_eq!(t.as_str(), "AAD");
/// assert_eq!("github".parse::<EndUserIdType>().unwrap_err().kind(), secctx::ErrorKind::InvalidIdentity);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EndUserIdType {
    /// Microsoft Entra ID (formerly Azure Active Directory): the id is the user's object id.
    Aad,
    /// Google.
    Google,
    /// Any other identity provider.
    Other,
}

impl EndUserIdType {
    /// The rendered form: `AAD`, `Google` or `Other`.
    ///
    /// ```
    /// assert_eq!(secctx::EndUserIdType::Google.as_str(), "Google");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            EndUserIdType::Aad => "AAD",
            EndUserIdType::Google => "Google",
            EndUserIdType::Other => "Other",
        }
    }

    /// Maps an `X-MS-CLIENT-PRINCIPAL-IDP` value: `aad` → AAD, `google` → Google, anything else
    /// → Other.
    fn from_idp(idp: Option<&str>) -> Self {
        match idp {
            Some(v) if v.eq_ignore_ascii_case("aad") => EndUserIdType::Aad,
            Some(v) if v.eq_ignore_ascii_case("google") => EndUserIdType::Google,
            _ => EndUserIdType::Other,
        }
    }
}

impl fmt::Display for EndUserIdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EndUserIdType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        if s.eq_ignore_ascii_case("aad") {
            Ok(EndUserIdType::Aad)
        } else if s.eq_ignore_ascii_case("google") {
            Ok(EndUserIdType::Google)
        } else if s.eq_ignore_ascii_case("other") {
            Ok(EndUserIdType::Other)
        } else {
            Err(Error::new(
                ErrorKind::InvalidIdentity,
                format!("end_user_id_type: {s:?} is not one of aad, google, other"),
            ))
        }
    }
}

/// Identity values the application passes for one request. They win over anything derived.
///
/// Empty strings count as absent. When `end_user_id` is given, nothing at all is taken from
/// Easy Auth (a derived tenant or type might describe someone else).
///
/// ```
/// use secctx::Identity;
/// let id = Identity::new()
///     .end_user_id("4b5c6d7e-0000-4000-8000-00000000abcd")
///     .end_user_id_type("aad")
///     .end_user_tenant_id("72f988bf-86f1-41af-91ab-2d7cd011db47");
/// assert_eq!(id.end_user_id, Some("4b5c6d7e-0000-4000-8000-00000000abcd"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity<'a> {
    /// The end user's id (for Entra ID, the object id).
    pub end_user_id: Option<&'a str>,
    /// `aad`, `google` or `other`, in any case.
    pub end_user_id_type: Option<&'a str>,
    /// The end user's tenant id.
    pub end_user_tenant_id: Option<&'a str>,
    /// A per-request application name, over the configuration's.
    pub application_name: Option<&'a str>,
}

impl<'a> Identity<'a> {
    /// No explicit identity.
    ///
    /// ```
    /// assert_eq!(secctx::Identity::new(), secctx::Identity::default());
    /// ```
    pub fn new() -> Self {
        Identity::default()
    }

    /// Sets `end_user_id`.
    ///
    /// ```
    /// assert_eq!(secctx::Identity::new().end_user_id("u1").end_user_id, Some("u1"));
    /// ```
    pub fn end_user_id(mut self, id: &'a str) -> Self {
        self.end_user_id = Some(id);
        self
    }

    /// Sets `end_user_id_type` (`aad`, `google`, `other`, any case; checked when resolving).
    ///
    /// ```
    /// assert_eq!(secctx::Identity::new().end_user_id_type("AAD").end_user_id_type, Some("AAD"));
    /// ```
    pub fn end_user_id_type(mut self, id_type: &'a str) -> Self {
        self.end_user_id_type = Some(id_type);
        self
    }

    /// Sets `end_user_tenant_id`.
    ///
    /// ```
    /// assert_eq!(secctx::Identity::new().end_user_tenant_id("t").end_user_tenant_id, Some("t"));
    /// ```
    pub fn end_user_tenant_id(mut self, tenant: &'a str) -> Self {
        self.end_user_tenant_id = Some(tenant);
        self
    }

    /// Sets the per-request `application_name`.
    ///
    /// ```
    /// assert_eq!(secctx::Identity::new().application_name("a").application_name, Some("a"));
    /// ```
    pub fn application_name(mut self, name: &'a str) -> Self {
        self.application_name = Some(name);
        self
    }
}

/// Where the end user's identity came from.
///
/// ```
/// assert_eq!(secctx::IdentitySource::EasyAuth.code(), "easy_auth");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentitySource {
    /// No end-user identity.
    None,
    /// The values the application passed.
    Explicit,
    /// App Service / Container Apps authentication headers (`trust_easy_auth`).
    EasyAuth,
}

impl IdentitySource {
    /// A stable code: `none`, `explicit`, `easy_auth`.
    ///
    /// ```
    /// assert_eq!(secctx::IdentitySource::Explicit.code(), "explicit");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            IdentitySource::None => "none",
            IdentitySource::Explicit => "explicit",
            IdentitySource::EasyAuth => "easy_auth",
        }
    }
}

impl fmt::Display for IdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentitySource::None => "no end-user identity",
            IdentitySource::Explicit => "passed by the application",
            IdentitySource::EasyAuth => "App Service authentication headers (Easy Auth)",
        })
    }
}

/// Why Easy Auth headers were present but not used.
///
/// ```
/// use secctx::EasyAuthNote;
/// assert_eq!(EasyAuthNote::Repeated.code(), "easy_auth_repeated");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EasyAuthNote {
    /// `X-MS-CLIENT-PRINCIPAL` could not be read; the detail says why. The id may still come
    /// from `X-MS-CLIENT-PRINCIPAL-ID`.
    Malformed(&'static str),
    /// An Easy Auth header appeared more than once; no Easy Auth identity was used.
    Repeated,
}

impl EasyAuthNote {
    /// A stable code: `easy_auth_malformed` or `easy_auth_repeated`.
    ///
    /// ```
    /// assert_eq!(secctx::EasyAuthNote::Malformed("not valid JSON").code(), "easy_auth_malformed");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            EasyAuthNote::Malformed(_) => "easy_auth_malformed",
            EasyAuthNote::Repeated => "easy_auth_repeated",
        }
    }
}

impl fmt::Display for EasyAuthNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EasyAuthNote::Malformed(why) => write!(f, "X-MS-CLIENT-PRINCIPAL ignored: {why}"),
            EasyAuthNote::Repeated => {
                f.write_str("an Easy Auth header appeared more than once; Easy Auth identity ignored")
            }
        }
    }
}

/// The Easy Auth headers of one request, as collected by the header scan.
#[derive(Default)]
pub(crate) struct EasyAuthHeaders<'a> {
    pub principal: Option<&'a str>,
    pub id: Option<&'a str>,
    pub idp: Option<&'a str>,
    pub repeated: bool,
}

/// What Easy Auth yields: an id (with its type and tenant), and a note when something was off.
#[derive(Default)]
pub(crate) struct Derived {
    pub id: Option<String>,
    pub id_type: Option<EndUserIdType>,
    pub tenant: Option<String>,
    pub note: Option<EasyAuthNote>,
}

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(crate) fn easy_auth(h: &EasyAuthHeaders<'_>) -> Derived {
    if h.repeated {
        return Derived { note: Some(EasyAuthNote::Repeated), ..Derived::default() };
    }
    let mut derived = Derived::default();
    let mut claims_id = None;
    let mut claims_tenant = None;
    if let Some(principal) = h.principal {
        match read_principal(principal) {
            Ok((id, tenant)) => {
                claims_id = id;
                claims_tenant = tenant;
            }
            Err(why) => derived.note = Some(EasyAuthNote::Malformed(why)),
        }
    }
    let header_id = h.id.map(crate::addr::trim_ows).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(id) = claims_id.or(header_id) {
        derived.id = Some(id);
        derived.id_type = Some(EndUserIdType::from_idp(h.idp.map(crate::addr::trim_ows)));
        derived.tenant = claims_tenant;
    }
    derived
}

/// Decodes the principal and returns (object id, tenant id) from its claims.
fn read_principal(value: &str) -> Result<(Option<String>, Option<String>), &'static str> {
    let value = crate::addr::trim_ows(value);
    if value.len() > MAX_PRINCIPAL_BYTES {
        return Err("larger than 16 KiB");
    }
    let bytes = BASE64.decode(value).map_err(|_| "not valid base64")?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| "not valid JSON")?;
    let obj = doc.as_object().ok_or("not a JSON object")?;
    let claims = match obj.get("claims") {
        None => return Ok((None, None)),
        Some(Value::Array(claims)) => claims,
        Some(_) => return Err("claims is not an array"),
    };
    let mut found: [Option<&str>; 4] = [None; 4]; // oid URI, oid, tid URI, tid
    for claim in claims {
        let claim = claim.as_object().ok_or("a claim is not an object")?;
        let (Some(Value::String(typ)), Some(Value::String(val))) = (claim.get("typ"), claim.get("val")) else {
            continue;
        };
        if val.is_empty() {
            continue;
        }
        let slot = match typ.as_str() {
            OID_CLAIM => 0,
            "oid" => 1,
            TID_CLAIM => 2,
            "tid" => 3,
            _ => continue,
        };
        found[slot].get_or_insert(val.as_str());
    }
    let id = found[0].or(found[1]).map(str::to_string);
    let tenant = found[2].or(found[3]).map(str::to_string);
    Ok((id, tenant))
}
