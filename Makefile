# The two commands a newcomer needs: `make run` and `make test`. Both set up everything on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint types pytest install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The embedded demo: an SQLite file under ./var, a demo county, served on 127.0.0.1:8000.
run: $(STAMP)
	APP_ENV=$${APP_ENV:-development} $(BIN)/suishoupai migrate
	APP_ENV=$${APP_ENV:-development} $(BIN)/suishoupai seed-demo
	APP_ENV=$${APP_ENV:-development} $(BIN)/suishoupai serve --host 127.0.0.1 --port $${PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

# The suite on a real PostgreSQL: TEST_DATABASE_URL, else 127.0.0.1:5432, else a throwaway local cluster.
pytest: $(STAMP)
	$(BIN)/python -m tests.support.testdb -- $(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint types pytest

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
