# Two commands do everything: `make run` and `make test`. Both create .venv and install on first use;
# the install is skipped while the dependency files are unchanged (a stamp keyed on their hash).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEPS_HASH := $(shell cat pyproject.toml requirements/*.txt 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.stamp-$(DEPS_HASH)

.PHONY: run test test-fast fuzz bench screenshots desktop icons lint install clean

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

# The fuzz suite with fresh inputs and 2,000 malformed files per loader (`make test` runs 150, fixed).
fuzz: $(STAMP)
	DLLAB_FUZZ_EXAMPLES=$${DLLAB_FUZZ_EXAMPLES:-2000} QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/fuzz --hypothesis-show-statistics

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; QT_QPA_PLATFORM=offscreen $(PY) $$script || exit 1; done

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) main.py screenshots docs

# The app in the desktop's application menu (this checkout's .venv, no terminal); `python main.py
# install-desktop --uninstall` takes it out again.
desktop: $(STAMP)
	$(PY) main.py install-desktop

# Re-render resources/icons/*.png from the SVG master after editing it.
icons: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m gui.app_icon

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

install: $(STAMP)

$(STAMP):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,dev]'
	@for req in requirements/*.txt; do [ -f "$$req" ] || continue; \
		echo "installing $$req (pinned, hash-checked, no dependencies)"; \
		$(PY) -m pip install -q --no-deps --require-hashes -r "$$req" || exit 1; done
	rm -f $(VENV)/.stamp-*
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
