"""What a benchmark run measures: the full, quick and model-only plans' sizes, and the targets results are held to."""

from __future__ import annotations

from dataclasses import dataclass, replace

SECTIONS = ("build", "rebuild", "latency", "lexical", "vectors", "model", "http")
STORES = "stores"  # the local store beside Milvus: added to any plan by `kotae bench --store milvus`


@dataclass(frozen=True)
class Plan:
    """The sizes a run measures, and which sections it runs."""

    name: str
    sections: tuple[str, ...] = SECTIONS
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
    # The model section: a text collection of recombined sentences, indexed lexically and densely. Embedding all
    # 10,000 passages takes about 20 minutes on 2 cores, so the rate is measured on a sample of them and the
    # collection's embedding time is that rate applied to all; the FAISS index still holds 10,000 vectors.
    synthetic_chunks: int = 10_000
    embed_sample: int | None = 1_000  # passages embedded for the rate (None: all of them)
    http_seconds: float = 10.0  # each bounded load on /v1/ask with distinct questions
    rebuild_files: int = 1_000  # the rebuild section's corpus: this many small files,
    rebuild_chars: int = 300  # of about this many characters each (one or two chunks)
    store_chunks: int = 100_000  # the stores section's synthetic collection, built and searched in each store


FULL = Plan("full")
# Quick builds the corpus alone: with the bundled model its embedding takes most of the quick run already.
QUICK = Plan("quick", corpus_multiples=(1,), questions=12, repeats=1, lexical_sizes=(1_000, 4_000),
             lexical_questions=24, vectors=4_000, dimension=64, vector_queries=40, flat_queries=20, ef_search=(64,),
             nprobe=(32,), http_requests=60, synthetic_chunks=1_000, embed_sample=32, http_seconds=3.0,
             rebuild_files=20, store_chunks=2_000)
# `kotae bench --only model`: what the embedding model costs, at the full plan's sizes, in minutes rather than the
# full run's quarter of an hour; the scale sections (lexical and vector indexes) do not depend on the model.
MODEL = replace(FULL, name="model", sections=("build", "latency", "model", "http"), corpus_multiples=(1,))
# `kotae bench --only rebuild`: what a rebuild costs with and without the build cache (the corpus build, which
# every run makes, and the rebuild section).
REBUILD = replace(FULL, name="rebuild", sections=("build", "rebuild"), corpus_multiples=(1,))
# `kotae bench --only stores`: the local store and Milvus side by side (the corpus build, and the stores section).
STORES_ONLY = replace(FULL, name="stores", sections=("build", STORES), corpus_multiples=(1,))


def with_stores(plan: Plan) -> Plan:
    """`plan` with the stores section (`kotae bench --store milvus`)."""
    return plan if STORES in plan.sections else replace(plan, sections=(*plan.sections, STORES))

# (name, limit, unit); measured values come from `kotae.bench.run.targets`. "≥": at least the limit; any other
# unit: at most the limit.
TARGETS = (
    ("lexical p50 at corpus scale", 2.0, "ms"),
    ("lexical p50 at 1M chunks", 50.0, "ms"),
    ("HNSW recall@10 vs flat at 1M vectors", 0.95, "≥"),
    ("HNSW p50 at 1M vectors", 5.0, "ms"),
    ("/v1/ask throughput vs trivial endpoint", 0.40, "≥"),
    # Distinct questions, so every request runs the encoder: the server should keep up with the encoder alone.
    ("/v1/ask at 16 clients vs bare encoder rate", 0.80, "≥"),
    ("/v1/ask p50 at 2 clients", 30.0, "ms"),
    ("/v1/ask p99 at 2 clients", 100.0, "ms"),
    ("/v1/ask errors at 16 and 2 clients", 0.0, "errors"),
)
