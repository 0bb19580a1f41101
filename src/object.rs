//! The plain object operations that symlinks are used with: PutObject, GetObject, HeadObject and
//! DeleteObject. The body is the caller's business; these build the signed part.

use alloc::string::ToString;

use crate::error::{ErrorCode, Result};
use crate::request::Request;
use crate::validate;

/// An object operation: `PUT`, `GET`, `HEAD` or `DELETE` on `/<key>`, with an optional
/// `versionId` (not for `PUT`) and caller headers such as `content-type`.
pub fn object_request<'a>(
    method: &'a str,
    key: &'a str,
    version_id: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Request<'a>> {
    if !["PUT", "GET", "HEAD", "DELETE"].contains(&method) {
        return Err(crate::error::Error::new(
            ErrorCode::InvalidMethod,
            "method",
            "object operations use PUT, GET, HEAD or DELETE",
        ));
    }
    validate::object_key(key, "key", ErrorCode::InvalidObjectName)?;
    let mut req = Request::new(method, None, Some(key));
    if let Some(v) = version_id {
        validate::version_id(v)?;
        req.query.push(("versionId".into(), v.to_string()));
    }
    for &(name, value) in headers {
        req.add_caller_header(name, value, &[])?;
    }
    if method == "PUT" {
        validate::user_metadata(&req.headers)?;
    }
    Ok(req)
}
