//! Small text helpers written so that no formatting machinery (`core::fmt`) and no panic path
//! ends up in the WebAssembly module: decimal numbers, concatenation, safe character names and
//! UTF-16 lengths.

use alloc::string::String;

/// The decimal form of `n`.
///
/// ```
/// assert_eq!(oss_symlink::text::decimal(604800), "604800");
/// assert_eq!(oss_symlink::text::decimal(0), "0");
/// ```
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_decimal(&mut out, n);
    out
}

/// Appends the decimal form of `n` (most significant digit first, by recursion: no buffer to
/// index).
pub fn push_decimal(out: &mut String, n: u64) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `parts` joined, without `[&str]::concat` (whose generic code is large in WebAssembly).
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `U+000A`-style name for a character, safe to put in any message.
///
/// ```
/// assert_eq!(oss_symlink::text::char_name('\n'), "U+000A");
/// assert_eq!(oss_symlink::text::char_name('😀'), "U+1F600");
/// ```
pub fn char_name(c: char) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let n = c as u32;
    let mut out = String::from("U+");
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

/// How many UTF-16 code units JavaScript counts in `s`: one per UTF-8 sequence, two for the
/// four-byte ones (surrogate pairs).
pub fn utf16_len(s: &str) -> usize {
    s.bytes()
        .map(|b| match b {
            0x80..=0xbf => 0,
            0xf0..=0xff => 2,
            _ => 1,
        })
        .sum()
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
    s.bytes().filter(|b| b & 0xc0 != 0x80).count()
}

/// `s` without the leading and trailing bytes for which `blank` holds (ASCII bytes only, so the
/// cut is always on a character boundary).
pub fn trim_bytes(s: &str, blank: fn(u8) -> bool) -> &str {
    let bytes = s.as_bytes();
    let (mut start, mut end) = (0, bytes.len());
    while bytes.get(start).is_some_and(|&b| blank(b)) {
        start += 1;
    }
    while end > start && bytes.get(end - 1).is_some_and(|&b| blank(b)) {
        end -= 1;
    }
    s.get(start..end).unwrap_or_default()
}

/// Whether `f` holds for every part of `s` between `separator` bytes.
pub fn all_parts(s: &str, separator: u8, mut f: impl FnMut(&str) -> bool) -> bool {
    let mut rest = s;
    loop {
        let end = rest.bytes().position(|b| b == separator);
        if !f(rest.get(..end.unwrap_or(rest.len())).unwrap_or_default()) {
            return false;
        }
        match end {
            Some(i) => rest = rest.get(i + 1..).unwrap_or_default(),
            None => return true,
        }
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
}
