# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: venv test lint typecheck format demo up down browser bench soak emulator clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Tests run on $(TEST_WORKERS) workers (pytest-xdist), each with its own emulators; make test TEST_WORKERS=1 runs serially.
TEST_WORKERS ?= 2
test: lint typecheck browser
	$(PY) -m pytest -n $(TEST_WORKERS)

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

demo: $(STAMP) browser
	$(PY) demo.py

# make up: the production stack, locally, left running (make down stops it). Each setting can be
# changed on the command line, e.g. make up CONSOLE_PORT=9087 COLLECT_EVERY=30 FORECAST_EVERY=60 SEED=0
# Called every 60 s, the collector runs as deployed: 30 s windows, a pass at :00 and :30 of each
# minute (WINDOW=60 for one pass a call; docs/local-stack.md).
PUBSUB_PORT     ?= 8085
MONITORING_PORT ?= 8086
CONSOLE_PORT    ?= $(or $(HELIOS_CONSOLE_PORT),8087)
COLLECT_EVERY   ?= 60
FORECAST_EVERY  ?= 300
SEED            ?= 1
WINDOW          ?=

up: $(STAMP)
	$(PY) demo.py up --pubsub-port $(PUBSUB_PORT) --monitoring-port $(MONITORING_PORT) --console-port $(CONSOLE_PORT) --interval $(COLLECT_EVERY) --forecast-every $(FORECAST_EVERY)$(if $(WINDOW), --window $(WINDOW))$(if $(filter 0 no false,$(SEED)), --no-seed)

down:
	$(PY) demo.py down

# Debian's chromium for the screenshots and browser tests (a browser a tool downloads by itself cannot
# run here). Installed when missing and apt is usable; otherwise the demo skips screenshots and, under
# CI=true, the browser tests fail.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ; } || \
	  echo "chromium is not installed and could not be: no screenshots or browser tests"

bench: $(STAMP)
	$(PY) -m benchmarks

soak: $(STAMP) browser  # chromium draws the memory plot
	$(PY) -m benchmarks.soak

emulator: $(STAMP)
	$(PY) -m helios_metrics.monitoring_emulator

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache demo-output soak-output
