"""Dense vectors in a FAISS inner-product index (vectors are L2-normalised, so this is cosine)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILE = "vectors.faiss"


class DenseIndex:
    """A FAISS index whose row i is chunk i."""

    def __init__(self, index) -> None:
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(folder / FILE))

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> DenseIndex:
        import faiss

        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(folder / FILE), flags))

    def search(self, query: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """The `depth` nearest chunks to one query vector, as (chunk index, similarity), best first."""
        depth = min(depth, self.size)
        if depth <= 0:
            return []
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), depth)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
