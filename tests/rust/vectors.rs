//! Every case of `../shared/vectors/oss-v4-signature.json` (expected values computed by the
//! official `alibabacloud-oss-v2` signer) must come out of our signer byte for byte.

use std::path::PathBuf;

use oss_symlink::request::{url, Addressing, Endpoint, Request};
use oss_symlink::signer::{presign, sign_headers, Credentials, SigningParams};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/oss-v4-signature.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (../shared must sit beside the repo)",
            path.display()
        )
    });
    let doc: Value = serde_json::from_str(&text).expect("vectors are JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p[0].as_str().unwrap().to_string(),
                        p[1].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn all_shared_vectors_match_the_official_signer() {
    let cases = vectors();
    assert!(
        cases.len() >= 60,
        "expected the full vector set, found {}",
        cases.len()
    );
    let (mut header_cases, mut presign_cases) = (0, 0);
    for case in &cases {
        let name = s(case, "name").unwrap();
        let mut req = Request::new(
            s(case, "method").unwrap(),
            s(case, "bucket"),
            s(case, "key"),
        );
        req.query = pairs(&case["query"]);
        for (k, v) in pairs(&case["headers"]) {
            req.add_caller_header(&k, &v, "")
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let creds = Credentials {
            access_key_id: s(case, "accessKeyId").unwrap(),
            access_key_secret: s(case, "accessKeySecret").unwrap(),
            security_token: s(case, "securityToken"),
        };
        let additional: Vec<&str> = case
            .get("additionalHeaders")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|h| h.as_str().unwrap()).collect())
            .unwrap_or_default();
        let region = s(case, "region").unwrap();
        let params = SigningParams {
            credentials: &creds,
            region,
            product: s(case, "product").unwrap_or("oss"),
            unix_seconds: case["time"].as_i64().unwrap(),
            additional_headers: &additional,
        };
        let expected = &case["expected"];
        let presign_expires = case.get("presignExpires").and_then(Value::as_u64);
        let signed = match presign_expires {
            Some(expires) => presign(&mut req, &params, expires as u32).unwrap(),
            None => sign_headers(&mut req, &params).unwrap(),
        };
        let want = |k: &str| s(expected, k).unwrap_or_else(|| panic!("{name}: no expected {k}"));
        assert_eq!(
            signed.string_to_sign,
            want("stringToSign"),
            "{name}: string to sign"
        );
        assert_eq!(signed.signature, want("signature"), "{name}: signature");
        if presign_expires.is_some() {
            let endpoint = Endpoint::for_region(region).unwrap();
            assert_eq!(
                url(&endpoint, Addressing::VirtualHosted, &req),
                want("url"),
                "{name}: url"
            );
            presign_cases += 1;
        } else {
            assert_eq!(
                req.header("authorization"),
                Some(want("authorization")),
                "{name}: authorization"
            );
            assert_eq!(
                req.header("x-oss-date"),
                Some(want("x-oss-date")),
                "{name}: x-oss-date"
            );
            assert_eq!(
                req.header("x-oss-content-sha256"),
                Some("UNSIGNED-PAYLOAD"),
                "{name}"
            );
            assert_eq!(
                req.header("x-oss-security-token"),
                s(case, "securityToken"),
                "{name}: token"
            );
            header_cases += 1;
        }
    }
    assert!(header_cases > 0 && presign_cases > 0);
}

#[test]
fn a_changed_input_changes_the_signature() {
    // Guards against a signer that ignores its input: flip each part and expect a new signature.
    let base = || {
        let mut r = Request::new("PUT", Some("bucket"), Some("a.txt"));
        r.query.push(("symlink".into(), String::new()));
        r.headers
            .push(("x-oss-symlink-target".into(), "b.txt".into()));
        r
    };
    let creds = Credentials {
        access_key_id: "ak",
        access_key_secret: "sk",
        security_token: None,
    };
    let params = SigningParams {
        credentials: &creds,
        region: "cn-hangzhou",
        product: "oss",
        unix_seconds: 1702743657,
        additional_headers: &[],
    };
    let reference = sign_headers(&mut base(), &params).unwrap().signature;
    let mut other_target = base();
    other_target.headers[0].1 = "c.txt".into();
    assert_ne!(
        sign_headers(&mut other_target, &params).unwrap().signature,
        reference
    );
    let other_secret = Credentials {
        access_key_secret: "sk2",
        ..creds
    };
    let p2 = SigningParams {
        credentials: &other_secret,
        ..params
    };
    assert_ne!(sign_headers(&mut base(), &p2).unwrap().signature, reference);
}
