# Two commands on a fresh machine: `make run` (the platform's main job) and `make test`.
# Both install what they need first: a virtualenv from constraints.txt, npm tools from package-lock.json.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: deps browser run demo test lint compile bench clean

deps: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error  # exactly the lock (it lists every platform's anvil binary)
	touch $@

run: deps
	$(BIN)/rwakit serve --demo

# The API tests' PostgreSQL variant runs on this server (trust auth; empty: skipped).
RWAKIT_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

# Chromium for the dashboard's browser tests (tests/web): Debian's package, installed with apt-get when
# it is missing and apt is there (as root, or through sudo without a password); else those tests skip.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
browser:
	@test -x /usr/bin/chromium || ! command -v apt-get >/dev/null || \
	  { $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
	  echo "Chromium could not be installed: the browser tests (tests/web/test_browser.py) will be skipped"

# Test files are shared among this many processes (pytest-xdist), each with its own Anvil; 1 runs them in one.
TEST_WORKERS ?= 2
test: deps browser
	RWAKIT_TEST_POSTGRES_URL=$(RWAKIT_TEST_POSTGRES_URL) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

lint: deps
	$(BIN)/ruff check rwakit tests bench scripts
	$(BIN)/mypy

compile: deps
	$(BIN)/rwakit compile

bench: deps
	$(BIN)/python bench/gas.py
	$(BIN)/python bench/settlement.py

# Issuances over HTTP with 1, 2 and 4 API workers on one PostgreSQL (the server of RWAKIT_TEST_POSTGRES_URL).
.PHONY: bench-load
bench-load: deps
	$(BIN)/python bench/load.py --postgres $(RWAKIT_TEST_POSTGRES_URL)

clean:
	rm -rf $(VENV) node_modules .rwakit .pytest_cache .hypothesis

# Brownie, Ganache and Slither targets (see docs/development.md, "Brownie").
-include brownie.mk
