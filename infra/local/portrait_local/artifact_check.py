"""Does what `sam build` made start on Lambda? Import every handler as Lambda would.

For each function of the built template, a fresh Python 3.12 process (-I -S:
no virtualenv, no site-packages) gets exactly Lambda's path: the function's
built folder and the built layer's python/ folder (what Lambda mounts at
/opt/python). The build is for arm64 and this machine may not be, so the
layer's compiled wheels cannot load here: host wheels of the same pins
(lambda_python.packages_dir) go ahead of the layer on the path. They hold
third-party packages only, so the domain library must still come from the
built layer, and the check verifies that it did.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from portrait_local import lambda_python
from portrait_local.runtime import function_environment
from portrait_local.template import FunctionSpec, Template

LAYER_LIMIT_BYTES = 200 * 1024 * 1024  # Lambda allows 250 MB unzipped for code + layers
OFFLINE_ENDPOINT = "http://127.0.0.1:9"  # importing must not need AWS; nothing listens here

_IMPORT = """
import importlib, json, sys
handler, *path = sys.argv[1:]
sys.path[:0] = path
module_name, _, attribute = handler.rpartition(".")
try:
    module = importlib.import_module(module_name.replace("/", "."))
    ok = callable(getattr(module, attribute, None))
    error = None if ok else f"handler {attribute!r} missing on module {module_name!r}"
except BaseException as exc:
    error = f"{type(exc).__name__}: {exc}"
portrait = sys.modules.get("portrait")
print(json.dumps({"error": error, "portrait": getattr(portrait, "__file__", None)}))
"""


@dataclass(frozen=True)
class HandlerImport:
    function_id: str
    error: str | None
    portrait_file: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def layer_roots(spec: FunctionSpec) -> list[Path]:
    """Where Lambda's path points in each built layer: its python/ folder.

    The built template keeps the layer's BuildMethod, so the template reader
    gives the layer's folder (ContentUri) itself; the build put the code below it.
    """
    return [layer / "python" for layer in spec.layers]


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def import_handler(template: Template, spec: FunctionSpec, host_packages: Path | None,
                   timeout: float = 120) -> HandlerImport:
    layers = layer_roots(spec)
    path = [str(p) for p in (spec.code_uri, host_packages, *layers) if p is not None]
    env = function_environment(template, spec, endpoint_url=OFFLINE_ENDPOINT)
    python = lambda_python.interpreter(spec.runtime or "python3.12")
    done = subprocess.run([python, "-I", "-S", "-c", _IMPORT, spec.handler, *path],
                          env=env, cwd=spec.code_uri, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return HandlerImport(spec.logical_id, f"exit {done.returncode}: {done.stderr.strip()}",
                             None)
    report = json.loads(lines[-1])
    error, portrait = report["error"], report["portrait"]
    if error is None and portrait and not any(Path(portrait).is_relative_to(p) for p in layers):
        error = f"portrait was imported from {portrait}, not from the built layer"
    return HandlerImport(spec.logical_id, error, portrait)


def host_packages_for(layers: list[Path], runtime: str) -> Path | None:
    """This machine's wheels of the built layers' pins (their requirements.txt)."""
    files = [root / "requirements.txt" for root in layers if (root / "requirements.txt").is_file()]
    lines = lambda_python.requirement_lines(files)
    return lambda_python.packages_dir(lines, runtime)


def check_build(build_dir: Path, only: set[str] | None = None) -> list[HandlerImport]:
    """Import every function's handler (or those named in `only`) from the built
    artifact; one result per function."""
    template = Template.load(build_dir / "template.yaml")
    results = []
    for function_id, spec in sorted(template.functions().items()):
        if only is not None and function_id not in only:
            continue
        runtime = spec.runtime or "python3.12"
        results.append(import_handler(template, spec,
                                      host_packages_for(layer_roots(spec), runtime)))
    return results


def main(argv: list[str] | None = None) -> int:
    """`python -m portrait_local.artifact_check [BUILD_DIR]`: print one line a function."""
    import sys

    build_dir = Path((argv if argv is not None else sys.argv[1:] or [".aws-sam/build"])[0])
    if not (build_dir / "template.yaml").is_file():
        print(f"error: {build_dir} holds no built template: run `sam build` first",
              file=sys.stderr)
        return 2
    results = check_build(build_dir)
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.function_id}"
              + ("" if result.ok else f": {result.error}"))
    sizes_ok = True
    for layer in sorted(p for p in build_dir.iterdir() if (p / "python").is_dir()):
        size = folder_bytes(layer)
        sizes_ok &= size < LAYER_LIMIT_BYTES
        print(f"{'ok  ' if size < LAYER_LIMIT_BYTES else 'FAIL'} {layer.name} unzipped: "
              f"{size / 2**20:.1f} MB (limit {LAYER_LIMIT_BYTES // 2**20} MB)")
    return 0 if sizes_ok and all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
