# The two commands: `make run` and `make test`. Everything else is a helper they call.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The first Python >= 3.12 among python3.13, python3.12, python3 (pyenv shims that fail count as absent).
PYTHON := $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; \
	then echo $$p; break; fi; done)
DEV_ENV := DEBUG=1
# A production configuration (made-up host, key and mail server) for `check --deploy`.
PROD_ENV := DEBUG=0 HTTPS=1 SECRET_KEY=deploy-check-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	ALLOWED_HOSTS=register.example.org CSRF_TRUSTED_ORIGINS=https://register.example.org EMAIL_HOST=smtp.example.org

.PHONY: run test lint checks install migrate demo serve bench clean system-packages-run system-packages-test

# System packages (Pango, fonts, poppler, Chromium): one list, in .ci/system-packages, shared with CI.
# It installs what is missing when it can, else names the command to run.
system-packages-run:
	@.ci/system-packages run
system-packages-test:
	@.ci/system-packages test

# axe-core for the accessibility tests, pinned by tests/hardening/package-lock.json (needs npm; without
# it those tests skip and say why).
AXE := tests/hardening/node_modules/axe-core/axe.min.js
$(AXE): tests/hardening/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/hardening --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility tests will skip (install npm to run them)."; fi

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.12 or newer found (tried python3.13, python3.12, python3). Install Python 3.12+ and retry."; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet '.[dev]'
	@touch $@

install: $(BIN)/.installed

migrate: install
	@$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	@$(DEV_ENV) $(BIN)/python manage.py seed_demo

# The web server and one background worker (decision records, mail); Ctrl-C stops both.
run: system-packages-run demo
	@$(DEV_ENV) $(BIN)/python manage.py seed_demo --logins
	@trap 'kill 0' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py run_worker --stale-after 0 & \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r procurement vendors resilience capacity scorecards questionnaires dora bench manage.py --severity-level medium -x '*/migrations/*'

# Django's system checks, and no model change without its migration.
checks: install
	$(DEV_ENV) $(BIN)/python manage.py check --fail-level WARNING
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(PROD_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

test: system-packages-test lint checks $(AXE)
	$(BIN)/pytest

# A database of its own: PostgreSQL (the production database, and what the load test needs) when
# one answers on 127.0.0.1:5432, else bench/bench.sqlite3. BENCH_DATABASE_URL chooses another.
# By default the target sizes and ten times them (a database each); e.g. make bench BENCH_ARGS=--quick
BENCH_ARGS ?= --scale 1 10
BENCH_DATABASE_URL ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo postgres://postgres@127.0.0.1:5432/procurement_bench)
bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-results bench-results.json
