//! The plain object operations that symlinks are used with: PutObject, GetObject, HeadObject and
//! DeleteObject. The body is the caller's business; these build the signed part.

use crate::error::{ErrorCode, Result};
use crate::request::Request;
use crate::validate;

/// The method of an object operation: a type rather than a string, so that no other method can
/// be asked for (and no check of it is needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectMethod {
    Put,
    Get,
    Head,
    Delete,
}

impl ObjectMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectMethod::Put => "PUT",
            ObjectMethod::Get => "GET",
            ObjectMethod::Head => "HEAD",
            ObjectMethod::Delete => "DELETE",
        }
    }
}

/// An object operation on `/<key>`, with an optional `versionId` (not for `PUT`) and caller
/// headers such as `content-type`.
///
/// ```
/// use oss_symlink::object::{object_request, ObjectMethod};
/// let req = object_request(ObjectMethod::Head, "a.txt", Some("v1"), &[]).unwrap();
/// assert_eq!((req.method, req.query[0].0.as_str()), ("HEAD", "versionId"));
/// ```
pub fn object_request<'a>(
    method: ObjectMethod,
    key: &'a str,
    version_id: Option<&str>,
    headers: &[(&str, &str)],
) -> Result<Request<'a>> {
    validate::object_key(key, "key", ErrorCode::InvalidObjectName)?;
    let mut req = Request::new(method.as_str(), None, Some(key));
    if let Some(v) = version_id {
        validate::version_id(v)?;
        req.query.push(("versionId".into(), v.into()));
    }
    for &(name, value) in headers {
        req.add_caller_header(name, value, "")?;
    }
    if method == ObjectMethod::Put {
        validate::user_metadata(&req.headers)?;
    }
    Ok(req)
}
