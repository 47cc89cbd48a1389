# Two entry points (see README): `make demo` runs the main job, `make test` runs the tests.
# Both create .venv/ at the repo root when it is missing and install actionrec into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.actionrec-installed
DEMO_DIR ?= work_dirs/demo
# The versions the project is tested with (pyproject.toml declares the range a library needs).
TORCH_VERSION := 2.14.1
TORCHVISION_VERSION := 0.29.1
PIP := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: demo test venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) torch==$(TORCH_VERSION) torchvision==$(TORCHVISION_VERSION)
	$(PIP) -e '.[test]' torch==$(TORCH_VERSION) torchvision==$(TORCHVISION_VERSION)
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m actionrec demo --out $(DEMO_DIR)

test: $(STAMP)
	$(PY) -m ruff format --check --quiet .
	$(PY) -m ruff check --quiet .
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) work_dirs
