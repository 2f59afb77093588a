"""Each function's principal: its execution role's policies, as CloudFormation would
create them, with the local stack's ARNs in them.

The template is expanded by samtranslator, as CloudFormation's SAM transform does: that
is where a function's `Policies` (SAM policy templates such as DynamoDBCrudPolicy
included), its event sources' and destinations' grants and the AWS managed policies
(Lambda's basic execution role, X-Ray, the SQS and DynamoDB stream pollers') end up,
in the generated `<Function>Role`. Its inline policies, the template's own
AWS::IAM::ManagedPolicy and AWS::IAM::Policy resources attached to it, and the AWS
managed policies (their documents vendored in managed_policies.json) are then resolved
with the running stack's template: Ref, GetAtt and Sub become the local ARNs.

Each function's workers sign with an access key of their own (access_key_id), which
the endpoint maps back to its principal.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portrait_local.iam.actions import Arns
from portrait_local.iam.evaluator import Statement, statements
from portrait_local.template import FUNCTION_TYPES, Template, TemplateError

MANAGED_POLICIES = Path(__file__).with_name("managed_policies.json")
_PACKAGED_PROPERTIES = ("CodeUri", "ContentUri")
# DynamoDB Local takes access keys of letters and digits only.
_KEY_PREFIX = "LOCALROLE"


def access_key_id(function_id: str) -> str:
    """The access key a function's workers sign with (its logical id is alphanumeric)."""
    return f"{_KEY_PREFIX}{function_id}"


def function_of(access_key: str) -> str | None:
    return access_key[len(_KEY_PREFIX):] if access_key.startswith(_KEY_PREFIX) else None


@dataclass
class Principal:
    function_id: str
    role_name: str  # the execution role's logical id (CloudFormation names it after it)
    function_name: str
    statements: list[Statement]
    account_id: str

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.role_name}"

    @property
    def arn(self) -> str:
        """How AWS names the caller in an AccessDenied message: the assumed role's session."""
        return (f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/"
                f"{self.function_name}")


class _NoManagedPolicyLookup:
    """samtranslator asks this for managed-policy names given in Policies; the
    template gives ARNs and SAM policy templates only, so nothing is looked up."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template_path: Path, region: str = "us-east-1",
           cache_dir: Path | None = None) -> dict[str, Any]:
    """The template after the SAM transform (no AWS account needed). With `cache_dir`,
    kept there by the template's hash: the transform takes seconds."""
    text = Path(template_path).read_text()
    cache = None
    if cache_dir is not None:
        import samtranslator

        digest = hashlib.sha256(f"{samtranslator.__version__}\n{region}\n{text}".encode())
        cache = Path(cache_dir) / f"sam-expanded-{digest.hexdigest()[:16]}.json"
        if cache.exists():
            return json.loads(cache.read_text())
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    document = yaml_parse(text)
    for resource in document.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        for key in _PACKAGED_PROPERTIES:  # what `sam package` does to local paths
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://portrait-artifacts/{props[key].strip('/')}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    os.environ.setdefault("AWS_REGION", region)
    expanded = transform(document, {}, _NoManagedPolicyLookup())
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: the suite's first stacks expand at once, and a temporary file
        # shared between them could be renamed into place while another still writes it.
        tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(expanded))
        tmp.replace(cache)
    return expanded


def aws_managed_policies() -> dict[str, dict]:
    return json.loads(MANAGED_POLICIES.read_text())["policies"]


def function_principals(template: Template, expanded: dict[str, Any]) -> dict[str, Principal]:
    """Every function's principal, by logical id, resolved with `template` (the stack's)."""
    resources = expanded.get("Resources") or {}
    managed = aws_managed_policies()
    principals = {}
    for function_id, spec in template.functions().items():
        function = resources.get(function_id) or {}
        if function.get("Type") not in FUNCTION_TYPES:
            continue
        role_id = _role_id(function)
        if role_id is None or role_id not in resources:
            raise TemplateError(f"{function_id}: its role is not a resource of the template; "
                                "the local IAM check needs the role's policies")
        policies = list(_role_policies(template, resources, role_id, managed))
        principals[function_id] = Principal(function_id, role_id, spec.name,
                                            statements(policies), template.account_id)
    return principals


def _role_id(function: dict) -> str | None:
    role = (function.get("Properties") or {}).get("Role")
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        target = role["Fn::GetAtt"]
        return (target.split(".", 1) if isinstance(target, str) else target)[0]
    return None


def _role_policies(template: Template, resources: dict, role_id: str, managed: dict):
    role = resources[role_id].get("Properties") or {}
    for policy in role.get("Policies") or []:
        yield policy["PolicyName"], _resolve(template, policy["PolicyDocument"]), False
    for arn in role.get("ManagedPolicyArns") or []:
        if isinstance(arn, dict) and set(arn) == {"Ref"} and \
                resources.get(arn["Ref"], {}).get("Type") == "AWS::IAM::ManagedPolicy":
            document = resources[arn["Ref"]]["Properties"]["PolicyDocument"]
            yield arn["Ref"], _resolve(template, document), False
            continue
        arn = template.resolve(arn)
        if arn not in managed:
            raise TemplateError(f"{role_id}: the managed policy {arn} is not vendored in "
                                f"{MANAGED_POLICIES.name}; add its document")
        yield arn.rsplit("/", 1)[-1], managed[arn]["document"], True
    # Policies attached from the other side (Roles: [!Ref <Role>]).
    for lid, resource in resources.items():
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and \
                {"Ref": role_id} in ((resource.get("Properties") or {}).get("Roles") or []):
            yield lid, _resolve(template, resource["Properties"]["PolicyDocument"]), False


def _resolve(template: Template, document: Any) -> dict:
    """The policy with the stack's values; a secret's Ref is its ARN (as in CloudFormation),
    a table's ARN the one IAM sees (not DynamoDB Local's)."""
    resolved = template.resolve(_secret_refs_as_arns(template, copy.deepcopy(document)))
    return _canonical_arns(_arns(template), resolved)


def _arns(template: Template) -> Arns:
    return Arns(template.region, template.account_id, template.partition)


def _canonical_arns(arns: Arns, value: Any) -> Any:
    if isinstance(value, list):
        return [_canonical_arns(arns, v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical_arns(arns, v) for k, v in value.items()}
    return arns.canonical(value) if isinstance(value, str) else value


def _secret_refs_as_arns(template: Template, value: Any) -> Any:
    if isinstance(value, list):
        return [_secret_refs_as_arns(template, v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and isinstance(value["Ref"], str) and \
            template.resources.get(value["Ref"], {}).get("Type") == \
            "AWS::SecretsManager::Secret":
        return secret_arn(template, value["Ref"])
    return {k: _secret_refs_as_arns(template, v) for k, v in value.items()}


def secret_arn(template: Template, logical_id: str) -> str:
    """The secret's ARN: the one Secrets Manager gave it, else the pattern IAM documents
    for "this name with any suffix" (before the stack created it)."""
    known = template.attributes.get((logical_id, "Arn"))
    if known:
        return known
    return (f"arn:{template.partition}:secretsmanager:{template.region}:{template.account_id}"
            f":secret:{template.physical_name(logical_id)}-??????")


def secret_arns(template: Template) -> dict[str, str]:
    """Secret name -> ARN, for requests that name a secret (SecretId)."""
    return {template.physical_name(lid): secret_arn(template, lid)
            for lid in template.resources_of_type("AWS::SecretsManager::Secret")}
