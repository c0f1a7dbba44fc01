//! RFC 7239 `Forwarded`: splitting a field value into elements and reading each element's node.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::addr::parse_node;
use crate::headers::is_tchar;

/// The most `;`-separated pairs one element may hold; an element with more is invalid. RFC 7239
/// defines four parameters, so a legitimate element never comes near this.
///
/// ```
/// use secctx::{Identity, Request, Resolver};
/// let r = Resolver::from_json(r#"{"trusted_proxies": ["loopback"], "forwarded_header": "Forwarded"}"#)?;
/// let pairs: Vec<String> = (0..=secctx::MAX_FORWARDED_PAIRS).map(|i| format!("p{i}=x")).collect();
/// let element = format!("for=192.0.2.1;{}", pairs.join(";"));
/// let ctx = r.resolve(Request::new("127.0.0.1", [("Forwarded", element.as_str())]), &Identity::new())?;
/// assert_eq!(ctx.source_ip(), None);
/// # Ok::<(), secctx::Error>(())
/// ```
pub const MAX_FORWARDED_PAIRS: usize = 16;

/// Why an element does not yield a node address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElementProblem {
    /// The element breaks the grammar.
    Malformed,
    /// A parameter appears twice.
    DuplicateParameter,
    /// There is no `for` parameter.
    NoFor,
    /// The `for` value is not an address (`unknown`, an obfuscated identifier, unbracketed IPv6).
    NotAnAddress,
    /// More than [`MAX_FORWARDED_PAIRS`] pairs.
    TooManyPairs,
}

impl ElementProblem {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            ElementProblem::Malformed => "malformed Forwarded element",
            ElementProblem::DuplicateParameter => "a parameter appears twice in the Forwarded element",
            ElementProblem::NoFor => "the Forwarded element has no for= parameter",
            ElementProblem::NotAnAddress => "the for= node is not an IP address",
            ElementProblem::TooManyPairs => "the Forwarded element has too many parameters",
        }
    }
}

/// Splits one field value at commas outside quoted strings, pushing each element (untrimmed).
pub(crate) fn split_elements<'a>(value: &'a str, out: &mut Vec<&'a str>) {
    let bytes = value.as_bytes();
    let mut start = 0;
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes are none of `"`, `\\` and `,`: skip them eight at a time.
        while let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if has_byte(u64::from_le_bytes(word), [b'"', b'\\', b',']) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => quoted = !quoted,
            b'\\' if quoted => i += 1,
            b',' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&value[start..]);
}

/// Whether any byte of `word` is one of `targets` (exact: the borrow trick never reports a
/// byte that is absent).
#[inline]
fn has_byte(word: u64, targets: [u8; 3]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    targets.into_iter().any(|t| {
        let x = word ^ (ONES * u64::from(t));
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    })
}

/// Reads the node address of one element.
///
/// ```text
/// forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
/// forwarded-pair    = token "=" value
/// value             = token / quoted-string
/// ```
pub(crate) fn element_node(element: &str) -> Result<IpAddr, ElementProblem> {
    let node = element_for(element)?;
    parse_node(&node, false).ok_or(ElementProblem::NotAnAddress)
}

/// The unescaped `for` value of one element.
pub(crate) fn element_for(element: &str) -> Result<Cow<'_, str>, ElementProblem> {
    let bytes = element.as_bytes();
    let mut names: [&[u8]; MAX_FORWARDED_PAIRS] = [&[]; MAX_FORWARDED_PAIRS];
    let mut count = 0;
    let mut found: Option<Cow<'_, str>> = None;
    let mut i = 0;
    loop {
        i = skip_ows(bytes, i);
        if i == bytes.len() {
            break;
        }
        if bytes[i] == b';' {
            i += 1;
            continue;
        }
        // name
        let name_start = i;
        while i < bytes.len() && is_tchar(bytes[i]) {
            i += 1;
        }
        let name = &bytes[name_start..i];
        if name.is_empty() || i == bytes.len() || bytes[i] != b'=' {
            return Err(ElementProblem::Malformed);
        }
        i += 1;
        // value
        let value: Cow<'_, str> = if i < bytes.len() && bytes[i] == b'"' {
            let (v, next) = quoted_string(element, i)?;
            i = next;
            v
        } else {
            let start = i;
            while i < bytes.len() && is_tchar(bytes[i]) {
                i += 1;
            }
            if i == start {
                return Err(ElementProblem::Malformed);
            }
            Cow::Borrowed(&element[start..i])
        };
        // end of pair
        i = skip_ows(bytes, i);
        if i < bytes.len() {
            if bytes[i] != b';' {
                return Err(ElementProblem::Malformed);
            }
            i += 1;
        }
        if names[..count].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(ElementProblem::DuplicateParameter);
        }
        if count == MAX_FORWARDED_PAIRS {
            return Err(ElementProblem::TooManyPairs);
        }
        names[count] = name;
        count += 1;
        if name.eq_ignore_ascii_case(b"for") {
            found = Some(value);
        }
    }
    found.ok_or(ElementProblem::NoFor)
}

fn skip_ows(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    i
}

/// Reads a quoted string starting at the opening quote `start`; returns the unescaped content
/// and the index after the closing quote.
fn quoted_string(s: &str, start: usize) -> Result<(Cow<'_, str>, usize), ElementProblem> {
    let bytes = s.as_bytes();
    let mut i = start + 1;
    let mut owned: Option<String> = None;
    let mut run_start = i;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let value = match owned {
                    Some(mut o) => {
                        o.push_str(&s[run_start..i]);
                        Cow::Owned(o)
                    }
                    None => Cow::Borrowed(&s[run_start..i]),
                };
                return Ok((value, i + 1));
            }
            b'\\' => {
                let o = owned.get_or_insert_with(String::new);
                o.push_str(&s[run_start..i]);
                // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                let escaped = s[i + 1..].chars().next().ok_or(ElementProblem::Malformed)?;
                if escaped != '\t' && (escaped < ' ' || escaped == '\x7f') {
                    return Err(ElementProblem::Malformed);
                }
                o.push(escaped);
                i += 1 + escaped.len_utf8();
                run_start = i;
            }
            b'\t' | 0x20..=0x7e | 0x80..=0xff => i += 1,
            _ => return Err(ElementProblem::Malformed),
        }
    }
    Err(ElementProblem::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time splitter `split_elements` must agree with.
    fn split_slowly(value: &str) -> Vec<&str> {
        let (mut out, mut start, mut quoted, mut i) = (Vec::new(), 0, false, 0);
        let bytes = value.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'"' => quoted = !quoted,
                b'\\' if quoted => i += 1,
                b',' if !quoted => {
                    out.push(&value[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        out.push(&value[start..]);
        out
    }

    #[test]
    fn split_agrees_with_a_byte_loop() {
        // Every string of up to 6 bytes over an alphabet of the special bytes and two ordinary
        // ones, and the same padded on either side to cross eight-byte boundaries.
        let alphabet = [b'"', b'\\', b',', b'a', b'='];
        let mut cases = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..5usize.pow(len) {
                let mut v = Vec::new();
                for _ in 0..len {
                    v.push(alphabet[n % 5]);
                    n /= 5;
                }
                cases.push(String::from_utf8(v).unwrap());
            }
        }
        for case in cases {
            for (pre, post) in [("", ""), ("for=1234567", ""), ("", "x;proto=http"), ("abcdefg", "hijklmnopq")] {
                let value = format!("{pre}{case}{post}");
                let mut fast = Vec::new();
                split_elements(&value, &mut fast);
                assert_eq!(fast, split_slowly(&value), "{value:?}");
            }
        }
    }

    fn node(e: &str) -> Result<String, ElementProblem> {
        element_node(e).map(|a| a.to_string())
    }

    #[test]
    fn elements() {
        let mut out = Vec::new();
        split_elements(r#"for="a,b";by=x, for=1.2.3.4 ,"#, &mut out);
        assert_eq!(out, vec![r#"for="a,b";by=x"#, " for=1.2.3.4 ", ""]);
    }

    #[test]
    fn nodes() {
        assert_eq!(node("for=192.0.2.1").as_deref(), Ok("192.0.2.1"));
        assert_eq!(node(r#"For="[2001:db8::1]:4711";proto=https"#).as_deref(), Ok("2001:db8::1"));
        assert_eq!(node(r#"for="\[2001:db8::1\]""#).as_deref(), Ok("2001:db8::1"));
        assert_eq!(node(r#" for="192.0.2.1:80" ; ; by=_x "#).as_deref(), Ok("192.0.2.1"));
        assert_eq!(node("for=unknown"), Err(ElementProblem::NotAnAddress));
        assert_eq!(node("for=_hidden"), Err(ElementProblem::NotAnAddress));
        assert_eq!(node(r#"for="2001:db8::1""#), Err(ElementProblem::NotAnAddress));
        assert_eq!(node(r#"for="[192.0.2.1]""#), Err(ElementProblem::NotAnAddress));
        assert_eq!(node("for=2001:db8::1"), Err(ElementProblem::Malformed));
        assert_eq!(node("for=1.2.3.4;FOR=5.6.7.8"), Err(ElementProblem::DuplicateParameter));
        assert_eq!(node("proto=http;by=1.2.3.4"), Err(ElementProblem::NoFor));
        assert_eq!(node(r#"for="1.2.3.4"#), Err(ElementProblem::Malformed));
        assert_eq!(node("for = 1.2.3.4"), Err(ElementProblem::Malformed));
        assert_eq!(node(""), Err(ElementProblem::NoFor));
        assert_eq!(node(r#"for="\"#), Err(ElementProblem::Malformed));
        let many = (0..17).map(|i| format!("p{i}=x")).collect::<Vec<_>>().join(";");
        assert_eq!(node(&many), Err(ElementProblem::TooManyPairs));
    }
}
