# Two commands for a newcomer: `make demo` and `make test`. Everything else is
# a step of those two. Only python3, git and make are assumed on the machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
COLLECTIONS := $(VENV)/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export ANSIBLE_LOCALHOST_WARNING := false
export ANSIBLE_INVENTORY_UNPARSED_WARNING := false
export PATH := $(VENV)/bin:$(PATH)

.PHONY: venv test lint lock unit integration sanity molecule demo forge bench faults clean

venv: $(VENV)/.stamp

# The collection is linked into a collections path so that Ansible finds
# gizzahub.bulk_clone from this checkout, with no `ansible-galaxy install`.
$(VENV)/.stamp: pyproject.toml requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	mkdir -p $(COLLECTIONS)/ansible_collections/gizzahub
	ln -sfn $(CURDIR) $(COLLECTIONS)/ansible_collections/gizzahub/bulk_clone
	touch $@

test: venv
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -q -p no:cacheprovider -n 2 --dist loadfile -m 'not serial' tests/unit tests/integration
	$(PY) -m pytest -q -p no:cacheprovider -m serial tests/integration
	$(MAKE) --no-print-directory sanity
	$(MAKE) --no-print-directory molecule

# What people run or copy (ansible-lint, production profile; .ansible-lint), the
# changelog and the module docs as docs.ansible.com would render them.
lint: venv
	$(VENV)/bin/ansible-lint roles/ examples/ tests/demo/
	$(VENV)/bin/antsibull-changelog lint
	$(VENV)/bin/antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs dependent .

# The GitHub Action installs from these, every version pinned with its hashes
# (docs/releasing.md): the libraries of requirements.txt, and the build tools of
# pyproject.toml's [build-system] (ratelimit ships only an sdist, and the Action
# builds this project itself). Run after changing either; commit both.
LOCK_OPTS := --universal --python-version 3.9 --generate-hashes --quiet --custom-compile-command 'make lock'
lock: venv
	$(VENV)/bin/uv pip compile $(LOCK_OPTS) requirements.txt -o requirements.lock.txt
	$(PY) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
	    | $(VENV)/bin/uv pip compile $(LOCK_OPTS) - -o requirements-build.lock.txt

unit: venv
	$(PY) -m pytest -q tests/unit

integration: venv
	$(PY) -m pytest -q tests/integration

sanity: venv
	bash tests/sanity/run.sh

molecule: venv
	cd roles/workspace && $(VENV)/bin/molecule reset && $(VENV)/bin/molecule test

forge: venv
	$(PY) -m tests.forge --spec github:acme:50 --spec gitlab:platform/backend:30 --spec gitea:tools:20

demo: venv
	bash tests/demo/run.sh

bench: venv
	$(PY) -m bench

# The fault matrix of issue 10 (~5 minutes; not part of `make test`): every
# fault through its door, then repos lost, corrupted, user changes overwritten
# and tokens leaked, each counted independently of the product's report.
faults: venv
	$(PY) -m bench.faults

clean:
	rm -rf $(VENV) .pytest_cache
