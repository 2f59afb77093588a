"""Print the HTTP API's OpenAPI document, generated from ApiFunction's code.

    python -m portrait_local.openapi > openapi.json      (what `make openapi` runs)

The committed openapi.json is checked against this output by a test, so the
document cannot drift from the routes and models it describes.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[3]
API_DIR = ROOT / "functions" / "api"
MODULE_NAME = "portrait_api_app"


def load_api_module() -> ModuleType:
    """functions/api/app.py, imported as Lambda does: its folder on sys.path."""
    if MODULE_NAME in sys.modules:
        return sys.modules[MODULE_NAME]
    if str(API_DIR) not in sys.path:
        sys.path.insert(0, str(API_DIR))
    spec = importlib.util.spec_from_file_location(MODULE_NAME, API_DIR / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


def openapi_document() -> str:
    schema = json.loads(load_api_module().app.get_openapi_json_schema())
    # Powertools keeps a Router's route tags in a frozenset, so their order follows the
    # process's string hash seed: sorted, the document is the same from run to run.
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "tags" in operation:
                operation["tags"] = sorted(operation["tags"])
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    # Only the routes are needed: no settings, so keep the cold-start log quiet
    # and off stdout, which must hold nothing but the document.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    with contextlib.redirect_stdout(sys.stderr):
        document = openapi_document()
    sys.stdout.write(document)


if __name__ == "__main__":
    main()
