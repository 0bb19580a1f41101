//! WebAssembly exports. Plain JS objects cross the boundary in both directions, read and built
//! with `js-sys` (serde would triple the module's size); every failure comes back as a thrown
//! `{ code, field, message }` object, never a panic. The TypeScript layer checks types and UTF-16
//! well-formedness before calling, and this layer checks them again.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::object::object_request;
use crate::prepare::{prepare, ClientConfig, SignMode};
use crate::request::{Addressing, Endpoint, Request};
use crate::response::{parse_error, parse_get_symlink};
use crate::signer::{presign, sign_headers, Credentials, SigningParams, MAX_PRESIGN_EXPIRES};
use crate::symlink::{get_symlink, put_symlink, PutSymlinkOptions};

type Pairs = Vec<(String, String)>;
type JsResult<T> = Result<T, JsValue>;

// ---- reading plain objects ----------------------------------------------------------------

fn field(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn type_error(name: &str, expected: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        name,
        [name, " must be ", expected].concat(),
    )
}

/// A field that may be absent (`undefined` or `null`), else must convert with `convert`.
fn optional<T>(
    obj: &JsValue,
    name: &str,
    convert: fn(&JsValue) -> Option<T>,
    expected: &str,
) -> Result<Option<T>, Error> {
    let v = field(obj, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    convert(&v)
        .map(Some)
        .ok_or_else(|| type_error(name, expected))
}

fn opt_string(obj: &JsValue, name: &str) -> Result<Option<String>, Error> {
    optional(obj, name, JsValue::as_string, "a string")
}

fn string(obj: &JsValue, name: &str) -> Result<String, Error> {
    opt_string(obj, name)?.ok_or_else(|| type_error(name, "a string"))
}

fn opt_f64(obj: &JsValue, name: &str) -> Result<Option<f64>, Error> {
    optional(obj, name, JsValue::as_f64, "a number")
}

fn opt_bool(obj: &JsValue, name: &str) -> Result<Option<bool>, Error> {
    optional(obj, name, JsValue::as_bool, "true or false")
}

/// `[name, value][]`.
fn pairs(value: &JsValue, name: &str) -> Result<Pairs, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let expected = "an array of [name, value] string pairs";
    let array = value
        .dyn_ref::<Array>()
        .ok_or_else(|| type_error(name, expected))?;
    let mut out = Vec::with_capacity(array.length() as usize);
    for item in array.iter() {
        let pair = item
            .dyn_ref::<Array>()
            .ok_or_else(|| type_error(name, expected))?;
        let (k, v) = (pair.get(0).as_string(), pair.get(1).as_string());
        match (k, v) {
            (Some(k), Some(v)) if pair.length() == 2 => out.push((k, v)),
            _ => return Err(type_error(name, expected)),
        }
    }
    Ok(out)
}

fn strings(value: &JsValue, name: &str) -> Result<Vec<String>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let array = value
        .dyn_ref::<Array>()
        .ok_or_else(|| type_error(name, "an array of strings"))?;
    array
        .iter()
        .map(|v| {
            v.as_string()
                .ok_or_else(|| type_error(name, "an array of strings"))
        })
        .collect()
}

fn credentials(obj: &JsValue) -> Result<Credentials, Error> {
    let c = field(obj, "credentials");
    if !c.is_object() {
        return Err(Error::new(
            ErrorCode::InvalidCredentials,
            "credentials",
            "credentials must be an object",
        ));
    }
    Ok(Credentials {
        access_key_id: string(&c, "accessKeyId")?,
        access_key_secret: string(&c, "accessKeySecret")?,
        security_token: opt_string(&c, "securityToken")?.filter(|t| !t.is_empty()),
    })
}

/// Milliseconds since the epoch → whole seconds; the signer checks the range.
fn unix_seconds(obj: &JsValue) -> Result<i64, Error> {
    match opt_f64(obj, "time")? {
        Some(ms) if ms.is_finite() => Ok((ms / 1000.0).floor() as i64),
        _ => Err(Error::new(
            ErrorCode::InvalidDate,
            "date",
            "the signing time is not a valid date",
        )),
    }
}

fn presign_expires(obj: &JsValue) -> Result<Option<u32>, Error> {
    match opt_f64(obj, "presignExpires")? {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 && (1.0..=f64::from(MAX_PRESIGN_EXPIRES)).contains(&v) => {
            Ok(Some(v as u32))
        }
        Some(_) => Err(Error::new(
            ErrorCode::InvalidExpires,
            "expires",
            "expires must be a whole number of seconds from 1 to 604800 (7 days)",
        )),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

// ---- building plain objects ---------------------------------------------------------------

fn set(obj: &Object, name: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}

fn set_str(obj: &Object, name: &str, value: &str) {
    set(obj, name, &JsValue::from_str(value));
}

fn js_pairs(pairs: &[(String, String)]) -> Array {
    pairs
        .iter()
        .map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)))
        .collect()
}

fn js_error(e: &Error) -> JsValue {
    let obj = Object::new();
    set_str(&obj, "code", e.code.as_str());
    set_str(&obj, "field", &e.field);
    set_str(&obj, "message", &e.message);
    obj.into()
}

fn run(f: impl FnOnce() -> Result<Object, Error>) -> JsResult<JsValue> {
    f().map(JsValue::from).map_err(|e| js_error(&e))
}

// ---- exports ------------------------------------------------------------------------------

/// Builds, validates and signs one operation of a client.
///
/// Input: `{ client: { region, bucket, endpoint?, addressing?, product?, credentials }, op, key,
/// target?, versionId?, forbidOverwrite?, acl?, storageClass?, meta?, tagging?, headers?,
/// additionalHeaders?, time, presignExpires? }` where maps are `[name, value][]`.
/// Output: `{ method, url, headers: [name, value][] }`.
#[wasm_bindgen(js_name = prepareOperation)]
pub fn prepare_operation(input: JsValue) -> JsResult<JsValue> {
    run(|| {
        let client = field(&input, "client");
        if !client.is_object() {
            return Err(type_error("client", "an object"));
        }
        let region = string(&client, "region")?;
        let endpoint = match non_empty(opt_string(&client, "endpoint")?) {
            Some(e) => Endpoint::parse(&e)?,
            None => Endpoint::for_region(&region)?,
        };
        let addressing = match non_empty(opt_string(&client, "addressing")?) {
            Some(a) => Addressing::parse(&a)?,
            None => endpoint.default_addressing(),
        };
        let config = ClientConfig {
            product: non_empty(opt_string(&client, "product")?).unwrap_or_else(|| "oss".into()),
            bucket: string(&client, "bucket")?,
            credentials: credentials(&client)?,
            region,
            endpoint,
            addressing,
        };
        let time = unix_seconds(&input)?;
        let mode = match presign_expires(&input)? {
            Some(expires_seconds) => SignMode::Presign { expires_seconds },
            None => SignMode::Header,
        };
        let key = string(&input, "key")?;
        let version = non_empty(opt_string(&input, "versionId")?);
        let headers = pairs(&field(&input, "headers"), "headers")?;
        let req = match string(&input, "op")?.as_str() {
            "putSymlink" => put_symlink(
                &key,
                &string(&input, "target")?,
                &PutSymlinkOptions {
                    forbid_overwrite: opt_bool(&input, "forbidOverwrite")?,
                    acl: opt_string(&input, "acl")?,
                    storage_class: opt_string(&input, "storageClass")?,
                    meta: pairs(&field(&input, "meta"), "meta")?,
                    tagging: pairs(&field(&input, "tagging"), "tagging")?,
                    headers,
                },
            )?,
            "getSymlink" => get_symlink(&key, version.as_deref())?,
            "putObject" => object_request("PUT", &key, None, &headers)?,
            "getObject" => object_request("GET", &key, version.as_deref(), &headers)?,
            "headObject" => object_request("HEAD", &key, version.as_deref(), &headers)?,
            "deleteObject" => object_request("DELETE", &key, version.as_deref(), &headers)?,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    "op",
                    "unknown operation",
                ))
            }
        };
        let additional = strings(&field(&input, "additionalHeaders"), "additionalHeaders")?;
        let (http, _) = prepare(&config, req, time, &additional, mode)?;
        let out = Object::new();
        set_str(&out, "method", &http.method);
        set_str(&out, "url", &http.url);
        set(&out, "headers", &js_pairs(&http.headers));
        Ok(out)
    })
}

/// Signs an arbitrary OSS request, in the header form or (with `presignExpires`) the query form.
///
/// Input: `{ method, region, product?, bucket?, key?, query?, headers?, credentials, time,
/// additionalHeaders?, presignExpires? }`. Output: `{ headers, query, signature, stringToSign,
/// canonicalRequest }`.
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(input: JsValue) -> JsResult<JsValue> {
    run(|| {
        let method = string(&input, "method")?.to_ascii_uppercase();
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::new(
                ErrorCode::InvalidMethod,
                "method",
                "method must be an HTTP method name",
            ));
        }
        let bucket = non_empty(opt_string(&input, "bucket")?);
        if let Some(b) = &bucket {
            crate::validate::bucket_name(b)?;
        }
        let key = non_empty(opt_string(&input, "key")?);
        let mut req = Request::new(&method, bucket.as_deref(), key.as_deref());
        req.query = pairs(&field(&input, "query"), "query")?;
        for (name, value) in pairs(&field(&input, "headers"), "headers")? {
            req.add_caller_header(&name, &value, &[])?;
        }
        let credentials = credentials(&input)?;
        let region = string(&input, "region")?;
        let product = non_empty(opt_string(&input, "product")?).unwrap_or_else(|| "oss".into());
        let additional = strings(&field(&input, "additionalHeaders"), "additionalHeaders")?;
        let params = SigningParams {
            credentials: &credentials,
            region: &region,
            product: &product,
            unix_seconds: unix_seconds(&input)?,
            additional_headers: &additional,
        };
        let signed = match presign_expires(&input)? {
            Some(e) => presign(&mut req, &params, e)?,
            None => sign_headers(&mut req, &params)?,
        };
        let out = Object::new();
        set(&out, "headers", &js_pairs(&req.headers));
        set(&out, "query", &js_pairs(&req.query));
        set_str(&out, "signature", &signed.signature);
        set_str(&out, "stringToSign", &signed.string_to_sign);
        set_str(&out, "canonicalRequest", &signed.canonical_request);
        Ok(out)
    })
}

/// Reads an OSS error answer (XML body, or the base64 `x-oss-err` header of HEAD answers).
/// Output: `{ code, message, requestId, hostId, ec, recommendDoc, serverTime, requestTime }`.
#[wasm_bindgen(js_name = parseErrorResponse)]
pub fn parse_error_response(status: u16, headers: JsValue, body: &str) -> JsResult<JsValue> {
    run(|| {
        let e = parse_error(status, &pairs(&headers, "headers")?, body);
        let out = Object::new();
        for (name, value) in [
            ("code", &e.code),
            ("message", &e.message),
            ("requestId", &e.request_id),
            ("hostId", &e.host_id),
            ("ec", &e.ec),
            ("recommendDoc", &e.recommend_doc),
            ("serverTime", &e.server_time),
            ("requestTime", &e.request_time),
        ] {
            set_str(&out, name, value);
        }
        Ok(out)
    })
}

/// Reads the headers of a GetSymlink answer; the target comes back decoded.
/// Output: `{ target, etag, lastModified, versionId?, meta: [name, value][], requestId }`.
#[wasm_bindgen(js_name = parseGetSymlinkResponse)]
pub fn parse_get_symlink_response(headers: JsValue) -> JsResult<JsValue> {
    run(|| {
        let info = parse_get_symlink(&pairs(&headers, "headers")?)?;
        let out = Object::new();
        set_str(&out, "target", &info.target);
        set_str(&out, "etag", &info.etag);
        set_str(&out, "lastModified", &info.last_modified);
        if let Some(v) = &info.version_id {
            set_str(&out, "versionId", v);
        }
        set(&out, "meta", &js_pairs(&info.meta));
        set_str(&out, "requestId", &info.request_id);
        Ok(out)
    })
}
