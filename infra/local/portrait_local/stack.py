"""The whole local stack in one process: moto, resources, functions, pollers, scheduler,
event delivery, API.

`.portrait/local.json` (next to the template) says where a running stack
listens and what its resources are called, for `portrait invoke`,
`portrait schedule fire` and the end-to-end tests.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import boto3

from portrait_local.api_gateway import ApiGateway, cors_configuration, http_routes
from portrait_local.bootstrap import BackgroundJobs, bootstrap
from portrait_local.dynamodb_local import DynamoDBLocal
from portrait_local.event_delivery import EventDelivery
from portrait_local.ports import PortBusy, StartFailed, busy_message, ensure_free
from portrait_local.event_sources import event_source_mappings
from portrait_local.resources import create_resources
from portrait_local.runtime import Invocation, Runtime, print_invocation
from portrait_local.scheduler import ScheduleRule, Scheduler, schedule_rules
from portrait_local.sqs_lanes import plan_lanes
from portrait_local.sqs_poller import SqsPoller
from portrait_local.stream_poller import StreamPoller
from portrait_local.template import Template, state_directory_parameters

log = logging.getLogger("portrait_local")
ALLOWED_ORIGINS = "AllowedOrigins"  # the template parameter behind the API's and bucket's CORS


def state_dir_for(template_path: Path, state_dir: Path | str | None = None) -> Path:
    """Where the stack keeps its state and logs: --state-dir, else .portrait/ by the template."""
    return Path(state_dir).resolve() if state_dir else template_path.resolve().parent / ".portrait"


def start_moto(host: str, port: int, dynamodb: DynamoDBLocal | None = None,
               events: EventDelivery | None = None):
    """moto's server in this process (a thread); returns (server, endpoint URL).
    With `dynamodb`, the tables' requests on that endpoint go to DynamoDB Local;
    with `events`, PutEvents is answered and delivered by it (put_events)."""
    from portrait_local.moto_server import PolicedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = PolicedMotoServer(ip_address=host, port=port, verbose=False, events=events,
                               dynamodb=(dynamodb.host, dynamodb.port) if dynamodb else None)
    server.start()
    if server.error is not None:
        # werkzeug exits (SystemExit) when the port is taken: between the check and the bind.
        if isinstance(server.error, SystemExit) or getattr(server.error, "errno", None) == \
                errno.EADDRINUSE:
            raise PortBusy(busy_message(host, port, purpose="the local AWS endpoint",
                                        option="--moto-port"))
        raise StartFailed(f"the local AWS endpoint did not start: {server.error!r}")
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def aws_client(service: str, template: Template, endpoint_url: str) -> Any:
    return boto3.client(service, region_name=template.region, endpoint_url=endpoint_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


class LocalStack:
    def __init__(self, template_path: Path, *, host: str = "127.0.0.1", port: int = 3000,
                 moto_port: int = 4566, verbose: bool = False,
                 stack_name: str = "portrait-local", state_dir: Path | None = None,
                 parameter_overrides: dict[str, str] | None = None) -> None:
        self.template_path = Path(template_path).resolve()
        self.host, self.port, self.moto_port = host, port, moto_port
        self.verbose = verbose
        self.state_dir = state_dir_for(self.template_path, state_dir)
        # Kept in the state file, so `portrait invoke` and operator commands aimed at
        # this stack load the template with the same parameters its functions got.
        self.parameter_overrides = {**state_directory_parameters(self.template_path,
                                                                 self.state_dir),
                                    **dict(parameter_overrides or {})}
        self.template = Template.load(self.template_path, stack_name=stack_name,
                                      parameter_overrides=self.parameter_overrides)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.jobs = BackgroundJobs()
        self.moto = self.runtime = self.scheduler = self.api = self.dynamodb = None
        self.events: EventDelivery | None = None
        self.endpoint_url = ""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        # Both fixed ports are checked before anything starts: a taken one is one line
        # naming it (ports.PortBusy), not a traceback or a moto server that never comes up.
        ensure_free(self.host, self.port, purpose="the API and the web client",
                    option="--port")
        ensure_free(self.host, self.moto_port, purpose="the local AWS endpoint",
                    option="--moto-port")
        # The API's socket is bound first (it only serves once started), so its port, and
        # with it the web client's origin, is known before the CORS rules are created.
        try:
            self.api = ApiGateway(self.template, self._invoke, host=self.host, port=self.port,
                                  local_routes={"health": self._local_health,
                                                "schedules": self._local_fire_schedule},
                                  generated={"/config.json": self.web_config},
                                  static_headers=self.web_headers)
        except OSError as exc:  # taken between the check and the bind
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortBusy(busy_message(self.host, self.port, purpose="the API and the web "
                                        "client", option="--port")) from None
        self._allow_own_origin()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.dynamodb = DynamoDBLocal(self.host, log_path=self.state_dir / "dynamodb-local.log")
        self.dynamodb.start()
        # Events put before the functions run wait in `events` until it starts below.
        self.events = EventDelivery(self.template)
        self.moto, self.endpoint_url = start_moto(self.host, self.moto_port, self.dynamodb,
                                                  self.events)
        create_resources(self.template, endpoint_url=self.endpoint_url)
        for line in bootstrap(self.template, endpoint_url=self.endpoint_url):
            print(f"bootstrap: {line}", flush=True)
        self.runtime = Runtime(self.template, endpoint_url=self.endpoint_url,
                               log_dir=None if self.verbose else self.state_dir / "logs")
        self.events.start(aws_client("sqs", self.template, self.endpoint_url),
                          self.runtime.invoke)
        self.api.start()
        self._start_pollers()
        self.scheduler = Scheduler(self.template, schedule_rules(self.template), self._fire)
        self.scheduler.start()
        # Warm the HTTP functions now, so the first request does not pay the cold start.
        for function_id in sorted({route.function_id for route in http_routes(self.template)}):
            self.runtime.prewarm(function_id)
        self._write_state()
        # The functions the template names as latency-critical (a write reaching search)
        # warm up beside the serving stack, so the first event does not wait for them.
        threading.Thread(target=self._prewarm_background, name="prewarm", daemon=True).start()
        # Slow setup (the pose catalogue) runs beside the serving stack, not before it.
        for line in self.jobs.start(self.template, template_path=self.template_path,
                                    state_dir=self.state_dir,
                                    log_dir=None if self.verbose else self.state_dir / "logs"):
            print(f"bootstrap: {line}", flush=True)

    def _prewarm_background(self) -> None:
        for function_id in self.template.local_metadata.get("Prewarm") or []:
            if self._stop.is_set():
                return
            try:
                self.runtime.prewarm(function_id)
            except Exception as exc:  # noqa: BLE001 - warming is an optimisation only
                print(f"prewarm {function_id}: {exc}", flush=True)

    def _invoke(self, function_id: str, event: Any) -> Invocation:
        return self.runtime.invoke(function_id, event)

    def _allow_own_origin(self) -> None:
        """Add the origins the web client is served from here to the AllowedOrigins parameter.

        The page comes from this server and uploads straight to the bucket (another
        origin), so the bucket's CORS rules must name it, as a deploy names its
        CloudFront domain. The default lists port 3000 only; `--port` picks another.
        """
        origins = self.template.parameters.get(ALLOWED_ORIGINS)
        if not isinstance(origins, list):
            return
        for host in dict.fromkeys((self.host, "127.0.0.1", "localhost")):
            origin = f"http://{host}:{self.api.port}"
            if origin not in origins and "*" not in origins:
                origins.append(origin)
        self.api.cors = cors_configuration(self.template)

    def web_config(self) -> dict:
        """The web client's /config.json: where its API is (it never hard-codes a URL)."""
        return {"apiBaseUrl": f"http://{self.host}:{self.api.port}"}

    def web_headers(self) -> list[tuple[str, str]]:
        """The web client's Content-Security-Policy: as the template's CloudFront policy
        says, it may reach only its own origin (the API here) and the bucket endpoint."""
        api, aws = f"http://{self.host}:{self.api.port}", self.endpoint_url
        return [("content-security-policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
                 "base-uri 'self'; form-action 'none'; frame-ancestors 'none'; "
                 f"connect-src 'self' {api} {aws}; img-src 'self' blob: data: {api} {aws}"),
                ("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")]

    def _start_pollers(self) -> None:
        mappings = event_source_mappings(self.template)
        # Queues: highest reserved concurrency first, each with its share of pollers (sqs_lanes).
        for lane in plan_lanes(self.template, mappings, self.runtime.pool_size):
            for n in range(lane.pollers):
                sqs = aws_client("sqs", self.template, self.endpoint_url)
                self._start_poller(SqsPoller(lane.mapping, sqs, self.template.region,
                                             self.runtime.invoke, yield_to=lane.yield_to),
                                   lane.mapping, n)
        for mapping in mappings:
            if mapping.enabled and mapping.kind != "sqs":
                self._start_poller(StreamPoller(
                    mapping, aws_client("dynamodbstreams", self.template, self.endpoint_url),
                    self.template.region, self.runtime.invoke,
                    sqs=aws_client("sqs", self.template, self.endpoint_url)), mapping, 0)

    def _start_poller(self, poller: Any, mapping: Any, n: int) -> None:
        thread = threading.Thread(target=poller.run, args=(self._stop,), daemon=True,
                                  name=f"poll-{mapping.function_id}-{mapping.name}-{n}")
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.jobs.stop()
        if self.scheduler:
            self.scheduler.stop()
        if self.api:
            self.api.stop()
        deadline = time.monotonic() + 2  # one deadline for all: pollers are daemon threads
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self.events:
            self.events.stop()
        if self.runtime:
            self.runtime.close()
        if self.moto:
            self.moto.stop()
        if self.dynamodb:
            self.dynamodb.stop()
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
            "parameter_overrides": self.parameter_overrides,
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


def load_running_template(template_path: Path, state: dict) -> Template:
    """The template as a running stack (described by its state file) loaded it."""
    template = Template.load(template_path, stack_name=state["stack_name"], region=state["region"],
                             account_id=state["account_id"],
                             parameter_overrides=state.get("parameter_overrides"))
    restore_attributes(template, state)
    return template


def restore_attributes(template: Template, state: dict) -> None:
    """Give a freshly loaded template the attributes a running stack recorded."""
    for key, value in state.get("attributes", {}).items():
        lid, attr = key.split(".", 1)
        template.attributes[(lid, attr)] = value
