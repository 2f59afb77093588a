"""The whole local stack in one process: moto, resources, functions, pollers, scheduler, API.

`.portrait/local.json` (next to the template) says where a running stack
listens and what its resources are called, for `portrait invoke`,
`portrait schedule fire` and the end-to-end tests.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from portrait_local.api_gateway import ApiGateway, http_routes
from portrait_local.bootstrap import bootstrap
from portrait_local.event_sources import event_source_mappings
from portrait_local.resources import create_resources
from portrait_local.runtime import Invocation, Runtime, print_invocation
from portrait_local.scheduler import ScheduleRule, Scheduler, schedule_rules
from portrait_local.sqs_poller import SqsPoller
from portrait_local.stream_poller import StreamPoller
from portrait_local.template import Template

log = logging.getLogger("portrait_local")


def state_dir_for(template_path: Path, state_dir: Path | str | None = None) -> Path:
    """Where the stack keeps its state and logs: --state-dir, else .portrait/ by the template."""
    return Path(state_dir).resolve() if state_dir else template_path.resolve().parent / ".portrait"


def start_moto(host: str, port: int):
    """moto's server in this process (a thread); returns (server, endpoint URL)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def aws_client(service: str, template: Template, endpoint_url: str) -> Any:
    return boto3.client(service, region_name=template.region, endpoint_url=endpoint_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


class LocalStack:
    def __init__(self, template_path: Path, *, host: str = "127.0.0.1", port: int = 3000,
                 moto_port: int = 4566, verbose: bool = False,
                 stack_name: str = "portrait-local", state_dir: Path | None = None) -> None:
        self.template_path = Path(template_path).resolve()
        self.host, self.port, self.moto_port = host, port, moto_port
        self.verbose = verbose
        self.template = Template.load(self.template_path, stack_name=stack_name)
        self.state_dir = state_dir_for(self.template_path, state_dir)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.moto = self.runtime = self.scheduler = self.api = None
        self.endpoint_url = ""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self.moto, self.endpoint_url = start_moto(self.host, self.moto_port)
        create_resources(self.template, endpoint_url=self.endpoint_url)
        for line in bootstrap(self.template, endpoint_url=self.endpoint_url):
            print(f"bootstrap: {line}", flush=True)
        self.runtime = Runtime(self.template, endpoint_url=self.endpoint_url,
                               log_dir=None if self.verbose else self.state_dir / "logs")
        self.api = ApiGateway(self.template, self.runtime.invoke, host=self.host, port=self.port,
                              local_routes={"health": self._local_health,
                                            "schedules": self._local_fire_schedule})
        self.api.start()
        self._start_pollers()
        self.scheduler = Scheduler(self.template, schedule_rules(self.template), self._fire)
        self.scheduler.start()
        # Warm the HTTP functions now, so the first request does not pay the cold start.
        for function_id in sorted({route.function_id for route in http_routes(self.template)}):
            self.runtime.prewarm(function_id)
        self._write_state()

    def _start_pollers(self) -> None:
        for mapping in event_source_mappings(self.template):
            if not mapping.enabled:
                continue
            if mapping.kind == "sqs":
                sqs = aws_client("sqs", self.template, self.endpoint_url)
                poller: Any = SqsPoller(mapping, sqs, self.template.region, self.runtime.invoke)
            else:
                poller = StreamPoller(mapping, aws_client("dynamodbstreams", self.template,
                                                          self.endpoint_url),
                                      self.template.region, self.runtime.invoke)
            thread = threading.Thread(target=poller.run, args=(self._stop,), daemon=True,
                                      name=f"poll-{mapping.function_id}-{mapping.name}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self.scheduler:
            self.scheduler.stop()
        if self.api:
            self.api.stop()
        for thread in self._threads:
            thread.join(timeout=3)
        if self.runtime:
            self.runtime.close()
        if self.moto:
            self.moto.stop()
        state = self.state_dir / "local.json"
        try:
            if json.loads(state.read_text()).get("pid") == os.getpid():
                state.unlink()
        except (OSError, ValueError):
            pass

    # ------------------------------------------------------------ schedules
    def _fire(self, rule: ScheduleRule, event: Any) -> Invocation:
        invocation = self.runtime.invoke(rule.function_id, event)
        outcome = "ok" if invocation.ok else (f"error {invocation.error.get('errorType')}: "
                                              f"{invocation.error.get('errorMessage')}")
        print_invocation(rule.function_id, f"schedule:{rule.event_name}",
                         invocation.duration_ms, outcome)
        return invocation

    def _local_fire_schedule(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        if method != "POST" or rest.count("/") != 1:
            return 404, {"message": "POST /__local/schedules/{FunctionLogicalId}/{EventName}"}
        rule, event = self.scheduler.fire_now(*rest.split("/"))
        invocation = self._fire(rule, event)
        return 200, {"function": rule.function_id, "schedule": rule.event_name, "event": event,
                     "ok": invocation.ok, "result": invocation.payload()}

    def _local_health(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        return 200, {"status": "ok", "pid": os.getpid(), "endpoint_url": self.endpoint_url}

    # ------------------------------------------------------------ state
    def state(self) -> dict:
        template = self.template
        return {
            "pid": os.getpid(),
            "template": str(self.template_path),
            "stack_name": template.stack_name,
            "region": template.region,
            "account_id": template.account_id,
            "endpoint_url": self.endpoint_url,
            "api_url": f"http://{self.host}:{self.api.port}",
            "host": self.host,
            "port": self.api.port,
            "moto_port": int(self.endpoint_url.rsplit(":", 1)[1]),
            "resources": {lid: template.physical_id(lid) for lid in template.resources},
            "attributes": {f"{lid}.{attr}": value
                           for (lid, attr), value in template.attributes.items()},
            "functions": {lid: spec.name for lid, spec in template.functions().items()},
            "started_at": time.time(),
        }

    def _write_state(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.state_dir / "local.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state(), indent=2))
        tmp.replace(path)


def restore_attributes(template: Template, state: dict) -> None:
    """Give a freshly loaded template the attributes a running stack recorded."""
    for key, value in state.get("attributes", {}).items():
        lid, attr = key.split(".", 1)
        template.attributes[(lid, attr)] = value
