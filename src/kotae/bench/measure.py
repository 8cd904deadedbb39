"""What the benchmark's sections share: progress callbacks, timing summaries, sizes and memory, and their error."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kotae.errors import KotaeError
from kotae.evaluation.gold import GoldItem

Stage = Callable[[str, int], None]  # (description, steps it will take) when a section starts
Step = Callable[[], None]  # one step of the current section done


class BenchmarkUnavailableError(KotaeError):
    """A section of the benchmark cannot run here (the HTTP one needs the API app)."""


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
    return {"n": int(ms.size), "p50_ms": r(np.percentile(ms, 50)), "p95_ms": r(np.percentile(ms, 95)),
            "p99_ms": r(np.percentile(ms, 99)), "mean_ms": r(ms.mean())}


def timed(call: Callable[[int], Any], n: int) -> float:
    """Seconds `call(n)` took."""
    start = time.perf_counter()
    call(n)
    return time.perf_counter() - start


def warm_latency(call: Callable[[int], Any], count: int, repeats: int) -> dict[str, float]:
    """`summary` of `call(0)` … `call(count - 1)`, `repeats` times over, after one untimed warm-up pass (caches,
    lazy loading, a model's first call)."""
    for n in range(count):
        call(n)
    return summary([timed(call, n) for _ in range(repeats) for n in range(count)])


def r(value: float) -> float:
    """A measured value as reported: three decimals."""
    return round(float(value), 3)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def rss_anon_mib() -> float:
    """This process's private resident memory (heap, not file pages shared through mmap), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_memory(pid: int) -> dict[str, float]:
    """VmRSS and RssAnon of a process, in MiB (empty where /proc is not there)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: r(int(line.split()[1]) / 1024) for line in lines
            if line.startswith(("VmRSS:", "RssAnon:"))}
