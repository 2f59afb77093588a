"""S3 bucket properties: CloudFormation's shapes translated to the S3 API's. Pure."""
from __future__ import annotations

from typing import Any


def encryption_rules(config: dict) -> list[dict]:
    """BucketEncryption.ServerSideEncryptionConfiguration -> the API's Rules."""
    return [{("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault"
              else k): v for k, v in rule.items()}
            for rule in config["ServerSideEncryptionConfiguration"]]


def cors_rule(rule: dict) -> dict:
    renamed = {"ExposedHeaders": "ExposeHeaders", "Id": "ID", "MaxAge": "MaxAgeSeconds"}
    return {renamed.get(k, k): v for k, v in rule.items()}


def lifecycle_rule(rule: dict) -> dict:
    out: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif "ExpirationDate" in rule:
        out["Expiration"] = {"Date": rule["ExpirationDate"]}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    if "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    if "Transitions" in rule:
        out["Transitions"] = [
            {"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]}
            for t in rule["Transitions"] if "TransitionInDays" in t]
    return out


def notification_configuration(config: dict) -> dict:
    def filters(item: dict) -> dict:
        rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    out: dict[str, Any] = {}
    for cfn_key, api_key, target_key, arn_key in (
            ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
            ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function",
             "LambdaFunctionArn"),
            ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn")):
        items = config.get(cfn_key) or []
        if items:
            out[api_key] = [{arn_key: i[target_key], "Events": [i["Event"]], **filters(i)}
                            for i in items]
    if (config.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
        out["EventBridgeConfiguration"] = {}
    return out
