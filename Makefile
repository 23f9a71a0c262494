# Every target depends on `install`, so a fresh clone needs nothing but `make <target>`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Every dependency, dev extras included, pinned with hashes: `make lock` writes it.
LOCK   := requirements-dev.lock
# The runtime dependencies alone, at the same versions: the container image installs it.
RUNTIME_LOCK := requirements.lock
GENERATED := gen/.generated
# The released API (a buf image of protos/): `make lint` fails on any change to
# cmdarr.*.v1 that is not additive. `make api-baseline` records a new release.
API_BASELINE := release/api-baseline.json
PROTOS := $(shell find protos -name '*.proto')

.PHONY: install lock protos api-baseline dist run test test-locks lint unit bench demo chaos cluster chaos-cluster clean browser

install: $(INSTALLED) $(GENERATED)

$(INSTALLED): $(LOCK) pyproject.toml release/install-lock.sh
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required")'
	# Exactly the locked versions, each file checked against its hash, installed by the
	# lock's own pip (see the script for why the venv's stock pip cannot be trusted with it).
	sh release/install-lock.sh $(PYTHON) $(VENV) $(LOCK)
	# The project itself (metadata, the cmdarr command); its dependencies came from the lock.
	$(BIN)/pip install --quiet --no-deps --no-build-isolation .
	# The code runs from this tree: put it and the generated code on the venv's path.
	printf '%s\n%s\n' "$(CURDIR)" "$(CURDIR)/gen" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/cmdarr-src.pth"
	touch $@

# Refresh both locks from pyproject.toml, every package at the newest version it allows;
# `make lock LOCK_ARGS=` keeps the current pins and only adds what is new. pip-tools itself
# is pinned in the lock, so this works from a fresh clone. What keeps a new lock
# installable after later upstream releases:
# - release/pip.in pins pip itself in each lock, and release/install-lock.sh installs
#   that pip (by hash) before the rest, whatever pip the machine's venv brings;
# - --no-strip-extras keeps `coverage[toml]==...` as written, so that even an old pip
#   applies the pin to a requirement that names an extra;
# - the runtime lock (the container image's) starts from the development lock's pins, so
#   the image runs the versions the tests ran;
# - the locks' own test then installs both from scratch with the machine's stock pip,
#   beside newer releases of locked packages. Commit the locks only when it passes.
LOCK_ARGS ?= --upgrade
PIP_COMPILE := $(BIN)/pip-compile --quiet --no-strip-extras --generate-hashes --allow-unsafe \
  --no-emit-index-url --no-emit-find-links
lock: install
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --output-file $(LOCK) pyproject.toml release/pip.in
	cp $(LOCK) $(RUNTIME_LOCK)
	$(PIP_COMPILE) --output-file $(RUNTIME_LOCK) pyproject.toml release/pip.in
	$(MAKE) test-locks

$(GENERATED): $(PROTOS) protos/generate.py $(INSTALLED)
	rm -rf gen
	$(BIN)/python protos/generate.py gen
	touch $@

protos: install
	rm -f $(GENERATED)
	$(MAKE) $(GENERATED)

api-baseline: install
	$(BIN)/buf build protos --exclude-source-info -o $(API_BASELINE)

# The cmdarr-client wheel (cmdarr_client plus the generated protobuf code) into dist/:
# `pip install dist/cmdarr_client-*.whl` anywhere, nothing from this tree needed.
dist: install
	$(BIN)/python release/build_client.py dist

run: install
	$(BIN)/python -m common.runtime.launcher

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/buf lint protos
	$(BIN)/buf breaking protos --against $(API_BASELINE)

# Line coverage of the project's packages, printed short (fully covered files left out);
# the run fails under [tool.coverage.report] fail_under. The tracer slows every line a
# process runs, so a few tests run without it (the no_cover marker): long measurements whose
# lines other tests cover, and the whole-stack tests' PostgreSQL runs (tests/conftest.py
# MEASURED_ON_SQLITE says why). The suite runs in pytest-xdist
# workers, two per core: most tests wait on sockets, child processes and PostgreSQL more
# than they compute, so a second worker per core fills that time (PYTEST_WORKERS=0 runs
# everything in one process). Coverage is combined across the workers; tests that must not
# run beside each other share an xdist group (--dist loadgroup). The slowest ten tests are
# printed at the end, so that a slow new test shows. The locks' install test is left out
# (-m "not lock_install"): `make test-locks` runs it. Bytecode caches are written even where
# the environment turns them off (PYTHONDONTWRITEBYTECODE): else every worker and every child
# process compiles the tree and rewrites the tests' asserts again (about 6 CPU s a worker).
PYTEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
unit: install browser
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup -m "not lock_install" --durations=10 \
	  --cov --cov-report=term $(PYTEST_ARGS)

# tests/deploy/test_locks.py whole: it installs both locks from scratch into new
# virtualenvs with the machine's stock pip, about a minute. It tests the locks, not the
# code, so `make test` leaves it out to stay fast; `make lock` runs it after writing the
# locks, and .ci/run runs it after `make test`, so every CI run still proves the locks.
test-locks: install
	$(BIN)/pytest -p no:cacheprovider tests/deploy/test_locks.py

# The status page's test drives Debian's chromium; install it when it is missing and we
# can (root with apt-get), else that test says what to do.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || true

# Lint beside the suite: mypy and the rest take one core for half a minute, while the suite
# waits on sockets and child processes as much as it computes. Lint's output is held in a
# file and printed after the suite's, under its own heading; `make test` fails if either
# fails, and says which.
test: install browser
	@log=$$(mktemp); $(MAKE) --no-print-directory lint >"$$log" 2>&1 & lint=$$!; \
	$(MAKE) --no-print-directory unit; unit=$$?; \
	wait $$lint; linted=$$?; \
	echo "================================ make lint ================================"; \
	cat "$$log"; rm -f "$$log"; \
	[ $$linted = 0 ] || echo "make test: lint failed (exit $$linted)"; \
	[ $$unit = 0 ] || echo "make test: the suite failed (exit $$unit)"; \
	[ $$linted = 0 ] && [ $$unit = 0 ]

bench: install
	$(BIN)/python -m bench

demo: install
	$(BIN)/python -m bench.demo

# Kills random services (SIGKILL) at least 30 times under the demo's workload, then checks
# that nothing was lost; bounded to 10 minutes. Not part of `make test`.
chaos: install
	$(BIN)/python -m bench.chaos

# Two replicas of every service on loopback ports against the PostgreSQL database named by
# CMDARR_DATABASE_URL, plus the emulators; prints the addresses and runs until Ctrl-C.
cluster: install
	$(BIN)/python -m bench.cluster

# SIGKILLs random replicas of that cluster at least 30 times under the demo's workload, then
# checks that nothing was lost or done twice; a fresh database on CMDARR_DATABASE_URL's
# server; bounded to 10 minutes of chaos. Not part of `make test`.
chaos-cluster: install
	$(BIN)/python -m bench.chaos_cluster

clean:
	rm -rf $(VENV) gen dist .mypy_cache .pytest_cache .ruff_cache
