"""The query-latency section: search in each mode and ask, in process, per gold question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kotae.bench.measure import Stage, Step, sample, warm_latency
from kotae.bench.plan import Plan
from kotae.config import Settings
from kotae.evaluation.gold import GoldItem


def bench_latency(settings: Settings, plan: Plan, gold: Sequence[GoldItem], *, stage: Stage,
                  step: Step) -> dict[str, Any]:
    """In-process latency of search in each mode and of ask, per question, warm, after a warm-up pass."""
    from kotae.facade import Kotae
    from kotae.store import load_index

    # No vector cache: every timed search encodes its question, as a new question would.
    kotae = Kotae(load_index(settings), settings, vector_cache=0)
    items = sample(gold, plan.questions)
    # Follow-ups are joined to their earlier question here, so that a timed search is the search alone.
    questions = [kotae.retriever.searched(i.question, i.history) for i in items]
    modes = ["lexical"] + (["dense", "hybrid"] if kotae.index.dense is not None else [])
    calls: dict[str, Callable[[int], Any]] = {
        f"search {m}": (lambda n, m=m: kotae.search(questions[n], mode=m)) for m in modes}
    calls.update({f"ask {m}": (lambda n, m=m: kotae.ask(items[n].question, history=items[n].history, mode=m))
                  for m in ("lexical", modes[-1])})
    stage("Query latency", len(calls))
    out: dict[str, Any] = {"questions": len(items), "repeats": plan.repeats, "modes": {}}
    for name, call in calls.items():
        out["modes"][name] = warm_latency(call, len(items), plan.repeats)
        step()
    return out
