//! Percent-encoding as OSS V4 expects it: UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other
//! byte written `%XX` with upper-case hex (so a space is `%20`, never `+`).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but the RFC 3986 unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`UNRESERVED`], but `/` stays: for paths and object keys.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Encodes every byte outside the unreserved set.
///
/// ```
/// assert_eq!(oss_symlink::encode::uri_encode("a b/c+"), "a%20b%2Fc%2B");
/// ```
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).collect()
}

/// Encodes like [`uri_encode`] but keeps `/`, as for object keys and symlink targets.
///
/// ```
/// assert_eq!(oss_symlink::encode::path_encode("photos/原图 1.jpg"), "photos/%E5%8E%9F%E5%9B%BE%201.jpg");
/// ```
pub fn path_encode(s: &str) -> String {
    utf8_percent_encode(s, PATH).collect()
}

/// Appends the encoding of `s` to `out`, without an intermediate string.
pub fn uri_encode_into(out: &mut String, s: &str) {
    out.extend(utf8_percent_encode(s, UNRESERVED));
}

/// Appends the path encoding of `s` (keeping `/`) to `out`.
pub fn path_encode_into(out: &mut String, s: &str) {
    out.extend(utf8_percent_encode(s, PATH));
}

/// Decodes `%XX` sequences; `None` when the bytes are not UTF-8.
///
/// ```
/// assert_eq!(oss_symlink::encode::percent_decode("a%20%E4%B8%AD").as_deref(), Some("a 中"));
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}
