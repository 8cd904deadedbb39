"""`kotae bench`: index build time, query latency, and retrieval at scale, measured in one run.

A benchmark, never a test: it reports numbers and checks them against the targets, and fails nothing.
Every index it builds goes into a temporary folder; `bench_report` writes the results.
"""

from __future__ import annotations

import os
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from kotae import package_version
from kotae.config import Settings
from kotae.dense import DEFAULT_EF_SEARCH
from kotae.evaluate import GoldItem
from kotae.store import read_manifest

Stage = Callable[[str, int], None]  # (description, steps it will take) when a section starts
Step = Callable[[], None]  # one step of the current section done


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

# (name, limit, unit); measured values come from `targets`.
TARGETS = (
    ("lexical p50 at corpus scale", 2.0, "ms"),
    ("lexical p50 at 1M chunks", 50.0, "ms"),
    ("HNSW recall@10 vs flat at 1M vectors", 0.95, "≥"),
    ("HNSW p50 at 1M vectors", 5.0, "ms"),
    ("/v1/ask throughput vs trivial endpoint", 0.40, "≥"),
)


def run_bench(settings: Settings, plan: Plan, *, gold: Sequence[GoldItem], model: str | None = None,
              workdir: Path, stage: Stage | None = None, step: Step | None = None) -> dict[str, Any]:
    """Every section of the benchmark; `model` is an embedding model folder (default: a tiny one built here)."""
    stage = stage or (lambda _text, _steps: None)
    step = step or (lambda: None)
    started = time.perf_counter()
    results: dict[str, Any] = {"plan": asdict(plan), "machine": machine(), "load_average": {"start": _load()},
                               "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    sections: dict[str, float] = {}

    def timed(name: str, run: Callable[[], Any]) -> Any:
        clock = time.perf_counter()
        value = run()
        sections[name] = round(time.perf_counter() - clock, 1)
        return value

    model = model or timed("tiny model", lambda: _tiny_model(settings, workdir))
    index_settings = _settings(settings, workdir / "corpus-x1" / "index", model)
    results["build"] = timed("build", lambda: bench_build(settings, plan, model=model, workdir=workdir, stage=stage,
                                                          step=step))
    results["latency"] = timed("latency", lambda: bench_latency(index_settings, plan, gold, stage=stage, step=step))
    results["lexical_scale"] = timed("lexical scale", lambda: bench_lexical_scale(
        index_settings, plan, gold, workdir=workdir, stage=stage, step=step))
    results["vectors"] = timed("vectors", lambda: bench_vectors(plan, workdir=workdir, stage=stage, step=step)
                               if find_spec("faiss") else {"skipped": "FAISS is not installed (pip install "
                                                                      "'kotae[dense]')."})
    results["http"] = timed("http", lambda: _http_or_reason(index_settings, plan, gold, workdir=workdir, stage=stage,
                                                            step=step))
    results["section_seconds"] = sections
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_average"]["end"] = _load()
    results["targets"] = targets(results)
    return results


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "memory_gib": _memory_gib(),
            **{p: package_version(p) for p in ("kotae", "faiss-cpu", "bm25s", "numpy", "torch")}}


def _settings(base: Settings, index_dir: Path, model: str, **changes: Any) -> Settings:
    values = {**base.model_dump(), "index_dir": index_dir, "embed_model": model, **changes}
    return Settings(**values)


def _tiny_model(settings: Settings, workdir: Path) -> str:
    from kotae.load import load_corpus
    from kotae.tiny_model import build_tiny_model

    try:
        return str(build_tiny_model([d.text for d in load_corpus(settings.corpus_dir)], workdir / "tiny-model"))
    except ImportError:  # without the dense extra, the build and latency sections are lexical only
        return "none"


# Build time ---------------------------------------------------------------------------------------------------


def bench_build(settings: Settings, plan: Plan, *, model: str, workdir: Path, stage: Stage,
                step: Step) -> list[dict[str, Any]]:
    """Build time by stage for the corpus and for recombined corpora several times its size."""
    from kotae.build import build_index
    from kotae.load import load_corpus
    from kotae.synthetic import write_recombined_corpus

    docs = load_corpus(settings.corpus_dir)
    stage("Index build", len(plan.corpus_multiples))
    rows = []
    for multiple in plan.corpus_multiples:
        folder = workdir / f"corpus-x{multiple}"
        corpus = settings.corpus_dir if multiple == 1 else write_recombined_corpus(docs, folder / "corpus",
                                                                                    multiple=multiple)
        built = _settings(settings, folder / "index", model, corpus_dir=corpus)
        manifest = build_index(built).manifest
        seconds = {k: round(v, 3) for k, v in manifest["build_seconds"].items()}
        rows.append({"multiple": multiple, "documents": manifest["corpus"]["documents"],
                     "characters": manifest["corpus"]["characters"], "chunks": manifest["chunker"]["chunks"],
                     "seconds": seconds, "total_s": round(sum(seconds.values()), 3),
                     "bytes": _folder_bytes(folder / "index")})
        step()
    return rows


# Query latency ------------------------------------------------------------------------------------------------


def bench_latency(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, stage: Stage,
                  step: Step) -> dict[str, Any]:
    """In-process latency of search in each mode and of ask, per question, warm, after a warm-up pass."""
    from kotae.answer import Answerer
    from kotae.conversation import retrieval_question
    from kotae.retrieve import Retriever
    from kotae.store import load_index

    # No vector cache: every timed search encodes its question, as a new question would.
    retriever = Retriever(load_index(settings), settings, vector_cache=0)
    items = sample(gold, plan.questions)
    questions = [retrieval_question(i.question, i.history, retriever.analyzer) for i in items]
    answerer = Answerer(retriever)
    modes = ["lexical"] + (["dense", "hybrid"] if retriever.index.dense is not None else [])
    calls: dict[str, Callable[[int], Any]] = {
        f"search {m}": (lambda n, m=m: retriever.search(questions[n], mode=m)) for m in modes}
    calls.update({f"ask {m}": (lambda n, m=m: answerer.ask(items[n].question, history=items[n].history, mode=m))
                  for m in ("lexical", modes[-1])})
    stage("Query latency", len(calls))
    out: dict[str, Any] = {"questions": len(items), "repeats": plan.repeats, "modes": {}}
    for name, call in calls.items():
        for n in range(len(items)):  # warm-up: caches, lazy loading, the model's first call
            call(n)
        timings = [_timed(call, n) for _ in range(plan.repeats) for n in range(len(items))]
        out["modes"][name] = summary(timings)
        step()
    return out


def sample(gold: Sequence[GoldItem], count: int | None) -> list[GoldItem]:
    """`count` questions spread evenly over the gold file (which is grouped by language), or all of them."""
    if not count or count >= len(gold):
        return list(gold)
    return [gold[int(i)] for i in np.linspace(0, len(gold) - 1, count)]


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of some timings, in milliseconds."""
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    if not ms.size:
        return {"n": 0}
    return {"n": int(ms.size), "p50_ms": _r(np.percentile(ms, 50)), "p95_ms": _r(np.percentile(ms, 95)),
            "p99_ms": _r(np.percentile(ms, 99)), "mean_ms": _r(ms.mean())}


def _timed(call: Callable[[int], Any], n: int) -> float:
    start = time.perf_counter()
    call(n)
    return time.perf_counter() - start


def _r(value: float) -> float:
    return round(float(value), 3)


# Lexical retrieval at scale -----------------------------------------------------------------------------------


def bench_lexical_scale(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path,
                        stage: Stage, step: Step) -> list[dict[str, Any]]:
    """Synthetic collections of recombined corpus sentences: build, size on disk, memory-mapped load, and
    query latency with the gold questions, with the time of each stage of a query."""
    from kotae.analyze import get_analyzer
    from kotae.conversation import retrieval_question
    from kotae.store import load_index
    from kotae.synthetic import sentence_terms

    index = load_index(settings, check=False)
    analyzer = get_analyzer(settings.term_form)
    clock = time.perf_counter()
    terms = sentence_terms(index.chunks, analyzer)
    analysis_rate = len(index.chunks) / (time.perf_counter() - clock)  # chunks analysed per second
    items = sample(gold, plan.lexical_questions)
    questions = [(i.lang, retrieval_question(i.question, i.history, analyzer)) for i in items]
    stage("Lexical scale", len(plan.lexical_sizes))
    rows = []
    for size in plan.lexical_sizes:
        rows.append(_lexical_size(index, settings, terms, size, questions, workdir / f"lexical-{size}",
                                  analysis_rate))
        step()
    return rows


def _lexical_size(index, settings: Settings, terms, size: int, questions: Sequence[tuple[str, str]],
                  folder: Path, analysis_rate: float) -> dict[str, Any]:
    from kotae.lexical import LexicalIndex
    from kotae.synthetic import recombined_chunks

    clock = time.perf_counter()
    ids, offsets = recombined_chunks(terms, size)
    tokens = int(ids.size)
    built = LexicalIndex.from_term_ids(ids, offsets, terms.vocab)
    build_s = time.perf_counter() - clock
    del ids, offsets
    folder.mkdir(parents=True)
    built.save(folder)
    del built
    anon_before = _rss_anon_mib()
    clock = time.perf_counter()
    lexical = LexicalIndex.load(folder, mmap=True)
    load_s = time.perf_counter() - clock
    retriever = _lexical_retriever(index, lexical, settings)
    row = {"chunks": size, "tokens": tokens, "vocabulary": len(lexical.vocab), "build_s": _r(build_s),
           "analysis_s_estimated": _r(size / analysis_rate), "bytes": _folder_bytes(folder),
           "load_s": _r(load_s), "load_private_mib": _r(_rss_anon_mib() - anon_before),
           **lexical_latency(retriever, questions)}
    del retriever, lexical
    shutil.rmtree(folder, ignore_errors=True)
    return row


def _lexical_retriever(index, lexical, settings: Settings):
    """A retriever over a synthetic lexical index, with the real index's analyzer settings and lexicon; it
    has no chunk texts, so it is only for timing the lexical path."""
    from kotae.retrieve import Retriever
    from kotae.store import Index

    shell = Index(folder=index.folder, manifest={**index.manifest, "dense": None}, documents={}, chunks=(),
                  lexical=lexical, lexicon=index.lexicon)
    return Retriever(shell, settings)


# A query's stages, in the order Retriever.lexical_scores runs them.
LEXICAL_STAGES = ("analyse and translate", "direct terms", "translated words", "answer types", "top k")


def lexical_latency(retriever, questions: Sequence[tuple[str, str]], *, repeats: int = 2) -> dict[str, Any]:
    """Latency of a lexical search (the question made into a query, scored, top k), overall and per question
    language, and the mean time of each stage: the profile that says where the time goes."""
    from kotae.lexical import top_positive

    for _, question in questions:
        retriever.lexical_hits(retriever.query(question))
    total: list[float] = []
    by_lang: dict[str, list[float]] = {}
    stages = dict.fromkeys(LEXICAL_STAGES, 0.0)
    lexical = retriever.index.lexical
    for _ in range(repeats):
        for lang, question in questions:
            marks = [time.perf_counter()]
            query = retriever.query(question)
            marks.append(time.perf_counter())
            scores = lexical.scores(query.terms)
            marks.append(time.perf_counter())
            scores = scores + lexical.group_scores(query.groups())
            marks.append(time.perf_counter())
            typed_terms, typed_groups = query.typed()
            if typed_terms or typed_groups:
                typed = lexical.scores(typed_terms) + lexical.group_scores(typed_groups)
                scores = scores + retriever.settings.type_weight * typed
            marks.append(time.perf_counter())
            top_positive(scores, retriever.settings.depth)
            marks.append(time.perf_counter())
            for name, a, b in zip(LEXICAL_STAGES, marks, marks[1:]):
                stages[name] += b - a
            total.append(marks[-1] - marks[0])
            by_lang.setdefault(lang, []).append(marks[-1] - marks[0])
    count = max(len(total), 1)
    return {**summary(total), "by_lang": {lang: summary(t) for lang, t in sorted(by_lang.items())},
            "stages_ms": {name: _r(s / count * 1000) for name, s in stages.items()}}


# Vector indexes at scale --------------------------------------------------------------------------------------


def bench_vectors(plan: Plan, *, workdir: Path, stage: Stage, step: Step) -> dict[str, Any]:
    """Flat, HNSW and IVF-PQ over clustered unit vectors: build time, size, single-query latency and
    recall@10 against exact search, across each approximate index's search parameter."""
    from kotae.dense import DenseIndex
    from kotae.synthetic import clustered_vectors

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
        size = _folder_bytes(folder)
        # What must stay in memory for searches to be fast: everything, except IVF-PQ's full vectors, of which
        # only the candidates being re-ranked are read.
        resident = size - (vectors.nbytes if kind == "ivfpq" else 0)
        base = {"type": kind, **describe, "build_s": _r(build_s), "bytes": size, "resident_bytes": resident,
                "resident_bytes_per_vector": _r(resident / plan.vectors)}
        for param in _search_params(kind, plan):
            rows.append({**base, **param, **_vector_latency(index, kind, param, queries, exact, plan)})
            if kind != "flat":
                step()
        step()
        del index
        shutil.rmtree(folder, ignore_errors=True)
    del vectors
    return {"count": plan.vectors, "dimension": plan.dimension, "queries": plan.vector_queries,
            "data": "clustered unit vectors shaped like sentence embeddings (see kotae.synthetic)",
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
    timed = queries[:plan.flat_queries] if kind == "flat" else queries
    # A full pass first: the first touch of each memory-mapped page (IVF-PQ's re-ranked vectors above all)
    # costs a page fault, which belongs to a cold start, not to the steady state measured here.
    for q in timed[:5] if kind == "flat" else timed:
        searcher.search(q, 10)
    timings = [_timed(lambda n: searcher.search(timed[n], 10), n) for n in range(len(timed))]
    return {"recall_at_10": _r(recall), **summary(timings)}


def _faiss_threads() -> int:
    import faiss

    return int(faiss.omp_get_max_threads())


# HTTP ---------------------------------------------------------------------------------------------------------


def _http_or_reason(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path, stage: Stage,
                    step: Step) -> dict[str, Any]:
    from kotae.errors import BenchmarkUnavailableError

    try:
        return bench_http(settings, plan, gold, workdir=workdir, stage=stage, step=step)
    except BenchmarkUnavailableError as exc:
        return {"skipped": str(exc)}


# The endpoints loaded, in order: the trivial one first, as the yardstick. The target compares lexical asks
# (kotae's own work per request, as served without a model) with it; hybrid adds the tiny model's encoding.
HTTP_CALLS = (("GET /livez", "GET", "/livez", None),
              ("POST /v1/search lexical", "POST", "/v1/search", "lexical"),
              ("POST /v1/ask lexical", "POST", "/v1/ask", "lexical"),
              ("POST /v1/ask hybrid", "POST", "/v1/ask", "hybrid"))
HTTP_CONCURRENCY = 4


def bench_http(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path, stage: Stage,
               step: Step) -> dict[str, Any]:
    """Requests per second and latency of the API's endpoints against its trivial one (/livez), served by
    `kotae serve` in its own process, and that process's resident memory after start-up and after the load."""
    import httpx

    server, base = _start_server(settings, workdir)
    try:
        started = _process_memory(server.pid)
        stage("HTTP", len(HTTP_CALLS))
        endpoints = {}
        has_vectors = bool(read_manifest(settings.index_dir).get("dense"))  # the build may have found no model
        with httpx.Client(base_url=base, timeout=60) as client:
            for name, method, path, mode in HTTP_CALLS:
                if mode == "hybrid" and not has_vectors:
                    continue
                endpoints[name] = _load_endpoint(client, method, path, mode, gold, plan.http_requests)
                step()
        after = _process_memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    trivial = endpoints["GET /livez"]["rps"]
    return {"requests": plan.http_requests, "concurrency": HTTP_CONCURRENCY, "server": "kotae serve, 1 worker",
            "endpoints": endpoints, "ask_vs_trivial": _r(endpoints["POST /v1/ask lexical"]["rps"] / trivial),
            "rss_mib_started": started.get("VmRSS"), "rss_mib_after": after.get("VmRSS"),
            "private_mib_started": started.get("RssAnon"), "private_mib_after": after.get("RssAnon")}


def _start_server(settings: Settings, workdir: Path):
    """`kotae serve` over the benchmark's index, rate limit off, on a free port; waits until /readyz says ready."""
    import socket
    import subprocess
    import sys

    import httpx

    from kotae.errors import BenchmarkUnavailableError

    if find_spec("kotae_api") is None or find_spec("uvicorn") is None:
        raise BenchmarkUnavailableError("The HTTP benchmark needs the API app (kotae_api) and uvicorn installed.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KOTAE_INDEX_DIR": str(settings.index_dir), "KOTAE_CORPUS_DIR": str(settings.corpus_dir),
           "KOTAE_EMBED_MODEL": settings.embed_model, "KOTAE_RATE_LIMIT": "0", "KOTAE_WORKERS": "1"}
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "kotae.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = (workdir / "server.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
            raise BenchmarkUnavailableError(f"The API server stopped at start-up ({' '.join(tail) or 'no output'}).")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise BenchmarkUnavailableError("The API server did not become ready within two minutes.")


def _load_endpoint(client, method: str, path: str, mode: str | None, gold: Sequence[GoldItem],
                   requests: int) -> dict[str, Any]:
    """`requests` calls, HTTP_CONCURRENCY at a time, after a warm-up; questions cycle through the gold file."""
    from concurrent.futures import ThreadPoolExecutor

    def call(n: int) -> float:
        clock = time.perf_counter()
        if method == "GET":
            response = client.get(path)
        else:
            item = gold[n % len(gold)]
            body: dict[str, Any] = {"question": item.question, "mode": mode}
            if path == "/v1/ask" and item.history:
                body["history"] = [dict(t) for t in item.history]
            response = client.post(path, json=body)
        response.raise_for_status()
        return time.perf_counter() - clock

    with ThreadPoolExecutor(HTTP_CONCURRENCY) as pool:
        list(pool.map(call, range(min(50, requests))))
        clock = time.perf_counter()
        timings = list(pool.map(call, range(requests)))
        wall = time.perf_counter() - clock
    return {"rps": _r(requests / wall), **summary(timings)}


def _process_memory(pid: int) -> dict[str, float]:
    """VmRSS and RssAnon of a process, in MiB (empty where /proc is not there)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: _r(int(line.split()[1]) / 1024) for line in lines
            if line.startswith(("VmRSS:", "RssAnon:"))}


# Targets ------------------------------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value, or why it was not measured in this run."""
    measured = _measured(results)
    out = []
    for name, limit, unit in TARGETS:
        value = measured.get(name)
        if value is None:
            out.append({"target": name, "limit": limit, "unit": unit, "measured": None, "met": None})
            continue
        met = value >= limit if unit == "≥" else value <= limit
        out.append({"target": name, "limit": limit, "unit": unit, "measured": value, "met": met})
    return out


def _measured(results: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    modes = results.get("latency", {}).get("modes", {})
    if "search lexical" in modes:
        out["lexical p50 at corpus scale"] = modes["search lexical"]["p50_ms"]
    million = [r for r in results.get("lexical_scale", []) if r["chunks"] >= 1_000_000]
    if million:
        out["lexical p50 at 1M chunks"] = million[0]["p50_ms"]
    vectors = results.get("vectors", {})
    if vectors.get("count", 0) >= 1_000_000:
        hnsw = [r for r in vectors["indexes"] if r["type"] == "hnsw" and r.get("ef_search") == DEFAULT_EF_SEARCH]
        if hnsw:
            out["HNSW recall@10 vs flat at 1M vectors"] = hnsw[0]["recall_at_10"]
            out["HNSW p50 at 1M vectors"] = hnsw[0]["p50_ms"]
    http = results.get("http", {})
    if "ask_vs_trivial" in http:
        out["/v1/ask throughput vs trivial endpoint"] = http["ask_vs_trivial"]
    return out


# Memory and files ---------------------------------------------------------------------------------------------


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _rss_anon_mib() -> float:
    """This process's private resident memory (heap, not file pages shared through mmap), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> list[float] | None:
    """The system's load averages (1, 5, 15 minutes): other work running beside the benchmark shows here."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None
