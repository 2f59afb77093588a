"""`python -m portrait_local.worker_packages`: install the packages every function of
template.yaml runs with locally (its layers' pinned requirements for its runtime, the
runtime's bundled boto3 and the embedded engines), as `make dev` and `make test` do
before they start anything.

Without it the first stack to start pays for them (a minute or more on a fresh
clone, most of it pip), inside whatever started it: a developer's first `make
dev`, or the first end-to-end test of a run. Already installed folders are
reused at once (lambda_python.packages_dir).
"""
from __future__ import annotations

import sys
import time

from portrait_local import lambda_python
from portrait_local.template import Template

TEMPLATE = lambda_python.REPO_ROOT / "template.yaml"


def main() -> int:
    started = time.monotonic()
    functions = Template.load(TEMPLATE).functions()
    for spec in functions.values():
        lambda_python.function_path(
            spec, progress=lambda message: print(f"worker packages: {message}", flush=True))
    print(f"worker packages: ready for {len(functions)} functions "
          f"({time.monotonic() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
