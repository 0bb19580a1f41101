//! SHA-256 and HMAC-SHA256 from the `sha2` and `hmac` crates, behind non-generic functions.
//!
//! Why a crate of its own: Rust compiles a generic function in the crate that instantiates it,
//! at that crate's optimization level. Instantiated in the core (`opt-level = "z"`), the
//! `digest` framework's buffer copies stay out of line, so their length checks (equal lengths
//! by construction) cannot fold, and each keeps `core::fmt`'s panic formatting in the module.
//! Instantiated here, in a crate the size build compiles at `opt-level = "s"` (Cargo.toml of the
//! core), every one of them folds away (README "Results", the wasm size table).

#![no_std]

use hmac::Mac;
use sha2::{Digest, Sha256};

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// An HMAC-SHA256 state: keyed once, cloned to reuse a key, fed, finished.
#[derive(Clone)]
pub struct HmacSha256(hmac::Hmac<Sha256>);

impl HmacSha256 {
    /// The state keyed with `key`. HMAC takes a key of any length, so the crate's length error
    /// cannot happen (and is optimized out).
    pub fn new(key: &[u8]) -> Self {
        match hmac::Hmac::new_from_slice(key) {
            Ok(mac) => Self(mac),
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        }
    }

    /// Feeds `data` to the MAC.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The MAC of everything fed.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231, test case 2 (key shorter than a block), and a key longer than a block (case 6).
    #[test]
    fn rfc4231() {
        let mut mac = HmacSha256::new(b"Jefe");
        mac.update(b"what do ya want ");
        mac.clone().update(b"ignored: a clone is a separate state");
        mac.update(b"for nothing?");
        assert_eq!(
            mac.finalize(),
            hex32("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        let mut long = HmacSha256::new(&[0xaa; 131]);
        long.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            long.finalize(),
            hex32("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256(b"abc"),
            hex32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }
}
