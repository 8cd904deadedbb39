"""kotae: bilingual, document-grounded question answering over Japanese documents."""

import os

# torch and FAISS each bring an OpenMP runtime whose threads busy-wait after every parallel region; on a
# machine with few cores each runtime's threads then wait for the other's to yield, and encoding one question
# with a tiny model took 39 ms instead of 1.3 ms. Sleeping threads cost microseconds per region instead.
# It must be set before either library loads, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from kotae.config import Settings
from kotae.errors import (
    ConfigError,
    CorpusError,
    EmptyQuestionError,
    IndexMissingError,
    KotaeError,
    ModelUnavailableError,
    StaleIndexError,
    UnknownDocumentError,
)
from kotae.types import Chunk, Document, Passage, SearchResult, Token


def package_version(package: str = "kotae") -> str:
    """An installed package's version (kotae's own by default), or "unknown"."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


__all__ = [
    "Chunk",
    "ConfigError",
    "CorpusError",
    "Document",
    "EmptyQuestionError",
    "IndexMissingError",
    "KotaeError",
    "ModelUnavailableError",
    "Passage",
    "SearchResult",
    "Settings",
    "StaleIndexError",
    "Token",
    "UnknownDocumentError",
    "package_version",
]
