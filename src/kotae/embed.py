"""Sentence-transformers models: loaded from a folder, the local cache, or (when reachable) the hub."""

from __future__ import annotations

import logging
import os
import socket
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from kotae.errors import ModelUnavailableError

HOW_TO_PROVIDE = (
    "download it once on a machine with a network and pass its folder with --model PATH "
    "(or KOTAE_EMBED_MODEL), or use --model none for lexical retrieval only"
)


@dataclass(frozen=True)
class Embedder:
    """A loaded model with the prefixes its family expects."""

    name: str
    model: Any
    query_prefix: str = ""
    passage_prefix: str = ""

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts], batch_size, progress)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts], batch_size, False)

    def _encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        vectors = self.model.encode(texts, batch_size=batch_size, show_progress_bar=progress,
                                    convert_to_numpy=True, normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(name: str, *, query_prefix: str = "", passage_prefix: str = "", timeout: float = 10.0,
                  device: str | None = None) -> Embedder:
    """Load `name` (a local folder or a hub name) on `device` (default: the library's choice) without ever hanging
    on an unreachable network."""
    model = _load(name, timeout, device)
    return Embedder(name=name, model=model, query_prefix=query_prefix, passage_prefix=passage_prefix)


def _load(name: str, timeout: float, device: str | None) -> Any:
    if name.startswith((".", "/", "~")) and not Path(name).expanduser().exists():  # said before torch loads
        raise ModelUnavailableError(f"The model folder {name} does not exist; {HOW_TO_PROVIDE}.")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelUnavailableError(
            f"The embedding model {name} needs the dense extra (pip install 'kotae[dense]'); {HOW_TO_PROVIDE}."
        ) from exc
    _quiet_libraries()
    path = Path(name).expanduser()
    if path.exists():
        try:
            return SentenceTransformer(str(path), device=device, local_files_only=True)
        except Exception as exc:  # any failure inside the model's own files is the model's problem
            raise ModelUnavailableError(f"The model folder {path} could not be loaded ({_short(exc)}).") from exc
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
        raise ModelUnavailableError(f"The embedding model {name} could not be downloaded ({_short(exc)}); "
                                    f"{HOW_TO_PROVIDE}.") from exc


def _hub_reachable(timeout: float) -> bool:
    """A short TCP probe, so that a closed network fails in seconds rather than after long retries."""
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        with socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:160]


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
