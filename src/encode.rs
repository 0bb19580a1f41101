//! Percent-encoding as OSS V4 expects it: UTF-8 bytes, `A-Z a-z 0-9 - _ . ~` kept, every other
//! byte written `%XX` with upper-case hex (so a space is `%20`, never `+`).

use crate::List;
use crate::Str;

use percent_encoding::{percent_decode_str, percent_encode_byte, AsciiSet, NON_ALPHANUMERIC};

/// Everything but `A-Z a-z 0-9 - _ . ~` (non-ASCII bytes are always encoded).
const OSS_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The same, keeping `/` (object keys and symlink targets).
const OSS_PATH: &AsciiSet = &OSS_UNRESERVED.remove(b'/');

/// Byte by byte: a byte is kept when it is ASCII and not in `set` (the set offers no lookup, but
/// adding a byte it lacks changes it; non-ASCII bytes are always encoded and must not be added),
/// else written `%XX` by the crate. The crate's iterator would look ahead for the end of a run
/// of kept bytes, and that look-ahead's `split_at` keeps a panic (message and location) in the
/// module (-150 B gzip without it).
fn encode_into(out: &mut Str, s: &str, set: &'static AsciiSet) {
    for &byte in s.as_bytes() {
        if byte.is_ascii() && set.add(byte) != *set {
            out.push(char::from(byte));
        } else {
            out.push_str(percent_encode_byte(byte));
        }
    }
}

/// Encodes every byte outside the unreserved set.
///
/// ```
/// assert_eq!(oss_symlink::encode::uri_encode("a b/c+"), "a%20b%2Fc%2B");
/// ```
pub fn uri_encode(s: &str) -> Str {
    let mut out = Str::new();
    uri_encode_into(&mut out, s);
    out
}

/// Encodes like [`uri_encode`] but keeps `/`, as for object keys and symlink targets.
///
/// ```
/// assert_eq!(oss_symlink::encode::path_encode("photos/原图 1.jpg"), "photos/%E5%8E%9F%E5%9B%BE%201.jpg");
/// ```
pub fn path_encode(s: &str) -> Str {
    let mut out = Str::new();
    path_encode_into(&mut out, s);
    out
}

/// Appends the encoding of `s` to `out`, without an intermediate string.
pub fn uri_encode_into(out: &mut Str, s: &str) {
    encode_into(out, s, OSS_UNRESERVED);
}

/// Appends the path encoding of `s` (keeping `/`) to `out`.
pub fn path_encode_into(out: &mut Str, s: &str) {
    encode_into(out, s, OSS_PATH);
}

/// Decodes `%XX` sequences (a `%` not followed by two hex digits stays as it is); `None` when
/// the bytes are not UTF-8.
///
/// ```
/// assert_eq!(oss_symlink::encode::percent_decode("a%20%E4%B8%AD").as_deref(), Some("a 中"));
/// ```
pub fn percent_decode(s: &str) -> Option<Str> {
    // A loop rather than `collect` or `decode_utf8`: each of those brings its own copy of the
    // iterator machinery (and slicing panics) into the module.
    let mut out = List::new();
    for b in percent_decode_str(s) {
        out.push(b);
    }
    crate::text::utf8_string(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise encoder gives what the crate's own iterator gives with the same sets.
    #[test]
    fn matches_the_crates_iterator() {
        use alloc::string::ToString;
        use percent_encoding::utf8_percent_encode;
        let mut all = Str::new();
        for c in (0..=0x7f_u8)
            .map(char::from)
            .chain(['é', '原', '\u{10348}', '\u{7f}', '\u{80}'])
        {
            all.push(c);
            let one = c.to_string();
            assert_eq!(
                uri_encode(&one),
                utf8_percent_encode(&one, OSS_UNRESERVED).to_string()
            );
            assert_eq!(
                path_encode(&one),
                utf8_percent_encode(&one, OSS_PATH).to_string()
            );
        }
        assert_eq!(
            uri_encode(&all),
            utf8_percent_encode(&all, OSS_UNRESERVED).to_string()
        );
        assert_eq!(
            path_encode(&all),
            utf8_percent_encode(&all, OSS_PATH).to_string()
        );
    }

    #[test]
    fn decode_keeps_stray_percent_signs() {
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
        assert_eq!(percent_decode("%zz%41").as_deref(), Some("%zzA"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
