//! Property tests over the core: for arbitrary keys, targets, metadata, tags and headers,
//! building and signing never panics, every header that comes out is a legal HTTP header, and the
//! canonical request agrees with the small reference implementation below (written from the
//! OSS V4 description, independently of `src/`).
//!
//! `PROPTEST_CASES=1000000 cargo test --release --test properties` is the long run (`npm run fuzz`).

use oss_symlink::prepare::{prepare, ClientConfig, SignMode};
use oss_symlink::request::{Addressing, Endpoint, Request};
use oss_symlink::signer::{presign, sign_headers, Credentials, SigningParams};
use oss_symlink::symlink::{put_symlink, PutSymlinkOptions};
use proptest::prelude::*;

// ---- reference implementation ------------------------------------------------------------

fn ref_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let unreserved =
            b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/');
        if unreserved {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn ref_canonical_request(req: &Request, additional: &[String]) -> String {
    let uri = ref_encode(
        &format!("/{}/{}", req.bucket.unwrap_or(""), req.key.unwrap_or("")),
        true,
    );
    let mut q: Vec<(String, String)> = req
        .query
        .iter()
        .map(|(k, v)| (ref_encode(k, false), ref_encode(v, false)))
        .collect();
    q.sort();
    let query: Vec<String> = q
        .into_iter()
        .map(|(k, v)| if v.is_empty() { k } else { format!("{k}={v}") })
        .collect();
    let mut extra: Vec<String> = additional.iter().map(|a| a.to_lowercase()).collect();
    extra.retain(|a| {
        !(a.starts_with("x-oss-") || a == "content-type" || a == "content-md5")
            && req.headers.iter().any(|(n, v)| n == a && !v.is_empty())
    });
    extra.sort();
    extra.dedup();
    let mut signed: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, _)| {
            n.starts_with("x-oss-")
                || n == "content-type"
                || n == "content-md5"
                || extra.contains(n)
        })
        .map(|(n, v)| (n.clone(), v.trim().to_string()))
        .collect();
    signed.sort();
    let headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    format!(
        "{}\n{}\n{}\n{}\n{}\nUNSIGNED-PAYLOAD",
        req.method,
        uri,
        query.join("&"),
        headers,
        extra.join(";")
    )
}

/// 1,000 cases in `npm test`; `PROPTEST_CASES` sets more for the long run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

// ---- generators ---------------------------------------------------------------------------

/// Any text, biased towards the characters that matter: separators, reserved ASCII, controls,
/// multi-byte UTF-8.
fn text(max: usize) -> impl Strategy<Value = String> {
    let interesting = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => prop::sample::select(vec!['/', ' ', '+', '%', '?', '#', '&', '=', ';', ',', '.', '~', '*', '\'', '(', ')', '!', '\\', '"', ':', '@']),
        1 => prop::sample::select(vec!['\r', '\n', '\0', '\t', '\u{7f}', '\u{85}']),
        2 => prop::sample::select(vec!['中', '文', 'é', '😀', '\u{FFFD}', '\u{200B}']),
        1 => any::<char>(),
    ];
    prop::collection::vec(interesting, 0..max).prop_map(|v| v.into_iter().collect())
}

fn pairs(max: usize) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(12), text(24)), 0..max)
}

fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

fn legal_header(name: &str, value: &str) -> bool {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !name.is_empty()
        && name.bytes().all(token)
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

fn config(token: Option<&str>) -> ClientConfig<'_> {
    ClientConfig {
        region: "cn-hangzhou",
        product: "oss",
        endpoint: Endpoint::parse("http://127.0.0.1:9000").unwrap(),
        addressing: Addressing::Path,
        bucket: Some("examplebucket"),
        credentials: Credentials {
            access_key_id: "ak",
            access_key_secret: "sk",
            security_token: token,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn put_symlink_never_panics_and_emits_only_legal_headers(
        key in text(40), target in text(40), meta in pairs(4), tagging in pairs(4), headers in pairs(4),
        forbid in any::<Option<bool>>(), acl in prop::option::of(text(20)), class in prop::option::of(text(10)),
        token in prop::option::of(text(20)), time in 0i64..4_102_444_800, presign_for in prop::option::of(0u32..700_000),
    ) {
        let (meta, tagging, headers) = (borrowed(&meta), borrowed(&tagging), borrowed(&headers));
        let opts = PutSymlinkOptions { forbid_overwrite: forbid, acl: acl.as_deref(), storage_class: class.as_deref(), meta: &meta, tagging: &tagging, headers: &headers };
        let Ok(req) = put_symlink(&key, &target, &opts) else { return Ok(()) };
        let mode = presign_for.map_or(SignMode::Header, |expires_seconds| SignMode::Presign { expires_seconds });
        if let Ok((http, _)) = prepare(&config(token.as_deref()), req, time, &[], mode) {
            for (name, value) in &http.headers {
                prop_assert!(legal_header(name, value), "illegal header {name:?}: {value:?}");
            }
            prop_assert!(http.url.bytes().all(|b| b.is_ascii_graphic()), "url {}", http.url);
            prop_assert!(http.headers.iter().any(|(n, _)| n == "x-oss-symlink-target"));
        }
    }

    #[test]
    fn canonical_request_matches_the_reference(
        key in text(40), bucket in prop::sample::select(vec!["b-1", "examplebucket", "a0z"]),
        query in pairs(5), headers in pairs(6), additional in prop::collection::vec(text(10), 0..4),
        time in 0i64..4_102_444_800, presign_for in prop::option::of(1u32..604_800),
    ) {
        let mut req = Request::new("PUT", Some(bucket), Some(&key).filter(|k| !k.is_empty()).map(|k| k.as_str()));
        req.query = query;
        for (name, value) in &headers {
            // Only legal caller headers get in; the rest must be refused, never passed on.
            if req.add_caller_header(name, value, "").is_ok() {
                prop_assert!(legal_header(&name.to_ascii_lowercase(), value));
            }
        }
        let creds = Credentials { access_key_id: "ak", access_key_secret: "sk", security_token: None };
        let additional_names: Vec<&str> = additional.iter().map(String::as_str).collect();
        let params = SigningParams { credentials: &creds, region: "cn-hangzhou", product: "oss", unix_seconds: time, additional_headers: &additional_names };
        let signed = match presign_for {
            Some(e) => presign(&mut req, &params, e),
            None => sign_headers(&mut req, &params),
        };
        let signed = signed.expect("valid parameters always sign");
        let mut unsigned = req.clone();
        unsigned.query.retain(|(k, _)| k != "x-oss-signature");
        unsigned.headers.retain(|(n, _)| n != "authorization");
        prop_assert_eq!(signed.canonical_request, ref_canonical_request(&unsigned, &additional));
    }
}
