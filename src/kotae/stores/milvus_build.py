"""The Milvus store: each build's chunks as one collection (BM25 sparse vectors and dense vectors), its documents,
chunks, lexicon and term statistics in the build's folder, published by the same `CURRENT` pointer as local builds.

A build writes a new collection named after its build id and loads it; only then is the manifest, which names the
collection, written and the pointer switched, so a failed build leaves the build in service and its collection
untouched. Collections no kept build names are dropped after the switch. (A Milvus alias could switch collections
too, but not together with the folder's documents and chunks, which must come from the same build.)
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from kotae import store
from kotae.config import IndexSettings, Settings
from kotae.dense import FLAT_LIMIT
from kotae.errors import ConfigError, DamagedIndexError, StoreUnavailableError
from kotae.integrity import damaged, expect_count, reading
from kotae.lexical import LexicalIndex
from kotae.lexicon import Lexicon
from kotae.manifest import Manifest, StoreInfo
from kotae.query import Query
from kotae.sentences import SentenceVectors, load_sentences, sentence_files
from kotae.stores.milvus import (
    DENSE,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    Milvus,
    collection_name,
    describe,
    sparse_hits,
    sparse_rows,
)
from kotae.stores.rescore import RESCORED, rescore
from kotae.stores.sparse import FILE as TERMS
from kotae.stores.sparse import TermStats, document_vectors, length_norms, query_vector
from kotae.types import Chunk, Document


class MilvusSearch:
    """Lexical search of one build's collection: the question's BM25 query vector against the chunks'."""

    def __init__(self, milvus: Milvus, collection: str, stats: TermStats) -> None:
        self.milvus = milvus
        self.collection = collection
        self.stats = stats

    def lexical_hits(self, query: Query, depth: int, *, type_weight: float) -> list[tuple[int, float]]:
        vector = query_vector(query, self.stats, type_weight=type_weight)
        if not query.translations:  # plain terms: the inner product is BM25 itself
            return sparse_hits(self.milvus, self.collection, vector, depth)
        rows = sparse_rows(self.milvus, self.collection, vector, depth * RESCORED)
        return rescore(query, self.stats, rows, type_weight=type_weight)[:depth]

    def ping(self) -> None:
        self.milvus.ping(self.collection)


class MilvusDense:
    """Dense search of one build's collection, searched as the local store's DenseIndex is."""

    def __init__(self, milvus: Milvus, collection: str, *, index_type: str, dimension: int, size: int,
                 ef_search: int) -> None:
        self.milvus = milvus
        self.collection = collection
        self.index_type = index_type
        self.dimension = dimension
        self.size = size
        self.ef_search = ef_search

    def search(self, query: np.ndarray, depth: int) -> list[tuple[int, float]]:
        depth = min(depth, self.size)
        if depth <= 0:
            return []
        params = {"ef": max(self.ef_search, depth)} if self.index_type == "hnsw" else {}
        vector = np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        return self.milvus.search(self.collection, DENSE, vector, depth, params)


class MilvusStore:
    def index_vectors(self, vectors: np.ndarray, index_type: str) -> tuple[np.ndarray, dict[str, Any]]:
        """The vectors as they are (Milvus indexes them); exact FLAT search for small collections, HNSW beyond,
        at the size the local store switches."""
        if index_type == "ivfpq":
            raise ConfigError("The milvus store indexes vectors as flat or hnsw; Milvus's own compressed indexes "
                              "(IVF_PQ, DiskANN) are a matter of the server's configuration.")
        kind = index_type if index_type != "auto" else ("flat" if len(vectors) < FLAT_LIMIT else "hnsw")
        structure: dict[str, Any] = {"index_type": kind}
        if kind == "hnsw":
            structure.update(hnsw_m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)
        return np.ascontiguousarray(vectors, dtype=np.float32), structure

    def write(self, ix: IndexSettings, manifest: Manifest, documents: Sequence[Document], chunks: Sequence[Chunk],
              lexical: LexicalIndex, lexicon: Lexicon, dense: np.ndarray | None, *,
              finish: Callable[[Manifest], Manifest] | None = None, sentences: SentenceVectors | None = None
              ) -> Manifest:
        milvus = Milvus(ix)
        name = collection_name(ix.milvus_collection, manifest.build_id)
        indptr, indices, data, doclen = lexical.term_frequencies()
        stats = TermStats.of(lexical.vocab, np.diff(indptr), lexical.size)
        kind = manifest.dense.index_type if manifest.dense else None
        milvus.create(name, document_vectors(indptr, indices, data, doclen), length_norms(doclen), dense,
                      {"flat": "FLAT", "hnsw": "HNSW"}.get(kind or ""))
        try:
            rows = milvus.count(name)
            if rows != len(chunks):
                raise StoreUnavailableError(f"Milvus at {describe(milvus.uri)} holds {rows} of the {len(chunks)} "
                                            "chunks just written; the index in service is unchanged.")
            info = StoreInfo(kind="milvus", collection=name, dense_index=kind)

            def finished(m: Manifest) -> Manifest:
                return replace(finish(m) if finish else m, store=info)

            written = store.write_folder(ix.index_dir, manifest, documents, chunks, lexicon,
                                         lambda staging: stats.save(staging / TERMS), finish=finished,
                                         sentences=sentences)
        except BaseException:
            _drop_quietly(milvus, [name])
            raise
        _drop_unused(milvus, ix)
        return written

    def read(self, folder: Path, manifest: Manifest, settings: Settings, fix: str) -> store.Index:
        documents, chunks, lexicon = store.read_texts(folder, manifest, fix)
        with reading(folder / TERMS, fix):
            try:
                stats = TermStats.load(folder / TERMS)
            except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
                raise damaged(folder / TERMS, f"is not a term list ({exc})", fix) from exc
        expect_count(folder / TERMS, "terms", len(stats.vocab), manifest.lexical.vocabulary, fix)
        expect_count(folder / TERMS, "chunks", stats.size, len(chunks), fix)
        assert manifest.store is not None  # only called for a build of this store
        milvus = Milvus(settings.index)
        name = manifest.store.collection
        rows = milvus.count(name)  # StoreUnavailableError when Milvus does not answer
        if rows is None:
            raise DamagedIndexError(f"The index's collection {name} is missing from Milvus at "
                                    f"{describe(milvus.uri)}; {fix}.")
        if rows != len(chunks):
            raise DamagedIndexError(f"The index's collection {name} in Milvus holds {rows:,} chunks where the index "
                                    f"has {len(chunks):,}; {fix}.")
        dense = None
        if manifest.dense:
            dense = MilvusDense(milvus, name, index_type=manifest.dense.index_type,
                                dimension=manifest.dense.dimension, size=rows,
                                ef_search=settings.retrieval.hnsw_ef_search)
        return store.Index(folder=folder, manifest=manifest, documents=documents, chunks=chunks, lexical=stats,
                           dense=dense, lexicon=lexicon, remote=MilvusSearch(milvus, name, stats),
                           sentences=load_sentences(folder, manifest, len(chunks), fix))

    def files(self, manifest: Manifest) -> list[str]:
        return [store.DOCUMENTS, store.CHUNKS, store.LEXICON, TERMS, *sentence_files(manifest)]


def _drop_unused(milvus: Milvus, ix: IndexSettings) -> None:
    """Drop this index's collections that no build in its folder names (publishing keeps the new build and the
    one before it, which a running server may still be searching)."""
    kept = set()
    try:
        names = milvus.collections(ix.milvus_collection)
    except StoreUnavailableError:
        return
    for folder in ix.index_dir.glob("build-*"):
        try:
            info = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8")).get("store") or {}
        except (OSError, ValueError):
            continue
        kept.add(info.get("collection"))
    _drop_quietly(milvus, [n for n in names if n not in kept])


def _drop_quietly(milvus: Milvus, names: Sequence[str]) -> None:
    """Dropping is tidying: a collection left behind costs space, never correctness, so a failure is not raised."""
    with contextlib.suppress(StoreUnavailableError):
        milvus.drop(names)


MILVUS = MilvusStore()
