//! Reading OSS answers: error details from the XML body (or, for HEAD, the base64 `x-oss-err`
//! header) and the headers of GetSymlink.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::encode::percent_decode;
use crate::error::{Error, ErrorCode, Result};
use crate::text::{
    after_prefix, cat, decimal, find, position, rposition, trim_bytes, trimmed, utf8_string,
};

/// What OSS says about a failed request. Empty strings where OSS said nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: String,
    pub host_id: String,
    pub ec: String,
    pub recommend_doc: String,
    /// `RequestTimeTooSkewed` only: the server's clock, ISO 8601.
    pub server_time: String,
    pub request_time: String,
}

impl ServiceError {
    /// The field an element of `<Error>` fills.
    fn field(&mut self, element: &[u8]) -> Option<&mut String> {
        // A table searched in a loop: smaller in the module than a `match` over the names.
        const NAMES: [&[u8]; 8] = [
            b"Code",
            b"Message",
            b"RequestId",
            b"HostId",
            b"EC",
            b"RecommendDoc",
            b"ServerTime",
            b"RequestTime",
        ];
        let fields = [
            &mut self.code,
            &mut self.message,
            &mut self.request_id,
            &mut self.host_id,
            &mut self.ec,
            &mut self.recommend_doc,
            &mut self.server_time,
            &mut self.request_time,
        ];
        let i = NAMES.iter().position(|name| *name == element)?;
        fields.into_iter().nth(i)
    }
}

/// `ns:Name` → `Name`.
fn local_name(name: &[u8]) -> &[u8] {
    match position(name, |b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or_default(),
        None => name,
    }
}

/// Longest text kept from a field of an error answer.
const MAX_FIELD_CHARS: usize = 2048;

/// Parses an error answer. Never fails: what cannot be read is left empty, and a missing code is
/// named after the status so that callers can always branch on `code`.
///
/// ```
/// use oss_symlink::response::parse_error;
/// let body = "<?xml version=\"1.0\"?><Error><Code>FileAlreadyExists</Code><Message>exists &amp; kept</Message><RequestId>5C</RequestId><EC>0026-00000001</EC></Error>";
/// let e = parse_error(409, &[], body);
/// assert_eq!((e.code.as_str(), e.message.as_str(), e.ec.as_str()), ("FileAlreadyExists", "exists & kept", "0026-00000001"));
/// ```
pub fn parse_error(status: u16, headers: &[(String, String)], body: &str) -> ServiceError {
    let [err_header, request_id, ec] =
        ["x-oss-err", "x-oss-request-id", "x-oss-ec"].map(|name| header(headers, name));
    parse_error_parts(status, err_header, request_id, ec, body)
}

/// [`parse_error`] given the three headers it reads: `x-oss-err`, `x-oss-request-id`, `x-oss-ec`.
pub fn parse_error_parts(
    status: u16,
    err_header: Option<&str>,
    request_id: Option<&str>,
    ec: Option<&str>,
    body: &str,
) -> ServiceError {
    let mut err = ServiceError {
        status,
        ..ServiceError::default()
    };
    read_error_xml(body.as_bytes(), &mut err);
    if err.code.is_empty() {
        if let Some(xml) = err_header.and_then(decode_base64) {
            read_error_xml(xml.as_bytes(), &mut err);
        }
    }
    if err.request_id.is_empty() {
        err.request_id = request_id.unwrap_or_default().into();
    }
    if err.ec.is_empty() {
        err.ec = ec.unwrap_or_default().into();
    }
    if err.code.is_empty() {
        err.code = code_for_status(status).to_string();
        if err.message.is_empty() {
            err.message = cat(&[
                "the server answered HTTP ",
                &decimal(u64::from(status)),
                " without error details",
            ]);
        }
    }
    err
}

fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "AccessDenied",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        408 => "RequestTimeout",
        409 => "Conflict",
        412 => "PreconditionFailed",
        429 => "TooManyRequests",
        500 => "InternalError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "UnknownError",
    }
}

/// Standard base64 (padding optional, surrounding blanks ignored) → UTF-8 text.
fn decode_base64(value: &str) -> Option<String> {
    let value = trim_bytes(value, is_xml_blank);
    let digits = value.as_bytes();
    let padding = if digits.ends_with(b"==") {
        2
    } else {
        usize::from(digits.ends_with(b"="))
    };
    let digits = digits.get(..digits.len() - padding).unwrap_or_default();
    if value.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &d in digits {
        let v = match d {
            b'A'..=b'Z' => d - b'A',
            b'a'..=b'z' => d - b'a' + 26,
            b'0'..=b'9' => d - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Canonical form only: the bits left over must be zero.
    if acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    crate::text::utf8_string(&out)
}

/// The markup a scan can meet after `<`, and where it ends (`>` included).
enum Markup<'a> {
    /// `<name ...>`: the name (up to the first blank).
    Start(&'a [u8]),
    /// `</name>`: everything up to `>`, trailing blanks removed.
    End(&'a [u8]),
    /// `<![CDATA[...]]>`: the raw text.
    CData(&'a [u8]),
    /// Comments, `<?...?>`, `<!DOCTYPE ...>` and self-closed `<name/>`: nothing to keep.
    Skip,
}

fn is_xml_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Reads the markup at the start of `s` (just after `<`); `None` for malformed or unclosed
/// markup, where reading stops.
fn markup(s: &[u8]) -> Option<(Markup<'_>, usize)> {
    // Where `end` is next found from `start` on, and the offset just past it.
    let past = |start: usize, end: &[u8]| find(s.get(start..)?, end).map(|i| start + i);
    if s.starts_with(b"![CDATA[") {
        let end = past(8, b"]]>")?;
        return Some((Markup::CData(s.get(8..end)?), end + 3));
    }
    if s.starts_with(b"!--") {
        return Some((Markup::Skip, past(3, b"-->")? + 3));
    }
    if s.starts_with(b"?") {
        // `<?...?>`, but not `<?>`.
        let end = past(0, b"?>")?;
        return (end > 0).then_some((Markup::Skip, end + 2));
    }
    let doctype = s.starts_with(b"!");
    // `<!DOCTYPE ...>` and tags end at a `>` outside quotes; a DOCTYPE's internal subset
    // (`[...]`) is not read: reading stops there (error answers never have one).
    let end = closing(s, doctype)?;
    let content = s.get(..end)?;
    let found = if doctype {
        // A DOCTYPE names something: `<!DOCTYPE>` alone is malformed.
        let named = position(content.get(8..)?, |b| !is_xml_blank(b)).is_some();
        if !(content.get(..8)?.eq_ignore_ascii_case(b"!DOCTYPE") && named) {
            return None;
        }
        Markup::Skip
    } else if let (Some(b'/'), Some(name)) = (content.first(), content.get(1..)) {
        // Trailing blanks are not part of the name (but a name of blanks stays as is).
        let kept = rposition(name, |b| !is_xml_blank(b));
        Markup::End(name.get(..kept.map_or(name.len(), |i| i + 1))?)
    } else if content.ends_with(b"/") {
        Markup::Skip
    } else {
        Markup::Start(content.get(..position(content, is_xml_blank).unwrap_or(end))?)
    };
    Some((found, end + 1))
}

/// Offset of the `>` that closes a tag or a DOCTYPE, ignoring any inside quotes; `None` when
/// there is none, or (`subset_stops`) when a DOCTYPE's internal subset `[` comes first.
fn closing(bytes: &[u8], subset_stops: bool) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'>') => return Some(i),
            (None, b'[') if subset_stops => return None,
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            _ => {}
        }
    }
    None
}

/// The text of `&name;`: a character reference, one of the five predefined entities, or else
/// the reference as `written`.
fn push_reference(out: &mut Text, name: &[u8], written: &[u8]) {
    let number = match name {
        [b'#', b'x', hex @ ..] => parse_radix(hex, 16),
        [b'#', dec @ ..] => parse_radix(dec, 10),
        _ => None,
    };
    const PREDEFINED: [(&[u8], char); 5] = [
        (b"lt", '<'),
        (b"gt", '>'),
        (b"amp", '&'),
        (b"apos", '\''),
        (b"quot", '"'),
    ];
    let predefined = PREDEFINED.iter().find(|(n, _)| *n == name).map(|&(_, c)| c);
    match number
        .filter(|&n| n != 0)
        .and_then(char::from_u32)
        .or(predefined)
    {
        Some(c) => out.push(c.encode_utf8(&mut [0; 4]).as_bytes()),
        None => out.push(written),
    }
}

fn parse_radix(digits: &[u8], radix: u32) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        let v = char::from(d).to_digit(radix)?;
        n = n.checked_mul(radix)?.checked_add(v)?;
    }
    Some(n)
}

/// The text of the current element, as UTF-8 bytes (the scan cuts the body only next to ASCII
/// markup characters, so the bytes stay well-formed).
#[derive(Default)]
struct Text {
    bytes: Vec<u8>,
}

impl Text {
    fn push(&mut self, s: &[u8]) {
        // Nothing past the limit is kept: stop collecting early (a hostile body can be large).
        if self.bytes.len() < MAX_FIELD_CHARS * 4 + 4 {
            self.bytes.extend_from_slice(s);
        }
    }

    /// The first [`MAX_FIELD_CHARS`] characters of the text, without surrounding blanks.
    fn field(&self) -> String {
        let mut chars = 0;
        let mut end = 0;
        while let Some(&b) = self.bytes.get(end) {
            chars += usize::from(b & 0xc0 != 0x80);
            if chars > MAX_FIELD_CHARS {
                break;
            }
            end += 1;
        }
        let kept = self.bytes.get(..end).unwrap_or_default();
        let (start, end) = trimmed(kept, is_xml_blank);
        utf8_string(kept.get(start..end).unwrap_or_default()).unwrap_or_default()
    }
}

/// Fills the fields found as children of `<Error>`; stops quietly at malformed XML. A scan over
/// the bytes, not a general XML parser: it reads elements (checking that end tags match), text
/// (with XML 1.0 line ends: `\r\n` and a lone `\r` become `\n`), references and CDATA, and skips
/// comments, declarations and processing instructions. Checked against quick-xml on generated
/// and hostile answers (tests/rust/error_parsing.rs).
fn read_error_xml(body: &[u8], err: &mut ServiceError) {
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let body = body
        .get(usize::from(body.starts_with(BOM)) * BOM.len()..)
        .unwrap_or(body);
    let mut path: Vec<&[u8]> = Vec::new();
    let mut text = Text::default();
    let mut i = 0;
    while let Some(&c) = body.get(i) {
        let rest = body.get(i + 1..).unwrap_or_default();
        i += 1;
        match c {
            b'\r' => {
                text.push(b"\n");
                i += usize::from(rest.first() == Some(&b'\n'));
            }
            b'&' => {
                let Some(end) = position(rest, |b| matches!(b, b';' | b'&' | b'<')) else {
                    return;
                };
                if rest.get(end) != Some(&b';') {
                    return;
                }
                let written = body.get(i - 1..i + end + 1).unwrap_or_default();
                push_reference(&mut text, rest.get(..end).unwrap_or_default(), written);
                i += end + 1;
            }
            b'<' => {
                let Some((found, len)) = markup(rest) else {
                    return;
                };
                i += len;
                match found {
                    Markup::Start(name) => {
                        path.push(name);
                        text.bytes.clear();
                    }
                    Markup::CData(raw) => text.push(raw),
                    Markup::End(name) => {
                        // An end tag must close the element last opened.
                        if path.last() != Some(&name) {
                            return;
                        }
                        if let [root, child] = path.as_slice() {
                            if local_name(root) == b"Error" {
                                if let Some(slot) = err.field(local_name(child)) {
                                    *slot = text.field();
                                }
                            }
                        }
                        text.bytes.clear();
                        path.pop();
                    }
                    Markup::Skip => {}
                }
            }
            _ => text.push(body.get(i - 1..i).unwrap_or_default()),
        }
    }
}

/// What GetSymlink answers, from its headers (borrowed from them, but for the decoded target
/// and the lower-cased metadata names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymlinkInfo<'a> {
    /// The target, decoded from its URL encoding.
    pub target: String,
    pub etag: &'a str,
    pub last_modified: &'a str,
    pub version_id: Option<&'a str>,
    /// `x-oss-meta-*` headers, names without the prefix, lower-case.
    pub meta: Vec<(String, String)>,
    pub request_id: &'a str,
}

/// Reads the answer of GetSymlink. Header names may come in any case.
pub fn parse_get_symlink<'a>(headers: &'a [(&'a str, &'a str)]) -> Result<SymlinkInfo<'a>> {
    let raw = header(headers, "x-oss-symlink-target").ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidResponse,
            "x-oss-symlink-target",
            "the answer has no x-oss-symlink-target header",
        )
    })?;
    let target = percent_decode(raw).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidResponse,
            "x-oss-symlink-target",
            "the symlink target is not valid URL-encoded UTF-8",
        )
    })?;
    let mut meta = Vec::new();
    for &(name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if let Some(n) = after_prefix(&lower, "x-oss-meta-") {
            meta.push((n.to_string(), value.to_string()));
        }
    }
    Ok(SymlinkInfo {
        target,
        etag: header(headers, "etag").unwrap_or_default(),
        last_modified: header(headers, "last-modified").unwrap_or_default(),
        version_id: header(headers, "x-oss-version-id"),
        meta,
        request_id: header(headers, "x-oss-request-id").unwrap_or_default(),
    })
}

/// The value of a header, its name in any case.
pub fn header<'a, N: AsRef<str>, V: AsRef<str>>(
    headers: &'a [(N, V)],
    lower_name: &str,
) -> Option<&'a str> {
    let mut i = 0;
    while let Some((n, v)) = headers.get(i) {
        if n.as_ref().eq_ignore_ascii_case(lower_name) {
            return Some(v.as_ref());
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::pairs as h;

    #[test]
    fn skew_error_has_times() {
        let body = "<Error><Code>RequestTimeTooSkewed</Code><Message>m</Message><RequestId>r</RequestId><HostId>h</HostId><ServerTime>2026-11-27T10:00:00.000Z</ServerTime><RequestTime>20261127T093000Z</RequestTime><RecommendDoc>https://d</RecommendDoc></Error>";
        let e = parse_error(403, &[], body);
        assert_eq!(e.code, "RequestTimeTooSkewed");
        assert_eq!(e.server_time, "2026-11-27T10:00:00.000Z");
        assert_eq!(e.request_time, "20261127T093000Z");
        assert_eq!(e.host_id, "h");
        assert_eq!(e.recommend_doc, "https://d");
    }

    #[test]
    fn head_error_from_header() {
        let xml =
            "<Error><Code>NoSuchKey</Code><Message>gone</Message><EC>0026-00000001</EC></Error>";
        let b64 = "PEVycm9yPjxDb2RlPk5vU3VjaEtleTwvQ29kZT48TWVzc2FnZT5nb25lPC9NZXNzYWdlPjxFQz4wMDI2LTAwMDAwMDAxPC9FQz48L0Vycm9yPg==";
        assert_eq!(decode_base64(b64).as_deref(), Some(xml));
        let e = parse_error(
            404,
            &h(&[("X-Oss-Err", b64), ("x-oss-request-id", "abc")]),
            "",
        );
        assert_eq!(
            (e.code.as_str(), e.ec.as_str(), e.request_id.as_str()),
            ("NoSuchKey", "0026-00000001", "abc")
        );
    }

    #[test]
    fn entities_and_cdata() {
        let body = "<Error><Code>X</Code><Message>a &lt;b&gt; &#x4E2D;&#25991; &unknown; <![CDATA[<raw>]]></Message></Error>";
        assert_eq!(
            parse_error(400, &[], body).message,
            "a <b> 中文 &unknown; <raw>"
        );
    }

    #[test]
    fn garbage_falls_back_to_status() {
        let e = parse_error(503, &h(&[("x-oss-ec", "0001")]), "<html>oops");
        assert_eq!(
            (e.code.as_str(), e.ec.as_str()),
            ("ServiceUnavailable", "0001")
        );
        let e = parse_error(500, &[], "<Error><Code>Internal");
        assert_eq!(e.code, "InternalError");
    }

    #[test]
    fn symlink_headers() {
        let info = parse_get_symlink(&[
            ("x-oss-symlink-target", "photos/%E5%8E%9F%E5%9B%BE%201.jpg"),
            ("ETag", "\"E\""),
            ("x-oss-meta-location", "hz"),
            ("x-oss-version-id", "v1"),
        ])
        .unwrap();
        assert_eq!(info.target, "photos/原图 1.jpg");
        assert_eq!(info.etag, "\"E\"");
        assert_eq!(info.meta, [("location".to_string(), "hz".to_string())]);
        assert_eq!(info.version_id, Some("v1"));
        assert!(parse_get_symlink(&[("x-oss-symlink-target", "%FF")]).is_err());
    }
}
