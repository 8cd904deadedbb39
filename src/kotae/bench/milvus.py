"""The stores section: the local store and Milvus side by side, in one run: build time and search latency on the
corpus, then on a synthetic collection (recombined sentences' terms, clustered vectors) of `plan.store_chunks`."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from kotae.bench.measure import Stage, Step, r, sample, warm_latency
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.embed import Embedder
from kotae.errors import StoreUnavailableError
from kotae.evaluation.gold import GoldItem

STORES = ("local", "milvus")


def bench_stores(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, model: str, workdir: Path,
                 stage: Stage, step: Step, embedder: Embedder | None = None) -> dict[str, Any]:
    """Both stores on the corpus (every mode the index has) and on the synthetic collection (lexical and dense);
    Milvus as Milvus Lite, a file served inside this process, which is what a machine without a server has."""
    if find_spec("pymilvus") is None or find_spec("milvus_lite") is None:
        return {"skipped": "pymilvus and Milvus Lite are not installed (pip install 'kotae[milvus]')."}
    stage("Stores: local and Milvus", 2)
    corpus = _corpus(settings, plan, gold, model=model, workdir=workdir / "stores", embedder=embedder)
    step()
    try:
        synthetic = _synthetic(settings, plan, gold, workdir=workdir / "stores")
    except StoreUnavailableError as exc:  # Milvus Lite answers slowly at scale: its calls may time out
        # Said without the error's text, which names the run's temporary folder.
        synthetic = {"skipped": f"Milvus Lite did not answer within the store's timeout "
                                f"({settings.index.milvus_timeout:g} s) ({type(exc.__cause__ or exc).__name__}).",
                     "chunks": plan.store_chunks}
    step()
    return {"milvus": "Milvus Lite (a file, served in process)", "corpus": corpus, "synthetic": synthetic}


def _corpus(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, model: str, workdir: Path,
            embedder: Embedder | None) -> dict[str, Any]:
    from kotae.bench.build import index_settings
    from kotae.build import build_index
    from kotae.facade import Kotae
    from kotae.store import load_index

    out: dict[str, Any] = {}
    items = sample(gold, plan.questions)
    for kind in STORES:
        built = index_settings(settings, workdir / f"corpus-{kind}", model, store=kind)
        # No build cache: each store embeds the chunks itself, so the totals compare like with like.
        manifest = build_index(built, embedder=embedder, cache=False).manifest
        kotae = Kotae(load_index(built), built, vector_cache=0)  # every search encodes its question
        questions = [kotae.retriever.searched(i.question, i.history) for i in items]
        modes = {}
        for mode in ["lexical"] + (["dense", "hybrid"] if kotae.index.dense is not None else []):
            modes[mode] = warm_latency(lambda n, m=mode, k=kotae, q=questions: k.search(q[n], mode=m),
                                       len(questions), plan.repeats)
        out[kind] = {"chunks": manifest.chunker.chunks, "build_s": r(sum(manifest.build_seconds.values())),
                     "write_s": r(manifest.build_seconds.get("write", 0.0)), "search": modes}
    return out


def _synthetic(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path) -> dict[str, Any]:
    """BM25 and vectors over `plan.store_chunks` synthetic chunks in each store, built from the same arrays."""
    from kotae.analyze import get_analyzer
    from kotae.bench.synthetic import clustered_vectors, recombined_chunks, sentence_terms
    from kotae.dense import DenseIndex
    from kotae.facade import Kotae
    from kotae.lexical import LexicalIndex
    from kotae.store import load_index
    from kotae.stores.milvus import Milvus
    from kotae.stores.milvus_build import MilvusDense, MilvusSearch
    from kotae.stores.sparse import TermStats, document_vectors, length_norms

    corpus = load_index(settings.replace(index_dir=workdir / "corpus-local"), check=False)
    analyzer = get_analyzer(settings.index.term_form)
    size, dim = plan.store_chunks, plan.dimension
    terms = sentence_terms(corpus.chunks, analyzer)
    ids, offsets = recombined_chunks(terms, size)
    vocab = dict(terms.vocab)
    vectors, queries = clustered_vectors(size, dim, queries=plan.vector_queries)
    out: dict[str, Any] = {"chunks": size, "dimension": dim}

    clock = time.perf_counter()
    lexical = LexicalIndex.from_term_ids(ids, offsets, vocab)
    dense = DenseIndex.build(vectors, index_type="auto")
    folder = workdir / "synthetic-local"
    folder.mkdir(parents=True, exist_ok=True)
    lexical.save(folder)
    dense.save(folder)
    local_build = time.perf_counter() - clock

    clock = time.perf_counter()
    indptr, indices, data, doclen = lexical.term_frequencies()
    stats = TermStats.of(lexical.vocab, np.diff(indptr), lexical.size)
    milvus = Milvus(settings.index.model_copy(update={"milvus_uri": str(workdir / "synthetic.db")}))
    name = "kotae_bench_synthetic"
    milvus.drop([name])
    kind = "HNSW" if dense.index_type != "flat" else "FLAT"
    milvus.create(name, document_vectors(indptr, indices, data, doclen), length_norms(doclen), vectors, kind)
    milvus_build = time.perf_counter() - clock

    # Questions become queries against the synthetic vocabulary, as the lexical-scale section makes them.
    shell = replace(corpus, manifest=replace(corpus.manifest, dense=None), documents={}, chunks=(), lexical=lexical,
                    dense=None)
    retriever = Kotae(shell, settings).retriever
    made = [retriever.query(retriever.searched(i.question, i.history))
            for i in sample(gold, plan.lexical_questions)]
    depth, weight = settings.retrieval.depth, settings.retrieval.type_weight
    remote = MilvusSearch(milvus, name, stats)
    vectors_milvus = MilvusDense(milvus, name, index_type=kind.lower(), dimension=dim, size=size,
                                 ef_search=settings.retrieval.hnsw_ef_search)
    calls: dict[str, dict[str, Callable[[int], Any]]] = {
        "local": {"lexical": lambda n: retriever.lexical_hits(made[n]), "dense": lambda n: dense.search(queries[n],
                                                                                                      depth)},
        "milvus": {"lexical": lambda n: remote.lexical_hits(made[n], depth, type_weight=weight),
                   "dense": lambda n: vectors_milvus.search(queries[n], depth)}}
    counts = {"lexical": len(made), "dense": len(queries)}
    for kind_name, built in (("local", local_build), ("milvus", milvus_build)):
        out[kind_name] = {"build_s": r(built), "search": {m: warm_latency(call, counts[m], 1)
                                                         for m, call in calls[kind_name].items()}}
    out["dense_index"] = dense.index_type
    milvus.drop([name])
    milvus.reset()
    shutil.rmtree(folder, ignore_errors=True)
    return out
