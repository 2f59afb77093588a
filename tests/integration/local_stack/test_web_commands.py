"""`portrait web publish`: the client and its config.json land in the WebBucket."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from portrait_local.web_commands import publish, web_config, web_files
from tests.conftest import ROOT

WEB = ROOT / "web"


class RecordingCloudFront:
    def __init__(self) -> None:
        self.batches: list[dict] = []

    def create_invalidation(self, DistributionId: str, InvalidationBatch: dict) -> dict:  # noqa: N803
        self.batches.append({"distribution": DistributionId, **InvalidationBatch})
        return {"Invalidation": {"Id": "I123"}}


def test_config_has_no_trailing_slash() -> None:
    assert web_config("https://abc.execute-api.eu-west-1.amazonaws.com/") == {
        "apiBaseUrl": "https://abc.execute-api.eu-west-1.amazonaws.com"}


def test_publish_uploads_every_file_and_the_config() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="web-bucket")
        cloudfront = RecordingCloudFront()
        said: list[str] = []
        invalidation = publish(WEB, {"ApiUrl": "https://api.example/", "WebBucketName": "web-bucket",
                                     "WebDistributionId": "E1", "WebUrl": "https://d1.cloudfront.net"},
                               s3, cloudfront, say=said.append)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="web-bucket")["Contents"]}
        expected = {key for key, _, _ in web_files(WEB)}
        assert {"index.html", "js/app.js", "js/api.js", "css/app.css"} <= expected
        assert keys == expected | {"config.json"}
        config = s3.get_object(Bucket="web-bucket", Key="config.json")
        assert json.loads(config["Body"].read()) == {"apiBaseUrl": "https://api.example"}
        assert config["CacheControl"] == "no-store"
        script = s3.head_object(Bucket="web-bucket", Key="js/app.js")
        assert script["ContentType"].startswith(("text/javascript", "application/javascript"))
    assert invalidation == "I123"
    assert cloudfront.batches[0]["distribution"] == "E1"
    assert cloudfront.batches[0]["Paths"] == {"Quantity": 1, "Items": ["/*"]}
    assert any("AllowedOrigins includes https://d1.cloudfront.net" in line for line in said)


def test_publish_needs_a_stack_that_hosts_the_client() -> None:
    with pytest.raises(ValueError, match="HostWebClient=true"):
        publish(WEB, {"ApiUrl": "https://api.example/"}, s3=None, cloudfront=None)
