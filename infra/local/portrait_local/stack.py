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
from typing import Any, Callable

import boto3

from portrait_local.api_gateway import ApiGateway, cors_configuration, http_routes
from portrait_local.bootstrap import AFTER_START, BackgroundJobs, bootstrap
from portrait_local.cloudwatch import endpoints as cloudwatch_endpoints
from portrait_local.cloudwatch.page import PAGE_DIR, dashboard
from portrait_local.cloudwatch.service import LocalCloudWatch
from portrait_local.cloudwatch.sqs_depths import moto_queue_depths
from portrait_local.dynamodb_local import DynamoDBLocal, dynamodb_local_for_stack
from portrait_local.event_delivery import EventDelivery
from portrait_local.iam.authorizer import Authorizer, Denial
from portrait_local.ports import PortBusy, StartFailed, busy_message, ensure_free
from portrait_local.event_sources import event_source_mappings
from portrait_local.resources import create_resources
from portrait_local.running import cache_dir_for, state_dir_for
from portrait_local.runtime import Invocation, Runtime, print_invocation
from portrait_local.scheduler import ScheduleRule, Scheduler, schedule_rules
from portrait_local.sqs_lanes import plan_lanes
from portrait_local.sqs_poller import SqsPoller
from portrait_local.stream_poller import StreamPoller
from portrait_local.table_writes import TableWrites
from portrait_local.time_to_live import TimeToLive, TtlDeletes
from portrait_local.template import Template, TemplateError, state_directory_parameters

log = logging.getLogger("portrait_local")
ALLOWED_ORIGINS = "AllowedOrigins"  # the template parameter behind the API's and bucket's CORS


def start_moto(host: str, port: int, dynamodb: DynamoDBLocal | None = None,
               events: EventDelivery | None = None, writes: TableWrites | None = None,
               authorizer: Authorizer | None = None):
    """moto's server in this process (a thread); returns (server, endpoint URL).
    With `dynamodb`, the tables' requests on that endpoint go to DynamoDB Local;
    with `events`, PutEvents is answered and delivered by it (put_events); with
    `authorizer`, the functions' calls are authorised against their roles (iam)."""
    from portrait_local.moto_server import PolicedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = PolicedMotoServer(ip_address=host, port=port, verbose=False, events=events,
                               dynamodb=(dynamodb.host, dynamodb.port, dynamodb.namespace)
                               if dynamodb else None,
                               writes=writes, authorizer=authorizer)
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


class Pollers:
    """The threads polling one event source mapping, with their own stop signal (so a
    changed mapping's pollers stop while the others go on)."""

    def __init__(self, mapping: Any) -> None:
        self.mapping, self.stopped = mapping, threading.Event()
        self.pollers: list[Any] = []
        self.threads: list[threading.Thread] = []

    def start(self, poller: Any, n: int) -> None:
        thread = threading.Thread(target=poller.run, args=(self.stopped,), daemon=True,
                                  name=f"poll-{self.mapping.function_id}-{self.mapping.name}-{n}")
        self.pollers.append(poller)
        self.threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self.stopped.set()


def _poller_key(mapping: Any, lane: Any = None) -> tuple:
    """What a mapping's pollers depend on: the same key, the same pollers."""
    if lane is None:
        return (repr(mapping),)
    return (repr(mapping), lane.pollers, tuple(m.source_name for m in lane.yield_to))


class LocalStack:
    def __init__(self, template_path: Path, *, host: str = "127.0.0.1", port: int = 3000,
                 moto_port: int = 4566, verbose: bool = False,
                 stack_name: str = "portrait-local", state_dir: Path | None = None,
                 parameter_overrides: dict[str, str] | None = None, iam: bool = True,
                 seed: bool = True) -> None:
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
        self.table_writes = TableWrites()  # the stream pollers read when a table changes
        self.ttl_deletes = TtlDeletes()  # what the local TTL deleted (time_to_live)
        self.time_to_live: TimeToLive | None = None
        self._pollers: dict[tuple, Pollers] = {}
        self._update_lock = threading.Lock()
        # seed=False: no AFTER_START jobs (the pose catalogue stays empty until
        # `portrait seed poses`), for a stack that does not need them.
        self.jobs = BackgroundJobs(AFTER_START if seed else [])
        self.moto = self.runtime = self.scheduler = self.api = self.dynamodb = None
        self.events: EventDelivery | None = None
        self.endpoint_url = ""
        # Least privilege: each function's calls authorised against its template role.
        self.authorizer = Authorizer(on_denial=print_denial) if iam else None
        # The metrics the functions and services publish, and the template's alarms on them.
        self.cloudwatch = LocalCloudWatch(self.template)
        self.cloudwatch.queue_depths = moto_queue_depths(self.template.account_id,
                                                         self.template.region)

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
                                                "schedules": self._local_fire_schedule,
                                                "parameters": self._local_parameters,
                                                "ttl": self._local_ttl,
                                                "iam": self._local_iam,
                                                "cloudwatch": cloudwatch_endpoints.handler(
                                                    self.cloudwatch,
                                                    lambda: dashboard(self.cloudwatch))},
                                  local_files={"ops": PAGE_DIR},
                                  generated={"/config.json": self.web_config},
                                  static_headers=self.web_headers,
                                  observe=self.cloudwatch.record_request)
        except OSError as exc:  # taken between the check and the bind
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortBusy(busy_message(self.host, self.port, purpose="the API and the web "
                                        "client", option="--port")) from None
        self._allow_own_origin()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        expansion = self._expand_policies()  # the SAM transform, beside the JVM's start
        self.dynamodb = dynamodb_local_for_stack(self.host, self.template.region,
                                                 self.state_dir / "dynamodb-local.log")
        self.dynamodb.start()
        # Events put before the functions run wait in `events` until it starts below.
        self.events = EventDelivery(self.template)
        self.moto, self.endpoint_url = start_moto(self.host, self.moto_port, self.dynamodb,
                                                  self.events, self.table_writes,
                                                  self.authorizer)
        create_resources(self.template, endpoint_url=self.endpoint_url)
        if self.authorizer:  # once the resources exist: a secret's ARN is known then
            expansion.join()
            if self.authorizer.expanded is None:
                raise StartFailed("the template's roles could not be read for the IAM check "
                                  f"(see {self.state_dir / 'iam-expand-error.log'}); "
                                  "--no-iam runs without it")
            self.authorizer.load(self.template)
        for line in bootstrap(self.template, endpoint_url=self.endpoint_url):
            print(f"bootstrap: {line}", flush=True)
        self.runtime = Runtime(self.template, endpoint_url=self.endpoint_url,
                               log_dir=None if self.verbose else self.state_dir / "logs",
                               on_line=self.cloudwatch.record_line,
                               on_invocation=self.cloudwatch.record_invocation)
        self.events.start(aws_client("sqs", self.template, self.endpoint_url),
                          self.runtime.invoke)
        self.api.start()
        self._start_pollers()
        self.scheduler = Scheduler(self.template, schedule_rules(self.template), self._fire)
        self.scheduler.start()
        self.time_to_live = TimeToLive(self.template, aws_client("dynamodb", self.template,
                                                                 self.endpoint_url),
                                       self.ttl_deletes)
        threading.Thread(target=self.time_to_live.run, args=(self._stop,), name="ttl",
                         daemon=True).start()
        threading.Thread(target=self.cloudwatch.run, args=(self._stop,), name="cloudwatch",
                         daemon=True).start()
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

    def _expand_policies(self) -> threading.Thread:
        """The SAM transform of the template (seconds), in a thread; joined before use.
        Kept by the template's hash beside it, not in --state-dir: every stack of one
        checkout (the test suite starts several) shares one transform per template."""
        def run() -> None:
            try:
                self.authorizer.expand(self.template_path, self.template.region,
                                       cache_dir=cache_dir_for(self.template_path))
            except Exception:  # noqa: BLE001 - start() reports it in one line
                import traceback
                (self.state_dir / "iam-expand-error.log").write_text(traceback.format_exc())

        thread = threading.Thread(target=run, name="iam-expand", daemon=True)
        if self.authorizer:
            thread.start()
        return thread

    def _prewarm_background(self) -> None:
        for function_id in self.template.local_metadata.get("Prewarm") or []:
            if self._stop.is_set():
                return
            try:
                self.runtime.prewarm(function_id)
            except Exception as exc:  # noqa: BLE001 - warming is an optimisation only
                print(f"prewarm {function_id}: {exc}", flush=True)

    # ------------------------------------------------------------ parameter updates
    def update_parameters(self, changes: dict[str, str | None]) -> dict:
        """New parameter values on the running stack, as a deploy that changes only
        parameters would apply them: functions whose configuration changes get new
        instances (in-flight invocations finish on the old ones), event source
        mappings that change get new pollers (a stream's carry on where the old ones
        stopped), schedules are read again. Resources keep their properties (a change
        there needs a restart). A value of None goes back to the template's default."""
        with self._update_lock:
            overrides = dict(self.parameter_overrides)
            for name, value in changes.items():
                if value is None:
                    overrides.pop(name, None)
                else:
                    overrides[name] = str(value)
            template = Template.load(self.template_path, stack_name=self.template.stack_name,
                                     region=self.template.region,
                                     account_id=self.template.account_id,
                                     parameter_overrides=overrides)  # TemplateError: refused
            template.attributes.update(self.template.attributes)
            template.physical_names.update(self.template.physical_names)
            self._allow_own_origin(template)
            self.template, self.parameter_overrides = template, overrides
            if self.authorizer:  # a condition in a policy may have changed with them
                self.authorizer.load(template)
            functions = self.runtime.reconfigure(template)
            mappings = self._start_pollers()
            self.scheduler.reschedule(template, schedule_rules(template))
            self.cloudwatch.load(template)  # an alarm's threshold may be a parameter
            self._write_state()
            return {"parameter_overrides": overrides, "functions_replaced": functions,
                    "mappings_replaced": mappings}

    def _invoke(self, function_id: str, event: Any) -> Invocation:
        return self.runtime.invoke(function_id, event)

    def _allow_own_origin(self, template: Template | None = None) -> None:
        """Add the origins the web client is served from here to the AllowedOrigins parameter.

        The page comes from this server and uploads straight to the bucket (another
        origin), so the bucket's CORS rules must name it, as a deploy names its
        CloudFront domain. The default lists port 3000 only; `--port` picks another.
        """
        template = template or self.template
        origins = template.parameters.get(ALLOWED_ORIGINS)
        if not isinstance(origins, list):
            return
        for host in dict.fromkeys((self.host, "127.0.0.1", "localhost")):
            origin = f"http://{host}:{self.api.port}"
            if origin not in origins and "*" not in origins:
                origins.append(origin)
        self.api.cors = cors_configuration(template)

    def web_config(self) -> dict:
        """The web client's /config.json: where its API is (it never hard-codes a URL)."""
        return {"apiBaseUrl": f"http://{self.host}:{self.api.port}",
                # Local only (a deployed config has none): the footer links the ops page.
                "opsPageUrl": f"http://{self.host}:{self.api.port}/__local/ops/"}

    def web_headers(self) -> list[tuple[str, str]]:
        """The web client's Content-Security-Policy: as the template's CloudFront policy
        says, it may reach only its own origin (the API here) and the bucket endpoint."""
        api, aws = f"http://{self.host}:{self.api.port}", self.endpoint_url
        return [("content-security-policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
                 "base-uri 'self'; form-action 'none'; frame-ancestors 'none'; "
                 f"connect-src 'self' {api} {aws}; img-src 'self' blob: data: {api} {aws}"),
                ("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")]

    def _plan_pollers(self) -> dict[tuple, tuple[Any, list[Callable[[], Any]]]]:
        """For each event source mapping, by what its pollers depend on (_poller_key):
        the mapping and a factory for each of its pollers."""
        from portrait_local.moto_server import visible_messages  # moto: loaded with the stack

        mappings = event_source_mappings(self.template)
        plan: dict[tuple, tuple[Any, list[Callable[[], Any]]]] = {}
        # Queues: highest reserved concurrency first, each with its share of pollers (sqs_lanes).
        for lane in plan_lanes(self.template, mappings, self.runtime.pool_size):
            def sqs_poller(lane=lane) -> SqsPoller:
                return SqsPoller(lane.mapping, aws_client("sqs", self.template, self.endpoint_url),
                                 self.template.region, self.runtime.invoke, yield_to=lane.yield_to,
                                 peek=visible_messages(self.template.region))
            plan[_poller_key(lane.mapping, lane)] = (lane.mapping, [sqs_poller] * lane.pollers)
        for mapping in mappings:
            if mapping.enabled and mapping.kind != "sqs":
                def stream_poller(mapping=mapping) -> StreamPoller:
                    return StreamPoller(
                        mapping, aws_client("dynamodbstreams", self.template, self.endpoint_url),
                        self.template.region, self.runtime.invoke,
                        sqs=aws_client("sqs", self.template, self.endpoint_url),
                        writes=self.table_writes, ttl_deletes=self.ttl_deletes)
                plan[_poller_key(mapping)] = (mapping, [stream_poller])
        return plan

    def _start_pollers(self) -> list[str]:
        """Pollers for every mapping that has none yet (all of them at start); those of a
        mapping that changed or went away (disabled) are stopped. Returns the mappings
        whose pollers changed (none the first time)."""
        plan, old = self._plan_pollers(), self._pollers
        changed = []
        for key in set(old) - set(plan):
            old[key].stop()
            changed.append(f"{old[key].mapping.function_id}:{old[key].mapping.name}")
        pollers = {}
        for key, (mapping, factories) in plan.items():
            if key in old:
                pollers[key] = old[key]
                continue
            pollers[key] = Pollers(mapping)
            for n, factory in enumerate(factories):
                poller = factory()
                if mapping.kind != "sqs":
                    self._carry_on(poller, old)
                pollers[key].start(poller, n)
            changed.append(f"{mapping.function_id}:{mapping.name}")
        self._pollers = pollers
        return sorted(set(changed)) if old else []

    def _carry_on(self, poller: Any, old: dict) -> None:
        """A changed stream mapping's new poller reads on from where the old one stopped
        (a fresh LATEST iterator would skip what was written in between)."""
        for previous in old.values():
            mapping = previous.mapping
            if (mapping.function_id, mapping.name) == (poller.mapping.function_id,
                                                       poller.mapping.name):
                previous.stop()
                self.table_writes.wrote({poller.table})  # wake it, if it waits for a write
                for thread in previous.threads:
                    thread.join(timeout=30)
                (before,) = previous.pollers
                poller.iterators, poller.seen = before.iterators, before.seen
                poller.positions = before.positions

    def stop(self) -> None:
        self._stop.set()
        self.table_writes.close()
        self.jobs.stop()
        if self.scheduler:
            self.scheduler.stop()
        if self.api:
            self.api.stop()
        for pollers in self._pollers.values():
            pollers.stop()
        deadline = time.monotonic() + 2  # one deadline for all: pollers are daemon threads
        for thread in [t for pollers in self._pollers.values() for t in pollers.threads]:
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

    def _local_parameters(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        """PUT /__local/parameters {"Name": "value" | null, ...}: `portrait update`."""
        if method == "GET" and not rest:
            return 200, {"parameter_overrides": self.parameter_overrides}
        if method != "PUT" or rest:
            return 404, {"message": "GET or PUT /__local/parameters"}
        try:
            changes = json.loads(body or b"{}")
            if not isinstance(changes, dict) or not all(
                    isinstance(v, (str, int, float)) or v is None for v in changes.values()):
                raise ValueError("a JSON object of parameter names to values (or null)")
            return 200, self.update_parameters(changes)
        except (ValueError, TemplateError) as exc:
            return 400, {"message": f"parameters not changed: {exc}"}

    def _local_ttl(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        """POST /__local/ttl {"ahead_seconds": N}: `portrait ttl run` (a TTL pass now)."""
        if method != "POST" or rest:
            return 404, {"message": "POST /__local/ttl"}
        try:
            request = json.loads(body or b"{}")
            ahead = float(request.get("ahead_seconds", 0))
            only = set(request["tables"]) if request.get("tables") else None
        except (ValueError, AttributeError, TypeError):
            return 400, {"message": "a JSON object: ahead_seconds (a number), tables (names)"}
        if ahead < 0:
            return 400, {"message": "ahead_seconds cannot be negative: TTL never deletes early"}
        try:
            return 200, {"expired": self.time_to_live.run_once(ahead, only),
                         "ahead_seconds": ahead}
        except KeyError as exc:
            return 400, {"message": exc.args[0]}

    def _local_iam(self, method: str, rest: str, body: bytes) -> tuple[int, Any]:
        """GET /__local/iam: `portrait iam report`; PUT /__local/iam/withheld
        {"Function": ["Sid" | "PolicyName" | "Policy/Sid" | "Policy#n", ...]}: those
        statements left out of the function's role until the next PUT ({} restores)."""
        if self.authorizer is None:
            return 409, {"message": "this stack runs without the IAM check (--no-iam)"}
        if method == "GET" and not rest:
            return 200, self.authorizer.report()
        if method == "PUT" and rest == "withheld":
            try:
                selection = json.loads(body or b"{}")
                if not isinstance(selection, dict) or not all(
                        isinstance(v, list) for v in selection.values()):
                    raise ValueError("a JSON object of function ids to lists of statements")
                return 200, {"withheld": self.authorizer.withhold(selection)}
            except ValueError as exc:
                return 400, {"message": str(exc)}
            except KeyError as exc:
                return 400, {"message": exc.args[0]}
        return 404, {"message": "GET /__local/iam or PUT /__local/iam/withheld"}

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
            "iam": self.authorizer is not None,
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


def print_denial(denial: Denial) -> None:
    """A refused call, one line on the stack's console: the developer sees it at once."""
    print(f"{time.strftime('%H:%M:%S')} {denial.function_id:<16} IAM denied {denial.action} "
          f"on {denial.resource}", flush=True)

