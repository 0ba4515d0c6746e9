# The one way to run things: `make test`, `make demo`, `make bench`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two installs into the one .venv: `make demo` needs only the command (`.[cli]`: the library,
# click and rich); everything else needs the test extra too (pytest, mypy, ruff, boto3, moto, …).
CLI_STAMP := $(VENV)/.installed-cli
STAMP := $(VENV)/.installed-test

.PHONY: test demo bench generate check lint typecheck clean spec-drift

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(CLI_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[cli]'
	touch $(CLI_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(CLI_STAMP)

test: $(STAMP)
	$(PY) -m codegen --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict src tests/typing
	$(PY) -m pytest -q

generate: $(STAMP)
	$(PY) -m codegen

# Release routine, not part of `make test`: how far specs/ is from the installed botocore's IAM
# model (exit 1 on drift). Refresh with `$(PY) -m codegen.refresh_specs && $(PY) -m codegen`.
spec-drift: $(STAMP)
	$(PY) -m codegen.refresh_specs --check

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy --strict src tests/typing

demo: $(CLI_STAMP)
	@$(VENV)/bin/iamlast demo

# iamlast against boto3 (and aiobotocore where it installs next to this botocore) on the same
# loopback emulator: a table of ratios, JSON in benchmarks/results/, a full run rewrites
# benchmarks/LATEST.md. `make bench BENCH_ARGS=--quick` checks the harness on tiny sizes.
BENCH_ARGS ?=
bench: $(STAMP)
	@$(PY) -c "import aiobotocore" 2>/dev/null || { \
	  $(PY) -c "from importlib.metadata import version as v; print(f'botocore=={v(\"botocore\")}'); print(f'boto3=={v(\"boto3\")}')" > $(VENV)/bench-constraints.txt && \
	  $(PY) -m pip install --quiet --retries 1 --timeout 15 -c $(VENV)/bench-constraints.txt 'aiobotocore>=3.10' 2>/dev/null || \
	  echo "aiobotocore does not install next to $$(head -1 $(VENV)/bench-constraints.txt): its lines are skipped" >&2; }
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
