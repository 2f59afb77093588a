"""Create the template's data-plane resources with boto3 (against moto, or any endpoint).

CloudFormation property shapes differ from the API shapes in small ways
(MaxAge vs MaxAgeSeconds, ExpirationInDays vs Expiration.Days, ...); the
translation lives here and nowhere else. Every step is idempotent, so running
it on an existing local stack changes nothing.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import string
from typing import Any

import boto3
from botocore.exceptions import ClientError

from portrait_local.event_rules import put_sam_event_rule, rule_targets, sam_event_rules
from portrait_local.s3_config import (
    cors_rule, encryption_rules, lifecycle_rule, notification_configuration)
from portrait_local.scheduler import schedule_rules
from portrait_local.template import Template

log = logging.getLogger("portrait_local")

# Types that exist only as code or wiring locally (handled by other modules).
_NOT_CREATED = {
    "AWS::Serverless::Function", "AWS::Lambda::Function", "AWS::Serverless::LayerVersion",
    "AWS::Lambda::LayerVersion", "AWS::Serverless::HttpApi", "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping", "AWS::IAM::Role", "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy", "AWS::Logs::LogGroup",
}
# Monitoring: nothing locally emits the metrics an alarm watches (the dead-letter queues
# themselves are there to read), so these are skipped without a "not emulated" warning.
_NOTHING_TO_EMULATE = {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm",
                       "AWS::CloudWatch::Dashboard"}

# Creation order: what others point at comes first (queues before the bucket
# that notifies them, policies before notifications, buses before rules).
_ORDER = [
    "AWS::SecretsManager::Secret", "AWS::Events::EventBus", "AWS::DynamoDB::Table",
    "AWS::Serverless::SimpleTable", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy",
    "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::Events::Rule",
]


def _client(service: str, template: Template, endpoint_url: str | None) -> Any:
    if endpoint_url is None:  # ambient: moto's mock_aws() or the environment's endpoint
        return boto3.client(service, region_name=template.region)
    return boto3.client(service, region_name=template.region, endpoint_url=endpoint_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def create_resources(template: Template, *, endpoint_url: str | None = None,
                     types: set[str] | None = None) -> None:
    creators = {
        "AWS::SecretsManager::Secret": _create_secret,
        "AWS::Events::EventBus": _create_event_bus,
        "AWS::DynamoDB::Table": _create_table,
        "AWS::Serverless::SimpleTable": _create_simple_table,
        "AWS::SQS::Queue": _create_queue,
        "AWS::SQS::QueuePolicy": _create_queue_policy,
        "AWS::S3::Bucket": _create_bucket,
        "AWS::S3::BucketPolicy": _create_bucket_policy,
        "AWS::Events::Rule": _create_rule,
    }
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = _client(service, template, endpoint_url)
        return clients[service]

    wanted = {lid: res for lid, res in template.resources.items()
              if types is None or res["Type"] in types}
    unknown = sorted({r["Type"] for r in wanted.values()} - set(creators) - _NOT_CREATED
                     - _NOTHING_TO_EMULATE)
    if unknown:
        log.warning("not emulated: %s", ", ".join(unknown))
    for rtype in _ORDER:
        of_type = [lid for lid, res in wanted.items() if res["Type"] == rtype]
        for lid in _dependency_order(template, of_type):
            creators[rtype](template, lid, client)
    if types is None or "AWS::Events::Rule" in types:
        for rule in schedule_rules(template):
            _put_schedule_rule(template, rule, client)
        for event_rule in sam_event_rules(template):
            put_sam_event_rule(event_rule, client)


def _dependency_order(template: Template, ids: list[str]) -> list[str]:
    """Order resources of one type so that each comes after those it references."""
    done: list[str] = []

    def visit(lid: str, path: tuple[str, ...]) -> None:
        if lid in done or lid in path:
            return
        for dep in _references(template.resources[lid].get("Properties") or {}):
            if dep in ids:
                visit(dep, path + (lid,))
        done.append(lid)

    for lid in ids:
        visit(lid, ())
    return done


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".")[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                found.update(p.split(".")[0] for p in _SUB_NAME.findall(text))
            found |= _references(arg)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def _props(template: Template, lid: str) -> dict:
    return template.resolve(template.resources[lid].get("Properties") or {})


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


# ------------------------------------------------------------------ secrets, events
def _create_secret(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    name = template.physical_name(lid)
    value = props.get("SecretString")
    if value is None:
        value = _generated_secret(props.get("GenerateSecretString") or {})
    kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
    if props.get("Description"):
        kwargs["Description"] = props["Description"]
    try:
        arn = client("secretsmanager").create_secret(**kwargs)["ARN"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceExistsException":
            raise
        arn = client("secretsmanager").describe_secret(SecretId=name)["ARN"]
    template.attributes[(lid, "Arn")] = arn


def _generated_secret(spec: dict) -> str:
    """What Secrets Manager's GenerateSecretString produces (random password, maybe in JSON)."""
    alphabet = ""
    if not spec.get("ExcludeLowercase"):
        alphabet += string.ascii_lowercase
    if not spec.get("ExcludeUppercase"):
        alphabet += string.ascii_uppercase
    if not spec.get("ExcludeNumbers"):
        alphabet += string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if spec.get("IncludeSpace"):
        alphabet += " "
    alphabet = "".join(c for c in alphabet if c not in spec.get("ExcludeCharacters", ""))
    password = "".join(secrets.choice(alphabet) for _ in range(int(spec.get("PasswordLength", 32))))
    if "SecretStringTemplate" in spec:
        document = json.loads(spec["SecretStringTemplate"])
        document[spec["GenerateStringKey"]] = password
        return json.dumps(document)
    return password


def _create_event_bus(template: Template, lid: str, client) -> None:
    name = template.physical_name(lid)
    try:
        arn = client("events").create_event_bus(Name=name)["EventBusArn"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceAlreadyExistsException":
            raise
        arn = client("events").describe_event_bus(Name=name)["Arn"]
    template.attributes[(lid, "Arn")] = arn


def _create_rule(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    kwargs: dict[str, Any] = {"Name": template.physical_name(lid),
                              "State": props.get("State", "ENABLED")}
    for key in ("ScheduleExpression", "Description", "EventBusName", "RoleArn"):
        if key in props:
            kwargs[key] = props[key]
    if "EventPattern" in props:
        pattern = props["EventPattern"]
        kwargs["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    arn = client("events").put_rule(**kwargs)["RuleArn"]
    template.attributes[(lid, "Arn")] = arn
    targets = rule_targets(props)
    if targets:
        client("events").put_targets(Rule=kwargs["Name"], EventBusName=kwargs.get(
            "EventBusName", "default"), Targets=targets)


def _put_schedule_rule(template: Template, rule, client) -> None:
    """SAM's Schedule events become EventBridge rules, as `sam deploy` would make them."""
    if rule.source != "sam-event":
        return
    kwargs = {"Name": rule.name, "ScheduleExpression": rule.expression,
              "State": "ENABLED" if rule.enabled else "DISABLED"}
    client("events").put_rule(**kwargs)
    target: dict[str, Any] = {"Id": rule.function_id,
                              "Arn": template.get_att(rule.function_id, "Arn")}
    if rule.input is not None:
        target["Input"] = rule.input
    client("events").put_targets(Rule=rule.name, Targets=[target])


# ------------------------------------------------------------------ DynamoDB
def _create_table(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    name = template.physical_name(lid)
    billing = props.get("BillingMode", "PROVISIONED")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            kwargs[key] = [_index(ix, billing, global_=key.startswith("Global"))
                           for ix in props[key]]
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    sse = props.get("SSESpecification")
    if sse and sse.get("SSEEnabled"):
        kwargs["SSESpecification"] = {"Enabled": True, **{
            k: v for k, v in sse.items() if k in ("SSEType", "KMSMasterKeyId")}}
    ddb = client("dynamodb")
    try:
        table = ddb.create_table(**kwargs)["TableDescription"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise
        table = ddb.describe_table(TableName=name)["Table"]
    if table.get("LatestStreamArn"):
        template.attributes[(lid, "StreamArn")] = table["LatestStreamArn"]
    template.attributes[(lid, "Arn")] = table["TableArn"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"], "Enabled": True})


def _index(index: dict, billing: str, *, global_: bool) -> dict:
    index = {k: v for k, v in index.items() if k != "ContributorInsightsSpecification"}
    if billing == "PAY_PER_REQUEST" or not global_:
        index.pop("ProvisionedThroughput", None)
    else:
        index.setdefault("ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    return index


def _create_simple_table(template: Template, lid: str, client) -> None:
    """AWS::Serverless::SimpleTable: one hash key, on-demand (SAM's defaults)."""
    props = _props(template, lid)
    key = props.get("PrimaryKey", {"Name": "id", "Type": "String"})
    attr_type = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
    name = template.physical_name(lid)
    kwargs: dict[str, Any] = {"TableName": name,
                              "AttributeDefinitions": [{"AttributeName": key["Name"],
                                                        "AttributeType": attr_type}],
                              "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}]}
    if "ProvisionedThroughput" in props:
        kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]
    else:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    try:
        table = client("dynamodb").create_table(**kwargs)["TableDescription"]
    except ClientError as exc:
        if _error_code(exc) != "ResourceInUseException":
            raise
        table = client("dynamodb").describe_table(TableName=name)["Table"]
    template.attributes[(lid, "Arn")] = table["TableArn"]


# ------------------------------------------------------------------ SQS
_QUEUE_ATTRIBUTES = (
    "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "ContentBasedDeduplication",
    "DeduplicationScope", "FifoThroughputLimit",
)


def _create_queue(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    name = template.physical_name(lid)
    attributes = {k: _attr(props[k]) for k in _QUEUE_ATTRIBUTES if k in props}
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in props:
            attributes[key] = json.dumps(props[key]) if isinstance(props[key], dict) else props[key]
    sqs = client("sqs")
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    except ClientError as exc:
        if "NonExistentQueue" not in _error_code(exc):
            raise
        if props.get("FifoQueue") in (True, "true"):
            attributes["FifoQueue"] = "true"
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    template.attributes[(lid, "Ref")] = url
    template.attributes[(lid, "QueueUrl")] = url
    template.attributes[(lid, "Arn")] = arn


def _attr(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _create_queue_policy(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    policy = json.dumps(props["PolicyDocument"])
    for url in props.get("Queues") or []:
        client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


# ------------------------------------------------------------------ S3
def _create_bucket(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    name = template.physical_name(lid)
    s3 = client("s3")
    try:
        kwargs: dict[str, Any] = {"Bucket": name}
        if template.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": template.region}
        s3.create_bucket(**kwargs)
    except ClientError as exc:
        if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props[
            "PublicAccessBlockConfiguration"])
    if "OwnershipControls" in props:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": encryption_rules(props["BucketEncryption"])})
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props[
            "VersioningConfiguration"])
    if "CorsConfiguration" in props:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={
            "CORSRules": [cors_rule(r) for r in props["CorsConfiguration"]["CorsRules"]]})
    if "LifecycleConfiguration" in props:
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={
            "Rules": [lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]})
    if "NotificationConfiguration" in props:
        notifications = notification_configuration(props["NotificationConfiguration"])
        s3.put_bucket_notification_configuration(Bucket=name,
                                                 NotificationConfiguration=notifications)


def _create_bucket_policy(template: Template, lid: str, client) -> None:
    props = _props(template, lid)
    document = _without_conditional_denies(props["PolicyDocument"])
    if document["Statement"]:
        client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))


def _without_conditional_denies(document: dict) -> dict:
    """The policy minus its Deny statements that carry a Condition.

    moto enforces bucket policies on object writes but ignores conditions, so
    a conditional Deny (DenyInsecureTransport: only plain-HTTP requests) would
    deny every request, and the local stack speaks plain HTTP anyway.
    """
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    kept = [s for s in statements if not (s.get("Effect") == "Deny" and s.get("Condition"))]
    for statement in statements:
        if statement not in kept:
            log.info("bucket policy statement %s left out locally (moto ignores its Condition)",
                     statement.get("Sid", "?"))
    return {**document, "Statement": kept}
