//! From an operation's request to the exact HTTP request to send: client settings applied,
//! signed, and addressed.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Result;
use crate::request::{url, Addressing, Endpoint, Request};
use crate::signer::{presign, sign_headers, Credentials, Signature, SigningParams};
use crate::validate;

/// Settings shared by every request of a client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub region: String,
    /// `oss`, or `oss-cloudbox`.
    pub product: String,
    pub endpoint: Endpoint,
    pub addressing: Addressing,
    pub bucket: String,
    pub credentials: Credentials,
}

/// How to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    /// `Authorization` header.
    Header,
    /// Presigned URL valid for this many seconds.
    Presign { expires_seconds: u32 },
}

/// A request ready for `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Puts `req` in the client's bucket, signs it at `unix_seconds` and builds its URL.
pub fn prepare(
    config: &ClientConfig,
    mut req: Request,
    unix_seconds: i64,
    additional_headers: &[String],
    mode: SignMode,
) -> Result<(HttpRequest, Signature)> {
    validate::bucket_name(&config.bucket)?;
    req.bucket = Some(config.bucket.clone());
    let params = SigningParams {
        credentials: &config.credentials,
        region: &config.region,
        product: &config.product,
        unix_seconds,
        additional_headers,
    };
    let signature = match mode {
        SignMode::Header => sign_headers(&mut req, &params)?,
        SignMode::Presign { expires_seconds } => presign(&mut req, &params, expires_seconds)?,
    };
    let http = HttpRequest {
        url: url(&config.endpoint, config.addressing, &req),
        method: req.method,
        headers: req.headers,
    };
    Ok((http, signature))
}
