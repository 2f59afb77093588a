"""`portrait invoke`: one function, one event, as `sam local invoke` does, without Docker.

Three targets, tried in this order:
  --stack-name   the deployed stack's real resources (names from CloudFormation),
                 with the caller's own AWS credentials;
  running stack  the resources of a running `portrait dev` (from .portrait/local.json);
  ephemeral      a moto started for this one call, with the resources created
                 and bootstrapped, then thrown away.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from portrait_local.running import load_running_template, running_stack
from portrait_local.runtime import Invocation, Runtime
from portrait_local.template import FUNCTION_TYPES, Template


class UnknownFunction(LookupError):
    """A function id the template does not declare."""


def check_function(template: Template, function_id: str) -> None:
    names = sorted(lid for lid, resource in template.resources.items()
                   if resource["Type"] in FUNCTION_TYPES)
    if function_id not in names:
        raise UnknownFunction(f"no function {function_id} in the template "
                              f"(it has {', '.join(names) or 'none'})")


def _invoke(template: Template, function_id: str, event: Any,
            endpoint_url: str | None) -> Invocation:
    check_function(template, function_id)
    runtime = Runtime(template, endpoint_url=endpoint_url, log_dir=None, pool_size=1)
    try:
        return runtime.invoke(function_id, event)
    finally:
        runtime.close()


class SetupFailed(RuntimeError):
    """What a sample needs could not be made (the sample is not run)."""


def make_what_it_needs(template: Template, event: Any, endpoint_url: str, *,
                       running: bool) -> None:
    """The data a sample names (its account, its pending uploads): see sample_setup. In a
    process of its own, with ApiFunction's view of the stack (every table and the bucket);
    on a running stack it also waits for what the stack does on its own (the new user's
    default avatar, the first processing of the upload), so the sample races neither."""
    from portrait_local.sample_setup import needs_setup
    from portrait_local.targets import Target

    if not needs_setup(event):
        return
    env = {**os.environ, **Target(template, endpoint_url, "").environment_of("ApiFunction")}
    command = [sys.executable, "-m", "portrait_local.sample_setup", "-"]
    made = subprocess.run(command + (["--running-stack"] if running else []),
                          input=json.dumps(event), env=env, capture_output=True, text=True)
    sys.stderr.write(made.stderr)
    if made.returncode != 0:
        raise SetupFailed(f"could not make what the sample needs (exit {made.returncode})")


def invoke_local(template_path: Path, function_id: str, event: Any,
                 state_dir: Path | None = None,
                 parameter_overrides: dict[str, str] | None = None,
                 setup: bool = True) -> tuple[Invocation, str]:
    """On the running stack (with the parameters it was started with; `parameter_overrides`
    may change them for this call), else on an ephemeral one (moto and DynamoDB Local).
    With `setup`, what the sample needs is made first (make_what_it_needs)."""
    state = running_stack(template_path, state_dir)
    if state is not None:
        if parameter_overrides:
            state = {**state, "parameter_overrides": {**(state.get("parameter_overrides") or {}),
                                                      **parameter_overrides}}
        template = load_running_template(template_path, state)
        check_function(template, function_id)
        if setup:
            make_what_it_needs(template, event, state["endpoint_url"], running=True)
        return _invoke(template, function_id, event, state["endpoint_url"]), "running stack"
    template = Template.load(template_path, parameter_overrides=parameter_overrides)
    check_function(template, function_id)  # before starting moto for nothing
    # The ephemeral stack's parts, loaded only for it: a call on a running stack needs none.
    from portrait_local.bootstrap import bootstrap
    from portrait_local.dynamodb_local import dynamodb_local_for_stack
    from portrait_local.event_delivery import EventDelivery
    from portrait_local.resources import create_resources
    from portrait_local.stack import aws_client, start_moto

    dynamodb = dynamodb_local_for_stack("127.0.0.1", template.region).start()
    events = EventDelivery(template)  # queues get the function's events; functions do not run
    try:
        server, endpoint_url = start_moto("127.0.0.1", 0, dynamodb, events)
        try:
            create_resources(template, endpoint_url=endpoint_url)
            bootstrap(template, endpoint_url=endpoint_url)
            events.start(aws_client("sqs", template, endpoint_url), None)
            if setup:
                make_what_it_needs(template, event, endpoint_url, running=False)
            return _invoke(template, function_id, event, endpoint_url), "ephemeral stack"
        finally:
            events.stop()
            server.stop()
    finally:
        dynamodb.stop()


def stack_template(template_path: Path, stack_name: str, region: str | None) -> Template:
    """The template with the deployed stack's physical ids in place of local names."""
    import boto3  # only a deployed stack's calls need it

    session = boto3.session.Session(region_name=region)
    region = session.region_name or "us-east-1"
    account_id = session.client("sts").get_caller_identity()["Account"]
    template = Template.load(template_path, stack_name=stack_name, region=region,
                             account_id=account_id)
    cloudformation = session.client("cloudformation")
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            lid, physical = resource["LogicalResourceId"], resource.get("PhysicalResourceId")
            if lid in template.resources and physical:
                template.set_physical_id(lid, physical)
    return template


def invoke_remote(template_path: Path, function_id: str, event: Any, stack_name: str,
                  region: str | None) -> tuple[Invocation, str]:
    template = stack_template(template_path, stack_name, region)
    return _invoke(template, function_id, event, None), f"stack {stack_name}"
