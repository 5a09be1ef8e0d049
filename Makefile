# Two commands set up a fresh machine: `make test` and `make demo`.
# (System services and packages: ci/install-system.sh and ci/start-services.sh.)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/virtualbank

.PHONY: venv test lint demo bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/.installed

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyvb db lint

test: lint
	$(BIN)/pytest

demo: venv
	$(BIN)/pyvb demo --database-url $(DATABASE_URL)

clean:
	rm -rf $(VENV) *.egg-info
