"""Weighted reciprocal-rank fusion of ranked lists."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence


def rrf(
    ranked: Mapping[str, Sequence[Hashable]],
    weights: Mapping[str, float],
    *,
    k: int = 60,
) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists of ids: score(d) = Σ weight / (k + rank), ranks from 1; best first.

    Ties keep the order in which ids were first seen, so the result is deterministic.
    """
    scores: dict[Hashable, float] = {}
    for name, ids in ranked.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: n for n, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
