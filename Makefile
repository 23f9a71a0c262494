# Every target depends on `install`, so a fresh clone needs nothing but `make <target>`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
GENERATED := gen/.generated
PROTOS := $(shell find protos -name '*.proto')

.PHONY: install protos run test lint unit bench clean

install: $(INSTALLED) $(GENERATED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[dev]'
	# The code runs from this tree: put it and the generated code on the venv's path.
	printf '%s\n%s\n' "$(CURDIR)" "$(CURDIR)/gen" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/cmdarr-src.pth"
	touch $@

$(GENERATED): $(PROTOS) protos/generate.py $(INSTALLED)
	rm -rf gen
	$(BIN)/python protos/generate.py gen
	touch $@

protos: install
	rm -f $(GENERATED)
	$(MAKE) $(GENERATED)

run: install
	$(BIN)/python -m common.launcher

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/buf lint protos

unit: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint unit

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) gen .mypy_cache .pytest_cache .ruff_cache
