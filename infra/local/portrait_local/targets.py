"""Where an operator command acts: the running local stack, or a deployed stack.

`portrait admin ...` and `portrait keys ...` run the domain code in this
process, with the environment a function of the target would get (resource
names resolved from the template, the local endpoint or real credentials).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portrait_local.invoke import stack_template
from portrait_local.running import load_running_template, running_stack
from portrait_local.runtime import function_environment
from portrait_local.template import Template

_LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


class NoTarget(RuntimeError):
    pass


@dataclass(frozen=True)
class Target:
    template: Template
    endpoint_url: str | None  # None: a deployed stack, reached with the caller's credentials
    description: str

    def client(self, service: str) -> Any:
        import boto3  # a command's domain code loads it anyway; the CLI's start-up need not

        extra = {} if self.endpoint_url is None else {"endpoint_url": self.endpoint_url,
                                                      **_LOCAL_CREDENTIALS}
        return boto3.client(service, region_name=self.template.region, **extra)

    def environment_of(self, function_id: str) -> dict[str, str]:
        """The template's variables of `function_id` plus the AWS settings to reach them."""
        spec = self.template.functions()[function_id]
        env = function_environment(self.template, spec, endpoint_url=self.endpoint_url)
        wanted = set(spec.environment) | {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                                          "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                          "POWERTOOLS_TRACE_DISABLED"}
        return {k: v for k, v in env.items() if k in wanted}

    def adopt_environment_of(self, function_id: str) -> None:
        """Make this process see what `function_id` sees, so portrait.* code runs as it would."""
        os.environ.update(self.environment_of(function_id))


def resolve_target(template_path: Path, *, stack_name: str | None, region: str | None,
                   state_dir: Path | None) -> Target:
    if stack_name:
        return Target(stack_template(template_path, stack_name, region), None, f"stack {stack_name}")
    state = running_stack(template_path, state_dir)
    if state is None:
        raise NoTarget("no running local stack: start it with `make dev`, "
                       "or pass --stack-name to act on a deployed stack")
    return Target(load_running_template(template_path, state), state["endpoint_url"], "local stack")
