# Two entry points (see README): `make demo` runs the main job, `make test` runs the tests.
# Both create .venv/ at the repo root when it is missing and install actionrec into it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.actionrec-installed
DEMO_DIR ?= work_dirs/demo

.PHONY: demo test venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m actionrec demo --out $(DEMO_DIR)

test: $(STAMP)
	$(PY) -m ruff format --check --quiet .
	$(PY) -m ruff check --quiet .
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) work_dirs
