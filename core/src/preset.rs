//! Named bundles of configuration for known deployments.

use std::fmt;
use std::str::FromStr;

/// The date on which [`CLOUDFLARE_RANGES`] was last compared with Cloudflare's published list.
///
/// ```
/// assert_eq!(secctx::CLOUDFLARE_RANGES_DATE.len(), 10);
/// ```
pub const CLOUDFLARE_RANGES_DATE: &str = "2026-11-22";

/// Cloudflare's published edge ranges (<https://www.cloudflare.com/ips-v4> and
/// <https://www.cloudflare.com/ips-v6>), bundled for the [`Preset::Cloudflare`] preset and dated by
/// [`CLOUDFLARE_RANGES_DATE`]. Cloudflare changes this list rarely and announces changes; compare
/// it with the published list when you deploy, and list your own `trusted_proxies` to override.
///
/// ```
/// assert!(secctx::CLOUDFLARE_RANGES.contains(&"173.245.48.0/20"));
/// assert!(secctx::CLOUDFLARE_RANGES.contains(&"2606:4700::/32"));
/// ```
pub const CLOUDFLARE_RANGES: [&str; 22] = [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
];

/// A named bundle of configuration keys for a known deployment (the `preset` key).
///
/// A preset fills in only the keys the configuration does not give; an explicit key replaces
/// the preset's value whole. No preset trusts a header from a peer the configuration cannot
/// vouch for.
///
/// ```
/// use secctx::Preset;
/// let p: Preset = "cloudflare".parse().unwrap();
/// assert_eq!(p, Preset::Cloudflare);
/// assert_eq!(p.client_ip_header(), Some("CF-Connecting-IP"));
/// assert!("cloud-flare".parse::<Preset>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// `sidecar`: a reverse proxy on the same host (nginx, Envoy, Dapr, YARP) connects over
    /// loopback and appends the client to `X-Forwarded-For` (nginx:
    /// `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`).
    /// Trusts `loopback`. Assumes nothing else on the host can connect to the app.
    Sidecar,
    /// `private_ingress`: a private network ingress (Application Gateway, Container Apps'
    /// Envoy ingress, App Service front ends, a Kubernetes ingress controller) connects from a
    /// private address and appends the client to `X-Forwarded-For` (Microsoft Learn: Application
    /// Gateway "How an application gateway works", Container Apps "Ingress", App Service
    /// "Configure a Linux app: detect HTTPS session" on `X-Forwarded-*`). Trusts `loopback` and
    /// `private`. Assumes no host an attacker controls can reach the app from a private address.
    PrivateIngress,
    /// `cloudflare`: Cloudflare connects to the origin from its published ranges
    /// ([`CLOUDFLARE_RANGES`]) and sets `CF-Connecting-IP` to the client, overwriting any value
    /// the client sent (Cloudflare docs: "HTTP request headers"). Trusts only those ranges.
    /// Lock the origin to Cloudflare (firewall or authenticated origin pulls): the ranges are
    /// shared by every Cloudflare customer.
    Cloudflare,
    /// `azure_front_door`: Azure Front Door sets `X-Azure-SocketIP` to the address of its TCP
    /// peer (the client), and `X-Azure-FDID` to your profile's id (Microsoft Learn: "Azure Front
    /// Door: HTTP headers protocol support" and "Secure traffic to Azure Front Door origins").
    /// Requires `front_door_id`; headers are read only when the request carries exactly that
    /// `X-Azure-FDID`. Trusts `loopback` and `private` peers (the App Service / Container Apps
    /// front ends between Front Door and the app); an origin that receives Front Door's
    /// connections directly must list the `AzureFrontDoor.Backend` service-tag ranges in
    /// `trusted_proxies`. Never reads `X-Azure-ClientIP`, which the client can set.
    AzureFrontDoor,
}

impl Preset {
    /// Every preset.
    ///
    /// ```
    /// assert_eq!(secctx::Preset::ALL.len(), 4);
    /// ```
    pub const ALL: [Preset; 4] = [Preset::Sidecar, Preset::PrivateIngress, Preset::Cloudflare, Preset::AzureFrontDoor];

    /// The preset's name as written in a configuration.
    ///
    /// ```
    /// assert_eq!(secctx::Preset::AzureFrontDoor.name(), "azure_front_door");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Sidecar => "sidecar",
            Preset::PrivateIngress => "private_ingress",
            Preset::Cloudflare => "cloudflare",
            Preset::AzureFrontDoor => "azure_front_door",
        }
    }

    /// The `trusted_proxies` the preset supplies.
    ///
    /// ```
    /// assert_eq!(secctx::Preset::Sidecar.trusted_proxies(), &["loopback"]);
    /// ```
    pub fn trusted_proxies(self) -> &'static [&'static str] {
        match self {
            Preset::Sidecar => &["loopback"],
            Preset::PrivateIngress | Preset::AzureFrontDoor => &["loopback", "private"],
            Preset::Cloudflare => &CLOUDFLARE_RANGES,
        }
    }

    /// The `client_ip_header` the preset supplies, if any.
    ///
    /// ```
    /// assert_eq!(secctx::Preset::AzureFrontDoor.client_ip_header(), Some("X-Azure-SocketIP"));
    /// assert_eq!(secctx::Preset::Sidecar.client_ip_header(), None);
    /// ```
    pub const fn client_ip_header(self) -> Option<&'static str> {
        match self {
            Preset::Cloudflare => Some("CF-Connecting-IP"),
            Preset::AzureFrontDoor => Some("X-Azure-SocketIP"),
            Preset::Sidecar | Preset::PrivateIngress => None,
        }
    }

    /// Whether the preset needs `front_door_id`.
    ///
    /// ```
    /// assert!(secctx::Preset::AzureFrontDoor.requires_front_door_id());
    /// ```
    pub const fn requires_front_door_id(self) -> bool {
        matches!(self, Preset::AzureFrontDoor)
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
            crate::Error::config(format!("preset: unknown preset {s:?}; expected one of {}", names.join(", ")))
        })
    }
}
