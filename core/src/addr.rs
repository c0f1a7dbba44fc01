//! Addresses: strict parsing, canonical form, and sets of trusted ranges.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest text that can hold an address in any accepted form (bracketed IPv6 with a zone
/// and a port). Longer entries are rejected before any parsing work.
pub(crate) const MAX_ADDRESS_TEXT: usize = 128;

/// Parses an address in any form the specification accepts and returns it canonical.
///
/// Accepted, after trimming spaces and tabs: `1.2.3.4`, `1.2.3.4:port`, `2001:db8::1`,
/// `[2001:db8::1]`, `[2001:db8::1]:port`, with an optional IPv6 zone (`fe80::1%eth0`). The port
/// and zone are dropped; an IPv4-mapped IPv6 address becomes IPv4. IPv4 octets with a leading
/// zero, `0.0.0.0`, `::` and anything else return `None`.
///
/// ```
/// use secctx::parse_address;
/// assert_eq!(parse_address("[::ffff:192.0.2.1]:443").unwrap().to_string(), "192.0.2.1");
/// assert_eq!(parse_address("2001:DB8:0:0::1").unwrap().to_string(), "2001:db8::1");
/// assert_eq!(parse_address("010.8.8.8"), None);
/// assert_eq!(parse_address("0.0.0.0"), None);
/// ```
pub fn parse_address(text: &str) -> Option<IpAddr> {
    parse_node(text, true)
}

/// Parses one node. `bare_v6` allows an unbracketed IPv6 address (not allowed in `Forwarded`).
pub(crate) fn parse_node(text: &str, bare_v6: bool) -> Option<IpAddr> {
    let s = trim_ows(text);
    let b = s.as_bytes();
    if b.is_empty() || b.len() > MAX_ADDRESS_TEXT {
        return None;
    }
    let ip = if b[0] == b'[' {
        let rest = &s[1..];
        let close = rest.bytes().position(|c| c == b']')?;
        let (inner, after) = (&rest[..close], &rest[close + 1..]);
        if !after.is_empty() && !is_port(after.strip_prefix(':')?) {
            return None;
        }
        IpAddr::V6(parse_v6_with_zone(inner)?)
    } else {
        match b.iter().position(|&c| c == b':') {
            None => IpAddr::V4(parse_v4(s)?),
            Some(colon) if b[colon + 1..].contains(&b':') => {
                if !bare_v6 {
                    return None;
                }
                IpAddr::V6(parse_v6_with_zone(s)?)
            }
            Some(colon) => {
                if !is_port(&s[colon + 1..]) {
                    return None;
                }
                IpAddr::V4(parse_v4(&s[..colon])?)
            }
        }
    };
    canonical(ip)
}

/// Canonical form of an address, or `None` for the unspecified addresses.
pub(crate) fn canonical(ip: IpAddr) -> Option<IpAddr> {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    if ip.is_unspecified() { None } else { Some(ip) }
}

/// Trims spaces and tabs (HTTP's optional white space) from both ends.
#[inline]
pub(crate) fn trim_ows(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ' && c != b'\t').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(start, |i| i + 1);
    &s[start..end]
}

/// Strict dotted quad: four decimal octets of 1 to 3 digits, no leading zeros, at most 255.
/// (Equivalent to the standard library's parser, which a property test checks, but faster on
/// the hot path.)
#[inline]
pub(crate) fn parse_v4(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut n = 0usize;
    let mut value: u32 = 0;
    let mut digits = 0u32;
    for &c in b {
        if c == b'.' {
            if digits == 0 || n == 3 {
                return None;
            }
            octets[n] = value as u8;
            n += 1;
            value = 0;
            digits = 0;
        } else if c.is_ascii_digit() {
            if digits == 1 && value == 0 {
                return None; // leading zero
            }
            value = value * 10 + u32::from(c - b'0');
            digits += 1;
            if value > 255 {
                return None;
            }
        } else {
            return None;
        }
    }
    if n != 3 || digits == 0 {
        return None;
    }
    octets[3] = value as u8;
    Some(Ipv4Addr::from(octets))
}

fn parse_v6_with_zone(s: &str) -> Option<Ipv6Addr> {
    let addr = match s.split_once('%') {
        Some((addr, zone)) => {
            let zone_ok = !zone.is_empty()
                && zone.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%'));
            if !zone_ok {
                return None;
            }
            addr
        }
        None => s,
    };
    addr.parse().ok()
}

/// 1 to 5 ASCII digits, at most 65535.
pub(crate) fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|p| p <= 65535)
}

/// One IPv4 range: network and mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct V4Range {
    net: u32,
    mask: u32,
    label: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct V6Range {
    net: u128,
    mask: u128,
    label: u16,
}

/// A set of addresses and ranges, compiled to masks. Each range remembers the configuration
/// entry it came from so that an explanation can name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct IpSet {
    v4: Vec<V4Range>,
    v6: Vec<V6Range>,
    labels: Vec<Box<str>>,
}

impl IpSet {
    /// Adds one configuration entry: an address, a CIDR range or a name.
    pub(crate) fn add_entry(&mut self, entry: &str) -> Result<(), String> {
        let label = u16::try_from(self.labels.len()).map_err(|_| "too many entries (at most 65535)".to_string())?;
        let ranges: &[&str] = match entry {
            "loopback" => &["127.0.0.0/8", "::1/128"],
            "private" => &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
            "linklocal" => &["169.254.0.0/16", "fe80::/10"],
            _ => {
                let (ip, prefix) = parse_range(entry)?;
                self.push(ip, prefix, label);
                self.labels.push(entry.into());
                return Ok(());
            }
        };
        for r in ranges {
            let (ip, prefix) = parse_range(r)?;
            self.push(ip, prefix, label);
        }
        self.labels.push(entry.into());
        Ok(())
    }

    fn push(&mut self, ip: IpAddr, prefix: u8, label: u16) {
        match ip {
            IpAddr::V4(v4) => {
                let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
                self.v4.push(V4Range { net: u32::from(v4), mask, label });
            }
            IpAddr::V6(v6) => {
                let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
                self.v6.push(V6Range { net: u128::from(v6), mask, label });
            }
        }
    }

    /// Whether `ip` (canonical) is inside the set.
    #[inline]
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        self.matching(ip).is_some()
    }

    /// The configuration entry that contains `ip`, if any.
    pub(crate) fn matching(&self, ip: IpAddr) -> Option<&str> {
        let label = match ip {
            IpAddr::V4(v4) => {
                let a = u32::from(v4);
                self.v4.iter().find(|r| a & r.mask == r.net).map(|r| r.label)
            }
            IpAddr::V6(v6) => {
                let a = u128::from(v6);
                self.v6.iter().find(|r| a & r.mask == r.net).map(|r| r.label)
            }
        }?;
        self.labels.get(usize::from(label)).map(|s| &**s)
    }
}

/// Parses `addr` or `addr/prefix` strictly: no port, no brackets, no zone, no host bits.
fn parse_range(entry: &str) -> Result<(IpAddr, u8), String> {
    let (addr_text, prefix_text) = match entry.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (entry, None),
    };
    let ip: IpAddr = if addr_text.contains(':') {
        IpAddr::V6(addr_text.parse::<Ipv6Addr>().map_err(|_| not_an_entry(entry))?)
    } else {
        IpAddr::V4(parse_v4(addr_text).ok_or_else(|| not_an_entry(entry))?)
    };
    let max: u8 = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => {
            if canonical(ip).is_none() {
                return Err(format!("{entry:?} is the unspecified address, which is never a peer"));
            }
            max
        }
        Some(p) => {
            let valid = !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            match p.parse::<u8>() {
                Ok(n) if valid && n <= max => n,
                _ => return Err(format!("{entry:?} has an invalid prefix length (0 to {max})")),
            }
        }
    };
    // An IPv4-mapped range is stored as the IPv4 range it maps to, because peers and entries
    // are canonicalised to IPv4 before they are matched.
    let (ip, prefix) = match ip {
        IpAddr::V6(v6) if prefix >= 96 => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), prefix - 96),
            None => (ip, prefix),
        },
        _ => (ip, prefix),
    };
    let host_bits_set = match ip {
        IpAddr::V4(v4) => prefix < 32 && u32::from(v4) & (u32::MAX >> prefix) != 0,
        IpAddr::V6(v6) => prefix < 128 && u128::from(v6) & (u128::MAX >> prefix) != 0,
    };
    if host_bits_set {
        return Err(format!("{entry:?} has host bits set; write the network address of the range"));
    }
    Ok((ip, prefix))
}

fn not_an_entry(entry: &str) -> String {
    format!("{entry:?} is not an IP address, a CIDR range, or one of loopback, private, linklocal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let ok = [
            ("1.2.3.4", "1.2.3.4"),
            (" 1.2.3.4:80\t", "1.2.3.4"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("2001:DB8::0:1", "2001:db8::1"),
            ("fe80::1%eth0", "fe80::1"),
            ("[fe80::1%25eth0]:8080", "fe80::1"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("[::ffff:c000:201]", "192.0.2.1"),
        ];
        for (input, want) in ok {
            assert_eq!(parse_address(input).map(|a| a.to_string()).as_deref(), Some(want), "{input}");
        }
        let bad = [
            "",
            "unknown",
            "1.2.3.4:",
            "1.2.3.4:65536",
            "1.2.3.4:http",
            "010.1.1.1",
            "1.2.3",
            "0.0.0.0",
            "::",
            "::ffff:0.0.0.0",
            "[1.2.3.4]",
            "[::1",
            "[::1]x",
            "fe80::1%",
            "\"1.2.3.4\"",
            "example.com",
        ];
        for input in bad {
            assert_eq!(parse_address(input), None, "{input}");
        }
        assert_eq!(parse_node("2001:db8::1", false), None);
    }

    #[test]
    fn ranges() {
        let mut set = IpSet::default();
        set.add_entry("10.1.0.0/16").unwrap();
        set.add_entry("::ffff:192.168.0.0/112").unwrap();
        set.add_entry("loopback").unwrap();
        assert!(set.contains("10.1.2.3".parse().unwrap()));
        assert!(!set.contains("10.100.0.5".parse().unwrap()));
        assert!(set.contains("192.168.3.4".parse().unwrap()));
        assert_eq!(set.matching("::1".parse().unwrap()), Some("loopback"));
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/08",
            "Private",
            "0.0.0.0",
            "::",
            "fe80::1%eth0",
            "1.2.3.4:80",
        ] {
            assert!(IpSet::default().add_entry(bad).is_err(), "{bad}");
        }
        assert!(IpSet::default().add_entry("0.0.0.0/0").is_ok());
    }
}
