# The two set-up commands of the README:  `make run`  and  `make test`.
# Both create .venv and install everything the project needs from its own files.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DATA   ?= $(CURDIR)/instance/demo
# the suite in two processes (pytest-xdist): 3.6 min instead of 6.3 on this 2-core box;
# `make test PYTEST_ARGS=` runs it in one, `PYTEST_ARGS="-n 0 -k compare"` a part of it
PYTEST_ARGS ?= -n 2 --dist worksteal

.PHONY: run test install install-test assets chromium virtuoso clean
VENDOR  = web/static/vendor
CONTEXTS = kb/model/contexts
AXE     = node_modules/axe-core/axe.min.js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python assets
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python assets $(AXE) chromium virtuoso
	$(BIN)/pip install --quiet -e '.[test]'

## the web UI's front-end files, from the npm registry (package-lock.json), served locally
## (and anno.jsonld, the W3C Web Annotation JSON-LD context as @dokieli/web-annotation
## embeds it: rdflib parses annotations with it and never fetches a context; docs/annotations.md)
assets: $(VENDOR)/.stamp $(CONTEXTS)/anno.jsonld
$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/@zazuko/yasgui/build/yasgui.min.js $(VENDOR)/
	cp node_modules/@zazuko/yasgui/build/yasgui.min.css $(VENDOR)/
	touch $@
$(CONTEXTS)/anno.jsonld: $(VENDOR)/.stamp
	mkdir -p $(CONTEXTS)
	node --input-type=module -e "import('./node_modules/@dokieli/web-annotation/dist/contexts/anno.js').then(m => process.stdout.write(JSON.stringify(m.WEB_ANNOTATION_CONTEXT_DOCUMENT, null, 2)))" > $(CONTEXTS)/anno.jsonld.tmp
	mv $(CONTEXTS)/anno.jsonld.tmp $(CONTEXTS)/anno.jsonld

## axe-core, the accessibility checker the browser tests inject into pages
## (tests/browser_support.py: axe_violations): a devDependency in package.json, installed by
## the same `npm ci` into node_modules/ and never copied to web/static/vendor (not served)
$(AXE): $(VENDOR)/.stamp
	@test -f $@ || npm ci --include=dev --no-audit --no-fund --loglevel=error
	touch $@

## Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium)
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

## Debian's Virtuoso 7 for the remote backend's tests (tests/virtuoso_support.py starts its
## own server on 127.0.0.1 with a database in a temporary folder; the package's service
## is not used)
virtuoso:
	@test -x /usr/bin/virtuoso-t || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq virtuoso-opensource; }

## make run: install, build the demo KB into $(DATA), print its comparison report, serve the web UI
PORT   ?= 5000
run: install
	$(BIN)/claimkb --data-dir $(DATA) demo --force
	$(BIN)/claimkb --data-dir $(DATA) compare --verdict conflict
	@echo "claimkb web UI: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(BIN)/claimkb --data-dir $(DATA) serve --port $(PORT)

## make test: install the test dependencies and run the whole test suite
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance build *.egg-info node_modules $(VENDOR)
