"""What a benchmark run measures: the full and quick plans' sizes, and the targets the results are held to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """The sizes a run measures."""

    name: str
    corpus_multiples: tuple[int, ...] = (1, 4, 16)  # build time: the corpus, then recombined corpora k× its size
    questions: int | None = None  # gold questions timed per mode (None: all)
    repeats: int = 3  # timed passes over them, after one warm-up pass
    lexical_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)  # chunks of the synthetic lexical collections
    lexical_questions: int | None = None
    vectors: int = 1_000_000
    dimension: int = 384
    vector_queries: int = 500
    flat_queries: int = 100  # exact search is slow at a million vectors, and its latency barely varies
    ef_search: tuple[int, ...] = (32, 64, 128, 256)
    nprobe: tuple[int, ...] = (8, 16, 32, 64, 128)
    http_requests: int = 2000


FULL = Plan("full")
QUICK = Plan("quick", corpus_multiples=(1, 2), questions=12, repeats=1, lexical_sizes=(1_000, 4_000),
             lexical_questions=24, vectors=4_000, dimension=64, vector_queries=40, flat_queries=20, ef_search=(64,),
             nprobe=(32,), http_requests=60)

# (name, limit, unit); measured values come from `kotae.bench.run.targets`.
TARGETS = (
    ("lexical p50 at corpus scale", 2.0, "ms"),
    ("lexical p50 at 1M chunks", 50.0, "ms"),
    ("HNSW recall@10 vs flat at 1M vectors", 0.95, "≥"),
    ("HNSW p50 at 1M vectors", 5.0, "ms"),
    ("/v1/ask throughput vs trivial endpoint", 0.40, "≥"),
)
