//! WebAssembly exports. The hot path, `preparePacked`, takes one packed string with its lengths
//! and answers one string (see [`Packed`]); the others read and build plain JS objects with
//! `js-sys` (serde would triple the module's size). Every failure comes back as a thrown
//! `{ code, field, message }` object, never a panic. The TypeScript layer checks types and UTF-16
//! well-formedness before calling, and this layer checks them again.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};
use crate::object::object_request;
use crate::prepare::{client_endpoint, prepare, resolve_endpoint, sign, ClientConfig, SignMode};
use crate::request::{host, url, Request};
use crate::response::{parse_error, parse_get_symlink};
use crate::signer::{Credentials, SigningParams, MAX_PRESIGN_EXPIRES};
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
fn seconds(ms: f64) -> Result<i64, Error> {
    if ms.is_finite() {
        Ok((ms / 1000.0).floor() as i64)
    } else {
        Err(Error::new(
            ErrorCode::InvalidDate,
            "date",
            "the signing time is not a valid date",
        ))
    }
}

fn unix_seconds(obj: &JsValue) -> Result<i64, Error> {
    seconds(opt_f64(obj, "time")?.unwrap_or(f64::NAN))
}

fn check_expires(value: Option<f64>) -> Result<Option<u32>, Error> {
    match value {
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

fn presign_expires(obj: &JsValue) -> Result<Option<u32>, Error> {
    check_expires(opt_f64(obj, "presignExpires")?)
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

/// Fields of one operation, framed for the hot path: the values are concatenated into one string
/// and their lengths (in UTF-16 code units, as JavaScript counts) travel in a `Uint32Array`,
/// [`ABSENT`] marking a value that is not given. Two copies instead of a property lookup and a
/// string conversion per field: this is most of the cost of a signature otherwise.
struct Packed<'a> {
    text: &'a str,
    lengths: &'a [u32],
    next: usize,
}

/// The length that marks an absent value.
const ABSENT: u32 = u32::MAX;

impl<'a> Packed<'a> {
    fn malformed() -> Error {
        Error::new(ErrorCode::InvalidInput, "", "malformed packed input")
    }

    fn number(&mut self) -> Result<u32, Error> {
        let n = *self.lengths.get(self.next).ok_or_else(Self::malformed)?;
        self.next += 1;
        Ok(n)
    }

    fn value(&mut self) -> Result<Option<&'a str>, Error> {
        let units = self.number()?;
        if units == ABSENT {
            return Ok(None);
        }
        // Walk UTF-8 lead bytes: 1 unit for each sequence of up to 3 bytes, 2 for 4-byte ones
        // (surrogate pairs in JavaScript). Byte-wise, as decoding chars here was a tenth of a call.
        let bytes = self.text.as_bytes();
        let (mut counted, mut end) = (0u32, 0usize);
        while counted < units {
            let lead = *bytes.get(end).ok_or_else(Self::malformed)?;
            let (len, width) = match lead {
                0x00..=0x7f => (1, 1),
                0xc0..=0xdf => (2, 1),
                0xe0..=0xef => (3, 1),
                _ => (4, 2),
            };
            end += len;
            counted += width;
        }
        if counted != units || !self.text.is_char_boundary(end) {
            return Err(Self::malformed());
        }
        let (value, rest) = self.text.split_at(end);
        self.text = rest;
        Ok(Some(value))
    }

    fn string(&mut self, name: &str) -> Result<String, Error> {
        self.optional()?.ok_or_else(|| type_error(name, "a string"))
    }

    fn optional(&mut self) -> Result<Option<String>, Error> {
        Ok(self.value()?.map(str::to_string))
    }

    fn pairs(&mut self) -> Result<Pairs, Error> {
        let n = self.number()?;
        (0..n)
            .map(|_| {
                Ok((
                    self.value()?.unwrap_or_default().to_string(),
                    self.value()?.unwrap_or_default().to_string(),
                ))
            })
            .collect()
    }

    fn list(&mut self) -> Result<Vec<String>, Error> {
        let n = self.number()?;
        (0..n)
            .map(|_| Ok(self.value()?.unwrap_or_default().to_string()))
            .collect()
    }
}

/// Builds, validates and signs one operation of a client (the hot path of `OssClient`).
///
/// Fields, in order (see `ts/core.ts`): op, region, bucket, endpoint, addressing, product,
/// accessKeyId, accessKeySecret, securityToken, key, target, versionId, forbidOverwrite
/// (`true`/`false`), acl, storageClass, presignExpires (seconds), then meta and tagging pairs,
/// header pairs and additional header names, each list preceded by its count in `lengths`.
/// Output: `method \n url \n name:value \n ...`; header names are tokens (no `:`) and values
/// never hold a line break, so the split is unambiguous.
#[wasm_bindgen(js_name = preparePacked)]
pub fn prepare_packed(text: &str, lengths: &[u32], time_ms: f64) -> JsResult<String> {
    prepare_packed_inner(
        &mut Packed {
            text,
            lengths,
            next: 0,
        },
        time_ms,
    )
    .map_err(|e| js_error(&e))
}

fn prepare_packed_inner(p: &mut Packed, time_ms: f64) -> Result<String, Error> {
    let op = p.string("op")?;
    let region = p.string("region")?;
    let bucket = p.string("bucket")?;
    let endpoint = p.value()?.unwrap_or_default();
    let addressing = p.value()?.unwrap_or_default();
    let product = non_empty(p.optional()?).unwrap_or_else(|| "oss".into());
    let (endpoint, addressing) = client_endpoint(&region, &bucket, endpoint, addressing, &product)?;
    let credentials = Credentials {
        access_key_id: p.string("accessKeyId")?,
        access_key_secret: p.string("accessKeySecret")?,
        security_token: non_empty(p.optional()?),
    };
    let config = ClientConfig {
        region,
        bucket,
        endpoint,
        addressing,
        product,
        credentials,
    };
    let key = p.string("key")?;
    let target = p.optional()?;
    let version = non_empty(p.optional()?);
    let forbid_overwrite = match p.value()? {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(type_error("forbidOverwrite", "true or false")),
    };
    let acl = p.optional()?;
    let storage_class = p.optional()?;
    // Whole seconds only; parsing floats would pull kilobytes of float parsing into the module.
    let expires = p
        .value()?
        .map(|v| v.parse::<u32>().map(f64::from).unwrap_or(f64::NAN));
    let meta = p.pairs()?;
    let tagging = p.pairs()?;
    let headers = p.pairs()?;
    let additional = p.list()?;
    let req = match op.as_str() {
        "putSymlink" => put_symlink(
            &key,
            target.as_deref().unwrap_or_default(),
            &PutSymlinkOptions {
                forbid_overwrite,
                acl,
                storage_class,
                meta,
                tagging,
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
    let mode = match check_expires(expires)? {
        Some(expires_seconds) => SignMode::Presign { expires_seconds },
        None => SignMode::Header,
    };
    let (http, _) = prepare(&config, req, seconds(time_ms)?, &additional, mode)?;
    let mut out = String::with_capacity(http.url.len() + 64 * (http.headers.len() + 1));
    out.push_str(&http.method);
    out.push('\n');
    out.push_str(&http.url);
    for (name, value) in &http.headers {
        out.push('\n');
        out.push_str(name);
        out.push(':');
        out.push_str(value);
    }
    Ok(out)
}

/// Checks a client's settings without signing anything, so that `new OssClient()` refuses a bad
/// region, bucket, endpoint, addressing, product or static key pair at once, with the rules every
/// call applies. `credentials` is `[accessKeyId, accessKeySecret, securityToken]` (`""`: none),
/// or empty for a credentials provider.
#[wasm_bindgen(js_name = checkSettings)]
pub fn check_settings(
    region: &str,
    bucket: &str,
    endpoint: &str,
    addressing: &str,
    product: &str,
    credentials: Vec<String>,
) -> JsResult<()> {
    let check = || {
        client_endpoint(region, bucket, endpoint, addressing, product)?;
        for (value, field) in credentials.iter().zip([
            "credentials.accessKeyId",
            "credentials.accessKeySecret",
            "credentials.securityToken",
        ]) {
            if !(value.is_empty() && field.ends_with("Token")) {
                crate::validate::credential(value, field)?;
            }
        }
        Ok(())
    };
    check().map_err(|e: Error| js_error(&e))
}

/// Signs an arbitrary OSS request, in the header form or (with `presignExpires`) the query form.
///
/// Input: `{ method, region, product?, endpoint?, addressing?, bucket?, key?, query?, headers?,
/// credentials, time, additionalHeaders?, presignExpires? }`. Output: `{ url, headers, query,
/// signature, stringToSign, canonicalRequest }`. `additionalHeaders` may name `host`: the Host
/// of `url` is then signed.
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
        if let Some(k) = &key {
            crate::validate::object_key(k, "key", ErrorCode::InvalidObjectName)?;
        }
        let mut req = Request::new(&method, bucket.as_deref(), key.as_deref());
        req.query = pairs(&field(&input, "query"), "query")?;
        for (name, value) in pairs(&field(&input, "headers"), "headers")? {
            req.add_caller_header(&name, &value, &[])?;
        }
        let credentials = credentials(&input)?;
        let region = string(&input, "region")?;
        let (endpoint, addressing) = resolve_endpoint(
            &region,
            &opt_string(&input, "endpoint")?.unwrap_or_default(),
            &opt_string(&input, "addressing")?.unwrap_or_default(),
        )?;
        let product = non_empty(opt_string(&input, "product")?).unwrap_or_else(|| "oss".into());
        let additional = strings(&field(&input, "additionalHeaders"), "additionalHeaders")?;
        let params = SigningParams {
            credentials: &credentials,
            region: &region,
            product: &product,
            unix_seconds: unix_seconds(&input)?,
            additional_headers: &additional,
        };
        let mode = match presign_expires(&input)? {
            Some(expires_seconds) => SignMode::Presign { expires_seconds },
            None => SignMode::Header,
        };
        let host = host(&endpoint, addressing, req.bucket.as_deref());
        let signed = sign(&mut req, &params, mode, &host)?;
        let out = Object::new();
        set_str(&out, "url", &url(&endpoint, addressing, &req));
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
