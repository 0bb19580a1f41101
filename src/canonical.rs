//! The canonical request of OSS V4: the exact text whose SHA-256 is signed.
//!
//! ```text
//! METHOD \n CANONICAL-URI \n CANONICAL-QUERY \n CANONICAL-HEADERS \n ADDITIONAL-HEADERS \n UNSIGNED-PAYLOAD
//! ```
//! Header names here are expected lower-case and values trimmed: [`crate::request`] normalizes
//! them before signing, so that what is signed is byte for byte what is sent.

use alloc::string::String;
use alloc::vec::Vec;

use crate::encode::{path_encode_into, uri_encode, uri_encode_into};

pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// `x-oss-*`, `content-type` and `content-md5` are always signed.
pub fn is_signed_by_default(lower_name: &str) -> bool {
    lower_name.as_bytes().starts_with(b"x-oss-")
        || lower_name == "content-type"
        || lower_name == "content-md5"
}

/// `/bucket/key`, encoded with `/` kept; `/bucket/` without a key and `/` without a bucket.
/// The same for every addressing style, and never normalized (`a/../b` stays).
///
/// ```
/// use oss_symlink::canonical::canonical_uri;
/// assert_eq!(canonical_uri(Some("b"), Some("1234+-/123/1.txt")), "/b/1234%2B-/123/1.txt");
/// assert_eq!(canonical_uri(None, None), "/");
/// ```
pub fn canonical_uri(bucket: Option<&str>, key: Option<&str>) -> String {
    let mut out =
        String::with_capacity(8 + bucket.map_or(0, str::len) + key.map_or(0, |k| k.len() * 3));
    out.push('/');
    if let Some(bucket) = bucket {
        path_encode_into(&mut out, bucket);
        out.push('/');
    }
    if let Some(key) = key {
        path_encode_into(&mut out, key);
    }
    out
}

/// Encoded `name=value` pairs sorted by encoded name (then value), joined with `&`; an empty
/// value is written as the bare name (`symlink`).
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs = Vec::new();
    for (k, v) in query {
        pairs.push((uri_encode(k), uri_encode(v)));
    }
    write_sorted(pairs, "&", '=', true, "")
}

/// `pairs` sorted and written `name`, `between`, `value`, `after`, with `separator` between
/// pairs; `bare_empty` leaves `between` out before an empty value. The query and the headers
/// of the canonical request share it.
fn write_sorted(
    mut pairs: Vec<(String, String)>,
    separator: &str,
    between: char,
    bare_empty: bool,
    after: &str,
) -> String {
    sort_small(&mut pairs);
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(name);
        if !(bare_empty && value.is_empty()) {
            out.push(between);
            out.push_str(value);
        }
        out.push_str(after);
    }
    out
}

/// The additional headers that take part in the signature: lower-cased, de-duplicated and
/// sorted; names signed anyway and names absent from the request (or empty there) are dropped,
/// as the official SDKs do.
pub fn additional_header_names(headers: &[(String, String)], requested: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for name in requested {
        let n = name.to_ascii_lowercase();
        let present = headers.iter().any(|(h, v)| *h == n && !v.is_empty());
        if present && !is_signed_by_default(&n) && !names.contains(&n) {
            names.push(n);
        }
    }
    sort_small(&mut names);
    names
}

/// `name:value\n` for each signed header, sorted by name.
pub fn canonical_headers(headers: &[(String, String)], additional: &[String]) -> String {
    // Owned pairs, sorted and written by the same code as the query's.
    let mut signed: Vec<(String, String)> = Vec::new();
    for (name, value) in headers {
        if is_signed_by_default(name) || additional.iter().any(|a| a == name) {
            signed.push((name.clone(), trim_blanks(value).into()));
        }
    }
    write_sorted(signed, "", ':', false, "\n")
}

/// Header values without leading and trailing spaces and tabs (the only blanks a validated
/// value can hold).
pub fn trim_blanks(value: &str) -> &str {
    crate::text::trim_bytes(value, |b| b == b' ' || b == b'\t')
}

/// Insertion sort: these lists hold a handful of items, and the standard library's sort would
/// add kilobytes of WebAssembly for each type it is used with. `get_mut` instead of indexing:
/// no bounds check that could panic.
fn sort_small<T: Ord>(items: &mut [T]) {
    for i in 1..items.len() {
        let mut j = i;
        while let Some([a, b]) = items.get_mut(j - 1..=j) {
            if *a <= *b {
                break;
            }
            core::mem::swap(a, b);
            j -= 1;
            if j == 0 {
                break;
            }
        }
    }
}

/// `items` joined with `;`.
pub fn join_semicolons(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(item);
    }
    out
}

/// Joins the parts into the canonical request.
pub fn canonical_request(
    method: &str,
    uri: &str,
    query: &str,
    headers: &str,
    additional: &[String],
) -> String {
    let additional = join_semicolons(additional);
    crate::text::cat(&[
        method,
        "\n",
        uri,
        "\n",
        query,
        "\n",
        headers,
        "\n",
        &additional,
        "\n",
        UNSIGNED_PAYLOAD,
    ])
}

/// Appends `name[=value]` pairs, encoded, in the given order: the query string of a URL.
pub fn push_query_string(out: &mut String, query: &[(String, String)]) {
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        uri_encode_into(out, k);
        if !v.is_empty() {
            out.push('=');
            uri_encode_into(out, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::pairs;

    #[test]
    fn query_is_sorted_by_encoded_name() {
        let q = pairs(&[
            ("param1", "value1"),
            ("+param1", "value3"),
            ("|param1", "value4"),
            ("param2", ""),
        ]);
        assert_eq!(
            canonical_query(&q),
            "%2Bparam1=value3&%7Cparam1=value4&param1=value1&param2"
        );
    }

    #[test]
    fn additional_headers_are_filtered() {
        let h = pairs(&[("abc", "v"), ("zabc", "v"), ("x-oss-a", "v")]);
        let req = ["ZAbc", "abc", "x-oss-a", "missing", "abc"];
        assert_eq!(additional_header_names(&h, &req), vec!["abc", "zabc"]);
    }
}
