"""S3's REST requests as IAM authorises them (the table in the S3 User Guide's
"Actions, resources and condition keys for Amazon S3").

Object requests act on arn:aws:s3:::bucket/key, bucket requests on arn:aws:s3:::bucket.
Some names differ from the operation: HeadObject is s3:GetObject, HeadBucket and
ListObjects(V2) s3:ListBucket, the multipart calls s3:PutObject; CopyObject and
UploadPartCopy also need s3:GetObject on the source; DeleteObjects needs
s3:DeleteObject on every key; a POST form upload is s3:PutObject on its key.
ListBucket carries the s3:prefix, s3:delimiter and s3:max-keys condition keys.
"""
from __future__ import annotations

from urllib.parse import parse_qs, unquote

from portrait_local.iam.actions import Arns, UnmappedRequest, xml_keys
from portrait_local.iam.evaluator import Request

# Sub-resources (query parameters) of a bucket, by method: the action each one is.
_BUCKET_SUBRESOURCES = {
    "GET": {"location": "GetBucketLocation", "cors": "GetBucketCORS",
            "lifecycle": "GetLifecycleConfiguration", "notification": "GetBucketNotification",
            "policy": "GetBucketPolicy", "acl": "GetBucketAcl", "tagging": "GetBucketTagging",
            "versioning": "GetBucketVersioning", "versions": "ListBucketVersions",
            "uploads": "ListBucketMultipartUploads", "website": "GetBucketWebsite",
            "encryption": "GetEncryptionConfiguration", "logging": "GetBucketLogging",
            "ownershipControls": "GetBucketOwnershipControls",
            "publicAccessBlock": "GetBucketPublicAccessBlock"},
    "PUT": {"cors": "PutBucketCORS", "lifecycle": "PutLifecycleConfiguration",
            "notification": "PutBucketNotification", "policy": "PutBucketPolicy",
            "acl": "PutBucketAcl", "tagging": "PutBucketTagging",
            "versioning": "PutBucketVersioning", "website": "PutBucketWebsite",
            "encryption": "PutEncryptionConfiguration",
            "publicAccessBlock": "PutBucketPublicAccessBlock"},
    "DELETE": {"cors": "PutBucketCORS", "lifecycle": "PutLifecycleConfiguration",
               "policy": "DeleteBucketPolicy", "tagging": "PutBucketTagging",
               "website": "DeleteBucketWebsite"},
}
_OBJECT_SUBRESOURCES = {
    "GET": {"tagging": "GetObjectTagging", "acl": "GetObjectAcl", "uploadId":
            "ListMultipartUploadParts", "retention": "GetObjectRetention",
            "legal-hold": "GetObjectLegalHold", "attributes": "GetObjectAttributes"},
    "HEAD": {},
    "PUT": {"tagging": "PutObjectTagging", "acl": "PutObjectAcl",
            "retention": "PutObjectRetention", "legal-hold": "PutObjectLegalHold"},
    "DELETE": {"tagging": "DeleteObjectTagging", "uploadId": "AbortMultipartUpload"},
    "POST": {"restore": "RestoreObject", "select": "GetObject", "uploads": "PutObject",
             "uploadId": "PutObject"},
}
_OBJECT_DEFAULT = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject",
                   "DELETE": "DeleteObject"}
LIST_KEYS = frozenset({"s3:prefix", "s3:delimiter", "s3:max-keys"})


def bucket_and_key(environ: dict) -> tuple[str, str]:
    """Path style (/bucket/key) or virtual-host style (bucket.s3.<host>/key)."""
    # WSGI gives the path decoded as latin-1; S3 keys are UTF-8.
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    host = environ.get("HTTP_HOST", "").split(":")[0]
    if ".s3." in host or host.endswith(".s3.localhost.localstack.cloud") or (
            host.endswith(".localhost") and host != "localhost"):
        return host.split(".")[0], path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def s3_requests(environ: dict, body: bytes, arns: Arns,
                form: dict[str, str] | None = None) -> list[Request]:
    method = environ.get("REQUEST_METHOD", "GET")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    bucket, key = bucket_and_key(environ)
    bucket_arn = f"arn:{arns.partition}:s3:::{bucket}"
    if not bucket:
        if method == "GET":
            return [Request("s3:ListAllMyBuckets", "*")]
        raise UnmappedRequest(f"s3 {method} /")
    if form is not None:  # a browser's POST form: the upload's key
        key = form.get("key", "").replace("${filename}", form.get("__filename__", ""))
        return [Request("s3:PutObject", f"{bucket_arn}/{key}")]
    if key:
        return _object(method, query, environ, bucket_arn, key, arns)
    return _bucket(method, query, body, bucket_arn)


def _object(method: str, query: dict, environ: dict, bucket_arn: str, key: str,
            arns: Arns) -> list[Request]:
    subresources = _OBJECT_SUBRESOURCES.get(method)
    if subresources is None:
        raise UnmappedRequest(f"s3 {method} on an object")
    action = next((a for q, a in subresources.items() if q in query), None)
    if action is None and method == "PUT" and "partNumber" in query:
        action = "PutObject"  # UploadPart
    action = action or _OBJECT_DEFAULT.get(method)
    if action is None:
        raise UnmappedRequest(f"s3 {method} on an object with {sorted(query)}")
    needed = [Request(f"s3:{action}", f"{bucket_arn}/{key}")]
    source = environ.get("HTTP_X_AMZ_COPY_SOURCE")
    if method == "PUT" and source and action == "PutObject":  # CopyObject, UploadPartCopy
        source = unquote(source.split("?versionId=", 1)[0]).lstrip("/")
        needed.append(Request("s3:GetObject", f"arn:{arns.partition}:s3:::{source}"))
    return needed


def _bucket(method: str, query: dict, body: bytes, bucket_arn: str) -> list[Request]:
    if method == "POST" and "delete" in query:  # DeleteObjects: each key
        return [Request("s3:DeleteObject", f"{bucket_arn}/{key}") for key in xml_keys(body)] \
            or [Request("s3:DeleteObject", f"{bucket_arn}/")]
    action = next((a for q, a in _BUCKET_SUBRESOURCES.get(method, {}).items() if q in query),
                  None)
    if action:
        return [Request(f"s3:{action}", bucket_arn)]
    if method in ("GET", "HEAD"):  # ListObjects(V2), HeadBucket
        context = {name: query[param][:1] for name, param in
                   (("s3:prefix", "prefix"), ("s3:delimiter", "delimiter"),
                    ("s3:max-keys", "max-keys")) if param in query}
        return [Request("s3:ListBucket", bucket_arn, context, LIST_KEYS)]
    if method == "PUT":
        return [Request("s3:CreateBucket", bucket_arn)]
    if method == "DELETE":
        return [Request("s3:DeleteBucket", bucket_arn)]
    raise UnmappedRequest(f"s3 {method} on a bucket with {sorted(query)}")
