//! From an operation's request to the exact HTTP request to send: client settings applied,
//! signed, and addressed.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Result;
use crate::request::{host, url, Addressing, Endpoint, Request};
use crate::signer::{sign_in, Credentials, Signature, SigningParams};
use crate::validate;

/// Settings shared by every request of a client.
#[derive(Debug, Clone)]
pub struct ClientConfig<'a> {
    pub region: &'a str,
    /// `oss`, or `oss-cloudbox`.
    pub product: &'a str,
    pub endpoint: Endpoint,
    pub addressing: Addressing,
    /// `None` for a request to the service rather than to a bucket (`signRequest` only).
    pub bucket: Option<&'a str>,
    pub credentials: Credentials<'a>,
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
    /// The query parameters the URL carries (signing ones included, for the query form).
    pub query: Vec<(String, String)>,
}

/// Checks a client's settings (what `new OssClient()` is given) and resolves its endpoint and
/// addressing: an empty `endpoint` means the region's OSS endpoint, an empty `addressing` the
/// endpoint's default style.
pub fn client_endpoint(
    region: &str,
    bucket: &str,
    endpoint: &str,
    addressing: &str,
    product: &str,
) -> Result<(Endpoint, Addressing)> {
    validate::region(region)?;
    validate::bucket_name(bucket)?;
    validate::product(product)?;
    resolve_endpoint(region, endpoint, addressing)
}

/// The endpoint (`""`: the region's OSS endpoint) and addressing (`""`: the endpoint's default).
pub fn resolve_endpoint(
    region: &str,
    endpoint: &str,
    addressing: &str,
) -> Result<(Endpoint, Addressing)> {
    let endpoint = match endpoint {
        "" => Endpoint::for_region(region)?,
        e => Endpoint::parse(e)?,
    };
    let addressing = match addressing {
        "" => endpoint.default_addressing(),
        a => Addressing::parse(a)?,
    };
    Ok((endpoint, addressing))
}

/// Puts `req` in the client's bucket, signs it at `unix_seconds` and builds its URL.
pub fn prepare<'a>(
    config: &ClientConfig<'a>,
    mut req: Request<'a>,
    unix_seconds: i64,
    additional_headers: &[&str],
    mode: SignMode,
) -> Result<(HttpRequest, Signature)> {
    if let Some(bucket) = config.bucket {
        validate::bucket_name(bucket)?;
    }
    req.bucket = config.bucket;
    let params = SigningParams {
        credentials: &config.credentials,
        region: config.region,
        product: config.product,
        unix_seconds,
        additional_headers,
    };
    let host = host(&config.endpoint, config.addressing, req.bucket);
    let signature = sign(&mut req, &params, mode, &host)?;
    let http = HttpRequest {
        url: url(&config.endpoint, config.addressing, &req),
        method: req.method.into(),
        headers: req.headers,
        query: req.query,
    };
    Ok((http, signature))
}

/// Signs `req` in either form. OSS lets `host` be an additional header: when
/// `params.additional_headers` names it, `host` (the Host the URL implies) is signed. It is not
/// left among the headers to send: every HTTP stack sets Host from the URL, and `fetch` refuses
/// to set it at all.
pub fn sign(
    req: &mut Request,
    params: &SigningParams,
    mode: SignMode,
    host: &str,
) -> Result<Signature> {
    let signs_host = params
        .additional_headers
        .iter()
        .any(|name| name.eq_ignore_ascii_case("host"));
    // Where `host` goes: the signer only appends after it (callers cannot give `host`).
    let at = req.headers.len();
    if signs_host {
        req.headers.push(("host".into(), host.into()));
    }
    let presign_for = match mode {
        SignMode::Header => None,
        SignMode::Presign { expires_seconds } => Some(expires_seconds),
    };
    let signed = sign_in(req, params, presign_for);
    if signs_host {
        // Moved to the end, keeping the others' order, and dropped (without `remove` or
        // `retain`: a panic site and a generic instantiation less in the module).
        let mut i = at;
        while let Some([a, b]) = req.headers.get_mut(i..i + 2) {
            core::mem::swap(a, b);
            i += 1;
        }
        req.headers.pop();
    }
    signed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_is_signed_when_named_and_never_sent() {
        let credentials = Credentials {
            access_key_id: "ak",
            access_key_secret: "sk",
            security_token: None,
        };
        let config = ClientConfig {
            region: "cn-hangzhou",
            product: "oss",
            endpoint: Endpoint::parse("http://127.0.0.1:9000").unwrap(),
            addressing: Addressing::Path,
            bucket: Some("bkt"),
            credentials,
        };
        let req = || Request::new("GET", None, Some("k"));
        let named = ["Host"];
        let (http, signed) =
            prepare(&config, req(), 1_700_000_000, &named, SignMode::Header).expect("signed");
        assert!(signed.canonical_request.contains("\nhost:127.0.0.1:9000\n"));
        assert_eq!(signed.additional_headers, ["host"]);
        assert!(http.headers.iter().all(|(n, _)| n != "host"));
        let auth = &http
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .unwrap()
            .1;
        assert!(auth.contains(",AdditionalHeaders=host,"), "{auth}");
        let (_, unsigned) = prepare(&config, req(), 1_700_000_000, &[], SignMode::Header).unwrap();
        assert!(!unsigned.canonical_request.contains("host:"));
    }
}
