//! PutSymlink and GetSymlink requests, built and validated before they are signed.
//!
//! ```
//! use oss_symlink::symlink::{put_symlink, PutSymlinkOptions};
//! let req = put_symlink("links/today.jpg", "photos/2026/原图 1.jpg", &PutSymlinkOptions::default()).unwrap();
//! assert_eq!(req.header("x-oss-symlink-target"), Some("photos/2026/%E5%8E%9F%E5%9B%BE%201.jpg"));
//! assert_eq!(req.query, vec![("symlink".to_string(), String::new())]);
//! ```

use crate::Str;

use crate::canonical::trim_blanks;
use crate::encode::{path_encode, uri_encode_into};
use crate::error::{ErrorCode, Result};
use crate::request::Request;
use crate::text::cat;
use crate::validate;

/// Name and value pairs, borrowed from the caller's input.
pub type Pairs<'a> = [(&'a str, &'a str)];

/// The optional headers of PutSymlink.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PutSymlinkOptions<'a> {
    /// `x-oss-forbid-overwrite`: refuse to replace an existing object (409 FileAlreadyExists).
    pub forbid_overwrite: Option<bool>,
    /// `x-oss-object-acl`: default, private, public-read or public-read-write.
    pub acl: Option<&'a str>,
    /// `x-oss-storage-class`: Standard, IA or Archive.
    pub storage_class: Option<&'a str>,
    /// `x-oss-meta-<name>` headers; names without the prefix.
    pub meta: &'a Pairs<'a>,
    /// `x-oss-tagging`, sent as `k1=v1&k2=v2`.
    pub tagging: &'a Pairs<'a>,
    /// Other headers, such as `content-disposition`.
    pub headers: &'a Pairs<'a>,
}

/// Headers of PutSymlink that have their own option.
const PUT_SYMLINK_OWNED: &str =
    "x-oss-symlink-target x-oss-forbid-overwrite x-oss-object-acl x-oss-storage-class";

/// `PUT /<key>?symlink` with `x-oss-symlink-target` (URL-encoded, `/` kept) and the options.
pub fn put_symlink<'a>(
    key: &'a str,
    target: &str,
    opts: &PutSymlinkOptions,
) -> Result<Request<'a>> {
    validate::object_key(key, "key", ErrorCode::InvalidObjectName)?;
    validate::object_key(target, "target", ErrorCode::InvalidSymlinkTarget)?;
    let mut req = Request::new("PUT", None, Some(key));
    req.query.push(("symlink".into(), Str::new()));
    req.set_header("x-oss-symlink-target", path_encode(target));
    if let Some(forbid) = opts.forbid_overwrite {
        req.set_header(
            "x-oss-forbid-overwrite",
            (if forbid { "true" } else { "false" }).into(),
        );
    }
    if let Some(acl) = opts.acl {
        validate::acl(acl)?;
        req.set_header("x-oss-object-acl", acl.into());
    }
    if let Some(class) = opts.storage_class {
        validate::storage_class(class)?;
        req.set_header("x-oss-storage-class", class.into());
    }
    add_meta(&mut req, opts.meta)?;
    if !opts.tagging.is_empty() {
        validate::tags(opts.tagging)?;
        req.set_header("x-oss-tagging", tagging_query(opts.tagging));
    }
    for &(name, value) in opts.headers {
        req.add_caller_header(name, value, PUT_SYMLINK_OWNED)?;
    }
    validate::user_metadata(&req.headers)?;
    Ok(req)
}

/// `GET /<key>?symlink`, with `versionId` for a given version.
pub fn get_symlink<'a>(key: &'a str, version_id: Option<&str>) -> Result<Request<'a>> {
    validate::object_key(key, "key", ErrorCode::InvalidObjectName)?;
    let mut req = Request::new("GET", None, Some(key));
    req.query.push(("symlink".into(), Str::new()));
    if let Some(v) = version_id {
        validate::version_id(v)?;
        req.query.push(("versionId".into(), v.into()));
    }
    Ok(req)
}

/// Adds `x-oss-meta-<name>` headers; their total size is checked with the caller's headers.
fn add_meta(req: &mut Request, meta: &Pairs) -> Result<()> {
    for &(name, value) in meta {
        let field = cat(&["meta.", name]);
        validate::meta_name(name, &field)?;
        validate::header_value(value, &field)?;
        let header = cat(&["x-oss-meta-", &crate::text::ascii_case(name, false)]);
        if req.header(&header).is_some() {
            return Err(crate::error::Error::new(
                ErrorCode::ConflictingHeader,
                &field,
                "metadata names are case-insensitive and this one is given twice",
            ));
        }
        req.headers.push((header, trim_blanks(value).into()));
    }
    Ok(())
}

/// `k1=v1&k2=v2`, each part encoded.
///
/// ```
/// assert_eq!(oss_symlink::symlink::tagging_query(&[("team", "web & mobile")]), "team=web%20%26%20mobile");
/// ```
pub fn tagging_query(tags: &Pairs) -> Str {
    let mut out = Str::new();
    for (i, (k, v)) in tags.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        uri_encode_into(&mut out, k);
        out.push('=');
        uri_encode_into(&mut out, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_becomes_a_header() {
        let opts = PutSymlinkOptions {
            forbid_overwrite: Some(true),
            acl: Some("private"),
            storage_class: Some("Standard"),
            meta: &[("Location", "hz")],
            tagging: &[("team", "web")],
            headers: &[("Content-Disposition", "attachment")],
        };
        let req = put_symlink("a", "b c", &opts).unwrap();
        assert_eq!(req.header("x-oss-symlink-target"), Some("b%20c"));
        assert_eq!(req.header("x-oss-forbid-overwrite"), Some("true"));
        assert_eq!(req.header("x-oss-object-acl"), Some("private"));
        assert_eq!(req.header("x-oss-storage-class"), Some("Standard"));
        assert_eq!(req.header("x-oss-meta-location"), Some("hz"));
        assert_eq!(req.header("x-oss-tagging"), Some("team=web"));
        assert_eq!(req.header("content-disposition"), Some("attachment"));
    }

    #[test]
    fn owned_and_duplicate_headers_are_refused() {
        for h in [
            ("x-oss-symlink-target", "x"),
            ("Authorization", "x"),
            ("Host", "x"),
        ] {
            let opts = PutSymlinkOptions {
                headers: &[h],
                ..Default::default()
            };
            assert_eq!(
                put_symlink("a", "b", &opts).unwrap_err().code,
                ErrorCode::ConflictingHeader
            );
        }
        let opts = PutSymlinkOptions {
            meta: &[("a", "1"), ("A", "2")],
            ..Default::default()
        };
        assert_eq!(
            put_symlink("a", "b", &opts).unwrap_err().code,
            ErrorCode::ConflictingHeader
        );
    }

    #[test]
    fn meta_limit_counts_full_names_and_values_from_meta_and_headers() {
        // "x-oss-meta-k" is 12 bytes: 12 + 8180 = 8192 is the largest allowed.
        let ok = PutSymlinkOptions {
            meta: &[("k", &"v".repeat(8180))],
            ..Default::default()
        };
        assert!(put_symlink("a", "b", &ok).is_ok());
        let big = PutSymlinkOptions {
            meta: &[("k", &"v".repeat(8181))],
            ..Default::default()
        };
        assert_eq!(
            put_symlink("a", "b", &big).unwrap_err().code,
            ErrorCode::MetadataTooLarge
        );
        let via_headers = PutSymlinkOptions {
            meta: &[("k", &"v".repeat(4090))],
            headers: &[("X-Oss-Meta-J", &"v".repeat(4091))],
            ..Default::default()
        };
        assert_eq!(
            put_symlink("a", "b", &via_headers).unwrap_err().code,
            ErrorCode::MetadataTooLarge
        );
    }
}
