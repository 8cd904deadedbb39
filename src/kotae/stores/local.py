"""The local store: BM25 arrays and a FAISS index as files in each build's folder, memory-mapped when large."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae import store
from kotae.config import IndexSettings, Settings
from kotae.dense import DenseIndex
from kotae.lexical import LexicalIndex
from kotae.lexicon import Lexicon
from kotae.manifest import Manifest
from kotae.sentences import SentenceVectors
from kotae.types import Chunk, Document


class LocalStore:
    def index_vectors(self, vectors: np.ndarray, index_type: str) -> tuple[DenseIndex, dict[str, Any]]:
        dense = DenseIndex.build(vectors, index_type=index_type)
        return dense, dense.describe()

    def write(self, ix: IndexSettings, manifest: Manifest, documents: Sequence[Document], chunks: Sequence[Chunk],
              lexical: LexicalIndex, lexicon: Lexicon, dense: DenseIndex | None, *,
              finish: Callable[[Manifest], Manifest] | None = None, sentences: SentenceVectors | None = None
              ) -> Manifest:
        return store.write_build(ix.index_dir, manifest, documents, chunks, lexical, lexicon, dense, finish=finish,
                                 sentences=sentences)

    def read(self, folder: Path, manifest: Manifest, settings: Settings, fix: str) -> store.Index:
        return store.read_local_build(folder, manifest, settings, fix)

    def files(self, manifest: Manifest) -> list[str]:
        return store.local_files(manifest)


LOCAL = LocalStore()
