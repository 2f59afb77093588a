"""Cold start: how long each function's handler module takes to import, next to
`import boto3` alone, each in a fresh Python 3.12 process with a path like Lambda's.

Not a test: prints figures. For every function in template.yaml (CodeUri + Handler)
the handler module is imported in `python -I -S` (no site, no user paths, no .pth
files) with sys.path set explicitly, in Lambda's order:

    the function's folder  (/var/task)
    the layer's code       (/opt/python: layers/common/python, or --layer DIR, e.g. a
                            `sam build` layer folder, which holds the dependencies too)
    the dependencies       (--deps DIR; by default the project's .venv site-packages)

The environment is the template's (Globals, then the function's own variables), with
!Ref/!Sub resolved to parameter defaults or dummy names, plus what Lambda sets
(AWS_REGION, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME, ...). LAMBDA_TASK_ROOT makes
Powertools' Tracer believe it runs in Lambda, so its real cost (the X-Ray SDK and
its patching) is in the figures; --trace-disabled measures with
POWERTOOLS_TRACE_DISABLED=true instead. The timer is inside the child process and
covers only the import (the interpreter's own start-up is not counted). Runs are
interleaved (boto3, fn1, fn2, ..., then the other way round) so machine noise spreads
evenly; on a busy machine --clock cpu (process time) and more --runs steady the figures.

The .venv holds test tools too, and a library that finds something installed may import
it. For figures closest to Lambda, install the layer's requirements into a folder of
their own and pass it:
    pip install -r layers/common/python/requirements.txt --target /tmp/layer-deps
    python bench/cold_start.py --deps /tmp/layer-deps

Lambda's /var/task and /opt are read-only and the build ships the project's own modules
as source, so Python compiles them on every cold start; --no-pyc measures that (copies
of the function folders and the layer without __pycache__, run with -B).

On a shared machine both clocks swing about 10 % from run to run; --clock instructions
counts the instructions each import executes under valgrind (one run each, the same
count every time), which ranks the handlers and shows a change of a few per cent.

    python bench/cold_start.py [--runs 10] [--clock cpu|instructions] [--importtime] [--no-pyc]
                               [--layer DIR] [--deps DIR] [--only FUNCTION]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LAYER = ROOT / "layers/common/python"
DEFAULT_DEPS = ROOT / ".venv/lib/python3.12/site-packages"
BOTO3 = "import boto3"

# Runs in the child: the path is set explicitly, then only the import is timed.
CHILD = """\
import sys, time
sys.path[:] = {path!r} + sys.path  # -I -S: only the standard library is left
started = time.{clock}()
{statement}
sys.stdout.write(repr(time.{clock}() - started))
"""


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation's short tags (!Ref, !Sub, !GetAtt, ...)
    as {"Ref": value} / {"Fn::Sub": value} mappings instead of refusing them."""


def _cfn_tag(loader: _TemplateLoader, suffix: str, node: yaml.Node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _cfn_tag)


@dataclass
class Target:
    label: str
    statement: str
    path: list[str]
    env: dict[str, str]
    code_uri: str = ""
    timings: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings) * 1000

    def ratio_to(self, baseline: Target) -> float:
        """The median, over the rounds, of this import's time over the baseline's in the
        same round: steadier than a ratio of medians when the machine's load drifts."""
        return statistics.median(
            mine / theirs for mine, theirs in zip(self.timings, baseline.timings))


def load_template(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=_TemplateLoader)


def _resolve(value, parameters: dict, name: str) -> str:
    """A template value as a string: parameters' defaults, dummies for everything else."""
    if isinstance(value, dict) and "Ref" in value:
        ref = value["Ref"]
        if ref in parameters:
            default = parameters[ref].get("Default", f"dummy-{ref}")
            return ",".join(map(str, default)) if isinstance(default, list) else str(default)
        return {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                "AWS::Partition": "aws"}.get(ref, f"portrait-dev-{ref}")
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        text = text[0] if isinstance(text, list) else text
        return re.sub(r"\$\{([^}!]+)\}",
                      lambda match: _resolve({"Ref": match.group(1)}, parameters, name), text)
    if isinstance(value, dict) and "Fn::If" in value:  # the branch a deploy with it true takes
        return _resolve(value["Fn::If"][1], parameters, name)
    if isinstance(value, (dict, list)):
        return f"dummy-{name.lower()}"
    return "true" if value is True else "false" if value is False else str(value)


def functions(template: dict) -> dict[str, dict]:
    """Logical id -> {code_uri, handler, env} for every AWS::Serverless::Function."""
    parameters = template.get("Parameters", {})
    globals_ = template.get("Globals", {}).get("Function", {})
    global_env = globals_.get("Environment", {}).get("Variables", {})
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        variables = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        found[logical_id] = {
            "code_uri": props.get("CodeUri", globals_.get("CodeUri")),
            "handler": props.get("Handler", globals_.get("Handler")),
            "env": {name: _resolve(value, parameters, name) for name, value in variables.items()},
        }
    return found


def lambda_environment(function_name: str, task_root: str, handler: str,
                       trace_disabled: bool) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": function_name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": task_root, "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "_HANDLER": handler,
    }
    if trace_disabled:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def build_targets(args) -> tuple[Target, list[Target]]:
    template = load_template(args.template)
    layer_path = [str(args.layer)] + ([str(args.deps)] if args.deps else [])
    baseline = Target("import boto3", BOTO3, layer_path,
                      lambda_environment("bench", str(ROOT), "", args.trace_disabled))
    by_code: dict[tuple[str, str], Target] = {}
    for logical_id, spec in functions(template).items():
        code_dir = (args.template.parent / spec["code_uri"]).resolve()
        module, _, attribute = spec["handler"].rpartition(".")
        key = (str(code_dir), spec["handler"])
        if key in by_code:  # the same code under two names: measured once
            by_code[key].label += f", {logical_id}"
            continue
        env = {**spec["env"], **lambda_environment(logical_id, str(code_dir), spec["handler"],
                                                   args.trace_disabled)}
        if not args.trace_disabled:
            env.pop("POWERTOOLS_TRACE_DISABLED", None)  # were the template to set it
        statement = f"import {module}; {module}.{attribute}"
        by_code[key] = Target(logical_id, statement, [str(code_dir)] + layer_path, env,
                              code_uri=str(code_dir))
    return baseline, list(by_code.values())


def without_pyc(targets: list[Target], folders: list[str], scratch: Path) -> list[str]:
    """Point the targets at copies of `folders` that hold no compiled bytecode; the
    children then run with -B, so every run compiles those modules again."""
    copies = {}
    for number, folder in enumerate(folders):
        copies[folder] = str(scratch / f"{number}-{Path(folder).name}")
        shutil.copytree(folder, copies[folder], ignore=shutil.ignore_patterns("__pycache__"))
    for target in targets:
        target.path = [copies.get(entry, entry) for entry in target.path]
        target.code_uri = copies.get(target.code_uri, target.code_uri)
        if "LAMBDA_TASK_ROOT" in target.env and target.code_uri:
            target.env["LAMBDA_TASK_ROOT"] = target.code_uri
    return ["-B"]


def run_once(target: Target, python: str, *flags: str, clock: str = "perf_counter"
             ) -> subprocess.CompletedProcess:
    code = CHILD.format(path=target.path, statement=target.statement, clock=clock)
    return subprocess.run([python, "-I", "-S", *flags, "-c", code], env=target.env,
                          cwd=target.code_uri or str(ROOT), capture_output=True, text=True)


VALGRIND_TOTAL = re.compile(r"Collected\s*:\s*(\d+)")


def instructions_of(target: Target, python: str, *flags: str, statement: str | None = None
                    ) -> int:
    """Instructions the child executes, counted by valgrind's callgrind: the same count
    every run whatever else the machine does (hash seed fixed), where time varies +-10 %
    on a shared machine. Interpreter start-up is in it; `measure` subtracts it."""
    code = CHILD.format(path=target.path, statement=statement or target.statement,
                        clock="process_time")
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           python, "-I", "-S", *flags, "-c", code],
                          env={**target.env, "PYTHONHASHSEED": "0"},
                          cwd=target.code_uri or str(ROOT), capture_output=True, text=True)
    found = VALGRIND_TOTAL.search(done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"{target.label}: valgrind run failed\n{done.stderr[-2000:]}")
    return int(found[1])


def measure_instructions(targets: list[Target], python: str, *flags: str) -> None:
    """One run each (the count does not vary), minus an interpreter that imports nothing."""
    if not shutil.which("valgrind"):
        sys.exit("--clock instructions needs valgrind (apt-get install valgrind)")
    start_up = instructions_of(targets[0], python, *flags, statement="pass")
    for target in targets:
        # Stored as seconds-like units (1e9 instructions = "1000 ms") so report() is shared.
        target.timings.append((instructions_of(target, python, *flags) - start_up) / 1e9)


def measure(targets: list[Target], python: str, runs: int, clock: str, *flags: str) -> None:
    if clock == "instructions":
        measure_instructions(targets, python, *flags)
        return
    for run in range(runs):
        order = targets if run % 2 == 0 else targets[::-1]  # neither end always goes first
        for target in order:
            done = run_once(target, python, *flags, clock=clock)
            if done.returncode != 0:
                sys.exit(f"{target.label}: import failed\n{done.stderr}")
            target.timings.append(float(done.stdout.strip().splitlines()[-1]))


def importtime_report(target: Target, python: str, *flags: str, top: int = 10
                      ) -> tuple[float, list[tuple[str, float, float]]]:
    """The total, and (top-level package, cumulative ms, self ms) of the `top` costliest
    packages, from one `-X importtime` run (the handler module itself left out).

    Cumulative: the outermost imports of the package (ones not made by the package
    itself), including what they pulled in of other packages. Self: its own modules only.
    """
    done = run_once(target, python, *flags, "-X", "importtime")
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match:
            rows.append((int(match[1]), int(match[2]), len(match[3]) // 2, match[4]))
    cumulative, self_time = defaultdict(float), defaultdict(float)
    ancestors: dict[int, str] = {}
    for self_us, cumulative_us, level, name in reversed(rows):  # a parent comes before its children
        package = name.split(".")[0]
        if level == 0 or ancestors.get(level - 1) != package:
            cumulative[package] += cumulative_us / 1000
        self_time[package] += self_us / 1000
        ancestors[level] = package
    handler_module = target.statement.split()[1].rstrip(";").split(".")[0]
    total = sum(cumulative_us for _, cumulative_us, level, _ in rows if level == 0) / 1000
    ranked = sorted((p for p in cumulative if p != handler_module), key=cumulative.get,
                    reverse=True)[:top]
    return total, [(package, cumulative[package], self_time[package]) for package in ranked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per import (median)")
    parser.add_argument("--python", default=str(Path(sys.base_prefix) / "bin/python3.12"),
                        help="the interpreter (default: the base Python 3.12 of this venv)")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--layer", type=Path, default=DEFAULT_LAYER,
                        help="the layer's python/ folder (default: layers/common/python)")
    parser.add_argument("--deps", type=Path, default=DEFAULT_DEPS,
                        help="the layer's third-party requirements (default: .venv site-packages); "
                             "'' for none (a built --layer holds them)")
    parser.add_argument("--trace-disabled", action="store_true",
                        help="measure with POWERTOOLS_TRACE_DISABLED=true (default: the tracer on)")
    parser.add_argument("--importtime", action="store_true",
                        help="also run -X importtime once per handler: top 10 packages")
    parser.add_argument("--clock", choices=["wall", "cpu", "instructions"], default="wall",
                        help="wall: time.perf_counter (default); cpu: time.process_time, steadier "
                             "on a busy machine (it leaves out time spent waiting for a CPU); "
                             "instructions: valgrind's count, one run each, the same every time "
                             "(slow: ~20 s a handler)")
    parser.add_argument("--no-pyc", action="store_true",
                        help="compile the function's and the layer's code on every run, as on "
                             "Lambda (read-only code folders, no .pyc shipped)")
    parser.add_argument("--only", action="append", metavar="FUNCTION",
                        help="measure only this function (logical id; repeatable)")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON as well")
    args = parser.parse_args()
    if args.deps is not None and str(args.deps) in ("", "."):
        args.deps = None

    baseline, targets = build_targets(args)
    if args.only:
        targets = [t for t in targets if set(t.label.split(", ")) & set(args.only)]
        if not targets:
            sys.exit(f"no function named {', '.join(args.only)} in {args.template}")
    version = subprocess.run([args.python, "-I", "-S", "-c", "import sys; print(sys.version[:6])"],
                             capture_output=True, text=True).stdout.strip()
    if not version.startswith("3.12."):
        sys.exit(f"{args.python} is Python {version or '?'}; the functions run on 3.12 (--python)")
    if args.clock == "instructions":
        args.runs = 1  # the count does not vary
    print(f"python {version} ({args.python}), {args.runs} runs each, interleaved; "
          f"{args.clock} clock; tracer "
          f"{'disabled' if args.trace_disabled else 'enabled (LAMBDA_TASK_ROOT set)'}"
          + ("; no .pyc for the project's code" if args.no_pyc else ""))
    print(f"path: <function folder>, {args.layer}" + (f", {args.deps}" if args.deps else ""))
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch:
        flags: list[str] = []
        if args.no_pyc:
            folders = sorted({t.code_uri for t in targets}) + [str(args.layer)]
            flags = without_pyc([baseline, *targets], folders, Path(scratch))
        clock = {"cpu": "process_time", "wall": "perf_counter"}.get(args.clock, args.clock)
        measure([baseline, *targets], args.python, args.runs, clock, *flags)
        report(args, baseline, targets, flags)


def report(args, baseline: Target, targets: list[Target], flags: list[str]) -> None:
    width = max(len(t.label) for t in targets) + 2
    if args.clock == "instructions":  # timings hold 1e9 instructions as 1 (see measure)
        print(f"\n{'function':<{width}}{'M instr':>10}{'x boto3':>9}")
        for target in [baseline, *targets]:
            print(f"{target.label:<{width}}{target.median_ms:>10.1f}"
                  f"{target.ratio_to(baseline):>9.2f}")
    else:
        print(f"\n{'function':<{width}}{'median ms':>10}{'x boto3':>9}{'min ms':>9}{'max ms':>9}")
        for target in [baseline, *targets]:
            print(f"{target.label:<{width}}{target.median_ms:>10.1f}"
                  f"{target.ratio_to(baseline):>9.2f}"
                  f"{min(target.timings) * 1000:>9.1f}{max(target.timings) * 1000:>9.1f}")
    over = [t.label for t in targets if t.ratio_to(baseline) > 2]
    print("\nx boto3: the median of each round's ratio to that round's `import boto3`. Goal: 2; "
          + (f"over it: {', '.join(over)}" if over else "every handler is within it"))
    if args.json:
        print(json.dumps({t.label: round(t.median_ms, 1) for t in [baseline, *targets]}))

    if args.importtime:
        for target in [baseline, *targets]:
            total, ranked = importtime_report(target, args.python, *flags)
            print(f"\n-X importtime, {target.label}: {total:.1f} ms in all; top 10 packages (ms)")
            print(f"  {'package':<28}{'cumulative':>11}{'self':>9}")
            for package, cumulative, self_ms in ranked:
                print(f"  {package:<28}{cumulative:>11.1f}{self_ms:>9.1f}")


if __name__ == "__main__":
    main()
