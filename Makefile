# Two commands: `make run` serves the demo event, `make test` runs every test. Both set themselves up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: run test lint audit clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cafe serve --demo

test: $(STAMP)
	@$(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests - failing" >&2; fi; \
	exit $$status

audit: $(STAMP)
	$(BIN)/bandit -q -r cafe -lll
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	$(BIN)/pip-audit --progress-spinner off --strict

lint: $(STAMP)
	$(BIN)/ruff check cafe tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info
