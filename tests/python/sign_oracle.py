"""Signs requests with the official alibabacloud-oss-v2 SignerV4: a test oracle for our signer.

Reads a JSON array of requests on stdin and writes a JSON array of results on stdout:
  in:  {method, region, product?, bucket, key, query: [[k, v]], headers: [[k, v]],
        accessKeyId, accessKeySecret, securityToken?, time (unix s), additionalHeaders?, presignExpires?}
  out: {authorization, stringToSign} for the header form, {url, stringToSign} for presign.
"""
import datetime
import json
import sys
from urllib.parse import quote

from alibabacloud_oss_v2.credentials import StaticCredentialsProvider
from alibabacloud_oss_v2.signer import SignerV4
from alibabacloud_oss_v2.types import HttpRequest, SigningContext


def sign(case):
    region = case["region"]
    bucket = case["bucket"]
    url = f"https://{bucket}.oss-{region}.aliyuncs.com/{quote(case['key'], safe='/')}"
    query = "&".join(
        quote(k, safe="") + ("=" + quote(v, safe="") if v else "") for k, v in case.get("query", [])
    )
    if query:
        url += "?" + query
    request = HttpRequest(case["method"], url, headers=dict(case.get("headers", [])))
    creds = StaticCredentialsProvider(
        case["accessKeyId"], case["accessKeySecret"], case.get("securityToken") or None
    ).get_credentials()
    when = datetime.datetime.fromtimestamp(case["time"], datetime.timezone.utc)
    ctx = SigningContext(
        product=case.get("product") or "oss",
        region=region,
        bucket=bucket,
        key=case["key"],
        request=request,
        credentials=creds,
        signing_time=when,
        additional_headers=set(case.get("additionalHeaders") or []) or None,
    )
    expires = case.get("presignExpires")
    if expires:
        ctx.auth_method_query = True
        ctx.expiration_time = when + datetime.timedelta(seconds=expires)
    SignerV4().sign(ctx)
    if expires:
        return {"url": request.url, "stringToSign": ctx.string_to_sign}
    return {"authorization": request.headers["Authorization"], "stringToSign": ctx.string_to_sign}


if __name__ == "__main__":
    print(json.dumps([sign(c) for c in json.load(sys.stdin)]))
