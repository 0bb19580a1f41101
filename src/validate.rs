//! Input rules, checked before anything is signed or sent. Each check names the field it is
//! about, so a caller can tell the user exactly what to fix.

use crate::Str;

use crate::error::{Error, ErrorCode, Result};
use crate::text::{after_prefix, all, cat, char_count, char_name, decimal, find_char, listed};

/// Object keys and symlink targets: 1..=1023 bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1023;
/// Total size of user metadata: full `x-oss-meta-*` names plus values, in bytes.
pub const MAX_META_BYTES: usize = 8 * 1024;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 256;

pub const ACLS: &str = "default private public-read public-read-write";
pub const STORAGE_CLASSES: &str = "Standard IA Archive";

/// Bucket: 3..=63 characters of `a-z 0-9 -`, starting and ending with a letter or digit.
///
/// ```
/// use oss_symlink::validate::bucket_name;
/// assert!(bucket_name("examplebucket").is_ok());
/// assert!(bucket_name("Example").is_err());
/// ```
pub fn bucket_name(bucket: &str) -> Result<()> {
    let bytes = bucket.as_bytes();
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| *b != b'-');
    if !(3..=63).contains(&bytes.len())
        || !all(bytes, allowed)
        || !edge_ok(bytes.first())
        || !edge_ok(bytes.last())
    {
        return Err(Error::new(
            ErrorCode::InvalidBucketName,
            "bucket",
            "bucket must be 3 to 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
        ));
    }
    Ok(())
}

/// Object key (and symlink target, with another code): 1..=1023 bytes, not starting with `/` or
/// `\`, no control characters (they would be header injection in the target, and OSS refuses
/// them in keys).
pub fn object_key(key: &str, field: &str, code: ErrorCode) -> Result<()> {
    let what = if code == ErrorCode::InvalidSymlinkTarget {
        "symlink target"
    } else {
        "object key"
    };
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(Error::new(code, field, &format_len(what, key.len())));
    }
    if matches!(key.as_bytes().first(), Some(b'/' | b'\\')) {
        return Err(Error::new(
            code,
            field,
            &cat(&[what, " must not start with '/' or '\\'"]),
        ));
    }
    if let Some(c) = find_char(key, char::is_control) {
        return Err(Error::new(
            code,
            field,
            &cat(&[what, " contains the control character ", &char_name(c)]),
        ));
    }
    // A URL path that is only `.` or `..` is resolved away by every URL parser (and so by
    // `fetch`): the request would address the bucket or the service instead. Other dot segments
    // are kept by `request::url`; a target travels in a header, where dots are harmless.
    if code == ErrorCode::InvalidObjectName && (key == "." || key == "..") {
        return Err(Error::new(
            code,
            field,
            "object key must not be '.' or '..': a URL cannot address such an object",
        ));
    }
    Ok(())
}

fn format_len(what: &str, len: usize) -> Str {
    cat(&[
        what,
        " must be 1 to 1023 bytes of UTF-8, got ",
        &decimal(len as u64),
        " bytes",
    ])
}

/// Region ids such as `cn-hangzhou` or `cb-123`: lower-case letters, digits and `-`.
pub fn region(region: &str) -> Result<()> {
    simple_label(region, "region", ErrorCode::InvalidRegion)
}

/// Product in the signing scope: `oss`, or `oss-cloudbox` for CloudBox.
pub fn product(product: &str) -> Result<()> {
    simple_label(product, "product", ErrorCode::InvalidProduct)
}

fn simple_label(value: &str, field: &str, code: ErrorCode) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && all(value.as_bytes(), |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
        });
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            code,
            field,
            &cat(&[
                field,
                " must be 1 to 64 characters of lower-case letters, digits and '-'",
            ]),
        ))
    }
}

/// HTTP header names are RFC 9110 tokens.
pub fn header_name(name: &str, field: &str) -> Result<()> {
    let is_tchar = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            )
    };
    if name.is_empty() || !all(name.as_bytes(), is_tchar) {
        return Err(Error::new(
            ErrorCode::InvalidHeaderName,
            field,
            "header names must be non-empty HTTP tokens (letters, digits and !#$%&'*+-.^_`|~)",
        ));
    }
    Ok(())
}

/// Header values: printable ASCII, space and tab only. This keeps CR, LF and NUL out of every
/// header, and non-ASCII text too, which `fetch` would send as Latin-1 and break the signature.
pub fn header_value(value: &str, field: &str) -> Result<()> {
    if let Some(c) = find_char(value, |c| !matches!(c, '\t' | ' '..='~')) {
        let hint = if c.is_control() {
            " (control characters such as CR and LF are never allowed in headers)"
        } else {
            " (only printable ASCII is allowed; encode other text, e.g. with encodeURIComponent)"
        };
        return Err(Error::new(
            ErrorCode::InvalidHeaderValue,
            field,
            &cat(&[field, " contains the character ", &char_name(c), hint]),
        ));
    }
    Ok(())
}

/// User metadata names: letters, digits and `-`.
pub fn meta_name(name: &str, field: &str) -> Result<()> {
    if name.is_empty() || !all(name.as_bytes(), |b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::new(
            ErrorCode::InvalidMetadata,
            field,
            "metadata names must be non-empty and use only letters, digits and '-'",
        ));
    }
    Ok(())
}

/// OSS's user-metadata rule, the same one the local server applies: the `x-oss-meta-*` headers of
/// a write (from `meta` or from `headers`), counted as full header name (prefix included) plus
/// value in UTF-8 bytes, add up to at most 8 KB; each name after the prefix uses letters, digits
/// and `-`.
///
/// ```
/// use oss_symlink::validate::user_metadata;
/// let at_limit = vec![("x-oss-meta-k".to_string(), "v".repeat(8192 - 12))];
/// assert!(user_metadata(&at_limit).is_ok());
/// let over = vec![("x-oss-meta-k".to_string(), "v".repeat(8192 - 11))];
/// assert!(user_metadata(&over).is_err());
/// ```
pub fn user_metadata(headers: &[(Str, Str)]) -> Result<()> {
    const PREFIX: &str = "x-oss-meta-";
    let mut total = 0usize;
    for (name, value) in headers {
        let Some(short) = after_prefix(name, PREFIX) else {
            continue;
        };
        meta_name(short, &cat(&["headers.", name]))?;
        total += name.len() + value.len();
    }
    if total > MAX_META_BYTES {
        return Err(Error::new(
            ErrorCode::MetadataTooLarge,
            "meta",
            &cat(&[
                "user metadata (x-oss-meta-* names, prefix included, plus values) adds up to ",
                &decimal(total as u64),
                " bytes; at most 8192 are allowed",
            ]),
        ));
    }
    Ok(())
}

/// Tags: at most 10, keys of 1..=128 characters, values of at most 256, no control characters.
pub fn tags(tags: &[(&str, &str)]) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::new(
            ErrorCode::InvalidTagging,
            "tagging",
            &cat(&[
                "at most 10 tags are allowed, got ",
                &decimal(tags.len() as u64),
            ]),
        ));
    }
    for &(key, value) in tags {
        let field = cat(&["tagging.", key]);
        let key_chars = char_count(key);
        if key_chars == 0 || key_chars > MAX_TAG_KEY_CHARS {
            return Err(Error::new(
                ErrorCode::InvalidTagging,
                &field,
                "tag keys must be 1 to 128 characters",
            ));
        }
        if char_count(value) > MAX_TAG_VALUE_CHARS {
            return Err(Error::new(
                ErrorCode::InvalidTagging,
                &field,
                "tag values must be at most 256 characters",
            ));
        }
        if find_char(key, char::is_control)
            .or(find_char(value, char::is_control))
            .is_some()
        {
            return Err(Error::new(
                ErrorCode::InvalidTagging,
                &field,
                "tags must not contain control characters",
            ));
        }
    }
    Ok(())
}

/// Version ids are opaque printable ASCII.
pub fn version_id(value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 1024 || !all(value.as_bytes(), |b| b.is_ascii_graphic()) {
        return Err(Error::new(
            ErrorCode::InvalidVersionId,
            "versionId",
            "versionId must be 1 to 1024 printable ASCII characters",
        ));
    }
    Ok(())
}

pub fn acl(value: &str) -> Result<()> {
    one_of(
        value,
        ACLS,
        "acl",
        ErrorCode::InvalidAcl,
        "acl must be one of: default, private, public-read, public-read-write",
    )
}

pub fn storage_class(value: &str) -> Result<()> {
    one_of(
        value,
        STORAGE_CLASSES,
        "storageClass",
        ErrorCode::InvalidStorageClass,
        "storageClass must be one of: Standard, IA, Archive",
    )
}

fn one_of(value: &str, allowed: &str, field: &str, code: ErrorCode, message: &str) -> Result<()> {
    if listed(allowed, value) {
        return Ok(());
    }
    Err(Error::new(code, field, message))
}

/// Credentials must be present and printable; the message never repeats the value.
pub fn credential(value: &str, field: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidCredentials,
            field,
            &cat(&[field, " is empty"]),
        ));
    }
    if !all(value.as_bytes(), |b| matches!(b, b' '..=b'~')) {
        return Err(Error::new(
            ErrorCode::InvalidCredentials,
            field,
            &cat(&[field, " contains characters outside printable ASCII"]),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets() {
        for ok in ["abc", "a-b", "0bucket9", &"a".repeat(63)] {
            assert!(bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ab",
            "-abc",
            "abc-",
            "aBc",
            "a_b",
            "a.b",
            &"a".repeat(64),
            "",
        ] {
            assert_eq!(
                bucket_name(bad).unwrap_err().code,
                ErrorCode::InvalidBucketName,
                "{bad}"
            );
        }
    }

    #[test]
    fn keys() {
        let code = ErrorCode::InvalidObjectName;
        assert!(object_key("a", "key", code).is_ok());
        assert!(object_key(&"é".repeat(511), "key", code).is_ok()); // 1022 bytes
        assert!(object_key(&"x".repeat(1024), "key", code).is_err());
        assert!(object_key("/a", "key", code).is_err());
        assert!(object_key("\\a", "key", code).is_err());
        let e = object_key("a\r\nb", "key", code).unwrap_err();
        assert!(e.message.contains("U+000D"), "{}", e.message);
        assert!(object_key("", "key", code).is_err());
        for dots in [".", ".."] {
            assert_eq!(object_key(dots, "key", code).unwrap_err().code, code);
            let target = ErrorCode::InvalidSymlinkTarget;
            assert!(object_key(dots, "target", target).is_ok());
        }
        for ok in ["...", "./a", "a/..", "%2e", ".a"] {
            assert!(object_key(ok, "key", code).is_ok(), "{ok}");
        }
    }

    #[test]
    fn header_values() {
        assert!(header_value("attachment; filename=\"a.txt\"\t", "h").is_ok());
        for bad in ["a\rb", "a\nb", "a\0b", "中", "\u{7f}"] {
            assert_eq!(
                header_value(bad, "h").unwrap_err().code,
                ErrorCode::InvalidHeaderValue
            );
        }
    }

    #[test]
    fn escape_names() {
        assert_eq!(char_name('\n'), "U+000A");
        assert_eq!(char_name('\u{1F600}'), "U+1F600");
    }

    #[test]
    fn tagging_limits() {
        let t = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let tags = |t: &[(String, String)]| {
            let borrowed: Vec<(&str, &str)> = t.iter().map(|(k, v)| (&**k, &**v)).collect();
            super::tags(&borrowed)
        };
        assert!(tags(&t(&"k".repeat(128), &"v".repeat(256))).is_ok());
        assert!(tags(&t(&"k".repeat(129), "v")).is_err());
        assert!(tags(&t("k", &"v".repeat(257))).is_err());
        assert!(tags(&t("", "v")).is_err());
        let eleven: Vec<_> = (0..11).map(|i| (i.to_string(), String::new())).collect();
        assert!(tags(&eleven).is_err());
    }
}
