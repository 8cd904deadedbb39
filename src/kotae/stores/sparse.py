"""BM25 as sparse vectors, so that a vector database's inner product ranks chunks as kotae's BM25 does.

For a chunk d of |d| terms and a query term t occurring tf(t, d) times in d, over N chunks of mean length avgdl,
of which df(t) hold t (bm25s' Lucene variant, the one the local store uses):

    document side   w(t, d) = tf(t, d) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))
    query side      q(t)    = idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
    inner product   Σ_t q(t) · w(t, d) = BM25(query, d)

The document side holds everything that depends on the chunk (its length included), the query side everything
that depends on the collection; both are exact, so plain (Japanese) queries score as in the local store.

English questions are structured queries (`LexicalIndex.group_scores`): each English word is one pseudo-term whose
frequency is the weighted sum of its Japanese candidates' frequencies, saturated once. Saturation of a sum is not a
sum over dimensions, so no single sparse vector gives it; the closest one gives each candidate's rarest term the
group's idf times the candidate's weight. That is exact when the candidates have weight 1 and never share a chunk
(the usual case); otherwise a chunk holding several candidates counts each, a candidate of weight w < 1 adds w times
its saturated frequency rather than saturating w·tf, and the group's document frequency is the weighted sum of its
candidates' (capped at N) where the local store counts their union. `tests/test_milvus_quality.py` measures what this
changes on the gold questions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from kotae.lexical import K1, B, lucene_idf
from kotae.query import Query

FILE = "terms.json"  # the vocabulary and document frequencies, in the build's folder


class TermStats:
    """What the query side needs of a collection: each term's dimension and document frequency, and N."""

    def __init__(self, terms: Sequence[str], df: np.ndarray, chunks: int) -> None:
        self.vocab: dict[str, int] = {t: i for i, t in enumerate(terms)}
        self.df = np.asarray(df, dtype=np.int64)
        self.size = int(chunks)

    @classmethod
    def of(cls, vocab: Mapping[str, int], df: np.ndarray, chunks: int) -> TermStats:
        terms = [""] * len(df)
        for term, i in vocab.items():
            if i < len(terms):
                terms[i] = term
        return cls(terms, df, chunks)

    def save(self, path: Path) -> None:
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        rows = [[t, int(self.df[self.vocab[t]])] for t in terms]
        path.write_text(json.dumps({"chunks": self.size, "terms": rows}, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TermStats:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls([t for t, _ in data["terms"]], np.array([d for _, d in data["terms"]]), data["chunks"])

    def document_share(self, term: str) -> float:
        """As `LexicalIndex.document_share`: the share of the chunks holding a term."""
        i = self.vocab.get(term)
        return int(self.df[i]) / self.size if i is not None and self.size else 0.0

    def idf(self, term: str) -> float:
        """As `LexicalIndex.idf`: a term no chunk holds gets that of a single chunk's term."""
        i = self.vocab.get(term)
        return float(lucene_idf(self.size, max(int(self.df[i]) if i is not None else 0, 1)))

    def known(self, terms: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(t for t in terms if t and t in self.vocab))


def document_vectors(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                     doclen: np.ndarray) -> list[dict[int, float]]:
    """Each chunk's saturated term weights w(t, d), as {term dimension: weight}, from term-major raw counts."""
    from scipy import sparse

    norm = length_norms(doclen)
    terms = len(indptr) - 1
    by_term = sparse.csc_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices), np.asarray(indptr)),
                                shape=(len(doclen), terms))
    by_chunk = by_term.tocsr()
    rows = np.repeat(np.arange(len(doclen)), np.diff(by_chunk.indptr))
    weights = (by_chunk.data / (by_chunk.data + norm[rows])).astype(np.float32)
    return [dict(zip(by_chunk.indices[a:b].tolist(), weights[a:b].tolist()))
            for a, b in zip(by_chunk.indptr[:-1], by_chunk.indptr[1:])]


def length_norms(doclen: np.ndarray) -> np.ndarray:
    """Each chunk's k1 · (1 − b + b · |d| / avgdl), the denominator's length part."""
    doclen = np.asarray(doclen, dtype=np.float64)
    avg = float(doclen.mean()) if doclen.size else 1.0
    return K1 * ((1 - B) + B * doclen / avg)


def query_vector(query: Query, stats: TermStats, *, type_weight: float) -> dict[int, float]:
    """The query side of the local store's lexical score: direct terms and translated groups, plus the
    answer-type forms of both at `type_weight` (see `Retriever.lexical_scores`)."""
    out: dict[int, float] = {}
    typed_terms, typed_groups = query.typed()
    for terms, groups, scale in ((query.terms, query.groups(), 1.0), (typed_terms, typed_groups, type_weight)):
        for term in stats.known(terms):
            _add(out, stats.vocab[term], scale * stats.idf(term))
        for group in groups:
            for dim, weight in group_vector(group, stats).items():
                _add(out, dim, scale * weight)
    return out


def group_vector(group: Sequence[tuple[Sequence[str], float]], stats: TermStats) -> dict[int, float]:
    """One English word's candidates as one sparse vector (the closest form; see the module's docstring)."""
    found: list[tuple[int, int, float]] = []  # (rarest term's dimension, the run's df, weight)
    for run, weight in group:
        ids = [stats.vocab.get(t) for t in dict.fromkeys(run)]
        if not ids or None in ids:
            continue
        rarest = min(ids, key=lambda i: stats.df[i])
        found.append((rarest, int(stats.df[rarest]), float(weight)))
    if not found:
        return {}
    idf = float(lucene_idf(stats.size, max(group_df(group, stats), 1e-9)))
    out: dict[int, float] = {}
    for dim, _, weight in found:
        out[dim] = max(out.get(dim, 0.0), weight * idf)
    return out


def group_df(group: Sequence[tuple[Sequence[str], float]], stats: TermStats) -> float:
    """A group's document frequency, estimated from its candidates' alone: the weighted sum of each run's (that of
    its rarest term), at most N; the local store counts the union of their chunks, which needs the postings."""
    total = 0.0
    for run, weight in group:
        ids = [stats.vocab.get(t) for t in dict.fromkeys(run)]
        if ids and None not in ids:
            total += float(weight) * int(min(stats.df[i] for i in ids))
    return min(float(stats.size), total)


def _add(out: dict[int, float], dim: int, weight: float) -> None:
    if weight > 0:
        out[dim] = out.get(dim, 0.0) + weight
