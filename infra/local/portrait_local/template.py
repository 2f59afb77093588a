"""template.yaml, read as CloudFormation would: intrinsics, conditions, SAM Globals.

The local stack never restates the template. Everything it creates, routes,
polls or schedules comes from here, so a resource added to template.yaml
appears locally with no other change.

Local physical names follow one rule: the resource's explicit name property
(BucketName, TableName, ...) resolved, else "<stack>-<LogicalId>". Attributes
only known once a resource exists (a table's StreamArn, the URL moto gives a
queue) are recorded in `attributes` by resources.py when it creates them.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TemplateError(ValueError):
    """The template uses something the local stack cannot resolve."""


# ------------------------------------------------------------------ YAML short tags
# libyaml's parser where PyYAML was built with it (its wheels are): the template is read by
# every `portrait` command, stack and test module, and the pure-Python parser takes ~0.4 s
# of CPU for it against ~0.05 s. The constructors and resolvers below are the same for both.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):
    """SafeLoader that turns CloudFormation short tags into their long form."""


# CloudFormation reads unquoted dates as strings; so do we.
_CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_SHORT_FUNCTIONS = (
    "Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split",
    "Sub", "Transform", "If", "Equals", "And", "Or", "Not", "ToJsonString", "Length",
)


def _construct(loader: yaml.Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _long_form(key: str):
    def construct(loader: yaml.Loader, node: yaml.Node) -> dict:
        return {key: _construct(loader, node)}
    return construct


def _get_att(loader: yaml.Loader, node: yaml.Node) -> dict:
    value = _construct(loader, node)
    if isinstance(value, str):  # !GetAtt Resource.Attribute (the attribute may contain dots)
        value = value.split(".", 1)
    return {"Fn::GetAtt": value}


_CfnLoader.add_constructor("!Ref", _long_form("Ref"))
_CfnLoader.add_constructor("!Condition", _long_form("Condition"))
_CfnLoader.add_constructor("!GetAtt", _get_att)
for _name in _SHORT_FUNCTIONS:
    _CfnLoader.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass


def parse_parameter_overrides(items: list[str] | None) -> dict[str, str]:
    """SAM's --parameter-overrides: `Key=Value` items, or the long form
    `ParameterKey=Key,ParameterValue=Value`; a value may itself contain "=" or ","."""
    overrides: dict[str, str] = {}
    for item in items or []:
        long_form = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", item, re.DOTALL)
        if long_form:
            key, value = long_form.groups()
        elif "=" in item:
            key, value = item.split("=", 1)
        else:
            raise TemplateError(f"a parameter override is Key=Value, not {item!r}")
        if not key.strip():
            raise TemplateError(f"a parameter override needs a name: {item!r}")
        overrides[key.strip()] = value
    return overrides


# ------------------------------------------------------------------ model
class _NoValue:
    """AWS::NoValue: the property it stands for disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

# Explicit name properties, per resource type (what the physical name is when set).
_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SSM::Parameter": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
}

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")

# The template's Metadata for the local stack alone: {"ParameterDefaults": {name: value}},
# defaults in place of the declared ones for parameters whose own default needs what is not
# emulated (ServeMediaViaCdn: no CloudFront here), and "StateDirectoryParameters" (see
# state_directory_parameters). An explicit override still wins.
LOCAL_METADATA = "PortraitLocal"


def state_directory_parameters(path: Path, state_dir: Path) -> dict[str, str]:
    """Values for the parameters the template's local Metadata names as folders of the
    local stack's own state ({"StateDirectoryParameters": {name: subfolder}}): a place
    that belongs to this stack alone, where an engine standing in for a managed
    service keeps its data (the search index)."""
    document = load_yaml(Path(path).read_text()) or {}
    wanted = ((document.get("Metadata") or {}).get(LOCAL_METADATA) or {}).get(
        "StateDirectoryParameters") or {}
    return {name: str(Path(state_dir) / subfolder) for name, subfolder in wanted.items()}


@dataclass
class FunctionSpec:
    """One function, with Globals.Function merged in. Events stay unresolved:
    some of their values (a stream ARN) exist only once the resources do."""

    logical_id: str
    name: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: int
    memory_size: int
    layers: list[Path]  # each layer's import root: what Lambda mounts at /opt/python
    environment: dict[str, str]
    events: dict[str, dict] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    # SnapStart ApplyOn: PublishedVersions. Locally there are no versions (AutoPublishAlias
    # is ignored: one configuration, always the latest), so it applies to every invocation.
    snap_start: bool = False


class Template:
    def __init__(self, document: dict, *, base_dir: Path, stack_name: str, region: str,
                 account_id: str, parameter_overrides: dict | None = None) -> None:
        self.document = document
        self.base_dir = base_dir
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.partition = "aws"
        self.parameters = self._parameter_values(parameter_overrides or {})
        self.conditions: dict[str, bool] = {}
        self._condition_defs = document.get("Conditions") or {}
        # (logical id, attribute) -> value, filled in as resources get created.
        self.attributes: dict[tuple[str, str], Any] = {}
        # logical id -> name, when a real stack says what it is called (remote invoke).
        self.physical_names: dict[str, str] = {}
        # A resource whose Condition is false does not exist in the stack.
        self.resources: dict[str, dict] = {
            lid: res for lid, res in (document.get("Resources") or {}).items()
            if "Condition" not in res or self.condition(res["Condition"])
        }

    @classmethod
    def load(cls, path, *, stack_name: str = "portrait-local", region: str = "us-east-1",
             account_id: str = "123456789012",
             parameter_overrides: dict | None = None) -> "Template":
        path = Path(path).resolve()
        document = load_yaml(path.read_text())
        if not isinstance(document, dict) or "Resources" not in document:
            raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
        return cls(document, base_dir=path.parent, stack_name=stack_name, region=region,
                   account_id=account_id, parameter_overrides=parameter_overrides)

    @property
    def local_metadata(self) -> dict:
        """The template's Metadata for the local stack alone (LOCAL_METADATA)."""
        return (self.document.get("Metadata") or {}).get(LOCAL_METADATA) or {}

    # -------------------------------------------------------------- parameters, conditions
    def _parameter_values(self, overrides: dict) -> dict[str, Any]:
        declared = self.document.get("Parameters") or {}
        unknown = sorted(set(overrides) - set(declared))
        if unknown:  # as CloudFormation refuses them: a typo must not be silently ignored
            raise TemplateError(f"parameter overrides for undeclared parameters: {', '.join(unknown)}")
        local = ((self.document.get("Metadata") or {}).get(LOCAL_METADATA) or {}).get(
            "ParameterDefaults") or {}
        values: dict[str, Any] = {}
        for name, spec in (self.document.get("Parameters") or {}).items():
            if name in overrides:
                raw = overrides[name]
            elif name in local:
                raw = local[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no Default and no override")
            ptype = spec.get("Type", "String")
            is_list = ptype == "CommaDelimitedList" or ptype.startswith("List<")
            if is_list and isinstance(raw, str):
                raw = [item.strip() for item in raw.split(",")]
            elif not isinstance(raw, list):
                raw = str(raw)
            values[name] = raw
        return values

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            if name not in self._condition_defs:
                raise TemplateError(f"unknown condition {name}")
            self.conditions[name] = bool(self.resolve(self._condition_defs[name]))
        return self.conditions[name]

    # -------------------------------------------------------------- names and attributes
    def _pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account_id}"
                            f":stack/{self.stack_name}/{self._stable_id('stack', 36)}",
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
            "AWS::NotificationARNs": [],
        }[name]

    def _stable_id(self, salt: str, length: int = 10) -> str:
        """A deterministic id (what AWS would generate at random), lowercase alphanumeric."""
        digest = hashlib.sha256(f"{self.stack_name}/{salt}".encode()).hexdigest()
        return digest[:length]

    def _resource(self, logical_id: str) -> dict:
        try:
            return self.resources[logical_id]
        except KeyError:
            raise TemplateError(f"no resource named {logical_id}") from None

    def physical_name(self, logical_id: str) -> str:
        """The resource's name: its explicit name property, else <stack>-<LogicalId>."""
        if logical_id in self.physical_names:
            return self.physical_names[logical_id]
        res = self._resource(logical_id)
        prop = _NAME_PROPERTY.get(res["Type"])
        explicit = (res.get("Properties") or {}).get(prop) if prop else None
        if explicit is not None:
            name = self.resolve(explicit)
            if name is not NO_VALUE:
                return str(name)
        name = f"{self.stack_name}-{logical_id}"
        if res["Type"] == "AWS::S3::Bucket":
            name = name.lower()  # bucket names are lowercase
        if res["Type"] == "AWS::SQS::Queue" and self.resolve(
                (res.get("Properties") or {}).get("FifoQueue", False)) in (True, "true"):
            name += ".fifo"
        return name

    def set_physical_id(self, logical_id: str, physical_id: str) -> None:
        """Use a deployed resource's physical id (what CloudFormation reports) for it."""
        self.attributes[(logical_id, "Ref")] = physical_id
        if self._resource(logical_id)["Type"] == "AWS::SQS::Queue":
            self.physical_names[logical_id] = physical_id.rsplit("/", 1)[-1]
        elif not physical_id.startswith("arn:"):
            self.physical_names[logical_id] = physical_id

    def physical_id(self, logical_id: str) -> str:
        """What !Ref gives for a resource, locally."""
        if (logical_id, "Ref") in self.attributes:
            return self.attributes[(logical_id, "Ref")]
        rtype = self._resource(logical_id)["Type"]
        name = self.physical_name(logical_id)
        if rtype == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"
        if rtype in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            return self._arn("lambda", f"layer:{name}:1")
        if rtype == "AWS::SNS::Topic":
            return self._arn("sns", name)
        if rtype in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api",
                     "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi"):
            return self._stable_id(logical_id)
        # Secrets: AWS gives the ARN (with a random suffix); the name is what
        # both moto and AWS accept as a SecretId.
        return name

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if (logical_id, attribute) in self.attributes:
            return self.attributes[(logical_id, attribute)]
        rtype = self._resource(logical_id)["Type"]
        name = self.physical_name(logical_id)
        known: dict[str, dict[str, Any]] = {
            "AWS::SQS::Queue": {"Arn": self._arn("sqs", name), "QueueName": name,
                                "QueueUrl": self.physical_id(logical_id)},
            "AWS::DynamoDB::Table": {"Arn": self._arn("dynamodb", f"table/{name}")},
            "AWS::S3::Bucket": {"Arn": f"arn:{self.partition}:s3:::{name}",
                                "DomainName": f"{name}.s3.amazonaws.com",
                                "RegionalDomainName": f"{name}.s3.{self.region}.amazonaws.com"},
            "AWS::Events::EventBus": {"Arn": self._arn("events", f"event-bus/{name}"),
                                      "Name": name},
            "AWS::Events::Rule": {"Arn": self._arn("events", f"rule/{name}")},
            "AWS::SNS::Topic": {"TopicArn": self._arn("sns", name), "TopicName": name},
            "AWS::Serverless::Function": {"Arn": self._arn("lambda", f"function:{name}")},
            "AWS::Lambda::Function": {"Arn": self._arn("lambda", f"function:{name}")},
            "AWS::SecretsManager::Secret": {"Id": name},
            "AWS::Logs::LogGroup": {"Arn": self._arn("logs", f"log-group:{name}:*")},
            "AWS::Serverless::HttpApi": {"ApiEndpoint": "http://127.0.0.1:3000"},
        }
        try:
            return known[rtype][attribute]
        except KeyError:
            raise TemplateError(
                f"{logical_id}.{attribute} ({rtype}) is not known locally"
                + (" until the resource is created" if attribute == "StreamArn" else "")
            ) from None

    # -------------------------------------------------------------- intrinsics
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function in `value` (a copy is returned)."""
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg)
            if key.startswith("Fn::"):
                handler = getattr(self, "_fn_" + key[4:].lower(), None)
                if handler is None:
                    raise TemplateError(f"{key} is not supported locally")
                return handler(arg)
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        if name in self.parameters:
            return copy.deepcopy(self.parameters[name])
        return self.physical_id(name)

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = (self.resolve(a) for a in arg)
        return self.get_att(logical_id, attribute)

    _SUB_VAR = re.compile(r"\$\{([^}]+)\}")

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], self.resolve(arg[1] if len(arg) > 1 else {})
        else:
            text, variables = arg, {}

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} stays as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            value = self._ref(name)
            if isinstance(value, list):
                raise TemplateError(f"Fn::Sub cannot insert list parameter {name}")
            return str(value)

        return self._SUB_VAR.sub(substitute, text)

    def _fn_join(self, arg: list) -> str:
        delimiter, items = arg
        return str(delimiter).join(str(v) for v in self.resolve(items))

    def _fn_select(self, arg: list) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        return items[int(index)]

    def _fn_split(self, arg: list) -> list[str]:
        delimiter, text = arg
        return str(self.resolve(text)).split(delimiter)

    def _fn_if(self, arg: list) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, arg: list) -> bool:
        left, right = (self.resolve(a) for a in arg)
        return str(left) == str(right) if not isinstance(left, list) else left == right

    def _fn_and(self, arg: list) -> bool:
        return all(self.resolve(a) for a in arg)

    def _fn_or(self, arg: list) -> bool:
        return any(self.resolve(a) for a in arg)

    def _fn_not(self, arg: list) -> bool:
        return not self.resolve(arg[0])

    def _fn_findinmap(self, arg: list) -> Any:
        mapping, top, second = (self.resolve(a) for a in arg[:3])
        return copy.deepcopy(self.document["Mappings"][mapping][top][second])

    def _fn_base64(self, arg: Any) -> str:
        import base64
        return base64.b64encode(str(self.resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.region
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def _fn_length(self, arg: Any) -> int:
        return len(self.resolve(arg))

    # -------------------------------------------------------------- functions
    def _globals(self, section: str) -> dict:
        return copy.deepcopy((self.document.get("Globals") or {}).get(section) or {})

    def _function_properties(self, logical_id: str) -> dict:
        res = self._resource(logical_id)
        props = copy.deepcopy(res.get("Properties") or {})
        if res["Type"] == "AWS::Serverless::Function":
            props = _merge_globals(self._globals("Function"), props)
        return props

    def functions(self) -> dict[str, FunctionSpec]:
        return {lid: self._function_spec(lid) for lid, res in self.resources.items()
                if res["Type"] in FUNCTION_TYPES}

    def _function_spec(self, logical_id: str) -> FunctionSpec:
        props = self._function_properties(logical_id)
        code_uri = self.resolve(props.get("CodeUri", props.get("Code")))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: only a local CodeUri directory can run locally")
        return FunctionSpec(
            logical_id=logical_id,
            name=self.physical_name(logical_id),
            code_uri=(self.base_dir / code_uri).resolve(),
            handler=str(self.resolve(props["Handler"])),
            runtime=str(self.resolve(props.get("Runtime", ""))),
            timeout=int(self.resolve(props.get("Timeout", 3))),
            memory_size=int(self.resolve(props.get("MemorySize", 128))),
            layers=[self._layer_dir(logical_id, layer) for layer in props.get("Layers") or []],
            environment=self._environment(props),
            events=props.get("Events") or {},
            properties=props,
            snap_start=_snap_start(self.resolve(props.get("SnapStart"))),
        )

    def _layer_dir(self, function_id: str, layer: Any) -> Path:
        """The local directory of a layer the template defines (an external ARN cannot run)."""
        target = None
        if isinstance(layer, dict) and set(layer) == {"Ref"} and layer["Ref"] in self.resources:
            target = layer["Ref"]
        else:
            arn = self.resolve(layer)
            for lid, res in self.resources.items():
                if res["Type"].endswith("::LayerVersion") and self.physical_id(lid) == arn:
                    target = lid
        if target is None:
            raise TemplateError(f"{function_id}: layer {layer!r} is not defined in the template")
        props = self.resources[target].get("Properties") or {}
        content = self.resolve(props.get("ContentUri", props.get("Content")))
        if not isinstance(content, str):
            raise TemplateError(f"{target}: only a local ContentUri directory can run locally")
        root = (self.base_dir / content).resolve()
        # `sam build` with a python BuildMethod puts ContentUri's files (and its
        # requirements) under python/, and so does a layer's own Makefile; a prebuilt
        # layer already has that folder.
        build_method = str((self.resources[target].get("Metadata") or {}).get("BuildMethod", ""))
        return root if build_method.startswith("python") or build_method == "makefile" \
            else root / "python"

    def _environment(self, props: dict) -> dict[str, str]:
        variables = self.resolve((props.get("Environment") or {}).get("Variables") or {})
        return {key: _env_string(value) for key, value in variables.items()}

    def function_environment(self, logical_id: str) -> dict[str, str]:
        return self._environment(self._function_properties(logical_id))

    def resources_of_type(self, *types: str) -> dict[str, dict]:
        return {lid: res for lid, res in self.resources.items() if res["Type"] in types}


def _snap_start(config: Any) -> bool:
    return isinstance(config, dict) and config.get("ApplyOn") == "PublishedVersions"


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"environment variable value {value!r} is not a string")
    return str(value)


def _merge_globals(globals_: Any, own: Any) -> Any:
    """SAM's Globals rule: maps merge key-wise, lists are global-first concatenations,
    scalars take the resource's own value."""
    if isinstance(globals_, dict) and isinstance(own, dict) and not _is_intrinsic(own):
        merged = dict(globals_)
        for key, value in own.items():
            merged[key] = _merge_globals(globals_[key], value) if key in globals_ else value
        return merged
    if isinstance(globals_, list) and isinstance(own, list):
        return globals_ + own
    return own


def _is_intrinsic(value: dict) -> bool:
    return len(value) == 1 and next(iter(value)) in ("Ref", "Condition") or any(
        k.startswith("Fn::") for k in value)
