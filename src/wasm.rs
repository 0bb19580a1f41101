//! WebAssembly exports: one function, [`call`], taking one packed string with its lengths and
//! answering one string. No JavaScript objects cross the boundary: reading and building them
//! (`js-sys`) was a third of the module, and a string each way is also the fastest crossing.
//!
//! The answer is a list of strings, each written as its length in UTF-16 code units (as
//! JavaScript counts), `:`, and the text; an answer starting with `!` is an error, whose list is
//! code, field and message. `ts/core.ts` packs and unpacks.

use wasm_bindgen::convert::{FromWasmAbi, IntoWasmAbi, WasmSlice};
use wasm_bindgen::describe::WasmDescribe;
use wasm_bindgen::prelude::*;

use crate::{List, Str};

use crate::error::{Error, ErrorCode};
use crate::object::{object_request, ObjectMethod};
use crate::prepare::{client_endpoint, prepare, resolve_endpoint, ClientConfig, SignMode};
use crate::request::Request;
use crate::response::{parse_error_parts, parse_get_symlink};
use crate::signer::{Credentials, EXPIRES_RULE, MAX_PRESIGN_EXPIRES};
use crate::symlink::{get_symlink, put_symlink, PutSymlinkOptions};
use crate::text::{all, cat, parse_decimal, push_decimal, utf16_len};
use crate::validate;

type Pairs<'a> = List<(&'a str, &'a str)>;

/// What [`call`] does; the numbers are the ones `ts/core.ts` sends.
const PREPARE: u32 = 0;
const SIGN: u32 = 1;
const PARSE_ERROR: u32 = 2;
const PARSE_GET_SYMLINK: u32 = 3;
const CHECK_SETTINGS: u32 = 4;

/// Runs one operation of the core. `kind`: 0 prepare a client operation, 1 sign a request,
/// 2 parse an error answer, 3 parse a GetSymlink answer, 4 check a client's settings. `number` is the time in milliseconds
/// (0, 1) or the HTTP status (2). The fields of `text` and their order are in each function below.
#[wasm_bindgen]
pub fn call(kind: u32, text: InText, lengths: InLengths, number: f64) -> OutText {
    let mut input = Packed {
        text: text.as_str(),
        lengths: lengths.as_slice().iter(),
    };
    let mut out = Answer::default();
    let done = match kind {
        PREPARE => prepare_operation(&mut input, number, &mut out),
        SIGN => sign_request(&mut input, number, &mut out),
        PARSE_ERROR => parse_error_answer(&mut input, number, &mut out),
        PARSE_GET_SYMLINK => parse_get_symlink_answer(&mut input, &mut out),
        CHECK_SETTINGS => check_settings(&mut input),
        _ => Err(Packed::malformed()),
    };
    if let Err(e) = done {
        // What was answered before the error goes.
        out.text.clear();
        out.text.push('!');
        out.items(&[e.code.as_str(), &e.field, &e.message]);
    }
    // Shrunk to its length now, while the arena still belongs to this call (it starts afresh
    // after `call_done`).
    let answer = OutText(out.text.into_raw());
    crate::arena::call_done();
    answer
}

// ---- the boundary -------------------------------------------------------------------------

// `call`'s arguments and answer as they cross into and out of the module. wasm-bindgen's own
// conversions for `&str`, `&[u32]` and `String` pass through `Vec::into_boxed_slice`, whose
// shrinking code keeps `alloc`'s error paths and their formatting in the module (about 0.4 KB
// gzip); these read and hand over the same memory directly. Each describes itself as the type it
// stands for, so the generated JavaScript is the same.

/// The packed text: UTF-8 that the glue wrote into memory it allocated for this call
/// (`__wbindgen_malloc`, so the arena) and hands over.
pub struct InText(WasmSlice);

/// The field lengths, likewise.
pub struct InLengths(WasmSlice);

/// The answer: `(pointer, length)` of UTF-8 that the glue reads and then frees.
pub struct OutText((*mut u8, usize));

impl InText {
    fn as_str(&self) -> &str {
        // SAFETY: the glue wrote `len` bytes of UTF-8 (TextEncoder's output) at `ptr`, as for
        // wasm-bindgen's `&str`; the memory stays untouched until the call returns.
        unsafe {
            core::str::from_utf8_unchecked(core::slice::from_raw_parts(
                self.0.ptr.into_usize() as *const u8,
                self.0.len.into_usize(),
            ))
        }
    }
}

impl InLengths {
    fn as_slice(&self) -> &[u32] {
        // SAFETY: the glue wrote `len` numbers at `ptr`, aligned for `u32`, as for wasm-bindgen's
        // `&[u32]`; the memory stays untouched until the call returns.
        unsafe {
            core::slice::from_raw_parts(
                self.0.ptr.into_usize() as *const u32,
                self.0.len.into_usize(),
            )
        }
    }
}

impl WasmDescribe for InText {
    fn describe() {
        <&str>::describe()
    }
}

impl WasmDescribe for InLengths {
    fn describe() {
        <&[u32]>::describe()
    }
}

impl WasmDescribe for OutText {
    fn describe() {
        <alloc::string::String>::describe()
    }
}

impl FromWasmAbi for InText {
    type Abi = WasmSlice;

    unsafe fn from_abi(js: WasmSlice) -> Self {
        InText(js)
    }
}

impl FromWasmAbi for InLengths {
    type Abi = WasmSlice;

    unsafe fn from_abi(js: WasmSlice) -> Self {
        InLengths(js)
    }
}

impl IntoWasmAbi for OutText {
    type Abi = WasmSlice;

    fn into_abi(self) -> WasmSlice {
        let (ptr, len) = self.0;
        WasmSlice::from_usize(ptr as usize, len)
    }
}

// ---- input --------------------------------------------------------------------------------

/// The fields of one call: values concatenated into one string, their lengths in UTF-16 code
/// units in `lengths`, [`ABSENT`] marking a value that is not given; a list is its count
/// followed by its values.
struct Packed<'a> {
    text: &'a str,
    lengths: core::slice::Iter<'a, u32>,
}

/// The length that marks an absent value.
const ABSENT: u32 = u32::MAX;

impl<'a> Packed<'a> {
    fn malformed() -> Error {
        Error::new(ErrorCode::InvalidInput, "", "malformed packed input")
    }

    fn number(&mut self) -> Result<u32, Error> {
        self.lengths.next().copied().ok_or_else(Self::malformed)
    }

    fn value(&mut self) -> Result<Option<&'a str>, Error> {
        let units = self.number()?;
        if units == ABSENT {
            return Ok(None);
        }
        // Walk UTF-8 lead bytes: 1 unit for each sequence of up to 3 bytes, 2 for 4-byte ones.
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
        match (self.text.get(..end), self.text.get(end..)) {
            (Some(value), Some(rest)) if counted == units => {
                self.text = rest;
                Ok(Some(value))
            }
            _ => Err(Self::malformed()),
        }
    }

    fn string(&mut self, name: &str) -> Result<&'a str, Error> {
        self.value()?.ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                name,
                &cat(&[name, " must be a string"]),
            )
        })
    }

    fn non_empty(&mut self) -> Result<Option<&'a str>, Error> {
        Ok(self.value()?.filter(|s| !s.is_empty()))
    }

    fn pairs(&mut self) -> Result<Pairs<'a>, Error> {
        let mut out = List::new();
        for _ in 0..self.number()? {
            out.push((self.text()?, self.text()?));
        }
        Ok(out)
    }

    fn list(&mut self) -> Result<List<&'a str>, Error> {
        let mut out = List::new();
        for _ in 0..self.number()? {
            out.push(self.text()?);
        }
        Ok(out)
    }

    /// A value where absent reads as empty (items of lists, optional settings).
    fn text(&mut self) -> Result<&'a str, Error> {
        Ok(self.value()?.unwrap_or_default())
    }

    /// Credentials: access key id, secret, security token (an empty token is none).
    fn credentials(&mut self) -> Result<Credentials<'a>, Error> {
        Ok(Credentials {
            access_key_id: self.string("accessKeyId")?,
            access_key_secret: self.string("accessKeySecret")?,
            security_token: self.non_empty()?,
        })
    }

    /// Presign expiry (whole seconds, 1 to 7 days): the query form; absent, the header form.
    fn sign_mode(&mut self) -> Result<SignMode, Error> {
        match self.value()? {
            None => Ok(SignMode::Header),
            Some(v) => match parse_decimal(v, MAX_PRESIGN_EXPIRES).filter(|s| *s > 0) {
                Some(expires_seconds) => Ok(SignMode::Presign { expires_seconds }),
                None => Err(Error::new(
                    ErrorCode::InvalidExpires,
                    "expires",
                    EXPIRES_RULE,
                )),
            },
        }
    }
}

/// Milliseconds since the epoch → whole seconds (rounded down); the signer checks the range.
fn seconds(ms: f64) -> Result<i64, Error> {
    if !ms.is_finite() {
        return Err(Error::new(
            ErrorCode::InvalidDate,
            "date",
            "the signing time is not a valid date",
        ));
    }
    let s = ms / 1000.0;
    let whole = s as i64;
    Ok(if (whole as f64) > s { whole - 1 } else { whole })
}

// ---- output -------------------------------------------------------------------------------

#[derive(Default)]
struct Answer {
    text: Str,
}

impl Answer {
    fn item(&mut self, s: &str) {
        push_decimal(&mut self.text, utf16_len(s) as u64);
        self.text.push(':');
        self.text.push_str(s);
    }

    fn items(&mut self, items: &[&str]) {
        for s in items {
            self.item(s);
        }
    }

    fn pairs(&mut self, pairs: &[(Str, Str)]) {
        for (k, v) in pairs {
            self.items(&[k, v]);
        }
    }
}

// ---- operations ---------------------------------------------------------------------------

/// Builds, validates and signs one operation of a client (the hot path of `OssClient`).
///
/// Fields: op, region, bucket, endpoint, addressing, product, accessKeyId, accessKeySecret,
/// securityToken, key, target, versionId, forbidOverwrite (`true`/`false`), acl, storageClass,
/// presignExpires (seconds), then the lists meta, tagging, headers (pairs) and additional header
/// names. Answer: method, url, then header names and values.
fn prepare_operation(p: &mut Packed, time_ms: f64, out: &mut Answer) -> Result<(), Error> {
    let op = p.string("op")?;
    let region = p.string("region")?;
    let bucket = p.string("bucket")?;
    let endpoint = p.text()?;
    let addressing = p.text()?;
    let product = p.value()?.filter(|s| !s.is_empty()).unwrap_or("oss");
    let (endpoint, addressing) = client_endpoint(region, bucket, endpoint, addressing, product)?;
    let credentials = p.credentials()?;
    let config = ClientConfig {
        region,
        bucket: Some(bucket),
        endpoint,
        addressing,
        product,
        credentials,
    };
    let key = p.string("key")?;
    let target = p.value()?;
    let version = p.value()?.filter(|v| !v.is_empty());
    let forbid_overwrite = match p.value()? {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "forbidOverwrite",
                "forbidOverwrite must be true or false",
            ))
        }
    };
    let acl = p.value()?;
    let storage_class = p.value()?;
    let mode = p.sign_mode()?;
    let meta = p.pairs()?;
    let tagging = p.pairs()?;
    let headers = p.pairs()?;
    let additional = p.list()?;
    let req = match op {
        "putSymlink" => put_symlink(
            key,
            target.unwrap_or_default(),
            &PutSymlinkOptions {
                forbid_overwrite,
                acl,
                storage_class,
                meta: &meta,
                tagging: &tagging,
                headers: &headers,
            },
        )?,
        "getSymlink" => get_symlink(key, version)?,
        "putObject" => object_request(ObjectMethod::Put, key, None, &headers)?,
        "getObject" => object_request(ObjectMethod::Get, key, version, &headers)?,
        "headObject" => object_request(ObjectMethod::Head, key, version, &headers)?,
        "deleteObject" => object_request(ObjectMethod::Delete, key, version, &headers)?,
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "op",
                "unknown operation",
            ))
        }
    };
    let (http, _) = prepare(&config, req, seconds(time_ms)?, &additional, mode)?;
    out.items(&[http.method.as_str(), &http.url]);
    out.pairs(&http.headers);
    Ok(())
}

/// Checks a client's settings without signing anything, so that `new OssClient()` refuses a bad
/// region, bucket, endpoint, addressing, product or static key pair at once (with the same rules
/// as every call). Fields: region, bucket, endpoint, addressing, product, then accessKeyId,
/// accessKeySecret and securityToken, absent for a credentials provider (an empty token is none).
/// Answer: nothing.
fn check_settings(p: &mut Packed) -> Result<(), Error> {
    let (region, bucket, endpoint) = (p.text()?, p.text()?, p.text()?);
    client_endpoint(region, bucket, endpoint, p.text()?, p.text()?)?;
    let (id, secret, token) = (p.value()?, p.value()?, p.value()?);
    if let (Some(id), Some(secret)) = (id, secret) {
        validate::credential(id, "credentials.accessKeyId")?;
        validate::credential(secret, "credentials.accessKeySecret")?;
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            validate::credential(token, "credentials.securityToken")?;
        }
    }
    Ok(())
}

/// Signs an arbitrary OSS request, in the header form or (with presignExpires) the query form.
/// `additionalHeaders` may name `host`: the Host of the URL is then signed.
///
/// Fields: method, region, product, endpoint, addressing, bucket, key, accessKeyId,
/// accessKeySecret, securityToken, presignExpires, then the lists query and headers (pairs) and
/// additional header names. Answer: url, signature, string to sign, canonical request, the number
/// of headers, the headers (names and values), then the query parameters (names and values).
fn sign_request(p: &mut Packed, time_ms: f64, out: &mut Answer) -> Result<(), Error> {
    let method = crate::text::ascii_case(p.string("method")?, true);
    if method.is_empty() || !all(method.as_bytes(), |b| b.is_ascii_uppercase()) {
        return Err(Error::new(
            ErrorCode::InvalidMethod,
            "method",
            "method must be an HTTP method name",
        ));
    }
    let region = p.string("region")?;
    let product = p.value()?.filter(|s| !s.is_empty()).unwrap_or("oss");
    let endpoint = p.text()?;
    let addressing = p.text()?;
    let (endpoint, addressing) = resolve_endpoint(region, endpoint, addressing)?;
    let bucket = p.value()?.filter(|s| !s.is_empty());
    if let Some(b) = bucket {
        validate::bucket_name(b)?;
    }
    let key = p.value()?.filter(|s| !s.is_empty());
    if let Some(k) = key {
        validate::object_key(k, "key", ErrorCode::InvalidObjectName)?;
    }
    let config = ClientConfig {
        region,
        product,
        endpoint,
        addressing,
        bucket,
        credentials: p.credentials()?,
    };
    let mode = p.sign_mode()?;
    let mut req = Request::new(&method, None, key);
    for &(name, value) in &p.pairs()? {
        req.query.push((name.into(), value.into()));
    }
    for &(name, value) in &p.pairs()? {
        req.add_caller_header(name, value, "")?;
    }
    let additional = p.list()?;
    let (http, signed) = prepare(&config, req, seconds(time_ms)?, &additional, mode)?;
    out.items(&[
        &http.url,
        &signed.signature,
        &signed.string_to_sign,
        &signed.canonical_request,
    ]);
    let mut count = Str::new();
    push_decimal(&mut count, http.headers.len() as u64);
    out.item(&count);
    out.pairs(&http.headers);
    out.pairs(&http.query);
    Ok(())
}

/// Reads an OSS error answer. Fields: the `x-oss-err`, `x-oss-request-id` and `x-oss-ec`
/// headers (each may be absent) and the body; `status` is the HTTP status. Answer: code,
/// message, requestId, hostId, ec, recommendDoc, serverTime, requestTime.
fn parse_error_answer(p: &mut Packed, status: f64, out: &mut Answer) -> Result<(), Error> {
    let (err_header, request_id, ec) = (p.value()?, p.value()?, p.value()?);
    let body = p.text()?;
    let status = if (0.0..=999.0).contains(&status) {
        status as u16
    } else {
        0
    };
    let e = parse_error_parts(status, err_header, request_id, ec, body);
    out.items(&[
        e.code.as_str(),
        &e.message,
        &e.request_id,
        &e.host_id,
        &e.ec,
        &e.recommend_doc,
        &e.server_time,
        &e.request_time,
    ]);
    Ok(())
}

/// Reads the headers of a GetSymlink answer (fields: the header pairs). Answer: target
/// (decoded), etag, lastModified, requestId, `1` and the versionId or `0` and nothing, then the
/// metadata names and values.
fn parse_get_symlink_answer(p: &mut Packed, out: &mut Answer) -> Result<(), Error> {
    let headers = p.pairs()?;
    let info = parse_get_symlink(&headers)?;
    out.items(&[
        info.target.as_str(),
        info.etag,
        info.last_modified,
        info.request_id,
    ]);
    match info.version_id {
        Some(v) => out.items(&["1", v]),
        None => out.items(&["0", ""]),
    }
    out.pairs(&info.meta);
    Ok(())
}
