"""Oracle: drives the local OSS server with the official Python SDK (alibabacloud-oss-v2, V4 signing).

Environment: OSS_ENDPOINT, OSS_REGION, OSS_BUCKET, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and
ORACLE_MODE ("ok": every call must succeed; "wrong-secret": every call must fail with
SignatureDoesNotMatch). Prints one JSON object per step and exits 0 only when all steps passed.
"""
import json
import os
import sys
from urllib.parse import quote, unquote

import alibabacloud_oss_v2 as oss

BUCKET = os.environ["OSS_BUCKET"]
MODE = os.environ.get("ORACLE_MODE", "ok")
DATA_KEY = "oracle/数据 😀+%.txt"
LINK_KEY = "oracle/link-链接"
BODY = "hello from the python oracle".encode()


def client() -> oss.Client:
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
        os.environ["OSS_ACCESS_KEY_ID"], os.environ["OSS_ACCESS_KEY_SECRET"])
    cfg.region = os.environ["OSS_REGION"]
    cfg.endpoint = os.environ["OSS_ENDPOINT"]
    cfg.signature_version = "v4"
    cfg.use_path_style = True
    cfg.retry_max_attempts = 1
    return oss.Client(cfg)


def service_error(error: Exception):
    while error is not None and not isinstance(error, oss.exceptions.ServiceError):
        error = error.unwrap() if isinstance(error, oss.exceptions.OperationError) else error.__cause__
    return error


def main() -> int:
    c = client()
    target = quote(DATA_KEY, safe="/")  # the SDK sends x-oss-symlink-target as given: URL-encode it
    steps = [
        ("put_object", lambda: c.put_object(oss.PutObjectRequest(
            bucket=BUCKET, key=DATA_KEY, body=BODY, content_type="text/plain"))),
        ("put_symlink", lambda: c.put_symlink(oss.PutSymlinkRequest(
            bucket=BUCKET, key=LINK_KEY, target=target, forbid_overwrite=True,
            metadata={"origin": "python-oracle"}, headers={"x-oss-tagging": "k1=v1&k2=v%202"}))),
        ("get_symlink", lambda: c.get_symlink(oss.GetSymlinkRequest(bucket=BUCKET, key=LINK_KEY))),
        ("get_object_through_link", lambda: c.get_object(oss.GetObjectRequest(bucket=BUCKET, key=LINK_KEY))),
        ("head_object_through_link", lambda: c.head_object(oss.HeadObjectRequest(bucket=BUCKET, key=LINK_KEY))),
    ]
    failures = 0
    for name, call in steps:
        record = {"step": name}
        try:
            result = call()
            record["status"] = result.status_code
            if name == "get_symlink":
                record["target"] = unquote(result.target)
                record["metadata"] = dict(result.metadata or {})
                ok = result.target == target and record["metadata"].get("origin") == "python-oracle"
            elif name == "get_object_through_link":
                record["body"] = result.body.read().decode()
                ok = record["body"] == BODY.decode()
            elif name == "head_object_through_link":
                record["content_length"] = result.content_length
                ok = result.content_length == len(BODY)
            else:
                ok = result.status_code == 200
            record["ok"] = ok if MODE == "ok" else False
        except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
            se = service_error(error)
            record["error_code"] = getattr(se, "code", None)
            record["status"] = getattr(se, "status_code", None)
            if se is None:
                record["error"] = repr(error)
            record["ok"] = MODE == "wrong-secret" and record["error_code"] == "SignatureDoesNotMatch"
        failures += 0 if record["ok"] else 1
        print(json.dumps(record, ensure_ascii=False), flush=True)

    if MODE == "ok":
        # Forbid-overwrite on the existing link must now be refused.
        record = {"step": "put_symlink_forbid_overwrite_again"}
        try:
            c.put_symlink(oss.PutSymlinkRequest(bucket=BUCKET, key=LINK_KEY, target=target, forbid_overwrite=True))
            record["ok"] = False
        except Exception as error:  # noqa: BLE001
            se = service_error(error)
            record["error_code"] = getattr(se, "code", None)
            record["ok"] = record["error_code"] == "FileAlreadyExists"
        failures += 0 if record["ok"] else 1
        print(json.dumps(record, ensure_ascii=False), flush=True)

    print(json.dumps({"summary": "ORACLE OK" if failures == 0 else "ORACLE FAILED", "failures": failures}), flush=True)
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
