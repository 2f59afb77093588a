"""The product code's import graph, in figures anyone can rerun.

    python bench/import_graph.py [--list]

Reads every module of the domain library (layers/common/python/portrait) and of the
handlers (functions/) with `ast`, follows every import, deferred ones inside functions
included (a deferred import is still a dependency; it only hides a circle), and prints:

- modules and import arrows inside portrait/services/ (arrows between two services
  modules, each ordered pair once);
- import circles (strongly connected components of more than one module);
- imports that run back up the layers (a lower layer importing a higher one), where
  the layers are, top to bottom: handlers, services, ports (rendering, search), store,
  pure code (imaging, poses, auth), foundation (config, errors, clock, events, ...);
- modules outside store/ and the adapters that import boto3, botocore or pynamodb.

`--list` names every arrow counted in the last three figures. The script exits 0
whatever it finds: it measures, the tests hold the rules (tests/unit/test_layers.py).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "layers" / "common" / "python"
HANDLERS = ROOT / "functions"

# Rank of each layer, higher = nearer the caller. The longest matching prefix wins.
LAYERS: dict[str, int] = {
    "functions": 6,
    "portrait.services": 5,
    "portrait.rendering": 4,
    "portrait.search": 4,
    "portrait.store": 3,
    "portrait.imaging": 2,
    "portrait.poses": 2,
    "portrait.auth": 2,
    "portrait": 1,
}
# Adapters talk to AWS themselves, as the store does.
AWS_ALLOWED = ("portrait.store", "portrait.search.opensearch", "portrait.rendering.bedrock",
               "portrait.rendering.endpoint")
AWS_PACKAGES = ("boto3", "botocore", "pynamodb")


def module_name(path: Path) -> str:
    if path.is_relative_to(LIBRARY):
        rel = path.relative_to(LIBRARY)
    else:
        rel = Path("functions") / path.relative_to(HANDLERS)
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for base in (LIBRARY / "portrait", HANDLERS):
        for path in sorted(base.rglob("*.py")):
            found[module_name(path)] = path
    return found


def imported_names(name: str, path: Path, known: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(product modules imported, third-party top-level packages imported)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours, theirs = set(), set()

    def resolve(target: str) -> None:
        # The longest known module that the dotted name starts with. A handler's own
        # modules sit beside it on its path (`import edge` in functions/api/app.py).
        handler_dir = ".".join(name.split(".")[:2])
        if name.startswith("functions.") and f"{handler_dir}.{target}".split(".")[2] in {
                m.split(".")[2] for m in known if m.startswith(handler_dir + ".")}:
            target = f"{handler_dir}.{target}"
        parts = target.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in known:
                if candidate != name:
                    ours.add(candidate)
                return
        theirs.add(parts[0])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                resolve(f"{source}.{alias.name}")
    return ours, theirs


def layer_of(name: str) -> tuple[str, int]:
    best = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return best, LAYERS[best]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def measure() -> dict:
    known = modules()
    graph: dict[str, set[str]] = {}
    third_party: dict[str, set[str]] = {}
    for name, path in known.items():
        graph[name], third_party[name] = imported_names(name, path, known)
    # A module imports its package's __init__ implicitly; arrows to a parent package
    # that merely re-exports are still arrows (they are real imports).
    in_services = {m for m in known if m.startswith("portrait.services.")
                   or m == "portrait.services"}
    service_arrows = {(a, b) for a in in_services for b in graph[a] if b in in_services}
    upward = []
    for a, targets in graph.items():
        _, rank_a = layer_of(a)
        for b in targets:
            _, rank_b = layer_of(b)
            if rank_b > rank_a:
                upward.append((a, b))
    aws_outside = sorted(
        (m, sorted(third_party[m] & set(AWS_PACKAGES))) for m in known
        if third_party[m] & set(AWS_PACKAGES) and not m.startswith(AWS_ALLOWED)
        and not m.startswith("functions"))
    return {
        "modules": len(known),
        "arrows": sum(len(v) for v in graph.values()),
        "services_modules": len(in_services),
        "services_arrows": sorted(service_arrows),
        "circles": circles(graph),
        "upward": sorted(upward),
        "aws_outside": aws_outside,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="name every arrow counted")
    args = parser.parse_args()
    figures = measure()
    print(f"product modules: {figures['modules']}, import arrows: {figures['arrows']}")
    print(f"services/: {figures['services_modules']} modules, "
          f"{len(figures['services_arrows'])} import arrows between them")
    print(f"import circles: {len(figures['circles'])}")
    for circle in figures["circles"]:
        print("  " + " <-> ".join(circle))
    print(f"imports back up the layers: {len(figures['upward'])}")
    for a, b in figures["upward"]:
        print(f"  {a} -> {b}")
    print(f"boto3/botocore/pynamodb outside store/ and the adapters: {len(figures['aws_outside'])}")
    for m, pkgs in figures["aws_outside"]:
        print(f"  {m}: {', '.join(pkgs)}")
    if args.list:
        for a, b in figures["services_arrows"]:
            print(f"  services arrow: {a} -> {b}")


if __name__ == "__main__":
    main()
