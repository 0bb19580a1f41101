//! Percent-encoding as OSS V4 expects it: UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other
//! byte written `%XX` with upper-case hex (so a space is `%20`, never `+`).

use alloc::string::String;
use alloc::vec::Vec;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but `A-Z a-z 0-9 - _ . ~` (non-ASCII bytes are always encoded).
const OSS_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The same, keeping `/` (object keys and symlink targets).
const OSS_PATH: &AsciiSet = &OSS_UNRESERVED.remove(b'/');

fn encode_into(out: &mut String, s: &str, set: &'static AsciiSet) {
    for part in utf8_percent_encode(s, set) {
        out.push_str(part);
    }
}

/// Encodes every byte outside the unreserved set.
///
/// ```
/// assert_eq!(oss_symlink::encode::uri_encode("a b/c+"), "a%20b%2Fc%2B");
/// ```
pub fn uri_encode(s: &str) -> String {
    let mut out = String::new();
    uri_encode_into(&mut out, s);
    out
}

/// Encodes like [`uri_encode`] but keeps `/`, as for object keys and symlink targets.
///
/// ```
/// assert_eq!(oss_symlink::encode::path_encode("photos/原图 1.jpg"), "photos/%E5%8E%9F%E5%9B%BE%201.jpg");
/// ```
pub fn path_encode(s: &str) -> String {
    let mut out = String::new();
    path_encode_into(&mut out, s);
    out
}

/// Appends the encoding of `s` to `out`, without an intermediate string.
pub fn uri_encode_into(out: &mut String, s: &str) {
    encode_into(out, s, OSS_UNRESERVED);
}

/// Appends the path encoding of `s` (keeping `/`) to `out`.
pub fn path_encode_into(out: &mut String, s: &str) {
    encode_into(out, s, OSS_PATH);
}

/// Decodes `%XX` sequences (a `%` not followed by two hex digits stays as it is); `None` when
/// the bytes are not UTF-8.
///
/// ```
/// assert_eq!(oss_symlink::encode::percent_decode("a%20%E4%B8%AD").as_deref(), Some("a 中"));
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    // A loop rather than `collect` or `decode_utf8`: each of those brings its own copy of the
    // iterator machinery (and slicing panics) into the module.
    let mut out = Vec::with_capacity(s.len());
    for b in percent_decode_str(s) {
        out.push(b);
    }
    crate::text::utf8_string(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_keeps_stray_percent_signs() {
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
        assert_eq!(percent_decode("%zz%41").as_deref(), Some("%zzA"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
