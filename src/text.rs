//! Small text helpers that keep `core::fmt` out of the WebAssembly module (it would be most of
//! its size): decimal and hex numbers, and a safe name for a character.

/// The decimal form of `n`.
///
/// ```
/// assert_eq!(oss_symlink::text::decimal(604800), "604800");
/// assert_eq!(oss_symlink::text::decimal(0), "0");
/// ```
pub fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].iter().map(|&d| char::from(d)).collect()
}

/// Upper-case hex without leading zeros.
pub fn hex_upper(mut n: u32) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = [0u8; 8];
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = DIGITS[(n & 0xF) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out[i..].iter().map(|&d| char::from(d)).collect()
}

/// `U+000A`-style name for a character, safe to put in any message.
///
/// ```
/// assert_eq!(oss_symlink::text::char_name('\n'), "U+000A");
/// assert_eq!(oss_symlink::text::char_name('😀'), "U+1F600");
/// ```
pub fn char_name(c: char) -> String {
    let hex = hex_upper(c as u32);
    let pad = 4usize.saturating_sub(hex.len());
    ["U+", &"0000"[..pad], &hex].concat()
}
