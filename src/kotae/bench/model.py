"""The embedding model's section: the encoder alone, hybrid search, and a 10,000-chunk text collection's build."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from kotae.bench.measure import Stage, Step, r, sample, summary
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.embed import Embedder
from kotae.evaluation.gold import GoldItem

WARM_UP = 10  # encoder calls before the timed ones: the first calls pay for lazy set-up


def distinct(question: str, n: int, tag: str = "") -> str:
    """The question with a number of its own, so that no cache anywhere has seen it (the HTTP loads use the same
    form); a few characters more than the gold question, which costs the encoder next to nothing."""
    return f"{question} #{tag}{n}"


def bench_model(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, embedder: Embedder, stage: Stage,
                step: Step) -> dict[str, Any]:
    """The encoder's single-query latency and rate, in-process hybrid search of never-seen questions, and the
    lexical and dense build of a synthetic collection of `plan.synthetic_chunks` chunks."""
    from kotae.facade import Kotae
    from kotae.store import load_index

    stage("Embedding model", 3)
    questions = [i.question for i in sample(gold, plan.questions)] * plan.repeats
    out: dict[str, Any] = {"model": embedder.name, "backend": embedder.backend, "fingerprint": embedder.fingerprint,
                           "dimension": embedder.dimension, "questions": len(questions)}
    out["encoder"] = _encoder(embedder, questions)
    step()
    # vector_cache=0 as well as distinct texts: every search encodes its question, as a new question would.
    kotae = Kotae(load_index(settings), settings, embedder=embedder, vector_cache=0)
    for n, q in enumerate(questions[:WARM_UP]):
        kotae.search(distinct(q, n, "w"), mode="hybrid")
    timings = []
    for n, q in enumerate(questions):
        text = distinct(q, n, "h")
        clock = time.perf_counter()
        kotae.search(text, mode="hybrid")
        timings.append(time.perf_counter() - clock)
    out["hybrid_search"] = summary(timings)
    step()
    out["synthetic_build"] = _synthetic_build(settings, plan, embedder)
    step()
    return out


def _encoder(embedder: Embedder, questions: Sequence[str]) -> dict[str, Any]:
    """One question per call, one call at a time: the rate a server could reach if it did nothing but encode."""
    for n, q in enumerate(questions[:WARM_UP]):
        embedder.encode_queries([distinct(q, n, "w")])
    timings = []
    started = time.perf_counter()
    for n, q in enumerate(questions):
        text = distinct(q, n, "e")
        clock = time.perf_counter()
        embedder.encode_queries([text])
        timings.append(time.perf_counter() - clock)
    seconds = time.perf_counter() - started
    stats = summary(timings)
    return {**stats, "rate_per_s": r(len(questions) / seconds), "rate_per_s_from_p50": r(1000 / stats["p50_ms"])}


def _synthetic_build(settings: Settings, plan: Plan, embedder: Embedder) -> dict[str, Any]:
    """Analysis and BM25 over every chunk; the embedding rate on a sample (or all) of their passages; a FAISS
    index over as many vectors as chunks (the sample's, repeated, where only a sample was embedded: building a
    flat or HNSW index costs the same for any vectors of that shape)."""
    from kotae.analyze import get_analyzer
    from kotae.bench.synthetic import recombined_texts
    from kotae.build import index_terms
    from kotae.chunk import chunk_corpus
    from kotae.dense import DenseIndex
    from kotae.lexical import LexicalIndex
    from kotae.load import load_corpus
    from kotae.types import Chunk

    ix = settings.index
    docs = load_corpus(ix.corpus_dir)
    real = chunk_corpus(docs, target=ix.chunk_target, maximum=ix.chunk_max, overlap=ix.chunk_overlap,
                        method=ix.chunking)
    texts = recombined_texts(docs, real, plan.synthetic_chunks)
    clock = time.perf_counter()
    analyzer = get_analyzer(ix.term_form)
    terms = [index_terms(analyzer, Chunk(f"synthetic:{n}", "synthetic", 0, len(t), t)) for n, t in enumerate(texts)]
    LexicalIndex.build(terms)
    lexical_s = time.perf_counter() - clock

    embedded = texts[:plan.embed_sample] if plan.embed_sample else texts
    clock = time.perf_counter()
    vectors = embedder.encode_passages(embedded, batch_size=ix.embed_batch_size)
    embed_s = time.perf_counter() - clock
    rate = len(embedded) / embed_s
    clock = time.perf_counter()
    dense = DenseIndex.build(np.resize(vectors, (len(texts), vectors.shape[1])), index_type=ix.index_type)
    index_s = time.perf_counter() - clock
    return {"chunks": len(texts), "characters": sum(map(len, texts)), "lexical_s": r(lexical_s),
            "embedded": len(embedded), "embed_s": r(embed_s), "passages_per_s": r(rate),
            "embed_s_all": r(len(texts) / rate), "embed_all_estimated": len(embedded) < len(texts),
            "dense_index_type": dense.index_type, "dense_index_s": round(index_s, 6),  # under 1 ms when small
            "total_s": r(lexical_s + len(texts) / rate + index_s)}
