//! The configuration document (SPEC section 3): strict parsing, presets, a builder.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::addr::IpSet;
use crate::error::{Error, Result};
use crate::headers::{DEFAULT_REQUEST_HEADERS, is_denied_header, is_token};
use crate::preset::Preset;

/// The default `forwarded_header`.
///
/// ```
/// assert_eq!(secctx::Config::default().forwarded_header(), secctx::DEFAULT_FORWARDED_HEADER);
/// ```
pub const DEFAULT_FORWARDED_HEADER: &str = "X-Forwarded-For";
/// The default `max_hops`.
///
/// ```
/// assert_eq!(secctx::Config::default().max_hops(), secctx::DEFAULT_MAX_HOPS);
/// ```
pub const DEFAULT_MAX_HOPS: u32 = 20;

const KEYS: [&str; 9] = [
    "application_name",
    "trusted_proxies",
    "forwarded_header",
    "client_ip_header",
    "max_hops",
    "request_headers",
    "trust_easy_auth",
    "preset",
    "front_door_id",
];

/// A validated configuration: every value has been checked and every range compiled.
///
/// Build one from the JSON document that is identical in every language with
/// [`Config::from_json`], or from Rust with [`Config::builder`]. [`Config::default`] trusts no
/// proxy: `source_ip` is then always the socket peer.
///
/// ```
/// use secctx::Config;
///
/// let config = Config::from_json(r#"{
///     "application_name": "contoso-chat",
///     "trusted_proxies": ["10.0.0.0/8", "loopback"],
///     "max_hops": 3
/// }"#)?;
/// assert_eq!(config.application_name(), Some("contoso-chat"));
/// assert_eq!(config.forwarded_header(), "X-Forwarded-For");
/// assert_eq!(config.max_hops(), 3);
/// # Ok::<(), secctx::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    application_name: Option<String>,
    trusted_proxies: Vec<String>,
    forwarded_header: String,
    client_ip_header: Option<String>,
    max_hops: u32,
    request_headers: Vec<String>,
    trust_easy_auth: bool,
    preset: Option<Preset>,
    front_door_id: Option<String>,
    pub(crate) trusted: IpSet,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            application_name: None,
            trusted_proxies: Vec::new(),
            forwarded_header: DEFAULT_FORWARDED_HEADER.to_string(),
            client_ip_header: None,
            max_hops: DEFAULT_MAX_HOPS,
            request_headers: DEFAULT_REQUEST_HEADERS.iter().map(|s| s.to_string()).collect(),
            trust_easy_auth: false,
            preset: None,
            front_door_id: None,
            trusted: IpSet::default(),
        }
    }
}

impl Config {
    /// Parses and validates the configuration document.
    ///
    /// Unknown or duplicate keys, wrong types, unparsable addresses or ranges, `max_hops` < 1,
    /// invalid or denied header names fail with [`ErrorKind::InvalidConfig`](crate::ErrorKind)
    /// and a message that starts with the key at fault.
    ///
    /// ```
    /// use secctx::{Config, ErrorKind};
    ///
    /// let err = Config::from_json(r#"{"trusted_proxies": ["10.0.0.0/33"]}"#).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    /// assert!(err.message().starts_with("trusted_proxies[0]"));
    ///
    /// let err = Config::from_json(r#"{"request_headers": ["Cookie"]}"#).unwrap_err();
    /// assert!(err.message().starts_with("request_headers[0]"));
    /// ```
    pub fn from_json(json: &str) -> Result<Config> {
        let entries: Entries = serde_json::from_str(json).map_err(|e| {
            if e.is_data() {
                Error::config("configuration: the document must be a JSON object")
            } else {
                Error::config(format!("configuration: not valid JSON: {e}"))
            }
        })?;
        let mut builder = ConfigBuilder::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &entries.0 {
            if seen.contains(&key.as_str()) {
                return Err(Error::config(format!("{key}: the key appears twice")));
            }
            seen.push(key);
            builder.set_json(key, value)?;
        }
        builder.build()
    }

    /// A builder for Rust users; the same checks as [`Config::from_json`] run in
    /// [`ConfigBuilder::build`].
    ///
    /// ```
    /// use secctx::{Config, Preset};
    ///
    /// let config = Config::builder()
    ///     .preset(Preset::Sidecar)
    ///     .application_name("contoso-chat")
    ///     .build()?;
    /// assert_eq!(config.trusted_proxies(), ["loopback"]);
    /// # Ok::<(), secctx::Error>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// `application_name`, if set.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().application_name(), None);
    /// ```
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The effective `trusted_proxies` (the preset's when the document gives none).
    ///
    /// ```
    /// assert!(secctx::Config::default().trusted_proxies().is_empty());
    /// ```
    pub fn trusted_proxies(&self) -> &[String] {
        &self.trusted_proxies
    }

    /// The effective `forwarded_header`.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().forwarded_header(), "X-Forwarded-For");
    /// ```
    pub fn forwarded_header(&self) -> &str {
        &self.forwarded_header
    }

    /// The effective `client_ip_header`, if any.
    ///
    /// ```
    /// let c = secctx::Config::from_json(r#"{"preset": "cloudflare"}"#).unwrap();
    /// assert_eq!(c.client_ip_header(), Some("CF-Connecting-IP"));
    /// ```
    pub fn client_ip_header(&self) -> Option<&str> {
        self.client_ip_header.as_deref()
    }

    /// The effective `max_hops`.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().max_hops(), 20);
    /// ```
    pub fn max_hops(&self) -> u32 {
        self.max_hops
    }

    /// The effective `request_headers` allow-list, in output order.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().request_headers().len(), 9);
    /// ```
    pub fn request_headers(&self) -> &[String] {
        &self.request_headers
    }

    /// Whether identity is read from App Service authentication headers.
    ///
    /// ```
    /// assert!(!secctx::Config::default().trust_easy_auth());
    /// ```
    pub fn trust_easy_auth(&self) -> bool {
        self.trust_easy_auth
    }

    /// The preset the document named, if any.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().preset(), None);
    /// ```
    pub fn preset(&self) -> Option<Preset> {
        self.preset
    }

    /// `front_door_id`, if set: the `X-Azure-FDID` every request must carry for its headers to
    /// be read.
    ///
    /// ```
    /// assert_eq!(secctx::Config::default().front_door_id(), None);
    /// ```
    pub fn front_door_id(&self) -> Option<&str> {
        self.front_door_id.as_deref()
    }

    /// The effective configuration as a JSON document (presets expanded, defaults filled in,
    /// the preset's name kept for the record). Parsing it gives an equal configuration.
    ///
    /// ```
    /// let c = secctx::Config::from_json(r#"{"preset": "sidecar"}"#).unwrap();
    /// let again = secctx::Config::from_json(&c.to_json()).unwrap();
    /// assert_eq!(c, again);
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Config {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(name) = &self.application_name {
            map.serialize_entry("application_name", name)?;
        }
        map.serialize_entry("trusted_proxies", &self.trusted_proxies)?;
        map.serialize_entry("forwarded_header", &self.forwarded_header)?;
        map.serialize_entry("client_ip_header", &self.client_ip_header)?;
        map.serialize_entry("max_hops", &self.max_hops)?;
        map.serialize_entry("request_headers", &self.request_headers)?;
        map.serialize_entry("trust_easy_auth", &self.trust_easy_auth)?;
        if let Some(preset) = self.preset {
            map.serialize_entry("preset", preset.name())?;
        }
        if let Some(id) = &self.front_door_id {
            map.serialize_entry("front_door_id", id)?;
        }
        map.end()
    }
}

/// Builds a [`Config`] from Rust; see [`Config::builder`].
///
/// Setters record explicit values; [`build`](ConfigBuilder::build) fills the rest from the
/// preset, then from the defaults, and validates everything.
#[derive(Clone, Debug, Default)]
///
/// ```
/// let config = secctx::Config::builder().trusted_proxies(["loopback"]).max_hops(2).build()?;
/// assert_eq!(config.max_hops(), 2);
/// # Ok::<(), secctx::Error>(())
/// ```
pub struct ConfigBuilder {
    application_name: Option<String>,
    trusted_proxies: Option<Vec<String>>,
    forwarded_header: Option<String>,
    client_ip_header: Option<Option<String>>,
    max_hops: Option<u64>,
    request_headers: Option<Vec<String>>,
    trust_easy_auth: Option<bool>,
    preset: Option<Preset>,
    front_door_id: Option<String>,
}

impl ConfigBuilder {
    /// Sets `application_name` (an empty string counts as absent).
    ///
    /// ```
    /// let c = secctx::Config::builder().application_name("chat").build().unwrap();
    /// assert_eq!(c.application_name(), Some("chat"));
    /// ```
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = Some(name.into());
        self
    }

    /// Sets `trusted_proxies`: addresses, CIDR ranges, or `loopback`, `private`, `linklocal`.
    ///
    /// ```
    /// let c = secctx::Config::builder().trusted_proxies(["10.0.0.0/8", "loopback"]).build().unwrap();
    /// assert_eq!(c.trusted_proxies().len(), 2);
    /// ```
    pub fn trusted_proxies<I, S>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trusted_proxies = Some(entries.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `forwarded_header`, the one chain header your proxies append to.
    ///
    /// ```
    /// let c = secctx::Config::builder().forwarded_header("Forwarded").build().unwrap();
    /// assert_eq!(c.forwarded_header(), "Forwarded");
    /// ```
    pub fn forwarded_header(mut self, name: impl Into<String>) -> Self {
        self.forwarded_header = Some(name.into());
        self
    }

    /// Sets `client_ip_header` (`None` clears a preset's).
    ///
    /// ```
    /// let c = secctx::Config::builder().client_ip_header(Some("X-Real-IP")).build().unwrap();
    /// assert_eq!(c.client_ip_header(), Some("X-Real-IP"));
    /// ```
    pub fn client_ip_header(mut self, name: Option<impl Into<String>>) -> Self {
        self.client_ip_header = Some(name.map(Into::into));
        self
    }

    /// Sets `max_hops` (at least 1).
    ///
    /// ```
    /// assert!(secctx::Config::builder().max_hops(0).build().is_err());
    /// ```
    pub fn max_hops(mut self, hops: u32) -> Self {
        self.max_hops = Some(u64::from(hops));
        self
    }

    /// Sets the `request_headers` allow-list.
    ///
    /// ```
    /// let c = secctx::Config::builder().request_headers(["User-Agent"]).build().unwrap();
    /// assert_eq!(c.request_headers(), ["User-Agent"]);
    /// assert!(secctx::Config::builder().request_headers(["Authorization"]).build().is_err());
    /// ```
    pub fn request_headers<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.request_headers = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Sets `trust_easy_auth`.
    ///
    /// ```
    /// assert!(secctx::Config::builder().trust_easy_auth(true).build().unwrap().trust_easy_auth());
    /// ```
    pub fn trust_easy_auth(mut self, trust: bool) -> Self {
        self.trust_easy_auth = Some(trust);
        self
    }

    /// Sets the `preset`.
    ///
    /// ```
    /// use secctx::{Config, Preset};
    /// let c = Config::builder().preset(Preset::PrivateIngress).build().unwrap();
    /// assert_eq!(c.trusted_proxies(), ["loopback", "private"]);
    /// ```
    pub fn preset(mut self, preset: Preset) -> Self {
        self.preset = Some(preset);
        self
    }

    /// Sets `front_door_id`, the Front Door profile id (a GUID) expected in `X-Azure-FDID`.
    ///
    /// ```
    /// use secctx::{Config, Preset};
    /// let c = Config::builder()
    ///     .preset(Preset::AzureFrontDoor)
    ///     .front_door_id("8f2b7e1c-3d4a-4f6b-9c1d-2e3f4a5b6c7d")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(c.client_ip_header(), Some("X-Azure-SocketIP"));
    /// ```
    pub fn front_door_id(mut self, id: impl Into<String>) -> Self {
        self.front_door_id = Some(id.into());
        self
    }

    /// Applies the preset and the defaults, validates, and compiles the trusted ranges.
    ///
    /// ```
    /// let err = secctx::Config::builder().trusted_proxies(["10.0.0.1/8"]).build().unwrap_err();
    /// assert!(err.message().contains("host bits"));
    /// ```
    pub fn build(self) -> Result<Config> {
        let preset = self.preset;
        let trusted_proxies = match (self.trusted_proxies, preset) {
            (Some(list), _) => list,
            (None, Some(p)) => p.trusted_proxies().iter().map(|s| s.to_string()).collect(),
            (None, None) => Vec::new(),
        };
        let mut trusted = IpSet::default();
        for (i, entry) in trusted_proxies.iter().enumerate() {
            trusted.add_entry(entry).map_err(|m| Error::config(format!("trusted_proxies[{i}]: {m}")))?;
        }

        let forwarded_header = self.forwarded_header.unwrap_or_else(|| DEFAULT_FORWARDED_HEADER.to_string());
        check_header_name("forwarded_header", &forwarded_header)?;

        let client_ip_header = match self.client_ip_header {
            Some(explicit) => explicit,
            None => preset.and_then(Preset::client_ip_header).map(str::to_string),
        };
        if let Some(name) = &client_ip_header {
            check_header_name("client_ip_header", name)?;
        }

        let max_hops = match self.max_hops {
            None => DEFAULT_MAX_HOPS,
            Some(n) => u32::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
                Error::config(format!("max_hops: must be an integer from 1 to {}, got {n}", u32::MAX))
            })?,
        };

        let request_headers =
            self.request_headers.unwrap_or_else(|| DEFAULT_REQUEST_HEADERS.iter().map(|s| s.to_string()).collect());
        for (i, name) in request_headers.iter().enumerate() {
            let key = format!("request_headers[{i}]");
            check_header_name(&key, name)?;
            if is_denied_header(name) {
                return Err(Error::config(format!("{key}: {name:?} carries credentials and is never forwarded")));
            }
            if request_headers[..i].iter().any(|earlier| earlier.eq_ignore_ascii_case(name)) {
                return Err(Error::config(format!("{key}: {name:?} is listed twice")));
            }
        }

        if let Some(id) = &self.front_door_id {
            if !is_guid(id) {
                return Err(Error::config(format!(
                    "front_door_id: {id:?} is not a Front Door id (a GUID such as 8f2b7e1c-3d4a-4f6b-9c1d-2e3f4a5b6c7d)"
                )));
            }
        } else if let Some(p) = preset.filter(|p| p.requires_front_door_id()) {
            return Err(Error::config(format!(
                "front_door_id: required by preset {p}: the X-Azure-FDID of your Front Door profile"
            )));
        }

        Ok(Config {
            application_name: self.application_name.filter(|s| !s.is_empty()),
            trusted_proxies,
            forwarded_header,
            client_ip_header,
            max_hops,
            request_headers,
            trust_easy_auth: self.trust_easy_auth.unwrap_or(false),
            preset,
            front_door_id: self.front_door_id,
            trusted,
        })
    }

    fn set_json(&mut self, key: &str, value: &Value) -> Result<()> {
        match key {
            "application_name" => self.application_name = Some(json_string(key, value)?.to_string()),
            "trusted_proxies" => self.trusted_proxies = Some(json_strings(key, value)?),
            "forwarded_header" => self.forwarded_header = Some(json_string(key, value)?.to_string()),
            "client_ip_header" => {
                self.client_ip_header =
                    Some(if value.is_null() { None } else { Some(json_string(key, value)?.to_string()) })
            }
            "max_hops" => {
                let n = value.as_u64().ok_or_else(|| {
                    Error::config(format!("max_hops: must be an integer from 1 to {}, got {value}", u32::MAX))
                })?;
                self.max_hops = Some(n);
            }
            "request_headers" => self.request_headers = Some(json_strings(key, value)?),
            "trust_easy_auth" => {
                self.trust_easy_auth = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| Error::config(format!("{key}: must be true or false, got {value}")))?,
                )
            }
            "preset" => self.preset = Some(json_string(key, value)?.parse()?),
            "front_door_id" => self.front_door_id = Some(json_string(key, value)?.to_string()),
            _ => {
                let hint = KEYS
                    .iter()
                    .find(|k| similar(k, key))
                    .map(|k| format!(" (did you mean {k:?}?)"))
                    .unwrap_or_default();
                return Err(Error::config(format!("{key}: unknown key{hint}; known keys: {}", KEYS.join(", "))));
            }
        }
        Ok(())
    }
}

fn json_string<'v>(key: &str, value: &'v Value) -> Result<&'v str> {
    value.as_str().ok_or_else(|| Error::config(format!("{key}: must be a string, got {}", type_name(value))))
}

fn json_strings(key: &str, value: &Value) -> Result<Vec<String>> {
    let items = value
        .as_array()
        .ok_or_else(|| Error::config(format!("{key}: must be an array of strings, got {}", type_name(value))))?;
    items.iter().enumerate().map(|(i, v)| json_string(&format!("{key}[{i}]"), v).map(str::to_string)).collect()
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn check_header_name(key: &str, name: &str) -> Result<()> {
    if is_token(name) { Ok(()) } else { Err(Error::config(format!("{key}: {name:?} is not a valid HTTP header name"))) }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// "Did you mean": the same key once case and `-` are ignored, or at most two edits away.
fn similar(known: &str, given: &str) -> bool {
    let singular = |s: &str| -> String {
        let s = s.to_ascii_lowercase().replace('-', "_");
        match s.strip_suffix("ies") {
            Some(stem) => format!("{stem}y"),
            None => s.strip_suffix('s').unwrap_or(&s).to_string(),
        }
    };
    let (known, given) = (singular(known), singular(given));
    let (a, b): (Vec<char>, Vec<char>) = (known.chars().collect(), given.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || b.len() > 64 {
        return false;
    }
    // Levenshtein distance, one row at a time.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb { prev } else { 1 + prev.min(row[j]).min(cur) };
            prev = cur;
        }
    }
    row[b.len()] <= 2
}

/// The top-level object's entries in document order, duplicates kept (so they can be refused).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        Config::from_json(json).unwrap_err().message().to_string()
    }

    #[test]
    fn strictness() {
        assert!(err(r#"{"trusted_proxy": []}"#).contains("did you mean \"trusted_proxies\""));
        assert!(err(r#"{"max_hops": 1, "max_hops": 2}"#).contains("twice"));
        assert!(err("[]").contains("JSON object"));
        assert!(err("{").contains("not valid JSON"));
        assert!(err(r#"{"max_hops": 1.5}"#).starts_with("max_hops"));
        assert!(err(r#"{"max_hops": 4294967296}"#).starts_with("max_hops"));
        assert!(err(r#"{"application_name": null}"#).starts_with("application_name"));
        assert!(err(r#"{"request_headers": ["X-MS-CLIENT-PRINCIPAL-NAME"]}"#).starts_with("request_headers[0]"));
        assert!(err(r#"{"request_headers": ["a", "A"]}"#).starts_with("request_headers[1]"));
        assert!(err(r#"{"forwarded_header": "X Forwarded"}"#).starts_with("forwarded_header"));
        assert!(err(r#"{"preset": "azure_front_door"}"#).starts_with("front_door_id"));
        assert!(err(r#"{"front_door_id": "abc"}"#).starts_with("front_door_id"));
        assert!(Config::from_json(r#"{"client_ip_header": null, "max_hops": 4294967295}"#).is_ok());
    }

    #[test]
    fn explicit_keys_override_preset() {
        let c =
            Config::from_json(r#"{"preset": "cloudflare", "client_ip_header": null, "trusted_proxies": []}"#).unwrap();
        assert_eq!(c.client_ip_header(), None);
        assert!(c.trusted_proxies().is_empty());
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    }
}
