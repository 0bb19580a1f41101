//! WebAssembly exports. Plain JS objects cross the boundary in both directions
//! (serde-wasm-bindgen); every failure comes back as a thrown `{ code, field, message }` object,
//! never a panic. The TypeScript layer checks types and UTF-16 well-formedness before calling.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::object::object_request;
use crate::prepare::{prepare, ClientConfig, SignMode};
use crate::request::{Addressing, Endpoint, Request};
use crate::response::{parse_error, parse_get_symlink};
use crate::signer::{presign, sign_headers, Credentials, SigningParams};
use crate::symlink::{get_symlink, put_symlink, PutSymlinkOptions};

type Pairs = Vec<(String, String)>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialsInput {
    access_key_id: String,
    access_key_secret: String,
    #[serde(default)]
    security_token: Option<String>,
}

impl From<CredentialsInput> for Credentials {
    fn from(c: CredentialsInput) -> Self {
        Credentials {
            access_key_id: c.access_key_id,
            access_key_secret: c.access_key_secret,
            security_token: c.security_token.filter(|t| !t.is_empty()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientInput {
    region: String,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    addressing: Option<String>,
    bucket: String,
    credentials: CredentialsInput,
}

/// One operation of a client, as `OssClient` sends it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationInput {
    client: ClientInput,
    /// `putSymlink`, `getSymlink`, `putObject`, `getObject`, `headObject`, `deleteObject`.
    op: String,
    key: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    forbid_overwrite: Option<bool>,
    #[serde(default)]
    acl: Option<String>,
    #[serde(default)]
    storage_class: Option<String>,
    #[serde(default)]
    meta: Pairs,
    #[serde(default)]
    tagging: Pairs,
    #[serde(default)]
    headers: Pairs,
    #[serde(default)]
    additional_headers: Vec<String>,
    /// Milliseconds since the Unix epoch (the caller's clock, corrected for skew).
    time: f64,
    /// Presign instead of signing headers, for this many seconds.
    #[serde(default)]
    presign_expires: Option<f64>,
    #[serde(default)]
    debug: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreparedOutput {
    method: String,
    url: String,
    headers: Pairs,
    #[serde(skip_serializing_if = "Option::is_none")]
    canonical_request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    string_to_sign: Option<String>,
}

#[derive(Serialize)]
struct ErrorOutput<'a> {
    code: &'a str,
    field: &'a str,
    message: &'a str,
}

fn to_js_error(e: &Error) -> JsValue {
    let out = ErrorOutput {
        code: e.code.as_str(),
        field: &e.field,
        message: &e.message,
    };
    serde_wasm_bindgen::to_value(&out).unwrap_or_else(|_| JsValue::from_str(e.code.as_str()))
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| {
        to_js_error(&Error::new(
            ErrorCode::InvalidInput,
            "",
            ["invalid input: ", &e.to_string()].concat(),
        ))
    })
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    serde_wasm_bindgen::to_value(value).map_err(|_| {
        to_js_error(&Error::new(
            ErrorCode::InvalidInput,
            "",
            "the result could not be converted",
        ))
    })
}

fn unix_seconds(ms: f64) -> Result<i64, Error> {
    if !ms.is_finite() {
        return Err(Error::new(
            ErrorCode::InvalidDate,
            "date",
            "the signing time is not a valid date",
        ));
    }
    // Saturating float-to-int conversion; the signer checks the range.
    Ok((ms / 1000.0).floor() as i64)
}

fn client_config(c: ClientInput) -> Result<ClientConfig, Error> {
    let endpoint = match &c.endpoint {
        Some(e) if !e.is_empty() => Endpoint::parse(e)?,
        _ => Endpoint::for_region(&c.region)?,
    };
    let addressing = match &c.addressing {
        Some(a) if !a.is_empty() => Addressing::parse(a)?,
        _ => endpoint.default_addressing(),
    };
    Ok(ClientConfig {
        region: c.region,
        product: c
            .product
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "oss".into()),
        endpoint,
        addressing,
        bucket: c.bucket,
        credentials: c.credentials.into(),
    })
}

fn expires(value: Option<f64>) -> Result<Option<u32>, Error> {
    match value {
        None => Ok(None),
        Some(v)
            if v.fract() == 0.0
                && (1.0..=f64::from(crate::signer::MAX_PRESIGN_EXPIRES)).contains(&v) =>
        {
            Ok(Some(v as u32))
        }
        Some(_) => Err(Error::new(
            ErrorCode::InvalidExpires,
            "expires",
            "expires must be a whole number of seconds from 1 to 604800 (7 days)",
        )),
    }
}

fn prepare_operation(input: OperationInput) -> Result<PreparedOutput, Error> {
    let time = unix_seconds(input.time)?;
    let mode = match expires(input.presign_expires)? {
        Some(expires_seconds) => SignMode::Presign { expires_seconds },
        None => SignMode::Header,
    };
    let config = client_config(input.client)?;
    let version = input.version_id.as_deref().filter(|v| !v.is_empty());
    let req = match input.op.as_str() {
        "putSymlink" => put_symlink(
            &input.key,
            &input.target,
            &PutSymlinkOptions {
                forbid_overwrite: input.forbid_overwrite,
                acl: input.acl,
                storage_class: input.storage_class,
                meta: input.meta,
                tagging: input.tagging,
                headers: input.headers,
            },
        )?,
        "getSymlink" => get_symlink(&input.key, version)?,
        "putObject" => object_request("PUT", &input.key, None, &input.headers)?,
        "getObject" => object_request("GET", &input.key, version, &input.headers)?,
        "headObject" => object_request("HEAD", &input.key, version, &input.headers)?,
        "deleteObject" => object_request("DELETE", &input.key, version, &input.headers)?,
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "op",
                "unknown operation",
            ))
        }
    };
    let (http, signature) = prepare(&config, req, time, &input.additional_headers, mode)?;
    let debug = input.debug;
    Ok(PreparedOutput {
        method: http.method,
        url: http.url,
        headers: http.headers,
        canonical_request: debug.then_some(signature.canonical_request),
        string_to_sign: debug.then_some(signature.string_to_sign),
    })
}

/// Builds, validates and signs one operation: `{ method, url, headers: [name, value][] }`.
#[wasm_bindgen(js_name = prepareOperation)]
pub fn prepare_operation_js(input: JsValue) -> Result<JsValue, JsValue> {
    let input: OperationInput = from_js(input)?;
    let out = prepare_operation(input).map_err(|e| to_js_error(&e))?;
    to_js(&out)
}

/// A request to sign as it is, for `signRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInput {
    method: String,
    region: String,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    bucket: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    query: Pairs,
    #[serde(default)]
    headers: Pairs,
    credentials: CredentialsInput,
    time: f64,
    #[serde(default)]
    additional_headers: Vec<String>,
    #[serde(default)]
    presign_expires: Option<f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignOutput {
    headers: Pairs,
    query: Pairs,
    signature: String,
    string_to_sign: String,
    canonical_request: String,
    additional_headers: Vec<String>,
}

fn sign_generic(input: SignInput) -> Result<SignOutput, Error> {
    let time = unix_seconds(input.time)?;
    let method = input.method.to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::new(
            ErrorCode::InvalidMethod,
            "method",
            "method must be an HTTP method name",
        ));
    }
    if let Some(bucket) = input.bucket.as_deref().filter(|b| !b.is_empty()) {
        crate::validate::bucket_name(bucket)?;
    }
    let mut req = Request::new(
        &method,
        input.bucket.as_deref().filter(|b| !b.is_empty()),
        input.key.as_deref().filter(|k| !k.is_empty()),
    );
    req.query = input.query;
    for (name, value) in &input.headers {
        req.add_caller_header(name, value, &[])?;
    }
    let credentials: Credentials = input.credentials.into();
    let product = input
        .product
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "oss".into());
    let params = SigningParams {
        credentials: &credentials,
        region: &input.region,
        product: &product,
        unix_seconds: time,
        additional_headers: &input.additional_headers,
    };
    let signature = match expires(input.presign_expires)? {
        Some(e) => presign(&mut req, &params, e)?,
        None => sign_headers(&mut req, &params)?,
    };
    Ok(SignOutput {
        headers: req.headers,
        query: req.query,
        signature: signature.signature,
        string_to_sign: signature.string_to_sign,
        canonical_request: signature.canonical_request,
        additional_headers: signature.additional_headers,
    })
}

/// Signs an arbitrary OSS request (header form, or query form with `presignExpires`).
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request_js(input: JsValue) -> Result<JsValue, JsValue> {
    let input: SignInput = from_js(input)?;
    let out = sign_generic(input).map_err(|e| to_js_error(&e))?;
    to_js(&out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceErrorOutput {
    code: String,
    message: String,
    request_id: String,
    host_id: String,
    ec: String,
    recommend_doc: String,
    server_time: String,
    request_time: String,
}

/// Reads an OSS error answer (XML body, or `x-oss-err` for HEAD).
#[wasm_bindgen(js_name = parseErrorResponse)]
pub fn parse_error_response_js(
    status: u16,
    headers: JsValue,
    body: &str,
) -> Result<JsValue, JsValue> {
    let headers: Pairs = from_js(headers)?;
    let e = parse_error(status, &headers, body);
    to_js(&ServiceErrorOutput {
        code: e.code,
        message: e.message,
        request_id: e.request_id,
        host_id: e.host_id,
        ec: e.ec,
        recommend_doc: e.recommend_doc,
        server_time: e.server_time,
        request_time: e.request_time,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SymlinkOutput {
    target: String,
    etag: String,
    last_modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
    meta: Pairs,
    request_id: String,
}

/// Reads the headers of a GetSymlink answer; the target comes back decoded.
#[wasm_bindgen(js_name = parseGetSymlinkResponse)]
pub fn parse_get_symlink_response_js(headers: JsValue) -> Result<JsValue, JsValue> {
    let headers: Pairs = from_js(headers)?;
    let info = parse_get_symlink(&headers).map_err(|e| to_js_error(&e))?;
    to_js(&SymlinkOutput {
        target: info.target,
        etag: info.etag,
        last_modified: info.last_modified,
        version_id: info.version_id,
        meta: info.meta,
        request_id: info.request_id,
    })
}
