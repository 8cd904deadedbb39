"""What a store does: index a build's vectors, write a build and publish it, read it back for search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from kotae.config import IndexSettings, Settings
    from kotae.lexical import LexicalIndex
    from kotae.lexicon import Lexicon
    from kotae.manifest import Manifest
    from kotae.query import Query
    from kotae.sentences import SentenceVectors
    from kotae.store import Index
    from kotae.types import Chunk, Document


class Store(Protocol):
    """A place a build's search structures are kept; the index folder always holds its manifest, documents,
    chunks and lexicon, and its `CURRENT` pointer is what publishes a build."""

    def index_vectors(self, vectors: np.ndarray, index_type: str) -> tuple[Any, dict[str, Any]]:
        """The vectors as this store will write them, and what the manifest records of their index."""

    def write(self, ix: IndexSettings, manifest: Manifest, documents: Sequence[Document], chunks: Sequence[Chunk],
              lexical: LexicalIndex, lexicon: Lexicon, dense: Any, *,
              finish: Callable[[Manifest], Manifest] | None = None, sentences: SentenceVectors | None = None
              ) -> Manifest:
        """Write and publish a build atomically (a failure leaves the build in service); the manifest written. The
        sentence vectors are files of the build's folder in every store."""

    def read(self, folder: Path, manifest: Manifest, settings: Settings, fix: str) -> Index:
        """The build in `folder`, ready to search; its files were checked against the manifest already."""

    def files(self, manifest: Manifest) -> list[str]:
        """The files of a build in its folder, by relative path."""


class RemoteSearch(Protocol):
    """A store that ranks lexically on its own side (the local store's BM25 runs in the retriever)."""

    def lexical_hits(self, query: Query, depth: int, *, type_weight: float) -> list[tuple[int, float]]:
        """The best `depth` chunks by BM25 with a positive score, as (chunk index, score), best first."""

    def ping(self) -> None:
        """Return when the store answers; StoreUnavailableError when it does not."""
