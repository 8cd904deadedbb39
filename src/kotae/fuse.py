"""Fusion of ranked lists: by weighted reciprocal ranks, or by the weighted mean of their scores scaled to 0–1."""

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


def score_fusion(
    ranked: Mapping[str, Sequence[tuple[Hashable, float]]],
    weights: Mapping[str, float],
    *,
    floors: Mapping[str, float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Fuse scored lists by a weighted mean of their scores, each list scaled to 0–1: from its `floors` entry (a score
    that means no match, such as BM25's 0) or else its lowest score, to its highest. An id missing from a list
    scores that list's floor there. Best first; ties keep the order in which ids were first seen.

    Unlike ranks, scaled scores keep how far apart a list's candidates are: a list whose scores are nearly flat
    moves the fused order little, one with a clear best moves it much."""
    floors = floors or {}
    scaled: dict[str, dict[Hashable, float]] = {}
    for name, hits in ranked.items():
        if weights.get(name, 1.0) <= 0 or not hits:
            continue
        scores = [score for _, score in hits]
        low = floors.get(name, min(scores))
        span = max(scores) - low
        scaled[name] = {item: (score - low) / span if span > 0 else 1.0 for item, score in hits}
    total = sum(weights.get(name, 1.0) for name in scaled)
    fused: dict[Hashable, float] = {}
    for name, values in scaled.items():
        weight = weights.get(name, 1.0) / total
        for item, value in values.items():
            fused[item] = fused.get(item, 0.0) + weight * value
    order = {item: n for n, item in enumerate(fused)}
    return sorted(fused.items(), key=lambda kv: (-kv[1], order[kv[0]]))
