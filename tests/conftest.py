"""Shared fixtures: the real corpus, indexes built once per session, and a tiny offline embedding model.

Nothing here reaches a network: the Hugging Face libraries are told to stay offline before anything
imports them, and every index is written under pytest's temporary folders, never the repository's own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A developer's own KOTAE_* settings must not change what the tests see.
for _name in [n for n in os.environ if n.startswith("KOTAE_")]:
    del os.environ[_name]

from kotae.config import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
# Two of the real documents, small enough to rebuild in every test that needs a fresh index.
SMALL_CORPUS_FILES = ("japan-nato-ipcp.md", "nsatu-nakatani-rutte-2025.md")


def make_settings(corpus_dir: Path, index_dir: Path, **overrides) -> Settings:
    """Settings for one corpus and index folder; lexical only unless a model is given."""
    values = {"corpus_dir": corpus_dir, "index_dir": index_dir, "embed_model": "none"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def corpus_docs():
    from kotae.load import load_corpus

    return load_corpus(CORPUS)


@pytest.fixture(scope="session")
def analyzer():
    from kotae.analyze import get_analyzer

    return get_analyzer()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A private copy of two real corpus files, free to modify."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SMALL_CORPUS_FILES:
        shutil.copy(CORPUS / name, folder / name)
    return folder


def built(folder: Path, **overrides) -> Settings:
    """Settings of an index of the whole real corpus in `folder`, built."""
    from kotae.build import build_index

    settings = make_settings(CORPUS, folder / "index", **overrides)
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def lexical_settings(tmp_path_factory) -> Settings:
    """Settings of a lexical-only index of the whole real corpus, built once per session."""
    return built(tmp_path_factory.mktemp("lexical"))


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
    """A tiny random sentence-transformers model with a vocabulary trained on the corpus texts."""
    from kotae.tiny_model import build_tiny_model

    return build_tiny_model([d.text for d in corpus_docs], tmp_path_factory.mktemp("tiny-model") / "model")


@pytest.fixture(scope="session")
def dense_settings(tmp_path_factory, tiny_model) -> Settings:
    """Settings of an index of the real corpus with vectors from the tiny model, built once per session."""
    return built(tmp_path_factory.mktemp("dense"), embed_model=str(tiny_model))


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
    """The HTTP API over the session's lexical index, rate limiting off."""
    from api_client import make_app

    return make_app(lexical_settings, lexical_index)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        yield client
