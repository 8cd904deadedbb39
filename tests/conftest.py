"""Fixtures: the tiny corpus and its indexes (built once per session), the shipped corpus for `quality` tests,
a tiny offline embedding model, the HTTP API and a fake language model. Helpers live in support.py and fakes.py.

Nothing here reaches a network: the Hugging Face libraries are told to stay offline before anything
imports them, and every index is written under pytest's temporary folders, never the repository's own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A developer's own KOTAE_* settings must not change what the tests see.
for _name in [n for n in os.environ if n.startswith("KOTAE_")]:
    del os.environ[_name]

from fakes import FakeLLMServer, make_app  # noqa: E402
from support import SHIPPED_CORPUS, TINY_CHUNKING, build, write_tiny_corpus  # noqa: E402

from kotae.config import DEFAULT_MODEL as BUNDLED_MODEL  # noqa: E402
from kotae.config import Settings  # noqa: E402

# Fixtures that load torch (the tiny sentence-transformers model: seconds to import) make a test slow; fixtures
# of the shipped corpus make it a quality test. Marked here so that no such test can miss its marker.
TORCH_FIXTURES = frozenset({"tiny_model", "dense_settings", "dense_index", "dense_retriever"})
SHIPPED_FIXTURES = frozenset({"shipped_docs", "shipped_settings", "shipped_index"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & TORCH_FIXTURES:
            item.add_marker(pytest.mark.slow)
        if names & SHIPPED_FIXTURES:
            item.add_marker(pytest.mark.quality)


# The tiny corpus, written by the tests: what every test of mechanics runs on.

@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """The tiny corpus, shared by the session: read it, never change it (see `small_corpus`)."""
    return write_tiny_corpus(tmp_path_factory.mktemp("tiny") / "corpus")


@pytest.fixture(scope="session")
def corpus_docs(corpus_dir):
    from kotae.load import load_corpus

    return load_corpus(corpus_dir)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A private copy of the tiny corpus, free to modify."""
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def analyzer():
    from kotae.analyze import get_analyzer

    return get_analyzer()


@pytest.fixture(scope="session")
def lexical_settings(tmp_path_factory, corpus_dir) -> Settings:
    """Settings of a lexical-only index of the tiny corpus, built once per session."""
    return build(corpus_dir, tmp_path_factory.mktemp("lexical") / "index", **TINY_CHUNKING)


@pytest.fixture(scope="session")
def lexical_index(lexical_settings):
    from kotae.store import load_index

    return load_index(lexical_settings)


@pytest.fixture(scope="session")
def retriever(lexical_index, lexical_settings):
    from kotae.retrieve import Retriever

    return Retriever(lexical_index, lexical_settings)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, corpus_docs) -> Path:
    """A tiny random sentence-transformers model with a vocabulary trained on the tiny corpus."""
    from kotae.testing import build_tiny_model

    return build_tiny_model([d.text for d in corpus_docs], tmp_path_factory.mktemp("tiny-model") / "model")


@pytest.fixture(scope="session")
def dense_settings(tmp_path_factory, corpus_dir, tiny_model) -> Settings:
    """Settings of an index of the tiny corpus with vectors from the tiny model, built once per session."""
    return build(corpus_dir, tmp_path_factory.mktemp("dense") / "index", embed_model=str(tiny_model),
                 **TINY_CHUNKING)


@pytest.fixture(scope="session")
def dense_index(dense_settings):
    from kotae.store import load_index

    return load_index(dense_settings)


@pytest.fixture(scope="session")
def dense_retriever(dense_index, dense_settings):
    from kotae.retrieve import Retriever

    return Retriever(dense_index, dense_settings)


@pytest.fixture
def app(lexical_settings, lexical_index):
    """The HTTP API over the tiny lexical index, rate limiting off."""
    return make_app(lexical_settings, lexical_index)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def fake_llm_server():
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def fake_llm(fake_llm_server):
    """A fake OpenAI-compatible language model on 127.0.0.1 (see fakes.FakeLLM), fresh for each test:
    `fake_llm.url` ends in /v1; set what it answers, read what it was sent."""
    fake = fake_llm_server.fresh()
    yield fake
    fake.release.set()  # a reply this test left held finishes now


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory, corpus_dir) -> Settings:
    """Settings of an index of the tiny corpus with vectors from the bundled model, built once."""
    return build(corpus_dir, tmp_path_factory.mktemp("bundled") / "index", embed_model=BUNDLED_MODEL,
                 **TINY_CHUNKING)


@pytest.fixture(scope="session")
def bundled_index(bundled_settings):
    from kotae.store import load_index

    return load_index(bundled_settings)


# The shipped corpus and gold set: for `quality` tests only.

@pytest.fixture(scope="session")
def shipped_docs():
    from kotae.load import load_corpus

    return load_corpus(SHIPPED_CORPUS)


@pytest.fixture(scope="session")
def shipped_settings(tmp_path_factory) -> Settings:
    """Settings of a lexical-only index of the shipped corpus with default settings, built once per session."""
    return build(SHIPPED_CORPUS, tmp_path_factory.mktemp("shipped") / "index")


@pytest.fixture(scope="session")
def shipped_index(shipped_settings):
    from kotae.store import load_index

    return load_index(shipped_settings)
