# The two commands: `make run` (demo marketplace served at http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CM := $(VENV)/bin/countermark
DEMO := var/demo-bundle
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv test-deps lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip uv

# Bytecode compiled once at install: where PYTHONDONTWRITEBYTECODE is set, every command (and every scan
# worker) would otherwise compile its imports again (`countermark --help` 0.45 -> 0.17 s).
$(VENV)/.installed: pyproject.toml | $(PY)
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -e '.[test,spark]'
	touch $@

venv: $(VENV)/.installed

run: venv
	@bash scripts/run-demo.sh "$(CM)" "$(DEMO)" "$(HOST)" "$(PORT)"

# System packages the suite needs: a PostgreSQL server and Chromium (never `playwright install`).
test-deps:
	@need=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	[ -x /usr/lib/chromium/chromium ] || need="$$need chromium fonts-liberation"; \
	command -v java >/dev/null 2>&1 || need="$$need default-jre-headless"; \
	if [ -n "$$need" ]; then \
	  echo "installing:$$need"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	fi

test: venv test-deps
	$(PY) -m pytest -n 2 --dist loadgroup -q

lint: venv
	$(VENV)/bin/ruff check src tests bench

clean:
	rm -rf var .pytest_cache
