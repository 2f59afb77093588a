"""The `portrait` command. Each subcommand is a `register_*` function adding its parser;
add a command by writing one and listing it in COMMANDS."""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from portrait_local.alarm_commands import register_alarms
from portrait_local.avatar_commands import register_avatars
from portrait_local.counts_commands import register_counts
from portrait_local.iam.commands import register_iam
from portrait_local.operator_commands import register_admin, register_keys
from portrait_local.seed_commands import register_seed
from portrait_local.search_commands import register_search
from portrait_local.stack_calls import call_running_stack, print_reply
from portrait_local.sweep_commands import register_sweep
from portrait_local.upload_commands import register_upload
from portrait_local.web_commands import register_web

DEFAULT_TEMPLATE = "template.yaml"

DESCRIPTION = """\
Run Portrait on this machine, and look after a running or deployed stack.

`portrait dev` is the whole system locally (what `make dev` starts): emulated AWS,
the HTTP API and the web client on http://127.0.0.1:3000, queues, streams and
schedules, with no Docker and no AWS account. The other commands act on that
running stack, or on a deployed one with --stack-name (your AWS credentials)."""

EXAMPLES = """\
examples:
  portrait dev --port 3001 --moto-port 4567
  portrait invoke ApiFunction -e events/api-health.json
  portrait admin create-user --admin --username root --email root@example.com --name Root
  portrait seed poses --stack-name portrait-dev
  portrait sweep temp --dry-run
  portrait search reindex
  portrait iam report                           # calls each role authorised; grants never used
  portrait alarms list                          # the template's alarms, evaluated locally
  portrait alarms clock --speed 60              # alarm time: a minute a second (1: real time)

`portrait COMMAND --help` tells more about each command."""


def add_parameter_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parameter-overrides", nargs="+", metavar="KEY=VALUE", default=None,
                        help="template parameters, as sam's option takes them: Key=Value ... "
                             "(e.g. TempUploadMaxAgeMinutes=0 AvatarGraceSeconds=0)")


def parameter_overrides(args: argparse.Namespace) -> dict[str, str]:
    from portrait_local.template import TemplateError, parse_parameter_overrides

    try:
        return parse_parameter_overrides(args.parameter_overrides)
    except TemplateError as exc:
        raise SystemExit(f"portrait: {exc}") from None


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=None,
                        help="the local stack's state and logs "
                             "(default: .portrait/ next to the template)")


# ------------------------------------------------------------------ dev
def run_dev(args: argparse.Namespace) -> int:
    from portrait_local.stack import LocalStack
    from portrait_local.template import TemplateError

    started = time.monotonic()
    try:
        stack = LocalStack(Path(args.template), host=args.host, port=args.port,
                           moto_port=args.moto_port, verbose=args.verbose, state_dir=args.state_dir,
                           parameter_overrides=parameter_overrides(args), iam=not args.no_iam,
                           seed=not args.no_seed)
    except TemplateError as exc:
        print(exc, file=sys.stderr)
        return 2
    from portrait_local.ports import StartFailed

    stopping, serving = threading.Event(), threading.Event()

    def request_stop(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        stopping.set()
        if not serving.is_set():  # still starting: abandon the start, whatever it waits on
            serving.set()  # once: a second signal must not interrupt the clean-up
            raise _StopRequested()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        stack.start()
        serving.set()
        print(f"ready in {time.monotonic() - started:.1f} s: API {stack.state()['api_url']}  "
              f"AWS endpoint {stack.endpoint_url}  "
              f"(logs: {'stdout' if args.verbose else stack.state_dir / 'logs'})", flush=True)
        print(f"ops page (charts of the last hour, alarms, counts): "
              f"{stack.state()['api_url']}/__local/ops/  "
              f"(alarm clock: `portrait alarms clock --speed 60` runs a minute a second)",
              flush=True)
        while not stopping.wait(0.5):
            pass
    except _StopRequested:
        pass
    except StartFailed as exc:
        print(f"portrait dev: {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - one line here; the traceback in the log
        log = stack.state_dir / "dev-start-error.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        print(f"portrait dev: could not start: {type(exc).__name__}: {str(exc)[:300]} "
              f"(traceback in {log})", file=sys.stderr, flush=True)
        return 1
    finally:
        started_serving = serving.is_set()
        serving.set()  # a signal while stopping no longer interrupts
        if started_serving:
            print("stopping...", flush=True)
        stack.stop()
    return 0


class _StopRequested(BaseException):
    """SIGTERM or SIGINT while the stack was still starting."""


def register_dev(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dev", help="run the whole system locally: emulated AWS, the API and "
                                   "web client, queues, streams and schedules")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000, help="HTTP API port (0: any free port)")
    p.add_argument("--moto-port", type=int, default=4566, help="moto port (0: any free port)")
    p.add_argument("--template", default=DEFAULT_TEMPLATE)
    p.add_argument("--verbose", action="store_true",
                   help="functions' logs on stdout instead of .portrait/logs/")
    p.add_argument("--no-iam", action="store_true",
                   help="do not authorise the functions' AWS calls against their template "
                        "roles (on by default: a call the role does not allow is AccessDenied, "
                        "as in AWS)")
    p.add_argument("--no-seed", action="store_true",
                   help="do not load the pose catalogue at start-up (it stays empty until "
                        "`portrait seed poses`)")
    add_parameter_overrides(p)
    add_state_dir(p)
    p.set_defaults(handler=run_dev)


# ------------------------------------------------------------------ invoke
class UsageError(ValueError):
    """A mistake in what the command was given: one line on stderr, exit code 2."""


def read_event(source: str) -> Any:
    """The event in the file `source` ('-': stdin); an empty one is {}."""
    name = "stdin" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read the event file {name}: {exc.strerror or exc}") from None
    try:
        return json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise UsageError(f"the event in {name} is not JSON: {exc}") from None


def run_invoke(args: argparse.Namespace) -> int:
    from portrait_local.invoke import SetupFailed, UnknownFunction, invoke_local, invoke_remote
    from portrait_local.template import TemplateError

    template = Path(args.template)
    try:
        event = read_event(args.event)
        if not template.is_file():
            raise UsageError(f"no template at {template} (run from the repository, "
                             "or pass --template)")
        if args.stack_name:
            invocation, target = invoke_remote(template, args.function, event, args.stack_name,
                                               args.region)
        else:
            invocation, target = invoke_local(template, args.function, event, args.state_dir,
                                              parameter_overrides(args),
                                              setup=not args.no_setup and is_sample(args.event, template))
    except (UsageError, UnknownFunction, TemplateError) as exc:
        print(f"portrait invoke: {exc}", file=sys.stderr)
        return 2
    except SetupFailed as exc:
        print(f"portrait invoke: {exc}", file=sys.stderr)
        return 1
    status, failed = outcome(invocation)
    print(f"{args.function} on {target}: {invocation.duration_ms:.0f} ms, {status}",
          file=sys.stderr)
    print(json.dumps(invocation.payload(), indent=2))
    return 1 if failed else 0


def is_sample(source: str, template: Path) -> bool:
    """Whether the event is one of the repository's samples (events/ beside the template):
    only those have what they name made first; your own events run as they are."""
    if source == "-":
        return False
    return Path(source).resolve().parent == (template.resolve().parent / "events")


def outcome(invocation) -> tuple[str, bool]:
    """What an invocation came to, in a few words, and whether it failed: raised, answered
    an HTTP error (4xx/5xx), or reported batch items it could not process."""
    if not invocation.ok:
        return f"error {invocation.error.get('errorType')}", True
    result = invocation.result
    if isinstance(result, dict) and isinstance(result.get("statusCode"), int) \
            and result["statusCode"] >= 400:
        try:
            error = json.loads(result.get("body") or "{}").get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        said = f" {error.get('code')}: {error.get('message')}" if error.get("code") else ""
        return f"answered {result['statusCode']}{said}", True
    if isinstance(result, dict) and result.get("batchItemFailures"):
        count = len(result["batchItemFailures"])
        return f"ok but {count} batch item{'s' if count > 1 else ''} failed (the queue " \
               "would retry them)", True
    return "ok", False


def register_invoke(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("invoke", help="run one function on one event, like `sam local invoke` "
                                      "(on the running local stack, if there is one)",
                       description="Run one function on one event, as `sam local invoke` would "
                                   "but without Docker: on the running local stack's resources, "
                                   "else on a moto started for this call (or on a deployed "
                                   "stack's, with --stack-name). The reply is printed on "
                                   "stdout; exit code 1 if the function failed.")
    p.add_argument("function", metavar="FUNCTION", help="the function's logical id")
    p.add_argument("-e", "--event", default="-", help="event JSON file ('-': stdin)")
    p.add_argument("--stack-name", help="run against this deployed stack's resources")
    p.add_argument("--region", help="the deployed stack's region")
    p.add_argument("--template", default=DEFAULT_TEMPLATE)
    p.add_argument("--no-setup", action="store_true",
                   help="run a sample of events/ as it is: do not first make the account "
                        "its log-in names, or the pending records and files its S3 upload "
                        "names (other events always run as they are)")
    add_parameter_overrides(p)
    add_state_dir(p)
    p.set_defaults(handler=run_invoke)


# ------------------------------------------------------------------ schedule
def run_schedule_fire(args: argparse.Namespace) -> int:
    reply = call_running_stack(args, "POST", f"schedules/{args.function}/{args.event}",
                               timeout=960)
    return print_reply(reply, ok=lambda fired: fired["ok"])


def register_schedule(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="fire one of the template's schedules now "
                                        "(on the running local stack)")
    schedule = p.add_subparsers(dest="schedule_command", required=True)
    fire = schedule.add_parser("fire", help="fire a schedule now on the running local stack")
    fire.add_argument("function", metavar="FUNCTION", help="the function's logical id")
    fire.add_argument("event", metavar="EVENT", help="the schedule's event name (or rule id)")
    fire.add_argument("--template", default=DEFAULT_TEMPLATE)
    add_state_dir(fire)
    fire.set_defaults(handler=run_schedule_fire)


# ------------------------------------------------------------------ update
def run_update(args: argparse.Namespace) -> int:
    changes: dict[str, str | None] = {name: None for name in args.reset}
    changes.update(parameter_overrides(args))
    return print_reply(call_running_stack(args, "PUT", "parameters", changes))


def register_update(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("update", help="change parameters of the running local stack, as "
                                      "`sam deploy --parameter-overrides` would")
    p.add_argument("--reset", nargs="+", default=[], metavar="NAME",
                   help="parameters to take back to the template's value")
    p.add_argument("--template", default=DEFAULT_TEMPLATE)
    add_parameter_overrides(p)
    add_state_dir(p)
    p.set_defaults(handler=run_update)


# ------------------------------------------------------------------ ttl
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> float:
    """`90`, `90s`, `15m`, `3h` or `8d` in seconds."""
    number, unit = (text[:-1], text[-1]) if text[-1:] in _UNITS else (text, "s")
    try:
        seconds = float(number) * _UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 15m, 3h, 8d)")
    if seconds < 0:
        raise argparse.ArgumentTypeError("TTL never deletes early: the duration cannot be "
                                         "negative")
    return seconds


def run_ttl(args: argparse.Namespace) -> int:
    return print_reply(call_running_stack(args, "POST", "ttl", {"ahead_seconds": args.ahead,
                                                                "tables": args.table},
                                          timeout=300))


def register_ttl(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ttl", help="DynamoDB's Time to Live on the running local stack")
    ttl = p.add_subparsers(dest="ttl_command", required=True)
    run = ttl.add_parser("run", help="delete the items whose TTL has passed now, as DynamoDB "
                                     "does (the stack also does it every 30 s)")
    run.add_argument("--ahead", type=duration_seconds, default=0.0, metavar="DURATION",
                     help="as if the clock were this far ahead (e.g. 8d: a 7-day grace over)")
    run.add_argument("--table", nargs="+", metavar="LOGICAL_ID",
                     help="only these tables (e.g. AvatarsTable); all with TTL by default")
    run.add_argument("--template", default=DEFAULT_TEMPLATE)
    add_state_dir(run)
    run.set_defaults(handler=run_ttl)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    register_dev, register_invoke, register_schedule, register_update, register_ttl,
    register_admin, register_keys,
    register_sweep, register_seed, register_web, register_avatars, register_search,
    register_upload, register_iam, register_alarms, register_counts,
]


def version() -> str:
    import importlib.metadata  # ~80 ms: only --version reads it

    try:
        return importlib.metadata.version("portrait")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was not installed
        return "unknown"


class _VersionAction(argparse.Action):
    """--version, with the version read when asked for (argparse's reads it up front)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str = "show the version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"portrait {version()}")  # on stdout, as argparse's own version action does
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portrait", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, title="commands",
                                metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    _name_choices_and_owners(parser)
    return parser


def _name_choices_and_owners(parser: argparse.ArgumentParser) -> None:
    """Every level of subcommands: a missing one is named by its choices ("required:
    {temp,deleted}", not the attribute's name), and each parser is recorded on the
    arguments it parses, so an unknown option is reported with that command's usage."""
    parser.set_defaults(_parser=parser)
    for action in parser._actions:  # argparse keeps no public list of its subparsers
        if isinstance(action, argparse._SubParsersAction):
            if action.metavar is None:
                action.metavar = "{" + ",".join(action.choices) + "}"
            for child in action.choices.values():
                _name_choices_and_owners(child)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    args, unknown = parser.parse_known_args(given)
    if unknown:  # said by the command that was given them, with its own usage
        command = args.command
        before = given.index(command) if command in given else len(given)
        owner = parser if any(token in given[:before] for token in unknown) else args._parser
        owner.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
