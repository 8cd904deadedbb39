"""English questions' structured BM25, exactly, over candidates fetched with their sparse vectors.

One sparse vector cannot express a structured query (see `sparse`), so a store ranks candidates with the closest
one, returns each candidate's own sparse vector and BM25 length norm, and kotae scores them as the local store
does: a chunk's raw term frequency comes back from its saturated weight, tf = w · norm / (1 − w), a candidate run
occurs as often as its rarest term, and a group's frequency is the weighted sum of its candidates', saturated once.
Only the group's document frequency stays the estimate of `sparse.group_df` (the union needs every posting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kotae.lexical import lucene_idf
from kotae.query import Query
from kotae.stores.sparse import TermStats, group_df

RESCORED = 4  # candidates fetched per result wanted: the approximate ranking's misses fall within a few times depth


def rescore(query: Query, stats: TermStats, rows: Sequence[tuple[int, Mapping[int, float], float]], *,
            type_weight: float) -> list[tuple[int, float]]:
    """(chunk, score) for each candidate (chunk, its sparse vector, its length norm), best first, ties by chunk."""
    typed_terms, typed_groups = query.typed()
    parts = ((query.terms, query.groups(), 1.0), (typed_terms, typed_groups, type_weight))
    plans = [(scale, [(stats.vocab[t], stats.idf(t)) for t in stats.known(terms)], [_group(g, stats) for g in groups])
             for terms, groups, scale in parts]
    out = []
    for chunk, vector, norm in rows:
        score = 0.0
        for scale, terms, groups in plans:
            score += scale * sum(idf * vector.get(dim, 0.0) for dim, idf in terms)
            for idf, candidates in groups:
                tf = sum(w * min(_tf(vector.get(d, 0.0), norm) for d in dims) for dims, w in candidates)
                score += scale * idf * tf / (tf + norm) if tf > 0 else 0.0
        if score > 0:
            out.append((chunk, score))
    return sorted(out, key=lambda h: (-h[1], h[0]))


def _group(group: Sequence[tuple[Sequence[str], float]], stats: TermStats):
    candidates = []
    for run, weight in group:
        dims = [stats.vocab.get(t) for t in dict.fromkeys(run)]
        if dims and None not in dims:
            candidates.append((dims, float(weight)))
    return float(lucene_idf(stats.size, max(group_df(group, stats), 1e-9))), candidates


def _tf(weight: float, norm: float) -> float:
    return weight * norm / (1.0 - weight) if 0 < weight < 1 else 0.0
