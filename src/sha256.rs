//! SHA-256 and HMAC-SHA256, compact: one round loop, fixed-size state, no generic digest
//! machinery. Checked against FIPS 180-4 examples and RFC 4231 below, and through every signature
//! test (shared vectors, the Python SDK).

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const INIT: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A running SHA-256.
#[derive(Clone, Copy)]
pub struct Sha256 {
    state: [u32; 8],
    block: [u8; 64],
    /// Bytes absorbed so far; `total % 64` of them wait in `block`.
    total: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256 {
            state: INIT,
            block: [0; 64],
            total: 0,
        }
    }
}

impl Sha256 {
    pub fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.block[(self.total % 64) as usize] = b;
            self.total += 1;
            if self.total % 64 == 0 {
                compress(&mut self.state, &self.block);
            }
        }
    }

    pub fn finish(mut self) -> [u8; 32] {
        // Padding: 0x80, zeros, then the length in bits in the last 8 bytes of a block.
        let bits = self.total.wrapping_mul(8);
        let used = (self.total % 64) as usize;
        self.block[used & 63] = 0x80;
        self.block.iter_mut().skip(used + 1).for_each(|b| *b = 0);
        if used >= 56 {
            compress(&mut self.state, &self.block);
            self.block = [0; 64];
        }
        for (b, v) in self.block.iter_mut().skip(56).zip(bits.to_be_bytes()) {
            *b = v;
        }
        compress(&mut self.state, &self.block);
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = (self.state[(i >> 2) & 7] >> (24 - 8 * (i & 3))) as u8;
        }
        out
    }
}

/// One block. The message schedule is a rolling window of 16 words, indexed modulo 16 so that
/// no index can be out of bounds (no panic path, no formatting code in the module).
fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    let mut w = [0u32; 16];
    for (i, b) in block.iter().enumerate() {
        let word = &mut w[(i >> 2) & 15];
        *word = *word << 8 | u32::from(*b);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (i, k) in K.iter().enumerate() {
        let w = if i < 16 {
            w[i & 15]
        } else {
            // w[i-15], w[i-2], w[i-7] and w[i-16] of the full schedule.
            let (w15, w2, w7) = (w[(i + 1) & 15], w[(i + 14) & 15], w[(i + 9) & 15]);
            let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
            let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
            let next = w[i & 15].wrapping_add(s0).wrapping_add(w7).wrapping_add(s1);
            w[i & 15] = next;
            next
        };
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(w);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::default();
    h.update(data);
    h.finish()
}

/// HMAC-SHA256 keyed once; `Copy`, so a keyed state can be kept and reused.
#[derive(Clone, Copy)]
pub struct Hmac {
    inner: Sha256,
    outer: Sha256,
}

impl Hmac {
    pub fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; 64];
        let hashed;
        let key = if key.len() > 64 {
            hashed = sha256(key);
            &hashed[..]
        } else {
            key
        };
        for (p, k) in padded.iter_mut().zip(key) {
            *p = *k;
        }
        let (mut inner, mut outer) = (Sha256::default(), Sha256::default());
        inner.update(&padded.map(|b| b ^ 0x36));
        outer.update(&padded.map(|b| b ^ 0x5c));
        Hmac { inner, outer }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    pub fn finish(self) -> [u8; 32] {
        let mut outer = self.outer;
        outer.update(&self.inner.finish());
        outer.finish()
    }
}

/// HMAC-SHA256 of `data` under `key`.
pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::new(key);
    mac.update(data);
    mac.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::hex;

    #[test]
    fn known_digests() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1_000_000])),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
        // RFC 4231 cases 2 and 6 (a key longer than a block).
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
