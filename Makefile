# The two set-up commands of the README:  `make run`  and  `make test`.
# Both create .venv and install everything the project needs from its own files.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DATA   ?= $(CURDIR)/instance/demo

.PHONY: run test install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

## make run: install, build the demo KB into $(DATA), list it and compare its sources
run: install
	$(BIN)/claimkb --data-dir $(DATA) demo --force
	$(BIN)/claimkb --data-dir $(DATA) list
	$(BIN)/claimkb --data-dir $(DATA) compare

## make test: install the test dependencies and run the whole test suite
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance build *.egg-info
