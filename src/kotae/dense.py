"""Dense vectors in a FAISS inner-product index (vectors are L2-normalised, so this is cosine).

Three index types: `flat` (exact), `hnsw` (a graph, approximate, fast at millions of vectors) and `ivfpq`
(inverted lists of product-quantised codes searched in memory, the best candidates re-ranked exactly against
the full vectors, which stay memory-mapped on disk); `auto` picks one by size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kotae.errors import ConfigError

FILE = "vectors.faiss"
INDEX_TYPES: tuple[str, ...] = ("flat", "hnsw", "ivfpq")

# Below this many vectors exact search takes under ten milliseconds, so there is nothing to approximate.
FLAT_LIMIT = 50_000
# Beyond this, HNSW's full-precision vectors plus graph (about 1.8 kB a vector at 384 dimensions, which must
# stay in memory for searches to be fast) stop fitting a serving machine comfortably; IVF-PQ keeps about a
# fifteenth of that in memory and reads the full vectors of a few hundred candidates per query from disk.
HNSW_LIMIT = 4_000_000

HNSW_M = 32  # graph neighbours per vector: recall ≥ 0.95 at a million vectors with a modest efSearch
HNSW_EF_CONSTRUCTION = 80
DEFAULT_EF_SEARCH = 128
DEFAULT_NPROBE = 32
# IVF-PQ candidates re-ranked exactly, per result wanted: PQ codes alone reach a recall@10 near 0.6 on
# embedding-like vectors; re-ranking eight times as many reaches about 0.97.
REFINE_FACTOR = 8


def choose_index_type(size: int) -> str:
    """The index type `auto` means for `size` vectors."""
    if size < FLAT_LIMIT:
        return "flat"
    return "hnsw" if size <= HNSW_LIMIT else "ivfpq"


@dataclass(frozen=True)
class SearchParams:
    """Query-time knobs of the approximate indexes; they change speed and recall, never the index."""

    ef_search: int = DEFAULT_EF_SEARCH  # HNSW: candidates kept while walking the graph (at least the depth)
    nprobe: int = DEFAULT_NPROBE  # IVF-PQ: inverted lists visited per query


class DenseIndex:
    """A FAISS index whose row i is chunk i."""

    def __init__(self, index, *, index_type: str = "flat", params: SearchParams | None = None) -> None:
        self._index = index
        self.index_type = index_type
        self.params = params or SearchParams()

    @classmethod
    def build(cls, vectors: np.ndarray, *, index_type: str = "flat", params: SearchParams | None = None,
              seed: int = 0) -> DenseIndex:
        """Index `vectors` (one row per chunk); `index_type` may be `auto`."""
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        kind = choose_index_type(n) if index_type == "auto" else index_type
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        elif kind == "ivfpq":
            index = _train_ivfpq(vectors, seed)
        else:
            raise ConfigError(f"Unknown index type {index_type!r}; choose one of auto, {', '.join(INDEX_TYPES)}.")
        index.add(vectors)
        return cls(index, index_type=kind, params=params)

    def with_params(self, params: SearchParams) -> DenseIndex:
        """The same index searched with other parameters (the FAISS index is shared, not copied)."""
        return DenseIndex(self._index, index_type=self.index_type, params=params)

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def describe(self) -> dict:
        """What the manifest records about the index's structure."""
        out: dict = {"index_type": self.index_type}
        if self.index_type == "hnsw":
            out.update(hnsw_m=HNSW_M, ef_construction=int(self._index.hnsw.efConstruction))
        elif self.index_type == "ivfpq":
            ivf = self._ivf()
            out.update(nlist=int(ivf.nlist), pq_m=int(ivf.pq.M), pq_bits=int(ivf.pq.nbits),
                       refine_factor=REFINE_FACTOR)
        return out

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(folder / FILE))

    @classmethod
    def load(cls, folder: Path, *, params: SearchParams | None = None, mmap: bool = True) -> DenseIndex:
        """Read an index; its type is read from the file, not taken on trust. With `mmap` the vectors, graph
        and inverted lists stay in the file's pages, shared between processes and read on demand, instead of
        being copied into each process."""
        import faiss

        # MMAP_IFC maps flat codes, the HNSW graph and IVF lists alike (IO_FLAG_MMAP alone maps only IVF lists).
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        index = faiss.read_index(str(folder / FILE), flags)
        return cls(index, index_type=index_kind(index), params=params)

    def search(self, query: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """The `depth` nearest chunks to one query vector, as (chunk index, similarity), best first."""
        return self.search_many(query.reshape(1, -1), depth)[0]

    def search_many(self, queries: np.ndarray, depth: int) -> list[list[tuple[int, float]]]:
        """`search` for each row of `queries` in one call (FAISS spreads a batch over its threads)."""
        depth = min(depth, self.size)
        if depth <= 0:
            return [[] for _ in range(len(queries))]
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        scores, ids = self._index.search(queries, depth, params=self._search_parameters(depth))
        return [[(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i >= 0]
                for row_ids, row_scores in zip(ids, scores)]

    def _search_parameters(self, depth: int):
        # Passed per call rather than set on the index, so concurrent searches cannot disturb each other.
        import faiss

        if self.index_type == "hnsw":
            return faiss.SearchParametersHNSW(efSearch=max(self.params.ef_search, depth))
        if self.index_type == "ivfpq":
            ivf = faiss.SearchParametersIVF(nprobe=min(self.params.nprobe, int(self._ivf().nlist)))
            return faiss.IndexRefineSearchParameters(k_factor=REFINE_FACTOR, base_index_params=ivf)
        return None

    def _ivf(self):
        import faiss

        return faiss.downcast_index(faiss.extract_index_ivf(self._index))


def index_kind(index) -> str:
    """Which of the index types a FAISS index is (flat, hnsw or ivfpq, as `DenseIndex.build` makes them)."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexRefine) and faiss.try_extract_index_ivf(index) is not None:
        return "ivfpq"
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    raise ValueError(f"a FAISS {type(index).__name__} is none of {', '.join(INDEX_TYPES)}")


def ivfpq_shape(n: int, dim: int) -> tuple[int, int, int]:
    """(inverted lists, PQ sub-vectors, bits per code) for `n` vectors of `dim` dimensions.

    About 2·√n lists (the low end of FAISS's advice, as training time grows with its square) with at least 39
    training vectors each (FAISS's k-means minimum); sub-vectors of four dimensions (a 16-fold compression of
    float32); 8-bit codes, fewer when there are too few vectors to train 256 centroids per sub-vector."""
    nlist = max(1, min(int(2 * math.sqrt(n)), n // 39))
    pq_m = max((m for m in range(1, dim // 4 + 1) if dim % m == 0), default=1)
    bits = max(1, min(8, int(math.log2(max(n, 2))) - 2))
    return nlist, pq_m, bits


def _train_ivfpq(vectors: np.ndarray, seed: int):
    import faiss

    n, dim = vectors.shape
    nlist, pq_m, bits = ivfpq_shape(n, dim)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, bits, faiss.METRIC_INNER_PRODUCT)
    for clustering in (index.cp, index.pq.cp):
        clustering.seed = seed
        clustering.min_points_per_centroid = 1  # a small collection trains on what it has, without warnings
    # One small k-means per sub-vector (96 at 384 dimensions) dominates training; ten iterations instead of
    # twenty-five cost little recall, and exact re-ranking makes up for it.
    index.pq.cp.niter = 10
    # k-means gains little from more than some dozens of vectors per centroid; a sample keeps training short.
    sample = max(nlist * 64, 65_536)
    train = vectors if n <= sample else vectors[np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))]
    index.train(train)
    # Exact re-ranking against the full vectors; they are written beside the codes and memory-mapped on load.
    return faiss.IndexRefineFlat(index)
