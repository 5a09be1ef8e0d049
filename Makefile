# Two commands set up a fresh machine: `make test` and `make demo`.
# Each first runs ci/preflight.sh: missing system packages are installed (ci/install-system.sh)
# and stopped services started (ci/start-services.sh), with sudo when not root; when that cannot
# be done it stops with one line naming what is missing and the command that fixes it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= $(or $(VB_DATABASE_URL),postgresql://postgres@127.0.0.1:5432/virtualbank)

.PHONY: venv test lint demo drill bench clean preflight-test preflight-demo

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/.installed

preflight-test:
	@bash ci/preflight.sh test

preflight-demo:
	@bash ci/preflight.sh demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyvb db lint

test: preflight-test lint
	$(BIN)/pytest

demo: preflight-demo venv
	$(BIN)/pyvb demo --database-url $(DATABASE_URL)

# replicas, backups and a restore drill of the demo's trading, on clusters of its own (~1 min)
drill: preflight-test venv
	$(BIN)/pyvb dev drill

clean:
	rm -rf $(VENV) *.egg-info
