"""The Kotae in service, held behind one reference that a reload swaps atomically."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from kotae.config import Settings
from kotae.errors import IndexMissingError, KotaeError
from kotae.facade import Kotae
from kotae.store import Index, load_index
from kotae_api.logs import LOG


@dataclass(frozen=True)
class Engine:
    """One loaded index and its facade; read-only, shared by every request that started on it."""

    kotae: Kotae
    loaded_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def index(self) -> Index:
        return self.kotae.index

    @property
    def build_id(self) -> str:
        return self.index.manifest.build_id or self.index.folder.name

    @cached_property
    def summary(self) -> dict[str, Any]:
        """What `GET /v1/info` tells about this index: the same for every request, so worked out once."""
        manifest = self.index.manifest
        return {"build_id": self.build_id, "built_at": manifest.built_at,
                "documents": len(self.index.documents), "characters": manifest.corpus.characters,
                "chunks": len(self.index.chunks), "model": self.index.model, "modes": self.kotae.modes(),
                "loaded_at": self.loaded_at}


def open_engine(index: Index, settings: Settings) -> Engine:
    """Everything needed to answer from `index`; loads the embedding model now rather than on the first request."""
    return Engine(kotae=Kotae(index, settings).warm())


class IndexHolder:
    """The engine in service. Requests take `engine` once and keep using it, so a reload that swaps in a new
    one never changes the index under a request in flight; the old one is freed when its last request ends."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._reload_lock = threading.Lock()  # one reload at a time; readers never wait on it
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        engine = self._engine  # one read: the reference is replaced whole, never mutated
        if engine is None:
            raise IndexMissingError(self.last_error or "No index is loaded yet.")
        return engine

    def reload(self) -> tuple[Engine, Engine | None]:
        """Load the current build from disk completely, every file checked against its manifest's hashes, then swap
        it in; returns (new, previous).

        On failure the engine in service stays, and the named error propagates.
        """
        with self._reload_lock:
            started = time.perf_counter()
            try:
                new = open_engine(load_index(self.settings, verify=True), self.settings)
            except KotaeError as exc:
                if self._engine is None:
                    self.last_error = str(exc)
                raise
            previous, self._engine = self._engine, new
            self.last_error = None
        LOG.info("index loaded", extra={"build_id": new.build_id, "documents": len(new.index.documents),
                                        "seconds": round(time.perf_counter() - started, 3),
                                        "previous_build_id": previous.build_id if previous else None})
        return new, previous
