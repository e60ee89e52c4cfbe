# Brownie, Ganache and Slither (README "Using Brownie" and "Static analysis"); included by the
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

.PHONY: brownie brownie-compile brownie-test ganache-test slither

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
