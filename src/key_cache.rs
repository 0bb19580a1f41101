//! The last few signing keys, already keyed into an HMAC state (WebAssembly only, where the
//! module is single-threaded). Fixed-size and outside the heap, because the heap is an arena
//! that every call starts afresh (see `arena`).

use core::cell::UnsafeCell;

use crate::signer::{signing_key, Hmac};

const ENTRIES: usize = 4;
/// Longest `secret \0 day \0 region \0 product` kept; longer ones are derived every time.
const MAX_ID: usize = 240;

struct Entry {
    id: [u8; MAX_ID],
    len: usize,
    mac: Hmac,
}

struct Cache {
    entries: [Option<Entry>; ENTRIES],
    next: usize,
}

struct Shared(UnsafeCell<Cache>);
// SAFETY: wasm32 without threads: one caller at a time, and no reentrancy below.
unsafe impl Sync for Shared {}

static CACHE: Shared = Shared(UnsafeCell::new(Cache {
    entries: [const { None }; ENTRIES],
    next: 0,
}));

pub fn signing_mac(secret: &str, day: &str, region: &str, product: &str) -> Hmac {
    let parts = [secret, day, region, product];
    let len = parts.iter().map(|p| p.len() + 1).sum::<usize>();
    if len > MAX_ID {
        return Hmac::new(&signing_key(secret, day, region, product));
    }
    // Credentials are printable ASCII, so NUL separators keep the parts apart.
    let mut id = [0u8; MAX_ID];
    let mut at = 0;
    for part in parts {
        for b in part.bytes() {
            if let Some(slot) = id.get_mut(at) {
                *slot = b;
            }
            at += 1;
        }
        at += 1;
    }
    // SAFETY: see `Shared`; the reference does not outlive this call.
    let cache = unsafe { &mut *CACHE.0.get() };
    for entry in cache.entries.iter().flatten() {
        if entry.len == len && entry.id == id {
            return entry.mac.clone();
        }
    }
    let mac = Hmac::new(&signing_key(secret, day, region, product));
    if let Some(slot) = cache.entries.get_mut(cache.next % ENTRIES) {
        *slot = Some(Entry {
            id,
            len,
            mac: mac.clone(),
        });
    }
    cache.next = cache.next.wrapping_add(1);
    mac
}
