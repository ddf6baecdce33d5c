"""scripts/moto_fast.py that also logs the action of every request it serves, for
scripts/bench-iam: one line `ACTION <service>:<Action>` on stderr per request that moto
dispatches through BaseResponse.call_action (the query and JSON protocols: IAM, STS,
Organizations, EC2, ...), next to werkzeug's usual request line. S3, which moto serves
outside call_action, is logged from its bucket and object handlers under the API operation's
name (`s3:ListBuckets`, `s3:GetBucketPolicy`, `s3:GetPublicAccessBlock`, ...; a subresource
this file does not name is logged as e.g. `s3:GET?cors`). Same CLI as moto_server.
"""
import os
import runpy
import sys

from moto.core.responses import BaseResponse

_call_action = BaseResponse.call_action


def _logged_call_action(self):  # noqa: ANN001, ANN202
    try:
        action = self._get_action()
    except Exception:  # noqa: BLE001 - logging must never change moto's answer
        action = "?"
    sys.stderr.write(f"ACTION {self.service_name}:{action}\n")
    return _call_action(self)


BaseResponse.call_action = _logged_call_action

# S3 bucket subresources (the query key) -> the operation a GET / PUT / DELETE of it is.
_S3_SUBRESOURCES = {
    "location": "BucketLocation", "policy": "BucketPolicy", "versioning": "BucketVersioning",
    "publicAccessBlock": "PublicAccessBlock", "encryption": "BucketEncryption",
    "acl": "BucketAcl", "logging": "BucketLogging", "tagging": "BucketTagging",
    "ownershipControls": "BucketOwnershipControls", "lifecycle": "BucketLifecycleConfiguration",
    "object-lock": "ObjectLockConfiguration", "policyStatus": "BucketPolicyStatus",
    "notification": "BucketNotificationConfiguration", "website": "BucketWebsite",
    "cors": "BucketCors", "replication": "BucketReplication",
    "accelerate": "BucketAccelerateConfiguration", "requestPayment": "BucketRequestPayment",
}
_S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def _s3_operation(request, full_url, has_bucket):  # noqa: ANN001, ANN202
    from urllib.parse import parse_qs, urlparse
    method = request.method
    keys = list(parse_qs(urlparse(full_url).query, keep_blank_values=True))
    if not has_bucket:
        return "ListBuckets"
    for key in keys:
        if key in _S3_SUBRESOURCES and method in _S3_VERBS:
            return _S3_VERBS[method] + _S3_SUBRESOURCES[key]
    if method == "HEAD":
        return "HeadBucket"
    if method == "GET":
        return "ListObjectsV2" if "list-type" in keys else ("ListObjects" if not keys else f"GET?{keys[0]}")
    if method == "PUT" and not keys:
        return "CreateBucket"
    if method == "DELETE" and not keys:
        return "DeleteBucket"
    return f"{method}?{','.join(keys)}"


def _patch_s3():  # noqa: ANN202
    from moto.s3.responses import S3Response
    bucket_response, key_response = S3Response._bucket_response, S3Response._key_response

    def logged_bucket(self, request, full_url):  # noqa: ANN001, ANN202
        try:
            has_bucket = bool(self.parse_bucket_name_from_url(request, full_url))
            action = _s3_operation(request, full_url, has_bucket)
        except Exception:  # noqa: BLE001
            action = "?"
        sys.stderr.write(f"ACTION s3:{action}\n")
        return bucket_response(self, request, full_url)

    def logged_key(self, request, full_url):  # noqa: ANN001, ANN202
        sys.stderr.write(f"ACTION s3:{request.method}Object\n")
        return key_response(self, request, full_url)

    S3Response._bucket_response = logged_bucket
    S3Response._key_response = logged_key


_patch_s3()

sys.argv[0] = os.path.join(os.path.dirname(__file__), "..", "moto_fast.py")
runpy.run_path(sys.argv[0], run_name="__main__")
