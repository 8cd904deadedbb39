"""The vector-index section: flat, HNSW and IVF-PQ over a million synthetic vectors, recall against latency."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from kotae.bench.measure import Stage, Step, folder_bytes, r, summary, timed
from kotae.bench.plan import Plan


def bench_vectors(plan: Plan, *, workdir: Path, stage: Stage, step: Step) -> dict[str, Any]:
    """Flat, HNSW and IVF-PQ over clustered unit vectors: build time, size, single-query latency and
    recall@10 against exact search, across each approximate index's search parameter."""
    from kotae.bench.synthetic import clustered_vectors
    from kotae.dense import DenseIndex

    stage("Vector indexes", 4 + len(plan.ef_search) + len(plan.nprobe))
    vectors, queries = clustered_vectors(plan.vectors, plan.dimension, queries=plan.vector_queries)
    step()
    rows = []
    exact = None
    for kind in ("flat", "hnsw", "ivfpq"):
        clock = time.perf_counter()
        built = DenseIndex.build(vectors, index_type=kind)
        build_s = time.perf_counter() - clock
        folder = workdir / f"vectors-{kind}"
        folder.mkdir(parents=True)
        built.save(folder)
        describe = built.describe()
        if exact is None:
            exact = [[i for i, _ in hits] for hits in built.search_many(queries, 10)]
        del built
        index = DenseIndex.load(folder, mmap=True)
        size = folder_bytes(folder)
        # What must stay in memory for searches to be fast: everything, except IVF-PQ's full vectors, of which
        # only the candidates being re-ranked are read.
        resident = size - (vectors.nbytes if kind == "ivfpq" else 0)
        base = {"type": kind, **describe, "build_s": r(build_s), "bytes": size, "resident_bytes": resident,
                "resident_bytes_per_vector": r(resident / plan.vectors)}
        for param in _search_params(kind, plan):
            rows.append({**base, **param, **_vector_latency(index, kind, param, queries, exact, plan)})
            if kind != "flat":
                step()
        step()
        del index
        shutil.rmtree(folder, ignore_errors=True)
    del vectors
    return {"count": plan.vectors, "dimension": plan.dimension, "queries": plan.vector_queries,
            "data": "clustered unit vectors shaped like sentence embeddings (see kotae.bench.synthetic)",
            "threads": _faiss_threads(), "indexes": rows}


def _search_params(kind: str, plan: Plan) -> list[dict[str, int]]:
    if kind == "hnsw":
        return [{"ef_search": ef} for ef in plan.ef_search]
    if kind == "ivfpq":
        return [{"nprobe": n} for n in plan.nprobe]
    return [{}]


def _vector_latency(index, kind: str, param: dict[str, int], queries: np.ndarray, exact: list[list[int]],
                    plan: Plan) -> dict[str, Any]:
    from kotae.dense import SearchParams

    searcher = index.with_params(SearchParams(**param))
    found = searcher.search_many(queries, 10)
    recall = float(np.mean([len({i for i, _ in f} & set(e)) / 10 for f, e in zip(found, exact)]))
    queried = queries[:plan.flat_queries] if kind == "flat" else queries
    # A full pass first: the first touch of each memory-mapped page (IVF-PQ's re-ranked vectors above all)
    # costs a page fault, which belongs to a cold start, not to the steady state measured here.
    for q in queried[:5] if kind == "flat" else queried:
        searcher.search(q, 10)
    timings = [timed(lambda n: searcher.search(queried[n], 10), n) for n in range(len(queried))]
    return {"recall_at_10": r(recall), **summary(timings)}


def _faiss_threads() -> int:
    import faiss

    return int(faiss.omp_get_max_threads())
