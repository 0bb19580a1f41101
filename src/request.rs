//! Requests before and after signing, endpoints and addressing styles.

use crate::List;
use crate::Str;

use crate::canonical::{push_query_string, trim_blanks};
use crate::encode::{path_encode_into, uri_encode_into};
use crate::error::{Error, ErrorCode, Result};
use crate::text::{
    all, all_parts, cat, count, find, listed, parse_decimal, position, push_decimal, rposition,
};
use crate::validate;

/// A request as the signer sees it: header names lower-case, values trimmed; query names and
/// values raw (not yet encoded), in the order they are sent. Method, bucket and key are borrowed
/// from the caller's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub method: &'a str,
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
    pub query: List<(Str, Str)>,
    pub headers: List<(Str, Str)>,
}

impl<'a> Request<'a> {
    pub fn new(method: &'a str, bucket: Option<&'a str>, key: Option<&'a str>) -> Self {
        Request {
            method,
            bucket,
            key,
            query: List::new(),
            headers: List::new(),
        }
    }

    pub fn header(&self, lower_name: &str) -> Option<&str> {
        crate::response::header(&self.headers, lower_name)
    }

    /// Replaces or adds a header; `lower_name` must be lower-case.
    pub fn set_header(&mut self, lower_name: &str, value: Str) {
        match self.headers.iter_mut().find(|(n, _)| n == lower_name) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((lower_name.into(), value)),
        }
    }

    /// Adds a caller's header after checking it: a legal name and value, not given twice (in
    /// any letter case), and not one of the headers that the library owns: `FORBIDDEN_HEADERS`
    /// and the operation's own, `reserved` (space-separated lower-case names, or `""`).
    pub fn add_caller_header(&mut self, name: &str, value: &str, reserved: &str) -> Result<()> {
        let lower = crate::text::ascii_case(name, false);
        let field = cat(&["headers.", name]);
        validate::header_name(name, &field)?;
        validate::header_value(value, &field)?;
        if listed(reserved, &lower) || listed(FORBIDDEN_HEADERS, &lower) {
            return Err(Error::new(
                ErrorCode::ConflictingHeader,
                &field,
                &cat(&[
                    "the header ",
                    &lower,
                    " is set by the library or the HTTP stack and cannot be given",
                ]),
            ));
        }
        if self.header(&lower).is_some() {
            return Err(Error::new(
                ErrorCode::ConflictingHeader,
                &field,
                &cat(&["the header ", &lower, " is given twice"]),
            ));
        }
        self.headers.push((lower, trim_blanks(value).into()));
        Ok(())
    }
}

/// Headers the signer sets, and headers that `fetch` controls or refuses to send: signing one
/// of them would produce a signature for a request that is never sent.
pub const FORBIDDEN_HEADERS: &str = "authorization x-oss-date x-oss-content-sha256 \
    x-oss-security-token host content-length connection keep-alive transfer-encoding te trailer \
    upgrade expect";

/// How the bucket appears in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `https://bucket.endpoint/key`: the default for OSS endpoints.
    VirtualHosted,
    /// `http://endpoint/bucket/key`: the default for IP addresses and `localhost`.
    Path,
    /// `https://custom-domain/key`: a domain bound to the bucket.
    Cname,
}

impl Addressing {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "virtual-hosted" => Ok(Addressing::VirtualHosted),
            "path" => Ok(Addressing::Path),
            "cname" => Ok(Addressing::Cname),
            _ => Err(Error::new(
                ErrorCode::InvalidEndpoint,
                "addressing",
                "addressing must be one of: virtual-hosted, path, cname",
            )),
        }
    }
}

/// A parsed endpoint: scheme and authority (`host[:port]`), no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: &'static str,
    pub host: Str,
    pub port: Option<u16>,
}

impl Endpoint {
    /// Parses `https://host[:port]` (a trailing `/` is allowed; a bare host means https).
    ///
    /// ```
    /// use oss_symlink::request::Endpoint;
    /// let e = Endpoint::parse("http://127.0.0.1:9000/").unwrap();
    /// assert_eq!((e.scheme, e.host.as_str(), e.port), ("http", "127.0.0.1", Some(9000)));
    /// assert!(Endpoint::parse("https://a.example/path").is_err());
    /// ```
    pub fn parse(endpoint: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::new(
                ErrorCode::InvalidEndpoint,
                "endpoint",
                &cat(&["endpoint ", why]),
            )
        };
        let (scheme, rest) = match find(endpoint.as_bytes(), b"://") {
            Some(i) => (
                match endpoint.as_bytes().get(..i).unwrap_or_default() {
                    s if s.eq_ignore_ascii_case(b"https") => "https",
                    s if s.eq_ignore_ascii_case(b"http") => "http",
                    _ => return Err(bad("must use http or https")),
                },
                endpoint.get(i + 3..).unwrap_or_default(),
            ),
            None => ("https", endpoint),
        };
        let authority = match rest.as_bytes().last() {
            Some(b'/') => rest.get(..rest.len() - 1).unwrap_or_default(),
            _ => rest,
        };
        if position(authority.as_bytes(), |b| {
            matches!(b, b'/' | b'?' | b'#' | b'@')
        })
        .is_some()
        {
            return Err(bad(
                "must be a scheme and host with an optional port, without a path, query or user",
            ));
        }
        let (host, port) = split_port(authority).ok_or_else(|| bad("has an invalid port"))?;
        // `[...]` holds an IPv6 address; anything else is a name or an IPv4 address.
        let h = host.as_bytes();
        let v6 = h.len() >= 2 && h.first() == Some(&b'[') && h.last() == Some(&b']');
        let (name, allowed): (_, fn(u8) -> bool) = if v6 {
            (h.get(1..h.len() - 1), |b| {
                b.is_ascii_hexdigit() || b == b':' || b == b'.'
            })
        } else {
            (Some(h), |b| {
                b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
            })
        };
        let host_ok = name.is_some_and(|n| !n.is_empty() && all(n, allowed));
        if !host_ok {
            return Err(bad("has an invalid host name"));
        }
        // A URL leaves the scheme's default port out, and so does the Host header sent for it.
        let default_port = if scheme == "https" { 443 } else { 80 };
        Ok(Endpoint {
            scheme,
            host: crate::text::ascii_case(host, false),
            port: port.filter(|p| *p != default_port),
        })
    }

    /// The endpoint OSS serves a region on: `https://oss-<region>.aliyuncs.com`.
    pub fn for_region(region: &str) -> Result<Self> {
        validate::region(region)?;
        Ok(Endpoint {
            scheme: "https",
            host: cat(&["oss-", region, ".aliyuncs.com"]),
            port: None,
        })
    }

    /// IP addresses and `localhost` cannot carry a bucket as a sub-domain.
    pub fn default_addressing(&self) -> Addressing {
        let h = self.host.as_str();
        let is_ipv4 = count(h.as_bytes(), |b| b == b'.') == 3
            && all_parts(h, b'.', |p| parse_decimal(p, 255).is_some());
        if h.as_bytes().first() == Some(&b'[') || is_ipv4 || h == "localhost" {
            Addressing::Path
        } else {
            Addressing::VirtualHosted
        }
    }
}

/// `host[:port]` → host and port (1..=65535); the port is looked for after an IPv6 `]`.
fn split_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let bytes = authority.as_bytes();
    let after_v6 = rposition(bytes, |b| b == b']').map_or(0, |i| i + 1);
    match rposition(bytes, |b| b == b':').filter(|&i| i >= after_v6) {
        Some(i) => {
            let port = parse_decimal(authority.get(i + 1..)?, 65535).filter(|p| *p > 0)?;
            Some((authority.get(..i)?, Some(port as u16)))
        }
        None => Some((authority, None)),
    }
}

/// The `Host` of a request to `bucket` (`host[:port]`): what the URL built by [`url`] carries.
pub fn host(endpoint: &Endpoint, addressing: Addressing, bucket: Option<&str>) -> Str {
    let mut out = Str::new();
    push_host(&mut out, endpoint, addressing, bucket);
    out
}

fn push_host(out: &mut Str, endpoint: &Endpoint, addressing: Addressing, bucket: Option<&str>) {
    if let (Addressing::VirtualHosted, Some(bucket)) = (addressing, bucket) {
        out.push_str(bucket);
        out.push('.');
    }
    out.push_str(&endpoint.host);
    if let Some(port) = endpoint.port {
        out.push(':');
        push_decimal(out, u64::from(port));
    }
}

/// The URL to send `req` to.
///
/// Keys with `.` or `..` path segments have their `/` written as `%2F`: URL parsers (and so
/// `fetch`) would otherwise resolve those segments away and address another object. OSS decodes
/// the path before it computes the canonical URI, so the signature is unchanged. (The keys `.`
/// and `..` themselves cannot be addressed at all; `validate::object_key` refuses them.)
pub fn url(endpoint: &Endpoint, addressing: Addressing, req: &Request) -> Str {
    let mut out = Str::new();
    out.push_str(endpoint.scheme);
    out.push_str("://");
    push_host(&mut out, endpoint, addressing, req.bucket);
    out.push('/');
    if let (Addressing::Path, Some(bucket)) = (addressing, req.bucket) {
        out.push_str(bucket);
        out.push('/');
    }
    if let Some(key) = req.key {
        if has_dot_segment(key) {
            uri_encode_into(&mut out, key);
        } else {
            path_encode_into(&mut out, key);
        }
    }
    push_query_string(&mut out, &req.query);
    out
}

fn has_dot_segment(key: &str) -> bool {
    !all_parts(key, b'/', |s| s != "." && s != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_for_each_addressing() {
        let mut req = Request::new("PUT", Some("bkt"), Some("a b/c.txt"));
        req.query.push(("symlink".into(), String::new()));
        let oss = Endpoint::for_region("cn-hangzhou").unwrap();
        assert_eq!(
            url(&oss, Addressing::VirtualHosted, &req),
            "https://bkt.oss-cn-hangzhou.aliyuncs.com/a%20b/c.txt?symlink"
        );
        let local = Endpoint::parse("http://127.0.0.1:9000").unwrap();
        assert_eq!(local.default_addressing(), Addressing::Path);
        assert_eq!(
            url(&local, Addressing::Path, &req),
            "http://127.0.0.1:9000/bkt/a%20b/c.txt?symlink"
        );
        let cname = Endpoint::parse("https://cdn.example.com").unwrap();
        assert_eq!(
            url(&cname, Addressing::Cname, &req),
            "https://cdn.example.com/a%20b/c.txt?symlink"
        );
    }

    #[test]
    fn dot_segments_are_kept_out_of_url_resolution() {
        let req = Request::new("GET", Some("bkt"), Some("a/../b"));
        let local = Endpoint::parse("http://localhost:1").unwrap();
        assert_eq!(
            url(&local, Addressing::Path, &req),
            "http://localhost:1/bkt/a%2F..%2Fb"
        );
    }

    #[test]
    fn endpoints() {
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("http://x:0").is_err());
        assert!(Endpoint::parse("http://x:70000").is_err());
        assert_eq!(Endpoint::parse("https://x:443").unwrap().port, None);
        assert_eq!(Endpoint::parse("http://x:443").unwrap().port, Some(443));
        let e = Endpoint::parse("http://x:8080").unwrap();
        assert_eq!(host(&e, Addressing::VirtualHosted, Some("b")), "b.x:8080");
        assert_eq!(host(&e, Addressing::Path, Some("b")), "x:8080");
        assert!(Endpoint::parse("http://a b").is_err());
        let v6 = Endpoint::parse("http://[::1]:8080").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("[::1]", Some(8080)));
        assert_eq!(v6.default_addressing(), Addressing::Path);
        assert_eq!(
            Endpoint::parse("oss-cn-hangzhou.aliyuncs.com")
                .unwrap()
                .scheme,
            "https"
        );
    }
}
