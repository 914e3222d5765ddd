# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000
# Links in emails point where `make run` serves, unless PORTAL_BASE_URL says otherwise.
LINK_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
BASE_URL := $(or $(PORTAL_BASE_URL),http://$(LINK_HOST):$(PORT))

.PHONY: run test install install-dev system-deps test-system-deps lint screenshots lighthouse graph bench clean

# Debian packages the portal needs from the system: Pango, HarfBuzz's subsetter (WeasyPrint 70
# warns without it, which the tests treat as an error) and a font for the PDFs, and for the
# tests Debian's Chromium and pdftotext (poppler-utils, to read PDFs back). Installed when
# missing and we may (root with apt-get); otherwise the command to run is printed.
APT_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
APT_TEST := $(APT_RUN) chromium poppler-utils
define apt_ensure
	@missing=$$(for pkg in $(1); do dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'ok installed' || echo $$pkg; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "Please install: $$missing (e.g. sudo apt-get install $$missing)"; fi; \
	fi
endef

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

system-deps:
	$(call apt_ensure,$(APT_RUN))

test-system-deps:
	$(call apt_ensure,$(APT_TEST))

## Install, migrate the SQLite database in instance/, load demo data and serve, with a
## background-job consumer (email delivery, digests) that stops when the server stops.
run: system-deps install
	$(FLASK) db upgrade
	$(FLASK) demo
	export PORTAL_BASE_URL='$(BASE_URL)'; \
	trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	$(BIN)/huey_consumer portal.tasks.huey --workers 2 --worker-type thread & consumer=$$!; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## Install dev dependencies and run the whole suite: on SQLite, then on
## PORTAL_TEST_DATABASE_URL as well when it is set.
test: test-system-deps install-dev
	env -u PORTAL_TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then \
		echo "== again on $$PORTAL_TEST_DATABASE_URL"; \
		$(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

## Retake docs/screenshots/*.png from the demo data with Debian's Chromium, at 1280 and 390 px.
screenshots: install-dev
	$(BIN)/python -m bench.screenshots

## Lighthouse 12 (../shared/tools/lighthouse, with Debian's Chromium; npm installs it once) on the
## dashboard, a project page, a closeout, values, process, a pulse page and sign-in, served by
## gunicorn from the demo data; scores written to docs/lighthouse.md. About 5 minutes.
lighthouse: test-system-deps install-dev
	$(BIN)/python -m bench.lighthouse

## Redraw docs/import-graph.svg, the portal's packages and who imports whom, from the code
## (bench/import_graph.py, with the import walker of tests/layout/test_import_rules.py; Graphviz draws).
graph: install-dev
	$(call apt_ensure,graphviz)
	$(BIN)/python -m bench.import_graph

## Benchmarks (not part of `make test`): gunicorn + wrk on 127.0.0.1, SQLite and PostgreSQL
## (BENCH_POSTGRES_URL, default postgres@127.0.0.1/portal_bench_run, dropped and recreated),
## written to docs/benchmarks.md. Needs wrk (installed with apt-get as root when missing, else
## the command to run is printed). About 13 minutes (18 with other test suites running).
bench: install-dev
	$(call apt_ensure,wrk)
	$(BIN)/python -m bench.run

lint: install-dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
