//! Reading OSS answers: error details from the XML body (or, for HEAD, the base64 `x-oss-err`
//! header) and the headers of GetSymlink.

use base64::Engine;
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::encode::percent_decode;
use crate::error::{Error, ErrorCode, Result};

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
    let mut err = ServiceError {
        status,
        ..ServiceError::default()
    };
    read_error_xml(body, &mut err);
    if err.code.is_empty() {
        if let Some(xml) = header(headers, "x-oss-err").and_then(decode_base64) {
            read_error_xml(&xml, &mut err);
        }
    }
    if err.request_id.is_empty() {
        err.request_id = header(headers, "x-oss-request-id")
            .unwrap_or_default()
            .to_string();
    }
    if err.ec.is_empty() {
        err.ec = header(headers, "x-oss-ec").unwrap_or_default().to_string();
    }
    if err.code.is_empty() {
        err.code = code_for_status(status).to_string();
        if err.message.is_empty() {
            err.message = [
                "the server answered HTTP ",
                &crate::text::decimal(u64::from(status)),
                " without error details",
            ]
            .concat();
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

fn decode_base64(value: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// Fills the fields found as children of `<Error>`; stops quietly at malformed XML.
fn read_error_xml(body: &str, err: &mut ServiceError) {
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                path.push(start.local_name().as_ref().to_string());
                text.clear();
            }
            Ok(Event::Text(t)) => push_limited(&mut text, &t.xml10_content()),
            Ok(Event::CData(t)) => push_limited(&mut text, &t),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => quick_xml::escape::resolve_predefined_entity(&r).map(str::to_string),
                };
                match resolved {
                    Some(r) => push_limited(&mut text, &r),
                    None => push_limited(&mut text, &["&", &r, ";"].concat()),
                }
            }
            Ok(Event::End(_)) => {
                if path.len() == 2 && path[0] == "Error" {
                    let value = std::mem::take(&mut text);
                    let slot = match path[1].as_str() {
                        "Code" => &mut err.code,
                        "Message" => &mut err.message,
                        "RequestId" => &mut err.request_id,
                        "HostId" => &mut err.host_id,
                        "EC" => &mut err.ec,
                        "RecommendDoc" => &mut err.recommend_doc,
                        "ServerTime" => &mut err.server_time,
                        "RequestTime" => &mut err.request_time,
                        _ => &mut text,
                    };
                    *slot = value.trim().to_string();
                }
                path.pop();
                text.clear();
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

fn push_limited(out: &mut String, s: &str) {
    let room = MAX_FIELD_CHARS.saturating_sub(out.chars().count());
    out.extend(s.chars().take(room));
}

/// What GetSymlink answers, from its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymlinkInfo {
    /// The target, decoded from its URL encoding.
    pub target: String,
    pub etag: String,
    pub last_modified: String,
    pub version_id: Option<String>,
    /// `x-oss-meta-*` headers, names without the prefix, lower-case.
    pub meta: Vec<(String, String)>,
    pub request_id: String,
}

/// Reads the answer of GetSymlink. Header names may come in any case.
pub fn parse_get_symlink(headers: &[(String, String)]) -> Result<SymlinkInfo> {
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
    let meta = headers
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            lower
                .strip_prefix("x-oss-meta-")
                .map(|n| (n.to_string(), value.clone()))
        })
        .collect();
    Ok(SymlinkInfo {
        target,
        etag: header(headers, "etag").unwrap_or_default().to_string(),
        last_modified: header(headers, "last-modified")
            .unwrap_or_default()
            .to_string(),
        version_id: header(headers, "x-oss-version-id").map(str::to_string),
        meta,
        request_id: header(headers, "x-oss-request-id")
            .unwrap_or_default()
            .to_string(),
    })
}

fn header<'a>(headers: &'a [(String, String)], lower_name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(lower_name))
        .map(|(_, v)| v.as_str())
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
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
        let e = parse_error(
            404,
            &h(&[("X-Oss-Err", &b64), ("x-oss-request-id", "abc")]),
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
        let info = parse_get_symlink(&h(&[
            ("x-oss-symlink-target", "photos/%E5%8E%9F%E5%9B%BE%201.jpg"),
            ("ETag", "\"E\""),
            ("x-oss-meta-location", "hz"),
            ("x-oss-version-id", "v1"),
        ]))
        .unwrap();
        assert_eq!(info.target, "photos/原图 1.jpg");
        assert_eq!(info.etag, "\"E\"");
        assert_eq!(info.meta, h(&[("location", "hz")]));
        assert_eq!(info.version_id.as_deref(), Some("v1"));
        assert!(parse_get_symlink(&h(&[("x-oss-symlink-target", "%FF")])).is_err());
    }
}
