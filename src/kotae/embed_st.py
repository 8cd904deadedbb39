"""The sentence-transformers backend: any model, from a folder, the local cache, or (when reachable) the hub."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from kotae import package_version
from kotae.embed import Embedder, short
from kotae.errors import ModelUnavailableError

HOW_TO_PROVIDE = (
    "download it once on a machine with a network and pass its folder with --model PATH "
    "(or KOTAE_EMBED_MODEL), use the bundled model (--model bundled:multilingual-e5-small), or --model none for "
    "lexical retrieval only"
)
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.pt")


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model with the prefixes its family expects."""

    backend = "sentence-transformers"

    def __init__(self, name: str, model: Any, *, query_prefix: str = "", passage_prefix: str = "",
                 fingerprint: str = "") -> None:
        self.name, self.model = name, model
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.fingerprint = fingerprint
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(getter())

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts], batch_size, progress)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts], batch_size, False)

    def _encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                    convert_to_numpy=True, normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_sentence_transformer(name: str, *, query_prefix: str = "", passage_prefix: str = "", timeout: float = 10.0,
                              device: str | None = None) -> SentenceTransformerEmbedder:
    """Load `name` (a local folder or a hub name) on `device` (default: the library's choice) without ever hanging
    on an unreachable network."""
    model = _load(name, timeout, device)
    return SentenceTransformerEmbedder(name, model, query_prefix=query_prefix, passage_prefix=passage_prefix,
                                       fingerprint=_fingerprint(name))


def _fingerprint(name: str) -> str:
    """The library's version and, for a model folder, a hash of its weight files, so that vectors are never
    compared with another model's (a hub name stands for its weights)."""
    digest = hashlib.sha256()
    folder = Path(name).expanduser()
    files = sorted(f for pattern in WEIGHT_FILES for f in folder.rglob(pattern)) if folder.is_dir() else []
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    weights = f"weights sha256:{digest.hexdigest()[:16]}" if files else f"weights of {name}"
    return f"sentence-transformers {package_version('sentence-transformers')}, {weights}"


def _load(name: str, timeout: float, device: str | None) -> Any:
    if name.startswith((".", "/", "~")) and not Path(name).expanduser().exists():  # said before torch loads
        raise ModelUnavailableError(f"The model folder {name} does not exist; {HOW_TO_PROVIDE}.")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelUnavailableError(
            f"The embedding model {name} needs sentence-transformers (pip install 'kotae[sentence-transformers]'); "
            f"{HOW_TO_PROVIDE}."
        ) from exc
    _quiet_libraries()
    path = Path(name).expanduser()
    if path.exists():
        try:
            return SentenceTransformer(str(path), device=device, local_files_only=True)
        except Exception as exc:  # any failure inside the model's own files is the model's problem
            raise ModelUnavailableError(f"The model folder {path} could not be loaded ({short(exc)}).") from exc
    if name.startswith((".", "/", "~")):
        raise ModelUnavailableError(f"The model folder {name} does not exist; {HOW_TO_PROVIDE}.")
    try:
        return SentenceTransformer(name, device=device, local_files_only=True)
    except Exception:
        pass  # not in the local cache: fetch it if the hub can be reached, and say so plainly if not
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes") or not _hub_reachable(timeout):
        raise ModelUnavailableError(f"The embedding model {name} is not cached and cannot be downloaded here; "
                                    f"{HOW_TO_PROVIDE}.")
    try:
        return SentenceTransformer(name, device=device)
    except Exception as exc:
        raise ModelUnavailableError(f"The embedding model {name} could not be downloaded ({short(exc)}); "
                                    f"{HOW_TO_PROVIDE}.") from exc


def _hub_reachable(timeout: float) -> bool:
    """A short TCP probe, so that a closed network fails in seconds rather than after long retries."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        with socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _quiet_libraries() -> None:
    # The libraries log download attempts and advice at WARNING; kotae reports problems itself, once.
    for logger in ("sentence_transformers", "transformers", "huggingface_hub"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="transformers")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:  # transformers draws a "Loading weights" bar on every model load
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
