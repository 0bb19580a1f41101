//! Small text helpers written so that no formatting machinery (`core::fmt`) and no panic path
//! ends up in the WebAssembly module: decimal numbers, concatenation, safe character names and
//! UTF-16 lengths.

use crate::Str;

/// The decimal form of `n`.
///
/// ```
/// assert_eq!(oss_symlink::text::decimal(604800), "604800");
/// assert_eq!(oss_symlink::text::decimal(0), "0");
/// ```
pub fn decimal(n: u64) -> Str {
    let mut out = Str::new();
    push_decimal(&mut out, n);
    out
}

/// Appends the decimal form of `n` (most significant digit first, by recursion: no buffer to
/// index).
pub fn push_decimal(out: &mut Str, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `parts` joined, without `[&str]::concat` (whose generic code is large in WebAssembly).
pub fn cat(parts: &[&str]) -> Str {
    let mut out = Str::new();
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `s` with its ASCII letters in lower case (`upper`: upper case).
pub fn ascii_case(s: &str, upper: bool) -> Str {
    let mut out = Str::from(s);
    if upper {
        out.make_ascii_uppercase();
    } else {
        out.make_ascii_lowercase();
    }
    out
}

/// `U+000A`-style name for a character, safe to put in any message.
///
/// ```
/// assert_eq!(oss_symlink::text::char_name('\n'), "U+000A");
/// assert_eq!(oss_symlink::text::char_name('😀'), "U+1F600");
/// ```
pub fn char_name(c: char) -> Str {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let n = c as u32;
    let mut out = Str::from("U+");
    let mut shift = 20;
    loop {
        let digit = (n >> shift) & 0xF;
        if shift < 16 || n >> shift != 0 {
            out.push(char::from(DIGITS[digit as usize]));
        }
        if shift == 0 {
            return out;
        }
        shift -= 4;
    }
}

/// The character that starts `bytes` and its length in bytes; `None` when `bytes` does not start
/// with a well-formed UTF-8 sequence (overlong forms, surrogates and values past U+10FFFF are
/// not). One small decoder serves every character walk and check in the core: `Chars` and
/// `String::from_utf8` each brought their own (larger) copy into the WebAssembly module.
pub fn next_char(bytes: &[u8]) -> Option<(char, usize)> {
    let lead = *bytes.first()?;
    let (len, min, bits) = match lead {
        0x00..=0x7f => return Some((char::from(lead), 1)),
        0xc2..=0xdf => (2, 0x80, lead & 0x1f),
        0xe0..=0xef => (3, 0x800, lead & 0x0f),
        0xf0..=0xf4 => (4, 0x1_0000, lead & 0x07),
        _ => return None,
    };
    let mut code = u32::from(bits);
    for i in 1..len {
        let b = *bytes.get(i)?;
        if b & 0xc0 != 0x80 {
            return None;
        }
        code = code << 6 | u32::from(b & 0x3f);
    }
    // `from_u32` refuses surrogates and values past U+10FFFF.
    char::from_u32(code)
        .filter(|_| code >= min)
        .map(|c| (c, len))
}

/// The first character of `s` for which `pred` holds.
pub fn find_char(s: &str, pred: fn(char) -> bool) -> Option<char> {
    let mut rest = s.as_bytes();
    while let Some((c, len)) = next_char(rest) {
        if pred(c) {
            return Some(c);
        }
        rest = rest.get(len..).unwrap_or_default();
    }
    None
}

/// `bytes` as text when they are well-formed UTF-8.
pub fn utf8_string(bytes: &[u8]) -> Option<Str> {
    let mut out = Str::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (c, len) = next_char(rest)?;
        out.push(c);
        rest = rest.get(len..).unwrap_or_default();
    }
    Some(out)
}

/// How many UTF-16 code units JavaScript counts in `s`: one per UTF-8 sequence, two for the
/// four-byte ones (surrogate pairs).
pub fn utf16_len(s: &str) -> usize {
    char_count(s) + count(s.as_bytes(), |b| b >= 0xf0)
}

/// How many bytes `pred` holds for.
pub fn count(bytes: &[u8], pred: fn(u8) -> bool) -> usize {
    let mut n = 0;
    for &b in bytes {
        n += usize::from(pred(b));
    }
    n
}

/// Index of the first byte for which `pred` holds. Byte scans go through these three functions
/// with plain function pointers: iterator adapters are compiled once per closure, and that added
/// up to a good part of the WebAssembly module.
pub fn position(bytes: &[u8], pred: fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if pred(b) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Index of the last byte for which `pred` holds.
pub fn rposition(bytes: &[u8], pred: fn(u8) -> bool) -> Option<usize> {
    let mut i = bytes.len();
    while i > 0 {
        i -= 1;
        if bytes.get(i).is_some_and(|&b| pred(b)) {
            return Some(i);
        }
    }
    None
}

/// Whether `pred` holds for every byte.
pub fn all(bytes: &[u8], pred: fn(u8) -> bool) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if !pred(b) {
            return false;
        }
        i += 1;
    }
    true
}

/// How many characters (Unicode scalar values) `s` holds: its bytes that start a sequence.
pub fn char_count(s: &str) -> usize {
    count(s.as_bytes(), |b| b & 0xc0 != 0x80)
}

/// `s` without the leading and trailing bytes for which `blank` holds (ASCII bytes only, so the
/// cut is always on a character boundary).
pub fn trim_bytes(s: &str, blank: fn(u8) -> bool) -> &str {
    let (start, end) = trimmed(s.as_bytes(), blank);
    s.get(start..end).unwrap_or_default()
}

/// The range of `bytes` left without the leading and trailing bytes for which `blank` holds.
pub fn trimmed(bytes: &[u8], blank: fn(u8) -> bool) -> (usize, usize) {
    let (mut start, mut end) = (0, bytes.len());
    while bytes.get(start).is_some_and(|&b| blank(b)) {
        start += 1;
    }
    while end > start && bytes.get(end - 1).is_some_and(|&b| blank(b)) {
        end -= 1;
    }
    (start, end)
}

/// Offset of the first `needle` in `haystack` (a plain scan: `str::find` with a string pattern
/// brings a large searcher into the module).
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < haystack.len() {
        if haystack.get(i..i + needle.len()) == Some(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `s` after `prefix`, when it starts with it (compared as bytes: `str` patterns bring their own
/// code into the module).
pub fn after_prefix<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.as_bytes().starts_with(prefix.as_bytes()) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Whether `word` is one of the space-separated words of `list`. Word lists are kept as one
/// string: a `[&str]` table costs a pointer and a length per word in the module's data.
pub fn listed(list: &str, word: &str) -> bool {
    !all_parts(list, b' ', |w| w != word)
}

/// Whether `f` holds for every part of `s` between `separator` bytes.
pub fn all_parts<'a>(s: &'a str, separator: u8, mut f: impl FnMut(&'a str) -> bool) -> bool {
    let bytes = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    loop {
        let at_end = i >= bytes.len();
        if at_end || bytes.get(i) == Some(&separator) {
            if !f(s.get(start..i).unwrap_or_default()) {
                return false;
            }
            if at_end {
                return true;
            }
            start = i + 1;
        }
        i += 1;
    }
}

/// Whole decimal number of at most `max`, digits only (no sign, no spaces).
pub fn parse_decimal(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    (n <= max).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists() {
        assert!(listed("te trailer upgrade", "te"));
        assert!(listed("te trailer upgrade", "upgrade"));
        for absent in ["t", "trailers", "", "te trailer", "UPGRADE"] {
            assert!(!listed("te trailer upgrade", absent), "{absent}");
        }
        assert!(!listed("", "te"));
    }

    #[test]
    fn numbers_and_lengths() {
        assert_eq!(decimal(u64::MAX), "18446744073709551615");
        assert_eq!(parse_decimal("65535", 65535), Some(65535));
        assert_eq!(parse_decimal("65536", 65535), None);
        assert_eq!(parse_decimal("99999999999", u32::MAX), None);
        assert_eq!(parse_decimal("+1", 9), None);
        assert_eq!(utf16_len("a中😀"), 4);
        assert_eq!(char_name('\u{85}'), "U+0085");
        assert_eq!(char_name('\u{10FFFF}'), "U+10FFFF");
    }

    #[test]
    fn utf8_agrees_with_core() {
        // Every 1- to 3-byte sequence over the bytes that matter, and a sample of 4-byte ones.
        let interesting: Vec<u8> = (0..=0xffu8)
            .filter(|b| *b < 0x03 || (0x7d..=0xc3).contains(b) || *b >= 0xdf)
            .collect();
        let check = |bytes: &[u8]| {
            let core = core::str::from_utf8(bytes).ok().map(String::from);
            assert_eq!(utf8_string(bytes), core, "{bytes:x?}");
        };
        for &a in &interesting {
            check(&[a]);
            for &b in &interesting {
                check(&[a, b]);
                for &c in &interesting {
                    check(&[a, b, c]);
                }
            }
        }
        for bytes in [
            &[0xf0, 0x9f, 0x98, 0x80][..],
            &[0xf4, 0x8f, 0xbf, 0xbf],
            &[0xf4, 0x90, 0x80, 0x80],
            &[0xf0, 0x8f, 0xbf, 0xbf],
            &[0xed, 0xa0, 0x80],
            &[0xef, 0xbf, 0xbf],
            &[0xf0, 0x9f, 0x98],
            &[0xf0, 0x9f, 0x98, 0x41],
        ] {
            check(bytes);
        }
        let text = "a\u{85}中😀\u{7f}";
        assert_eq!(find_char(text, char::is_control), Some('\u{85}'));
        assert_eq!(find_char(text, |c| c == '😀'), Some('😀'));
        assert_eq!(find_char(text, |c| c == 'z'), None);
    }
}
