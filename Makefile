# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned to a release that has a CPU-only build; override to choose another build, e.g.
#   make test TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test check install index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than pyproject.toml once everything it lists is installed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_SPEC)
	$(PIP) install -e ".[dense,dev,eval]"
	touch $@

install: $(VENV)/.installed

index: install
	$(BIN)/kotae index --if-stale

# Serves the HTTP API on http://127.0.0.1:8000 (the chat demo at /, docs at /docs); `kotae chat` is the terminal prompt.
run: index
	$(BIN)/kotae serve --host 127.0.0.1 --port 8000

test: install
	$(BIN)/python -m pytest -q

check: test
	$(BIN)/ruff check src tests api

clean:
	rm -rf $(VENV) index/build-* index/CURRENT
