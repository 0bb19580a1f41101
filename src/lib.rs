//! # oss-symlink core
//!
//! Pure building blocks for Alibaba Cloud OSS symbolic links: request canonicalization, V4
//! signing (`OSS4-HMAC-SHA256`, header and presigned-URL forms), input validation and error
//! parsing. No I/O, no clock, no randomness: the time is an input, and the HTTP exchange
//! belongs to the caller (the TypeScript layer, through `fetch`).
//!
//! | module | concern |
//! |---|---|
//! | [`validate`] | naming, header, metadata and tagging rules |
//! | [`encode`] | OSS percent-encoding |
//! | [`canonical`] | the canonical request |
//! | [`signer`] | string to sign, signing key, header and query signatures |
//! | [`request`] | requests, endpoints, addressing and URLs |
//! | [`symlink`], [`object`] | the operations' requests |
//! | [`prepare`] | client settings + operation → signed HTTP request |
//! | [`response`] | error answers and GetSymlink headers |
//! | [`buf`] | growable lists and text over the WebAssembly module's bump arena |
//! | `wasm` | the WebAssembly export (one packed string in, one string out) |
//!
//! In WebAssembly the crate is `no_std`, with a bump arena for memory and a trap for a panic:
//! most of the module's size would otherwise be the standard library's.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod arena;
#[cfg(all(target_arch = "wasm32", feature = "key-cache"))]
mod key_cache;

pub mod buf;
pub mod canonical;
pub mod encode;
pub mod error;
pub mod object;
pub mod prepare;
pub mod request;
pub mod response;
pub mod signer;
pub mod symlink;
pub mod text;
pub mod time;
pub mod validate;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};

// The growable types of the core: the arena's own in WebAssembly (see `buf`), the standard ones
// elsewhere (the API the core uses is what both offer).
#[cfg(target_arch = "wasm32")]
pub use buf::{List, Own, Str};
#[cfg(not(target_arch = "wasm32"))]
pub type List<T> = alloc::vec::Vec<T>;
#[cfg(not(target_arch = "wasm32"))]
pub type Str = alloc::string::String;
#[cfg(not(target_arch = "wasm32"))]
pub type Own<T> = alloc::boxed::Box<T>;

#[cfg(test)]
mod test_util {
    /// `[("a", "b")]` → owned pairs, as requests and answers hold them.
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }
}
