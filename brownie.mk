# Brownie, Ganache and Slither (docs/development.md, "Brownie" and "Static analysis"); included by the
# Makefile. Brownie and Slither each live in their own virtualenv, made on demand from a
# constraints file in tools/: eth-brownie pins ~80 exact versions (and its pytest plugin would
# take over any pytest run), so neither tool ever touches .venv.
BROWNIE_VENV := .venv-brownie
BROWNIE := $(BROWNIE_VENV)/bin/brownie
BROWNIE_STAMP := $(BROWNIE_VENV)/.installed
SLITHER_VENV := .venv-slither
SLITHER_STAMP := $(SLITHER_VENV)/.installed
# The networks `make brownie` defines in ~/.brownie (ports are make variables: override both here
# and on the command line, e.g. `make brownie-test ANVIL_PORT=18545`).
ANVIL_PORT ?= 8545
GANACHE_PORT ?= 8555
# Brownie finds `anvil` and `ganache` on PATH (it picks its launcher by the command's name).
BROWNIE_ENV := PATH="$(CURDIR)/$(BROWNIE_VENV)/bin:$$PATH"

.PHONY: brownie brownie-compile brownie-test ganache-test slither clean-toolchain

$(BROWNIE_STAMP): tools/brownie-constraints.txt
	test -x $(BROWNIE_VENV)/bin/python || $(PYTHON) -m venv $(BROWNIE_VENV)
	$(BROWNIE_VENV)/bin/python -m pip install -q --disable-pip-version-check -c tools/brownie-constraints.txt eth-brownie==1.22.2
	touch $@

# The environment, solc linked where py-solc-x looks, anvil/ganache linked into the venv, and the
# rwakit-anvil / rwakit-ganache networks: all idempotent, cheap when nothing changed.
brownie: $(BROWNIE_STAMP) $(NODE_STAMP)
	$(BROWNIE_ENV) $(BROWNIE_VENV)/bin/python tools/brownie_setup.py --anvil-port $(ANVIL_PORT) --ganache-port $(GANACHE_PORT)

brownie-compile: brownie
	$(BROWNIE_ENV) $(BROWNIE) compile

$(SLITHER_STAMP): tools/slither-constraints.txt
	test -x $(SLITHER_VENV)/bin/python || $(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/python -m pip install -q --disable-pip-version-check -c tools/slither-constraints.txt slither-analyzer==0.11.6
	touch $@

# Brownie must not attach to a node someone else is running on the network's port.
port_free = $(BROWNIE_VENV)/bin/python -c 'import socket, sys; p = $(1); sys.exit(f"port {p} is in use: Brownie would attach to that node. Stop it, or run on other ports: make $@ ANVIL_PORT=... GANACHE_PORT=..." if socket.socket().connect_ex(("127.0.0.1", p)) == 0 else 0)'
CHECK_ENV := ANVIL_PORT=$(ANVIL_PORT) GANACHE_PORT=$(GANACHE_PORT)

# Brownie's build equals rwakit's (bytecode and metadata), the deploy script under Brownie writes
# the record the rwakit CLI then uses, and the Brownie contract tests pass on Anvil.
brownie-test: brownie deps
	$(BROWNIE_ENV) $(BROWNIE) compile
	$(CHECK_ENV) $(BIN)/python -m pytest -q tools/brownie_checks.py -k "bytecode or anvil"
	$(call port_free,$(ANVIL_PORT))
	$(BROWNIE_ENV) $(BROWNIE) test --network rwakit-anvil

# The same Brownie contract tests and deploy check on Ganache 7.9.
ganache-test: brownie deps
	$(CHECK_ENV) $(BIN)/python -m pytest -q tools/brownie_checks.py -k ganache
	$(call port_free,$(GANACHE_PORT))
	$(BROWNIE_ENV) $(BROWNIE) test --network rwakit-ganache

# Slither over contracts/, failing on high/medium findings not in contracts/SLITHER_TRIAGE.md.
slither: $(SLITHER_STAMP) deps
	$(BIN)/python tools/slither_check.py --slither $(SLITHER_VENV)/bin/slither

# `make clean` removes these environments and builds too (the solc link in ~/.solcx and the
# networks in ~/.brownie stay: they are shared by every checkout and re-made by `make brownie`).
clean: clean-toolchain
clean-toolchain:
	rm -rf $(BROWNIE_VENV) $(SLITHER_VENV) build reports
