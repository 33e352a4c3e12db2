# Two commands do all the set-up on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint bench clean lock lock-upgrade

# runtime versions come from requirements.lock (the image installs exactly those: infra/Dockerfile)
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run: make PYTHON=python3 ...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m gongkai.demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -q -p no:cacheprovider

# the developer's loop (under 2 minutes): static checks and the fast lane of the suite — every test not
# marked slow (tests/conftest.py), property tests with a few dozen examples each
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow" --hypothesis-profile=fast -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# requirements.lock: every runtime dependency of pyproject.toml at one exact version, for Linux x86-64 and
# Python 3.11 (the image). `make lock` keeps the pins already there and adds or changes only what
# pyproject.toml now asks for; `make lock-upgrade` moves everything to the newest versions allowed.
LOCK := $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--no-annotate --custom-compile-command "make lock" -o requirements.lock
lock: $(STAMP)
	$(LOCK)

lock-upgrade: $(STAMP)
	$(LOCK) --upgrade

clean:
	rm -rf $(VENV) lake .pytest_cache
