//! Percent-encoding as OSS V4 expects it: UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other
//! byte written `%XX` with upper-case hex (so a space is `%20`, never `+`).

use alloc::string::String;
use alloc::vec::Vec;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    for b in s.bytes() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
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
    encode_into(out, s, false);
}

/// Appends the path encoding of `s` (keeping `/`) to `out`.
pub fn path_encode_into(out: &mut String, s: &str) {
    encode_into(out, s, true);
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` sequences (a `%` not followed by two hex digits stays as it is); `None` when
/// the bytes are not UTF-8.
///
/// ```
/// assert_eq!(oss_symlink::encode::percent_decode("a%20%E4%B8%AD").as_deref(), Some("a 中"));
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        let mut ahead = bytes.clone();
        match (
            b,
            ahead.next().and_then(hex_value),
            ahead.next().and_then(hex_value),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                bytes = ahead;
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).ok()
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
