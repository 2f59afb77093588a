"""Expand the SAM template offline with samtranslator, as CloudFormation would.

Local CodeUri/ContentUri paths become S3 URIs (what `sam package` does), and
managed-policy names are not looked up (the template uses policy templates
only), so no AWS account is needed.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

_PACKAGED_PROPERTIES = ("CodeUri", "ContentUri")


class _NoManagedPolicies:
    """samtranslator asks this only for AWS managed-policy names; we reference none."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template_path: Path, region: str = "us-east-1") -> dict[str, Any]:
    template = yaml_parse(template_path.read_text())
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        for key in _PACKAGED_PROPERTIES:
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://portrait-artifacts/{props[key].strip('/')}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    os.environ.setdefault("AWS_REGION", region)
    return transform(template, {}, _NoManagedPolicies())
