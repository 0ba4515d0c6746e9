# The one way to run things: `make test`, `make demo`, `make bench`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test demo bench generate check lint typecheck clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m codegen --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict src
	$(PY) -m pytest -q

generate: $(STAMP)
	$(PY) -m codegen

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src

demo: $(STAMP)
	@echo "The demo arrives with the CLI (issue 5); nothing to run yet." >&2
	@exit 1

bench: $(STAMP)
	@echo "The benchmarks arrive with issue 6; nothing to run yet." >&2
	@exit 1

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
