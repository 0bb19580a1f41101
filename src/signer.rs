//! OSS V4 signing (`OSS4-HMAC-SHA256`), header and presigned-URL forms, as pure functions.
//!
//! The flow, top to bottom:
//! 1. the canonical request ([`crate::canonical`]),
//! 2. the string to sign: algorithm, `x-oss-date`, scope, hex SHA-256 of the canonical request,
//! 3. the signing key: an HMAC-SHA256 chain from `"aliyun_v4" + secret` over the day, region,
//!    product and `"aliyun_v4_request"` (memoized: it only changes once a day),
//! 4. the signature: hex HMAC-SHA256 of the string to sign under that key.
//!
//! ```
//! use oss_symlink::signer::{sign_headers, Credentials, SigningParams};
//! use oss_symlink::request::Request;
//!
//! let mut req = Request::new("PUT", Some("examplebucket"), Some("link.jpg"));
//! req.query.push(("symlink".into(), String::new()));
//! req.headers.push(("x-oss-symlink-target".into(), "a%20b.jpg".into()));
//! let creds = Credentials { access_key_id: "ak", access_key_secret: "sk", security_token: None };
//! let params = SigningParams { credentials: &creds, region: "cn-hangzhou", product: "oss", unix_seconds: 1702743657, additional_headers: &[] };
//! let signed = sign_headers(&mut req, &params).unwrap();
//! assert_eq!(signed.signature.len(), 64);
//! assert!(req.header("authorization").unwrap().starts_with("OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature="));
//! ```

use crate::List;
use crate::Str;

use oss_symlink_primitives::{sha256, HmacSha256};

use crate::canonical::{
    additional_header_names, canonical_headers, canonical_query, canonical_request, canonical_uri,
    join_semicolons, UNSIGNED_PAYLOAD,
};
use crate::error::{Error, ErrorCode, Result};
use crate::request::Request;
use crate::text::{cat, decimal};
use crate::time::{oss_dates, MAX_UNIX_SECONDS, MIN_UNIX_SECONDS};
use crate::validate;

pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// HMAC-SHA256, keyed once; cloned to reuse a key (see `signing_mac`).
pub type Hmac = HmacSha256;
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;
/// The rule for a presigned URL's lifetime, as every check of it words it.
pub const EXPIRES_RULE: &str =
    "expires must be a whole number of seconds from 1 to 604800 (7 days)";

/// Access key pair, with the security token of STS credentials. Borrowed from the caller's
/// input, as everything the core reads: no copies, and nothing to free.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub access_key_secret: &'a str,
    pub security_token: Option<&'a str>,
}

// Debug never prints the secret or the token.
impl core::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Everything the signature depends on besides the request itself.
pub struct SigningParams<'a> {
    pub credentials: &'a Credentials<'a>,
    pub region: &'a str,
    /// `oss`, or `oss-cloudbox` for CloudBox.
    pub product: &'a str,
    /// The signing time; the core never reads a clock.
    pub unix_seconds: i64,
    /// Extra header names to sign besides `x-oss-*`, `content-type` and `content-md5`.
    pub additional_headers: &'a [&'a str],
}

/// The intermediate texts and the result, for debugging signature mismatches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub canonical_request: Str,
    pub string_to_sign: Str,
    pub signature: Str,
    /// The sorted additional header names that were signed.
    pub additional_headers: List<Str>,
}

/// Signs in the header form: adds `x-oss-date`, `x-oss-content-sha256`,
/// `x-oss-security-token` (STS) and `authorization` to `req.headers`.
pub fn sign_headers(req: &mut Request, params: &SigningParams) -> Result<Signature> {
    sign_in(req, params, None)
}

/// Signs in the presigned-URL (query) form: appends `x-oss-signature-version`, `x-oss-date`,
/// `x-oss-expires`, `x-oss-credential`, `x-oss-security-token` (STS),
/// `x-oss-additional-headers` and finally the unsigned `x-oss-signature` to `req.query`.
/// The `x-oss-*` headers of `req` are signed too: whoever uses the URL must send them unchanged.
pub fn presign(
    req: &mut Request,
    params: &SigningParams,
    expires_seconds: u32,
) -> Result<Signature> {
    sign_in(req, params, Some(expires_seconds))
}

/// Both forms: the header form without `presign_for`, the query form with it.
pub fn sign_in(
    req: &mut Request,
    params: &SigningParams,
    presign_for: Option<u32>,
) -> Result<Signature> {
    if presign_for.is_some_and(|e| !(1..=MAX_PRESIGN_EXPIRES).contains(&e)) {
        return Err(Error::new(
            ErrorCode::InvalidExpires,
            "expires",
            EXPIRES_RULE,
        ));
    }
    check_params(params)?;
    let (day, stamp) = oss_dates(params.unix_seconds);
    let scope = scope(&day, params.region, params.product);
    let credential = cat(&[params.credentials.access_key_id, "/", &scope]);
    let token = params.credentials.security_token;
    let Some(expires) = presign_for else {
        req.set_header("x-oss-date", stamp.clone());
        req.set_header("x-oss-content-sha256", Str::from(UNSIGNED_PAYLOAD));
        if let Some(token) = token {
            req.set_header("x-oss-security-token", token.into());
        }
        let signed = sign(req, params, &day, &stamp, &scope);
        let mut auth = cat(&[ALGORITHM, " Credential=", &credential]);
        if !signed.additional_headers.is_empty() {
            auth.push_str(",AdditionalHeaders=");
            auth.push_str(&join_semicolons(&signed.additional_headers));
        }
        auth.push_str(",Signature=");
        auth.push_str(&signed.signature);
        req.set_header("authorization", auth);
        return Ok(signed);
    };
    let additional = additional_header_names(&req.headers, params.additional_headers);
    let q = &mut req.query;
    q.push(("x-oss-signature-version".into(), ALGORITHM.into()));
    q.push(("x-oss-date".into(), stamp.clone()));
    q.push(("x-oss-expires".into(), decimal(u64::from(expires))));
    q.push(("x-oss-credential".into(), credential));
    if let Some(token) = token {
        q.push(("x-oss-security-token".into(), token.into()));
    }
    if !additional.is_empty() {
        q.push((
            "x-oss-additional-headers".into(),
            join_semicolons(&additional),
        ));
    }
    let signed = sign(req, params, &day, &stamp, &scope);
    req.query
        .push(("x-oss-signature".into(), signed.signature.clone()));
    Ok(signed)
}

fn check_params(params: &SigningParams) -> Result<()> {
    let creds = params.credentials;
    validate::credential(creds.access_key_id, "accessKeyId")?;
    validate::credential(creds.access_key_secret, "accessKeySecret")?;
    if let Some(token) = creds.security_token {
        validate::credential(token, "securityToken")?;
    }
    validate::region(params.region)?;
    validate::product(params.product)?;
    if !(MIN_UNIX_SECONDS..=MAX_UNIX_SECONDS).contains(&params.unix_seconds) {
        return Err(Error::new(
            ErrorCode::InvalidDate,
            "date",
            "the signing time must be within years 0 to 9999",
        ));
    }
    Ok(())
}

fn scope(day: &str, region: &str, product: &str) -> Str {
    cat(&[day, "/", region, "/", product, "/aliyun_v4_request"])
}

fn sign(req: &Request, params: &SigningParams, day: &str, stamp: &str, scope: &str) -> Signature {
    let additional = additional_header_names(&req.headers, params.additional_headers);
    let canonical = canonical_request(
        req.method,
        &canonical_uri(req.bucket, req.key),
        &canonical_query(&req.query),
        &canonical_headers(&req.headers, &additional),
        &additional,
    );
    let digest = hex(&sha256(canonical.as_bytes()));
    let string_to_sign = cat(&[ALGORITHM, "\n", stamp, "\n", scope, "\n", &digest]);
    let mut mac = signing_mac(
        params.credentials.access_key_secret,
        day,
        params.region,
        params.product,
    );
    mac.update(string_to_sign.as_bytes());
    let signature = hex(&mac.finalize());
    Signature {
        canonical_request: canonical,
        string_to_sign,
        signature,
        additional_headers: additional,
    }
}

/// Derives the V4 signing key for a secret, day (`YYYYMMDD`), region and product.
///
/// ```
/// let key = oss_symlink::signer::signing_key("sk", "20231216", "cn-hangzhou", "oss");
/// assert_eq!(key.len(), 32);
/// ```
pub fn signing_key(secret: &str, day: &str, region: &str, product: &str) -> [u8; 32] {
    let mut key = List::new();
    key.extend_from_slice(b"aliyun_v4");
    key.extend_from_slice(secret.as_bytes());
    let mut out = hmac(&key, day.as_bytes());
    for part in &[region, product, "aliyun_v4_request"] {
        out = hmac(&out, part.as_bytes());
    }
    out
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::new(key);
    mac.update(data);
    mac.finalize()
}

/// The keyed HMAC state of the signing key. In the Node.js build of the module (feature
/// `key-cache`) the last few are kept: the key changes once a day per secret, region and
/// product, so a signature then costs one SHA-256 and one HMAC instead of five HMACs.
fn signing_mac(secret: &str, day: &str, region: &str, product: &str) -> Hmac {
    #[cfg(all(target_arch = "wasm32", feature = "key-cache"))]
    {
        crate::key_cache::signing_mac(secret, day, region, product)
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "key-cache")))]
    {
        Hmac::new(&signing_key(secret, day, region, product))
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> Str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Str::new();
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    out
}
